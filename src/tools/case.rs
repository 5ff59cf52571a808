//! Case files: a request together with the decision expected for it.
//!
//! ```json
//! {"description": "…", "request": {…}, "expect": {"outcome": "approve", "rule": "…",
//!  "missing": ["…"], "effects": {"refund_amount": "59.99"}}}
//! ```

use serde::Deserialize;
use serde_json::value::RawValue;

use rust_decimal::Decimal;

use crate::decision::Decision;
use crate::language::value::Value;
use crate::policy::Outcome;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    #[serde(default, alias = "name")]
    pub(crate) description: String,
    pub(crate) request: Box<RawValue>,
    pub(crate) expect: Expectation,
    /// The version of the policy folder that must decide it; by default the
    /// version in effect on the request's date.
    #[serde(default)]
    pub(crate) version: Option<String>,
}

/// What a case expects; every part but the outcome is optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expectation {
    pub(crate) outcome: Outcome,
    pub(crate) rule: Option<String>,
    pub(crate) missing: Option<Vec<String>>,
    /// Expected values of some effects, as JSON (decimals as strings).
    pub(crate) effects: Option<serde_json::Map<String, serde_json::Value>>,
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Outcome::from_keyword(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown outcome `{text}`, expected `approve`, `deny`, `review` or `needs_info`"
            ))
        })
    }
}

/// Reads a case file; `None` when the JSON is not a case (a plain request).
pub(crate) fn parse_case(json: &[u8]) -> Option<Result<Case, serde_json::Error>> {
    // A request that does not even hold the text `expect` is no case: say
    // so without building its JSON tree, which matters when millions of
    // lines are read (`ruling diff`). A `\u` escape could spell the name,
    // so such text takes the full look.
    if !contains(json, b"expect") && !contains(json, b"\\u") {
        return None;
    }
    let probe: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(json).ok()?;
    let is_case = probe.contains_key("expect")
        && probe
            .get("request")
            .is_some_and(serde_json::Value::is_object);
    is_case.then(|| serde_json::from_slice(json))
}

/// The keys of a case file and of its `expect`.
const CASE_KEYS: [&str; 5] = ["description", "name", "request", "expect", "version"];
const EXPECT_KEYS: [&str; 4] = ["outcome", "rule", "missing", "effects"];

/// For JSON that is not a case because a key is misspelled: a message for
/// each key of the file, or of its `expect`, that is not a case's, with
/// the key meant. Empty when the JSON is not an object with a `request`
/// object beside such a key, as a plain request is not.
pub(crate) fn misspelled_keys(json: &[u8]) -> Vec<String> {
    let Ok(serde_json::Value::Object(top)) = serde_json::from_slice(json) else {
        return Vec::new();
    };
    if !top.get("request").is_some_and(serde_json::Value::is_object) {
        return Vec::new();
    }
    let mut found = unknown_keys(&top, &CASE_KEYS, "the case file");
    if let Some(serde_json::Value::Object(expect)) = top.get("expect") {
        found.extend(unknown_keys(expect, &EXPECT_KEYS, "`expect`"));
    }
    found
}

fn unknown_keys(
    object: &serde_json::Map<String, serde_json::Value>,
    known: &[&str],
    within: &str,
) -> Vec<String> {
    object
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .map(
            |key| match crate::diagnostic::suggest::closest(key, known.iter().copied()) {
                Some(meant) => format!("`{key}` is not a key of {within}; did you mean `{meant}`?"),
                None => format!(
                    "`{key}` is not a key of {within}, which takes {}",
                    known
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        )
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// One way a decision differs from the expectation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    pub(crate) what: String,
    pub(crate) expected: String,
    pub(crate) actual: String,
}

impl Expectation {
    /// Every difference between the expectation and `decision`.
    pub(crate) fn mismatches(&self, decision: &Decision) -> Vec<Mismatch> {
        let mut found = Vec::new();
        let mut differ = |what: String, expected: String, actual: String| {
            if expected != actual {
                found.push(Mismatch {
                    what,
                    expected,
                    actual,
                });
            }
        };
        differ(
            "outcome".into(),
            self.outcome.to_string(),
            decision.outcome.to_string(),
        );
        if let Some(rule) = &self.rule {
            differ("rule".into(), rule.clone(), decision.rule.id.clone());
        }
        if let Some(missing) = &self.missing {
            differ(
                "missing".into(),
                missing.join(", "),
                decision.missing.join(", "),
            );
        }
        for (name, expected) in self.effects.iter().flatten() {
            let actual = decision
                .effects
                .iter()
                .find(|(effect, _)| effect == name)
                .map(|(_, value)| value);
            let actual = match actual {
                Some(value) if same_value(expected, value) => continue,
                Some(value) => value.to_json().to_string(),
                None => "no such effect in the decision".to_owned(),
            };
            differ(format!("effect `{name}`"), expected.to_string(), actual);
        }
        found
    }
}

/// Whether an expected effect is the decision's value. Numbers compare as
/// numbers, however they are written: `39.98`, `"39.98"` and `"39.980"` are
/// the same amount.
fn same_value(expected: &serde_json::Value, actual: &Value) -> bool {
    let number = match expected {
        serde_json::Value::Number(number) => Decimal::from_str_exact(&number.to_string()).ok(),
        serde_json::Value::String(text) => Decimal::from_str_exact(text.trim()).ok(),
        _ => None,
    };
    match (actual, number) {
        (Value::Decimal(amount), Some(number)) => *amount == number,
        (Value::Integer(whole), Some(number)) => Decimal::from(*whole) == number,
        _ => actual.to_json() == *expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_amounts_compare_as_numbers() {
        let amount = Value::Decimal(Decimal::new(3998, 2));
        for written in [r#""39.98""#, "39.98", r#""39.980""#, r#"" 39.98 ""#] {
            let expected: serde_json::Value = serde_json::from_str(written).unwrap();
            assert!(same_value(&expected, &amount), "{written}");
        }
        for written in [r#""39.99""#, "39.99", "true", r#""abc""#] {
            let expected: serde_json::Value = serde_json::from_str(written).unwrap();
            assert!(!same_value(&expected, &amount), "{written}");
        }
        assert!(same_value(&serde_json::json!("21"), &Value::Integer(21)));
        assert!(same_value(&serde_json::json!(21), &Value::Integer(21)));
        assert!(same_value(&serde_json::json!("EUR"), &Value::string("EUR")));
        assert!(!same_value(&serde_json::json!("0"), &Value::Bool(false)));
    }

    #[test]
    fn a_case_is_told_from_a_request() {
        assert!(parse_case(br#"{"request": {"date": "2025-03-01"}}"#).is_none());
        assert!(parse_case(br#"{"note": "expect nothing", "request": {}}"#).is_none());
        assert_eq!(
            misspelled_keys(br#"{"request": {}, "expcet": {"outcome": "deny", "rul": "x"}}"#),
            ["`expcet` is not a key of the case file; did you mean `expect`?"]
        );
        assert_eq!(
            misspelled_keys(br#"{"request": {}, "expect": {"outcome": "deny", "rul": "x"}}"#),
            ["`rul` is not a key of `expect`; did you mean `rule`?"]
        );
        assert!(misspelled_keys(br#"{"request": {}, "purchase": {}}"#).len() == 1);
        assert!(misspelled_keys(br#"{"purchase": {"expcet": 1}}"#).is_empty());
        let case = br#"{"request": {}, "expect": {"outcome": "deny"}}"#;
        assert!(matches!(parse_case(case), Some(Ok(_))));
        // The member's name written with an escape is still `expect`.
        let escaped = br#"{"request": {}, "\u0065xpect": {"outcome": "deny"}}"#;
        assert!(matches!(parse_case(escaped), Some(Ok(_))));
        let broken = br#"{"request": {}, "expect": {"outcome": "maybe"}}"#;
        assert!(matches!(parse_case(broken), Some(Err(_))));
    }
}
