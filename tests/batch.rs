//! `ruling decide --ndjson`: one decision per line, in input order with any
//! number of jobs, bad lines reported without stopping the run.

use std::fmt::Write;

use crate::cli::ruling;
use crate::support::root;

/// Every IPTV case's request, then a few bad lines, repeated to span many
/// chunks of work.
fn requests() -> String {
    let mut lines = Vec::new();
    let mut cases: Vec<_> = std::fs::read_dir(root().join("policies/iptv-smarters-pro/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    cases.sort();
    for path in cases {
        let case: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        lines.push(case["request"].to_string());
    }
    lines.push("{\"purchase\": ".to_owned());
    lines.push(String::new());
    lines.push("{\"purchase\": {\"amount\": true}}".to_owned());
    let mut text = String::new();
    for _ in 0..60 {
        for line in &lines {
            let _ = writeln!(text, "{line}");
        }
    }
    text
}

#[test]
fn jobs_keep_the_input_order_and_the_output() {
    let input = requests();
    let policy = "policies/iptv-smarters-pro";
    let one = ruling(&["decide", policy, "--ndjson", "-"], Some(input.as_bytes()));
    let two = ruling(
        &["decide", policy, "--ndjson", "-", "--jobs", "2"],
        Some(input.as_bytes()),
    );
    let four = ruling(
        &["decide", policy, "--ndjson", "-", "--jobs", "4"],
        Some(input.as_bytes()),
    );
    assert_eq!(one.code, 3, "some lines are rejected: {}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, four.stdout);
    let numbers: Vec<u64> = one
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(numbers, sorted, "lines come out in input order");
    let total_lines = input.lines().count() as u64;
    let blank = input.lines().filter(|line| line.is_empty()).count();
    assert_eq!(
        numbers.len(),
        total_lines as usize - blank,
        "one record per non-blank line"
    );
}

#[test]
fn a_bad_line_gets_an_error_record_and_the_run_goes_on() {
    let input = "{\"purchase\": \n{\"purchase\": {\"amount\": true}}\n";
    let run = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro/2025-01-22.toml",
            "--ndjson",
            "-",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 3);
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["line"], 1);
    assert_eq!(records[0]["error"]["problems"][0]["code"], "unexpected-end");
    assert_eq!(records[1]["line"], 2);
    assert_eq!(
        records[1]["error"]["problems"][0]["path"],
        "purchase.amount"
    );
    assert!(run.stderr.contains("2 lines in"), "{}", run.stderr);
    assert!(run.stderr.contains("2 rejected"), "{}", run.stderr);
}

#[test]
fn batch_decisions_match_single_decisions() {
    let case = root().join("policies/iptv-smarters-pro/cases/approve-within-window.json");
    let case: serde_json::Value = serde_json::from_slice(&std::fs::read(case).unwrap()).unwrap();
    let request = case["request"].to_string();
    let single = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "-",
            "--format",
            "json",
        ],
        Some(request.as_bytes()),
    );
    let batch = ruling(
        &["decide", "policies/iptv-smarters-pro", "--ndjson", "-"],
        Some(format!("{request}\n").as_bytes()),
    );
    let traced = ruling(
        &[
            "decide",
            "policies/iptv-smarters-pro",
            "--ndjson",
            "-",
            "--trace",
        ],
        Some(format!("{request}\n").as_bytes()),
    );
    let single: serde_json::Value = serde_json::from_str(&single.stdout).unwrap();
    let batch: serde_json::Value = serde_json::from_str(batch.stdout.trim()).unwrap();
    let traced: serde_json::Value = serde_json::from_str(traced.stdout.trim()).unwrap();
    for key in ["outcome", "reason", "effects", "missing"] {
        assert_eq!(single[key], batch[key], "{key}");
        assert_eq!(single[key], traced[key], "{key}");
    }
    assert_eq!(single["rule"], batch["rule"]);
    assert_eq!(single["trace"], traced["trace"]);
    assert!(batch.get("trace").is_none(), "no trace unless asked for");
}

#[test]
fn case_lines_are_decided_by_their_request() {
    let case = std::fs::read_to_string(
        root().join("policies/steam/cases/game-day-4-45-min-played-approve.json"),
    )
    .unwrap();
    let line =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&case).unwrap()).unwrap();
    let run = ruling(
        &["decide", "policies/steam", "--ndjson", "-"],
        Some(format!("{line}\n").as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\"outcome\":\"approve\""));
}

/// A folder of one version still checks the request's date, line by line,
/// as a single decision does.
#[test]
fn a_one_version_folder_refuses_lines_dated_before_it() {
    let input = "{\"purchase\": {\"purchased_at\": \"2014-01-01T00:00:00Z\"}}\n";
    let batch = ruling(
        &["decide", "policies/steam", "--ndjson", "-"],
        Some(input.as_bytes()),
    );
    let single = ruling(&["decide", "policies/steam", "-"], Some(input.as_bytes()));
    assert_eq!(single.code, 3, "{}", single.stderr);
    assert_eq!(batch.code, 3, "{}", batch.stderr);
    let record: serde_json::Value = serde_json::from_str(batch.stdout.trim()).unwrap();
    assert_eq!(record["error"]["kind"], "no_version", "{record}");
}
