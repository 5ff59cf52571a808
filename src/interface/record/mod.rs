//! Decision records: decisions stored with their request, policy version
//! and trace, to be found again by id (`ruling why`) or listed (`ruling
//! log`).
//!
//! ```text
//! decision → Record → Recorder::submit ─ bounded queue ─→ writer thread → RecordSink (SQLite Store)
//!                                                          one transaction per batch
//! ruling why / log, GET /v1/decisions/{id} → Store::open_read_only → find / list
//! ```
//!
//! Writing is off the deciding path: a [`Recorder`] hands records to one
//! writer thread, which stores what is waiting in one transaction. A
//! decision never waits for, or fails because of, its record; a record that
//! cannot be stored is counted as lost and reported (see [`recorder`]).
//! Readers open the database read-only and never take its write lock.
//!
//! A record holds what was decided: the *decoded* request (see
//! [`request_json`]), not the bytes that were sent, so every request that
//! decodes is recordable.
//!
//! Recording is the only place a clock is read (`recorded_at`); the
//! decision itself stays a pure function of policy and request.

pub mod recorder;
pub mod sqlite;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, SecondsFormat, Utc};

use crate::decision::Decision;
use crate::decision::json_text::{push_str, push_value};
use crate::language::schema::{Member, Object};
use crate::language::value::Value;
use crate::policy::{Outcome, Policy};
use crate::render::{decision_json, decision_text};
use crate::request::Request;

pub use recorder::{RecordEvent, RecordSummary, Recorder, Submitted};
pub use sqlite::Store;

/// The environment variable naming the records database when `--record`
/// gives no path.
pub const RECORDS_ENV: &str = "RULING_RECORDS";
/// The records database when neither `--record PATH` nor
/// [`RECORDS_ENV`] names one: a file in the current folder.
pub const DEFAULT_RECORDS: &str = "ruling.db";
/// The version of the JSON shapes of `ruling why` and `ruling log`.
pub const RECORD_FORMAT: u32 = 1;

/// How long a lookup through [`Records`] waits for the records queued
/// before it to be written, so that a decision just answered is found.
const LOOKUP_WAIT: Duration = Duration::from_secs(2);

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

impl RecordError {
    /// Whether the error is about the records written rather than the
    /// store: written one at a time, the others would be stored.
    pub fn is_about_the_records(&self) -> bool {
        match self {
            RecordError::Sql(error) => matches!(
                error.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ConstraintViolation)
            ),
            _ => false,
        }
    }
}

/// Where records are written: the SQLite [`Store`] today; another database
/// is one more implementation, and the [`Recorder`] works with any.
pub trait RecordSink: Send {
    /// Stores `records` in one transaction: all of them or, on an error,
    /// none. A record whose id is already stored is skipped, since the same
    /// id is the same decision. Returns how many were new.
    fn write(&mut self, records: &[Record]) -> Result<usize, RecordError>;
}

/// Where records are read from.
pub trait RecordSource {
    /// The decision whose id starts with `prefix` (lowercase hex).
    fn find(&self, prefix: &str) -> Result<Lookup, RecordError>;
    /// The records `filter` selects, newest first.
    fn list(&self, filter: &LogFilter) -> Result<Vec<Record>, RecordError>;
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

/// The records a server keeps: read back by id from the SQLite database at
/// a path, and, when it records, written there through a [`Recorder`].
/// Cloning shares the recorder.
#[derive(Clone, Debug)]
pub struct Records {
    path: PathBuf,
    recorder: Option<Recorder>,
}

impl Records {
    /// Records only read, for example by `ruling mcp`'s `why`.
    pub fn reading(path: PathBuf) -> Self {
        Self {
            path,
            recorder: None,
        }
    }

    /// Records written into the database at `path` by a writer thread
    /// started now; `report` hears when writing stops and starts again.
    pub fn recording(path: PathBuf, report: impl Fn(&RecordEvent) + Send + 'static) -> Self {
        let recorder = Recorder::sqlite(path.clone(), report);
        Self {
            path,
            recorder: Some(recorder),
        }
    }

    /// Queues `record` without waiting; dropped and counted when the
    /// queue is full or nothing records.
    pub fn offer(&self, record: Record) -> Submitted {
        match &self.recorder {
            Some(recorder) => recorder.try_submit(record),
            None => Submitted::Dropped,
        }
    }

    /// Counts a decision that could not be made into a record as lost.
    pub fn lose(&self) -> Submitted {
        if let Some(recorder) = &self.recorder {
            recorder.count_dropped();
        }
        Submitted::Dropped
    }

    /// The decision whose id starts with `prefix`. Waits up to
    /// [`LOOKUP_WAIT`] for the records queued so far to be written, then
    /// reads from a read-only connection of its own.
    pub fn find(&self, prefix: &str) -> Result<Lookup, RecordError> {
        if let Some(recorder) = &self.recorder {
            recorder.wait_until_settled(LOOKUP_WAIT);
        }
        Store::open_read_only(&self.path)?.find(prefix)
    }

    /// Stops recording once every queued record is written or counted
    /// lost: what was recorded, or `None` when these records only read.
    pub fn finish(&self) -> Option<RecordSummary> {
        self.recorder.as_ref().map(Recorder::finish)
    }
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
