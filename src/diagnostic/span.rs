//! Byte spans into a source file, and the mapping from text embedded in a
//! TOML string back to the file that holds it.

use std::ops::Range;

/// A half-open byte range into a source file.
///
/// Spans are ignored by equality, so trees that differ only in where they
/// were written compare equal (print-then-parse round trips rely on this).
#[derive(Clone, Copy, Debug, Default, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Span {
    pub(crate) const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The empty span at `offset`, for errors about something absent.
    pub(crate) const fn empty(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    /// The smallest span that covers both.
    pub(crate) fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub(crate) const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub(crate) const fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub(crate) fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new(span.start.into(), span.len())
    }
}

/// Maps byte offsets in an embedded text (an expression inside a TOML string)
/// to byte offsets in the file, so that errors point into the file.
#[derive(Clone, Debug, Default)]
pub(crate) enum Origin {
    /// The text is the file itself.
    #[default]
    Identity,
    /// The text appears verbatim in the file from this offset on.
    Shifted(usize),
    /// The text was unescaped: `offsets[i]` is the file offset of text byte
    /// `i`, with one extra entry for the end of the text.
    Mapped(Vec<usize>),
    /// The text cannot be mapped byte by byte; every span becomes this one.
    Whole(Span),
}

impl Origin {
    pub(crate) fn offset(&self, local: usize) -> usize {
        match self {
            Origin::Identity => local,
            Origin::Shifted(base) => base.saturating_add(local),
            Origin::Mapped(offsets) => offsets
                .get(local)
                .or(offsets.last())
                .copied()
                .unwrap_or_default(),
            Origin::Whole(span) => span.start,
        }
    }

    /// The origin of the part of the text that starts at byte `start`.
    pub(crate) fn slice(&self, start: usize) -> Origin {
        match self {
            Origin::Identity => Origin::Shifted(start),
            Origin::Shifted(base) => Origin::Shifted(base.saturating_add(start)),
            Origin::Mapped(offsets) => {
                Origin::Mapped(offsets.get(start..).unwrap_or_default().to_vec())
            }
            Origin::Whole(span) => Origin::Whole(*span),
        }
    }

    pub(crate) fn span(&self, local: Span) -> Span {
        match self {
            Origin::Whole(span) => *span,
            _ => Span::new(self.offset(local.start), self.offset(local.end)),
        }
    }
}
