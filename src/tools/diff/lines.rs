//! Reading NDJSON one line at a time into one reused buffer, so that a file
//! of any length is read in constant memory, and so is a line of any length:
//! a line longer than [`MAX_LINE_BYTES`] is skipped, not buffered.

use std::io::{self, BufRead, Read};

/// The longest line that is decided. A refund request is a few hundred
/// bytes; a megabyte leaves room for long lists without letting one bad
/// line take the memory of the whole run.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// One line that is not blank, without its line ending.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    /// Counting from 1, blank lines included, as an editor shows them.
    pub(crate) number: u64,
    /// Empty when the line is too long.
    pub(crate) bytes: &'a [u8],
    /// Whether the line was longer than [`MAX_LINE_BYTES`] and skipped.
    pub(crate) too_long: bool,
}

/// Reads NDJSON lines from a [`BufRead`].
pub(crate) struct NdjsonReader<R> {
    reader: R,
    buffer: Vec<u8>,
    number: u64,
    bytes_read: u64,
    max: usize,
}

impl<R: BufRead> NdjsonReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self::with_max_line(reader, MAX_LINE_BYTES)
    }

    /// A reader that skips lines longer than `max` bytes.
    pub(crate) fn with_max_line(reader: R, max: usize) -> Self {
        Self {
            reader,
            buffer: Vec::new(),
            number: 0,
            bytes_read: 0,
            max,
        }
    }

    /// The bytes read so far, line endings and skipped lines included.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line that is not blank; `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        loop {
            self.buffer.clear();
            let limit = u64::try_from(self.max)
                .unwrap_or(u64::MAX)
                .saturating_add(1);
            let read = (&mut self.reader)
                .take(limit)
                .read_until(b'\n', &mut self.buffer)?;
            if read == 0 {
                return Ok(None);
            }
            self.number += 1;
            self.bytes_read += read as u64;
            let too_long = self.buffer.len() > self.max && !self.buffer.ends_with(b"\n");
            if too_long {
                self.skip_rest_of_line()?;
                self.buffer.clear();
            } else if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bytes = self.buffer.strip_suffix(b"\n").unwrap_or(&self.buffer);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            return Ok(Some(Line {
                number: self.number,
                bytes,
                too_long,
            }));
        }
    }

    /// Consumes the input up to and including the next line break, without
    /// keeping it.
    fn skip_rest_of_line(&mut self) -> io::Result<()> {
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                return Ok(());
            }
            let (used, done) = match available.iter().position(|&byte| byte == b'\n') {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            self.reader.consume(used);
            self.bytes_read += used as u64;
            if done {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max: usize) -> Vec<(u64, String, bool)> {
        let mut reader = NdjsonReader::with_max_line(input, max);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push((
                line.number,
                String::from_utf8_lossy(line.bytes).into_owned(),
                line.too_long,
            ));
        }
        assert_eq!(reader.bytes_read(), input.len() as u64);
        lines
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let lines = read_all(b"{}\n\n  \r\n{\"a\": 1}\r\n[]", 100);
        assert_eq!(
            lines,
            vec![
                (1, "{}".to_owned(), false),
                (4, "{\"a\": 1}".to_owned(), false),
                (5, "[]".to_owned(), false),
            ]
        );
    }

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_whole() {
        let long = format!("{}\n{{}}\n{}", "x".repeat(50), "y".repeat(11));
        let lines = read_all(long.as_bytes(), 10);
        assert_eq!(
            lines,
            vec![
                (1, String::new(), true),
                (2, "{}".to_owned(), false),
                (3, String::new(), true),
            ]
        );
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read() {
        let lines = read_all(b"0123456789\n0123456789", 10);
        assert_eq!(lines.len(), 2);
        assert!(
            lines
                .iter()
                .all(|(_, text, too_long)| text.len() == 10 && !too_long)
        );
    }
}
