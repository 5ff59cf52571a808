//! Every broken policy under `tests/fixtures/policies/` must be rejected;
//! its rendered diagnostics (no colour, 80 columns) are snapshotted.

use ruling::read_policy;

use crate::support::render_problems;

#[test]
fn every_broken_policy_is_reported() {
    insta::glob!("fixtures/policies", "*.toml", |path| {
        let error = match read_policy(path) {
            Ok(_) => panic!("{} should be rejected", path.display()),
            Err(error) => error,
        };
        insta::assert_snapshot!(render_problems(&[error]));
    });
}
