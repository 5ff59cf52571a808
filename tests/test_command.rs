//! `ruling test` on the real binary: pass and fail, every output format,
//! snapshots and their update, and the coverage threshold.

use std::fs;
use std::path::Path;

use crate::cli::{Run, ruling};
use crate::support::root;

/// A copy of the IPTV policy folder (both versions, all cases) to change.
fn iptv_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = root().join("policies/iptv-smarters-pro");
    let target = dir.path().join("iptv-smarters-pro");
    fs::create_dir_all(target.join("cases")).unwrap();
    for entry in fs::read_dir(&source)
        .unwrap()
        .chain(fs::read_dir(source.join("cases")).unwrap())
    {
        let path = entry.unwrap().path();
        if path.is_file() {
            let relative = path.strip_prefix(&source).unwrap();
            fs::copy(&path, target.join(relative)).unwrap();
        }
    }
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let folder = dir.join("iptv-smarters-pro");
    let folder = folder.to_str().unwrap();
    let mut all = vec!["test", folder];
    all.extend_from_slice(args);
    let mut run = ruling(&all, None);
    let shown = dir.to_str().unwrap();
    run.stdout = run.stdout.replace(shown, "[tmp]");
    run.stderr = run.stderr.replace(shown, "[tmp]");
    run
}

fn break_case(dir: &Path) {
    let case = dir.join("iptv-smarters-pro/cases/terms-violated.json");
    let text = fs::read_to_string(&case)
        .unwrap()
        .replace("\"outcome\": \"deny\"", "\"outcome\": \"review\"");
    fs::write(case, text).unwrap();
}

#[test]
fn every_shipped_case_passes() {
    let run = ruling(&["test"], None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.trim_end().ends_with("passed, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("coverage 100.0% of rules"));
}

#[test]
fn a_failing_case_shows_what_differs_and_exits_1() {
    let dir = iptv_copy();
    break_case(dir.path());
    let run = run_in(dir.path(), &[]);
    assert_eq!(run.code, 1);
    let failures: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with("ok "))
        .collect();
    insta::assert_snapshot!(failures.join("\n"));
}

#[test]
fn json_report_lists_every_case_and_the_coverage() {
    let dir = iptv_copy();
    break_case(dir.path());
    let run = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["format"], 1);
    assert_eq!(report["failed"], 1);
    let failed: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["mismatches"][0]["what"], "outcome");
    assert_eq!(report["coverage"][0]["rules"][0]["id"], "terms-violated");
}

#[test]
fn junit_report_is_one_suite_per_policy() {
    let dir = iptv_copy();
    break_case(dir.path());
    let run = run_in(dir.path(), &["--format", "junit"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ruling\"")
    );
    assert!(run.stdout.contains("<testsuite name=\"iptv-smarters-pro\""));
    assert_eq!(run.stdout.matches("<failure ").count(), 1);
    assert!(
        run.stdout
            .contains("message=\"outcome: expected review, got deny\"")
    );
}

#[test]
fn github_annotations_point_at_the_case_and_the_rule() {
    let dir = iptv_copy();
    break_case(dir.path());
    let run = run_in(dir.path(), &["--format", "github"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn snapshots_show_a_rule_change_and_update_rewrites_them() {
    let dir = iptv_copy();
    let policy = dir.path().join("iptv-smarters-pro/2025-01-22.toml");
    let text = fs::read_to_string(&policy).unwrap();
    let changed = text.replace(
        "clause = \"Eligibility §2\"",
        "clause = \"Eligibility §2 (late requests)\"",
    );
    assert_ne!(text, changed);
    fs::write(&policy, changed).unwrap();
    let run = run_in(dir.path(), &["--snapshot"]);
    assert_eq!(run.code, 1);
    let diff: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|line| !line.contains("cases/day-8-is-outside-the-window.json"))
        .take_while(|line| {
            !line.starts_with("ok ") && !line.starts_with("FAIL")
                || line.contains("day-8-is-outside-the-window.json")
        })
        .collect();
    insta::assert_snapshot!(diff.join("\n"));
    let update = run_in(dir.path(), &["--snapshot", "--update"]);
    assert_eq!(update.code, 0, "{}", update.stdout);
    assert!(
        update
            .stdout
            .contains("updated [tmp]/iptv-smarters-pro/cases/day-8-is-outside-the-window.snap")
    );
    let again = run_in(dir.path(), &["--snapshot"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}

#[test]
fn coverage_below_the_minimum_fails() {
    let dir = iptv_copy();
    let cases = dir.path().join("iptv-smarters-pro/cases");
    for entry in fs::read_dir(&cases).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .contains("terms-violated")
        {
            fs::remove_file(path).unwrap();
        }
    }
    let run = run_in(dir.path(), &["--min-coverage", "100"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("is below the minimum of 100%"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("iptv-smarters-pro 2025-01-22 `terms-violated` (Refund Exclusions §2)")
    );
    assert!(run.stdout.contains("0 failed"));
}

#[test]
fn a_single_case_file_can_be_run() {
    let run = ruling(
        &[
            "test",
            "policies/steam/cases/game-day-4-45-min-played-approve.json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("1 passed, 0 failed"));
}

/// A policy file or a case file named from inside its folder has the empty
/// path as its parent: the folder is the current one.
#[test]
fn a_file_named_from_inside_its_folder_runs_its_cases() {
    let folder = root().join("policies/steam");
    let run = crate::cli::ruling_in(&folder, &["test", "2024-04-23.toml"], None);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains(" passed, 0 failed"), "{}", run.stdout);
    let case = "cases/game-day-4-45-min-played-approve.json";
    let run = crate::cli::ruling_in(&folder, &["test", case], None);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("1 passed, 0 failed"), "{}", run.stdout);
}

/// Like `ruling check`, `ruling test DIR` finds policy folders at any depth,
/// so a failing case deep down is not silently skipped.
#[test]
fn cases_are_found_at_any_depth() {
    let dir = iptv_copy();
    let deep = dir.path().join("team/refunds");
    fs::create_dir_all(&deep).unwrap();
    fs::rename(
        dir.path().join("iptv-smarters-pro"),
        deep.join("iptv-smarters-pro"),
    )
    .unwrap();
    break_case(&deep);
    let run = ruling(&["test", dir.path().to_str().unwrap()], None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("50 passed, 1 failed"), "{}", run.stdout);
}

/// An expected rule id that the policy does not have is named as such.
#[test]
fn an_unknown_expected_rule_is_named_with_the_closest_id() {
    let dir = iptv_copy();
    let case = dir
        .path()
        .join("iptv-smarters-pro/cases/terms-violated.json");
    let text = fs::read_to_string(&case).unwrap().replace(
        "\"rule\": \"terms-violated\"",
        "\"rule\": \"terms-violatd\"",
    );
    fs::write(case, text).unwrap();
    let run = run_in(dir.path(), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("rule: expected terms-violatd (the policy has no rule with this id; did you mean `terms-violated`?), got terms-violated"),
        "{}",
        run.stdout
    );
}

/// A policy file given to `ruling test` stands for its folder.
#[test]
fn a_policy_file_runs_the_cases_of_its_folder() {
    let run = ruling(&["test", "policies/steam/2024-04-23.toml"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("40 passed, 0 failed"), "{}", run.stdout);
}
