//! Decision records in PostgreSQL, against a real server
//! (`postgres_support`): copies of `ruling` share one database, writes are
//! idempotent, migrations run once, the store reads back what SQLite does,
//! and a database that is down or dies loses records loudly, never
//! decisions.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ruling::interface::record::postgresql::PostgresStore;
use ruling::interface::record::{LogFilter, Lookup, Record, RecordError, Store};
use ruling::policy::Outcome;
use serde_json::{Value, json};

use crate::cli::{Run, ruling_in};
use crate::postgres_support::{database, free_port, private, socket_url};
use crate::serve::Server;
use crate::support::{
    decide_on, exchange, ndjson, policy_path, record, record_of, request, root, wait_until,
};

/// How long a test waits for something that should happen soon; generous,
/// since CI machines are slow.
const PATIENCE: Duration = Duration::from_secs(60);

/// Lines the batch reads before deciding them: a batch recorded `CHUNK`
/// lines at a time is in a known state between chunks.
const CHUNK: usize = 1024;

fn count(url: &str) -> u64 {
    PostgresStore::open_read_only(url).unwrap().count().unwrap()
}

/// `GET /v1/decisions/{id}` on `server` until it answers 200 (a record
/// another process writes arrives when its writer gets to it).
fn lookup_until_found(server: &Server, id: &str) -> Value {
    let path = format!("/v1/decisions/{id}");
    let mut last = Value::Null;
    wait_until(
        &format!("{id} to be found on {}", server.addr()),
        PATIENCE,
        || {
            let (status, _, record) = exchange(server.addr(), "GET", &path, "", PATIENCE);
            assert!(status == 200 || status == 404, "{status}: {record}");
            last = record;
            status == 200
        },
    );
    last
}

#[test]
fn two_servers_on_one_database_find_each_others_decisions() {
    let Some(url) = database("two_servers_on_one_database_find_each_others_decisions") else {
        return;
    };
    let flag = format!("--record={url}");
    let policies = root().join("policies");
    let first = Server::start(&policies, &[&flag]);
    let second = Server::start(&policies, &[&flag]);

    let decision = decide_on(first.addr(), 1, PATIENCE);
    let id = decision["id"].as_str().unwrap();
    let found = lookup_until_found(&second, id);
    assert_eq!(found["id"], id);
    assert_eq!(found["decision"], decision);
    assert_eq!(
        found["request"]["request"]["explanation"],
        "Channels stopped loading (1)."
    );

    // the other way round, by a prefix
    let other = decide_on(second.addr(), 2, PATIENCE);
    let other_id = other["id"].as_str().unwrap();
    let found = lookup_until_found(&first, &other_id[..12]);
    assert_eq!(found["decision"], other);

    // The same decision made on the other server is the same record.
    assert_eq!(decide_on(second.addr(), 1, PATIENCE)["id"], id);
    let (status, _, again) = exchange(
        second.addr(),
        "GET",
        &format!("/v1/decisions/{id}"),
        "",
        PATIENCE,
    );
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, lookup_until_found(&first, id));
    assert_eq!(count(&url), 2);
}

/// A running `ruling decide --ndjson -` whose input is written as the
/// test goes.
struct Batch {
    child: Child,
    output: std::thread::JoinHandle<(String, String)>,
}

impl Batch {
    fn start(flag: &str) -> Batch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ruling"))
            .args([
                "decide",
                &policy_path(),
                "--ndjson",
                "-",
                "--jobs",
                "1",
                flag,
            ])
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let output = std::thread::spawn(move || {
            let errors = std::thread::spawn(move || {
                let mut text = String::new();
                stderr.read_to_string(&mut text).unwrap();
                text
            });
            let mut text = String::new();
            stdout.read_to_string(&mut text).unwrap();
            (text, errors.join().unwrap())
        });
        Batch { child, output }
    }

    /// Writes the requests `first..first + count`, one per line.
    fn send(&mut self, first: usize, count: usize) {
        let stdin = self.child.stdin.as_mut().unwrap();
        for n in first..first + count {
            let line = serde_json::from_str::<Value>(&request(n))
                .unwrap()
                .to_string();
            writeln!(stdin, "{line}").unwrap();
        }
        stdin.flush().unwrap();
    }

    /// Ends the input and waits for the batch to end.
    fn finish(mut self) -> Run {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + PATIENCE * 2;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the batch did not end");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let (stdout, stderr) = self.output.join().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }
}

#[test]
fn a_database_killed_during_a_batch_loses_records_loudly_and_no_decision() {
    let Some(cluster) =
        private("a_database_killed_during_a_batch_loses_records_loudly_and_no_decision")
    else {
        return;
    };
    let url = cluster.create_database("records");
    let mut batch = Batch::start(&format!("--record={url}"));
    batch.send(0, CHUNK);
    wait_until("the first chunk to be recorded", PATIENCE, || {
        count(&url) == CHUNK as u64
    });

    // Another session locks the table, so the next chunk's records wait
    // in the middle of their statement; then the server dies.
    let mut locker = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut lock = locker.transaction().unwrap();
    lock.batch_execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    batch.send(CHUNK, CHUNK);
    wait_until("the writer to wait for the lock", PATIENCE, || {
        let waiting: i64 = lock
            .query_one("SELECT count(*) FROM pg_locks WHERE NOT granted", &[])
            .unwrap()
            .get(0);
        waiting > 0
    });
    cluster.kill();
    drop(lock);
    drop(locker);

    let run = batch.finish();
    assert_eq!(run.code, 4, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2 * CHUNK, "every decision is printed");
    assert!(lines.iter().all(|line| line["outcome"] == "approve"));
    assert!(
        run.stderr.contains(&format!(
            "{CHUNK} newly recorded, 0 already recorded, {CHUNK} not recorded"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "error: {CHUNK} of {} decisions were not recorded: ",
            2 * CHUNK
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: decisions are not being recorded: "),
        "told as it happened: {}",
        run.stderr
    );

    // What was said to be recorded is there, and nothing else.
    cluster.restart();
    assert_eq!(count(&url), CHUNK as u64);
    let mut store = PostgresStore::open_read_only(&url).unwrap();
    for line in &lines[..CHUNK] {
        let id = line["id"].as_str().unwrap();
        assert!(matches!(store.find(id).unwrap(), Lookup::Found(_)), "{id}");
    }

    // Run again, the batch stores what was lost and nothing twice.
    let dir = tempfile::tempdir().unwrap();
    let input = ndjson(dir.path(), "all.ndjson", 0, 2 * CHUNK);
    let again = ruling_in(
        dir.path(),
        &[
            "decide",
            &policy_path(),
            "--ndjson",
            &input,
            &format!("--record={url}"),
        ],
        None,
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains(&format!(
            "{CHUNK} newly recorded, {CHUNK} already recorded, 0 not recorded"
        )),
        "{}",
        again.stderr
    );
    assert_eq!(count(&url), 2 * CHUNK as u64);
}

#[test]
fn a_database_that_is_down_loses_records_loudly_and_no_decision() {
    let dir = tempfile::tempdir().unwrap();
    // nothing listens on the port: the database is down
    let url = format!("postgres://ruling@127.0.0.1:{}/records", free_port());
    let flag = format!("--record={url}");
    let refused = format!("cannot connect to the decision records at `{url}`: ");
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
            run.stderr.contains(&format!(
                "error: 50 of 50 decisions were not recorded: {refused}"
            )),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!(
                "error: decisions are not being recorded: {refused}"
            )),
            "{}",
            run.stderr
        );
    }
    let file = dir.path().join("one.json");
    std::fs::write(&file, request(0)).unwrap();
    let one = ruling_in(
        dir.path(),
        &["decide", &policy_path(), file.to_str().unwrap(), &flag],
        None,
    );
    assert_eq!(one.code, 4, "{}", one.stderr);
    assert!(one.stdout.contains("approve"), "{}", one.stdout);
    assert!(
        one.stderr
            .contains(&format!("error: the decision was not recorded: {refused}")),
        "{}",
        one.stderr
    );

    // A server that cannot reach its database at the start refuses to
    // start; readers say why they cannot read.
    let policies = root().join("policies").display().to_string();
    let serve = ruling_in(
        dir.path(),
        &["serve", "--addr", "127.0.0.1:0", &flag, &policies],
        None,
    );
    assert_eq!(serve.code, 4, "{}", serve.stderr);
    assert!(serve.stderr.contains(&refused), "{}", serve.stderr);
    for args in [vec!["why", "0676b6d2", &flag], vec!["log", &flag]] {
        let run = ruling_in(dir.path(), &args, None);
        assert_eq!(run.code, 4, "{}", run.stderr);
        assert!(run.stderr.contains(&refused), "{}", run.stderr);
    }

    // A password is never shown; a URL that cannot be used is refused.
    let secret = format!(
        "--record=postgres://ruling:s3cret@127.0.0.1:{}/records",
        free_port()
    );
    let why = ruling_in(dir.path(), &["why", "0676b6d2", &secret], None);
    assert_eq!(why.code, 4, "{}", why.stderr);
    assert!(
        why.stderr.contains("postgres://ruling:***@127.0.0.1:"),
        "{}",
        why.stderr
    );
    assert!(!why.stderr.contains("s3cret"), "{}", why.stderr);
    let mcp = ruling_in(
        dir.path(),
        &[
            "mcp",
            "--record=postgres://127.0.0.1:notaport/records",
            &policies,
        ],
        Some(b""),
    );
    assert_eq!(mcp.code, 4, "{}", mcp.stderr);
    assert!(
        mcp.stderr
            .contains("`postgres://127.0.0.1:notaport/records` is not a PostgreSQL URL"),
        "{}",
        mcp.stderr
    );
}

#[test]
fn a_server_records_across_a_restart_of_the_database() {
    let Some(cluster) = private("a_server_records_across_a_restart_of_the_database") else {
        return;
    };
    let url = cluster.create_database("records");
    let server = Server::start(&root().join("policies"), &[&format!("--record={url}")]);
    let before = decide_on(server.addr(), 1, PATIENCE);
    let before_id = before["id"].as_str().unwrap();
    assert_eq!(lookup_until_found(&server, before_id)["decision"], before);

    // Restarted between two writes: the writer and the lookups connect
    // again, and nothing is lost.
    cluster.kill();
    cluster.restart();
    let after_restart = decide_on(server.addr(), 2, PATIENCE);
    let id = after_restart["id"].as_str().unwrap();
    assert_eq!(lookup_until_found(&server, id)["decision"], after_restart);
    assert_eq!(lookup_until_found(&server, before_id)["decision"], before);

    // Down: decisions are answered, their records lost and logged, and
    // lookups fail with the `records` error.
    cluster.kill();
    let lost = decide_on(server.addr(), 3, PATIENCE);
    server.wait_for("ruling: decisions are not being recorded: ");
    let (status, _, error) = exchange(
        server.addr(),
        "GET",
        &format!("/v1/decisions/{before_id}"),
        "",
        PATIENCE,
    );
    assert_eq!(status, 500, "{error}");
    assert_eq!(error["error"]["kind"], "records", "{error}");

    // Up again: the next record is written, and the loss is counted.
    cluster.restart();
    let after = decide_on(server.addr(), 4, PATIENCE);
    server.wait_for("ruling: decisions are recorded again; 1 were not recorded meanwhile");
    let after_id = after["id"].as_str().unwrap();
    assert_eq!(lookup_until_found(&server, after_id)["decision"], after);
    let (status, _, _) = exchange(
        server.addr(),
        "GET",
        &format!("/v1/decisions/{}", lost["id"].as_str().unwrap()),
        "",
        PATIENCE,
    );
    assert_eq!(status, 404, "the record lost while the database was down");
    assert_eq!(count(&url), 3);
}

/// Runs `ruling` in `dir` with `$RULING_RECORDS` set to `records`.
fn ruling_with_records(dir: &Path, records: &str, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_ruling"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RULING_RECORDS", records)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn why_log_and_the_mcp_why_tool_read_from_postgres() {
    let Some(url) = database("why_log_and_the_mcp_why_tool_read_from_postgres") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let record = format!("--record={url}");
    let policy = policy_path();
    let case = |name: &str| {
        root()
            .join("policies/iptv-smarters-pro/cases")
            .join(name)
            .display()
            .to_string()
    };
    let run = |args: &[&str]| ruling_in(dir.path(), args, None);

    let decided = run(&[
        "decide",
        &policy,
        &case("approve-within-window.json"),
        "--format",
        "json",
        &record,
    ]);
    assert_eq!(decided.code, 0, "{}", decided.stderr);
    let decision: Value = serde_json::from_str(&decided.stdout).unwrap();
    let id = decision["id"].as_str().unwrap().to_owned();
    let late = run(&[
        "decide",
        &policy,
        &case("change-of-mind-late.json"),
        &record,
    ]);
    assert_eq!(late.code, 0, "{}", late.stderr);

    // why: by a prefix, as text and as the stored JSON
    let why = run(&["why", &id[..8], &record]);
    assert_eq!(why.code, 0, "{}", why.stderr);
    assert!(why.stdout.starts_with(&format!("decision {id}\nrecorded ")));
    assert!(
        why.stdout
            .contains("approve  by rule within-window-support-contacted")
    );
    assert!(why.stdout.contains("\nrequest\n  {"));
    let why_json = run(&["why", &id.to_uppercase(), &record, "--format", "json"]);
    assert_eq!(why_json.code, 0, "{}", why_json.stderr);
    let shown: Value = serde_json::from_str(&why_json.stdout).unwrap();
    assert_eq!(shown["format"], 1);
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["decision"], decision);
    assert_eq!(shown["request"]["purchase"]["invoice_number"], "INV-1001");
    let unknown = run(&["why", "00000000", &record]);
    assert_eq!(unknown.code, 5);
    assert!(
        unknown.stderr.contains(&format!(
            "no recorded decision has the id `00000000` in `{url}`"
        )),
        "{}",
        unknown.stderr
    );

    // log: newest first, filters
    let all = run(&["log", &record]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", all.stdout);
    assert!(lines[0].contains("deny"), "newest first: {}", all.stdout);
    assert!(lines[1].starts_with(&id[..12]));
    let approved = run(&["log", &record, "--outcome", "approve", "--format", "json"]);
    let listed: Value = serde_json::from_str(&approved.stdout).unwrap();
    let decisions = listed["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["id"], id.as_str());
    assert_eq!(
        run(&["log", &record, "--policy", "steam"]).stdout,
        "no recorded decisions match\n"
    );
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap().to_string();
    let yesterday = today.pred_opt().unwrap().to_string();
    assert_eq!(
        run(&["log", &record, "--since", &tomorrow]).stdout,
        "no recorded decisions match\n"
    );
    assert_eq!(
        run(&["log", &record, "--until", &yesterday]).stdout,
        "no recorded decisions match\n"
    );
    let today = today.to_string();
    let window = run(&[
        "log", &record, "--since", &today, "--until", &today, "--limit", "1",
    ]);
    assert_eq!(window.stdout.lines().count(), 1, "{}", window.stdout);

    // through the Unix socket
    let socket = socket_url("why_log_and_the_mcp_why_tool_read_from_postgres").unwrap();
    assert_eq!(
        run(&["log", &format!("--record={socket}")]).stdout,
        all.stdout
    );

    // $RULING_RECORDS may hold the URL too
    let from_env = ruling_with_records(dir.path(), &url, &["why", &id[..8]]);
    assert_eq!(from_env.code, 0, "{}", from_env.stderr);
    assert!(from_env.stdout.starts_with(&format!("decision {id}\n")));

    // the MCP `why` tool
    let call = |n: u64, id: &str| {
        json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
               "params": {"name": "why", "arguments": {"id": id}}})
        .to_string()
    };
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "ruling-tests", "version": "1"}}});
    let session = [
        initialize.to_string(),
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned(),
        call(1, &id[..12]),
        call(2, "00000000"),
    ]
    .join("\n")
        + "\n";
    let policies = root().join("policies").display().to_string();
    let mcp = ruling_in(
        dir.path(),
        &["mcp", &record, &policies],
        Some(session.as_bytes()),
    );
    assert_eq!(mcp.code, 0, "{}", mcp.stderr);
    let answers: Vec<Value> = mcp
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 3, "{}", mcp.stdout);
    let found = &answers[1]["result"];
    assert_eq!(found["isError"], false, "{found}");
    assert_eq!(found["structuredContent"]["id"], id.as_str());
    assert_eq!(found["structuredContent"]["decision"], decision);
    let missing = &answers[2]["result"];
    assert_eq!(missing["isError"], true, "{missing}");
    assert_eq!(
        missing["structuredContent"]["error"]["kind"],
        "unknown_decision"
    );
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

    // A batch holding one decision twice, run twice: counted as already
    // recorded, not as lost.
    let dir = tempfile::tempdir().unwrap();
    let flag = format!("--record={url}");
    let line = |n| {
        serde_json::from_str::<Value>(&request(n))
            .unwrap()
            .to_string()
    };
    let input = format!("{}\n{}\n{}\n", line(10), line(11), line(10));
    let expected = [
        "2 newly recorded, 1 already recorded, 0 not recorded",
        "0 newly recorded, 3 already recorded, 0 not recorded",
    ];
    for summary in expected {
        let run = ruling_in(
            dir.path(),
            &["decide", &policy_path(), "--ndjson", "-", &flag],
            Some(input.as_bytes()),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains(summary), "{}", run.stderr);
    }
    let file = dir.path().join("one.json");
    std::fs::write(&file, request(10)).unwrap();
    let one = ruling_in(
        dir.path(),
        &["decide", &policy_path(), file.to_str().unwrap(), &flag],
        None,
    );
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(store.count().unwrap(), 5);

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
    assert_eq!(store.count().unwrap(), 5);
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
    let dir = tempfile::tempdir().unwrap();
    let why = ruling_in(
        dir.path(),
        &["why", "0676b6d2", &format!("--record={url}")],
        None,
    );
    assert_eq!(why.code, 4, "{}", why.stderr);
    assert!(
        why.stderr.contains("newer ruling (schema 99)"),
        "{}",
        why.stderr
    );
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

#[test]
fn once_migrated_a_writer_needs_only_select_and_insert() {
    let Some(url) = database("once_migrated_a_writer_needs_only_select_and_insert") else {
        return;
    };
    let mut owner = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    owner
        .batch_execute(
            // PostgreSQL 15 revokes it already; older versions grant it.
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC; \
             CREATE ROLE least_writer LOGIN; CREATE ROLE least_reader LOGIN",
        )
        .unwrap();
    let as_role = |role: &str| url.replacen("//ruling@", &format!("//{role}@"), 1);
    let (writer, reader) = (as_role("least_writer"), as_role("least_reader"));

    // Creating the tables takes more than the writer has.
    let error = PostgresStore::open(&writer).unwrap_err();
    assert!(error.to_string().contains("permission denied"), "{error}");
    PostgresStore::open(&url).unwrap();
    owner
        .batch_execute(
            "GRANT SELECT, INSERT ON decisions TO least_writer; \
             GRANT SELECT ON ruling_schema_version TO least_writer; \
             GRANT SELECT ON decisions, ruling_schema_version TO least_reader",
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = ndjson(dir.path(), "in.ndjson", 0, 3);
    let run = ruling_in(
        dir.path(),
        &[
            "decide",
            &policy_path(),
            "--ndjson",
            &input,
            &format!("--record={writer}"),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("3 newly recorded"), "{}", run.stderr);
    let log = ruling_in(dir.path(), &["log", &format!("--record={reader}")], None);
    assert_eq!(log.code, 0, "{}", log.stderr);
    assert_eq!(log.stdout.lines().count(), 3, "{}", log.stdout);
}
