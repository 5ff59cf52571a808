//! Every bad request under `tests/fixtures/requests/` is decided against the
//! IPTV Smarters Pro policy and must be rejected; its error, as text and as
//! JSON, is snapshotted.

use ruling::policy::folder::read_policy;
use ruling::render::{request_error_json, request_error_text};

use crate::support::root;

#[test]
fn every_bad_request_is_rejected() {
    let policy = read_policy(&root().join("policies/iptv-smarters-pro/2025-01-22.toml")).unwrap();
    insta::glob!("fixtures/requests", "*.*", |path| {
        let bytes = std::fs::read(path).unwrap();
        let failure = match ruling::decide_json(&policy, &bytes) {
            Ok(decision) => panic!(
                "{} should be rejected, got {}",
                path.display(),
                decision.outcome
            ),
            Err(failure) => failure,
        };
        let name = path.file_name().unwrap().to_string_lossy();
        let text = request_error_text(&failure, &policy, &name, &bytes);
        let json = request_error_json(&failure, &policy);
        insta::assert_snapshot!(format!("{text}\n{json}"));
    });
}
