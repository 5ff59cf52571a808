//! On small random policies over small domains, the lint's "unreachable"
//! and "gap" verdicts agree with deciding every possible request.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::test_runner::Config;

use super::{Kind, Options, lint};
use crate::decision::decide::decide_json;
use crate::diagnostic::SourceFile;
use crate::policy::Policy;
use crate::policy::load::load;

/// A condition over `e` (enum a, b, c), `n` (0 to 5 by a constraint) and
/// `flag`, each optional without a default.
fn condition() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        prop::sample::select(vec!["a", "b", "c"]).prop_map(|value| format!("e == \"{value}\"")),
        prop::sample::select(vec!["a", "b", "c"]).prop_map(|value| format!("e != \"{value}\"")),
        (0..7i64).prop_map(|k| format!("n > {k}")),
        (0..7i64).prop_map(|k| format!("n <= {k}")),
        (0..7i64).prop_map(|k| format!("n == {k}")),
        Just("flag".to_owned()),
        Just("present(flag)".to_owned()),
    ];
    atom.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

fn policy_text(rules: &[(String, &str)]) -> String {
    let mut text = String::from(
        r#"format = 1
[policy]
id = "random"
version = "1"
title = "random"

[[field]]
path = "e"
type = "enum"
values = ["a", "b", "c"]
description = "e"

[[field]]
path = "n"
type = "integer"
description = "n"

[[field]]
path = "flag"
type = "bool"
description = "flag"

[[constraint]]
id = "n-small"
must = "n >= 0 and n <= 5"
message = "n is from 0 to 5"
"#,
    );
    for (index, (when, outcome)) in rules.iter().enumerate() {
        text.push_str(&format!(
            "\n[[rule]]\nid = \"r{index}\"\nclause = \"c\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"{outcome}\"\nreason = \"r\"\n"
        ));
    }
    text.push_str(
        "\n[default]\nid = \"fallback\"\nclause = \"c\"\nsection = \"eligibility\"\noutcome = \"deny\"\nreason = \"d\"\n",
    );
    text
}

/// Every request of the domain, valid or not: each field given any of
/// its values, or left out.
fn every_request() -> Vec<String> {
    let mut out = Vec::new();
    let enums = [None, Some("a"), Some("b"), Some("c")];
    let numbers = [
        None,
        Some(-1),
        Some(0),
        Some(1),
        Some(2),
        Some(3),
        Some(4),
        Some(5),
        Some(6),
    ];
    let flags = [None, Some(false), Some(true)];
    for e in enums {
        for n in numbers {
            for flag in flags {
                let mut members = Vec::new();
                if let Some(e) = e {
                    members.push(format!("\"e\": \"{e}\""));
                }
                if let Some(n) = n {
                    members.push(format!("\"n\": {n}"));
                }
                if let Some(flag) = flag {
                    members.push(format!("\"flag\": {flag}"));
                }
                out.push(format!("{{{}}}", members.join(", ")));
            }
        }
    }
    out
}

/// The rules no valid request reaches, and whether one reaches the default.
fn brute_force(policy: &Policy) -> (Vec<String>, bool) {
    let mut decided = vec![0usize; policy.rules.len()];
    let mut gap = false;
    for request in every_request() {
        let Ok(decision) = decide_json(policy, request.as_bytes()) else {
            continue;
        };
        match policy
            .rules
            .iter()
            .position(|rule| *rule.id == *decision.rule.id)
        {
            Some(index) => decided[index] += 1,
            None => gap = true,
        }
    }
    let unreachable = policy
        .rules
        .iter()
        .zip(decided)
        .filter(|(_, count)| *count == 0)
        .map(|(rule, _)| rule.id.to_string())
        .collect();
    (unreachable, gap)
}

proptest! {
    #![proptest_config(Config { cases: 64, failure_persistence: None, ..Config::default() })]

    #[test]
    fn unreachable_and_gap_agree_with_brute_force(
        rules in prop::collection::vec(
            (condition(), prop::sample::select(vec!["approve", "review", "needs_info"])),
            1..4,
        )
    ) {
        let text = policy_text(&rules);
        let policy = load(SourceFile::new("random.toml", text.as_str())).unwrap();
        let found = lint(&policy, &Options::default());
        prop_assert!(found.complete, "{text}");
        let (unreachable, gap) = brute_force(&policy);
        let mut claimed: Vec<String> = found
            .findings
            .iter()
            .filter(|finding| {
                matches!(finding.kind, Kind::UnreachableRule | Kind::ImpossibleCondition)
            })
            .map(|finding| finding.subject.clone())
            .collect();
        claimed.sort();
        claimed.dedup();
        prop_assert_eq!(&claimed, &unreachable, "{}", text);
        let gap_claimed = found.findings.iter().any(|finding| finding.kind == Kind::Gap);
        prop_assert_eq!(gap_claimed, gap, "{}", text);
        prop_assert_eq!(found.default_unreachable, !gap, "{}", text);
    }
}

#[test]
fn every_finding_about_a_rule_can_be_allowed_in_the_policy_file() {
    let about_rules = [
        Kind::UnreachableRule,
        Kind::ImpossibleCondition,
        Kind::AlwaysTrueCondition,
        Kind::NeverKnownCondition,
        Kind::UnknownTrap,
        Kind::Overlap,
        Kind::NotAnalysed,
        Kind::Gap,
    ];
    let codes: Vec<&str> = crate::policy::keys::names(crate::policy::keys::LINT_ALLOW).collect();
    let expected: Vec<&str> = about_rules.iter().map(|kind| kind.code()).collect();
    assert_eq!(codes, expected);
}

/// A condition over two dates, `p` and `r`, and the derived
/// `elapsed = days_between(p, r)`.
fn date_condition() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        (0..14i64).prop_map(|k| format!("elapsed <= {k}")),
        (0..14i64).prop_map(|k| format!("elapsed > {k}")),
        (0..14i64).prop_map(|k| format!("days_between(p, r) == {k}")),
        (1..22u32).prop_map(|day| format!("r > 2025-01-{day:02}")),
        (1..10u32).prop_map(|day| format!("p == 2025-01-{day:02}")),
        Just("r == p".to_owned()),
        Just("present(r)".to_owned()),
    ];
    atom.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

fn date_policy_text(rules: &[(String, &str)]) -> String {
    let mut text = String::from(
        r#"format = 1
[policy]
id = "dates"
version = "1"
title = "dates"

[[field]]
path = "p"
type = "date"
description = "p"

[[field]]
path = "r"
type = "date"
description = "r"

[derived]
elapsed = "days_between(p, r)"

[[constraint]]
id = "p-in-january"
must = "p >= 2025-01-01 and p <= 2025-01-08"
message = "p is from January 1 to 8"

[[constraint]]
id = "r-after-p"
must = "r >= p and r <= 2025-01-20"
message = "r is from p to January 20"
"#,
    );
    for (index, (when, outcome)) in rules.iter().enumerate() {
        text.push_str(&format!(
            "\n[[rule]]\nid = \"r{index}\"\nclause = \"c\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"{outcome}\"\nreason = \"r\"\n"
        ));
    }
    text.push_str(
        "\n[default]\nid = \"fallback\"\nclause = \"c\"\nsection = \"eligibility\"\noutcome = \"deny\"\nreason = \"d\"\n",
    );
    text
}

fn every_dated_request() -> Vec<String> {
    let day = |n: u32| {
        chrono::NaiveDate::from_ymd_opt(2024, 12, 31)
            .and_then(|date| date.checked_add_days(chrono::Days::new(u64::from(n))))
            .map(|date| date.to_string())
    };
    let dates: Vec<Option<String>> = std::iter::once(None).chain((0..23).map(day)).collect();
    let mut out = Vec::new();
    for p in &dates {
        for r in &dates {
            let mut members = Vec::new();
            if let Some(p) = p {
                members.push(format!("\"p\": \"{p}\""));
            }
            if let Some(r) = r {
                members.push(format!("\"r\": \"{r}\""));
            }
            out.push(format!("{{{}}}", members.join(", ")));
        }
    }
    out
}

proptest! {
    #![proptest_config(Config { cases: 48, failure_persistence: None, ..Config::default() })]

    #[test]
    fn verdicts_over_dates_agree_with_brute_force(
        rules in prop::collection::vec(
            (date_condition(), prop::sample::select(vec!["approve", "review", "needs_info"])),
            1..4,
        )
    ) {
        let text = date_policy_text(&rules);
        let policy = load(SourceFile::new("dates.toml", text.as_str())).unwrap();
        let found = lint(&policy, &Options::default());
        prop_assert!(found.complete, "{text}");
        let mut decided = vec![0usize; policy.rules.len()];
        let mut gap = false;
        for request in every_dated_request() {
            let Ok(decision) = decide_json(&policy, request.as_bytes()) else {
                continue;
            };
            match policy.rules.iter().position(|rule| *rule.id == *decision.rule.id) {
                Some(index) => decided[index] += 1,
                None => gap = true,
            }
        }
        let unreachable: Vec<String> = policy
            .rules
            .iter()
            .zip(decided)
            .filter(|(_, count)| *count == 0)
            .map(|(rule, _)| rule.id.to_string())
            .collect();
        let mut claimed: Vec<String> = found
            .findings
            .iter()
            .filter(|finding| {
                matches!(finding.kind, Kind::UnreachableRule | Kind::ImpossibleCondition)
            })
            .map(|finding| finding.subject.clone())
            .collect();
        claimed.sort();
        claimed.dedup();
        prop_assert_eq!(&claimed, &unreachable, "{}", text);
        let gap_claimed = found.findings.iter().any(|finding| finding.kind == Kind::Gap);
        prop_assert_eq!(gap_claimed, gap, "{}", text);
    }
}
