//! Streaming batch decisions: NDJSON requests in, one JSON decision (or
//! error record) per line out, in input order, in constant memory, on one
//! or several threads.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use memchr::memmem::Finder;

use crate::decision::decide::{
    DecideError, Listed, RequestFailure, decide_logged, ruling_with_reason,
};
use crate::decision::id::decision_id;
use crate::evaluate::TraceLog;
use crate::interface::record::{Record, Recorder};
use crate::limits::RequestLimits;
use crate::policy::folder::{Choice, PolicySet, SelectError};
use crate::policy::{Outcome, Policy};
use crate::render::{CompactLine, request_error_value, write_traced_line};
use crate::request::decode_with;
use crate::tools::case::parse_case;

/// How a batch runs.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let lines = format!("{request}\n{{\"purchase\": true}}\n");
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let versions = ruling::Versions::new(&set, &ruling::Choice::ByRequest)?;
/// let mut out = Vec::new();
/// let options = ruling::BatchOptions { jobs: 2, trace: true, ..Default::default() };
/// ruling::run_batch(&versions, lines.as_bytes(), &mut out, options, |_| {})?;
/// assert!(String::from_utf8(out)?.contains("\"trace\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BatchOptions {
    /// Threads deciding lines; output order never depends on it.
    pub jobs: usize,
    /// Include the full trace in every decision.
    pub trace: bool,
    /// The limits on each line's request.
    pub limits: RequestLimits,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            jobs: 1,
            trace: false,
            limits: RequestLimits::default(),
        }
    }
}

/// Counts of a batch run so far.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let lines = format!("{request}\n{{\"purchase\": true}}\n");
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let versions = ruling::Versions::new(&set, &ruling::Choice::ByRequest)?;
/// let mut out = Vec::new();
/// let summary = ruling::run_batch(&versions, lines.as_bytes(), &mut out, Default::default(), |_| {})?;
/// assert_eq!((summary.lines, summary.decided(), summary.errors), (2, 1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct BatchSummary {
    /// Lines read, blank lines included.
    pub lines: u64,
    /// Decisions per outcome, in the order of [`Outcome::ALL`].
    pub outcomes: [u64; 4],
    /// Lines that could not be decided.
    pub errors: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

impl BatchSummary {
    /// Lines decided, whatever the outcome.
    ///
    /// ```
    /// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
    /// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
    /// # let request = case["request"].to_string();
    /// let lines = format!("{request}\n{{\"purchase\": true}}\n");
    /// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
    /// let versions = ruling::Versions::new(&set, &ruling::Choice::ByRequest)?;
    /// let mut out = Vec::new();
    /// let summary = ruling::run_batch(&versions, lines.as_bytes(), &mut out, Default::default(), |_| {})?;
    /// assert_eq!(summary.decided(), summary.outcomes.iter().sum::<u64>());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decided(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    /// Lines per second so far.
    ///
    /// ```
    /// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
    /// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
    /// # let request = case["request"].to_string();
    /// let lines = format!("{request}\n{{\"purchase\": true}}\n");
    /// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
    /// let versions = ruling::Versions::new(&set, &ruling::Choice::ByRequest)?;
    /// let mut out = Vec::new();
    /// let summary = ruling::run_batch(&versions, lines.as_bytes(), &mut out, Default::default(), |_| {})?;
    /// assert!(summary.rate() >= 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.lines as f64 / seconds
        } else {
            0.0
        }
    }

    fn absorb(&mut self, other: &Tally) {
        self.lines += other.lines;
        self.errors += other.errors;
        for (total, count) in self.outcomes.iter_mut().zip(other.outcomes) {
            *total += count;
        }
    }
}

/// Counts of one chunk of lines.
#[derive(Default)]
struct Tally {
    lines: u64,
    outcomes: [u64; 4],
    errors: u64,
}

/// Lines handed to a worker at once: large enough to amortise the hand-off,
/// small enough to keep memory flat.
const CHUNK_LINES: usize = 1024;

/// Decides every line of `input` and writes one JSON line per request to
/// `output`, in input order, each with its line number: the decision
/// (without its trace unless [`BatchOptions::trace`]) or the error. Blank
/// lines are skipped. `progress` is called after each chunk.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let lines = format!("{request}\n{{\"purchase\": true}}\n");
/// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
/// let versions = ruling::Versions::new(&set, &ruling::Choice::ByRequest)?;
/// let mut out = Vec::new();
/// ruling::run_batch(&versions, lines.as_bytes(), &mut out, Default::default(), |_| {})?;
/// let out = String::from_utf8(out)?;
/// let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap_or_default())?;
/// assert_eq!((first["line"].as_u64(), first["outcome"].as_str()), (Some(1), Some("approve")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_batch(
    versions: &Versions,
    input: impl BufRead + Send,
    output: impl Write,
    options: BatchOptions,
    progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    if options.jobs <= 1 {
        run_sequential(versions, input, output, options, None, progress)
    } else {
        run_parallel(versions, input, output, options, None, progress)
    }
}

/// Like [`run_batch`], and submits the record of every decision (with its
/// trace, whatever `options.trace`) to `recorder`, waiting when its queue
/// is full. A record that cannot be stored never stops the run or changes
/// its output: [`Recorder::finish`] tells what became of the records.
#[cfg(feature = "records")]
pub(crate) fn run_batch_recorded(
    versions: &Versions,
    input: impl BufRead + Send,
    output: impl Write,
    options: BatchOptions,
    recorder: &Recorder,
    progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    if options.jobs <= 1 {
        run_sequential(versions, input, output, options, Some(recorder), progress)
    } else {
        run_parallel(versions, input, output, options, Some(recorder), progress)
    }
}

/// The versions a batch decides with: one fixed version, or each line's
/// version in effect.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let versions = ruling::Versions::Fixed(&policy);
/// let mut out = Vec::new();
/// ruling::run_batch(&versions, request.as_bytes(), &mut out, Default::default(), |_| {})?;
/// assert!(String::from_utf8(out)?.contains("\"approve\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub enum Versions<'s> {
    /// This version decides every line.
    Fixed(&'s Policy),
    /// The version in effect on each line's date decides it.
    ByRequest(&'s PolicySet),
}

impl<'s> Versions<'s> {
    /// Resolves `choice` once when it does not depend on the request.
    ///
    /// ```
    /// let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
    /// let choice = ruling::Choice::Version("2025-01-22".into());
    /// assert!(matches!(ruling::Versions::new(&set, &choice)?, ruling::Versions::Fixed(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(set: &'s PolicySet, choice: &Choice) -> Result<Self, SelectError> {
        match (choice, set.versions.as_slice()) {
            (Choice::ByRequest, [only]) if !set.from_folder => Ok(Versions::Fixed(only)),
            (Choice::ByRequest, _) => Ok(Versions::ByRequest(set)),
            (choice, _) => Ok(Versions::Fixed(set.select(b"null", choice)?.policy)),
        }
    }
}

fn run_sequential(
    versions: &Versions,
    mut input: impl BufRead,
    mut output: impl Write,
    options: BatchOptions,
    recorder: Option<&Recorder>,
    mut progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    let started = Instant::now();
    let mut summary = BatchSummary::default();
    let mut chunk = Chunk::default();
    let mut buffer = Vec::with_capacity(1 << 16);
    loop {
        let first = summary.lines + 1;
        if !chunk.fill(&mut input, first, options.limits.max_bytes)? {
            break;
        }
        buffer.clear();
        let tally = decide_chunk(versions, &chunk, options, &mut buffer, recorder);
        output.write_all(&buffer)?;
        summary.absorb(&tally);
        summary.elapsed = started.elapsed();
        progress(&summary);
    }
    output.flush()?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Lines read together, with the number of the first.
#[derive(Default)]
struct Chunk {
    first: u64,
    /// The lines as read: bytes, so that a line of invalid UTF-8 still gets
    /// its own error record (from the decoder) instead of stopping the run.
    bytes: Vec<u8>,
    /// Byte ranges of the lines in `bytes`.
    lines: Vec<(usize, usize)>,
}

impl Chunk {
    /// Reads up to [`CHUNK_LINES`] lines; `false` at the end of the input.
    fn fill(&mut self, input: &mut impl BufRead, first: u64, limit: usize) -> io::Result<bool> {
        self.first = first;
        self.bytes.clear();
        self.lines.clear();
        while self.lines.len() < CHUNK_LINES {
            let start = self.bytes.len();
            if read_line(input, &mut self.bytes, limit)? == 0 {
                break;
            }
            self.lines.push((start, self.bytes.len()));
        }
        Ok(!self.lines.is_empty())
    }
}

/// Appends one line to `bytes`. A line longer than `limit` bytes is kept
/// only up to just past the limit, enough for its error record, and the
/// rest is skipped unread into memory.
fn read_line(input: &mut impl BufRead, bytes: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
    let start = bytes.len();
    // The limit, one byte more to tell it is past, and the newline.
    let most = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(2);
    let mut read = io::Read::take(&mut *input, most).read_until(b'\n', bytes)?;
    if bytes.len().saturating_sub(start) > limit && !bytes.ends_with(b"\n") {
        read = read.saturating_add(skip_line(input)?);
    }
    Ok(read)
}

/// Skips the rest of a line, newline included; the number of bytes skipped.
fn skip_line(input: &mut impl BufRead) -> io::Result<usize> {
    let mut skipped = 0usize;
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(skipped);
        }
        let (used, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (buffer.len(), false),
        };
        input.consume(used);
        skipped = skipped.saturating_add(used);
        if done {
            return Ok(skipped);
        }
    }
}

/// Decides a chunk's lines into `out`; their records, if any, go to
/// `recorder` once the chunk is decided.
fn decide_chunk(
    versions: &Versions,
    chunk: &Chunk,
    options: BatchOptions,
    out: &mut Vec<u8>,
    recorder: Option<&Recorder>,
) -> Tally {
    let mut tally = Tally::default();
    let mut records = recorder.map(|_| Vec::new());
    let mut log = TraceLog::default();
    for (offset, (start, end)) in chunk.lines.iter().enumerate() {
        tally.lines += 1;
        let bytes = chunk.bytes.get(*start..*end).unwrap_or_default();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = chunk.first + offset as u64;
        let decided = decide_line(
            versions,
            line,
            bytes,
            options,
            out,
            records.as_mut(),
            &mut log,
        );
        match decided {
            Some(outcome) => {
                if let Some(count) = Outcome::ALL
                    .iter()
                    .position(|known| *known == outcome)
                    .and_then(|index| tally.outcomes.get_mut(index))
                {
                    *count += 1;
                }
            }
            None => tally.errors += 1,
        }
    }
    if let (Some(recorder), Some(records)) = (recorder, records) {
        recorder.submit_all(records);
    }
    tally
}

/// Decides one line and appends its JSON line to `out`; the outcome, or
/// `None` when the line got an error record.
fn decide_line<'s>(
    versions: &Versions<'s>,
    line: u64,
    bytes: &[u8],
    options: BatchOptions,
    out: &mut Vec<u8>,
    records: Option<&mut Vec<Record>>,
    log: &mut TraceLog<'s>,
) -> Option<Outcome> {
    let request = request_bytes(bytes);
    let policy = pick_version(versions, request, line, out)?;
    let decoded = match decode_with(
        &policy.schema,
        policy.meta.timezone,
        request,
        options.limits,
    ) {
        Ok(decoded) => decoded,
        Err(error) => return write_error(out, line, &RequestFailure::Invalid(error), policy),
    };
    // A record keeps the full decision with its trace, so recording
    // decides in full even when the output line is compact.
    let written = if let Some(records) = records {
        decide_logged(policy, &decoded, Listed::Derived, log).map(|logged| {
            if options.trace {
                write_traced_line(out, line, &logged, log);
            }
            let decision = logged.into_decision(log);
            if !options.trace {
                CompactLine::of_decision(line, &decision).write_to(out);
            }
            records.push(Record::new(policy, &decoded, &decision));
            Some(decision.outcome)
        })
    } else if options.trace {
        decide_logged(policy, &decoded, Listed::Derived, log).map(|logged| {
            write_traced_line(out, line, &logged, log);
            Some(logged.ruling.rule.outcome)
        })
    } else {
        write_compact(out, line, policy, &decoded).map(Some)
    };
    match written {
        Ok(outcome) => outcome,
        Err(error) => write_error(out, line, &RequestFailure::Undecidable(error), policy),
    }
}

/// A line may be a request or a case (`{"request": …, "expect": …}`).
/// Invalid UTF-8 goes to the decoder as it is, which reports where.
fn request_bytes(bytes: &[u8]) -> &[u8] {
    static CASE_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"expect\""));
    if CASE_KEY.find(bytes).is_none() {
        return bytes;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes;
    };
    match parse_case(bytes) {
        Some(Ok(_)) => case_request(text).map_or(bytes, str::as_bytes),
        _ => bytes,
    }
}

fn case_request(text: &str) -> Option<&str> {
    #[derive(serde::Deserialize)]
    struct Borrowed<'a> {
        #[serde(borrow)]
        request: &'a serde_json::value::RawValue,
    }
    let case: Borrowed = serde_json::from_str(text).ok()?;
    Some(case.request.get())
}

fn pick_version<'s>(
    versions: &Versions<'s>,
    request: &[u8],
    line: u64,
    out: &mut Vec<u8>,
) -> Option<&'s Policy> {
    let set = match versions {
        Versions::Fixed(policy) => return Some(policy),
        Versions::ByRequest(set) => set,
    };
    match set.select(request, &Choice::ByRequest) {
        Ok(selected) => Some(selected.policy),
        Err(error) => {
            let record = serde_json::json!({
                "line": line,
                "error": {"kind": "no_version", "message": error.to_string()},
            });
            let _ = serde_json::to_writer(&mut *out, &record);
            out.push(b'\n');
            None
        }
    }
}

fn write_error(
    out: &mut Vec<u8>,
    line: u64,
    failure: &RequestFailure,
    policy: &Policy,
) -> Option<Outcome> {
    let record = serde_json::json!({"line": line, "error": request_error_value(failure, policy)});
    let _ = serde_json::to_writer(&mut *out, &record);
    out.push(b'\n');
    None
}

fn write_compact(
    out: &mut Vec<u8>,
    line: u64,
    policy: &Policy,
    request: &crate::request::Request,
) -> Result<Outcome, DecideError> {
    let (ruled, reason) = ruling_with_reason(policy, request)?;
    let id = decision_id(policy, request);
    CompactLine::of_ruling(line, policy, &ruled, id.as_str(), &reason).write_to(out);
    Ok(ruled.rule.outcome)
}

/// The parallel pipeline: this thread reads chunks and writes results in
/// order; `jobs` workers decide. A fixed number of tokens bounds the chunks
/// in flight (read but not yet written), so memory stays flat whatever the
/// input size or the speed of any one chunk.
fn run_parallel(
    versions: &Versions,
    mut input: impl BufRead + Send,
    mut output: impl Write,
    options: BatchOptions,
    recorder: Option<&Recorder>,
    mut progress: impl FnMut(&BatchSummary),
) -> io::Result<BatchSummary> {
    let started = Instant::now();
    let in_flight = options.jobs * 2;
    let (work_tx, work_rx) = sync_channel::<(u64, Chunk)>(in_flight);
    let (done_tx, done_rx) = sync_channel::<Done>(in_flight);
    let (token_tx, token_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = token_tx.send(());
    }
    let work_rx = Arc::new(Mutex::new(work_rx));
    let spares = Spares::default();
    std::thread::scope(|scope| {
        for _ in 0..options.jobs {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            let spares = &spares;
            scope.spawn(move || worker(versions, options, recorder, &work_rx, &done_tx, spares));
        }
        drop(done_tx);
        let limit = options.limits.max_bytes;
        let spares = &spares;
        let reader =
            scope.spawn(move || read_chunks(&mut input, &work_tx, &token_rx, limit, spares));
        // The writer owns the result receiver and the token sender: when it
        // stops early (a closed pipe), dropping them stops every thread.
        let summary = write_in_order(
            &mut output,
            done_rx,
            token_tx,
            started,
            &mut progress,
            spares,
        );
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the reading thread stopped")));
        let mut summary = summary?;
        read?;
        summary.elapsed = started.elapsed();
        Ok(summary)
    })
}

/// Chunks and output buffers handed back for reuse. Without them every
/// chunk of a parallel batch allocated its megabyte or so afresh, and the
/// kernel zeroed its pages; the tokens in flight bound how many there are.
#[derive(Default)]
struct Spares {
    chunks: Mutex<Vec<Chunk>>,
    outputs: Mutex<Vec<Vec<u8>>>,
}

impl Spares {
    fn chunk(&self) -> Chunk {
        take_spare(&self.chunks)
    }

    fn output(&self) -> Vec<u8> {
        let mut output = take_spare(&self.outputs);
        output.clear();
        output
    }

    fn keep_chunk(&self, chunk: Chunk) {
        keep_spare(&self.chunks, chunk);
    }

    fn keep_output(&self, output: Vec<u8>) {
        keep_spare(&self.outputs, output);
    }
}

fn take_spare<T: Default>(spares: &Mutex<Vec<T>>) -> T {
    spares
        .lock()
        .ok()
        .and_then(|mut spares| spares.pop())
        .unwrap_or_default()
}

fn keep_spare<T>(spares: &Mutex<Vec<T>>, spare: T) {
    if let Ok(mut spares) = spares.lock() {
        spares.push(spare);
    }
}

fn read_chunks(
    input: &mut impl BufRead,
    work: &SyncSender<(u64, Chunk)>,
    tokens: &Receiver<()>,
    limit: usize,
    spares: &Spares,
) -> io::Result<()> {
    let mut next_line = 1;
    for sequence in 0.. {
        if tokens.recv().is_err() {
            return Ok(());
        }
        let mut chunk = spares.chunk();
        if !chunk.fill(input, next_line, limit)? {
            return Ok(());
        }
        next_line += chunk.lines.len() as u64;
        if work.send((sequence, chunk)).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// A decided chunk: its sequence number, output lines and counts.
type Done = (u64, Vec<u8>, Tally);

fn worker(
    versions: &Versions,
    options: BatchOptions,
    recorder: Option<&Recorder>,
    work: &Mutex<Receiver<(u64, Chunk)>>,
    done: &SyncSender<Done>,
    spares: &Spares,
) {
    loop {
        let next = match work.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok((sequence, chunk)) = next else {
            return;
        };
        let mut out = spares.output();
        out.reserve(chunk.bytes.len() * 3);
        let tally = decide_chunk(versions, &chunk, options, &mut out, recorder);
        spares.keep_chunk(chunk);
        if done.send((sequence, out, tally)).is_err() {
            return;
        }
    }
}

fn write_in_order(
    output: &mut impl Write,
    done: Receiver<Done>,
    tokens: SyncSender<()>,
    started: Instant,
    progress: &mut impl FnMut(&BatchSummary),
    spares: &Spares,
) -> io::Result<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut pending: BTreeMap<u64, (Vec<u8>, Tally)> = BTreeMap::new();
    let mut next = 0;
    for (sequence, out, tally) in &done {
        pending.insert(sequence, (out, tally));
        while let Some((out, tally)) = pending.remove(&next) {
            output.write_all(&out)?;
            spares.keep_output(out);
            summary.absorb(&tally);
            summary.elapsed = started.elapsed();
            progress(&summary);
            next += 1;
            let _ = tokens.send(());
        }
    }
    output.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line as `read_line` keeps it, reading through a buffer of
    /// `capacity` bytes.
    fn lines_read(input: &[u8], capacity: usize, limit: usize) -> Vec<(usize, Vec<u8>)> {
        let mut reader = io::BufReader::with_capacity(capacity, input);
        let mut lines = Vec::new();
        loop {
            let mut bytes = Vec::new();
            let read = read_line(&mut reader, &mut bytes, limit).unwrap();
            if read == 0 {
                return lines;
            }
            lines.push((read, bytes));
        }
    }

    /// A line is kept whole up to `limit + 1` bytes before its newline and
    /// cut to its first `limit + 2` bytes beyond that, wherever the reader's
    /// buffer ends.
    #[test]
    fn a_line_is_kept_or_cut_alike_whatever_the_buffer() {
        let limit = 8;
        let mut input = Vec::new();
        for length in [0, 1, 7, 8, 9, 10, 11, 30] {
            input.extend(std::iter::repeat_n(b'x', length));
            input.push(b'\n');
        }
        input.extend_from_slice(b"no newline at the end");
        let whole = lines_read(&input, 1 << 16, limit);
        for capacity in [1, 2, 5, 13] {
            assert_eq!(lines_read(&input, capacity, limit), whole, "{capacity}");
        }
        let kept: Vec<usize> = whole.iter().map(|(_, bytes)| bytes.len()).collect();
        assert_eq!(kept, [1, 2, 8, 9, 10, 10, 10, 10, 10]);
        let read: Vec<usize> = whole.iter().map(|(read, _)| *read).collect();
        assert_eq!(read, [1, 2, 8, 9, 10, 11, 12, 31, 21]);
    }
}
