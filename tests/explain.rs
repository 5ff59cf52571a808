//! `ruling explain`: every counterfactual printed for a shipped case flips
//! the decision to its rule when applied (the acceptance test), the JSON
//! fits its schema, and a few explanations are snapshotted as text and JSON.

use std::path::Path;

use ruling::{Choice, load_set};
use ruling::{Explanation, apply, explain};
use ruling::{explanation_json, explanation_text};

use crate::cli::ruling;
use crate::support::{relative, render_problems, root};

/// The parts of a case file (see `ruling test`) an explanation needs.
#[derive(serde::Deserialize)]
struct Case {
    request: Box<serde_json::value::RawValue>,
    version: Option<String>,
}

/// Explains a case with the version that decides it, as `ruling test` does.
fn explain_case(path: &Path) -> (Explanation, serde_json::Value, ruling::PolicySet) {
    let case: Case = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|error| panic!("{}: {error}", relative(path)));
    let folder = path.parent().and_then(Path::parent).unwrap();
    let set = load_set(folder).unwrap_or_else(|errors| panic!("{}", render_problems(&errors)));
    let request: serde_json::Value = serde_json::from_str(case.request.get()).unwrap();
    let choice = case.version.map_or(Choice::ByRequest, Choice::Version);
    let policy = set
        .select(case.request.get().as_bytes(), &choice)
        .unwrap()
        .policy;
    let explanation = explain(policy, case.request.get().as_bytes(), None)
        .unwrap_or_else(|error| panic!("{}: {error}", relative(path)));
    (explanation, request, set)
}

#[test]
fn every_counterfactual_flips_the_decision_to_its_rule() {
    let mut checked = 0;
    insta::glob!("../policies", "*/cases/*.json", |path| {
        let (explanation, request, set) = explain_case(path);
        let policy = set
            .versions
            .iter()
            .find(|policy| policy.version() == explanation.policy.version)
            .unwrap();
        for why_not in &explanation.why_not {
            assert_ne!(why_not.outcome, explanation.outcome, "{}", relative(path));
            assert!(
                !why_not.counterfactuals.is_empty() || why_not.no_counterfactual.is_some(),
                "{}: `{}` has neither a counterfactual nor a reason",
                relative(path),
                why_not.rule.id
            );
            for counterfactual in &why_not.counterfactuals {
                let changed = apply(&request, &counterfactual.changes);
                let decision = ruling::decide_json(policy, changed.to_string().as_bytes())
                    .unwrap_or_else(|error| panic!("{}: {error}\n{changed:#}", relative(path)));
                assert_eq!(
                    decision.rule.id,
                    why_not.rule.id,
                    "{}: the changes {:?} do not make `{}` decide",
                    relative(path),
                    counterfactual.changes,
                    why_not.rule.id
                );
                assert_eq!(decision.outcome, why_not.outcome);
                checked += 1;
            }
        }
    });
    assert!(checked > 500, "only {checked} counterfactuals were checked");
}

/// Each rule that applied says which of its conditions made it apply.
#[test]
fn the_deciding_rule_shows_what_held() {
    insta::glob!("../policies", "*/cases/*.json", |path| {
        let (explanation, _, _) = explain_case(path);
        assert_eq!(
            explanation.why.is_empty(),
            explanation.rule.default,
            "{}",
            relative(path)
        );
        for condition in &explanation.why {
            assert_eq!(
                condition.value,
                ruling::Value::Bool(condition.needed),
                "{}: `{}`",
                relative(path),
                condition.expr
            );
        }
    });
}

#[test]
fn every_explanation_fits_the_committed_schema() {
    let text = std::fs::read_to_string(root().join("schema/explanation.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("explanation.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("explanation.schema.json", &mut schemas)
        .unwrap_or_else(|error| panic!("the schema is not valid: {error:#}"));
    insta::glob!("../policies", "*/cases/*.json", |path| {
        let (explanation, _, _) = explain_case(path);
        let json: serde_json::Value =
            serde_json::from_str(&explanation_json(&explanation)).unwrap();
        if let Err(error) = schemas.validate(&json, index) {
            panic!("{}: {error}", relative(path));
        }
    });
}

/// The JSON without the policy file's hash, which changes with comments.
fn json_snapshot(explanation: &Explanation) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&explanation_json(explanation)).unwrap();
    if let Some(policy) = value.get_mut("policy").and_then(|p| p.as_object_mut()) {
        policy.remove("sha256");
    }
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn snapshots_of_a_few_explanations() {
    for case in [
        "iptv-smarters-pro/cases/day-8-is-outside-the-window.json",
        "iptv-smarters-pro/cases/approve-within-window.json",
        "iptv-smarters-pro/cases/missing-explanation.json",
        "steam/cases/game-15-days-after-purchase-10-min-played-review.json",
        "steam/cases/game-playtime-missing-needs-info.json",
    ] {
        let path = root().join("policies").join(case);
        let (explanation, _, _) = explain_case(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(
            format!("{name}.text"),
            explanation_text(&explanation, false)
        );
        insta::assert_snapshot!(format!("{name}.json"), json_snapshot(&explanation));
    }
}

#[test]
fn cli_explains_with_a_target_outcome() {
    let run = ruling(
        &[
            "explain",
            "policies/iptv-smarters-pro",
            "policies/iptv-smarters-pro/cases/day-8-is-outside-the-window.json",
            "--outcome",
            "approve",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn cli_prints_json_from_stdin() {
    let case = std::fs::read(
        root().join("policies/steam/cases/game-15-days-after-purchase-10-min-played-review.json"),
    )
    .unwrap();
    let run = ruling(
        &[
            "explain",
            "policies/steam",
            "-",
            "--format",
            "json",
            "--outcome",
            "approve",
        ],
        Some(&case),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["target"], "approve");
    assert!(
        json["why_not"]
            .as_array()
            .is_some_and(|rules| !rules.is_empty())
    );
}

#[test]
fn cli_rejects_a_bad_request_and_a_bad_outcome() {
    let run = ruling(&["explain", "policies/steam", "-"], Some(b"[1]"));
    assert_eq!(run.code, 3);
    insta::assert_snapshot!(run.transcript());
    let run = ruling(
        &["explain", "policies/steam", "-", "--outcome", "maybe"],
        Some(b"{}"),
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`maybe` is not an outcome"),
        "{}",
        run.stderr
    );
}
