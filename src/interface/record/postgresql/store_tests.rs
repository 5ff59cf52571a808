//! The PostgreSQL store against a real server (the integration tests'
//! `postgres_support`): migrations run once, the same decision is stored
//! once, a failed transaction leaves nothing, and it reads back what the
//! SQLite store does (moved here from the integration tests, as they use
//! the store directly).

use std::path::PathBuf;

use crate::interface::record::postgresql::PostgresStore;
use crate::interface::record::store_tests::{POLICY, record, request};
use crate::interface::record::{LogFilter, Lookup, Record, RecordError, Store};
use crate::policy::Outcome;
use crate::policy::folder::read_policy;

use super::postgres_support::database;

/// The crate's root folder, where `policies/` is.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_same_decision_is_stored_once() {
    let Some(url) = database("the_same_decision_is_stored_once") else {
        return;
    };
    let mut store = PostgresStore::open(&url).unwrap();
    assert_eq!(store.insert(&[record(1), record(2)]).unwrap(), 2);
    assert_eq!(
        store.insert(&[record(1)]).unwrap(),
        0,
        "same id, same decision"
    );
    assert_eq!(
        store.insert(&[record(3), record(1), record(3)]).unwrap(),
        1,
        "twice in one transaction"
    );
    assert_eq!(store.count().unwrap(), 3);

    // A record the table refuses fails its transaction, which leaves
    // nothing; the error says so, and the recorder then writes the others
    // one at a time.
    let mut broken = record(20);
    broken.id = "not an id".into();
    let error = store.insert(&[record(21), broken, record(22)]).unwrap_err();
    assert!(error.is_about_the_records(), "{error}");
    assert!(error.to_string().contains("check constraint"), "{error}");
    let mut bad_json = record(23);
    bad_json.request_json = "{".into();
    let error = store.insert(&[record(24), bad_json]).unwrap_err();
    assert!(error.is_about_the_records(), "{error}");
    assert_eq!(store.count().unwrap(), 3);
}

/// The tables of the `public` schema.
fn tables(url: &str) -> Vec<String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The migrations applied, in order.
fn versions(url: &str) -> Vec<i32> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query("SELECT version FROM ruling_schema_version ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn migrations_run_on_an_empty_database_and_once_only() {
    let Some(url) = database("migrations_run_on_an_empty_database_and_once_only") else {
        return;
    };
    // A reader of an empty database finds nothing and creates nothing.
    let mut reader = PostgresStore::open_read_only(&url).unwrap();
    assert_eq!(reader.count().unwrap(), 0);
    assert_eq!(reader.find("0676b6d2").unwrap(), Lookup::NotFound);
    assert!(reader.list(&LogFilter::default()).unwrap().is_empty());
    assert!(tables(&url).is_empty(), "{:?}", tables(&url));

    // Writers starting at once on the empty database: one migrates.
    let opened: Vec<Result<PostgresStore, RecordError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| PostgresStore::open(&url)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for store in &opened {
        assert!(store.is_ok(), "{store:?}");
    }
    assert_eq!(tables(&url), ["decisions", "ruling_schema_version"]);
    assert_eq!(versions(&url), [1]);

    // On a database already migrated, with records, nothing changes.
    PostgresStore::open(&url)
        .unwrap()
        .insert(&[record(1)])
        .unwrap();
    let mut again = PostgresStore::open(&url).unwrap();
    assert_eq!(versions(&url), [1]);
    assert_eq!(again.count().unwrap(), 1);
    assert_eq!(reader.count().unwrap(), 1, "the reader sees the table now");

    // A database migrated by a newer ruling is refused, by writers and
    // readers alike.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .execute(
            "INSERT INTO ruling_schema_version (version) VALUES (99)",
            &[],
        )
        .unwrap();
    for error in [
        PostgresStore::open(&url).unwrap_err(),
        PostgresStore::open_read_only(&url).unwrap_err(),
    ] {
        assert!(
            matches!(error, RecordError::NewerSchema { found: 99, .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("`{url}` holds decision records of a newer ruling (schema 99)")
        );
    }
}

/// The record of deciding `json` by the policy of [`POLICY`].
fn record_of(json: &str) -> Record {
    let policy = read_policy(&root().join(POLICY)).unwrap();
    let decoded =
        crate::request::decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
    let decision = crate::decide(&policy, &decoded).unwrap();
    Record::new(&policy, &decoded, &decision)
}

/// Thirty records on ten days, of two policies and two outcomes, and one
/// whose strings hold characters PostgreSQL's text refuses unescaped (NUL)
/// or that JSON escapes.
fn varied_records() -> Vec<Record> {
    let unusual = record_of(&request(0).replace(
        "Channels stopped loading.",
        r#"NUL \u0000, quote \", backslash \\, tab \t, é ✓"#,
    ));
    (0..30)
        .map(|n| {
            let mut record = record(100 + n);
            record.recorded_at = format!("2025-03-{:02}T{:02}:00:00.000Z", 1 + n % 10, n % 24);
            if n % 3 == 0 {
                record.outcome = Outcome::Deny.keyword().to_owned();
            }
            if n % 4 == 0 {
                record.policy_id = "steam".to_owned();
            }
            record
        })
        .chain([unusual])
        .collect()
}

#[test]
fn postgres_reads_back_what_sqlite_does() {
    let Some(url) = database("postgres_reads_back_what_sqlite_does") else {
        return;
    };
    let records = varied_records();
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = Store::open(&dir.path().join("records.db")).unwrap();
    let mut postgres = PostgresStore::open(&url).unwrap();
    assert_eq!(sqlite.insert(&records).unwrap(), 31);
    assert_eq!(postgres.insert(&records).unwrap(), 31);

    let day = |text: &str| Some(text.parse().unwrap());
    let filters = [
        LogFilter::default(),
        LogFilter {
            outcome: Some(Outcome::Deny),
            ..LogFilter::default()
        },
        LogFilter {
            policy: Some("steam".to_owned()),
            limit: Some(4),
            ..LogFilter::default()
        },
        LogFilter {
            since: day("2025-03-03"),
            until: day("2025-03-05"),
            ..LogFilter::default()
        },
        LogFilter {
            until: day("2025-03-01"),
            ..LogFilter::default()
        },
        LogFilter {
            since: day("2025-03-10"),
            outcome: Some(Outcome::Approve),
            limit: Some(1),
            ..LogFilter::default()
        },
    ];
    for filter in &filters {
        let expected = sqlite.list(filter).unwrap();
        assert_eq!(postgres.list(filter).unwrap(), expected, "{filter:?}");
    }
    // Whole ids, 8-character prefixes, and one-character prefixes, which
    // several ids share.
    let mut prefixes: Vec<String> = "0123456789abcdef".chars().map(String::from).collect();
    for record in &records {
        prefixes.push(record.id.clone());
        prefixes.push(record.id[..8].to_owned());
    }
    prefixes.push("00000000".to_owned());
    let mut ambiguous = 0;
    for prefix in &prefixes {
        let expected = sqlite.find(prefix).unwrap();
        ambiguous += usize::from(matches!(expected, Lookup::Ambiguous(_)));
        assert_eq!(postgres.find(prefix).unwrap(), expected, "{prefix}");
    }
    assert!(ambiguous > 0);
}
