//! `ruling diff`: how two versions of a policy differ, in their files and
//! in their decisions on a stream of requests.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::policy::folder::{PolicySet, load_set};
use crate::tools::diff::{
    DecisionDiff, DiffReport, MAX_LINE_BYTES, NdjsonReader, PolicySide, diff_json, diff_text,
    structural_diff, symbolic_diff,
};
use clap::ValueEnum;

use super::decide::policy_failure;
use super::exit;
use super::output::{eprint, print};
use super::progress::Progress;

/// Compare two versions of a policy, and their decisions on many requests
///
/// Prints how the files differ (fields, derived values, constraints, rules
/// added, removed, moved or changed, the default), then, with --requests,
/// decides every request by both versions and reports which decisions
/// changed: counts by old → new outcome, and each changed request with the
/// rules that decided it before and after.
///
/// OLD and NEW are policy files, or folders of versions (each request is then
/// decided by the version in effect on its date). REQUESTS is NDJSON, one
/// request or case (`{"request": …, "expect": …}`) per line, or `-` for
/// stdin; it is streamed, so any number of lines runs in constant memory. A
/// line either version rejects is counted as an error and the run goes on.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling diff policies/iptv-smarters-pro/2025-01-22.toml tests/fixtures/diff/iptv-14-day-window.toml\n  \
    ruling diff OLD.toml NEW.toml --requests requests.ndjson\n  \
    ruling diff policies/iptv-smarters-pro/2025-01-22.toml policies/iptv-smarters-pro/2025-06-01.toml --symbolic\n  \
    ruling diff OLD.toml NEW.toml --requests - --format json < requests.ndjson\n\n\
    Exit codes:\n  \
    0  the diff ran, whatever changed\n  \
    1  a policy has problems\n  \
    3  requests were given, but not one could be decided by both versions\n  \
    4  a file could not be read"
)]
pub(crate) struct Args {
    /// The old policy file, or folder of policy versions
    old: PathBuf,
    /// The new policy file, or folder of policy versions
    new: PathBuf,
    /// NDJSON file of requests or cases, one per line; `-` for stdin
    #[arg(long, value_name = "FILE")]
    requests: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// How many changed requests to list (and as many rejected ones); all are counted
    #[arg(long, default_value_t = 1000, value_name = "N")]
    limit: usize,
    /// Also find, without a corpus, the requests whose decision changes: every request cell of
    /// the newest versions, grouped by old rule → new rule, one example each (see `ruling lint`)
    #[arg(long)]
    symbolic: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people
    Text,
    /// For programs: the documented, versioned JSON shape (docs/diff-format.md)
    Json,
}

pub(crate) fn run(args: &Args) -> u8 {
    let (old, new) = match (load_set(&args.old), load_set(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => {
            let errors: Vec<_> = [old.err(), new.err()]
                .into_iter()
                .flatten()
                .flatten()
                .collect();
            return policy_failure(&errors);
        }
    };
    let (Some(old_newest), Some(new_newest)) = (old.versions.last(), new.versions.last()) else {
        return exit::INVALID_POLICY;
    };
    if old_newest.meta.id != new_newest.meta.id {
        eprint(&format!(
            "warning: these are two different policies, `{}` and `{}`, not two versions of one: \
             every rule and field may differ\n",
            old_newest.meta.id, new_newest.meta.id
        ));
    }
    let structure = structural_diff(old_newest, new_newest);
    let decisions = match &args.requests {
        Some(path) => match diff_requests(path, &old, &new, args.limit) {
            Ok(decisions) => Some(decisions),
            Err(error) => {
                eprint(&format!(
                    "error: cannot read `{}`: {error}\n",
                    path.display()
                ));
                return exit::IO;
            }
        },
        None => None,
    };
    let symbolic = if args.symbolic {
        match symbolic_diff(old_newest, new_newest, crate::limits::LINT_BUDGET) {
            Ok(found) => Some(found),
            Err(error) => {
                eprint(&format!("error: {error}\n"));
                return exit::INVALID_POLICY;
            }
        }
    } else {
        None
    };
    let report = DiffReport {
        format: crate::tools::diff::DIFF_FORMAT,
        old: PolicySide::new(args.old.display().to_string(), &old),
        new: PolicySide::new(args.new.display().to_string(), &new),
        structure: &structure,
        decisions: decisions.as_ref(),
        symbolic: symbolic.as_ref(),
    };
    let text = match args.format {
        Format::Text => diff_text(&report),
        Format::Json => diff_json(&report),
    };
    if print(&text).is_err() {
        return exit::IO;
    }
    match decisions {
        Some(diff) if diff.requests > 0 && diff.unchanged + diff.changed == 0 => {
            eprint("error: not one request could be decided by both versions\n");
            exit::INVALID_REQUEST
        }
        _ => exit::OK,
    }
}

/// Streams the requests through both versions, one line at a time.
fn diff_requests(
    path: &Path,
    old: &PolicySet,
    new: &PolicySet,
    limit: usize,
) -> io::Result<DecisionDiff> {
    let (input, size): (Box<dyn BufRead>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let file = File::open(path)?;
        let size = file.metadata().ok().map(|metadata| metadata.len());
        (Box::new(BufReader::with_capacity(1 << 16, file)), size)
    };
    let mut reader = NdjsonReader::new(input);
    let mut diff = DecisionDiff::new(limit);
    let mut progress = Progress::new(size);
    let result = loop {
        match reader.next_line() {
            Ok(Some(line)) if line.too_long => diff.add_too_long(line.number, MAX_LINE_BYTES),
            Ok(Some(line)) => diff.add_line(line.number, line.bytes, old, new),
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        }
        progress.tick(diff.requests, reader.bytes_read());
    };
    progress.finish();
    result.map(|()| diff)
}
