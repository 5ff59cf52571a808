//! A policy may leave out `[default]` when `ruling check` proves that its
//! rules decide every valid request: each fixture under
//! `tests/fixtures/no-default/` is checked by the binary (its first line
//! says whether its rules cover every request) and the transcript
//! snapshotted; a covered policy decides and runs its cases, and a request
//! that reaches no rule is refused.

use crate::cli::{ruling, ruling_in};
use crate::support::{relative, root};

const FOLDER: &str = "tests/fixtures/no-default";

#[test]
fn every_no_default_fixture_is_checked() {
    insta::glob!("fixtures/no-default", "**/*.toml", |path| {
        let run = ruling(&["check", &relative(path)], None);
        let text = std::fs::read_to_string(path).unwrap();
        let covered = text.starts_with("# Covers: yes");
        assert_eq!(
            run.code,
            if covered { 0 } else { 1 },
            "{}",
            run.transcript()
        );
        insta::assert_snapshot!(run.transcript());
    });
}

#[test]
fn the_check_error_has_its_own_code_in_json_and_github() {
    let folder = root().join(FOLDER);
    for (file, message) in [
        ("gap.toml", "the rules do not decide every valid request"),
        ("unproved.toml", "the policy needs a `[default]`"),
    ] {
        let run = ruling_in(&folder, &["check", "--format", "json", file], None);
        assert_eq!(run.code, 1, "{}", run.transcript());
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let entry = &json["files"][0];
        assert_eq!(entry["valid"], false);
        assert_eq!(entry["diagnostics"][0]["code"], "default-needed");
        assert_eq!(entry["diagnostics"][0]["severity"], "error");
        assert!(
            entry["diagnostics"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with(message)
        );
        let run = ruling_in(&folder, &["check", "--format", "github", file], None);
        assert_eq!(run.code, 1);
        assert!(run.stdout.starts_with("::error file="), "{}", run.stdout);
        assert!(run.stdout.contains("default-needed"), "{}", run.stdout);
    }
}

#[test]
fn the_gap_example_reaches_no_rule_when_decided() {
    let folder = root().join(FOLDER);
    let run = ruling_in(&folder, &["check", "--format", "json", "gap.toml"], None);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let help = json["files"][0]["diagnostics"][0]["help"].as_str().unwrap();
    let example = help
        .strip_prefix("for example ")
        .and_then(|rest| rest.split(" is decided by no rule").next())
        .unwrap();
    let text = std::fs::read_to_string(folder.join("gap.toml")).unwrap();
    let policy = ruling::load(ruling::SourceFile::new("gap.toml", text)).unwrap();
    let failure = ruling::decide_json(&policy, example.as_bytes()).unwrap_err();
    assert!(
        matches!(
            failure,
            ruling::RequestFailure::Undecidable(ruling::DecideError::NoRule)
        ),
        "{failure:?}"
    );
}

#[test]
fn a_covered_policy_decides_without_a_default_rule() {
    let path = root().join(FOLDER).join("covered/covered.toml");
    let policy = ruling::read_policy(&path).unwrap();
    for (request, rule) in [
        (r#"{"order": {"opened": true}}"#, "details-missing"),
        (
            r#"{"order": {"opened": true}, "request": {"reason": "faulty"}}"#,
            "faulty",
        ),
        (
            r#"{"order": {"opened": true}, "request": {"reason": "late"}}"#,
            "opened",
        ),
        (
            r#"{"order": {"opened": false}, "request": {"reason": "changed_mind"}}"#,
            "unopened",
        ),
    ] {
        let decision = ruling::decide_json(&policy, request.as_bytes()).unwrap();
        assert_eq!(decision.rule.id, rule);
        assert!(!decision.rule.default);
        assert!(
            decision
                .trace
                .iter()
                .all(|traced| &*traced.rule != "no-rule"),
            "the trace lists the rules written, not the implicit default"
        );
    }
}

#[test]
fn deciding_a_request_that_reaches_no_rule_exits_3_with_a_no_rule_error() {
    let folder = root().join(FOLDER);
    let request = br#"{"purchase": {"date": "2025-03-01"}, "request": {"date": "2025-04-01"}}"#;
    let run = ruling_in(&folder, &["decide", "gap.toml", "-"], Some(request));
    assert_eq!(run.code, 3, "{}", run.transcript());
    let run = ruling_in(
        &folder,
        &["decide", "gap.toml", "-", "--format", "json"],
        Some(request),
    );
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(json["error"]["kind"], "no_rule", "{json}");
    assert_eq!(json["error"]["problems"][0]["code"], "no-rule");
    insta::assert_snapshot!(
        ruling_in(&folder, &["decide", "gap.toml", "-"], Some(request)).transcript()
    );
}

#[test]
fn ruling_test_runs_the_cases_of_a_covered_policy() {
    let run = ruling(
        &[
            "test",
            &format!("{FOLDER}/covered"),
            "--min-coverage",
            "100",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("4 of 4 rules decide a case"),
        "{}",
        run.stdout
    );
}

#[test]
fn lint_reports_the_gap_of_a_policy_without_default() {
    let run = ruling(
        &["lint", &format!("{FOLDER}/gap.toml"), "--format", "json"],
        None,
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let gap = json["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["kind"] == "gap")
        .unwrap_or_else(|| panic!("{json}"));
    assert!(gap["example"].is_object(), "{gap}");
}
