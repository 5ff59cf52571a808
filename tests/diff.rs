//! `ruling diff`: the structural diff, the decision diff fed line by line,
//! and the real binary on a changed copy of the IPTV policy
//! (`tests/fixtures/diff/`).

use serde::Deserialize;

use crate::cli::ruling;
use crate::support::root;

const OLD: &str = "policies/iptv-smarters-pro/2025-01-22.toml";
const NEW: &str = "tests/fixtures/diff/iptv-14-day-window.toml";
const REQUESTS: &str = "tests/fixtures/diff/requests.ndjson";

#[test]
fn diff_text_on_the_fixture() {
    let run = ruling(&["diff", OLD, NEW, "--requests", REQUESTS], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.is_empty(),
        "no progress when stderr is not a terminal"
    );
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn diff_json_on_the_fixture() {
    let run = ruling(
        &["diff", OLD, NEW, "--requests", REQUESTS, "--format", "json"],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn diff_reads_requests_from_stdin() {
    let requests = std::fs::read(root().join(REQUESTS)).unwrap();
    let from_stdin = ruling(
        &["diff", OLD, NEW, "--requests", "-", "--format", "json"],
        Some(&requests),
    );
    let from_file = ruling(
        &["diff", OLD, NEW, "--requests", REQUESTS, "--format", "json"],
        None,
    );
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn without_requests_only_the_structure_is_compared() {
    let run = ruling(&["diff", OLD, NEW, "--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Report = serde_json::from_str(&run.stdout).unwrap();
    assert!(report.decisions.is_none());
    let same = ruling(&["diff", OLD, OLD], None);
    assert_eq!(same.code, 0);
    insta::assert_snapshot!(same.transcript());
}

#[test]
fn when_no_request_can_be_compared_diff_exits_3() {
    let run = ruling(
        &["diff", OLD, NEW, "--requests", "-"],
        Some(b"not json\n[]\n"),
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stdout
            .contains("2 requests: 0 unchanged, 0 changed, 2 errors")
    );
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn an_invalid_policy_stops_diff_with_exit_1() {
    let run = ruling(
        &[
            "diff",
            OLD,
            "tests/fixtures/policies/unknown-field-in-condition.toml",
        ],
        None,
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("purchase.dat"));
}

#[test]
fn a_missing_requests_file_exits_4() {
    let run = ruling(&["diff", OLD, NEW, "--requests", "no/such.ndjson"], None);
    assert_eq!(run.code, 4);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn diff_help_has_examples_and_exit_codes() {
    let run = ruling(&["diff", "--help"], None);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}

// The documented JSON shape (docs/diff-format.md). Unknown fields are
// errors, so a field added to the output without being documented here
// fails the test.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Report {
    format: u32,
    old: PolicySide,
    new: PolicySide,
    structure: Structure,
    decisions: Option<Decisions>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PolicySide {
    path: String,
    id: String,
    versions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Structure {
    policy: Vec<Part>,
    fields: Vec<Item>,
    derived: Vec<Item>,
    constraints: Vec<Item>,
    shared_effects: Vec<Item>,
    rules: Vec<RuleItem>,
    default: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Part {
    part: String,
    old: Option<String>,
    new: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Item {
    id: String,
    change: String,
    parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RuleItem {
    id: String,
    change: String,
    old_position: Option<usize>,
    new_position: Option<usize>,
    moved: bool,
    parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Decisions {
    requests: u64,
    unchanged: u64,
    changed: u64,
    errors: u64,
    errors_old: u64,
    errors_new: u64,
    transitions: Vec<JsonTransition>,
    lines: Vec<Line>,
    lines_omitted: u64,
    rejected: Vec<Line>,
    rejected_omitted: u64,
    limit: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JsonTransition {
    old: String,
    new: String,
    requests: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Line {
    line: u64,
    old: JsonSide,
    new: JsonSide,
    differs: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
#[allow(dead_code)]
enum JsonSide {
    Decided { outcome: String, rule: String },
    Rejected { error: String },
}

#[test]
fn diff_json_has_the_documented_shape() {
    let run = ruling(
        &["diff", OLD, NEW, "--requests", REQUESTS, "--format", "json"],
        None,
    );
    let report: Report = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report.format, 1);
    let decisions = report.decisions.unwrap();
    assert_eq!(
        decisions.requests,
        decisions.unchanged + decisions.changed + decisions.errors
    );
    let outcomes = ["approve", "deny", "review", "needs_info", "rejected"];
    for transition in &decisions.transitions {
        assert!(outcomes.contains(&transition.old.as_str()));
        assert!(outcomes.contains(&transition.new.as_str()));
    }
    for rule in &report.structure.rules {
        assert!(["added", "removed", "changed"].contains(&rule.change.as_str()));
    }
}
