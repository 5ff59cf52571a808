//! `effective_date` may be left out of a policy that is the only version of
//! its policy; a folder of several versions needs it on each.

use ruling::SourceFile;
use ruling::{decide_json, load};

use crate::cli::{ruling, ruling_in};

const UNDATED: &str = r#"
format = 1

[policy]
id = "undated"
version = "1"
title = "A policy that states no effective date"

[[field]]
path = "purchase.date"
type = "date"
description = "Date of the purchase"

[default]
id = "otherwise"
clause = "§1"
outcome = "review"
reason = "A person looks at every request."
"#;

#[test]
fn a_policy_without_an_effective_date_loads_and_decides() {
    let policy = load(SourceFile::new("undated.toml", UNDATED))
        .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
    assert_eq!(policy.effective_date(), None);
    let decision = decide_json(&policy, br#"{"purchase": {"date": "1901-02-03"}}"#).unwrap();
    assert_eq!(decision.rule.id, "otherwise");
}

#[test]
fn alone_in_its_folder_it_is_in_effect_on_every_date() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("undated");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("1.toml"), UNDATED).unwrap();
    let check = ruling_in(root.path(), &["check", "undated"], None);
    assert_eq!(check.code, 0, "{}", check.transcript());
    let run = ruling_in(
        root.path(),
        &[
            "decide",
            "undated",
            "-",
            "--at",
            "1900-01-01",
            "--format",
            "json",
        ],
        Some(b"{}"),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let decision: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        decision["policy"]["selected"],
        "asked for 1900-01-01; version 1 is in effect from the beginning"
    );
}

#[test]
fn a_folder_with_an_undated_version_among_others_is_rejected() {
    let run = ruling(&["check", "tests/fixtures/folders/undated-version"], None);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

/// The docs' example: a datetime in `effective_date_field` counts as its
/// date in the policy's time zone, whatever offset it is written with.
#[test]
fn a_datetime_selects_the_version_by_its_date_in_the_policy_zone() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("edt");
    std::fs::create_dir(&folder).unwrap();
    for version in ["2025-01-01", "2025-07-05"] {
        let text = format!(
            "format = 1\n\n[policy]\nid = \"edt\"\nversion = \"{version}\"\ntitle = \"T\"\neffective_date = {version}\neffective_date_field = \"purchase.at\"\ntimezone = \"America/New_York\"\n\n[[field]]\npath = \"purchase.at\"\ntype = \"datetime\"\ndescription = \"When\"\n\n[default]\nid = \"d\"\nclause = \"§1\"\noutcome = \"review\"\nreason = \"R.\"\n"
        );
        std::fs::write(folder.join(format!("{version}.toml")), text).unwrap();
    }
    for (at, version) in [
        ("2025-07-05T03:30:00Z", "2025-01-01"),
        ("2025-07-04T23:30:00-04:00", "2025-01-01"),
        ("2025-07-05T04:30:00Z", "2025-07-05"),
    ] {
        let request = format!(r#"{{"purchase": {{"at": "{at}"}}}}"#);
        let run = ruling_in(
            root.path(),
            &["decide", "--format", "json", "edt", "-"],
            Some(request.as_bytes()),
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        let decision: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(decision["policy"]["version"], version, "{at}");
    }
}
