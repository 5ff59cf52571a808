//! `ruling explain`: why a request was decided as it was, why the rules with
//! other outcomes did not decide, and what would make them decide.

use std::path::{Path, PathBuf};

use crate::Outcome;
use crate::RequestFailure;
use crate::decision::decide::Listed;
use crate::decision::explain::explain_listing;
use crate::policy::folder::{Choice, PolicySet, load_set};
use crate::render::{explanation_json, explanation_text, request_error_json, request_error_text};
use clap::ValueEnum;

use super::decide::{case_request, policy_failure, read_request, select};
use super::exit;
use super::output::{eprint, print, report, stdout_colour};

/// Explain the decision of a JSON request, and what would change it
///
/// Prints the deciding rule with its clause and reason and the values that
/// made it apply; then, for every rule that gives another outcome, which of
/// its conditions failed and with which values, and the smallest changes to
/// the request after which it would decide. Every change printed has been
/// applied and decided again: it is known to give that rule's outcome.
///
/// With --outcome, only the rules giving that outcome are explained: what
/// would it take to get it? POLICY, REQUEST, --version and --at work as for
/// `ruling decide`; counterfactuals are decided with the same version.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling explain policies/iptv-smarters-pro policies/iptv-smarters-pro/cases/day-8-is-outside-the-window.json\n  \
    ruling explain policies/iptv-smarters-pro request.json --outcome approve\n  \
    ruling explain policies/steam request.json --format json"
)]
pub(crate) struct Args {
    /// Policy file, or folder of policy versions
    policy: PathBuf,
    /// Request JSON file, case file, or `-` for stdin
    request: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Explain only the rules giving this outcome: what would it take?
    #[arg(long, value_parser = parse_outcome)]
    outcome: Option<Outcome>,
    /// List the policy's `[helpers]` among the derived values too
    #[arg(long)]
    helpers: bool,
    /// Explain with this version of a policy folder, whatever the dates
    #[arg(long, conflicts_with = "at")]
    version: Option<String>,
    /// Explain with the version in effect on this date (YYYY-MM-DD)
    #[arg(long, value_parser = super::parse_date)]
    at: Option<chrono::NaiveDate>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: the decision, why, and why not
    Text,
    /// For programs: the documented, versioned JSON shape
    Json,
}

fn parse_outcome(text: &str) -> Result<Outcome, String> {
    Outcome::from_keyword(text).ok_or_else(|| {
        format!("`{text}` is not an outcome; use `approve`, `deny`, `review` or `needs_info`")
    })
}

pub(crate) fn run(args: &Args) -> u8 {
    let set = match load_set(&args.policy) {
        Ok(set) => set,
        Err(errors) => return policy_failure(&errors),
    };
    let choice = match (&args.version, args.at) {
        (Some(version), _) => Choice::Version(version.clone()),
        (None, Some(date)) => Choice::At(date),
        (None, None) => Choice::ByRequest,
    };
    let listed = if args.helpers {
        Listed::WithHelpers
    } else {
        Listed::Derived
    };
    explain_one(
        &set,
        &choice,
        &args.request,
        args.format,
        args.outcome,
        listed,
    )
}

fn explain_one(
    set: &PolicySet,
    choice: &Choice,
    path: &Path,
    format: Format,
    target: Option<Outcome>,
    listed: Listed,
) -> u8 {
    let bytes = match read_request(path, crate::limits::MAX_REQUEST_BYTES) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprint(&format!(
                "error: cannot read `{}`: {error}\n",
                path.display()
            ));
            return exit::IO;
        }
    };
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
    match explain_listing(policy, &request, target, listed) {
        Ok(mut explanation) => {
            if set.from_folder {
                explanation.policy.selected = Some(selected.why);
            }
            let text = match format {
                Format::Text => explanation_text(&explanation, stdout_colour()),
                Format::Json => explanation_json(&explanation),
            };
            if print(&text).is_err() {
                exit::IO
            } else {
                exit::OK
            }
        }
        Err(failure) => {
            let name = if path.as_os_str() == "-" {
                "stdin".to_owned()
            } else {
                path.display().to_string()
            };
            let rendered = match (format, &failure) {
                (Format::Json, _) => request_error_json(&failure, policy),
                (
                    Format::Text,
                    RequestFailure::Undecidable(crate::DecideError::Evaluation(error)),
                ) => {
                    report(&[error.to_diagnostic()], &policy.file);
                    String::new()
                }
                (Format::Text, _) => request_error_text(&failure, policy, &name, &request),
            };
            eprint(&rendered);
            exit::INVALID_REQUEST
        }
    }
}
