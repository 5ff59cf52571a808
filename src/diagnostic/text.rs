//! Diagnostics as text for a terminal. With the `graphical` feature each is
//! miette's graphical report: the source lines quoted, the spans underlined
//! and labelled. Without it, and for spans on lines too long to quote, a
//! plain report: the message, `file:line:column`, the labels and the help.

use miette::Severity;

use super::{Diagnostic, SourceFile};

/// Renders diagnostics as text, each with the lines of `file` it points
/// at: miette's graphical report, without colour unless `colour` is set,
/// wrapped at `width` columns. Without the `graphical` feature, a plain
/// report: the message, `file:line:column`, the labels and the help.
///
/// ```
/// let text = std::fs::read_to_string("tests/fixtures/policies/enum-typo-in-equals.toml")?;
/// let error = ruling::load(ruling::SourceFile::new("p.toml", text.as_str())).unwrap_err();
/// let text = ruling::render_diagnostics(&error.diagnostics, &error.file, false, 80);
/// assert!(text.contains(error.diagnostics[0].message.as_str()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(diagnostics: &[Diagnostic], file: &SourceFile, colour: bool, width: usize) -> String {
    render_as(Severity::Error, diagnostics, file, colour, width)
}

/// Renders the warnings of a valid policy as `render` renders errors,
/// marked `⚠` instead of `×`.
pub(crate) fn render_warnings(
    warnings: &[Diagnostic],
    file: &SourceFile,
    colour: bool,
    width: usize,
) -> String {
    render_as(Severity::Warning, warnings, file, colour, width)
}

/// Renders notes (what a reader may want to know, not a fault) as
/// `render` renders errors, marked `☞`.
pub(crate) fn render_notes(
    notes: &[Diagnostic],
    file: &SourceFile,
    colour: bool,
    width: usize,
) -> String {
    render_as(Severity::Advice, notes, file, colour, width)
}

#[cfg(feature = "graphical")]
fn render_as(
    severity: Severity,
    diagnostics: &[Diagnostic],
    file: &SourceFile,
    colour: bool,
    width: usize,
) -> String {
    use super::Report;

    let theme = if colour {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        if touches_long_line(diagnostic, file) {
            render_plain(
                &mut out,
                severity,
                diagnostic,
                file,
                Some("the line is too long to show"),
            );
            continue;
        }
        let report = Report::with_severity(diagnostic, file, severity);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&diagnostic.message);
        }
        out.push('\n');
    }
    out
}

#[cfg(not(feature = "graphical"))]
fn render_as(
    severity: Severity,
    diagnostics: &[Diagnostic],
    file: &SourceFile,
    _colour: bool,
    _width: usize,
) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_plain(&mut out, severity, diagnostic, file, None);
    }
    out
}

/// Lines longer than this are not quoted in a report: they would flood the
/// terminal, and miette cannot lay out columns past 65,535.
#[cfg(feature = "graphical")]
const LONGEST_QUOTED_LINE: usize = 1_000;

#[cfg(feature = "graphical")]
fn touches_long_line(diagnostic: &Diagnostic, file: &SourceFile) -> bool {
    use super::lines::floor_char_boundary;

    let lines = file.lines();
    let spans =
        std::iter::once(diagnostic.span).chain(diagnostic.secondary.iter().map(|(span, _)| *span));
    spans.into_iter().any(|span| {
        let start = floor_char_boundary(&file.text, span.start);
        let end = floor_char_boundary(&file.text, span.end);
        let quoted =
            lines.line_around(&file.text, start).start..lines.line_around(&file.text, end).end;
        quoted.len() > LONGEST_QUOTED_LINE || end.saturating_sub(start) > LONGEST_QUOTED_LINE
    })
}

/// A report without the source snippet: message, place, labels and help,
/// and after the place, when given, why the source is not shown.
fn render_plain(
    out: &mut String,
    severity: Severity,
    diagnostic: &Diagnostic,
    file: &SourceFile,
    note: Option<&str>,
) {
    let marker = match severity {
        Severity::Warning => '⚠',
        Severity::Advice => '☞',
        Severity::Error => '×',
    };
    let (line, column) = file.line_column(diagnostic.span.start);
    out.push_str(&format!("  {marker} {}\n", diagnostic.message));
    out.push_str(&format!("   ╭─[{}:{line}:{column}]", file.name));
    if let Some(note) = note {
        out.push_str(&format!(" ({note})"));
    }
    out.push('\n');
    if !diagnostic.label.is_empty() {
        out.push_str(&format!("   │ {}\n", diagnostic.label));
    }
    for (span, label) in &diagnostic.secondary {
        let (line, column) = file.line_column(span.start);
        out.push_str(&format!("   │ {line}:{column}: {label}\n"));
    }
    out.push_str("   ╰────\n");
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::span::Span;

    /// A report of `oops` on the second line, with a secondary label on the
    /// first.
    fn unknown_name() -> (Diagnostic, SourceFile) {
        let file = SourceFile::new("policy.toml", "a = 1\nb = oops\n");
        let diagnostic = Diagnostic::new("unknown-name", "unknown name `oops`", Span::new(10, 14))
            .with_label("not declared")
            .with_secondary(Span::new(0, 1), "first key")
            .with_help("declare it under [fields]");
        (diagnostic, file)
    }

    #[test]
    fn a_plain_report_shows_the_place_the_labels_and_the_help() {
        let (diagnostic, file) = unknown_name();
        let mut out = String::new();
        render_plain(&mut out, Severity::Warning, &diagnostic, &file, Some("why"));
        assert_eq!(
            out,
            "  ⚠ unknown name `oops`\n   ╭─[policy.toml:2:5] (why)\n   │ not declared\n   \
             │ 1:1: first key\n   ╰────\n  help: declare it under [fields]\n\n"
        );
    }

    #[cfg(not(feature = "graphical"))]
    #[test]
    fn without_the_graphical_feature_reports_are_plain() {
        let (diagnostic, file) = unknown_name();
        assert_eq!(
            render(&[diagnostic.clone(), diagnostic], &file, true, 20),
            "  × unknown name `oops`\n   ╭─[policy.toml:2:5]\n   │ not declared\n   \
             │ 1:1: first key\n   ╰────\n  help: declare it under [fields]\n\n"
                .repeat(2)
        );
    }

    #[cfg(feature = "graphical")]
    #[test]
    fn with_the_graphical_feature_reports_quote_the_source() {
        let (diagnostic, file) = unknown_name();
        let out = render(std::slice::from_ref(&diagnostic), &file, false, 100);
        assert!(out.contains("[policy.toml:2:5]"), "{out}");
        assert!(out.contains("2 │ b = oops"), "{out}");
        assert!(out.contains("help: declare it under [fields]"), "{out}");
        let warned = render_warnings(&[diagnostic], &file, false, 100);
        assert!(warned.contains("⚠"), "{warned}");
    }
}
