//! The PostgreSQL record store: one database shared by every copy of
//! `ruling` that decides, so that a decision recorded by one is found by
//! all. Its table has the columns, ids and semantics of the SQLite store
//! ([`super::sqlite`]).
//!
//! - **Writing.** A record is inserted with `ON CONFLICT (id) DO NOTHING`:
//!   the id is the decision's, so writing it again (another copy, a batch
//!   run twice) stores nothing and counts it as already recorded. The
//!   records of one transaction are one statement, in id order, so that
//!   copies inserting the same decisions at once wait for each other
//!   rather than deadlock. A writer waits up to [`LOCK_PATIENCE`] for a
//!   lock another session holds.
//! - **Connections.** The writer keeps one connection. When the statement
//!   fails because the connection was lost (the database restarted, the
//!   network dropped it), it connects again and sends it once more, which
//!   is safe since writing is idempotent; when it cannot connect, the
//!   records are lost and counted ([`super::recorder`]). Lookups use a few
//!   pooled read-only connections ([`pool`]).
//! - **Schema.** Versioned migrations run when a writer connects
//!   ([`schema`]); readers create nothing.
//! - **Transport.** Plain TCP or a Unix socket: no TLS is built in, so a
//!   URL with `sslmode=require` is refused when connecting.

pub(crate) mod pool;
pub(crate) mod schema;

use std::time::Duration;

use postgres::{Client, Config, NoTls};

use super::sqlite::{COLUMNS, WRITE_PATIENCE};
use super::{LogFilter, Lookup, Record, RecordError, RecordSink, RecordSource, redact_url};
use crate::policy::Outcome;

/// How long connecting may take when the URL does not say
/// (`connect_timeout`): a host that does not answer costs each transaction
/// that long before its records are counted lost.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long data sent may go unacknowledged before the connection is
/// given up (`tcp_user_timeout`, Linux), when the URL does not say: a
/// server gone without closing the connection fails the statement then,
/// rather than hanging the writer.
pub(crate) const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a writer waits for a lock another session holds: as long as
/// a SQLite writer waits for the write lock.
pub(crate) const LOCK_PATIENCE: Duration = WRITE_PATIENCE;

/// How many times a statement is sent again after a lost connection, a
/// deadlock or a serialization failure.
const RETRIES: usize = 2;

/// An error from PostgreSQL or the connection to it, shown with its cause
/// (the `postgres` crate's own message leaves it out).
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(.0))]
pub(crate) struct DatabaseError(#[from] postgres::Error);

fn describe(error: &postgres::Error) -> String {
    match (error.as_db_error(), std::error::Error::source(error)) {
        (Some(db), _) => format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        ),
        (None, Some(cause)) => format!("{error}: {cause}"),
        (None, None) => error.to_string(),
    }
}

impl DatabaseError {
    fn sqlstate(&self) -> Option<&str> {
        self.0.code().map(|code| code.code())
    }

    /// Whether the data was refused (a broken constraint, a value that is
    /// not valid JSON): SQLSTATE classes 22 and 23.
    pub(crate) fn is_about_the_data(&self) -> bool {
        self.sqlstate()
            .is_some_and(|code| code.starts_with("22") || code.starts_with("23"))
    }

    /// Whether the connection is gone: an error that did not come from the
    /// server, a connection exception (08), or the server shutting down
    /// (57P).
    pub(crate) fn is_connection_lost(&self) -> bool {
        match self.sqlstate() {
            None => true,
            Some(code) => code.starts_with("08") || code.starts_with("57P"),
        }
    }

    /// A deadlock or serialization failure: the statement can be sent
    /// again as it is.
    fn is_worth_retrying(&self) -> bool {
        matches!(self.sqlstate(), Some("40001" | "40P01"))
    }

    fn is_undefined_table(&self) -> bool {
        self.sqlstate() == Some("42P01")
    }
}

/// Whether `error` means the connection it happened on is gone.
pub(crate) fn is_connection_lost(error: &RecordError) -> bool {
    match error {
        RecordError::Database(error) => error.is_connection_lost(),
        RecordError::Connect { .. } => true,
        _ => false,
    }
}

/// The connection settings of `url`, with ruling's defaults for what it
/// does not set: [`CONNECT_TIMEOUT`], [`TCP_USER_TIMEOUT`], and the
/// application name `ruling`.
pub(crate) fn config(url: &str) -> Result<Config, RecordError> {
    let mut config: Config = url.parse().map_err(|source| RecordError::BadUrl {
        url: redact_url(url),
        source: DatabaseError(source),
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("ruling");
    }
    Ok(config)
}

/// A connection to the records database.
pub(crate) struct PostgresStore {
    client: Client,
    config: Config,
    /// The URL without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shown)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` to record into, and brings its
    /// schema up to date ([`schema::migrate`]).
    pub(crate) fn open(url: &str) -> Result<Self, RecordError> {
        let mut store = Self::connect(config(url)?, redact_url(url), Session::Writer)?;
        schema::migrate(&mut store.client, &store.shown)?;
        Ok(store)
    }

    /// Connects to the database at `url` to read: the session is read-only
    /// and creates nothing. A database no decision was recorded into yet
    /// holds no records rather than being an error.
    pub(crate) fn open_read_only(url: &str) -> Result<Self, RecordError> {
        Self::connect(config(url)?, redact_url(url), Session::Reader)
    }

    fn connect(config: Config, shown: String, session: Session) -> Result<Self, RecordError> {
        let mut client = config
            .connect(NoTls)
            .map_err(|source| RecordError::Connect {
                url: shown.clone(),
                source: DatabaseError(source),
            })?;
        client
            .batch_execute(&session.settings())
            .map_err(DatabaseError::from)?;
        if matches!(session, Session::Reader) {
            schema::check(&mut client, &shown)?;
        }
        Ok(Self {
            client,
            config,
            shown,
        })
    }

    /// Whether the connection is known to be gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Stores `records` in one statement: all of them or, on an error,
    /// none. A record whose id is already stored is skipped, since the same
    /// id is the same decision. Returns how many were new.
    ///
    /// A lost connection is replaced and the statement sent again, as are a
    /// deadlock and a serialization failure, up to twice:
    /// records a lost connection had committed are then found already
    /// there, so none is counted twice.
    pub(crate) fn insert(&mut self, records: &[Record]) -> Result<usize, RecordError> {
        let mut sorted: Vec<&Record> = records.iter().collect();
        sorted.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let mut retries = 0;
        loop {
            match insert_sorted(&mut self.client, &sorted) {
                Ok(added) => return Ok(added),
                Err(error) if retries < RETRIES && error.is_connection_lost() => {
                    retries += 1;
                    *self =
                        Self::connect(self.config.clone(), self.shown.clone(), Session::Writer)?;
                }
                Err(error) if retries < RETRIES && error.is_worth_retrying() => retries += 1,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// The decision whose id starts with `prefix` (lowercase hex).
    pub(crate) fn find(&mut self, prefix: &str) -> Result<Lookup, RecordError> {
        let pattern = format!("{}%", escape_like(prefix));
        let query = format!("SELECT {COLUMNS} FROM decisions WHERE id LIKE $1 ORDER BY id LIMIT 6");
        let mut found = match self.client.query(&query, &[&pattern]) {
            Ok(rows) => rows
                .iter()
                .map(row_record)
                .collect::<Result<Vec<_>, _>>()
                .map_err(DatabaseError::from)?,
            Err(error) => return no_table_yet(error, Lookup::NotFound),
        };
        Ok(match found.len() {
            0 => Lookup::NotFound,
            1 => found
                .pop()
                .map_or(Lookup::NotFound, |record| Lookup::Found(Box::new(record))),
            _ => Lookup::Ambiguous(found.into_iter().map(|record| record.id).collect()),
        })
    }

    /// The records `filter` selects, newest first.
    pub(crate) fn list(&mut self, filter: &LogFilter) -> Result<Vec<Record>, RecordError> {
        // As in SQLite, dates compare as text: `recorded_at` is RFC 3339 in
        // UTC in the "C" collation, which sorts by time, and a bare
        // `YYYY-MM-DD` sorts before that day's times. `until` is
        // inclusive, so it compares with the next day.
        let outcome = filter.outcome.map(Outcome::keyword);
        let since = filter.since.map(|date| date.to_string());
        let until = filter
            .until
            .map(|date| date.succ_opt().unwrap_or(date).to_string());
        let limit = filter.limit.map(i64::from);
        let query = format!(
            "SELECT {COLUMNS} FROM decisions \
             WHERE ($1::text IS NULL OR outcome = $1) \
               AND ($2::text IS NULL OR policy_id = $2) \
               AND ($3::text IS NULL OR recorded_at >= $3) \
               AND ($4::text IS NULL OR recorded_at < $4) \
             ORDER BY recorded_at DESC, id LIMIT $5"
        );
        match self
            .client
            .query(&query, &[&outcome, &filter.policy, &since, &until, &limit])
        {
            Ok(rows) => Ok(rows
                .iter()
                .map(row_record)
                .collect::<Result<Vec<_>, _>>()
                .map_err(DatabaseError::from)?),
            Err(error) => no_table_yet(error, Vec::new()),
        }
    }

    /// How many decisions are stored (for the store's tests; programs
    /// count with SQL).
    #[cfg(test)]
    pub(crate) fn count(&mut self) -> Result<u64, RecordError> {
        match self.client.query_one("SELECT count(*) FROM decisions", &[]) {
            Ok(row) => {
                let count: i64 = row.try_get(0).map_err(DatabaseError::from)?;
                Ok(u64::try_from(count).unwrap_or_default())
            }
            Err(error) => no_table_yet(error, 0),
        }
    }
}

/// What a session is for, and so its settings.
#[derive(Clone, Copy)]
enum Session {
    Writer,
    Reader,
}

impl Session {
    fn settings(self) -> String {
        match self {
            Session::Writer => format!("SET lock_timeout = '{}s'", LOCK_PATIENCE.as_secs()),
            Session::Reader => "SET default_transaction_read_only = on".to_owned(),
        }
    }
}

/// `empty` when `error` says the table does not exist: nothing was
/// recorded into this database yet. Otherwise the error.
fn no_table_yet<T>(error: postgres::Error, empty: T) -> Result<T, RecordError> {
    let error = DatabaseError(error);
    if error.is_undefined_table() {
        Ok(empty)
    } else {
        Err(error.into())
    }
}

/// `text` with the characters `LIKE` gives a meaning escaped.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// Every record in one statement: each column as an array, unnested into
/// rows in the order given.
fn insert_sorted(client: &mut Client, records: &[&Record]) -> Result<usize, DatabaseError> {
    let column = |field: fn(&Record) -> &str| -> Vec<&str> {
        records.iter().map(|record| field(record)).collect()
    };
    let ids = column(|record| &record.id);
    let recorded_at = column(|record| &record.recorded_at);
    let policy_ids = column(|record| &record.policy_id);
    let policy_versions = column(|record| &record.policy_version);
    let policy_sha256s = column(|record| &record.policy_sha256);
    let outcomes = column(|record| &record.outcome);
    let rule_ids = column(|record| &record.rule_id);
    let requests = column(|record| &record.request_json);
    let decisions = column(|record| &record.decision_json);
    let texts = column(|record| &record.decision_text);
    let added = client.execute(
        &format!(
            "INSERT INTO decisions ({COLUMNS}) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                                  $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) \
             ON CONFLICT (id) DO NOTHING"
        ),
        &[
            &ids,
            &recorded_at,
            &policy_ids,
            &policy_versions,
            &policy_sha256s,
            &outcomes,
            &rule_ids,
            &requests,
            &decisions,
            &texts,
        ],
    )?;
    Ok(usize::try_from(added).unwrap_or(usize::MAX))
}

fn row_record(row: &postgres::Row) -> Result<Record, postgres::Error> {
    Ok(Record {
        id: row.try_get(0)?,
        recorded_at: row.try_get(1)?,
        policy_id: row.try_get(2)?,
        policy_version: row.try_get(3)?,
        policy_sha256: row.try_get(4)?,
        outcome: row.try_get(5)?,
        rule_id: row.try_get(6)?,
        request_json: row.try_get(7)?,
        decision_json: row.try_get(8)?,
        decision_text: row.try_get(9)?,
    })
}

impl RecordSink for PostgresStore {
    fn write(&mut self, records: &[Record]) -> Result<usize, RecordError> {
        self.insert(records)
    }
}

impl RecordSource for PostgresStore {
    fn find(&mut self, prefix: &str) -> Result<Lookup, RecordError> {
        PostgresStore::find(self, prefix)
    }

    fn list(&mut self, filter: &LogFilter) -> Result<Vec<Record>, RecordError> {
        PostgresStore::list(self, filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_the_prefix_literally() {
        assert_eq!(escape_like("3f9c"), "3f9c");
        assert_eq!(escape_like(r"a%b_c\d"), r"a\%b\_c\\d");
    }

    #[test]
    fn the_url_sets_what_it_says_and_ruling_the_rest() {
        let defaults = config("postgres://ruling@127.0.0.1:5433/records").unwrap();
        assert_eq!(defaults.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(defaults.get_tcp_user_timeout(), Some(&TCP_USER_TIMEOUT));
        assert_eq!(defaults.get_application_name(), Some("ruling"));
        assert_eq!(defaults.get_dbname(), Some("records"));
        let given =
            config("postgres://h/db?connect_timeout=3&application_name=desk&tcp_user_timeout=5")
                .unwrap();
        assert_eq!(given.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(given.get_tcp_user_timeout(), Some(&Duration::from_secs(5)));
        assert_eq!(given.get_application_name(), Some("desk"));
        let socket = config("postgresql:///db?host=/run/postgresql&port=5433").unwrap();
        assert_eq!(
            socket.get_hosts(),
            [postgres::config::Host::Unix("/run/postgresql".into())]
        );
    }

    #[test]
    fn a_malformed_url_is_refused_without_its_password() {
        let error = config("postgres://ana:s3cret@h:notaport/db").unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("`postgres://ana:***@h:notaport/db` is not a PostgreSQL URL"),
            "{message}"
        );
        assert!(!message.contains("s3cret"), "{message}");
    }
}

#[cfg(test)]
#[path = "../../../../tests/postgres_support.rs"]
#[allow(
    dead_code,
    reason = "shared with the integration tests, which use all of it"
)]
mod postgres_support;
#[cfg(test)]
mod store_tests;
