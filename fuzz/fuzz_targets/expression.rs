//! Arbitrary expression text, parsed and type-checked against the fields
//! and derived values of a shipped policy (steam, the largest schema), then
//! evaluated over a shipped case request when it checks.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use ruling::language::check::{Scope, check};
use ruling::diagnostic::SourceFile;
use ruling::evaluate::Evaluator;
use ruling::language::parser::{parse_expression, print};
use ruling::diagnostic::span::Origin;
use ruling::{Policy, Request};

static POLICY: LazyLock<Option<Policy>> = LazyLock::new(|| {
    let text = include_str!("../../policies/steam/2024-04-23.toml");
    ruling::load(SourceFile::new("steam.toml", text)).ok()
});

static REQUEST: LazyLock<Option<Request>> = LazyLock::new(|| {
    let policy = POLICY.as_ref()?;
    let case = include_str!("../../policies/steam/cases/game-119-minutes-played-approve.json");
    let case: serde_json::Value = serde_json::from_str(case).ok()?;
    let json = serde_json::to_vec(case.get("request")?).ok()?;
    ruling::request::decode(&policy.schema, policy.meta.timezone, &json).ok()
});

fuzz_target!(|data: &[u8]| {
    let (Some(policy), Some(request)) = (POLICY.as_ref(), REQUEST.as_ref()) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = parse_expression(text, &Origin::Identity) else {
        return;
    };
    // Printing is what traces and `ruling fmt` show: it must parse back,
    // unless the spaces it adds take it past the length limit (fmt then
    // keeps the expression as written; found by this target, see
    // tests/format.rs).
    let printed = print(&expr);
    if printed.chars().count() <= ruling::limits::MAX_EXPRESSION_CHARS {
        assert!(
            parse_expression(&printed, &Origin::Identity).is_ok(),
            "printed form does not parse: {printed:?} (from {text:?})"
        );
    }
    let derived: Vec<_> = policy
        .derived
        .iter()
        .map(|derived| (derived.name.clone(), Some(derived.value.ty.clone())))
        .collect();
    let scope = Scope {
        schema: &policy.schema,
        derived: &derived,
        calendars: &[],
        missing_allowed: true,
        placeholder: false,
        derived_texts: &[],
    };
    let mut errors = Vec::new();
    if let Some(checked) = check(&expr, &scope, &mut errors) {
        let mut evaluator = Evaluator::new(policy, request);
        let _ = evaluator.eval(&checked);
        let _ = evaluator.trace(&checked);
    }
});
