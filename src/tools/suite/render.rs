//! Reports of `ruling test`: for people, as JSON, as JUnit XML for CI
//! dashboards, and as GitHub Actions annotations.

use std::fmt::Write;
use std::path::Path;

use anstyle::{AnsiColor, Style};
use similar::{ChangeTag, TextDiff};

use super::{CaseResult, Coverage, Report, SnapshotDiff, Verdict};
use crate::render::Palette;

/// The version of the JSON shape of a test report.
pub(crate) const REPORT_FORMAT: u32 = 1;

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// For people: one line per case, the differences of each failure, the
/// coverage of every rule, and a closing `N passed, N failed` line.
pub(crate) fn suite_text(report: &Report, colour: bool) -> String {
    let palette = Palette { colour };
    let mut out = String::new();
    for result in &report.results {
        write_case(&mut out, result, palette);
    }
    for file in &report.updated {
        let _ = writeln!(out, "updated {}", display(file));
    }
    write_coverage(&mut out, report, palette);
    let _ = writeln!(
        out,
        "\n{} passed, {} failed",
        report.passed(),
        report.failed()
    );
    out
}

fn write_case(out: &mut String, result: &CaseResult, palette: Palette) {
    let file = display(&result.file);
    match &result.verdict {
        Verdict::Passed => {
            let decided = result.decision.as_ref().map_or(String::new(), |decision| {
                format!(
                    "{} by {} (version {})",
                    decision.outcome, decision.rule.id, decision.policy.version
                )
            });
            let mark = palette.paint(
                Style::new().fg_color(Some(AnsiColor::Green.into())),
                "ok   ",
            );
            let _ = writeln!(out, "{mark} {file}  {}", palette.dim(&decided));
        }
        Verdict::Failed {
            mismatches,
            snapshot,
        } => {
            let mark = palette.paint(
                Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
                "FAIL ",
            );
            let _ = writeln!(out, "{mark} {file}  {}", result.description);
            for mismatch in mismatches {
                let _ = writeln!(
                    out,
                    "        {}: expected {}, got {}",
                    mismatch.what, mismatch.expected, mismatch.actual
                );
            }
            if let Some(snapshot) = snapshot {
                write_snapshot_diff(out, snapshot);
            }
        }
        Verdict::Error(message) => {
            let mark = palette.paint(
                Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
                "ERROR",
            );
            let _ = writeln!(out, "{mark} {file}  {message}");
        }
    }
}

fn write_snapshot_diff(out: &mut String, snapshot: &SnapshotDiff) {
    let Some(stored) = &snapshot.stored else {
        let _ = writeln!(
            out,
            "        no snapshot at {}; run `ruling test --snapshot --update` to write it",
            display(&snapshot.file)
        );
        return;
    };
    let _ = writeln!(
        out,
        "        the decision differs from {}:",
        display(&snapshot.file)
    );
    let diff = TextDiff::from_lines(stored.as_str(), snapshot.actual.as_str());
    for group in diff.grouped_ops(2) {
        let _ = writeln!(out, "        @@");
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                let _ = write!(out, "        {sign} {change}");
                if change.missing_newline() {
                    out.push('\n');
                }
            }
        }
    }
}

fn write_coverage(out: &mut String, report: &Report, palette: Palette) {
    if report.coverage.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}",
        palette.bold("coverage: cases that reached each rule and that it decided")
    );
    for coverage in &report.coverage {
        let decided = coverage
            .rules
            .iter()
            .filter(|rule| rule.decided > 0)
            .count();
        let _ = writeln!(
            out,
            "  {} version {}: {decided} of {} rules decide a case",
            coverage.policy,
            coverage.version,
            coverage.rules.len()
        );
        let width = coverage
            .rules
            .iter()
            .map(|rule| rule.id.len())
            .max()
            .unwrap_or(0);
        for rule in &coverage.rules {
            let line = format!(
                "    {:width$}  reached {:>3}  decided {:>3}  {}",
                rule.id, rule.reached, rule.decided, rule.clause
            );
            if rule.decided == 0 {
                let _ = writeln!(
                    out,
                    "{}",
                    palette.paint(Style::new().fg_color(Some(AnsiColor::Yellow.into())), &line)
                );
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    let never: Vec<String> = report
        .coverage
        .iter()
        .flat_map(|coverage| {
            coverage
                .rules
                .iter()
                .filter(|rule| rule.decided == 0)
                .map(move |rule| {
                    format!(
                        "{} {} `{}` ({})",
                        coverage.policy, coverage.version, rule.id, rule.clause
                    )
                })
        })
        .collect();
    if !never.is_empty() {
        let _ = writeln!(out, "  no case is decided by:");
        for rule in never {
            let _ = writeln!(out, "    {rule}");
        }
    }
    let _ = writeln!(out, "  coverage {:.1}% of rules", report.coverage_percent());
}

/// For programs: the whole report as one JSON document (shape documented in
/// docs/test-format.md).
pub(crate) fn suite_json(report: &Report) -> String {
    let cases: Vec<serde_json::Value> = report.results.iter().map(case_json).collect();
    let coverage: Vec<serde_json::Value> = report.coverage.iter().map(coverage_json).collect();
    let body = serde_json::json!({
        "format": REPORT_FORMAT,
        "passed": report.passed(),
        "failed": report.failed(),
        "coverage_percent": (report.coverage_percent() * 10.0).round() / 10.0,
        "cases": cases,
        "coverage": coverage,
        "updated": report.updated.iter().map(|file| display(file)).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    text
}

fn case_json(result: &CaseResult) -> serde_json::Value {
    let (status, message, mismatches, snapshot) = match &result.verdict {
        Verdict::Passed => ("passed", None, Vec::new(), None),
        Verdict::Failed {
            mismatches,
            snapshot,
        } => (
            "failed",
            None,
            mismatches.iter().collect(),
            snapshot.as_ref(),
        ),
        Verdict::Error(message) => ("error", Some(message.as_str()), Vec::new(), None),
    };
    serde_json::json!({
        "file": display(&result.file),
        "description": result.description,
        "status": status,
        "message": message,
        "version": result.version,
        "outcome": result.decision.as_ref().map(|decision| decision.outcome),
        "rule": result.decision.as_ref().map(|decision| &decision.rule.id),
        "mismatches": mismatches.iter().map(|mismatch| serde_json::json!({
            "what": mismatch.what,
            "expected": mismatch.expected,
            "actual": mismatch.actual,
        })).collect::<Vec<_>>(),
        "snapshot": snapshot.map(|snapshot| serde_json::json!({
            "file": display(&snapshot.file),
            "stored": snapshot.stored,
            "actual": snapshot.actual,
        })),
    })
}

fn coverage_json(coverage: &Coverage) -> serde_json::Value {
    serde_json::json!({
        "policy": coverage.policy,
        "version": coverage.version,
        "file": coverage.file,
        "rules": coverage.rules.iter().map(|rule| serde_json::json!({
            "id": rule.id,
            "clause": rule.clause,
            "line": rule.line,
            "reached": rule.reached,
            "decided": rule.decided,
        })).collect::<Vec<_>>(),
    })
}

/// JUnit XML, one test suite per policy folder, one test case per case.
pub(crate) fn suite_junit(report: &Report) -> String {
    let mut suites: Vec<(String, Vec<&CaseResult>)> = Vec::new();
    for result in &report.results {
        let name = policy_folder_name(&result.file);
        match suites.iter_mut().find(|(known, _)| *known == name) {
            Some((_, results)) => results.push(result),
            None => suites.push((name, vec![result])),
        }
    }
    let errors = |results: &[&CaseResult]| {
        results
            .iter()
            .filter(|result| matches!(result.verdict, Verdict::Error(_)))
            .count()
    };
    let failures = |results: &[&CaseResult]| {
        results
            .iter()
            .filter(|result| matches!(result.verdict, Verdict::Failed { .. }))
            .count()
    };
    let all: Vec<&CaseResult> = report.results.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"ruling\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        all.len(),
        failures(&all),
        errors(&all)
    );
    for (name, results) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            xml(name),
            results.len(),
            failures(results),
            errors(results)
        );
        for result in results {
            write_junit_case(&mut out, name, result);
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    let _ = writeln!(out, "</testsuites>");
    out
}

fn write_junit_case(out: &mut String, suite: &str, result: &CaseResult) {
    let name = result
        .file
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
        xml(&name),
        xml(suite),
        xml(&display(&result.file))
    );
    match &result.verdict {
        Verdict::Passed => {
            let _ = writeln!(out, "/>");
        }
        Verdict::Failed {
            mismatches,
            snapshot,
        } => {
            let summary = failure_summary(mismatches, snapshot.as_ref());
            let mut details = String::new();
            for mismatch in mismatches {
                let _ = writeln!(
                    details,
                    "{}: expected {}, got {}",
                    mismatch.what, mismatch.expected, mismatch.actual
                );
            }
            if let Some(snapshot) = snapshot {
                write_snapshot_diff(&mut details, snapshot);
            }
            let _ = writeln!(out, ">");
            let _ = writeln!(
                out,
                "      <failure message=\"{}\">{}</failure>",
                xml(&summary),
                xml(&details)
            );
            let _ = writeln!(out, "    </testcase>");
        }
        Verdict::Error(message) => {
            let _ = writeln!(out, ">");
            let _ = writeln!(out, "      <error message=\"{}\"/>", xml(message));
            let _ = writeln!(out, "    </testcase>");
        }
    }
}

/// The policy folder a case belongs to: the folder above `cases/`.
fn policy_folder_name(case: &Path) -> String {
    case.parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn failure_summary(
    mismatches: &[crate::tools::case::Mismatch],
    snapshot: Option<&SnapshotDiff>,
) -> String {
    let mut parts: Vec<String> = mismatches
        .iter()
        .map(|mismatch| {
            format!(
                "{}: expected {}, got {}",
                mismatch.what, mismatch.expected, mismatch.actual
            )
        })
        .collect();
    match snapshot {
        Some(SnapshotDiff { stored: None, .. }) => parts.push("no snapshot".to_owned()),
        Some(_) => parts.push("the decision differs from its snapshot".to_owned()),
        None => {}
    }
    parts.join("; ")
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// GitHub Actions workflow commands: an error on each failing case file,
/// and one on the line of the rule that decided it in the policy file.
pub(crate) fn suite_github(report: &Report) -> String {
    let mut out = String::new();
    for result in &report.results {
        let file = display(&result.file);
        let message = match &result.verdict {
            Verdict::Passed => continue,
            Verdict::Failed {
                mismatches,
                snapshot,
            } => failure_summary(mismatches, snapshot.as_ref()),
            Verdict::Error(message) => message.clone(),
        };
        let _ = writeln!(
            out,
            "::error file={},line=1,title={}::{}",
            property(&file),
            property("ruling test"),
            data(&message)
        );
        if let Some(rule) = deciding_rule_line(report, result) {
            let _ = writeln!(
                out,
                "::error file={},line={},title={}::{}",
                property(&rule.0),
                rule.1,
                property("ruling test"),
                data(&format!("{file} was decided by this rule: {message}"))
            );
        }
    }
    let _ = writeln!(
        out,
        "{} passed, {} failed",
        report.passed(),
        report.failed()
    );
    out
}

fn deciding_rule_line(report: &Report, result: &CaseResult) -> Option<(String, usize)> {
    let decision = result.decision.as_ref()?;
    let coverage = report.coverage.iter().find(|coverage| {
        coverage.policy == decision.policy.id && coverage.version == decision.policy.version
    })?;
    let rule = coverage
        .rules
        .iter()
        .find(|rule| rule.id == decision.rule.id)?;
    Some((coverage.file.clone(), rule.line))
}

/// Escapes the message of a workflow command.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property (`file=…`, `title=…`) of a workflow command.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
