//! Reading the client's messages one line at a time, keeping at most a
//! bounded start of each line in memory: a line longer than the limit is
//! read to its end and dropped as it goes, so a client cannot make the
//! server hold more than the limit, however long the line.

use std::io::{self, BufRead};

/// One line of input, without its end (`\n`, or `\r\n`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line within the limit.
    Whole(Vec<u8>),
    /// A line over the limit: its first `limit` bytes, and its length.
    TooLong { start: Vec<u8>, length: u64 },
}

/// Splits a byte stream into [`Line`]s.
pub(crate) struct LineReader<R> {
    input: R,
    limit: usize,
}

impl<R: BufRead> LineReader<R> {
    /// Lines of at most `limit` bytes are kept whole.
    pub(crate) fn new(input: R, limit: usize) -> Self {
        LineReader { input, limit }
    }

    /// The next line, or `None` at the end of the input. The last line
    /// counts even without a newline.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line>> {
        let mut kept = Vec::new();
        let mut length: u64 = 0;
        let mut started = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                return Ok(started.then(|| self.finish(kept, length)));
            }
            started = true;
            let end = available.iter().position(|&byte| byte == b'\n');
            let content = available
                .get(..end.unwrap_or(available.len()))
                .unwrap_or(available);
            // One byte over the limit is kept, to see a `\r` before the `\n`.
            let room = self.limit.saturating_add(1).saturating_sub(kept.len());
            kept.extend(content.iter().take(room));
            length = length.saturating_add(content.len() as u64);
            let used = content.len() + usize::from(end.is_some());
            self.input.consume(used);
            if end.is_some() {
                return Ok(Some(self.finish(kept, length)));
            }
        }
    }

    fn finish(&self, mut kept: Vec<u8>, mut length: u64) -> Line {
        if kept.len() as u64 == length && kept.last() == Some(&b'\r') {
            kept.pop();
            length -= 1;
        }
        if length > self.limit as u64 {
            kept.truncate(self.limit);
            Line::TooLong {
                start: kept,
                length,
            }
        } else {
            Line::Whole(kept)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<Line> {
        // A tiny buffer, so that lines straddle many reads.
        let mut reader = LineReader::new(io::BufReader::with_capacity(3, input), limit);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push(line);
        }
        lines
    }

    fn whole(text: &str) -> Line {
        Line::Whole(text.as_bytes().to_vec())
    }

    #[test]
    fn lines_end_with_a_newline_or_the_input() {
        assert_eq!(
            lines(b"one\ntwo\r\n\nlast", 10),
            [whole("one"), whole("two"), whole(""), whole("last")]
        );
        assert_eq!(lines(b"", 10), []);
        assert_eq!(lines(b"\n", 10), [whole("")]);
    }

    #[test]
    fn a_line_at_the_limit_is_whole_and_one_over_is_too_long() {
        assert_eq!(lines(b"12345\n", 5), [whole("12345")]);
        assert_eq!(lines(b"12345\r\n", 5), [whole("12345")]);
        assert_eq!(
            lines(b"123456\nnext\n", 5),
            [
                Line::TooLong {
                    start: b"12345".to_vec(),
                    length: 6
                },
                whole("next")
            ]
        );
        assert_eq!(
            lines(b"123456\r\n", 5),
            [Line::TooLong {
                start: b"12345".to_vec(),
                length: 7
            }]
        );
    }

    #[test]
    fn a_long_line_keeps_only_its_start() {
        let mut input = vec![b'x'; 100_000];
        input.extend_from_slice(b"\nok\n");
        let read = lines(&input, 16);
        assert_eq!(
            read,
            [
                Line::TooLong {
                    start: vec![b'x'; 16],
                    length: 100_000
                },
                whole("ok")
            ]
        );
    }
}
