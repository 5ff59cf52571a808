//! Arbitrary bytes as a JSON request, decoded and decided against every
//! shipped policy version; decisions and rejections are rendered as well.
//! The same bytes as an NDJSON batch, through the IPTV folder's two
//! versions: every line written by hand must be JSON, and the traced line
//! must be the decision's own JSON.
#![no_main]

use std::io::Cursor;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use ruling::{
    BatchOptions, Choice, Policy, PolicySet, SourceFile, Versions, decision_json, decision_text,
    request_error_json, run_batch,
};

const SHIPPED: [(&str, &str); 3] = [
    ("iptv-2025-01-22.toml", include_str!("../../policies/iptv-smarters-pro/2025-01-22.toml")),
    ("iptv-2025-06-01.toml", include_str!("../../policies/iptv-smarters-pro/2025-06-01.toml")),
    ("steam-2024-04-23.toml", include_str!("../../policies/steam/2024-04-23.toml")),
];

fn load(shipped: &[(&str, &'static str)]) -> Vec<Policy> {
    shipped
        .iter()
        .filter_map(|(name, text)| ruling::load(SourceFile::new(*name, *text)).ok())
        .collect()
}

static POLICIES: LazyLock<Vec<Policy>> = LazyLock::new(|| load(&SHIPPED));

static IPTV_FOLDER: LazyLock<Option<PolicySet>> = LazyLock::new(|| {
    ruling::load_set(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/iptv-smarters-pro").as_ref()).ok()
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
                let mut expected = serde_json::json!({"line": 1});
                if let (Some(fields), Ok(serde_json::Value::Object(decided))) =
                    (expected.as_object_mut(), serde_json::to_value(&decision))
                {
                    fields.extend(decided);
                }
                let expected = format!("{}\n", serde_json::to_string(&expected).unwrap_or_default());
                // The same request as a one-line batch: the hand-written
                // traced line is the decision's own JSON.
                if !data.contains(&b'\n') {
                    let options = BatchOptions { trace: true, ..BatchOptions::default() };
                    let mut line = Vec::new();
                    if run_batch(&Versions::Fixed(policy), Cursor::new(data), &mut line, options, |_| {}).is_err() {
                        panic!("a batch into memory failed");
                    }
                    assert_eq!(String::from_utf8_lossy(&line), expected, "hand-written line differs");
                }
            }
            Err(failure) => {
                let _ = request_error_json(&failure, policy);
            }
        }
    }
    batch_lines_are_json(data);
});

fn batch_lines_are_json(data: &[u8]) {
    let Some(folder) = IPTV_FOLDER.as_ref() else {
        panic!("the IPTV folder does not load");
    };
    let Ok(versions) = Versions::new(folder, &Choice::ByRequest) else {
        panic!("the IPTV folder has no version");
    };
    for trace in [false, true] {
        let options = BatchOptions { trace, ..BatchOptions::default() };
        let mut out = Vec::new();
        if run_batch(&versions, Cursor::new(data), &mut out, options, |_| {}).is_err() {
            panic!("a batch into memory failed");
        }
        for line in out.split(|byte| *byte == b'\n').filter(|line| !line.is_empty()) {
            if let Err(error) = serde_json::from_slice::<serde_json::Value>(line) {
                panic!("batch line is not JSON ({error}): {}", String::from_utf8_lossy(line));
            }
        }
    }
}
