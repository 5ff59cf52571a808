//! The one error pattern of `ruling`: a [`Diagnostic`] has a message, a
//! primary span with its label, optional secondary labels and a help line.
//!
//! Message rules: lowercase, no trailing period, user input in backticks,
//! the fix goes in `help`, never a Rust type name.

mod lines;
pub(crate) mod span;
pub(crate) mod suggest;
mod text;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{LabeledSpan, MietteError, Severity, SourceCode, SourceSpan, SpanContents};

use crate::diagnostic::lines::LineIndex;
use crate::diagnostic::span::Span;
pub use text::render;
pub(crate) use text::{render_notes, render_warnings};

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
    severity: Severity,
}

impl<'a> Report<'a> {
    /// The diagnostic reported as an error.
    pub(crate) fn new(diagnostic: &'a Diagnostic, file: &'a SourceFile) -> Self {
        Self {
            diagnostic,
            source: IndexedSource(file),
            severity: Severity::Error,
        }
    }

    /// The diagnostic reported with `severity`.
    pub(crate) fn with_severity(
        diagnostic: &'a Diagnostic,
        file: &'a SourceFile,
        severity: Severity,
    ) -> Self {
        Self {
            severity,
            ..Self::new(diagnostic, file)
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

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
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
