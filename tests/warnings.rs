//! `ruling check` warns about a rule that reads an optional field under
//! `not`, which does not apply when the field is not given, and about an
//! effect that is `null` when a value is not given; a warning does not fail
//! the check unless `--deny-warnings` asks it to.

use crate::cli::{Run, ruling_in};

const TRAP: &str = r#"
format = 1

[policy]
id = "trap"
version = "1"
title = "A rule that never applies without a coupon"

[[field]]
path = "order.coupon"
type = "string"
description = "A coupon code, when the customer has one"

[[field]]
path = "order.final_sale"
type = "bool"
description = "Sold as final"

[[rule]]
id = "refund-unless-promotional"
clause = "§1"
section = "eligibility"
when = 'not (order.coupon == "PROMO" or order.final_sale)'
outcome = "approve"
reason = "Refunded."

[default]
id = "otherwise"
clause = "§2"
outcome = "deny"
reason = "Not refunded."
"#;

fn check(args: &[&str]) -> Run {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("trap.toml"), TRAP).unwrap();
    let mut all = vec!["check", "trap.toml"];
    all.extend(args);
    ruling_in(folder.path(), &all, None)
}

#[test]
fn a_rule_that_reads_an_optional_field_under_not_is_a_warning() {
    let run = check(&[]);
    assert_eq!(run.code, 0, "a warning does not fail the check");
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn deny_warnings_makes_a_warning_fail_the_check() {
    assert_eq!(check(&["--deny-warnings"]).code, 1);
}

#[test]
fn machine_formats_mark_it_as_a_warning() {
    let run = check(&["--format", "json"]);
    assert_eq!(run.code, 0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["valid"], true);
    assert_eq!(file["diagnostics"][0]["severity"], "warning");
    assert_eq!(file["diagnostics"][0]["code"], "unknown-under-not");
    let run = check(&["--format", "github"]);
    assert!(
        run.stdout
            .starts_with("::warning file=trap.toml,line=23,col=14,"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_warning_on_a_long_line_is_shown_without_the_line() {
    let codes: Vec<String> = (0..80)
        .map(|n| format!("order.coupon == \"CODE{n:04}\""))
        .collect();
    let when = format!("not ({} or order.final_sale)", codes.join(" or "));
    let text = TRAP.replace(
        "'not (order.coupon == \"PROMO\" or order.final_sale)'",
        &format!("'{when}'"),
    );
    assert!(text.len() > TRAP.len() + 1_000);
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("trap.toml"), text).unwrap();
    let run = ruling_in(folder.path(), &["check", "trap.toml"], None);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .starts_with("  ⚠ in rule `refund-unless-promotional`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(the line is too long to show)"),
        "{}",
        run.stderr
    );
}

/// Each policy under `tests/fixtures/warnings/` is checked by the binary:
/// the transcript shows which warnings it gets (the file's first comment
/// says whether it should).
#[test]
fn every_warnings_fixture_is_checked() {
    insta::glob!("fixtures/warnings", "*.toml", |path| {
        let folder = path.parent().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let run = ruling_in(folder, &["check", name], None);
        assert_eq!(run.code, 0, "a warning does not fail the check");
        let warns = run.stderr.contains('⚠');
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(warns, text.starts_with("# Warns"), "{}", run.transcript());
        insta::assert_snapshot!(run.transcript());
    });
}

#[test]
fn an_effect_that_can_be_unknown_fails_with_deny_warnings() {
    let folder = crate::support::root().join("tests/fixtures/warnings");
    let run = ruling_in(
        &folder,
        &[
            "check",
            "--deny-warnings",
            "--format",
            "json",
            "effect-reads-an-optional-field.toml",
        ],
        None,
    );
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes: Vec<&str> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["effect-can-be-unknown", "effect-can-be-unknown"]);
}
