//! Numbers in decisions: one JSON type per effect whatever the request, the
//! documented scale of decimal results, `%`, `floor` and `ceil`.

use ruling::SourceFile;
use ruling::{decide_json, load};
use serde_json::{Value, json};

const HEADER: &str = r#"
format = 1

[policy]
id = "numbers"
version = "1"
title = "Numbers"
effective_date = 2025-01-01

[[field]]
path = "amount"
type = "decimal"
description = "An amount"

[[field]]
path = "count"
type = "integer"
description = "A count"

[default]
id = "otherwise"
clause = "§1"
outcome = "approve"
reason = "Approved."
"#;

/// The effects of deciding `request` with a policy whose default sets
/// `effects` (TOML lines).
fn effects(effects: &str, request: Value) -> serde_json::Map<String, Value> {
    let text = format!("{HEADER}\n[default.effects]\n{effects}\n");
    let policy = load(SourceFile::new("numbers.toml", text))
        .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
    let decision = decide_json(&policy, request.to_string().as_bytes()).unwrap();
    match serde_json::to_value(&decision).unwrap()["effects"].take() {
        Value::Object(effects) => effects,
        other => panic!("effects are {other}"),
    }
}

fn effect(expression: &str, request: Value) -> Value {
    effects(&format!("value = '{expression}'"), request)["value"].clone()
}

#[test]
fn an_integer_beside_a_decimal_is_always_written_as_a_decimal() {
    for (expression, smaller, larger) in [
        ("max(0, amount)", "0.00", "5.50"),
        ("min(amount, 0)", "-1.50", "0.00"),
        ("if amount > 0 then amount else 0", "0", "5.50"),
        ("if amount < 0 then 0 else amount", "0", "5.50"),
    ] {
        assert_eq!(
            effect(expression, json!({"amount": "-1.50"})),
            json!(smaller),
            "{expression} with -1.50"
        );
        assert_eq!(
            effect(expression, json!({"amount": "5.50"})),
            json!(larger),
            "{expression} with 5.50"
        );
    }
    assert_eq!(
        effect("[0, amount, 2.5]", json!({"amount": "5.50"})),
        json!(["0", "5.50", "2.5"])
    );
    assert_eq!(
        effect("[1, 2.5]", json!({})),
        json!(["1", "2.5"]),
        "a list of constants, computed when the policy loads"
    );
}

#[test]
fn decimal_results_have_the_documented_scale() {
    let request = json!({"amount": "35.98", "count": 11});
    for (expression, expected) in [
        ("amount + 1", "36.98"),
        ("amount - 0.001", "35.979"),
        ("amount * 0", "0.00"),
        ("amount * count", "395.78"),
        ("0.5 * amount * 11", "197.890"),
        ("round(0.5 * amount * 11, 2)", "197.89"),
        ("round(amount * 0.15, 2)", "5.40"),
        ("amount / 2", "17.99"),
        ("10 / 4", "2.5"),
        ("6 / 3", "2"),
        ("2 / 3", "0.6666666666666666666666666667"),
        ("max(1.5, 2.25)", "2.25"),
        ("max(2.5, 1.25)", "2.50"),
        ("-(amount * 0)", "0.00"),
        ("0 - amount * 0", "0.00"),
        ("abs(-1.50)", "1.50"),
    ] {
        assert_eq!(
            effect(expression, request.clone()),
            json!(expected),
            "{expression}"
        );
    }
}

#[test]
fn remainder_floor_and_ceil_give_integers() {
    let request = json!({"amount": "-1.5", "count": 17});
    for (expression, expected) in [
        ("count % 7", 3),
        ("-count % 7", 4),
        ("count % -7", 3),
        ("(count + 2) % 7 * 2", 10),
        ("floor(amount)", -2),
        ("ceil(amount)", -1),
        ("floor(2.01)", 2),
        ("ceil(2.01)", 3),
        ("ceil(count)", 17),
        ("floor(amount) % 7", 5),
    ] {
        assert_eq!(
            effect(expression, request.clone()),
            json!(expected),
            "{expression}"
        );
    }
}

#[test]
fn a_remainder_by_zero_or_past_the_integer_range_stops_the_decision() {
    let text = format!(
        "{HEADER}\n[default.effects]\nby_zero = 'count % (count - count)'\nhuge = 'floor(amount * 10000000000)'\n"
    );
    let policy = load(SourceFile::new("numbers.toml", text)).unwrap();
    let failure = decide_json(&policy, br#"{"count": 3}"#).unwrap_err();
    assert!(failure.to_string().contains("divides by zero"), "{failure}");
    let failure = decide_json(&policy, br#"{"amount": "9999999999"}"#).unwrap_err();
    assert!(
        failure.to_string().contains("too large for an integer"),
        "{failure}"
    );
}
