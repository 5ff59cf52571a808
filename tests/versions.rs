//! A request dated before the earliest version of a policy folder: rejected
//! by default with a message that says how to decide it anyway, or decided
//! by the earliest version when the folder says `before_first_version =
//! "earliest"`.

use crate::cli::ruling;

const REJECTED: &str = "tests/fixtures/folders/before-first-version-rejected";
const EARLIEST: &str = "tests/fixtures/folders/before-first-version-earliest";
const MIXED: &str = "tests/fixtures/folders/mixed-before-first-version";

/// Bought a month before the earliest version, which says that such
/// purchases are reviewed.
const BEFORE: &[u8] = br#"{"purchase": {"date": "2024-11-30"}}"#;

#[test]
fn a_request_before_the_earliest_version_is_rejected_by_default_and_says_how_to_decide_it() {
    let run = ruling(&["decide", REJECTED, "-"], Some(BEFORE));
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!(run.transcript());
    for hint in [
        "`--version`",
        "`--at`",
        "before_first_version = \"earliest\"",
    ] {
        assert!(run.stderr.contains(hint), "{hint}: {}", run.stderr);
    }
    let alone = ruling(
        &["decide", &format!("{REJECTED}/2025-01-01.toml"), "-"],
        Some(BEFORE),
    );
    assert_eq!(alone.code, 0, "{}", alone.transcript());
    assert!(
        alone
            .stdout
            .starts_with("review  by rule bought-before-the-policy")
    );
}

#[test]
fn before_first_version_earliest_lets_the_earliest_version_decide() {
    let run = ruling(&["decide", EARLIEST, "-"], Some(BEFORE));
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
    let json = ruling(&["decide", EARLIEST, "--format", "json", "-"], Some(BEFORE));
    let decision: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(decision["outcome"], "review");
    assert_eq!(decision["rule"]["id"], "bought-before-the-policy");
    assert_eq!(decision["policy"]["version"], "2025-01-01");
}

#[test]
fn before_first_version_earliest_holds_for_a_date_asked_for_and_in_a_batch() {
    let at = ruling(
        &["decide", EARLIEST, "--at", "2020-01-01", "-"],
        Some(BEFORE),
    );
    assert_eq!(at.code, 0, "{}", at.transcript());
    assert!(
        at.stdout
            .contains("version 2025-01-01 (in effect from 2025-01-01) decides it")
    );
    let rejected_at = ruling(
        &["decide", REJECTED, "--at", "2020-01-01", "-"],
        Some(BEFORE),
    );
    assert_eq!(rejected_at.code, 3, "{}", rejected_at.transcript());
    let lines =
        b"{\"purchase\": {\"date\": \"2024-11-30\"}}\n{\"purchase\": {\"date\": \"2025-07-01\"}}\n";
    let batch = ruling(&["decide", EARLIEST, "--ndjson", "-"], Some(lines));
    assert_eq!(batch.code, 0, "{}", batch.transcript());
    let versions: Vec<String> = batch
        .stdout
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            format!("{} {}", record["policy"]["version"], record["outcome"])
        })
        .collect();
    assert_eq!(
        versions,
        ["\"2025-01-01\" \"review\"", "\"2025-06-01\" \"deny\""]
    );
}

#[test]
fn versions_that_disagree_about_before_first_version_are_refused() {
    let run = ruling(&["check", MIXED], None);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}
