//! The one error pattern of `ruling`: a [`Diagnostic`] has a message, a
//! primary span with its label, optional secondary labels and a help line.
//!
//! Message rules: lowercase, no trailing period, user input in backticks,
//! the fix goes in `help`, never a Rust type name.

mod lines;
pub(crate) mod span;
pub(crate) mod suggest;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{LabeledSpan, MietteError, SourceCode, SourceSpan, SpanContents};

use crate::diagnostic::lines::{LineIndex, floor_char_boundary};
use crate::diagnostic::span::Span;

/// One problem found in a source file: what, where ([`Diagnostic::range`]),
/// and how to fix it.
///
/// ```
/// let text = std::fs::read_to_string("tests/fixtures/policies/enum-typo-in-equals.toml")?;
/// let error = ruling::load(ruling::SourceFile::new("p.toml", text.as_str())).unwrap_err();
/// let diagnostic = &error.diagnostics[0];
/// println!("{}: {}", diagnostic.code, diagnostic.message);
/// if let Some(help) = &diagnostic.help {
///     println!("help: {help}");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable, kebab-case name of the kind of problem (for JSON output).
    pub code: &'static str,
    /// What is wrong, in one line.
    pub message: String,
    pub(crate) span: Span,
    /// What the marked text is, shown under it; may be empty.
    pub label: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
    pub(crate) secondary: Vec<(Span, String)>,
}

impl Diagnostic {
    pub(crate) fn new(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            secondary: Vec::new(),
        }
    }

    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The bytes of the source file the problem points at.
    ///
    /// ```
    /// let text = std::fs::read_to_string("tests/fixtures/policies/enum-typo-in-equals.toml")?;
    /// let error = ruling::load(ruling::SourceFile::new("p.toml", text.as_str())).unwrap_err();
    /// let diagnostic = &error.diagnostics[0];
    /// assert!(!text[diagnostic.range()].is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn range(&self) -> std::ops::Range<usize> {
        self.span.range()
    }

    pub(crate) fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// A source file's name and text, shared by all diagnostics about it.
///
/// Lines and columns come from an index of the text built the first time
/// one is asked for and shared by the clones, so that reporting many
/// problems stays linear in their number.
///
/// ```
/// let file = ruling::SourceFile::new("shop.toml", "format = 1\n[policy]\n");
/// assert_eq!(file.line_column(11), (2, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SourceFile {
    /// The file's name, as diagnostics show it.
    pub name: String,
    /// The file's text.
    pub text: Arc<str>,
    lines: Arc<OnceLock<Indexed>>,
}

/// A line index and the text it was built from.
struct Indexed {
    text: Arc<str>,
    index: LineIndex,
}

impl SourceFile {
    /// A file of this name and text; nothing is read from disk.
    ///
    /// ```
    /// let text = std::fs::read_to_string("policies/iptv-smarters-pro/2025-01-22.toml")?;
    /// let policy = ruling::load(ruling::SourceFile::new("iptv.toml", text))?;
    /// assert_eq!(policy.file().name, "iptv.toml");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            lines: Arc::default(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    ///
    /// ```
    /// let file = ruling::SourceFile::new("p.toml", "a = 1\nb = \"é\"\n");
    /// assert_eq!(file.line_column(0), (1, 1));
    /// assert_eq!(file.line_column(11), (2, 6));
    /// # Ok::<(), ()>(())
    /// ```
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        self.lines().line_column(&self.text, offset)
    }

    /// The line index of the text. `text` is a public field: should it
    /// have been replaced since the index was built, a fresh one is built.
    fn lines(&self) -> Cow<'_, LineIndex> {
        let indexed = self.lines.get_or_init(|| Indexed {
            text: Arc::clone(&self.text),
            index: LineIndex::new(&self.text),
        });
        if Arc::ptr_eq(&indexed.text, &self.text) {
            Cow::Borrowed(&indexed.index)
        } else {
            Cow::Owned(LineIndex::new(&self.text))
        }
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("name", &self.name)
            .field("text", &self.text)
            .finish()
    }
}

/// A source file as miette reads it, through the file's line index.
struct IndexedSource<'a>(&'a SourceFile);

impl fmt::Debug for IndexedSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.0;
        file.lines().read_span(
            &file.text,
            &file.name,
            span,
            context_lines_before,
            context_lines_after,
        )
    }
}

/// A diagnostic together with the file it is about, ready for miette.
#[derive(Debug)]
pub(crate) struct Report<'a> {
    pub(crate) diagnostic: &'a Diagnostic,
    source: IndexedSource<'a>,
}

impl<'a> Report<'a> {
    pub(crate) fn new(diagnostic: &'a Diagnostic, file: &'a SourceFile) -> Self {
        Self {
            diagnostic,
            source: IndexedSource(file),
        }
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        None
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(
            non_empty(&self.diagnostic.label),
            self.diagnostic.span,
        );
        let secondary = self
            .diagnostic
            .secondary
            .iter()
            .map(|(span, label)| LabeledSpan::new_with_span(non_empty(label), *span));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

fn non_empty(label: &str) -> Option<String> {
    (!label.is_empty()).then(|| label.to_owned())
}

/// Renders diagnostics as text: miette's graphical report, without colour
/// unless `colour` is set, wrapped at `width` columns, each with the lines
/// of `file` it points at.
///
/// ```
/// let text = std::fs::read_to_string("tests/fixtures/policies/enum-typo-in-equals.toml")?;
/// let error = ruling::load(ruling::SourceFile::new("p.toml", text.as_str())).unwrap_err();
/// let text = ruling::render_diagnostics(&error.diagnostics, &error.file, false, 80);
/// assert!(text.contains(error.diagnostics[0].message.as_str()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(diagnostics: &[Diagnostic], file: &SourceFile, colour: bool, width: usize) -> String {
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
            render_plain(&mut out, diagnostic, file);
            continue;
        }
        let report = Report::new(diagnostic, file);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&diagnostic.message);
        }
        out.push('\n');
    }
    out
}

/// Lines longer than this are not quoted in a report: they would flood the
/// terminal, and miette cannot lay out columns past 65,535.
const LONGEST_QUOTED_LINE: usize = 1_000;

fn touches_long_line(diagnostic: &Diagnostic, file: &SourceFile) -> bool {
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

/// A report without the source snippet: message, place, label and help.
fn render_plain(out: &mut String, diagnostic: &Diagnostic, file: &SourceFile) {
    let (line, column) = file.line_column(diagnostic.span.start);
    out.push_str(&format!("  × {}\n", diagnostic.message));
    out.push_str(&format!(
        "   ╭─[{}:{line}:{column}] (the line is too long to show)\n",
        file.name
    ));
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
