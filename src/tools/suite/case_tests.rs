//! Every case under `policies/*/cases/` is decided against its policy
//! folder: its expectation must hold. Its whole decision is snapshotted as
//! JSON next to the case (the same `<case>.snap` files that `ruling test
//! --snapshot` reads), and as text under tests/snapshots, so that a rule
//! change shows up as a reviewed diff of decisions.

use std::path::{Path, PathBuf};

use crate::load_set;
use crate::tools::suite::{decide_case, read_case, snapshot_text};
use crate::{decision_json, decision_text};

use crate::diagnostic::{SourceFile, render};
use crate::policy::folder::PolicyError;

/// The crate's root folder, where `policies/` is.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, with `/` separators.
fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Renders policy problems the way `ruling check` does, without colour.
fn render_problems(errors: &[PolicyError]) -> String {
    let mut out = String::new();
    for error in errors {
        match error {
            PolicyError::Invalid(error) => {
                let file = SourceFile::new(
                    relative(Path::new(&error.file.name)),
                    error.file.text.clone(),
                );
                out.push_str(&render(&error.diagnostics, &file, false, 80));
            }
            other => out.push_str(&format!("{other}\n")),
        }
    }
    out
}

fn decide(path: &Path) -> (crate::Decision, crate::tools::case::Case) {
    let case = read_case(path).unwrap_or_else(|error| panic!("{}: {error}", relative(path)));
    let folder = path.parent().and_then(Path::parent).unwrap();
    let set = load_set(folder).unwrap_or_else(|errors| panic!("{}", render_problems(&errors)));
    let decision =
        decide_case(&set, &case).unwrap_or_else(|error| panic!("{}: {error}", relative(path)));
    (decision, case)
}

#[test]
fn every_case_decides_as_expected() {
    insta::glob!("../../../policies", "*/cases/*.json", |path| {
        let (decision, case) = decide(path);
        let mismatches = case.expect.mismatches(&decision);
        assert!(
            mismatches.is_empty(),
            "{}: {}\n{mismatches:#?}",
            relative(path),
            case.description
        );
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({
            snapshot_path => path.parent().unwrap(),
            prepend_module_to_snapshot => false,
            snapshot_suffix => "",
        }, {
            insta::assert_snapshot!(name, snapshot_text(&decision));
        });
        insta::assert_snapshot!("text", decision_text(&decision, false));
    });
}

/// Calls `check` with each case's decision, the policy version that made
/// it and its decoded request.
fn for_each_decided_case(check: impl Fn(&crate::Decision, &crate::Policy, &crate::Request)) {
    insta::glob!("../../../policies", "*/cases/*.json", |path| {
        let (decision, case) = decide(path);
        let folder = path.parent().and_then(Path::parent).unwrap();
        let set = load_set(folder).unwrap();
        let policy = set
            .versions
            .iter()
            .find(|policy| policy.meta.version == decision.policy.version)
            .unwrap();
        let request = crate::request::decode(
            &policy.schema,
            policy.meta.timezone,
            case.request.get().as_bytes(),
        )
        .unwrap();
        check(&decision, policy, &request);
    });
}

/// The fast path (no trace) decides every case as the full decision does.
#[test]
fn the_ruling_without_trace_agrees_with_the_decision() {
    for_each_decided_case(|decision, policy, request| {
        let ruled = crate::decision::decide::ruling(policy, request).unwrap();
        assert_eq!(*ruled.rule.id, *decision.rule.id);
        let (with_reason, reason) =
            crate::decision::decide::ruling_with_reason(policy, request).unwrap();
        assert_eq!(*with_reason.rule.id, *decision.rule.id);
        assert_eq!(reason, decision.reason);
        let effects: Vec<(String, crate::Value)> = ruled
            .effects
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        assert_eq!(effects, decision.effects);
        let missing: Vec<&str> = ruled
            .missing
            .iter()
            .map(|missing| missing.path_in(&policy.schema))
            .collect();
        assert_eq!(missing, decision.missing);
    });
}

/// The traced batch line, written by hand from the trace's log, is the
/// decision's JSON with the line number first, byte for byte.
#[test]
fn the_traced_line_is_the_decision_json() {
    use crate::decision::decide::{Listed, decide_logged};
    for_each_decided_case(|decision, policy, request| {
        let mut log = crate::evaluate::TraceLog::default();
        let logged = decide_logged(policy, request, Listed::Derived, &mut log).unwrap();
        let mut line = Vec::new();
        crate::render::write_traced_line(&mut line, 42, &logged, &log);
        let built = logged.into_decision(&mut log);
        assert_eq!(built.trace, decision.trace);
        let mut expected = serde_json::json!({"line": 42});
        if let serde_json::Value::Object(fields) = serde_json::to_value(&built).unwrap() {
            expected.as_object_mut().unwrap().extend(fields);
        }
        assert_eq!(
            String::from_utf8(line).unwrap(),
            format!("{}\n", serde_json::to_string(&expected).unwrap())
        );
    });
}

#[test]
fn the_shipped_policies_have_enough_cases() {
    let count = |policy: &str| {
        std::fs::read_dir(root().join("policies").join(policy).join("cases"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
                    .count()
            })
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
    let path = root().join("policies/iptv-smarters-pro/cases/approve-within-window.json");
    let (first, _) = decide(&path);
    let (second, _) = decide(&path);
    assert_eq!(decision_json(&first), decision_json(&second));
}
