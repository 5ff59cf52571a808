//! The one error pattern of `ruling`: a [`Diagnostic`] has a message, a
//! primary span with its label, optional secondary labels and a help line.
//!
//! Message rules: lowercase, no trailing period, user input in backticks,
//! the fix goes in `help`, never a Rust type name.

mod lines;
pub mod span;
pub mod suggest;
mod text;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use miette::{LabeledSpan, MietteError, Severity, SourceCode, SourceSpan, SpanContents};

use crate::diagnostic::lines::LineIndex;
use crate::diagnostic::span::Span;
pub use text::{render, render_warnings};

/// One problem found in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable, kebab-case name of the kind of problem (for JSON output).
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    pub secondary: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(code: &'static str, message: impl Into<String>, span: Span) -> Self {
        Self {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            secondary: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
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
#[derive(Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    lines: Arc<OnceLock<Indexed>>,
}

/// A line index and the text it was built from.
struct Indexed {
    text: Arc<str>,
    index: LineIndex,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            lines: Arc::default(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
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
pub struct Report<'a> {
    pub diagnostic: &'a Diagnostic,
    source: IndexedSource<'a>,
    severity: Severity,
}

impl<'a> Report<'a> {
    /// The diagnostic reported as an error.
    pub fn new(diagnostic: &'a Diagnostic, file: &'a SourceFile) -> Self {
        Self {
            diagnostic,
            source: IndexedSource(file),
            severity: Severity::Error,
        }
    }

    /// The diagnostic reported as a warning: the policy is still valid.
    pub fn warning(diagnostic: &'a Diagnostic, file: &'a SourceFile) -> Self {
        Self {
            severity: Severity::Warning,
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
