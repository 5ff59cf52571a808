//! The lint and the symbolic diff over HTTP: the same JSON as the CLI.

use serde_json::{Value, json};

use crate::cli::ruling;
use crate::serve::{Server, shipped};

#[test]
fn lint_over_http_is_the_cli_json() {
    let server = Server::start(&shipped(), &[]);
    let (status, report) = server.call(
        "POST",
        "/v1/lint",
        json!({"policy": "iptv-smarters-pro", "version": "2025-06-01"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 200, "{report}");
    let cli = ruling(
        &[
            "lint",
            "policies/iptv-smarters-pro/2025-06-01.toml",
            "--format",
            "json",
        ],
        None,
    );
    let mut expected: Value = serde_json::from_str(&cli.stdout).unwrap();
    // The server names files by its own root; everything else is equal.
    expected["files"][0]["file"] = report["files"][0]["file"].clone();
    assert_eq!(report, expected);
}

#[test]
fn lint_over_http_takes_a_proposed_policy_text() {
    let server = Server::start(&shipped(), &[]);
    let text = std::fs::read_to_string(
        crate::support::root().join("tests/fixtures/lint/shadowed-rule.toml"),
    )
    .unwrap();
    let (status, report) = server.call(
        "POST",
        "/v1/lint",
        json!({ "source": text }).to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{report}");
    let findings = report["files"][0]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|finding| finding["kind"] == "unreachable-rule"
                && finding["subject"] == "large-order"
                && finding["decided_by"] == "over-100"),
        "{report}"
    );
    let (status, error) = server.call(
        "POST",
        "/v1/lint",
        json!({ "source": "format = 1" }).to_string().as_bytes(),
    );
    assert_eq!(status, 400, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("the policy in `source` does not load"),
        "{error}"
    );
}

#[test]
fn symbolic_diff_over_http_lists_the_changed_groups() {
    let server = Server::start(&shipped(), &[]);
    let (status, diff) = server.call(
        "POST",
        "/v1/diff/symbolic",
        json!({"policy": "iptv-smarters-pro", "old": "2025-01-22", "new": "2025-06-01"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["complete"], true);
    assert!(
        diff["groups"].as_array().unwrap().iter().any(|group| {
            group["old"]["rule"] == "outside-window"
                && group["new"]["rule"] == "within-window-support-contacted"
        }),
        "{diff}"
    );
    let (status, same) = server.call(
        "POST",
        "/v1/diff/symbolic",
        json!({"policy": "iptv-smarters-pro", "old": "2025-06-01", "new": "2025-06-01"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["groups"], json!([]));
}
