//! The structural diff and the decision diff fed line by line, on the
//! fixture policies (moved here from the integration tests, as they read
//! the diff's own types).

use std::path::PathBuf;

use super::decisions::{Side, Transition, Verdict};
use super::structure::ChangeKind;
use crate::Policy;
use crate::diagnostic::SourceFile;
use crate::policy::Outcome;
use crate::policy::folder::{PolicySet, load_set};
use crate::tools::diff::{DecisionDiff, structural_diff};

/// The crate's root folder, where `policies/` and `tests/` are.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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
    crate::load(SourceFile::new("shop.toml", text)).unwrap()
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

    let ids = |items: &[super::structure::ItemChange]| -> Vec<(String, ChangeKind)> {
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
    let mut reader = crate::tools::diff::NdjsonReader::new(input.as_bytes());
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
