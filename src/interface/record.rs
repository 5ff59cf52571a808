//! Decision records: decisions stored with their request, policy version
//! and trace in an embedded SQLite database, to be found again by id
//! (`ruling why`) or listed (`ruling log`).
//!
//! Safety of the file comes from SQLite: each write is one transaction, so
//! a crash mid-write leaves the records of earlier transactions and nothing
//! of the one in progress. The database runs in WAL mode. Writers take the
//! write lock when their transaction begins (`BEGIN IMMEDIATE`) and wait
//! for it as long as [`WRITE_PATIENCE`], polling every [`LOCK_POLL`], so
//! several processes recording into one file take turns instead of failing.
//! Readers open the file read-only: in WAL mode they read the last committed
//! state while a writer works, and never take the write lock.
//!
//! A record holds what was decided: the *decoded* request (see
//! [`request_json`]), not the bytes that were sent, so every request that
//! decodes is recordable.
//!
//! Recording is the only place a clock is read (`recorded_at`); the
//! decision itself stays a pure function of policy and request.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use crate::decision::Decision;
use crate::decision::json_text::{push_str, push_value};
use crate::language::schema::{Member, Object};
use crate::language::value::Value;
use crate::policy::{Outcome, Policy};
use crate::render::{decision_json, decision_text};
use crate::request::Request;

/// The environment variable naming the records database when `--record`
/// gives no path.
pub const RECORDS_ENV: &str = "RULING_RECORDS";
/// The records database when neither `--record PATH` nor
/// [`RECORDS_ENV`] names one: a file in the current folder.
pub const DEFAULT_RECORDS: &str = "ruling.db";
/// The version of the JSON shapes of `ruling why` and `ruling log`.
pub const RECORD_FORMAT: u32 = 1;

/// How long a writer waits for the write lock that another connection
/// holds before its transaction fails.
pub const WRITE_PATIENCE: Duration = Duration::from_secs(60);

/// How often a waiting writer tries the lock again.
pub const LOCK_POLL: Duration = Duration::from_millis(1);

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

/// The records database named by `--record PATH`, else by
/// `$RULING_RECORDS`, else `ruling.db` in the current folder.
pub fn records_path(given: Option<&Path>) -> PathBuf {
    match given {
        Some(path) if !path.as_os_str().is_empty() => path.to_owned(),
        _ => std::env::var_os(RECORDS_ENV)
            .filter(|value| !value.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_RECORDS), PathBuf::from),
    }
}

/// What went wrong with the records database.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("no decision records at `{}`", .0.display())]
    Missing(PathBuf),
    #[error("cannot open the decision records `{}`: {source}", .path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("`{}` holds decision records of a newer ruling (schema {found})", .path.display())]
    NewerSchema { path: PathBuf, found: i64 },
    #[error("the decision records could not be written or read: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// One recorded decision, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The full decision id, 64 hex characters.
    pub id: String,
    /// When it was recorded, RFC 3339 in UTC with milliseconds.
    pub recorded_at: String,
    pub policy_id: String,
    pub policy_version: String,
    pub policy_sha256: String,
    /// The outcome's keyword: `approve`, `deny`, `review`, `needs_info`.
    pub outcome: String,
    pub rule_id: String,
    /// The request as it was decided: [`request_json`].
    pub request_json: String,
    /// The decision, trace included, in the documented JSON format.
    pub decision_json: String,
    /// The decision for people, as `ruling decide` printed it (no colour):
    /// kept because the JSON alone does not tell a decimal from a text.
    pub decision_text: String,
}

impl Record {
    /// The record of `decision`, made by `policy` on the decoded `request`,
    /// stamped with the current time.
    pub fn new(policy: &Policy, request: &Request, decision: &Decision) -> Self {
        Self {
            id: decision.id.clone(),
            recorded_at: now(),
            policy_id: decision.policy.id.clone(),
            policy_version: decision.policy.version.clone(),
            policy_sha256: decision.policy.sha256.clone(),
            outcome: decision.outcome.keyword().to_owned(),
            rule_id: decision.rule.id.clone(),
            request_json: request_json(&policy.schema.root, request),
            decision_json: decision_json(decision),
            decision_text: decision_text(decision, false),
        }
    }

    /// The record as `ruling why --format json` and the HTTP API give it:
    /// `{format, id, recorded_at, request, decision}`.
    pub fn to_json(&self) -> serde_json::Value {
        let parse = |text: &str| serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "format": RECORD_FORMAT,
            "id": self.id,
            "recorded_at": self.recorded_at,
            "request": parse(&self.request_json),
            "decision": parse(&self.decision_json),
        })
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The decoded request as a compact JSON object: every declared field that
/// has a value (given, or its default), nested as the policy declares it,
/// in declaration order, each value as the decision format writes it.
/// Members the policy does not declare are not kept, and an object left
/// empty is left out. These are the values of the canonical request the
/// decision id is computed from ([`crate::decision::id`]), so deciding the
/// recorded request again gives the same decision.
///
/// The object tree is walked with a stack of its own, so that a policy
/// declaring a deep path cannot exhaust the thread's stack.
pub fn request_json(root: &Object, request: &Request) -> String {
    struct Open<'s> {
        members: std::slice::Iter<'s, (String, Member)>,
        /// Where the member holding this object starts in the output.
        start: usize,
        written: bool,
    }
    let mut out = vec![b'{'];
    let mut stack = vec![Open {
        members: root.members.iter(),
        start: 0,
        written: false,
    }];
    while let Some(open) = stack.last_mut() {
        let Some((name, member)) = open.members.next() else {
            let closed = stack.pop();
            let written = closed.as_ref().is_some_and(|closed| closed.written);
            match stack.last_mut() {
                Some(parent) if written => {
                    parent.written = true;
                    out.push(b'}');
                }
                Some(_) => out.truncate(closed.map_or(out.len(), |closed| closed.start)),
                None => out.push(b'}'),
            }
            continue;
        };
        let start = out.len();
        if open.written {
            out.push(b',');
        }
        push_str(&mut out, name);
        out.push(b':');
        match member {
            Member::Field(slot) => match request.values.get(*slot) {
                Some(value) if !matches!(value, Value::Absent) => {
                    push_value(&mut out, value);
                    open.written = true;
                }
                _ => out.truncate(start),
            },
            Member::Object(inner) => {
                out.push(b'{');
                stack.push(Open {
                    members: inner.members.iter(),
                    start,
                    written: false,
                });
            }
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// What `ruling log` lists: newest first, every filter optional.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    pub outcome: Option<Outcome>,
    pub policy: Option<String>,
    /// Recorded on or after this day (UTC).
    pub since: Option<NaiveDate>,
    /// Recorded on or before this day (UTC).
    pub until: Option<NaiveDate>,
    /// At most this many; `None` for all.
    pub limit: Option<u32>,
}

/// What an id prefix names.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(Box<Record>),
    NotFound,
    /// More than one decision starts with the prefix: some of their ids.
    Ambiguous(Vec<String>),
}

/// An open records database.
pub struct Store {
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
    pub fn open(path: &Path) -> Result<Self, RecordError> {
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
                path: path.to_owned(),
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
    pub fn open_read_only(path: &Path) -> Result<Self, RecordError> {
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
                path: path.to_owned(),
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
    pub fn insert(&mut self, records: &[Record]) -> Result<usize, RecordError> {
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
    pub fn find(&self, prefix: &str) -> Result<Lookup, RecordError> {
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
    pub fn list(&self, filter: &LogFilter) -> Result<Vec<Record>, RecordError> {
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

    /// How many decisions are stored.
    pub fn count(&self) -> Result<u64, RecordError> {
        if !self.has_table {
            return Ok(0);
        }
        let count: i64 =
            self.connection
                .query_row("SELECT count(*) FROM decisions", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// SQLite's own check of the file: `ok` when it is sound.
    pub fn integrity_check(&self) -> Result<String, RecordError> {
        Ok(self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

/// The schema version the file was written with; 0 for a new file.
fn schema_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.pragma_query_value(None, "user_version", |row| row.get(0))
}

const COLUMNS: &str = "id, recorded_at, policy_id, policy_version, policy_sha256, outcome, \
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

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
format = 1
[policy]
id = "p"
version = "1"
title = "P"
effective_date = 2025-01-01

[[field]]
path = "a.note"
type = "string"
description = "a note"

[[field]]
path = "b"
type = "decimal"
description = "an amount"

[[field]]
path = "a.deep.label"
type = "string"
description = "a label"

[[field]]
path = "c"
type = "integer"
description = "a count"
default = 3

[default]
id = "otherwise"
clause = "§0"
outcome = "review"
reason = "r"
"#;

    fn recorded(json: &str) -> String {
        let policy = crate::load(crate::diagnostic::SourceFile::new("p.toml", POLICY)).unwrap();
        let request =
            crate::request::decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
        request_json(&policy.schema.root, &request)
    }

    #[test]
    fn the_recorded_request_holds_the_declared_values_in_declared_order() {
        assert_eq!(
            recorded(
                r#"{"b": "1.50", "x": [1, {"y": 2}], "a": {"deep": {"label": "x"}, "note": "say \"hi\""}}"#
            ),
            r#"{"a":{"note":"say \"hi\"","deep":{"label":"x"}},"b":"1.50","c":3}"#
        );
    }

    #[test]
    fn absent_fields_and_objects_left_empty_are_left_out() {
        assert_eq!(recorded(r#"{"a": {"deep": {}}}"#), r#"{"c":3}"#);
        assert_eq!(
            recorded(r#"{"a": {"note": "n"}}"#),
            r#"{"a":{"note":"n"},"c":3}"#
        );
    }
}
