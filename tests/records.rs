//! Decision ids and decision records: ids are deterministic, the store
//! keeps whole transactions only, several processes can record at once,
//! and `ruling why` / `ruling log` find what was recorded.

use ruling::interface::record::{LogFilter, Lookup, Record, Store};
use ruling::policy::folder::{Choice, load_set, read_policy};
use ruling::tools::case::parse_case;

use crate::cli::ruling_in;
use crate::support::{POLICY, REQUEST, ndjson, record, request, root};

fn id_of(json: &str) -> String {
    let policy = read_policy(&root().join(POLICY)).unwrap();
    ruling::decide_json(&policy, json.as_bytes()).unwrap().id
}

#[test]
fn the_id_depends_on_the_values_only() {
    let id = id_of(REQUEST);
    assert_eq!(id.len(), 64);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(id_of(REQUEST), id, "the same request");
    // members in another order, other whitespace, an unknown member
    let reordered = r#"{"customer":{"terms_violated":false},"support":{"issue_resolved":false,"contacted":true},
        "request":{"reason":"technical_failure","explanation":"Channels stopped loading.","invoice_number":"INV-1001","email":"ana@example.com","date":"2025-03-05"},
        "purchase":{"currency":"EUR","amount":"59.99","email":"ana@example.com","date":"2025-03-01","invoice_number":"INV-1001"},
        "ticket": {"id": 77, "notes": ["ignored by the policy"]}}"#;
    assert_eq!(id_of(reordered), id);
    let compact: serde_json::Value = serde_json::from_str(REQUEST).unwrap();
    assert_eq!(id_of(&compact.to_string()), id);
    // any value that reaches the decision changes it
    assert_ne!(id_of(&request(1)), id);
    assert_ne!(id_of(&REQUEST.replace("59.99", "59.98")), id);
    assert_ne!(id_of(&REQUEST.replace("2025-03-05", "2025-03-06")), id);
}

#[test]
fn the_id_follows_the_policy_file() {
    let policy = read_policy(&root().join(POLICY)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("policy.toml");
    let text = std::fs::read_to_string(root().join(POLICY)).unwrap();
    std::fs::write(&copy, format!("{text}\n# a comment\n")).unwrap();
    let changed = read_policy(&copy).unwrap();
    let a = ruling::decide_json(&policy, REQUEST.as_bytes()).unwrap();
    let b = ruling::decide_json(&changed, REQUEST.as_bytes()).unwrap();
    assert_eq!(a.outcome, b.outcome);
    assert_ne!(a.id, b.id, "another policy file, another id");
}

/// What is recorded is what was decided: the recorded request of every
/// shipped case, decided again, gets the same decision id.
#[test]
fn a_recorded_request_decided_again_gets_the_same_id() {
    let mut checked = 0;
    for folder in ["policies/iptv-smarters-pro", "policies/steam"] {
        let set = load_set(&root().join(folder)).unwrap();
        for entry in std::fs::read_dir(root().join(folder).join("cases")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let case = parse_case(&bytes).unwrap().unwrap();
            let choice = case.version.map_or(Choice::ByRequest, Choice::Version);
            let request = case.request.get().as_bytes();
            let policy = set.select(request, &choice).unwrap().policy;
            let decoded =
                ruling::request::decode(&policy.schema, policy.meta.timezone, request).unwrap();
            let Ok(decision) = ruling::decide(policy, &decoded) else {
                continue;
            };
            let record = Record::new(policy, &decoded, &decision);
            let again = ruling::decide_json(policy, record.request_json.as_bytes()).unwrap();
            assert_eq!(again.id, decision.id, "{}", path.display());
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn records_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.db");
    let mut store = Store::open(&path).unwrap();
    let first = record(1);
    assert_eq!(store.insert(&[first.clone(), record(2)]).unwrap(), 2);
    assert_eq!(
        store.insert(std::slice::from_ref(&first)).unwrap(),
        0,
        "same id, same decision"
    );
    drop(store);

    let store = Store::open_read_only(&path).unwrap();
    assert_eq!(store.count().unwrap(), 2);
    let Lookup::Found(found) = store.find(&first.id[..8]).unwrap() else {
        panic!("not found by its prefix")
    };
    assert_eq!(*found, first);
    let decision: serde_json::Value = serde_json::from_str(&found.decision_json).unwrap();
    assert_eq!(decision["id"], first.id.as_str());
    assert!(
        decision["trace"]
            .as_array()
            .is_some_and(|trace| !trace.is_empty())
    );
    assert_eq!(store.find("00000000").unwrap(), Lookup::NotFound);
    assert_eq!(store.list(&LogFilter::default()).unwrap().len(), 2);
    let none = LogFilter {
        policy: Some("steam".into()),
        ..LogFilter::default()
    };
    assert!(store.list(&none).unwrap().is_empty());
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_failed_transaction_leaves_no_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("records.db")).unwrap();
    let mut broken = record(2);
    broken.id = "not an id".into();
    let error = store.insert(&[record(1), broken, record(3)]).unwrap_err();
    assert!(
        error.to_string().contains("could not be written"),
        "{error}"
    );
    assert_eq!(store.count().unwrap(), 0, "nothing of the failed batch");
    assert_eq!(store.insert(&[record(1)]).unwrap(), 1);
    let mut bad_json = record(4);
    bad_json.request_json = "{".into();
    assert!(store.insert(&[record(5), bad_json]).is_err());
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn a_missing_database_is_not_created_by_readers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.db");
    assert!(Store::open_read_only(&path).is_err());
    assert!(!path.exists());
}

#[test]
fn several_processes_record_into_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let record = format!("--record={}", db.display());
    let policy = root().join(POLICY).display().to_string();
    // Four writers at once; the last overlaps the first, so the same
    // decisions arrive twice and must be stored once.
    let inputs: Vec<String> = [(0, 300), (300, 300), (600, 300), (0, 300)]
        .iter()
        .enumerate()
        .map(|(index, (first, count))| {
            ndjson(dir.path(), &format!("{index}.ndjson"), *first, *count)
        })
        .collect();
    let runs: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .iter()
            .enumerate()
            .map(|(index, input)| {
                // both the sequential and the parallel pipeline record
                let jobs = if index % 2 == 0 { "1" } else { "2" };
                let args = [
                    "decide",
                    policy.as_str(),
                    "--ndjson",
                    input.as_str(),
                    "--jobs",
                    jobs,
                    record.as_str(),
                ];
                scope.spawn(move || ruling_in(&root(), &args, None))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout.lines().count(), 300);
    }
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(store.count().unwrap(), 900);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    // every printed id was recorded
    for line in runs.iter().flat_map(|run| run.stdout.lines()) {
        let decided: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = decided["id"].as_str().unwrap();
        assert!(matches!(store.find(id).unwrap(), Lookup::Found(_)), "{id}");
    }
}

#[test]
fn why_and_log_show_what_was_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("records.db");
    let record = format!("--record={}", db.display());
    let policy = root().join(POLICY).display().to_string();
    let case = root()
        .join("policies/iptv-smarters-pro/cases/approve-within-window.json")
        .display()
        .to_string();
    let late = root()
        .join("policies/iptv-smarters-pro/cases/change-of-mind-late.json")
        .display()
        .to_string();
    let run = |args: &[&str]| ruling_in(dir.path(), args, None);

    let decided = run(&["decide", &policy, &case, "--format", "json", &record]);
    assert_eq!(decided.code, 0, "{}", decided.stderr);
    let decision: serde_json::Value = serde_json::from_str(&decided.stdout).unwrap();
    let id = decision["id"].as_str().unwrap().to_owned();
    assert_eq!(run(&["decide", &policy, &late, &record]).code, 0);

    // why: by a prefix, as text and as the stored JSON
    let why = run(&["why", &id[..8], &record]);
    assert_eq!(why.code, 0, "{}", why.stderr);
    assert!(why.stdout.starts_with(&format!("decision {id}\nrecorded ")));
    assert!(
        why.stdout
            .contains("approve  by rule within-window-support-contacted")
    );
    assert!(why.stdout.contains(&format!("  decision {id}\n")));
    assert!(why.stdout.contains("\nrequest\n  {"));
    let why_json = run(&["why", &id.to_uppercase(), &record, "--format", "json"]);
    assert_eq!(why_json.code, 0, "{}", why_json.stderr);
    let shown: serde_json::Value = serde_json::from_str(&why_json.stdout).unwrap();
    assert_eq!(shown["format"], 1);
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["decision"], decision);
    assert_eq!(shown["request"]["purchase"]["invoice_number"], "INV-1001");

    // why: unknown, too short, no database
    let unknown = run(&["why", "00000000", &record]);
    assert_eq!(unknown.code, 5);
    assert!(
        unknown
            .stderr
            .contains("no recorded decision has the id `00000000`")
    );
    assert_eq!(run(&["why", "abc", &record]).code, 2);
    let missing = run(&["why", &id[..8], "--record=absent.db"]);
    assert_eq!(missing.code, 4);
    assert!(
        missing
            .stderr
            .contains("no decision records at `absent.db`")
    );

    // log: newest first, filters
    let all = run(&["log", &record]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", all.stdout);
    assert!(lines[0].contains("deny"), "newest first: {}", all.stdout);
    assert!(lines[1].starts_with(&id[..12]));
    let approved = run(&["log", &record, "--outcome", "approve", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&approved.stdout).unwrap();
    let decisions = listed["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["id"], id.as_str());
    assert_eq!(decisions[0]["policy"]["id"], "iptv-smarters-pro");
    let other = run(&["log", &record, "--policy", "steam"]);
    assert_eq!(other.stdout, "no recorded decisions match\n");
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
    let window = run(&[
        "log",
        &record,
        "--since",
        &today.to_string(),
        "--until",
        &today.to_string(),
        "--limit",
        "1",
    ]);
    assert_eq!(window.stdout.lines().count(), 1);
    assert_eq!(run(&["log", &record, "--outcome", "maybe"]).code, 2);

    // the default database: $RULING_RECORDS, else ruling.db here
    assert_eq!(run(&["decide", &policy, &case, "--record"]).code, 0);
    assert!(dir.path().join("ruling.db").exists());
    assert_eq!(run(&["why", &id[..8]]).code, 0);
}
