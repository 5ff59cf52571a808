//! The SQLite record store: one file, in WAL mode, shared by any number of
//! processes.
//!
//! Writers take the write lock when their transaction begins (`BEGIN
//! IMMEDIATE`) and wait for it as long as [`WRITE_PATIENCE`], polling every
//! [`LOCK_POLL`], so several processes recording into one file take turns
//! instead of failing. Each write is one transaction, so a crash mid-write
//! leaves the records of earlier transactions and nothing of the one in
//! progress. Readers open the file read-only: in WAL mode they read the last
//! committed state while a writer works, and never take the write lock.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use super::{LogFilter, Lookup, Record, RecordError, RecordSink, RecordSource};
use crate::policy::Outcome;

/// How long a writer waits for the write lock that another connection
/// holds before its transaction fails: long, since writing happens off the
/// deciding path, and a failed transaction loses records.
pub(crate) const WRITE_PATIENCE: Duration = Duration::from_secs(60);

/// How often a waiting writer tries the lock again. Short, so that a
/// writer that just committed and pauses ([`super::recorder`]) hands the
/// lock to a waiting one rather than taking it straight back.
pub(crate) const LOCK_POLL: Duration = Duration::from_millis(1);

/// How long a reader waits in the rare cases where WAL makes it wait (a
/// writer recovering the log after a crash).
const READ_PATIENCE: Duration = Duration::from_secs(5);

fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Waits for a lock by polling every [`LOCK_POLL`] up to [`WRITE_PATIENCE`]:
/// SQLite's own handler sleeps up to 100 ms between tries, long enough for
/// a busy writer to take the lock again and again before a waiter wakes.
fn wait_for_lock() -> impl FnMut(i32) -> bool + Send + 'static {
    let mut started = Instant::now();
    move |attempt| {
        if attempt == 0 {
            started = Instant::now();
        }
        std::thread::sleep(LOCK_POLL);
        started.elapsed() < WRITE_PATIENCE
    }
}

/// The schema version, kept in SQLite's `user_version`.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS decisions (
    id             TEXT PRIMARY KEY
                   CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    recorded_at    TEXT NOT NULL,
    policy_id      TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_sha256  TEXT NOT NULL,
    outcome        TEXT NOT NULL
                   CHECK (outcome IN ('approve', 'deny', 'review', 'needs_info')),
    rule_id        TEXT NOT NULL,
    request_json   TEXT NOT NULL CHECK (json_valid(request_json)),
    decision_json  TEXT NOT NULL CHECK (json_valid(decision_json)),
    decision_text  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS decisions_by_time ON decisions (recorded_at);
";

/// An open records database.
pub(crate) struct Store {
    connection: Connection,
    /// Whether the `decisions` table exists; only a reader finds it absent.
    has_table: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.connection.path())
            .finish()
    }
}

impl Store {
    /// Opens the database at `path` to record into, creating it (and its
    /// table) on first use.
    pub(crate) fn open(path: &Path) -> Result<Self, RecordError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // SQLite does not call its busy handler in every case where another
        // process holds a lock (switching a new file to WAL while another
        // process creates it is one), so opening is retried as a whole.
        let started = Instant::now();
        loop {
            match Self::try_open(path, flags) {
                Err(RecordError::Open { source, .. })
                    if is_busy(&source) && started.elapsed() < WRITE_PATIENCE =>
                {
                    std::thread::sleep(LOCK_POLL);
                }
                opened => return opened,
            }
        }
    }

    fn try_open(path: &Path, flags: OpenFlags) -> Result<Self, RecordError> {
        let open = |source| RecordError::Open {
            path: path.to_owned(),
            source,
        };
        let mut connection = Connection::open_with_flags(path, flags).map_err(open)?;
        // The handler first: switching to WAL and creating the table take
        // locks that another process may hold at this very moment.
        connection
            .busy_handler(Some(wait_for_lock()))
            .map_err(open)?;
        connection
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get::<_, String>(0))
            .map_err(open)?;
        // In WAL mode NORMAL keeps the database consistent on a crash; only
        // the last transactions may be lost on a power failure.
        connection
            .pragma_update(None, "synchronous", "normal")
            .map_err(open)?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(open)?;
        let found = schema_version(&transaction).map_err(open)?;
        if found > SCHEMA_VERSION {
            return Err(RecordError::NewerSchema {
                store: path.display().to_string(),
                found,
            });
        }
        transaction.execute_batch(SCHEMA).map_err(open)?;
        transaction
            .pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(open)?;
        transaction.commit().map_err(open)?;
        Ok(Self {
            connection,
            has_table: true,
        })
    }

    /// Opens an existing database to read, read-only: it never takes the
    /// write lock, so it does not wait for writers, and it creates nothing.
    /// A missing file is an error rather than a new empty database, since
    /// it is most likely a wrong path.
    pub(crate) fn open_read_only(path: &Path) -> Result<Self, RecordError> {
        if !path.exists() {
            return Err(RecordError::Missing(path.to_owned()));
        }
        let open = |source| RecordError::Open {
            path: path.to_owned(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags).map_err(open)?;
        connection.busy_timeout(READ_PATIENCE).map_err(open)?;
        let found = schema_version(&connection).map_err(open)?;
        if found > SCHEMA_VERSION {
            return Err(RecordError::NewerSchema {
                store: path.display().to_string(),
                found,
            });
        }
        // A file no decision was recorded into yet has no table: it holds
        // no records rather than being an error.
        let has_table = connection
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'decisions'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map_err(open)?
            > 0;
        Ok(Self {
            connection,
            has_table,
        })
    }

    /// Stores `records` in one transaction: all of them or, on any error,
    /// none. A record whose id is already stored is skipped, since the same
    /// id is the same decision. Returns how many were new.
    pub(crate) fn insert(&mut self, records: &[Record]) -> Result<usize, RecordError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut added = 0;
        {
            // `ON CONFLICT (id) DO NOTHING` rather than `INSERT OR IGNORE`:
            // the latter would also silently drop rows that fail a CHECK.
            let mut statement = transaction.prepare_cached(
                "INSERT INTO decisions (id, recorded_at, policy_id, policy_version, \
                 policy_sha256, outcome, rule_id, request_json, decision_json, decision_text) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
            )?;
            for record in records {
                added += statement.execute(params![
                    record.id,
                    record.recorded_at,
                    record.policy_id,
                    record.policy_version,
                    record.policy_sha256,
                    record.outcome,
                    record.rule_id,
                    record.request_json,
                    record.decision_json,
                    record.decision_text,
                ])?;
            }
        }
        transaction.commit()?;
        Ok(added)
    }

    /// The decision whose id starts with `prefix` (lowercase hex).
    pub(crate) fn find(&self, prefix: &str) -> Result<Lookup, RecordError> {
        if !self.has_table {
            return Ok(Lookup::NotFound);
        }
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM decisions WHERE substr(id, 1, ?1) = ?2 ORDER BY id LIMIT 6"
        ))?;
        let length = i64::try_from(prefix.len()).unwrap_or(i64::MAX);
        let mut found = statement
            .query_map(params![length, prefix], row_record)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match found.len() {
            0 => Lookup::NotFound,
            1 => found
                .pop()
                .map_or(Lookup::NotFound, |record| Lookup::Found(Box::new(record))),
            _ => Lookup::Ambiguous(found.into_iter().map(|record| record.id).collect()),
        })
    }

    /// The records `filter` selects, newest first.
    pub(crate) fn list(&self, filter: &LogFilter) -> Result<Vec<Record>, RecordError> {
        if !self.has_table {
            return Ok(Vec::new());
        }
        // Dates compare as text: `recorded_at` is RFC 3339 in UTC, which
        // sorts by time, and a bare `YYYY-MM-DD` sorts before that day's
        // times. `until` is inclusive, so it compares with the next day.
        let since = filter.since.map(|date| date.to_string());
        let until = filter
            .until
            .map(|date| date.succ_opt().unwrap_or(date).to_string());
        let limit = filter.limit.map_or(-1, i64::from);
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM decisions \
             WHERE (?1 IS NULL OR outcome = ?1) \
               AND (?2 IS NULL OR policy_id = ?2) \
               AND (?3 IS NULL OR recorded_at >= ?3) \
               AND (?4 IS NULL OR recorded_at < ?4) \
             ORDER BY recorded_at DESC, id LIMIT ?5"
        ))?;
        let records = statement
            .query_map(
                params![
                    filter.outcome.map(Outcome::keyword),
                    filter.policy,
                    since,
                    until,
                    limit
                ],
                row_record,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(records)
    }

    /// How many decisions are stored (for the store's tests; programs
    /// count with SQL).
    #[cfg(test)]
    pub(crate) fn count(&self) -> Result<u64, RecordError> {
        if !self.has_table {
            return Ok(0);
        }
        let count: i64 =
            self.connection
                .query_row("SELECT count(*) FROM decisions", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// SQLite's own check of the file: `ok` when it is sound (for the
    /// store's tests).
    #[cfg(test)]
    pub(crate) fn integrity_check(&self) -> Result<String, RecordError> {
        Ok(self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

impl RecordSink for Store {
    fn write(&mut self, records: &[Record]) -> Result<usize, RecordError> {
        self.insert(records)
    }
}

impl RecordSource for Store {
    fn find(&mut self, prefix: &str) -> Result<Lookup, RecordError> {
        Store::find(self, prefix)
    }

    fn list(&mut self, filter: &LogFilter) -> Result<Vec<Record>, RecordError> {
        Store::list(self, filter)
    }
}

/// The schema version the file was written with; 0 for a new file.
fn schema_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "user_version", |row| row.get(0))
}

pub(super) const COLUMNS: &str = "id, recorded_at, policy_id, policy_version, policy_sha256, outcome, \
                       rule_id, request_json, decision_json, decision_text";

fn row_record(row: &rusqlite::Row) -> rusqlite::Result<Record> {
    Ok(Record {
        id: row.get(0)?,
        recorded_at: row.get(1)?,
        policy_id: row.get(2)?,
        policy_version: row.get(3)?,
        policy_sha256: row.get(4)?,
        outcome: row.get(5)?,
        rule_id: row.get(6)?,
        request_json: row.get(7)?,
        decision_json: row.get(8)?,
        decision_text: row.get(9)?,
    })
}
