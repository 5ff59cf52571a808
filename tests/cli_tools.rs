//! The real binary's editor and CI commands: `check --format github|json`,
//! `schema`, `new` and `completions`.

use serde::Deserialize;

use crate::cli::ruling;

const BROKEN: &str = "tests/fixtures/policies/several-mistakes.toml";
const DUPLICATE: &str = "tests/fixtures/policies/field-declared-twice.toml";

#[test]
fn check_github_prints_one_annotation_per_problem() {
    let run = ruling(&["check", "--format", "github", BROKEN, DUPLICATE], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn check_github_of_valid_policies_prints_only_the_summary() {
    let run = ruling(&["check", "--format", "github"], None);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(run.stdout.ends_with("policy file(s) checked, all valid\n"));
}

/// The documented JSON shape, written out again: reading the output with
/// structs that deny unknown fields proves it has exactly these. Some
/// fields are only parsed, never read: parsing them is the test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "parsed to check the shape, not all read")]
struct CheckJson {
    format: u32,
    files: Vec<FileJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "parsed to check the shape, not all read")]
struct FileJson {
    file: String,
    valid: bool,
    policy: Option<PolicyJson>,
    diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "parsed to check the shape, not all read")]
struct PolicyJson {
    id: String,
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "parsed to check the shape, not all read")]
struct DiagnosticJson {
    code: String,
    message: String,
    severity: String,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    label: Option<String>,
    help: Option<String>,
    related: Vec<RelatedJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "parsed to check the shape, not all read")]
struct RelatedJson {
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    label: Option<String>,
}

#[test]
fn check_json_has_the_documented_shape() {
    let run = ruling(
        &[
            "check",
            "--format",
            "json",
            "policies/steam",
            DUPLICATE,
            "no/such.toml",
        ],
        None,
    );
    assert_eq!(run.code, 4, "a file that cannot be read wins");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let check: CheckJson = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(check.format, 1);
    let names: Vec<&str> = check.files.iter().map(|file| file.file.as_str()).collect();
    assert_eq!(
        names,
        ["no/such.toml", "policies/steam/2024-04-23.toml", DUPLICATE],
        "sorted by name"
    );
    let valid = &check.files[1];
    assert!(valid.valid && valid.diagnostics.is_empty());
    let policy = valid.policy.as_ref().unwrap();
    assert_eq!(
        (policy.id.as_str(), policy.version.as_str()),
        ("steam", "2024-04-23")
    );
    let unreadable = &check.files[0].diagnostics[0];
    assert_eq!(unreadable.code, "io-error");
    assert_eq!(unreadable.line, None);
    let duplicate = &check.files[2].diagnostics[0];
    assert_eq!(
        (
            duplicate.code.as_str(),
            duplicate.severity.as_str(),
            duplicate.line,
            duplicate.column
        ),
        ("duplicate-field", "error", Some(32), Some(1))
    );
    assert_eq!(
        duplicate.related[0].label.as_deref(),
        Some("first declared here")
    );
    let mistakes = ruling(&["check", "--format", "json", BROKEN], None);
    assert_eq!(mistakes.code, 1);
    insta::assert_snapshot!(mistakes.stdout);
}

#[test]
fn check_text_output_is_unchanged_by_the_formats() {
    let run = ruling(&["check", "--format", "text", DUPLICATE], None);
    let default = ruling(&["check", DUPLICATE], None);
    assert_eq!(run.transcript(), default.transcript());
}

#[test]
fn schema_request_prints_the_request_schema_of_the_newest_version() {
    let run = ruling(&["schema", "request", "policies/steam"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        schema["title"],
        "Request to policy `steam` version `2024-04-23`"
    );
    assert_eq!(
        schema["properties"]["purchase"]["properties"]["product_type"]["type"],
        "string"
    );
}

#[test]
fn schema_request_of_a_broken_policy_reports_it() {
    let run = ruling(&["schema", "request", DUPLICATE], None);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("is declared twice"), "{}", run.stderr);
}

#[test]
fn new_creates_a_policy_that_checks_tests_and_decides_its_case() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_str().unwrap();
    let run = ruling(
        &["new", "store-credit", "--dir", dir, "--date", "2025-01-01"],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout.replace(dir, "[DIR]"));
    let folder = temp.path().join("store-credit");
    let policy = std::fs::read_to_string(folder.join("2025-01-01.toml")).unwrap();
    let case = std::fs::read_to_string(folder.join("cases/example.json")).unwrap();
    insta::assert_snapshot!("new_policy", policy.replace(dir, "[DIR]"));
    insta::assert_snapshot!("new_case", case);

    let folder = folder.to_str().unwrap();
    let check = ruling(&["check", folder], None);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let layout = ruling(&["fmt", "--check", folder], None);
    assert_eq!(
        layout.code, 0,
        "a new policy is in canonical layout: {}",
        layout.stdout
    );

    let test = ruling(&["test", folder], None);
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(
        test.stdout.contains("1 passed, 0 failed"),
        "{}",
        test.stdout
    );

    let case_path = format!("{folder}/cases/example.json");
    let decide = ruling(&["decide", folder, &case_path, "--format", "json"], None);
    assert_eq!(decide.code, 0, "{}", decide.stderr);
    let decision: serde_json::Value = serde_json::from_str(&decide.stdout).unwrap();
    let case: serde_json::Value = serde_json::from_str(&case).unwrap();
    let expect = &case["expect"];
    assert_eq!(decision["outcome"], expect["outcome"]);
    assert_eq!(decision["rule"]["id"], expect["rule"]);
    assert_eq!(decision["missing"], expect["missing"]);
    for (name, value) in expect["effects"].as_object().unwrap() {
        assert_eq!(&decision["effects"][name], value, "effect `{name}`");
    }
}

#[test]
fn new_refuses_to_overwrite() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_str().unwrap();
    let first = ruling(&["new", "demo", "--dir", dir], None);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let policy = std::fs::read_dir(temp.path().join("demo")).unwrap().count();
    let again = ruling(&["new", "demo", "--dir", dir, "--date", "2020-01-01"], None);
    assert_eq!(again.code, 4);
    assert!(again.stdout.is_empty());
    insta::assert_snapshot!(again.stderr.replace(dir, "[DIR]"));
    assert_eq!(
        std::fs::read_dir(temp.path().join("demo")).unwrap().count(),
        policy,
        "nothing was added"
    );
}

#[test]
fn new_rejects_an_invalid_id_as_a_usage_error() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_str().unwrap();
    let run = ruling(&["new", "Store Credit", "--dir", dir], None);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.transcript());
    assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
}

#[test]
fn completions_for_every_shell_name_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = ruling(&["completions", shell], None);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for command in ["check", "decide", "schema", "new", "completions"] {
            assert!(
                run.stdout.contains(command),
                "{shell} completes `{command}`"
            );
        }
        assert!(run.stdout.contains("format"), "{shell} completes options");
    }
    let unknown = ruling(&["completions", "cmd"], None);
    assert_eq!(unknown.code, 2);
}

#[test]
fn the_new_commands_have_examples_in_their_help() {
    for command in ["schema", "new", "completions"] {
        let run = ruling(&[command, "--help"], None);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Examples:"), "{command}");
    }
    let run = ruling(&["check", "--help"], None);
    insta::assert_snapshot!(run.transcript());
}
