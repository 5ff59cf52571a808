//! `ruling decide`: decide one JSON request against a policy.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::decision::decide::{Listed, decide_listing};
use crate::interface::batch::BatchOptions;
use crate::interface::record::{Record, RecordEvent, Recorder, records_at};
use crate::limits::{MAX_REQUEST_BYTES, RequestLimits};
use crate::policy::folder::{Choice, PolicyError, PolicySet, Selected, load_set};
use crate::render::{decision_json, decision_text, request_error_json, request_error_text};
use crate::request::{RequestError, decode_with};
use crate::{Policy, RequestFailure};
use clap::ValueEnum;

use super::exit;
use super::output::{eprint, print, report, stdout_colour};

/// Decide a JSON request against a policy
///
/// POLICY is a policy file, or a folder holding versions of one policy: the
/// version in effect on the request's date decides (the policy's
/// `effective_date_field`). REQUEST is a JSON file, `-` for stdin, or a case
/// file (`{"request": …, "expect": …}`), whose request is decided.
///
/// With --ndjson, requests are read one per line (a file or `-`) and one JSON
/// decision per line is written, in input order; a line that cannot be
/// decided gets an error record with its line number and the run goes on. A
/// summary goes to stderr. Exit code 3 when any line was rejected.
///
/// With --record, every decision (request, policy version and trace) is also
/// stored in a SQLite database: --record=PATH, else $RULING_RECORDS, else
/// `ruling.db` in the current folder, created on first use; or, given a URL
/// (--record=postgres://USER@HOST/DB), in PostgreSQL. Find them again
/// with `ruling why ID` and `ruling log`. A decision is printed even when it
/// cannot be recorded; then the records lost are reported and the exit code
/// is 4.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling decide policies/iptv-smarters-pro policies/iptv-smarters-pro/cases/approve-within-window.json\n  \
    ruling decide policies/iptv-smarters-pro/2025-01-22.toml request.json --format json\n  \
    ruling decide policies/iptv-smarters-pro request.json --at 2025-07-01\n  \
    echo '{\"purchase\": {}}' | ruling decide policies/iptv-smarters-pro -\n  \
    ruling decide policies/iptv-smarters-pro --ndjson requests.ndjson --jobs 2 > decisions.ndjson\n  \
    ruling decide policies/iptv-smarters-pro request.json --record=decisions.db\n  \
    ruling decide policies/iptv-smarters-pro --ndjson part-aa --record=postgres://ruling@db.internal/ruling"
)]
pub(crate) struct Args {
    /// Policy file, or folder of policy versions
    policy: PathBuf,
    /// Request JSON file, case file, or `-` for stdin
    #[arg(required_unless_present = "ndjson")]
    request: Option<PathBuf>,
    /// Decide every line of this NDJSON file (`-` for stdin) instead
    #[arg(long, value_name = "FILE", conflicts_with = "request")]
    ndjson: Option<PathBuf>,
    /// Threads for --ndjson (output order is kept)
    #[arg(long, default_value_t = 1, requires = "ndjson", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
    /// With --ndjson, include the full trace in every decision
    #[arg(long, requires = "ndjson")]
    trace: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// List the policy's `[helpers]` among the derived values too
    #[arg(long, conflicts_with = "ndjson")]
    helpers: bool,
    /// Decide with this version of a policy folder, whatever the dates
    #[arg(long, conflicts_with = "at")]
    version: Option<String>,
    /// Decide with the version in effect on this date (YYYY-MM-DD)
    #[arg(long, value_parser = super::parse_date)]
    at: Option<chrono::NaiveDate>,
    /// Store every decision in this SQLite database or PostgreSQL URL [default: $RULING_RECORDS, else ruling.db]
    // `=` is required so that `--record` without a path cannot swallow the
    // request argument that follows it.
    #[arg(
        long,
        value_name = "PATH",
        num_args = 0..=1,
        require_equals = true
    )]
    record: Option<Option<PathBuf>>,
    /// Refuse a request (with --ndjson, a line) larger than this many bytes
    #[arg(long, value_name = "BYTES", default_value_t = MAX_REQUEST_BYTES)]
    max_request_bytes: usize,
    /// A third path, as in `--record PATH`: told to write `--record=PATH`
    #[arg(hide = true)]
    extra: Option<PathBuf>,
    /// Written `--format json`; kept hidden so that it gets that advice
    /// rather than a suggestion of `--ndjson`
    #[arg(long, hide = true)]
    json: bool,
    /// Reject a request with a member the policy does not declare (by
    /// default such members are ignored, with a warning when one looks like
    /// a misspelled field)
    #[arg(long)]
    strict: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: outcome, reason, effects and the trace
    Text,
    /// For programs: the documented, versioned JSON shape
    Json,
}

pub(crate) fn run(args: &Args) -> u8 {
    if let Some(extra) = &args.extra {
        let help = if args.record.is_some() {
            format!(
                "write `--record={}`, with `=`, so that the path is not taken for another argument",
                extra.display()
            )
        } else {
            "give a policy and one request; `--ndjson FILE` decides many requests".to_owned()
        };
        eprint(&format!(
            "error: unexpected argument `{}`\n  help: {help}\n",
            extra.display()
        ));
        return exit::USAGE;
    }
    if args.json {
        eprint(
            "error: `--json` is written `--format json` (`--ndjson FILE` decides many requests, one per line)\n",
        );
        return exit::USAGE;
    }
    if let Some(request) = &args.request
        && looks_swapped(&args.policy, request)
    {
        eprint(&format!(
            "error: `{}` is a request and `{}` a policy: the policy comes first\n  \
             help: ruling decide {} {}\n",
            args.policy.display(),
            request.display(),
            request.display(),
            args.policy.display()
        ));
        return exit::USAGE;
    }
    let set = match load_set(&args.policy) {
        Ok(set) => set,
        Err(errors) => return policy_failure(&errors),
    };
    let recorder = args.record.as_ref().map(|path| {
        let at = records_at(path.as_deref());
        // One request: its record's fate is told once, at the end.
        let batch = args.ndjson.is_some();
        Recorder::open(at, move |event| {
            if batch {
                report_record_event(event);
            }
        })
    });
    let choice = match (&args.version, args.at) {
        (Some(version), _) => Choice::Version(version.clone()),
        (None, Some(date)) => Choice::At(date),
        (None, None) => Choice::ByRequest,
    };
    let limits = RequestLimits {
        max_bytes: args.max_request_bytes,
        strict: args.strict,
        ..RequestLimits::default()
    };
    match (&args.ndjson, &args.request) {
        (Some(input), _) => {
            let options = BatchOptions {
                jobs: usize::from(args.jobs),
                trace: args.trace,
                limits,
            };
            super::batch::run(&set, &choice, input, options, recorder)
        }
        (None, Some(request)) => {
            let listed = if args.helpers {
                Listed::WithHelpers
            } else {
                Listed::Derived
            };
            decide_one(
                &set,
                &choice,
                request,
                args.format,
                listed,
                limits,
                recorder,
            )
        }
        (None, None) => exit::USAGE,
    }
}

/// Tells, as it happens, that records started or stopped being lost.
fn report_record_event(event: &RecordEvent) {
    match event {
        RecordEvent::Losing { .. } => eprint(&format!("error: {event}\n")),
        RecordEvent::Resumed { .. } => eprint(&format!("note: {event}\n")),
    }
}

fn decide_one(
    set: &PolicySet,
    choice: &Choice,
    path: &Path,
    format: Format,
    listed: Listed,
    limits: RequestLimits,
    recorder: Option<Recorder>,
) -> u8 {
    let bytes = match read_request(path, limits.max_bytes) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprint(&format!(
                "error: cannot read `{}`: {error}\n",
                path.display()
            ));
            return exit::IO;
        }
    };
    // An oversized request is refused before anything parses it, even to
    // pick the version; the reader stopped one byte past the limit. The
    // newest version names the policy in the message.
    if bytes.len() > limits.max_bytes {
        let Some(policy) = set.versions.last() else {
            return exit::INVALID_REQUEST;
        };
        let failure = RequestFailure::Invalid(RequestError::too_large(limits.max_bytes));
        return reject(policy, &failure, format, path, b"");
    }
    let json = matches!(format, Format::Json);
    let (request, choice) = match case_request(path, bytes, choice, json) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let selected = match select(set, &request, &choice, json) {
        Ok(selected) => selected,
        Err(code) => return code,
    };
    let policy = selected.policy;
    let decoded = match decode_with(&policy.schema, policy.meta.timezone, &request, limits) {
        Ok(decoded) => decoded,
        Err(error) => {
            let failure = RequestFailure::Invalid(error);
            return reject(policy, &failure, format, path, &request);
        }
    };
    let mut decision = match decide_listing(policy, &decoded, listed) {
        Ok(decision) => decision,
        Err(error) => {
            let failure = RequestFailure::Undecidable(error);
            return reject(policy, &failure, format, path, &request);
        }
    };
    if set.from_folder {
        decision.policy.selected = Some(selected.why);
    }
    if let Some(recorder) = &recorder {
        recorder.submit(Record::new(policy, &decoded, &decision));
    }
    let text = match format {
        Format::Text => decision_text(&decision, stdout_colour()),
        Format::Json => decision_json(&decision),
    };
    let printed = print(&text);
    // The decision is printed whatever becomes of its record; a record
    // that could not be stored is told, with exit code 4.
    let lost = recorder
        .map(|recorder| recorder.finish())
        .filter(|records| records.lost > 0);
    if let Some(records) = &lost {
        eprint(&format!(
            "error: the decision was not recorded: {}\n",
            records.first_error.as_deref().unwrap_or("unknown cause")
        ));
    }
    if printed.is_err() || lost.is_some() {
        exit::IO
    } else {
        exit::OK
    }
}

/// Reports a request that could not be decided, on stderr only.
fn reject(
    policy: &Policy,
    failure: &RequestFailure,
    format: Format,
    path: &Path,
    request: &[u8],
) -> u8 {
    let name = if path.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    let rendered = match (format, failure) {
        (Format::Json, _) => request_error_json(failure, policy),
        (Format::Text, RequestFailure::Undecidable(crate::DecideError::Evaluation(error))) => {
            eprint(&format!(
                "error: policy `{}` version `{}` cannot decide this request: a value cannot be computed\n",
                policy.meta.id, policy.meta.version
            ));
            report(&[error.to_diagnostic()], &policy.file);
            String::new()
        }
        (Format::Text, _) => request_error_text(failure, policy, &name, request),
    };
    eprint(&rendered);
    exit::INVALID_REQUEST
}

/// Reads a request, stopping one byte past `limit`: enough to tell that
/// it is too large without holding all of it.
/// The request of a case file (and the version the case names, unless the
/// command line names one), or the bytes as they are; on an invalid case
/// file, prints why and returns the exit code.
pub(crate) fn case_request(
    path: &Path,
    bytes: Vec<u8>,
    choice: &Choice,
    json: bool,
) -> Result<(Vec<u8>, Choice), u8> {
    match crate::tools::case::parse_case(&bytes) {
        Some(Ok(case)) => {
            let choice = match (choice, case.version) {
                (Choice::ByRequest, Some(version)) => Choice::Version(version),
                (choice, _) => choice.clone(),
            };
            Ok((case.request.get().as_bytes().to_vec(), choice))
        }
        Some(Err(error)) => Err(refuse(
            json,
            "invalid_case",
            format!(
                "`{}` looks like a case file but is not valid: {error}",
                path.display()
            ),
        )),
        None => {
            let misspelled = crate::tools::case::misspelled_keys(&bytes);
            if misspelled
                .iter()
                .any(|message| message.ends_with("did you mean `expect`?"))
            {
                return Err(refuse(
                    json,
                    "invalid_case",
                    format!(
                        "`{}` looks like a case file but is not valid: {}",
                        path.display(),
                        misspelled.join("; ")
                    ),
                ));
            }
            Ok((bytes, choice.clone()))
        }
    }
}

/// The version that decides `request`; when none can, prints why and
/// returns the exit code.
pub(crate) fn select<'s>(
    set: &'s PolicySet,
    request: &[u8],
    choice: &Choice,
    json: bool,
) -> Result<Selected<'s>, u8> {
    set.select(request, choice)
        .map_err(|error| refuse(json, "no_version", error.to_string()))
}

/// Prints why a request cannot be decided, as a line of text or, for
/// `--format json`, as the JSON error shape; returns exit code 3.
fn refuse(json: bool, kind: &str, message: String) -> u8 {
    if json {
        let body = serde_json::json!({"error": {
            "format": crate::decision::DECISION_FORMAT,
            "kind": kind,
            "message": message,
            "problems": [],
        }});
        eprint(&format!(
            "{}\n",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        ));
    } else {
        eprint(&format!("error: {message}\n"));
    }
    exit::INVALID_REQUEST
}

pub(crate) fn read_request(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let most = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().lock().take(most).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(most)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// Reports policy problems and returns the exit code they call for.
pub(crate) fn policy_failure(errors: &[PolicyError]) -> u8 {
    let mut code = exit::INVALID_POLICY;
    for error in errors {
        match error {
            PolicyError::Invalid(error) => report(&error.diagnostics, &error.file),
            PolicyError::Io { path, source } => {
                eprint(&format!("error: {error}\n"));
                if source.kind() == std::io::ErrorKind::NotFound
                    && let Some(meant) = nearest_sibling(path)
                {
                    eprint(&format!("  help: did you mean `{}`?\n", meant.display()));
                }
                code = exit::IO;
            }
            PolicyError::Empty(path) => {
                eprint(&format!("error: {error}\n"));
                if let Some(help) = policy_folders_help(path) {
                    eprint(&format!("  help: {help}\n"));
                }
            }
            PolicyError::Link(_) => eprint(&format!("error: {error}\n")),
        }
    }
    code
}

/// For a folder of policy folders given where one policy goes: names them.
fn policy_folders_help(path: &Path) -> Option<String> {
    let holds_policies = |folder: &PathBuf| {
        std::fs::read_dir(folder).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.path().extension().is_some_and(|ext| ext == "toml"))
        })
    };
    let folders: Vec<PathBuf> = crate::policy::folder::folders_below(path)
        .ok()?
        .into_iter()
        .filter(|folder| folder != path && holds_policies(folder))
        .collect();
    let names: Vec<String> = folders
        .iter()
        .take(6)
        .map(|folder| format!("`{}`", folder.display()))
        .collect();
    let first = folders.first()?;
    Some(format!(
        "it holds the policy folders {}; give one of them, for example `ruling decide {} REQUEST`",
        names.join(", "),
        first.display()
    ))
}

/// The file or folder beside `path` whose name is closest to its name.
fn nearest_sibling(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let siblings: Vec<String> = std::fs::read_dir(parent)
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    let meant = crate::diagnostic::suggest::closest(name, siblings.iter().map(String::as_str))?;
    Some(path.with_file_name(meant))
}

/// Whether POLICY and REQUEST were given the wrong way round: a JSON file
/// where the policy goes, and a policy file or folder where the request does.
fn looks_swapped(policy: &Path, request: &Path) -> bool {
    let is_json = |path: &Path| path.extension().is_some_and(|ext| ext == "json");
    let is_policy =
        |path: &Path| path.is_dir() || path.extension().is_some_and(|ext| ext == "toml");
    policy.is_file() && is_json(policy) && is_policy(request)
}
