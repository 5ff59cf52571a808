//! Decides a refund request in-process, as a service embedding `ruling`
//! would: load the shipped IPTV Smarters Pro policy folder once, then for
//! a request choose the version in effect, decide, and print the outcome,
//! the reason and the effects.
//!
//! ```console
//! $ cargo run --example decide
//! $ cargo run --example decide -- policies/steam policies/steam/cases/game-119-minutes-played-approve.json
//! ```
//!
//! The arguments are a policy file or folder and a case file (a JSON
//! object whose `request` member is the request, as under `cases/`).

use std::error::Error;
use std::path::Path;
use std::process::ExitCode;

use ruling::{Choice, Decision, PolicySet};

const FOLDER: &str = "policies/iptv-smarters-pro";
const CASE: &str = "policies/iptv-smarters-pro/cases/approve-within-window.json";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let folder = args.next().unwrap_or_else(|| FOLDER.to_owned());
    let case = args.next().unwrap_or_else(|| CASE.to_owned());
    match decide_case(Path::new(&folder), Path::new(&case)) {
        Ok(decision) => {
            print!("{}", summary(&decision));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the policy at `policy`, reads the request of the case file
/// `case`, and decides it with the version in effect on its date.
fn decide_case(policy: &Path, case: &Path) -> Result<Decision, Box<dyn Error>> {
    let set = load(policy)?;
    let case: serde_json::Value = serde_json::from_slice(&std::fs::read(case)?)?;
    let request = case
        .get("request")
        .ok_or("the case file has no `request`")?
        .to_string();
    let version = set.select(request.as_bytes(), &Choice::ByRequest)?;
    Ok(ruling::decide_json(version.policy, request.as_bytes())?)
}

/// A policy file or folder; its problems rendered as `ruling check` shows
/// them.
fn load(path: &Path) -> Result<PolicySet, Box<dyn Error>> {
    ruling::load_set(path).map_err(|errors| {
        let mut text = String::new();
        for error in &errors {
            match error {
                ruling::PolicyError::Invalid(invalid) => text.push_str(
                    &ruling::render_diagnostics(&invalid.diagnostics, &invalid.file, false, 80),
                ),
                other => text.push_str(&format!("{other}\n")),
            }
        }
        text.into()
    })
}

/// The outcome, the reason and the effects, one per line.
fn summary(decision: &Decision) -> String {
    let mut text = format!(
        "{} by rule {}\n{}\n",
        decision.outcome, decision.rule.id, decision.reason
    );
    for (name, value) in &decision.effects {
        text.push_str(&format!("  {name} = {value}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_case_is_approved_with_a_full_refund() {
        let decision = decide_case(Path::new(FOLDER), Path::new(CASE)).unwrap();
        assert_eq!(decision.outcome, ruling::Outcome::Approve);
        assert_eq!(decision.rule.id, "within-window-support-contacted");
        let text = summary(&decision);
        assert!(text.starts_with("approve by rule within-window-support-contacted\n"));
        assert!(text.contains("  refund_amount = 59.99\n"), "{text}");
    }

    #[test]
    fn a_broken_policy_is_reported_with_its_diagnostics() {
        let error = load(Path::new(
            "tests/fixtures/policies/enum-typo-in-equals.toml",
        ))
        .unwrap_err();
        assert!(
            error.to_string().contains("enum-typo-in-equals.toml"),
            "{error}"
        );
    }
}
