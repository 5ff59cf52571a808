//! The SQLite store of decision records: whole transactions only, read
//! back as written, never created by a reader; and a record's request,
//! decided again, gets the same id (moved here from the integration
//! tests, as they use the store directly).

use std::path::PathBuf;

use crate::interface::record::{LogFilter, Lookup, Record, Store};
use crate::policy::folder::{Choice, load_set, read_policy};
use crate::tools::case::parse_case;

/// The crate's root folder, where `policies/` is.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) const POLICY: &str = "policies/iptv-smarters-pro/2025-01-22.toml";

const REQUEST: &str = r#"{"purchase": {"invoice_number": "INV-1001", "date": "2025-03-01",
  "email": "ana@example.com", "amount": "59.99", "currency": "EUR"},
  "request": {"date": "2025-03-05", "email": "ana@example.com", "invoice_number": "INV-1001",
  "explanation": "Channels stopped loading.", "reason": "technical_failure"},
  "support": {"contacted": true, "issue_resolved": false}, "customer": {"terms_violated": false}}"#;

/// `REQUEST` with its explanation made unique by `n`: a distinct decision.
pub(crate) fn request(n: usize) -> String {
    REQUEST.replace(
        "Channels stopped loading.",
        &format!("Channels stopped loading ({n})."),
    )
}

pub(crate) fn record(n: usize) -> Record {
    let policy = read_policy(&root().join(POLICY)).unwrap();
    let json = request(n);
    let decoded =
        crate::request::decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
    let decision = crate::decide(&policy, &decoded).unwrap();
    Record::new(&policy, &decoded, &decision)
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
                crate::request::decode(&policy.schema, policy.meta.timezone, request).unwrap();
            let Ok(decision) = crate::decide(policy, &decoded) else {
                continue;
            };
            let record = Record::new(policy, &decoded, &decision);
            let again = crate::decide_json(policy, record.request_json.as_bytes()).unwrap();
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
