//! The PostgreSQL schema, as numbered migrations.
//!
//! The table `ruling_schema_version` holds one row per migration applied.
//! A writer, when it connects, applies those not applied yet in one
//! transaction, holding an advisory lock so that copies starting at once
//! take turns; on a database already up to date it changes nothing. A
//! database whose schema is newer than this ruling knows is refused, by
//! writers and readers alike. A migration is never edited once released:
//! a change of schema is a new one, appended.
//!
//! The first migration needs the privilege to create tables in the
//! schema; once the database is up to date, a writer needs only `SELECT`
//! and `INSERT` on `decisions` and `SELECT` on `ruling_schema_version`,
//! and a reader `SELECT` on both.

use postgres::{Client, GenericClient};

use super::DatabaseError;
use crate::interface::record::RecordError;

/// A change of schema, applied once.
pub(crate) struct Migration {
    pub(crate) version: i32,
    pub(crate) sql: &'static str,
}

/// Every migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    // The columns of the SQLite store. Ids and times are in the "C"
    // collation, which compares bytes: the primary key then answers id
    // prefix lookups (`LIKE 'abc%'`), and RFC 3339 times sort by time as
    // text whatever the database's locale. JSON is kept as the text
    // written, checked to be JSON.
    sql: r#"
CREATE TABLE decisions (
    id             TEXT COLLATE "C" PRIMARY KEY
                   CHECK (id ~ '^[0-9a-f]{64}$'),
    recorded_at    TEXT COLLATE "C" NOT NULL,
    policy_id      TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_sha256  TEXT NOT NULL,
    outcome        TEXT NOT NULL
                   CHECK (outcome IN ('approve', 'deny', 'review', 'needs_info')),
    rule_id        TEXT NOT NULL,
    request_json   TEXT NOT NULL CHECK (request_json::json IS NOT NULL),
    decision_json  TEXT NOT NULL CHECK (decision_json::json IS NOT NULL),
    decision_text  TEXT NOT NULL
);
CREATE INDEX decisions_by_time ON decisions (recorded_at);
"#,
}];

/// The schema version this ruling writes: the last migration's.
pub(crate) const SCHEMA_VERSION: i32 = 1;

/// The advisory lock migrations hold: "ruling" in ASCII.
const MIGRATION_LOCK: i64 = 0x7275_6c69_6e67;

const VERSION_TABLE: &str = "
CREATE TABLE ruling_schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// Applies the migrations the database at `shown` lacks, in one
/// transaction: all of them, or none.
pub(crate) fn migrate(client: &mut Client, shown: &str) -> Result<(), RecordError> {
    let mut transaction = client.transaction().map_err(DatabaseError::from)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(DatabaseError::from)?;
    // Looked up rather than `CREATE TABLE IF NOT EXISTS`, which needs the
    // privilege to create even when the table is there.
    if !has_table(&mut transaction, "ruling_schema_version")? {
        transaction
            .batch_execute(VERSION_TABLE)
            .map_err(DatabaseError::from)?;
    }
    let found = applied(&mut transaction, shown)?;
    for migration in MIGRATIONS
        .iter()
        .filter(|migration| migration.version > found)
    {
        transaction
            .batch_execute(migration.sql)
            .map_err(DatabaseError::from)?;
        transaction
            .execute(
                "INSERT INTO ruling_schema_version (version) VALUES ($1)",
                &[&migration.version],
            )
            .map_err(DatabaseError::from)?;
    }
    transaction.commit().map_err(DatabaseError::from)?;
    Ok(())
}

/// Refuses a database whose schema is newer than this ruling knows;
/// changes nothing.
pub(crate) fn check(client: &mut Client, shown: &str) -> Result<(), RecordError> {
    if has_table(client, "ruling_schema_version")? {
        applied(client, shown)?;
    }
    Ok(())
}

/// The last migration applied, 0 for none; an error when it is newer than
/// [`SCHEMA_VERSION`].
fn applied(client: &mut impl GenericClient, shown: &str) -> Result<i32, RecordError> {
    let found: i32 = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM ruling_schema_version",
            &[],
        )
        .and_then(|row| row.try_get(0))
        .map_err(DatabaseError::from)?;
    if found > SCHEMA_VERSION {
        return Err(RecordError::NewerSchema {
            store: shown.to_owned(),
            found: i64::from(found),
        });
    }
    Ok(found)
}

fn has_table(client: &mut impl GenericClient, name: &str) -> Result<bool, RecordError> {
    Ok(client
        .query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&name])
        .and_then(|row| row.try_get(0))
        .map_err(DatabaseError::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_version_is_the_last_migration_and_versions_only_grow() {
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
        assert!(
            MIGRATIONS
                .windows(2)
                .all(|pair| pair[0].version < pair[1].version)
        );
        assert!(MIGRATIONS.first().is_some_and(|first| first.version > 0));
    }
}
