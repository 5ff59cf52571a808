//! Recording under contention and failure: writers wait for each other and
//! for a long transaction, readers never wait for a writer, every request
//! that decodes is recordable, and a store that cannot be written loses
//! records loudly, never decisions.

use std::path::Path;
use std::time::Duration;

use ruling::interface::record::Store;
use serde_json::{Value, json};

use crate::cli::{Run, ruling_in};
use crate::serve::Server;
use crate::support::{
    REQUEST, decide_on, exchange, ndjson, policy_path, request, root, wait_until,
};

/// How long a test waits for something that should happen at once.
const PATIENCE: Duration = Duration::from_secs(30);

/// How long a test holds the write lock: longer than a writer used to wait
/// for it (5 s) before giving up.
const HELD: Duration = Duration::from_secs(6);

/// Opens the database at `path` as another program would, and takes the
/// write lock until the connection is dropped.
fn hold_write_lock(path: &Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.execute_batch("BEGIN IMMEDIATE").unwrap();
    connection
}

/// Records one decision into `db`, so that the database exists.
fn record_one(db: &Path) -> String {
    let dir = db.parent().unwrap();
    let request_file = dir.join("one.json");
    std::fs::write(&request_file, REQUEST).unwrap();
    let flag = format!("--record={}", db.display());
    let run = ruling_in(
        dir,
        &[
            "decide",
            &policy_path(),
            request_file.to_str().unwrap(),
            "--format",
            "json",
            &flag,
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let decision: Value = serde_json::from_str(&run.stdout).unwrap();
    decision["id"].as_str().unwrap().to_owned()
}

fn count(db: &Path) -> u64 {
    Store::open_read_only(db).unwrap().count().unwrap()
}

#[test]
fn six_batch_writers_all_finish_while_another_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    record_one(&db);
    let flag = format!("--record={}", db.display());
    let policy = policy_path();
    const LINES: usize = 400;
    let inputs: Vec<String> = (0..6)
        .map(|index| ndjson(dir.path(), &format!("{index}.ndjson"), index * LINES, LINES))
        .collect();
    let holder = hold_write_lock(&db);
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .iter()
            .enumerate()
            .map(|(index, input)| {
                // both the sequential and the parallel pipeline
                let jobs = if index % 2 == 0 { "1" } else { "2" };
                let args = [
                    "decide",
                    policy.as_str(),
                    "--ndjson",
                    input.as_str(),
                    "--jobs",
                    jobs,
                    flag.as_str(),
                ];
                let folder = dir.path();
                scope.spawn(move || ruling_in(folder, &args, None))
            })
            .collect();
        std::thread::sleep(HELD);
        drop(holder);
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout.lines().count(), LINES);
    }
    assert_eq!(count(&db), 1 + 6 * LINES as u64);
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn why_and_log_read_while_a_writer_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("records.db");
    let id = record_one(&db);
    let flag = format!("--record={}", db.display());
    let _holder = hold_write_lock(&db);
    let why = ruling_in(dir.path(), &["why", &id[..8], &flag], None);
    assert_eq!(why.code, 0, "{}", why.stderr);
    assert!(why.stdout.starts_with(&format!("decision {id}\n")));
    let log = ruling_in(dir.path(), &["log", &flag], None);
    assert_eq!(log.code, 0, "{}", log.stderr);
    assert!(log.stdout.starts_with(&id[..12]), "{}", log.stdout);
}

/// A request with a UTF-8 byte order mark before it, and one with an
/// undeclared member nested 2,000 deep: both decode, so both are recorded.
fn unusual_lines() -> [String; 2] {
    let bom = format!("\u{feff}{}", compact(&request(1)));
    let deep = format!("{}{}{}", "{\"x\":".repeat(2000), "1", "}".repeat(2000));
    let nested = compact(&request(2)).replacen('{', &format!("{{\"ticket\":{deep},"), 1);
    [bom, nested]
}

fn compact(json: &str) -> String {
    serde_json::from_str::<Value>(json).unwrap().to_string()
}

#[test]
fn every_line_that_decodes_is_recorded_bom_and_deep_members_included() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("records.db");
    let flag = format!("--record={}", db.display());
    let [bom, nested] = unusual_lines();
    let input = format!(
        "{}\n{bom}\n{nested}\n{}\n",
        compact(&request(0)),
        compact(&request(3))
    );
    for jobs in ["1", "2"] {
        let run = ruling_in(
            dir.path(),
            &[
                "decide",
                &policy_path(),
                "--ndjson",
                "-",
                "--jobs",
                jobs,
                &flag,
            ],
            Some(input.as_bytes()),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let decided: Vec<Value> = run
            .stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(decided.len(), 4, "{}", run.stdout);
        assert!(decided.iter().all(|line| line["outcome"] == "approve"));
        // what is recorded is what was decided: the declared fields only
        let id = decided[2]["id"].as_str().unwrap();
        let why = ruling_in(dir.path(), &["why", id, &flag, "--format", "json"], None);
        assert_eq!(why.code, 0, "{}", why.stderr);
        let shown: Value = serde_json::from_str(&why.stdout).unwrap();
        assert_eq!(shown["request"]["purchase"]["invoice_number"], "INV-1001");
        assert!(
            shown["request"].get("ticket").is_none(),
            "{}",
            shown["request"]
        );
    }
    assert_eq!(count(&db), 4);

    // one request on its own, from a file that starts with a byte order mark
    let file = dir.path().join("bom.json");
    std::fs::write(&file, format!("\u{feff}{}", request(4))).unwrap();
    let one = ruling_in(
        dir.path(),
        &["decide", &policy_path(), file.to_str().unwrap(), &flag],
        None,
    );
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(count(&db), 5);
}

#[test]
fn a_store_that_cannot_be_written_loses_records_loudly_and_no_decision() {
    let dir = tempfile::tempdir().unwrap();
    // a folder where the database file should be: SQLite cannot open it
    let db = dir.path().join("records.db");
    std::fs::create_dir(&db).unwrap();
    let flag = format!("--record={}", db.display());
    let input = ndjson(dir.path(), "in.ndjson", 0, 50);
    for jobs in ["1", "2"] {
        let run = ruling_in(
            dir.path(),
            &[
                "decide",
                &policy_path(),
                "--ndjson",
                &input,
                "--jobs",
                jobs,
                &flag,
            ],
            None,
        );
        assert_eq!(run.code, 4, "{}", run.stderr);
        assert_eq!(run.stdout.lines().count(), 50, "every decision is printed");
        assert!(
            run.stderr.contains("50 of 50 decisions were not recorded"),
            "{}",
            run.stderr
        );
    }
    let file = dir.path().join("one.json");
    std::fs::write(&file, REQUEST).unwrap();
    let one = ruling_in(
        dir.path(),
        &["decide", &policy_path(), file.to_str().unwrap(), &flag],
        None,
    );
    assert_eq!(one.code, 4, "{}", one.stderr);
    assert!(one.stdout.contains("approve"), "{}", one.stdout);
    assert!(
        one.stderr.contains("the decision was not recorded"),
        "{}",
        one.stderr
    );
}

#[test]
fn the_server_answers_while_another_process_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("served.db");
    let flag = format!("--record={}", db.display());
    let server = Server::start(&root().join("policies"), &[flag.as_str()]);
    let addr = server.addr().to_owned();
    let holder = hold_write_lock(&db);
    let mut ids = Vec::new();
    for n in 0..4 {
        let decision = decide_on(&addr, n, PATIENCE);
        ids.push(decision["id"].as_str().unwrap().to_owned());
        let (status, _, health) = exchange(&addr, "GET", "/healthz", "", PATIENCE);
        assert_eq!((status, &health["status"]), (200, &json!("ok")));
    }
    drop(holder);
    // Once the lock is free the queued records are written, and a lookup
    // waits for the records still queued.
    for id in &ids {
        let mut record = Value::Null;
        wait_until(&format!("{id} to be recorded"), PATIENCE, || {
            let path = format!("/v1/decisions/{id}");
            let (status, _, found) = exchange(&addr, "GET", &path, "", PATIENCE);
            record = found;
            status == 200
        });
        assert_eq!(record["id"], id.as_str());
    }
    assert_eq!(count(&db), 4);
}
