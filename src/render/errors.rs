//! Rejected requests, for people and for programs.

use std::fmt::Write;

use super::{Palette, write_condition};
use crate::decision::decide::DecideError;
use crate::decision::decide::RequestFailure;
use crate::policy::Policy;

/// A rejected request for people: what was wrong, where, and how to fix it.
/// `source` is the request as sent, named `source_name`, to show where a
/// JSON syntax error is.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let sent = br#"{"purchase": {"amount": true}}"#;
/// let failure = ruling::decide_json(&policy, sent).unwrap_err();
/// let text = ruling::request_error_text(&failure, &policy, "request.json", sent);
/// assert!(text.contains("purchase.amount"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn request_error_text(
    failure: &RequestFailure,
    policy: &Policy,
    source_name: &str,
    source: &[u8],
) -> String {
    let mut out = String::new();
    match failure {
        RequestFailure::Invalid(error) => {
            let _ = writeln!(out, "error: {}", summary(failure, policy));
            for problem in &error.problems {
                let _ = writeln!(out, "  × {}", problem.message());
                if let Some((line, column)) = problem.location() {
                    write_source_line(&mut out, source_name, source, line, column);
                }
                if let Some(help) = problem.help() {
                    let _ = writeln!(out, "    help: {help}");
                }
            }
        }
        RequestFailure::Undecidable(DecideError::Constraints(broken)) => {
            let _ = writeln!(out, "error: {}", summary(failure, policy));
            for constraint in broken {
                let _ = writeln!(
                    out,
                    "  × {} (constraint `{}`)",
                    constraint.message, constraint.id
                );
                write_condition(
                    &mut out,
                    &constraint.condition,
                    4,
                    Palette { colour: false },
                );
            }
        }
        RequestFailure::Undecidable(DecideError::Evaluation(error)) => {
            let _ = writeln!(out, "error: {error}");
        }
        RequestFailure::Undecidable(DecideError::NoRule) => {
            let _ = writeln!(out, "error: {}", summary(failure, policy));
            let _ = writeln!(out, "    help: {NO_RULE_HELP}");
        }
    }
    out
}

fn summary(failure: &RequestFailure, policy: &Policy) -> String {
    let meta = &policy.meta;
    match failure {
        RequestFailure::Invalid(_) => format!(
            "the request was rejected by policy `{}` version `{}`",
            meta.id, meta.version
        ),
        RequestFailure::Undecidable(DecideError::Constraints(broken)) => format!(
            "the request breaks {} of policy `{}` version `{}`",
            if broken.len() == 1 {
                "a constraint"
            } else {
                "constraints"
            },
            meta.id,
            meta.version
        ),
        RequestFailure::Undecidable(DecideError::Evaluation(error)) => error.message.clone(),
        RequestFailure::Undecidable(DecideError::NoRule) => format!(
            "no rule of policy `{}` version `{}` decides the request, and the policy has no `[default]`",
            meta.id, meta.version
        ),
    }
}

/// What the owner of a policy without `[default]` does when a request
/// reaches none of its rules.
const NO_RULE_HELP: &str = "a policy without `[default]` is meant for use only once `ruling check` proves that its rules decide every valid request: check it, then add a `[default]` or a rule for such requests";

/// Shows the line of the request where decoding stopped, with a caret.
fn write_source_line(out: &mut String, name: &str, source: &[u8], line: usize, column: usize) {
    let text = String::from_utf8_lossy(source);
    let Some(content) = text.lines().nth(line.saturating_sub(1)) else {
        return;
    };
    let start = column.saturating_sub(1).saturating_sub(30);
    let shown: String = content
        .chars()
        .skip(start)
        .take(70)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    let _ = writeln!(out, "    ╭─[{name}:{line}:{column}]");
    let _ = writeln!(out, "    │ {shown}");
    let caret = column.saturating_sub(1).saturating_sub(start);
    let _ = writeln!(out, "    │ {}^", " ".repeat(caret));
}

/// A rejected request for programs, one JSON object ending in a newline:
/// `{"error": {…}}`, as documented in `docs/decision-format.md`.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let failure = ruling::decide_json(&policy, br#"{"purchase": {"amount": true}}"#).unwrap_err();
/// let json: serde_json::Value = serde_json::from_str(&ruling::request_error_json(&failure, &policy))?;
/// assert!(json["error"].is_object());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn request_error_json(failure: &RequestFailure, policy: &Policy) -> String {
    let body = serde_json::json!({ "error": request_error_value(failure, policy) });
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    text
}

/// A rejected request as a JSON value: `{"format", "kind", "message",
/// "policy", "problems": [{"code", "path", "message", "help", "line",
/// "column"}]}`.
pub(crate) fn request_error_value(failure: &RequestFailure, policy: &Policy) -> serde_json::Value {
    let (kind, problems): (&str, Vec<serde_json::Value>) = match failure {
        RequestFailure::Invalid(error) => (
            "invalid_request",
            error
                .problems
                .iter()
                .map(|problem| {
                    let (line, column) = problem.location().unzip();
                    serde_json::json!({
                        "code": problem.code(),
                        "path": problem.path,
                        "message": problem.message(),
                        "help": problem.help(),
                        "line": line,
                        "column": column,
                    })
                })
                .collect(),
        ),
        RequestFailure::Undecidable(DecideError::Constraints(broken)) => (
            "broken_constraint",
            broken
                .iter()
                .map(|constraint| {
                    serde_json::json!({
                        "code": "broken-constraint",
                        "path": null,
                        "message": constraint.message,
                        "help": null,
                        "line": null,
                        "column": null,
                        "constraint": constraint.id,
                        "condition": constraint.condition,
                    })
                })
                .collect(),
        ),
        RequestFailure::Undecidable(DecideError::Evaluation(error)) => {
            let (line, column) = policy.file.line_column(error.span.start);
            (
                "evaluation",
                vec![serde_json::json!({
                    "code": "evaluation",
                    "path": null,
                    "message": error.message,
                    "help": null,
                    "line": line,
                    "column": column,
                    "file": policy.file.name,
                })],
            )
        }
        RequestFailure::Undecidable(DecideError::NoRule) => (
            "no_rule",
            vec![serde_json::json!({
                "code": "no-rule",
                "path": null,
                "message": "no rule decides the request",
                "help": NO_RULE_HELP,
                "line": null,
                "column": null,
            })],
        ),
    };
    serde_json::json!({
        "format": crate::decision::DECISION_FORMAT,
        "kind": kind,
        "message": summary(failure, policy),
        "policy": {"id": policy.meta.id, "version": policy.meta.version},
        "problems": problems,
    })
}
