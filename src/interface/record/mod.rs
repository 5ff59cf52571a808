//! Decision records: decisions stored with their request, policy version
//! and trace, to be found again by id (`ruling why`) or listed (`ruling
//! log`).
//!
//! ```text
//! decision → Record → Recorder::submit ─ bounded queue ─→ writer thread → RecordSink
//!                                                          one transaction per batch
//! ruling why / log, GET /v1/decisions/{id} → open_source → find / list
//! ```
//!
//! Records live in a SQLite file ([`sqlite::Store`], the default) or, with
//! the `postgres` feature, in a PostgreSQL database shared by several
//! machines ([`postgresql::PostgresStore`]): the same columns, ids and
//! semantics in both ([`RecordsAt`] says which).
//!
//! Writing is off the deciding path: a [`Recorder`] hands records to one
//! writer thread, which stores what is waiting in one transaction. A
//! decision never waits for, or fails because of, its record; a record that
//! cannot be stored is counted as lost and reported (see [`recorder`]).
//! Readers never take a write lock: SQLite is opened read-only, PostgreSQL
//! sessions are read-only.
//!
//! A record holds what was decided: the *decoded* request (see
//! [`request_json`]), not the bytes that were sent, so every request that
//! decodes is recordable.
//!
//! Recording is the only place a clock is read (`recorded_at`); the
//! decision itself stays a pure function of policy and request.

#[cfg(feature = "postgres")]
pub(crate) mod postgresql;
pub(crate) mod recorder;
pub(crate) mod sqlite;

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

pub(crate) use recorder::{RecordEvent, RecordSummary, Recorder, Submitted};
pub(crate) use sqlite::Store;

/// The environment variable naming the records database (a path or a
/// PostgreSQL URL) when `--record` gives none.
pub(crate) const RECORDS_ENV: &str = "RULING_RECORDS";
/// The records database when neither `--record PATH` nor
/// [`RECORDS_ENV`] names one: a file in the current folder.
pub(crate) const DEFAULT_RECORDS: &str = "ruling.db";
/// The version of the JSON shapes of `ruling why` and `ruling log`.
pub(crate) const RECORD_FORMAT: u32 = 1;

/// How long a lookup through [`Records`] waits for the records queued
/// before it to be written, so that a decision just answered is found.
const LOOKUP_WAIT: Duration = Duration::from_secs(2);

/// Where decision records are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RecordsAt {
    /// A SQLite database file.
    File(PathBuf),
    /// A PostgreSQL database, by its URL (`postgres://` or
    /// `postgresql://`), password included: shown only through `Display`,
    /// which hides it.
    Postgres(String),
}

impl RecordsAt {
    /// A PostgreSQL URL when `given` starts with `postgres://` or
    /// `postgresql://`, else a file path.
    pub(crate) fn parse(given: PathBuf) -> Self {
        match given.to_str() {
            Some(text) if is_postgres_url(text) => RecordsAt::Postgres(text.to_owned()),
            _ => RecordsAt::File(given),
        }
    }
}

impl std::fmt::Display for RecordsAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordsAt::File(path) => write!(f, "{}", path.display()),
            RecordsAt::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

fn is_postgres_url(text: &str) -> bool {
    ["postgres://", "postgresql://"].iter().any(|scheme| {
        text.get(..scheme.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
    })
}

/// `url` with its password, in the user part or as a `password=`
/// parameter, replaced by `***`, so that messages and logs can show it.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let parameters: Vec<String> = query
                .split('&')
                .map(|parameter| match parameter.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => parameter.to_owned(),
                })
                .collect();
            format!("{path}?{}", parameters.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Where records are kept as `--record` names them: its value, else
/// `$RULING_RECORDS`, else `ruling.db` in the current folder. A value
/// starting with `postgres://` or `postgresql://` is a PostgreSQL database.
pub(crate) fn records_at(given: Option<&Path>) -> RecordsAt {
    let given = match given {
        Some(path) if !path.as_os_str().is_empty() => path.to_owned(),
        _ => std::env::var_os(RECORDS_ENV)
            .filter(|value| !value.is_empty())
            .map_or_else(|| PathBuf::from(DEFAULT_RECORDS), PathBuf::from),
    };
    RecordsAt::parse(given)
}

/// Opens the store at `at` to record into, creating its tables (or, in
/// PostgreSQL, running its migrations) on first use.
pub(crate) fn open_sink(at: &RecordsAt) -> Result<Box<dyn RecordSink>, RecordError> {
    match at {
        RecordsAt::File(path) => Ok(Box::new(Store::open(path)?)),
        #[cfg(feature = "postgres")]
        RecordsAt::Postgres(url) => Ok(Box::new(postgresql::PostgresStore::open(url)?)),
        #[cfg(not(feature = "postgres"))]
        RecordsAt::Postgres(url) => Err(RecordError::PostgresNotBuilt(redact_url(url))),
    }
}

/// Opens the store at `at` to read, creating nothing.
pub(crate) fn open_source(at: &RecordsAt) -> Result<Box<dyn RecordSource>, RecordError> {
    match at {
        RecordsAt::File(path) => Ok(Box::new(Store::open_read_only(path)?)),
        #[cfg(feature = "postgres")]
        RecordsAt::Postgres(url) => Ok(Box::new(postgresql::PostgresStore::open_read_only(url)?)),
        #[cfg(not(feature = "postgres"))]
        RecordsAt::Postgres(url) => Err(RecordError::PostgresNotBuilt(redact_url(url))),
    }
}

/// What went wrong with the records database.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RecordError {
    #[error("no decision records at `{}`", .0.display())]
    Missing(PathBuf),
    #[error("cannot open the decision records `{}`: {source}", .path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("`{store}` holds decision records of a newer ruling (schema {found})")]
    NewerSchema { store: String, found: i64 },
    #[error("the decision records could not be written or read: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "`{0}` is a PostgreSQL database, but this ruling was built without PostgreSQL support (the `postgres` feature)"
    )]
    #[cfg(not(feature = "postgres"))]
    PostgresNotBuilt(String),
    #[cfg(feature = "postgres")]
    #[error("`{url}` is not a PostgreSQL URL that ruling can use: {source}")]
    BadUrl {
        url: String,
        source: postgresql::DatabaseError,
    },
    #[cfg(feature = "postgres")]
    #[error("cannot connect to the decision records at `{url}`: {source}")]
    Connect {
        url: String,
        source: postgresql::DatabaseError,
    },
    #[cfg(feature = "postgres")]
    #[error("the decision records could not be written or read: {0}")]
    Database(#[from] postgresql::DatabaseError),
    #[cfg(feature = "postgres")]
    #[error(
        "all {0} connections to the decision records are busy; the lookup gave up after waiting"
    )]
    Busy(usize),
}

impl RecordError {
    /// Whether the error is about the records written rather than the
    /// store: written one at a time, the others would be stored.
    pub(crate) fn is_about_the_records(&self) -> bool {
        match self {
            RecordError::Sql(error) => matches!(
                error.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ConstraintViolation)
            ),
            #[cfg(feature = "postgres")]
            RecordError::Database(error) => error.is_about_the_data(),
            _ => false,
        }
    }
}

/// Where records are written: the SQLite [`Store`] or, with the `postgres`
/// feature, a PostgreSQL database; the [`Recorder`] works with any.
pub(crate) trait RecordSink: Send {
    /// Stores `records` in one transaction: all of them or, on an error,
    /// none. A record whose id is already stored is skipped, since the same
    /// id is the same decision. Returns how many were new.
    fn write(&mut self, records: &[Record]) -> Result<usize, RecordError>;
}

/// Where records are read from.
pub(crate) trait RecordSource {
    /// The decision whose id starts with `prefix` (lowercase hex).
    fn find(&mut self, prefix: &str) -> Result<Lookup, RecordError>;
    /// The records `filter` selects, newest first.
    fn list(&mut self, filter: &LogFilter) -> Result<Vec<Record>, RecordError>;
}

/// One recorded decision, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// The full decision id, 64 hex characters.
    pub(crate) id: String,
    /// When it was recorded, RFC 3339 in UTC with milliseconds.
    pub(crate) recorded_at: String,
    pub(crate) policy_id: String,
    pub(crate) policy_version: String,
    pub(crate) policy_sha256: String,
    /// The outcome's keyword: `approve`, `deny`, `review`, `needs_info`.
    pub(crate) outcome: String,
    pub(crate) rule_id: String,
    /// The request as it was decided: [`request_json`].
    pub(crate) request_json: String,
    /// The decision, trace included, in the documented JSON format.
    pub(crate) decision_json: String,
    /// The decision for people, as `ruling decide` printed it (no colour):
    /// kept because the JSON alone does not tell a decimal from a text.
    pub(crate) decision_text: String,
}

impl Record {
    /// The record of `decision`, made by `policy` on the decoded `request`,
    /// stamped with the current time.
    pub(crate) fn new(policy: &Policy, request: &Request, decision: &Decision) -> Self {
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
    pub(crate) fn to_json(&self) -> serde_json::Value {
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
pub(crate) fn request_json(root: &Object, request: &Request) -> String {
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
pub(crate) struct LogFilter {
    pub(crate) outcome: Option<Outcome>,
    pub(crate) policy: Option<String>,
    /// Recorded on or after this day (UTC).
    pub(crate) since: Option<NaiveDate>,
    /// Recorded on or before this day (UTC).
    pub(crate) until: Option<NaiveDate>,
    /// At most this many; `None` for all.
    pub(crate) limit: Option<u32>,
}

/// What an id prefix names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Found(Box<Record>),
    NotFound,
    /// More than one decision starts with the prefix: some of their ids.
    Ambiguous(Vec<String>),
}

/// The records a server keeps: read back by id from the store at a
/// [`RecordsAt`], and, when it records, written there through a
/// [`Recorder`]. Cloning shares the recorder and, for PostgreSQL, the pool
/// of reading connections.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    readers: Readers,
    recorder: Option<Recorder>,
}

/// How lookups reach the store.
#[derive(Clone, Debug)]
enum Readers {
    /// A read-only connection of its own for each lookup: opening a file is
    /// cheap.
    File(PathBuf),
    /// Connections kept open between lookups.
    #[cfg(feature = "postgres")]
    Postgres(std::sync::Arc<postgresql::pool::Pool>),
}

impl Readers {
    fn new(at: &RecordsAt) -> Result<Self, RecordError> {
        match at {
            RecordsAt::File(path) => Ok(Readers::File(path.clone())),
            #[cfg(feature = "postgres")]
            RecordsAt::Postgres(url) => Ok(Readers::Postgres(std::sync::Arc::new(
                postgresql::pool::Pool::new(url)?,
            ))),
            #[cfg(not(feature = "postgres"))]
            RecordsAt::Postgres(url) => Err(RecordError::PostgresNotBuilt(redact_url(url))),
        }
    }

    fn find(&self, prefix: &str) -> Result<Lookup, RecordError> {
        match self {
            Readers::File(path) => Store::open_read_only(path)?.find(prefix),
            #[cfg(feature = "postgres")]
            Readers::Postgres(pool) => pool.with(|store| store.find(prefix)),
        }
    }
}

impl Records {
    /// Records only read, for example by `ruling mcp`'s `why`. Fails only
    /// when `at` cannot name a store (a malformed URL); the store itself is
    /// reached at the first lookup.
    pub(crate) fn reading(at: &RecordsAt) -> Result<Self, RecordError> {
        Ok(Self {
            readers: Readers::new(at)?,
            recorder: None,
        })
    }

    /// Records written into the store at `at` by a writer thread started
    /// now; `report` hears when writing stops and starts again.
    pub(crate) fn recording(
        at: &RecordsAt,
        report: impl Fn(&RecordEvent) + Send + 'static,
    ) -> Result<Self, RecordError> {
        let readers = Readers::new(at)?;
        Ok(Self {
            readers,
            recorder: Some(Recorder::open(at.clone(), report)),
        })
    }

    /// Queues `record` without waiting; dropped and counted when the
    /// queue is full or nothing records.
    pub(crate) fn offer(&self, record: Record) -> Submitted {
        match &self.recorder {
            Some(recorder) => recorder.try_submit(record),
            None => Submitted::Dropped,
        }
    }

    /// Counts a decision that could not be made into a record as lost.
    pub(crate) fn lose(&self) -> Submitted {
        if let Some(recorder) = &self.recorder {
            recorder.count_dropped();
        }
        Submitted::Dropped
    }

    /// The decision whose id starts with `prefix`. Waits up to
    /// [`LOOKUP_WAIT`] for the records queued so far to be written, then
    /// reads: from a read-only SQLite connection of its own, or from a
    /// pooled PostgreSQL connection.
    pub(crate) fn find(&self, prefix: &str) -> Result<Lookup, RecordError> {
        if let Some(recorder) = &self.recorder {
            recorder.wait_until_settled(LOOKUP_WAIT);
        }
        self.readers.find(prefix)
    }

    /// Stops recording once every queued record is written or counted
    /// lost: what was recorded, or `None` when these records only read.
    pub(crate) fn finish(&self) -> Option<RecordSummary> {
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
    fn a_postgres_url_names_a_database_and_anything_else_a_file() {
        for url in [
            "postgres://ruling@127.0.0.1/db",
            "postgresql:///db?host=/run/postgresql",
            "POSTGRES://h/db",
        ] {
            assert_eq!(
                RecordsAt::parse(url.into()),
                RecordsAt::Postgres(url.to_owned())
            );
        }
        for path in ["ruling.db", "postgres.db", "./postgres://x", "postgres:/x"] {
            assert_eq!(RecordsAt::parse(path.into()), RecordsAt::File(path.into()));
        }
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        let shown = |url: &str| RecordsAt::Postgres(url.to_owned()).to_string();
        assert_eq!(
            shown("postgres://ana:s3cr:et@db.example:5432/records?sslmode=disable"),
            "postgres://ana:***@db.example:5432/records?sslmode=disable"
        );
        assert_eq!(
            shown("postgres://ana@db/records?password=s3cret&application_name=x"),
            "postgres://ana@db/records?password=***&application_name=x"
        );
        assert_eq!(
            shown("postgres://h?Password=x"),
            "postgres://h?Password=***"
        );
        assert_eq!(shown("postgresql:///db"), "postgresql:///db");
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

#[cfg(test)]
mod store_tests;
