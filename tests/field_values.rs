//! What a request's values mean, as docs/policy-language.md states it: an
//! empty array is given, and a decimal default keeps its digits.

use ruling::SourceFile;
use ruling::{decide_json, load};
use serde_json::{Value, json};

const POLICY: &str = r#"
format = 1

[policy]
id = "values"
version = "1"
title = "Values"

[[field]]
path = "order.tags"
type = "list"
items = "string"
description = "Labels of the order"
required = true

[[field]]
path = "order.notes"
type = "list"
items = "string"
description = "Notes"
default = ["none"]

[[field]]
path = "order.fee"
type = "decimal"
description = "A fee"
default = 0.00

[[rule]]
id = "missing"
clause = "§0"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "Missing {missing_fields()}."

[default]
id = "otherwise"
clause = "§1"
outcome = "approve"
reason = "Approved."

[default.effects]
tags_given = "present(order.tags)"
tag_count = "length(order.tags)"
notes = "order.notes"
fee = "order.fee"
"#;

fn decide(request: Value) -> Value {
    let policy = load(SourceFile::new("values.toml", POLICY))
        .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
    let decision = decide_json(&policy, request.to_string().as_bytes()).unwrap();
    serde_json::to_value(&decision).unwrap()
}

#[test]
fn an_empty_array_counts_as_given() {
    let decision = decide(json!({"order": {"tags": [], "notes": []}}));
    assert_eq!(decision["missing"], json!([]));
    assert_eq!(decision["rule"]["id"], "otherwise");
    assert_eq!(
        decision["effects"],
        json!({"tags_given": true, "tag_count": 0, "notes": [], "fee": "0.00"}),
        "an empty list is given, so the default of `order.notes` is not used"
    );
    let decision = decide(json!({"order": {"tags": null}}));
    assert_eq!(
        decision["missing"],
        json!(["order.tags"]),
        "null is not given"
    );
}

#[test]
fn a_decimal_default_keeps_the_digits_written() {
    let decision = decide(json!({"order": {"tags": ["a"]}}));
    assert_eq!(decision["effects"]["fee"], "0.00");
    assert_eq!(decision["effects"]["notes"], json!(["none"]));
}
