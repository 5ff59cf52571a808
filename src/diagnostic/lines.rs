//! Lines and columns of byte offsets, found from an index built once per
//! file: a report about a file with many problems costs a binary search per
//! place, not a scan of the text before it.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// How many bytes apart the character counts are kept: a column costs at
/// most this many bytes of counting.
const CHAR_CHECKPOINT: usize = 64;

/// Where the lines of a text start, and how many characters come before
/// every `CHAR_CHECKPOINT`th byte.
#[derive(Clone, Debug)]
pub(crate) struct LineIndex {
    /// The offset of each line; a line ends with `\n`.
    starts: Vec<usize>,
    /// The offset of each line as miette counts them: a `\r` not followed
    /// by `\n` ends a line too.
    report_starts: Vec<usize>,
    /// `chars_before[i]` is the number of characters in the first
    /// `i * CHAR_CHECKPOINT` bytes (a character counted where it starts).
    chars_before: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut report_starts = vec![0];
        let mut chars_before = Vec::with_capacity(bytes.len() / CHAR_CHECKPOINT + 1);
        let mut chars = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            if at.is_multiple_of(CHAR_CHECKPOINT) {
                chars_before.push(chars);
            }
            chars += usize::from(starts_char(byte));
            let lone_return = byte == b'\r' && bytes.get(at + 1) != Some(&b'\n');
            if byte == b'\n' {
                starts.push(at + 1);
            }
            if byte == b'\n' || lone_return {
                report_starts.push(at + 1);
            }
        }
        if bytes.len().is_multiple_of(CHAR_CHECKPOINT) {
            chars_before.push(chars);
        }
        Self {
            starts,
            report_starts,
            chars_before,
        }
    }

    /// 1-based line and column (in characters) of a byte offset; an offset
    /// inside a character counts as that character's start.
    pub(crate) fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset);
        let line = line_of(&self.starts, offset);
        let line_start = self.starts.get(line).copied().unwrap_or_default();
        let column = self.chars(text, offset) - self.chars(text, line_start);
        (line + 1, column + 1)
    }

    /// The byte range of the line that holds `offset`, without its `\n`:
    /// how long a line the graphical report would quote.
    #[cfg(any(test, feature = "graphical"))]
    pub(crate) fn line_around(&self, text: &str, offset: usize) -> std::ops::Range<usize> {
        let offset = floor_char_boundary(text, offset);
        let line = line_of(&self.starts, offset);
        let start = self.starts.get(line).copied().unwrap_or_default();
        let end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |next| next.saturating_sub(1));
        start..end
    }

    /// The number of characters that start before byte `offset`.
    fn chars(&self, text: &str, offset: usize) -> usize {
        let checkpoint = offset / CHAR_CHECKPOINT;
        let counted = self
            .chars_before
            .get(checkpoint)
            .copied()
            .unwrap_or_default();
        let rest = text
            .as_bytes()
            .get(checkpoint * CHAR_CHECKPOINT..offset)
            .unwrap_or_default();
        counted + rest.iter().filter(|&&byte| starts_char(byte)).count()
    }

    /// miette's view of `text` around `span` (as `<str as
    /// SourceCode>::read_span` gives it), read from a line shortly before
    /// the span instead of from the start of the text.
    pub(crate) fn read_span<'a>(
        &self,
        text: &'a str,
        name: &str,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette's own reading can panic on a span past the end.
        if span.offset().saturating_add(span.len()) > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // One line more than the context: miette's reading decides about a
        // span at the start of a line on the line break before it.
        let first_line = line_of(&self.report_starts, span.offset())
            .saturating_sub(context_lines_before.saturating_add(1));
        let from = self
            .report_starts
            .get(first_line)
            .copied()
            .unwrap_or_default();
        let tail = text.as_bytes().get(from..).unwrap_or_default();
        let shifted = SourceSpan::new(span.offset().saturating_sub(from).into(), span.len());
        let contents = tail.read_span(&shifted, context_lines_before, context_lines_after)?;
        let found = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            name.to_owned(),
            contents.data(),
            SourceSpan::new((found.offset() + from).into(), found.len()),
            contents.line() + first_line,
            contents.column(),
            contents.line_count() + first_line,
        )))
    }
}

/// The 0-based line, given the starts of the lines, that holds `offset`.
fn line_of(starts: &[usize], offset: usize) -> usize {
    starts
        .partition_point(|&start| start <= offset)
        .saturating_sub(1)
}

/// Whether a UTF-8 byte starts a character (is not a continuation byte).
fn starts_char(byte: u8) -> bool {
    byte & 0b1100_0000 != 0b1000_0000
}

pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset = offset.saturating_sub(1);
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRICKY: &str = "a = 1\n\nb = \"é€😀\"\r\nc\rd\r\r\n\n  x = [\n1,\n]\ré\n";

    /// The line and column found by scanning the text before the offset.
    fn scanned(text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset);
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        (
            before.matches('\n').count() + 1,
            before[line_start..].chars().count() + 1,
        )
    }

    #[test]
    fn lines_and_columns_match_a_scan_at_every_offset() {
        let long = format!("{}\n{}", "é".repeat(300), "x€".repeat(200));
        let checkpoints = "a".repeat(2 * CHAR_CHECKPOINT);
        for text in [TRICKY, "", "\n", "no newline", &long, &checkpoints] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    index.line_column(text, offset),
                    scanned(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn the_line_around_an_offset_excludes_its_newline() {
        let text = "ab\ncd\n\nef";
        let index = LineIndex::new(text);
        assert_eq!(index.line_around(text, 0), 0..2);
        assert_eq!(index.line_around(text, 2), 0..2);
        assert_eq!(index.line_around(text, 4), 3..5);
        assert_eq!(index.line_around(text, 6), 6..6);
        assert_eq!(index.line_around(text, 8), 7..9);
        assert_eq!(index.line_around(text, 99), 7..9);
    }

    /// Everything a `SpanContents` tells, for comparison.
    fn seen(contents: &dyn SpanContents<'_>) -> (Vec<u8>, usize, usize, usize, usize, usize) {
        (
            contents.data().to_vec(),
            contents.span().offset(),
            contents.span().len(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )
    }

    #[test]
    fn spans_read_from_the_index_match_mietttes_own_reading() {
        let index = LineIndex::new(TRICKY);
        for offset in 0..=TRICKY.len() {
            for len in 0..=TRICKY.len() - offset {
                for before in 0..3 {
                    for after in 0..3 {
                        let span = SourceSpan::new(offset.into(), len);
                        let place = format!("{offset}+{len}, context {before}/{after}");
                        let ours = index.read_span(TRICKY, "p.toml", &span, before, after);
                        let theirs = TRICKY.read_span(&span, before, after);
                        match (ours, theirs) {
                            (Ok(ours), Ok(theirs)) => {
                                assert_eq!(seen(ours.as_ref()), seen(theirs.as_ref()), "{place}");
                                assert_eq!(ours.name(), Some("p.toml"));
                            }
                            (Err(_), Err(_)) => {}
                            (ours, theirs) => {
                                panic!("{place}: {:?} vs {:?}", ours.is_ok(), theirs.is_ok())
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_span_past_the_end_is_out_of_bounds() {
        let index = LineIndex::new(TRICKY);
        for (offset, len) in [(TRICKY.len() + 1, 0), (TRICKY.len(), 1), (3, TRICKY.len())] {
            let span = SourceSpan::new(offset.into(), len);
            assert!(index.read_span(TRICKY, "p.toml", &span, 0, 0).is_err());
        }
    }
}
