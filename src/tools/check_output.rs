//! The result of `ruling check` for machines: GitHub Actions annotations,
//! and a versioned JSON document (documented in docs/check-format.md). The
//! warnings of valid policies as text are `diagnostic::render_warnings`.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::diagnostic::span::Span;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::policy::folder::{CheckReport, PolicyError};

/// The version of the JSON shape; raised on any change that could break a
/// reader (a field removed, renamed or retyped).
pub(crate) const CHECK_FORMAT: u32 = 1;

/// The JSON document of `ruling check --format json`.
#[derive(Debug, Serialize)]
pub(crate) struct CheckJson {
    pub(crate) format: u32,
    /// One entry per policy file (or path that could not be read), sorted
    /// by name.
    pub(crate) files: Vec<FileJson>,
}

#[derive(Debug, Serialize)]
pub(crate) struct FileJson {
    pub(crate) file: String,
    pub(crate) valid: bool,
    /// The policy's id and version, when the file is valid.
    pub(crate) policy: Option<PolicyJson>,
    pub(crate) diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PolicyJson {
    pub(crate) id: String,
    pub(crate) version: String,
}

/// One problem. Lines and columns count from 1, columns in characters; the
/// end is just past the last character. All four are `null` for a problem
/// that has no place in a file (a file that cannot be read).
#[derive(Debug, Serialize)]
pub(crate) struct DiagnosticJson {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) severity: &'static str,
    #[serde(flatten)]
    pub(crate) place: Place,
    pub(crate) label: Option<String>,
    pub(crate) help: Option<String>,
    /// Other places the problem involves, such as the first of two
    /// duplicates.
    pub(crate) related: Vec<RelatedJson>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RelatedJson {
    #[serde(flatten)]
    pub(crate) place: Place,
    pub(crate) label: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Place {
    pub(crate) line: Option<usize>,
    pub(crate) column: Option<usize>,
    pub(crate) end_line: Option<usize>,
    pub(crate) end_column: Option<usize>,
}

impl Place {
    pub fn of(span: Span, file: &SourceFile) -> Self {
        let (line, column) = file.line_column(span.start);
        let (end_line, end_column) = file.line_column(span.end.max(span.start));
        Self {
            line: Some(line),
            column: Some(column),
            end_line: Some(end_line),
            end_column: Some(end_column),
        }
    }
}

/// Every file of a check, sorted by name, with its problems.
pub(crate) fn check_json(report: &CheckReport) -> CheckJson {
    let mut files: BTreeMap<String, FileJson> = BTreeMap::new();
    for policy in &report.valid {
        let entry = file_entry(&mut files, &policy.file.name);
        entry.policy = Some(PolicyJson {
            id: policy.meta.id.clone(),
            version: policy.meta.version.clone(),
        });
        entry
            .diagnostics
            .extend(policy.warnings.iter().map(|warning| DiagnosticJson {
                severity: WARNING,
                ..diagnostic_json(warning, &policy.file)
            }));
    }
    for problem in &report.problems {
        let (name, diagnostics) = problem_diagnostics(problem);
        let entry = file_entry(&mut files, &name);
        entry.valid = false;
        entry.policy = None;
        entry.diagnostics.extend(diagnostics);
    }
    CheckJson {
        format: CHECK_FORMAT,
        files: files.into_values().collect(),
    }
}

fn file_entry<'a>(files: &'a mut BTreeMap<String, FileJson>, name: &str) -> &'a mut FileJson {
    files.entry(name.to_owned()).or_insert_with(|| FileJson {
        file: name.to_owned(),
        valid: true,
        policy: None,
        diagnostics: Vec::new(),
    })
}

/// The file a problem is about, and its diagnostics in JSON form.
fn problem_diagnostics(problem: &PolicyError) -> (String, Vec<DiagnosticJson>) {
    match problem {
        PolicyError::Invalid(error) => (
            error.file.name.clone(),
            error
                .diagnostics
                .iter()
                .map(|diagnostic| diagnostic_json(diagnostic, &error.file))
                .collect(),
        ),
        PolicyError::Io { path, .. } => (
            path.display().to_string(),
            vec![placeless("io-error", problem.to_string())],
        ),
        PolicyError::Empty(path) => (
            path.display().to_string(),
            vec![placeless("no-policy-files", problem.to_string())],
        ),
        PolicyError::Link(link) => (
            link.path().display().to_string(),
            vec![placeless(link.code(), problem.to_string())],
        ),
    }
}

const ERROR: &str = "error";
const WARNING: &str = "warning";

pub(crate) fn diagnostic_json(diagnostic: &Diagnostic, file: &SourceFile) -> DiagnosticJson {
    DiagnosticJson {
        code: diagnostic.code,
        message: diagnostic.message.clone(),
        severity: ERROR,
        place: Place::of(diagnostic.span, file),
        label: non_empty(&diagnostic.label),
        help: diagnostic.help.clone(),
        related: diagnostic
            .secondary
            .iter()
            .map(|(span, label)| RelatedJson {
                place: Place::of(*span, file),
                label: non_empty(label),
            })
            .collect(),
    }
}

fn placeless(code: &'static str, message: String) -> DiagnosticJson {
    DiagnosticJson {
        code,
        message,
        severity: ERROR,
        place: Place::default(),
        label: None,
        help: None,
        related: Vec::new(),
    }
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// The JSON text of a check, pretty-printed, ending with a newline.
pub(crate) fn check_json_text(report: &CheckReport) -> String {
    // Serializing plain structs with string keys cannot fail.
    let mut text = serde_json::to_string_pretty(&check_json(report)).unwrap_or_default();
    text.push('\n');
    text
}

/// One GitHub Actions `::error` (or `::warning`) workflow command per
/// problem, so that each shows on the line of the pull request it is about.
pub(crate) fn github_annotations(report: &CheckReport) -> String {
    let mut out = String::new();
    for file in check_json(report).files {
        for diagnostic in &file.diagnostics {
            out.push_str(&github_annotation(&file.file, diagnostic));
            out.push('\n');
        }
    }
    out
}

fn github_annotation(file: &str, diagnostic: &DiagnosticJson) -> String {
    let mut properties = vec![("file", file.to_owned())];
    let place = &diagnostic.place;
    if let (Some(line), Some(column)) = (place.line, place.column) {
        properties.push(("line", line.to_string()));
        properties.push(("col", column.to_string()));
    }
    if let (Some(end_line), Some(end_column)) = (place.end_line, place.end_column) {
        properties.push(("endLine", end_line.to_string()));
        // GitHub's end column is the last character's, not the one after.
        let last = end_column.saturating_sub(1).max(1);
        let last = match (place.line, place.column) {
            (Some(line), Some(column)) if line == end_line => last.max(column),
            _ => last,
        };
        properties.push(("endColumn", last.to_string()));
    }
    properties.push(("title", format!("ruling {}", diagnostic.code)));
    let properties: Vec<String> = properties
        .iter()
        .map(|(name, value)| format!("{name}={}", escape_property(value)))
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!(
        "::{} {}::{}",
        diagnostic.severity,
        properties.join(","),
        escape_data(&message)
    )
}

/// Escapes a workflow command's message, as GitHub's toolkit does.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: the message's escapes, and
/// `:` and `,`, which end a property.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load::load;

    fn report_of(name: &str, text: &str) -> CheckReport {
        let mut report = CheckReport::default();
        match load(SourceFile::new(name, text)) {
            Ok(policy) => report.valid.push(policy),
            Err(error) => report.problems.push(PolicyError::Invalid(error)),
        }
        report
    }

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(
            escape_property("C:\\policies\\a,b.toml"),
            "C%3A\\policies\\a%2Cb.toml"
        );
    }

    #[test]
    fn an_annotation_points_at_the_problem_and_carries_the_help() {
        let report = report_of("p.toml", "format = 2\n");
        let annotations = github_annotations(&report);
        let first = annotations
            .lines()
            .find(|line| line.contains("unsupported-format"))
            .unwrap();
        assert!(
            first.starts_with(
                "::error file=p.toml,line=1,col=10,endLine=1,endColumn=10,title=ruling unsupported-format::format `2` is not supported%0Ahelp: "
            ),
            "{first}"
        );
    }

    #[test]
    fn a_problem_without_a_place_has_null_positions() {
        let mut report = CheckReport::default();
        report.problems.push(PolicyError::Empty("nowhere".into()));
        let json = serde_json::to_value(check_json(&report)).unwrap();
        let diagnostic = &json["files"][0]["diagnostics"][0];
        assert_eq!(diagnostic["code"], "no-policy-files");
        assert!(diagnostic["line"].is_null() && diagnostic["end_column"].is_null());
        assert_eq!(
            github_annotations(&report),
            "::error file=nowhere,title=ruling no-policy-files::`nowhere` holds no policy files (`*.toml`)\n"
        );
    }

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let text = "format = 1\n[policy]\nid = \"Bad Id\"\n";
        let report = report_of("p.toml", text);
        let json = serde_json::to_value(check_json(&report)).unwrap();
        let file = &json["files"][0];
        assert_eq!(file["valid"], false);
        assert!(file["policy"].is_null());
        let invalid_id = file["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|diagnostic| diagnostic["code"] == "invalid-id")
            .unwrap();
        assert_eq!(
            (
                &invalid_id["line"],
                &invalid_id["column"],
                &invalid_id["end_line"],
                &invalid_id["end_column"]
            ),
            (
                &serde_json::json!(3),
                &serde_json::json!(6),
                &serde_json::json!(3),
                &serde_json::json!(14)
            )
        );
    }
}
