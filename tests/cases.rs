//! Every case under `policies/*/cases/` is decided against its policy
//! folder: its expectation must hold, and its decision is snapshotted as
//! JSON and as text, so a rule change shows up as a reviewed diff.

use std::path::Path;

use ruling::case::Case;
use ruling::folder::load_set;
use ruling::render::{decision_json, decision_text};

use crate::support::{relative, render_problems};

fn decide_case(path: &Path) -> (ruling::Decision, Case) {
    let bytes = std::fs::read(path).unwrap();
    let case: Case = serde_json::from_slice(&bytes)
        .unwrap_or_else(|error| panic!("{}: {error}", relative(path)));
    let folder = path.parent().and_then(Path::parent).unwrap();
    let set = load_set(folder).unwrap_or_else(|errors| panic!("{}", render_problems(&errors)));
    let request: serde_json::Value = serde_json::from_str(case.request.get()).unwrap();
    let selected = set.select(&request).unwrap().unwrap();
    let decision = ruling::decide_json(selected.policy, case.request.get().as_bytes())
        .unwrap_or_else(|error| panic!("{}: {error}", relative(path)));
    (decision, case)
}

#[test]
fn every_case_decides_as_expected() {
    insta::glob!("../policies", "*/cases/*.json", |path| {
        let (decision, case) = decide_case(path);
        let mismatches = case.expect.mismatches(&decision);
        assert!(
            mismatches.is_empty(),
            "{}: {}\n{mismatches:#?}",
            relative(path),
            case.description
        );
        insta::assert_snapshot!("json", decision_json(&decision));
        insta::assert_snapshot!("text", decision_text(&decision, false));
    });
}

#[test]
fn the_shipped_policies_have_enough_cases() {
    let count = |policy: &str| {
        std::fs::read_dir(
            crate::support::root()
                .join("policies")
                .join(policy)
                .join("cases"),
        )
        .map(|entries| entries.count())
        .unwrap_or(0)
    };
    assert_eq!(count("steam"), 40, "the Steam example's 40 cases");
    assert!(
        count("iptv-smarters-pro") >= 12,
        "one case per rule of the IPTV table at least"
    );
}

#[test]
fn decisions_are_byte_identical_across_runs() {
    let path =
        crate::support::root().join("policies/iptv-smarters-pro/cases/approve-within-window.json");
    let (first, _) = decide_case(&path);
    let (second, _) = decide_case(&path);
    assert_eq!(decision_json(&first), decision_json(&second));
}
