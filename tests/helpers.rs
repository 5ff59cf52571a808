//! `[helpers]`: derived values that exist to compute others, kept out of
//! decisions and explanations unless asked for with `--helpers`.

use serde_json::Value;

use crate::cli::ruling_in;

const POLICY: &str = r#"
format = 1

[policy]
id = "helpers"
version = "1"
title = "A policy with helpers"
effective_date = 2025-01-01

[[field]]
path = "purchase.date"
type = "date"
description = "Date of the purchase"
required = true

[[field]]
path = "request.date"
type = "date"
description = "Date of the request"
required = true

[[field]]
path = "purchase.amount"
type = "decimal"
description = "Amount paid"
required = true

[derived]
refund = "round(purchase.amount * share, 2)"

[helpers]
days = "days_between(purchase.date, request.date)"
share = "if days <= 7 then 1 else 0.5"

[[rule]]
id = "missing"
clause = "§0"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "Tell us more."

[[rule]]
id = "early"
clause = "§1"
section = "eligibility"
when = "days <= 14"
outcome = "approve"
reason = "Refunded {refund} after {days} days."

[rule.effects]
refund_amount = "refund"

[default]
id = "late"
clause = "§2"
outcome = "deny"
reason = "Too late."
"#;

const REQUEST: &str =
    r#"{"purchase": {"date": "2025-03-01", "amount": "40.00"}, "request": {"date": "2025-03-11"}}"#;

/// Runs `ruling ARGS… p.toml -` on `REQUEST`, in a folder holding the policy.
fn run(command: &str, extra: &[&str]) -> Value {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("p.toml"), POLICY).unwrap();
    let mut args = vec![command, "p.toml", "-", "--format", "json"];
    args.extend(extra);
    let run = ruling_in(folder.path(), &args, Some(REQUEST.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.transcript());
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn helpers_compute_but_are_not_listed() {
    let decision = run("decide", &[]);
    assert_eq!(decision["rule"]["id"], "early");
    assert_eq!(decision["reason"], "Refunded 20.00 after 10 days.");
    assert_eq!(decision["effects"]["refund_amount"], "20.00");
    assert_eq!(decision["derived"], serde_json::json!({"refund": "20.00"}));
    let explanation = run("explain", &[]);
    assert_eq!(
        explanation["derived"],
        serde_json::json!({"refund": "20.00"})
    );
}

#[test]
fn helpers_are_listed_when_asked_for() {
    let everything = serde_json::json!({"refund": "20.00", "days": 10, "share": "0.5"});
    assert_eq!(run("decide", &["--helpers"])["derived"], everything);
    assert_eq!(run("explain", &["--helpers"])["derived"], everything);
}

#[test]
fn the_text_decision_lists_no_helper() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("p.toml"), POLICY).unwrap();
    let run = ruling_in(
        folder.path(),
        &["decide", "p.toml", "-"],
        Some(REQUEST.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let derived = run
        .stdout
        .split("derived values")
        .nth(1)
        .and_then(|after| after.split("\n\n").next())
        .unwrap_or_default();
    assert!(derived.contains("refund"), "{}", run.stdout);
    assert!(!derived.contains("share"), "{}", run.stdout);
}
