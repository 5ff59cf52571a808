//! Writing records off the deciding path: a bounded queue to one writer
//! thread, which stores whatever is waiting, up to [`MAX_TRANSACTION`]
//! records, in one transaction.
//!
//! What happens to a record, exactly:
//!
//! - **Queue full.** [`Recorder::submit`] waits for room (a batch run:
//!   deciding slows to the pace of the store). [`Recorder::try_submit`]
//!   never waits (a server): the record is dropped and counted as lost.
//! - **Store unavailable.** The writer opens the store when it starts and
//!   again before each transaction after a failure. A transaction that
//!   fails (the store cannot be opened or reached, a lock held longer than
//!   the store's patience, a full disk) loses its records, counted; the
//!   writer goes on with the next ones. A transaction refused because of one record (a
//!   broken constraint) is retried a record at a time, so only that one is
//!   lost.
//! - **Reported.** Every record ends up written, already there (same id),
//!   or lost, and [`RecordSummary`] counts each. The first loss after
//!   records were being stored, and the first success after losses, are
//!   reported as a [`RecordEvent`]; losses in between are counted, not
//!   repeated.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Record, RecordError, RecordSink, RecordsAt, open_sink};

/// Records waiting to be written, at most; each is a few kilobytes.
pub(crate) const QUEUE_CAPACITY: usize = 4096;

/// Records written in one transaction, at most.
pub(crate) const MAX_TRANSACTION: usize = 1024;

/// How long the writer pauses after each transaction, so that a writer of
/// another process waiting for the lock (it tries every
/// [`super::sqlite::LOCK_POLL`]) gets its turn while this one has more to
/// write. Records arriving meanwhile join the next transaction.
const PAUSE: Duration = Duration::from_millis(2);

/// Opens the store the writer writes to; called again after a failure.
pub(crate) type Opener = Box<dyn FnMut() -> Result<Box<dyn RecordSink>, RecordError> + Send>;

/// Hears about records starting and stopping being stored.
pub(crate) type Reporter = Box<dyn Fn(&RecordEvent) + Send>;

/// What became of a record handed to the recorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Submitted {
    /// In the queue: it will be written, or counted as lost.
    Queued,
    /// Not queued (the queue was full, or the recorder finished): lost,
    /// and counted.
    Dropped,
}

impl Submitted {
    /// `queued` or `dropped`.
    pub(crate) const fn keyword(self) -> &'static str {
        match self {
            Submitted::Queued => "queued",
            Submitted::Dropped => "dropped",
        }
    }
}

/// A change in whether records are being stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RecordEvent {
    /// Records are being lost: the first loss after records were stored
    /// (or since the start), and why.
    Losing { cause: String },
    /// Records are stored again, after `lost` were lost.
    Resumed { lost: u64 },
}

impl std::fmt::Display for RecordEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordEvent::Losing { cause } => write!(
                f,
                "decisions are not being recorded: {cause}; deciding goes on, and the records lost are counted"
            ),
            RecordEvent::Resumed { lost } => write!(
                f,
                "decisions are recorded again; {lost} were not recorded meanwhile"
            ),
        }
    }
}

/// What became of the records submitted so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RecordSummary {
    /// Records handed to the recorder.
    pub(crate) submitted: u64,
    /// Stored now.
    pub(crate) written: u64,
    /// Already stored (the same decision, by id): not stored again.
    pub(crate) already: u64,
    /// Neither: dropped from a full queue, or their transaction failed.
    pub(crate) lost: u64,
    /// Why the first record was lost.
    pub(crate) first_error: Option<String>,
}

impl RecordSummary {
    /// Records neither stored nor lost yet: waiting or being written.
    pub(crate) fn pending(&self) -> u64 {
        self.submitted
            .saturating_sub(self.written + self.already + self.lost)
    }
}

/// Hands records to a writer thread through a bounded queue. Clones share
/// the queue and the writer; the writer stops when [`Recorder::finish`] is
/// called or the last clone is dropped, after writing what is queued.
#[derive(Clone)]
pub(crate) struct Recorder {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("summary", &self.summary())
            .finish()
    }
}

struct Shared {
    sender: Mutex<Option<SyncSender<Record>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    tally: Arc<Tally>,
}

/// The counts, shared with the writer thread.
#[derive(Default)]
struct Tally {
    /// Records handed over, queued or dropped.
    submitted: AtomicU64,
    /// Records dropped before the queue.
    dropped: AtomicU64,
    /// What the writer did with the records it took from the queue.
    settled: Mutex<Settled>,
    /// Signalled each time the writer settles records.
    progress: Condvar,
}

#[derive(Default)]
struct Settled {
    /// Records taken from the queue and written, found already there or lost.
    count: u64,
    written: u64,
    already: u64,
    lost: u64,
    first_error: Option<String>,
}

/// A mutex's data even if a thread panicked holding it: the counts stay
/// meaningful, and losing them would hide lost records.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    /// Starts a writer thread storing into the store `open` opens, telling
    /// `report` when records start and stop being lost.
    pub(crate) fn start(open: Opener, report: Reporter) -> Self {
        let (sender, receiver) = sync_channel(QUEUE_CAPACITY);
        let tally = Arc::new(Tally::default());
        let writer = Writer {
            open,
            report,
            sink: None,
            tally: Arc::clone(&tally),
            losing: false,
            lost_in_episode: 0,
            dropped_seen: 0,
        };
        let thread = std::thread::Builder::new()
            .name("ruling-records".to_owned())
            .spawn(move || writer.run(&receiver));
        let (sender, writer) = match thread {
            Ok(handle) => (Some(sender), Some(handle)),
            // No writer, no queue: every record is dropped and counted.
            Err(_) => (None, None),
        };
        Self {
            shared: Arc::new(Shared {
                sender: Mutex::new(sender),
                writer: Mutex::new(writer),
                tally,
            }),
        }
    }

    /// [`Recorder::start`] on the store at `at` (created, or migrated, on
    /// first use).
    pub(crate) fn open(at: RecordsAt, report: impl Fn(&RecordEvent) + Send + 'static) -> Self {
        let open: Opener = Box::new(move || open_sink(&at));
        Self::start(open, Box::new(report))
    }

    fn sender(&self) -> Option<SyncSender<Record>> {
        lock(&self.shared.sender).clone()
    }

    /// Queues `record`, waiting for room when the queue is full.
    pub(crate) fn submit(&self, record: Record) -> Submitted {
        self.submit_all(std::iter::once(record))
    }

    /// Queues every record, waiting for room when the queue is full;
    /// `Dropped` when any was dropped because the recorder has finished.
    pub(crate) fn submit_all(&self, records: impl IntoIterator<Item = Record>) -> Submitted {
        let sender = self.sender();
        let mut submitted = Submitted::Queued;
        for record in records {
            let sent = sender
                .as_ref()
                .is_some_and(|sender| sender.send(record).is_ok());
            if !self.count(sent) {
                submitted = Submitted::Dropped;
            }
        }
        submitted
    }

    /// Queues `record` if there is room, without waiting; otherwise drops
    /// it and counts it as lost.
    pub(crate) fn try_submit(&self, record: Record) -> Submitted {
        let sent = self
            .sender()
            .is_some_and(|sender| match sender.try_send(record) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            });
        if self.count(sent) {
            Submitted::Queued
        } else {
            Submitted::Dropped
        }
    }

    /// Counts a decision that could not be submitted as a lost record.
    pub(crate) fn count_dropped(&self) {
        self.count(false);
    }

    /// Counts a record once it is queued, or dropped; returns `sent`. A
    /// drop is counted before the submission, so that whoever reads
    /// `submitted` then `dropped` never takes a dropped record for one
    /// still to be written.
    fn count(&self, sent: bool) -> bool {
        let tally = &self.shared.tally;
        if !sent {
            tally.dropped.fetch_add(1, Ordering::SeqCst);
        }
        tally.submitted.fetch_add(1, Ordering::SeqCst);
        sent
    }

    /// What became of the records so far.
    pub(crate) fn summary(&self) -> RecordSummary {
        self.shared.tally.summary()
    }

    /// Waits, at most `limit`, until every record queued before the call
    /// is written or lost.
    pub(crate) fn wait_until_settled(&self, limit: Duration) {
        let tally = &self.shared.tally;
        let deadline = Instant::now() + limit;
        let submitted = tally.submitted.load(Ordering::SeqCst);
        let target = submitted.saturating_sub(tally.dropped.load(Ordering::SeqCst));
        let mut settled = lock(&tally.settled);
        while settled.count < target {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return;
            };
            settled = match tally.progress.wait_timeout(settled, left) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Stops taking records, waits until the writer has written (or lost)
    /// every queued one, and returns what became of them all. Later
    /// submissions are dropped and counted.
    pub(crate) fn finish(&self) -> RecordSummary {
        self.shared.close();
        self.summary()
    }
}

impl Shared {
    fn close(&self) {
        drop(lock(&self.sender).take());
        let writer = lock(&self.writer).take();
        if let Some(writer) = writer
            && writer.join().is_err()
        {
            // The writer stopped without settling what it held: those
            // records are lost, and counted so.
            let mut settled = lock(&self.tally.settled);
            let unsettled = self.tally.summary_with(&settled).pending();
            settled.lost += unsettled;
            settled.count += unsettled;
            settled
                .first_error
                .get_or_insert_with(|| "the writer thread stopped".to_owned());
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.close();
    }
}

impl Tally {
    fn summary(&self) -> RecordSummary {
        self.summary_with(&lock(&self.settled))
    }

    fn summary_with(&self, settled: &Settled) -> RecordSummary {
        let dropped = self.dropped.load(Ordering::SeqCst);
        RecordSummary {
            submitted: self.submitted.load(Ordering::SeqCst),
            written: settled.written,
            already: settled.already,
            lost: settled.lost + dropped,
            first_error: settled.first_error.clone().or_else(|| {
                (dropped > 0).then(|| {
                    format!("the queue of {QUEUE_CAPACITY} records waiting to be written was full")
                })
            }),
        }
    }
}

/// What one transaction did with its records.
#[derive(Default)]
struct Outcome {
    written: u64,
    already: u64,
    lost: u64,
    error: Option<String>,
}

impl Outcome {
    fn lost(count: usize, error: &RecordError) -> Self {
        Self {
            lost: count as u64,
            error: Some(error.to_string()),
            ..Self::default()
        }
    }

    fn add(&mut self, other: Outcome) {
        self.written += other.written;
        self.already += other.already;
        self.lost += other.lost;
        if self.error.is_none() {
            self.error = other.error;
        }
    }
}

/// The writer thread's state.
struct Writer {
    open: Opener,
    report: Reporter,
    /// The open store; `None` before it is opened and after a failure.
    sink: Option<Box<dyn RecordSink>>,
    tally: Arc<Tally>,
    /// Whether the last records were lost rather than stored.
    losing: bool,
    /// Records lost since `losing` began.
    lost_in_episode: u64,
    /// Dropped records already taken into account.
    dropped_seen: u64,
}

impl Writer {
    fn run(mut self, queue: &Receiver<Record>) {
        if let Err(error) = self.sink() {
            (self.report)(&RecordEvent::Losing {
                cause: error.to_string(),
            });
            self.losing = true;
        }
        let mut batch = Vec::with_capacity(MAX_TRANSACTION);
        while let Ok(first) = queue.recv() {
            batch.push(first);
            batch.extend(queue.try_iter().take(MAX_TRANSACTION - 1));
            let outcome = self.write(&batch);
            self.settle(batch.len(), outcome);
            batch.clear();
            std::thread::sleep(PAUSE);
        }
    }

    /// The open store, opening it if need be.
    fn sink(&mut self) -> Result<&mut Box<dyn RecordSink>, RecordError> {
        match &mut self.sink {
            Some(sink) => Ok(sink),
            slot => Ok(slot.insert((self.open)()?)),
        }
    }

    fn write(&mut self, batch: &[Record]) -> Outcome {
        let sink = match self.sink() {
            Ok(sink) => sink,
            Err(error) => return Outcome::lost(batch.len(), &error),
        };
        match sink.write(batch) {
            Ok(new) => Outcome {
                written: new as u64,
                already: (batch.len() - new.min(batch.len())) as u64,
                ..Outcome::default()
            },
            Err(error) if error.is_about_the_records() && batch.len() > 1 => {
                let mut outcome = Outcome::default();
                for record in batch {
                    outcome.add(self.write(std::slice::from_ref(record)));
                }
                outcome
            }
            Err(error) => {
                // Opened again for the next transaction: the file may have
                // been replaced, or its disk may have room again.
                if !error.is_about_the_records() {
                    self.sink = None;
                }
                Outcome::lost(batch.len(), &error)
            }
        }
    }

    fn settle(&mut self, taken: usize, outcome: Outcome) {
        let dropped = self.tally.dropped.load(Ordering::SeqCst);
        let newly_dropped = dropped.saturating_sub(self.dropped_seen);
        self.dropped_seen = dropped;
        let lost = outcome.lost + newly_dropped;
        {
            let mut settled = lock(&self.tally.settled);
            settled.count += taken as u64;
            settled.written += outcome.written;
            settled.already += outcome.already;
            settled.lost += outcome.lost;
            if settled.first_error.is_none() {
                settled.first_error = outcome.error.clone();
            }
        }
        self.tally.progress.notify_all();
        if lost > 0 {
            if !self.losing {
                let cause = outcome.error.unwrap_or_else(|| {
                    format!("the queue of {QUEUE_CAPACITY} records waiting to be written was full")
                });
                (self.report)(&RecordEvent::Losing { cause });
            }
            self.losing = true;
            self.lost_in_episode += lost;
        } else if self.losing {
            (self.report)(&RecordEvent::Resumed {
                lost: self.lost_in_episode,
            });
            self.losing = false;
            self.lost_in_episode = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;

    use super::*;

    fn record(n: usize) -> Record {
        Record {
            id: format!("{n:064x}"),
            recorded_at: "2025-01-01T00:00:00.000Z".into(),
            policy_id: "p".into(),
            policy_version: "1".into(),
            policy_sha256: "0".repeat(64),
            outcome: "approve".into(),
            rule_id: "r".into(),
            request_json: "{}".into(),
            decision_json: "{}".into(),
            decision_text: String::new(),
        }
    }

    /// A sink that stores ids in memory, refuses ids on a list, fails while
    /// `down` holds, and can be made to wait on a gate.
    struct Memory {
        stored: Arc<Mutex<Vec<String>>>,
        down: Arc<Mutex<bool>>,
        gate: Option<Arc<Mutex<()>>>,
        refused: Vec<String>,
    }

    impl RecordSink for Memory {
        fn write(&mut self, records: &[Record]) -> Result<usize, RecordError> {
            let _gate = self.gate.as_ref().map(|gate| gate.lock().unwrap());
            if *self.down.lock().unwrap() {
                return Err(RecordError::Missing("down".into()));
            }
            if records
                .iter()
                .any(|record| self.refused.contains(&record.id))
            {
                return Err(RecordError::Sql(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                    Some("CHECK constraint failed".into()),
                )));
            }
            let mut stored = self.stored.lock().unwrap();
            let before = stored.len();
            for record in records {
                if !stored.contains(&record.id) {
                    stored.push(record.id.clone());
                }
            }
            Ok(stored.len() - before)
        }
    }

    struct Fixture {
        stored: Arc<Mutex<Vec<String>>>,
        down: Arc<Mutex<bool>>,
        gate: Arc<Mutex<()>>,
        events: Arc<Mutex<Vec<RecordEvent>>>,
    }

    fn recorder(refused: Vec<String>, gated: bool) -> (Recorder, Fixture) {
        let fixture = Fixture {
            stored: Arc::default(),
            down: Arc::default(),
            gate: Arc::default(),
            events: Arc::default(),
        };
        let (stored, down) = (Arc::clone(&fixture.stored), Arc::clone(&fixture.down));
        let gate = gated.then(|| Arc::clone(&fixture.gate));
        let open: Opener = Box::new(move || {
            Ok(Box::new(Memory {
                stored: Arc::clone(&stored),
                down: Arc::clone(&down),
                gate: gate.clone(),
                refused: refused.clone(),
            }) as Box<dyn RecordSink>)
        });
        let events = Arc::clone(&fixture.events);
        let report: Reporter = Box::new(move |event| events.lock().unwrap().push(event.clone()));
        (Recorder::start(open, report), fixture)
    }

    #[test]
    fn every_record_is_written_once_and_counted() {
        let (recorder, fixture) = recorder(Vec::new(), false);
        assert_eq!(
            recorder.submit_all((0..3000).map(record)),
            Submitted::Queued
        );
        assert_eq!(recorder.submit(record(7)), Submitted::Queued);
        let summary = recorder.finish();
        assert_eq!(
            (
                summary.submitted,
                summary.written,
                summary.already,
                summary.lost
            ),
            (3001, 3000, 1, 0)
        );
        assert_eq!(fixture.stored.lock().unwrap().len(), 3000);
        assert!(fixture.events.lock().unwrap().is_empty());
        assert_eq!(
            recorder.submit(record(9000)),
            Submitted::Dropped,
            "finished"
        );
        assert_eq!(recorder.summary().lost, 1);
    }

    #[test]
    fn a_refused_record_loses_only_itself() {
        let refused = record(5).id;
        let (recorder, fixture) = recorder(vec![refused.clone()], false);
        recorder.submit_all((0..10).map(record));
        let summary = recorder.finish();
        assert_eq!((summary.written, summary.lost), (9, 1));
        assert!(!fixture.stored.lock().unwrap().contains(&refused));
        assert!(summary.first_error.unwrap().contains("CHECK"));
    }

    #[test]
    fn a_store_that_is_down_loses_records_counted_and_reported_once() {
        let (recorder, fixture) = recorder(Vec::new(), false);
        *fixture.down.lock().unwrap() = true;
        for n in 0..5 {
            recorder.submit(record(n));
            recorder.wait_until_settled(Duration::from_secs(10));
        }
        *fixture.down.lock().unwrap() = false;
        recorder.submit(record(5));
        let summary = recorder.finish();
        assert_eq!((summary.written, summary.lost), (1, 5));
        assert!(summary.first_error.unwrap().contains("down"));
        let events = fixture.events.lock().unwrap();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(matches!(&events[0], RecordEvent::Losing { cause } if cause.contains("down")));
        assert_eq!(events[1], RecordEvent::Resumed { lost: 5 });
    }

    #[test]
    fn a_full_queue_drops_what_cannot_wait_and_counts_it() {
        let (recorder, fixture) = recorder(Vec::new(), true);
        let held = fixture.gate.lock().unwrap();
        // The writer takes at most one transaction's worth and waits on the
        // gate; the queue then fills.
        let total = QUEUE_CAPACITY + 2 * MAX_TRANSACTION;
        let dropped = (0..total)
            .filter(|&n| recorder.try_submit(record(n)) == Submitted::Dropped)
            .count();
        assert!(dropped >= MAX_TRANSACTION, "{dropped}");
        drop(held);
        let summary = recorder.finish();
        assert_eq!(summary.submitted, total as u64);
        assert_eq!(summary.lost, dropped as u64);
        assert_eq!(summary.written + summary.lost, total as u64);
        assert!(summary.first_error.unwrap().contains("was full"));
        assert!(matches!(
            fixture.events.lock().unwrap().first(),
            Some(RecordEvent::Losing { cause }) if cause.contains("was full")
        ));
    }

    #[test]
    fn a_lookup_waits_for_the_records_queued_before_it() {
        let (recorder, fixture) = recorder(Vec::new(), false);
        recorder.submit_all((0..100).map(record));
        recorder.wait_until_settled(Duration::from_secs(30));
        assert_eq!(fixture.stored.lock().unwrap().len(), 100);
        assert_eq!(recorder.summary().pending(), 0);
    }

    #[test]
    fn dropping_the_last_clone_writes_what_is_queued() {
        let (recorder, fixture) = recorder(Vec::new(), false);
        let clone = recorder.clone();
        clone.submit_all((0..10).map(record));
        drop(recorder);
        drop(clone);
        assert_eq!(fixture.stored.lock().unwrap().len(), 10);
    }

    #[test]
    fn the_recorder_crosses_threads() {
        let (send, receive) = channel();
        let (recorder, _fixture) = recorder(Vec::new(), false);
        std::thread::spawn(move || send.send(recorder.submit(record(1))).unwrap());
        assert_eq!(receive.recv().unwrap(), Submitted::Queued);
    }
}
