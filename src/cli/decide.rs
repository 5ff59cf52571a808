//! `ruling decide`: decide one JSON request against a policy.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use ruling::folder::{PolicyError, load_set};
use ruling::render::{decision_json, decision_text, request_error_json, request_error_text};
use ruling::{RequestFailure, decide_json};

use super::exit;
use super::output::{eprint, print, report, stdout_colour};

/// Decide a JSON request against a policy
///
/// POLICY is a policy file, or a folder holding versions of one policy: the
/// version in effect on the request's date decides (the policy's
/// `effective_date_field`). REQUEST is a JSON file, `-` for stdin, or a case
/// file (`{"request": …, "expect": …}`), whose request is decided.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling decide policies/iptv-smarters-pro policies/iptv-smarters-pro/cases/approve-within-window.json\n  \
    ruling decide policies/iptv-smarters-pro/2025-01-22.toml request.json --format json\n  \
    echo '{\"purchase\": {}}' | ruling decide policies/iptv-smarters-pro -"
)]
pub struct Args {
    /// Policy file, or folder of policy versions
    policy: PathBuf,
    /// Request JSON file, case file, or `-` for stdin
    request: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: outcome, reason, effects and the trace
    Text,
    /// For programs: the documented, versioned JSON shape
    Json,
}

pub fn run(args: &Args) -> u8 {
    let set = match load_set(&args.policy) {
        Ok(set) => set,
        Err(errors) => return policy_failure(&errors),
    };
    let bytes = match read_request(&args.request) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprint(&format!(
                "error: cannot read `{}`: {error}\n",
                args.request.display()
            ));
            return exit::IO;
        }
    };
    let request = match ruling::case::parse_case(&bytes) {
        Some(Ok(case)) => case.request.get().as_bytes().to_vec(),
        Some(Err(error)) => {
            eprint(&format!(
                "error: `{}` looks like a case file but is not valid: {error}\n",
                args.request.display()
            ));
            return exit::INVALID_REQUEST;
        }
        None => bytes,
    };
    let probe: serde_json::Value = serde_json::from_slice(&request).unwrap_or_default();
    let selected = match set.select(&probe) {
        Ok(Some(selected)) => selected,
        Ok(None) => return exit::INVALID_POLICY,
        Err(error) => {
            eprint(&format!("error: {error}\n"));
            return exit::INVALID_REQUEST;
        }
    };
    let policy = selected.policy;
    match decide_json(policy, &request) {
        Ok(mut decision) => {
            if set.from_folder {
                decision.policy.selected = Some(selected.why);
            }
            let text = match args.format {
                Format::Text => decision_text(&decision, stdout_colour()),
                Format::Json => decision_json(&decision),
            };
            if print(&text).is_err() {
                exit::IO
            } else {
                exit::OK
            }
        }
        Err(failure) => {
            let name = if args.request.as_os_str() == "-" {
                "stdin".to_owned()
            } else {
                args.request.display().to_string()
            };
            let rendered = match (args.format, &failure) {
                (Format::Json, _) => request_error_json(&failure, policy),
                (
                    Format::Text,
                    RequestFailure::Undecidable(ruling::DecideError::Evaluation(error)),
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

fn read_request(path: &Path) -> std::io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(path)
    }
}

pub(super) fn policy_failure(errors: &[PolicyError]) -> u8 {
    let mut code = exit::INVALID_POLICY;
    for error in errors {
        match error {
            PolicyError::Invalid(error) => report(&error.diagnostics, &error.file),
            PolicyError::Io { .. } => {
                eprint(&format!("error: {error}\n"));
                code = exit::IO;
            }
            PolicyError::Empty(_) => eprint(&format!("error: {error}\n")),
        }
    }
    code
}
