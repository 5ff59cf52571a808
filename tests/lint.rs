//! `ruling lint`: every policy under `tests/fixtures/lint/` is linted by the
//! real binary and its report snapshotted (a first line `# lint-args: …`
//! adds arguments); the shipped policies lint without warnings, and every
//! example a finding shows is decided again as the finding claims.

use std::path::Path;

use ruling::SourceFile;

use crate::cli::ruling;
use crate::support::{relative, root};

/// The arguments a fixture asks for in its first line.
fn fixture_args(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .and_then(|line| line.strip_prefix("# lint-args:"))
        .map(|args| args.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

#[test]
fn every_lint_fixture_is_reported() {
    insta::glob!("fixtures/lint", "*.toml", |path| {
        let file = relative(path);
        let mut args = vec!["lint".to_owned(), file];
        args.extend(fixture_args(path));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        insta::assert_snapshot!(ruling(&args, None).transcript());
    });
}

/// Every finding's example, decided again by the library, is decided by
/// the rule the finding names.
fn assert_examples_hold(report: &serde_json::Value) {
    for file in report["files"].as_array().unwrap() {
        let path = file["file"].as_str().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let policy = ruling::load(SourceFile::new(path, text)).unwrap();
        for finding in file["findings"].as_array().unwrap() {
            let (Some(example), Some(decided_by)) =
                (finding.get("example"), finding["decided_by"].as_str())
            else {
                continue;
            };
            if example.is_null() {
                continue;
            }
            let bytes = serde_json::to_vec(example).unwrap();
            let decision = ruling::decide_json(&policy, &bytes).unwrap();
            assert_eq!(decision.rule.id, decided_by, "{path}: {finding}");
        }
    }
}

#[test]
fn examples_are_decided_as_their_findings_claim() {
    let mut fixtures: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/lint"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "toml")
        })
        .map(|path| relative(&path))
        .collect();
    fixtures.sort();
    let mut args = vec!["lint", "--format", "json", "--overlaps"];
    args.extend(fixtures.iter().map(String::as_str));
    let run = ruling(&args, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["format"], 1);
    assert_eq!(report["files"].as_array().unwrap().len(), 10);
    assert_examples_hold(&report);
}

#[test]
fn the_shipped_policies_lint_without_warnings() {
    let run = ruling(
        &["lint", "policies", "--format", "json", "--deny", "warnings"],
        None,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for file in report["files"].as_array().unwrap() {
        for finding in file["findings"].as_array().unwrap() {
            assert_eq!(finding["severity"], "note", "{finding}");
        }
    }
    assert_examples_hold(&report);
}

#[test]
fn deny_warnings_fails_on_a_warning_but_not_on_a_note() {
    let warned = ruling(
        &[
            "lint",
            "tests/fixtures/lint/shadowed-rule.toml",
            "--deny",
            "warnings",
        ],
        None,
    );
    assert_eq!(warned.code, 1);
    let noted = ruling(
        &["lint", "tests/fixtures/lint/gap.toml", "--deny", "warnings"],
        None,
    );
    assert_eq!(noted.code, 0, "{}", noted.stdout);
}

#[test]
fn github_annotations_point_at_the_rule() {
    let run = ruling(
        &[
            "lint",
            "tests/fixtures/lint/shadowed-rule.toml",
            "--format",
            "github",
        ],
        None,
    );
    assert!(
        run.stdout.starts_with(
            "::warning file=tests/fixtures/lint/shadowed-rule.toml,line=40,col=9,title=ruling lint unreachable-rule::rule `large-order` never decides"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn check_deep_runs_the_lint_and_deny_warnings_counts_its_warnings() {
    let file = "tests/fixtures/lint/shadowed-rule.toml";
    let plain = ruling(&["check", file, "--deny-warnings"], None);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let deep = ruling(&["check", "--deep", file, "--deny-warnings"], None);
    assert_eq!(deep.code, 1, "{}", deep.stderr);
    assert!(
        deep.stderr.contains("rule `large-order` never decides"),
        "{}",
        deep.stderr
    );
    let shipped = ruling(&["check", "--deep", "--deny-warnings"], None);
    assert_eq!(shipped.code, 0, "{}", shipped.stderr);
}

#[test]
fn over_its_budget_the_lint_says_what_it_could_not_analyse_and_never_guesses() {
    let run = ruling(
        &[
            "lint",
            "tests/fixtures/lint/shadowed-rule.toml",
            "--budget",
            "5",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let file = &report["files"][0];
    assert_eq!(file["complete"], false);
    let kinds: Vec<&str> = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"not-analysed"), "{kinds:?}");
    assert!(!kinds.contains(&"unreachable-rule"), "{kinds:?}");
    assert!(!kinds.contains(&"impossible-condition"), "{kinds:?}");
}
