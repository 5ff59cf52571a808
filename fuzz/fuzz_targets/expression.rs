//! Arbitrary expression text as the condition of the first rule of a
//! shipped policy (steam, the largest schema): loading parses and
//! type-checks it against the fields and derived values; when it loads, a
//! shipped case request is decided (evaluating it, with its trace) and
//! explained (solving it); and its printed form, as the trace shows it,
//! loads again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruling::{Policy, SourceFile};

const POLICY: &str = include_str!("../../policies/steam/2024-04-23.toml");
const CASE: &str = include_str!("../../policies/steam/cases/game-119-minutes-played-approve.json");

/// The steam policy with a first rule whose condition is `condition`;
/// `None` when the text cannot sit in a TOML literal string.
fn with_first_rule(condition: &str) -> Option<Policy> {
    if condition.contains("'''") || condition.ends_with('\'') {
        return None;
    }
    let (head, rules) = POLICY.split_once("\n[[rule]]")?;
    let text = format!(
        "{head}\n[[rule]]\nid = \"fuzz\"\nclause = \"§0\"\nsection = \"eligibility\"\n\
         when = '''{condition}'''\noutcome = \"review\"\nreason = \"Fuzz.\"\n\n[[rule]]{rules}"
    );
    ruling::load(SourceFile::new("steam.toml", text)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(policy) = with_first_rule(text) else {
        return;
    };
    let Ok(case) = serde_json::from_str::<serde_json::Value>(CASE) else {
        return;
    };
    let Some(request) = case.get("request").map(ToString::to_string) else {
        return;
    };
    let Ok(decision) = ruling::decide_json(&policy, request.as_bytes()) else {
        return;
    };
    let _ = ruling::explain(&policy, request.as_bytes(), None);
    // The printed form is what traces and `ruling fmt` show: it must load
    // again, unless the spaces it adds take it past the length limit (fmt
    // then keeps the expression as written).
    let printed = decision
        .trace
        .first()
        .and_then(|rule| rule.condition.as_ref())
        .map(|condition| condition.expr.clone());
    if let Some(printed) = printed {
        if printed.chars().count() <= ruling::limits::MAX_EXPRESSION_CHARS {
            assert!(
                with_first_rule(&printed).is_some(),
                "printed form does not load: {printed:?} (from {text:?})"
            );
        }
    }
});
