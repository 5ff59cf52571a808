//! `ruling diff`: the structural diff, the decision diff fed line by line,
//! and the real binary on a changed copy of the IPTV policy
//! (`tests/fixtures/diff/`).

use ruling::Policy;
use ruling::diagnostic::SourceFile;
use ruling::policy::Outcome;
use ruling::policy::folder::{PolicySet, load_set};
use ruling::tools::diff::{ChangeKind, DecisionDiff, Side, Transition, Verdict, structural_diff};
use serde::Deserialize;

use crate::cli::ruling;
use crate::support::root;

const OLD: &str = "policies/iptv-smarters-pro/2025-01-22.toml";
const NEW: &str = "tests/fixtures/diff/iptv-14-day-window.toml";
const REQUESTS: &str = "tests/fixtures/diff/requests.ndjson";

fn set(path: &str) -> PolicySet {
    load_set(&root().join(path)).unwrap()
}

fn newest(set: &PolicySet) -> &Policy {
    set.versions.last().unwrap()
}

/// A small policy with the given `[[rule]]` tables.
fn policy(rules: &str) -> Policy {
    let text = format!(
        r#"format = 1

[policy]
id = "shop"
version = "1"
title = "Shop"
effective_date = 2025-01-01

[[field]]
path = "days"
type = "integer"
description = "Days since the purchase"

{rules}

[default]
id = "otherwise"
clause = "§9"
outcome = "deny"
reason = "No."
"#
    );
    ruling::load(SourceFile::new("shop.toml", text)).unwrap()
}

fn rule(id: &str, when: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = \"{when}\"\noutcome = \"approve\"\nreason = \"Yes.\"\n\n"
    )
}

fn rules(ids: &[&str]) -> Policy {
    policy(
        &ids.iter()
            .enumerate()
            .map(|(at, id)| rule(id, &format!("days == {at}")))
            .collect::<String>(),
    )
}

#[test]
fn a_policy_has_no_structural_changes_against_itself() {
    let old = set(OLD);
    let again = set(OLD);
    assert!(structural_diff(newest(&old), newest(&again)).is_empty());
}

#[test]
fn expressions_compare_by_their_canonical_text() {
    let old = policy(&rule("recent", "days <= 7 and days >= 0"));
    let new = policy(&rule("recent", "(days <= 7)   and  (days >= 0)"));
    assert!(structural_diff(&old, &new).is_empty());
    let changed = policy(&rule("recent", "days <= 14 and days >= 0"));
    let diff = structural_diff(&old, &changed);
    let [change] = diff.rules.as_slice() else {
        panic!("{diff:#?}")
    };
    assert_eq!(change.id, "recent");
    assert!(!change.moved);
    assert_eq!(change.parts.len(), 1);
    assert_eq!(change.parts[0].part, "when");
    assert_eq!(
        change.parts[0].new.as_deref(),
        Some("days <= 14 and days >= 0")
    );
}

#[test]
fn a_rule_moved_to_the_top_is_the_only_one_moved() {
    let old = rules(&["a", "b", "c", "d"]);
    // Each keeps its condition, so only the order differs.
    let new = policy(
        &[("d", 3), ("a", 0), ("b", 1), ("c", 2)]
            .map(|(id, at)| rule(id, &format!("days == {at}")))
            .concat(),
    );
    let diff = structural_diff(&old, &new);
    let moved: Vec<(&str, Option<usize>, Option<usize>)> = diff
        .rules
        .iter()
        .map(|rule| (rule.id.as_str(), rule.old_position, rule.new_position))
        .collect();
    assert_eq!(moved, vec![("d", Some(4), Some(1))]);
    assert!(
        diff.rules
            .iter()
            .all(|rule| rule.moved && rule.parts.is_empty())
    );
}

#[test]
fn the_fixture_differs_as_its_header_says() {
    let (old, new) = (set(OLD), set(NEW));
    let diff = structural_diff(newest(&old), newest(&new));
    let rule = |id: &str| diff.rules.iter().find(|rule| rule.id == id).unwrap();

    let moved: Vec<&str> = diff
        .rules
        .iter()
        .filter(|rule| rule.moved)
        .map(|rule| rule.id.as_str())
        .collect();
    assert_eq!(moved, vec!["billing-error"], "only the rule that moved");
    assert_eq!(rule("billing-error").old_position, Some(8));
    assert_eq!(rule("billing-error").new_position, Some(6));

    assert_eq!(
        rule("not-as-expected-within-30-days").change,
        ChangeKind::Added
    );
    assert_eq!(
        rule("unused-portion-after-window").change,
        ChangeKind::Removed
    );

    let contacted = rule("within-window-support-contacted");
    let parts: Vec<&str> = contacted
        .parts
        .iter()
        .map(|part| part.part.as_str())
        .collect();
    assert_eq!(parts, vec!["when", "reason", "effect refund_within_days"]);
    let effect = contacted.parts.last().unwrap();
    assert_eq!(
        (effect.old.as_deref(), effect.new.as_deref()),
        (Some("21"), Some("14"))
    );

    let ids = |items: &[ruling::tools::diff::ItemChange]| -> Vec<(String, ChangeKind)> {
        items
            .iter()
            .map(|item| (item.id.clone(), item.change))
            .collect()
    };
    assert_eq!(
        ids(&diff.derived),
        vec![("window_days".to_owned(), ChangeKind::Added)]
    );
    assert!(ids(&diff.fields).contains(&("support.ticket_id".to_owned(), ChangeKind::Added)));
    let reason = diff
        .fields
        .iter()
        .find(|field| field.id == "request.reason")
        .unwrap();
    assert_eq!(reason.parts[0].part, "type", "a new enum value retypes it");
    assert!(diff.constraints.is_empty());
    assert!(diff.shared_effects.is_empty());
    assert_eq!(diff.default.len(), 1, "the default's reason");
}

fn run_lines(input: &str, limit: usize, old: &PolicySet, new: &PolicySet) -> DecisionDiff {
    let mut diff = DecisionDiff::new(limit);
    let mut reader = ruling::tools::diff::NdjsonReader::new(input.as_bytes());
    while let Some(line) = reader.next_line().unwrap() {
        diff.add_line(line.number, line.bytes, old, new);
    }
    diff
}

fn fixture_requests() -> String {
    std::fs::read_to_string(root().join(REQUESTS)).unwrap()
}

#[test]
fn counts_add_up_and_the_lists_are_bounded() {
    let (old, new) = (set(OLD), set(NEW));
    let diff = run_lines(&fixture_requests(), 2, &old, &new);
    assert_eq!(diff.requests, 44, "blank lines are not requests");
    assert_eq!(diff.unchanged + diff.changed + diff.errors, diff.requests);
    let counted: u64 = diff.transitions.iter().map(|t| t.requests).sum();
    assert_eq!(counted, diff.requests);
    assert_eq!(diff.lines.len(), 2);
    assert_eq!(
        diff.lines_omitted,
        diff.changed + diff.errors - 4 - 2,
        "all changed and one-sided errors but the 2 listed; 4 lines both rejected"
    );
    assert_eq!(diff.rejected.len(), 2);
    assert_eq!(diff.rejected_omitted, 2);
    let everything = run_lines(&fixture_requests(), 1000, &old, &new);
    assert_eq!(everything.lines_omitted, 0);
    assert_eq!(everything.lines.len() as u64, diff.changed + 1);
    assert_eq!(everything.lines[..2], diff.lines[..], "the first are kept");
}

#[test]
fn bad_lines_are_counted_and_the_run_goes_on() {
    let (old, new) = (set(OLD), set(NEW));
    let good = std::fs::read_to_string(
        root().join("policies/iptv-smarters-pro/cases/approve-within-window.json"),
    )
    .unwrap();
    let good: serde_json::Value = serde_json::from_str(&good).unwrap();
    let request = good["request"].to_string();
    let input = format!(
        "{request}\n{{\"purchase\": \n\n[1, 2]\n{{\"purchase\": {{\"amount\": true}}}}\n\u{0}\n{request}\n"
    );
    let diff = run_lines(&input, 1000, &old, &new);
    assert_eq!(diff.requests, 6);
    assert_eq!(diff.errors, 4);
    assert_eq!((diff.errors_old, diff.errors_new), (4, 4));
    assert_eq!(diff.changed, 2, "the lines after the bad ones are decided");
    let lines: Vec<u64> = diff.lines.iter().map(|line| line.line).collect();
    assert_eq!(lines, vec![1, 7]);
    let rejected: Vec<u64> = diff.rejected.iter().map(|line| line.line).collect();
    assert_eq!(rejected, vec![2, 4, 5, 6], "line 3 is blank");
    for line in &diff.rejected {
        assert!(matches!(&line.old, Side::Rejected { error } if !error.is_empty()));
    }
}

#[test]
fn a_rejected_line_is_summed_up_in_one_line() {
    let (old, new) = (set(OLD), set(NEW));
    let diff = run_lines(
        r#"{"purchase": {"amount": true, "date": 5}}"#,
        10,
        &old,
        &new,
    );
    let Side::Rejected { error } = &diff.rejected[0].old else {
        panic!("{diff:#?}")
    };
    assert!(!error.contains('\n'), "{error}");
    assert!(error.ends_with(" (and 1 more)"), "{error}");
}

#[test]
fn a_line_too_long_is_an_error_of_both_sides() {
    let mut diff = DecisionDiff::new(10);
    diff.add_too_long(3, 1024);
    assert_eq!((diff.requests, diff.errors), (1, 1));
    assert_eq!(
        diff.rejected[0].old,
        Side::Rejected {
            error: "the line is longer than 1024 bytes".to_owned()
        }
    );
}

#[test]
fn a_case_line_is_decided_by_its_request() {
    let (old, new) = (set(OLD), set(NEW));
    let case = std::fs::read_to_string(
        root().join("policies/iptv-smarters-pro/cases/day-8-is-outside-the-window.json"),
    )
    .unwrap();
    let case: serde_json::Value = serde_json::from_str(&case).unwrap();
    let as_case = run_lines(&format!("{case}\n"), 10, &old, &new);
    let as_request = run_lines(&format!("{}\n", case["request"]), 10, &old, &new);
    assert_eq!(as_case, as_request);
    assert_eq!(
        as_case.transitions,
        vec![Transition {
            old: Verdict::Decided(Outcome::Deny),
            new: Verdict::Decided(Outcome::Approve),
            requests: 1
        }]
    );
}

#[test]
fn a_folder_decides_each_request_by_the_version_in_effect() {
    let folder = set("policies/iptv-smarters-pro");
    let new = set(NEW);
    // Bought before the folder's first version took effect: the folder has
    // no version for it, the file decides it anyway.
    let before = r#"{"purchase": {"date": "2024-12-01"}, "request": {"date": "2024-12-02"}}"#;
    let diff = run_lines(before, 10, &folder, &new);
    assert_eq!((diff.errors_old, diff.errors_new), (1, 0));
    let Side::Rejected { error } = &diff.lines[0].old else {
        panic!("{diff:#?}")
    };
    assert!(
        error.contains("no version of `iptv-smarters-pro`"),
        "{error}"
    );
}

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
