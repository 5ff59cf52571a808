//! Stdout and stderr discipline of the real binary: results on stdout,
//! diagnostics on stderr, nothing on stdout when a command fails.

use crate::cli::ruling;

const POLICY: &str = "policies/iptv-smarters-pro";
const EXAMPLE: &str = "policies/iptv-smarters-pro/cases/approve-within-window.json";

#[test]
fn a_request_past_max_request_bytes_is_refused_with_nothing_on_stdout() {
    for format in ["text", "json"] {
        let run = ruling(
            &[
                "decide",
                POLICY,
                EXAMPLE,
                "--max-request-bytes",
                "100",
                "--format",
                format,
            ],
            None,
        );
        assert_eq!(run.code, 3, "{}", run.stderr);
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.contains("larger than the limit of 100 bytes"),
            "{}",
            run.stderr
        );
    }
    // From stdin too, which is read no further than the limit.
    let big = vec![b' '; 5_000];
    let run = ruling(
        &["decide", POLICY, "-", "--max-request-bytes", "100"],
        Some(&big),
    );
    assert_eq!(run.code, 3);
    assert_eq!(run.stdout, "");
    // The same request within a raised limit decides.
    let run = ruling(
        &["decide", POLICY, EXAMPLE, "--max-request-bytes", "100000"],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("approve"));
}

#[test]
fn ndjson_lines_past_the_limit_get_error_records_and_the_rest_decide() {
    let request = serde_json::to_string(
        &serde_json::from_str::<serde_json::Value>(
            &std::fs::read_to_string(crate::support::root().join(EXAMPLE)).unwrap(),
        )
        .unwrap()["request"],
    )
    .unwrap();
    let padded = format!("{request}{}", " ".repeat(2_000));
    let input = format!("{request}\n{padded}\n{request}\n");
    let run = ruling(
        &[
            "decide",
            POLICY,
            "--ndjson",
            "-",
            "--max-request-bytes",
            "1500",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["outcome"], "approve");
    assert!(
        lines[1].to_string().contains("request-too-large"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["outcome"], "approve");
}

#[test]
fn a_bad_request_prints_nothing_on_stdout_in_either_format() {
    for format in ["text", "json"] {
        let run = ruling(
            &["decide", POLICY, "-", "--format", format],
            Some(br#"{"purchase": {"amount": true}}"#),
        );
        assert_eq!(run.code, 3);
        assert_eq!(run.stdout, "", "{format}");
        assert!(!run.stderr.is_empty());
    }
}

#[test]
fn check_with_one_broken_policy_among_good_ones_reports_it_on_stderr_and_exits_1() {
    let run = ruling(
        &[
            "check",
            "policies",
            "tests/fixtures/policies/and-on-number.toml",
        ],
        None,
    );
    assert_eq!(run.code, 1);
    // The good files are reported as checked; the diagnostics go to stderr.
    assert!(
        run.stdout.contains("policies/steam/2024-04-23.toml"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("and-on-number"), "{}", run.stdout);
    assert!(run.stderr.contains("and-on-number.toml"), "{}", run.stderr);
}

#[test]
fn decide_with_a_broken_policy_prints_nothing_on_stdout() {
    let run = ruling(
        &["decide", "tests/fixtures/policies/and-on-number.toml", "-"],
        Some(b"{}"),
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(!run.stderr.is_empty());
}

#[test]
fn a_failing_case_makes_test_exit_nonzero_with_the_report_on_stdout() {
    let folder = tempfile::tempdir().unwrap();
    let policy = folder.path().join("iptv");
    std::fs::create_dir_all(policy.join("cases")).unwrap();
    let root = crate::support::root();
    std::fs::copy(
        root.join("policies/iptv-smarters-pro/2025-01-22.toml"),
        policy.join("2025-01-22.toml"),
    )
    .unwrap();
    let case = std::fs::read_to_string(root.join(EXAMPLE))
        .unwrap()
        .replace("\"outcome\": \"approve\"", "\"outcome\": \"deny\"");
    std::fs::write(policy.join("cases/wrong.json"), case).unwrap();
    let run = ruling(&["test", policy.to_str().unwrap()], None);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("wrong"), "{}", run.transcript());
}

#[test]
fn an_ndjson_line_far_past_the_limit_is_skipped_on_any_number_of_jobs() {
    let huge = format!("{{\"x\": \"{}\"}}", "y".repeat(3_000_000));
    let input = format!("{{}}\n{huge}\n{{}}\n");
    for jobs in ["1", "2"] {
        let run = ruling(
            &[
                "decide",
                POLICY,
                "--ndjson",
                "-",
                "--jobs",
                jobs,
                "--max-request-bytes",
                "1000",
            ],
            Some(input.as_bytes()),
        );
        assert_eq!(run.code, 3, "{}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{}", run.stdout);
        assert!(lines[1].contains("request-too-large"), "{}", lines[1]);
        assert!(lines[1].contains("\"line\":2"), "{}", lines[1]);
        assert!(!lines[2].contains("request-too-large"), "{}", lines[2]);
    }
}

/// Output that cannot be written (a full disk) is an error that says so,
/// with exit code 4, for every command that prints a result.
#[test]
fn output_that_cannot_be_written_is_reported_with_exit_4() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let commands: [&[&str]; 4] = [
        &["decide", POLICY, EXAMPLE],
        &["decide", POLICY, EXAMPLE, "--format", "json"],
        &["check", "policies", "--format", "json"],
        &["test", "--format", "junit"],
    ];
    for args in commands {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_ruling"))
            .args(args)
            .current_dir(crate::support::root())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: cannot write the output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

/// A folder given as the NDJSON input is named in the error.
#[test]
fn a_folder_as_ndjson_input_is_refused_by_name() {
    let run = ruling(&["decide", POLICY, "--ndjson", "policies"], None);
    assert_eq!(run.code, 4);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("cannot read `policies`: it is a folder"),
        "{}",
        run.stderr
    );
}

/// Only a string that holds a JSON object is called an object encoded twice.
#[test]
fn a_request_encoded_twice_is_told_apart_from_other_text() {
    let twice = ruling(&["decide", POLICY, "-"], Some(br#""{\"purchase\": {}}""#));
    assert!(twice.stderr.contains("encoded twice"), "{}", twice.stderr);
    let text = ruling(&["decide", POLICY, "-"], Some(br#""{not json""#));
    assert!(!text.stderr.contains("encoded twice"), "{}", text.stderr);
    assert_eq!((twice.code, text.code), (3, 3));
}
