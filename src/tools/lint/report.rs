//! The lint's findings as people and programs read them: miette reports,
//! a versioned JSON document (documented in docs/lint-format.md), and
//! GitHub Actions annotations.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, SourceFile, render_notes, render_warnings};
use crate::policy::Policy;
use crate::tools::check_output::{Place, escape_data, escape_property};

use super::{Finding, Lint, Severity};

/// The version of the JSON shape; raised on any change that could break a
/// reader (a field removed, renamed or retyped).
pub const LINT_FORMAT: u32 = 1;

/// One linted policy, as `ruling lint --format json` lists it.
#[derive(Debug, Serialize)]
pub struct FileJson {
    pub file: String,
    pub policy: PolicyJson,
    /// Whether every request cell was enumerated with every condition
    /// followed exactly: then the proved findings are proofs.
    pub complete: bool,
    /// Whether every valid request is decided by a rule, proved.
    pub default_unreachable: bool,
    /// How many requests the analysis decoded and evaluated.
    pub requests: usize,
    /// How many findings the policy allows, with a reason, and so are not listed.
    pub allowed: usize,
    pub findings: Vec<FindingJson>,
}

#[derive(Debug, Serialize)]
pub struct PolicyJson {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct FindingJson {
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(flatten)]
    pub place: Place,
}

/// A finding as a miette diagnostic: at the rule's condition (or the
/// field, or the `[default]`), the example in the help.
pub fn diagnostic(finding: &Finding) -> Diagnostic {
    let label = match finding.severity {
        Severity::Warning | Severity::Note => finding.kind.code(),
    };
    let mut diagnostic =
        Diagnostic::new(finding.kind.code(), finding.message.clone(), finding.span)
            .with_label(label);
    if let Some(help) = &finding.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    diagnostic
}

/// The findings of one policy as text, for people: warnings marked `⚠`,
/// notes `☞`, in the order found.
pub fn text(lint: &Lint, file: &SourceFile, colour: bool) -> String {
    lint.findings
        .iter()
        .map(|finding| {
            let shown = [diagnostic(finding)];
            match finding.kind.severity() {
                Severity::Warning => render_warnings(&shown, file, colour, 100),
                Severity::Note => render_notes(&shown, file, colour, 100),
            }
        })
        .collect()
}

/// The one-line summary of one policy.
pub fn summary(policy: &Policy, lint: &Lint) -> String {
    let warnings = lint
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Warning)
        .count();
    let notes = lint.findings.len() - warnings;
    let allowed = match lint.allowed {
        0 => String::new(),
        count => format!(", {count} allowed"),
    };
    let coverage = if lint.default_unreachable {
        ", every valid request is decided by a rule (proved)"
    } else if lint.complete {
        ", every request cell enumerated"
    } else {
        ""
    };
    format!(
        "{}  ({} version {}): {warnings} warning(s), {notes} note(s){allowed}{coverage}; {} requests tried\n",
        policy.file.name, policy.meta.id, policy.meta.version, lint.requests
    )
}

pub fn file_json(policy: &Policy, lint: &Lint) -> FileJson {
    FileJson {
        file: policy.file.name.clone(),
        policy: PolicyJson {
            id: policy.meta.id.clone(),
            version: policy.meta.version.clone(),
        },
        complete: lint.complete,
        default_unreachable: lint.default_unreachable,
        requests: lint.requests,
        allowed: lint.allowed,
        findings: lint
            .findings
            .iter()
            .map(|finding| FindingJson {
                finding: finding.clone(),
                place: Place::of(finding.span, &policy.file),
            })
            .collect(),
    }
}

/// One GitHub Actions annotation per finding: `::warning` or `::notice`.
pub fn github(policy: &Policy, lint: &Lint) -> String {
    let mut out = String::new();
    for finding in &lint.findings {
        let place = Place::of(finding.span, &policy.file);
        let mut properties = vec![("file", policy.file.name.clone())];
        if let (Some(line), Some(column)) = (place.line, place.column) {
            properties.push(("line", line.to_string()));
            properties.push(("col", column.to_string()));
        }
        properties.push(("title", format!("ruling lint {}", finding.kind.code())));
        let properties: Vec<String> = properties
            .iter()
            .map(|(name, value)| format!("{name}={}", escape_property(value)))
            .collect();
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let level = match finding.severity {
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        out.push_str(&format!(
            "::{level} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    out
}
