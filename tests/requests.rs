//! Every bad request under `tests/fixtures/requests/` is decided against the
//! IPTV Smarters Pro policy, and every bad list of items under
//! `tests/fixtures/item-requests/` against the Best Buy returns policy: each
//! must be rejected, and its error, as text and as JSON, is snapshotted.

use std::path::Path;

use ruling::Policy;
use ruling::limits::MAX_LIST_ITEMS;
use ruling::read_policy;
use ruling::{request_error_json, request_error_text};

use crate::support::root;

/// The error of a request that `policy` must reject, as text then as JSON.
fn rejection(policy: &Policy, name: &str, bytes: &[u8]) -> String {
    let failure = match ruling::decide_json(policy, bytes) {
        Ok(decision) => panic!("{name} should be rejected, got {}", decision.outcome),
        Err(failure) => failure,
    };
    let text = request_error_text(&failure, policy, name, bytes);
    let json = request_error_json(&failure, policy);
    format!("{text}\n{json}")
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_bad_request_is_rejected() {
    let policy = read_policy(&root().join("policies/iptv-smarters-pro/2025-01-22.toml")).unwrap();
    insta::glob!("fixtures/requests", "*.*", |path| {
        let bytes = std::fs::read(path).unwrap();
        insta::assert_snapshot!(rejection(&policy, &file_name(path), &bytes));
    });
}

fn best_buy() -> Policy {
    read_policy(&root().join("policies/best-buy-returns/2019-11-05.toml")).unwrap()
}

#[test]
fn every_bad_list_of_items_is_rejected() {
    let policy = best_buy();
    insta::glob!("fixtures/item-requests", "*.json", |path| {
        let bytes = std::fs::read(path).unwrap();
        insta::assert_snapshot!(rejection(&policy, &file_name(path), &bytes));
    });
}

/// A return of `count` like-new items, each received on day 8 of its period.
fn return_of(count: usize) -> String {
    let item = r#"{"category": "general", "price": 1, "received_on": "2020-03-02", "condition": "like_new"}"#;
    let items = vec![item; count].join(",");
    format!(
        r#"{{"order": {{"purchased_on": "2020-03-01", "items": [{items}]}}, "return": {{"date": "2020-03-10"}}}}"#
    )
}

#[test]
fn a_list_of_10_000_items_is_decided_and_one_more_is_rejected() {
    let policy = best_buy();
    let decision = ruling::decide_json(&policy, return_of(MAX_LIST_ITEMS).as_bytes()).unwrap();
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["outcome"], "approve");
    assert_eq!(json["effects"]["items_refunded"], 10_000);
    assert_eq!(json["effects"]["refund_amount"], "10000.00");

    let request = return_of(MAX_LIST_ITEMS + 1);
    insta::assert_snapshot!(rejection(&policy, "10001-items.json", request.as_bytes()));
}
