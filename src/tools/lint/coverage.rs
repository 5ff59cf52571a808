//! A policy may leave out `[default]` when its rules decide every valid
//! request: `ruling check` asks the lint's enumeration to prove it, since
//! loading (an earlier stage) cannot evaluate conditions.

use crate::decision::decide::{DecideError, decide};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::policy::Policy;
use crate::policy::folder::{CheckReport, PolicyError, PolicySet};
use crate::policy::load::LoadError;
use crate::request::decode;

use super::bounds::Bounds;
use super::{Options, constraint_stage, example_help, main_enumeration, rule_stages};

/// Whether the rules of a policy decide every valid request.
#[derive(Debug, PartialEq)]
pub(crate) enum Coverage {
    /// The enumeration finished within budget, followed every condition
    /// exactly, and no request reached the default.
    Proved,
    /// A valid request that no rule decides, decided again to be sure.
    Gap(serde_json::Value),
    /// The enumeration could not decide, for the reason given.
    Unproved(String),
}

/// Enumerates the requests of `policy` to see whether any reaches its default.
pub(crate) fn coverage(policy: &Policy, options: &Options) -> Coverage {
    let bounds = Bounds::of(policy);
    let mut stages = vec![constraint_stage(policy)];
    stages.extend(rule_stages(policy));
    let mut requests = 0;
    let (seen, _, finished) = main_enumeration(policy, &bounds, &stages, options, &mut requests);
    let reached = seen
        .get(policy.rules.len())
        .and_then(|default| default.example.as_ref());
    if let Some(example) = reached.filter(|example| reaches_no_rule(policy, example)) {
        return Coverage::Gap(example.clone());
    }
    if !finished {
        return Coverage::Unproved(format!(
            "enumerating the requests would take more than {} requests",
            options.budget
        ));
    }
    let mut unmodelled: Vec<String> = Vec::new();
    for text in stages.iter().flat_map(|stage| &stage.reads.unmodelled) {
        let text = format!("`{text}`");
        if !unmodelled.contains(&text) {
            unmodelled.push(text);
        }
    }
    if unmodelled.is_empty() {
        return match reached {
            None => Coverage::Proved,
            Some(_) => Coverage::Unproved(
                "a request reached no rule, but deciding it again did not confirm it".to_owned(),
            ),
        };
    }
    let shown = unmodelled.len().min(2);
    let mut listed = unmodelled.get(..shown).unwrap_or_default().join(", ");
    if unmodelled.len() > shown {
        listed.push_str(&format!(" and {} more", unmodelled.len() - shown));
    }
    Coverage::Unproved(format!("the analysis does not follow {listed} exactly"))
}

/// Whether deciding `example` as `ruling decide` would finds no rule.
pub(crate) fn reaches_no_rule(policy: &Policy, example: &serde_json::Value) -> bool {
    let Ok(bytes) = serde_json::to_vec(example) else {
        return false;
    };
    decode(&policy.schema, policy.meta.timezone, &bytes)
        .is_ok_and(|request| matches!(decide(policy, &request), Err(DecideError::NoRule)))
}

/// The error of a policy without `[default]` whose rules are not proved to
/// cover every valid request; `None` when it has a `[default]` or the proof holds.
pub(crate) fn coverage_error(policy: &Policy, options: &Options) -> Option<Diagnostic> {
    if !policy.default.implicit {
        return None;
    }
    let diagnostic = match coverage(policy, options) {
        Coverage::Proved => return None,
        Coverage::Gap(example) => Diagnostic::new(
            "default-needed",
            "the rules do not decide every valid request, and the policy has no `[default]`",
            Span::empty(0),
        )
        .with_label("no rule decides some requests")
        .with_help(format!(
            "for example {} is decided by no rule; add a `[default]`, or a rule for such requests",
            example_help(&example)
        )),
        Coverage::Unproved(why) => Diagnostic::new(
            "default-needed",
            "the policy needs a `[default]`: that its rules decide every valid request could not be proved",
            Span::empty(0),
        )
        .with_label("the policy has no `[default]`")
        .with_help(format!(
            "{why}; add a `[default]` (with `outcome = \"review\"` a request that reaches it goes to a person)"
        )),
    };
    Some(diagnostic)
}

/// Moves every valid policy of `report` without `[default]` whose coverage
/// is not proved to its problems.
pub(crate) fn require_coverage(report: &mut CheckReport) {
    let options = Options::default();
    let mut kept = Vec::with_capacity(report.valid.len());
    for policy in std::mem::take(&mut report.valid) {
        match coverage_error(&policy, &options) {
            Some(diagnostic) => report.problems.push(PolicyError::Invalid(LoadError {
                file: policy.file.clone(),
                diagnostics: vec![diagnostic],
            })),
            None => kept.push(policy),
        }
    }
    report.valid = kept;
}

/// A loaded set whose versions without `[default]` are all proved covered,
/// or the error of each that is not.
pub(crate) fn covered_set(set: PolicySet) -> Result<PolicySet, Vec<PolicyError>> {
    let options = Options::default();
    let errors: Vec<PolicyError> = set
        .versions
        .iter()
        .filter_map(|policy| {
            let diagnostic = coverage_error(policy, &options)?;
            Some(PolicyError::Invalid(LoadError {
                file: policy.file.clone(),
                diagnostics: vec![diagnostic],
            }))
        })
        .collect();
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::decide::ruling;
    use crate::diagnostic::SourceFile;
    use crate::policy::Rule;

    /// A policy without `[default]` whose one rule holds for `when`.
    fn policy(field_type: &str, when: &str) -> Policy {
        let text = format!(
            "format = 1\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"t\"\n\
             [[field]]\npath = \"x\"\ntype = \"{field_type}\"\ndescription = \"x\"\n\
             [[rule]]\nid = \"only\"\nclause = \"§1\"\nsection = \"eligibility\"\n\
             when = '{when}'\noutcome = \"approve\"\nreason = \"yes\"\n"
        );
        crate::load(SourceFile::new("p.toml", text)).unwrap()
    }

    fn decode_json(policy: &Policy, json: &str) -> crate::request::Request {
        decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap()
    }

    #[test]
    fn a_policy_without_default_loads_with_an_implicit_one() {
        let policy = policy("integer", "x > 3");
        assert!(policy.default.implicit);
        assert_eq!(&*policy.default.id, Rule::NO_RULE);
        assert_eq!(policy.rules_in_order().count(), 1);
    }

    #[test]
    fn a_request_reaching_the_implicit_default_is_refused_by_both_deciding_paths() {
        let policy = policy("integer", "x > 3");
        let request = decode_json(&policy, r#"{"x": 2}"#);
        assert!(matches!(
            decide(&policy, &request),
            Err(DecideError::NoRule)
        ));
        assert!(matches!(
            ruling(&policy, &request),
            Err(DecideError::NoRule)
        ));
        let request = decode_json(&policy, r#"{"x": 4}"#);
        assert_eq!(decide(&policy, &request).unwrap().rule.id, "only");
        assert_eq!(&*ruling(&policy, &request).unwrap().rule.id, "only");
    }

    #[test]
    fn coverage_is_proved_found_lacking_or_left_unproved() {
        let options = Options::default();
        let total = policy("bool", "x or not x or not present(x)");
        assert_eq!(coverage(&total, &options), Coverage::Proved);
        assert!(coverage_error(&total, &options).is_none());
        let partial = policy("integer", "x > 3");
        let Coverage::Gap(example) = coverage(&partial, &options) else {
            panic!("`x > 3` leaves a gap");
        };
        assert!(reaches_no_rule(&partial, &example));
        let opaque = policy("integer", "x * x >= 0 or not present(x)");
        assert!(matches!(coverage(&opaque, &options), Coverage::Unproved(_)));
        let error = coverage_error(&opaque, &options).unwrap();
        assert_eq!(error.code, "default-needed");
    }
}
