//! A one-line progress report on stderr for long runs, drawn only when
//! stderr is a terminal, so that pipes and logs never see it.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redrawn at most this often: ten times a second reads as live and costs
/// nothing next to deciding thousands of requests.
const INTERVAL: Duration = Duration::from_millis(100);
/// The clock is read once every this many lines.
const STRIDE: u64 = 256;

pub(crate) struct Progress {
    enabled: bool,
    started: Instant,
    last: Instant,
    drawn: bool,
    /// The input's size, when it is a file, for a percentage.
    total_bytes: Option<u64>,
}

impl Progress {
    pub(crate) fn new(total_bytes: Option<u64>) -> Self {
        let now = Instant::now();
        Self {
            enabled: io::stderr().is_terminal(),
            started: now,
            last: now,
            drawn: false,
            total_bytes,
        }
    }

    /// Reports `lines` requests read, `bytes` of the input; called for every
    /// line, so it looks at the clock only every [`STRIDE`] lines.
    pub(crate) fn tick(&mut self, lines: u64, bytes: u64) {
        if !lines.is_multiple_of(STRIDE) {
            return;
        }
        let share = match self.total_bytes {
            Some(total) if total > 0 => format!("  {:.0}%", bytes as f64 * 100.0 / total as f64),
            _ => String::new(),
        };
        self.draw(lines, "requests", &share);
    }

    /// Reports `lines` lines read, with a `note` after the rate; for
    /// callers that report once per chunk of lines.
    pub(crate) fn chunk(&mut self, lines: u64, note: &str) {
        self.draw(lines, "lines", note);
    }

    fn draw(&mut self, lines: u64, unit: &str, note: &str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last) < INTERVAL {
            return;
        }
        self.last = now;
        let seconds = now.duration_since(self.started).as_secs_f64();
        let rate = if seconds > 0.0 {
            lines as f64 / seconds
        } else {
            0.0
        };
        // `\r` returns to the start of the line and `ESC[K` clears what a
        // longer previous report left.
        let line = format!("\r{lines} {unit}{note}  {rate:.0}/s\x1b[K");
        let _ = io::stderr().lock().write_all(line.as_bytes());
        self.drawn = true;
    }

    /// Clears the progress line, so that what follows starts clean.
    pub(crate) fn finish(&mut self) {
        if self.drawn {
            let _ = io::stderr().lock().write_all(b"\r\x1b[K");
            self.drawn = false;
        }
    }
}
