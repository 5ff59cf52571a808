//! The real binary: exit codes, stdout and stderr.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::root;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the binary from the crate root, without colour.
pub fn ruling(args: &[&str], stdin: Option<&[u8]>) -> Run {
    ruling_in(&root(), args, stdin)
}

/// Runs the binary in `folder`, so that the paths it prints are relative.
pub fn ruling_in(folder: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ruling"))
        .args(args)
        .current_dir(folder)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Write stdin from another thread: a large input and a large output
    // would otherwise block each other in the pipes.
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const EXAMPLE: &str = "policies/iptv-smarters-pro/cases/approve-within-window.json";

#[test]
fn check_passes_on_the_shipped_policies() {
    let run = ruling(&["check"], None);
    insta::assert_snapshot!(run.transcript());
    assert_eq!(run.code, 0);
}

#[test]
fn check_reports_every_problem_and_exits_1() {
    let run = ruling(
        &[
            "check",
            "tests/fixtures/policies/unknown-field-in-condition.toml",
        ],
        None,
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn check_of_a_missing_file_exits_4() {
    let run = ruling(&["check", "no/such/policy.toml"], None);
    assert_eq!(run.code, 4);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn decide_prints_the_decision_and_trace() {
    let run = ruling(&["decide", "policies/iptv-smarters-pro", EXAMPLE], None);
    assert_eq!(run.code, 0);
    assert!(run.stderr.is_empty());
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn decide_json_is_stable_and_parses() {
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            EXAMPLE,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0);
    let decision: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decision["outcome"], "approve");
    assert_eq!(decision["format"], 1);
    let again = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            EXAMPLE,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(
        run.stdout, again.stdout,
        "identical input gives identical bytes"
    );
}

#[test]
fn decide_reads_stdin() {
    let request = std::fs::read(root().join(EXAMPLE)).unwrap();
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro/2025-01-22.toml",
            "-",
            "--format",
            "json",
        ],
        Some(&request),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"outcome\": \"approve\""));
}

#[test]
fn a_deny_is_still_exit_0() {
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "policies/iptv-smarters-pro/cases/terms-violated.json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("deny"));
}

#[test]
fn a_bad_request_exits_3_with_nothing_on_stdout() {
    let run = ruling(
        &["decide", "policies/iptv-smarters-pro", "-"],
        Some(br#"{"purchase": {"date": "2025-02-30", "amount": true}}"#),
    );
    assert_eq!(run.code, 3);
    assert!(run.stdout.is_empty());
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn a_bad_request_in_json_mode_is_a_json_error() {
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "-",
            "--format",
            "json",
        ],
        Some(b"{\"purchase\": "),
    );
    assert_eq!(run.code, 3);
    assert!(run.stdout.is_empty());
    let error: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "invalid_request");
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn a_request_before_the_first_version_is_rejected() {
    let run = ruling(
        &["decide", "policies/iptv-smarters-pro", "-"],
        Some(br#"{"purchase": {"date": "2024-12-01"}, "request": {"date": "2024-12-02"}}"#),
    );
    assert_eq!(run.code, 3);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn an_invalid_policy_stops_decide_with_exit_1() {
    let run = ruling(
        &[
            "decide",
            "tests/fixtures/policies/unknown-field-in-condition.toml",
            EXAMPLE,
        ],
        None,
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let run = ruling(&["decide"], None);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn help_lists_the_commands_and_exit_codes() {
    let run = ruling(&["--help"], None);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn decide_help_has_examples() {
    let run = ruling(&["decide", "--help"], None);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Examples:"));
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn check_rejects_two_versions_that_claim_the_same_period() {
    let run = ruling(
        &["check", "tests/fixtures/folders/overlapping-versions"],
        None,
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn check_rejects_a_folder_that_mixes_policies() {
    let run = ruling(&["check", "tests/fixtures/folders/mixed-policies"], None);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn decide_can_pick_a_version_or_a_date() {
    let case = "policies/iptv-smarters-pro/cases/v1-day-10-before-the-change-is-outside.json";
    let by_date = ruling(&["decide", "policies/iptv-smarters-pro", case], None);
    assert!(by_date.stdout.starts_with("deny"), "{}", by_date.stdout);
    let by_version = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            case,
            "--version",
            "2025-06-01",
        ],
        None,
    );
    assert!(
        by_version.stdout.starts_with("approve"),
        "{}",
        by_version.stdout
    );
    assert!(
        by_version
            .stdout
            .contains("version 2025-06-01 was asked for")
    );
    let at = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            case,
            "--at",
            "2025-06-01",
        ],
        None,
    );
    assert!(
        at.stdout
            .contains("asked for 2025-06-01; version 2025-06-01 is in effect from 2025-06-01")
    );
    let unknown = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            case,
            "--version",
            "2030-01-01",
        ],
        None,
    );
    assert_eq!(unknown.code, 3);
    insta::assert_snapshot!(unknown.transcript());
}

#[test]
fn refusals_before_decoding_are_json_in_json_mode() {
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            EXAMPLE,
            "--version",
            "2030",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 3);
    assert!(run.stdout.is_empty());
    let error: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "no_version");
    let early = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "-",
            "--format",
            "json",
        ],
        Some(br#"{"purchase": {"date": "2024-12-01"}}"#),
    );
    assert_eq!(early.code, 3);
    let error: serde_json::Value = serde_json::from_str(&early.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "no_version");
}

#[test]
fn swapped_arguments_are_named_as_such() {
    let run = ruling(&["decide", EXAMPLE, "policies/iptv-smarters-pro"], None);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("the policy comes first")
            && run.stderr.contains(&format!(
                "ruling decide policies/iptv-smarters-pro {EXAMPLE}"
            )),
        "{}",
        run.transcript()
    );
}

#[test]
fn json_flag_points_to_format_json() {
    let run = ruling(
        &["decide", "policies/iptv-smarters-pro", EXAMPLE, "--json"],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("`--format json`"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_case_file_with_a_misspelled_expect_is_refused_with_the_key_meant() {
    let case = br#"{"request": {"purchase": {}}, "expcet": {"outcome": "deny"}}"#;
    let run = ruling(&["decide", "policies/iptv-smarters-pro", "-"], Some(case));
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("`expcet` is not a key of the case file; did you mean `expect`?"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_misspelled_member_is_warned_about_and_strict_rejects_it() {
    let request = br#"{"purchase": {"date": "2025-03-01", "currncy": "EUR"}, "customer": {"terms_violated": true}}"#;
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "-",
            "--format",
            "json",
        ],
        Some(request),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let decision: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        decision["warnings"],
        serde_json::json!([{
            "path": "purchase.currncy",
            "code": "undeclared-member",
            "message": "`purchase.currncy` is not a field of this policy and was ignored; did you mean `purchase.currency`?"
        }])
    );
    let strict = ruling(
        &["decide", "--strict", "policies/iptv-smarters-pro", "-"],
        Some(request),
    );
    assert_eq!(strict.code, 3, "{}", strict.transcript());
    assert!(
        strict
            .stderr
            .contains("`purchase.currncy` is not a field of this policy")
    );
}

#[test]
fn a_folder_of_policy_folders_names_them_and_a_typo_gets_the_path_meant() {
    let run = ruling(&["decide", "policies", EXAMPLE], None);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("it holds the policy folders")
            && run.stderr.contains("`policies/iptv-smarters-pro`"),
        "{}",
        run.transcript()
    );
    let run = ruling(&["decide", "policies/iptv-smarters-pr", EXAMPLE], None);
    assert_eq!(run.code, 4, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("help: did you mean `policies/iptv-smarters-pro`?"),
        "{}",
        run.transcript()
    );
}

#[test]
fn diff_of_two_different_policies_warns() {
    let run = ruling(
        &["diff", "policies/steam", "policies/iptv-smarters-pro"],
        None,
    );
    assert!(
        run.stderr
            .contains("warning: these are two different policies, `steam` and `iptv-smarters-pro`"),
        "{}",
        run.transcript()
    );
    let same = ruling(
        &[
            "diff",
            "policies/iptv-smarters-pro/2025-01-22.toml",
            "policies/iptv-smarters-pro/2025-06-01.toml",
        ],
        None,
    );
    assert!(
        !same.stderr.contains("two different policies"),
        "{}",
        same.transcript()
    );
}

#[test]
fn record_with_a_space_is_told_to_use_equals() {
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            EXAMPLE,
            "--record",
            "x.db",
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("write `--record=x.db`, with `=`"),
        "{}",
        run.transcript()
    );
}
