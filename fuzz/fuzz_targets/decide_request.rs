//! Arbitrary bytes as a JSON request, decoded and decided against every
//! shipped policy version; decisions and rejections are rendered as well.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use ruling::Policy;
use ruling::diagnostic::SourceFile;
use ruling::render::{decision_json, decision_text, request_error_json};

static POLICIES: LazyLock<Vec<Policy>> = LazyLock::new(|| {
    [
        ("iptv-2025-01-22.toml", include_str!("../../policies/iptv-smarters-pro/2025-01-22.toml")),
        ("iptv-2025-06-01.toml", include_str!("../../policies/iptv-smarters-pro/2025-06-01.toml")),
        ("steam-2024-04-23.toml", include_str!("../../policies/steam/2024-04-23.toml")),
    ]
    .into_iter()
    .filter_map(|(name, text)| ruling::load(SourceFile::new(name, text)).ok())
    .collect()
});

fuzz_target!(|data: &[u8]| {
    assert_eq!(POLICIES.len(), 3, "a shipped policy does not load");
    for policy in POLICIES.iter() {
        match ruling::decide_json(policy, data) {
            Ok(decision) => {
                let json = decision_json(&decision);
                let _ = decision_text(&decision, false);
                // Decisions are pure: the same request decides the same.
                if let Ok(again) = ruling::decide_json(policy, data) {
                    assert_eq!(json, decision_json(&again), "decision is not deterministic");
                }
            }
            Err(failure) => {
                let _ = request_error_json(&failure, policy);
            }
        }
    }
});
