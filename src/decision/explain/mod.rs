//! Explanations: why a request was decided as it was, why each rule with
//! another outcome did not decide, and the smallest changes to the request
//! that would make it decide.
//!
//! Every counterfactual is verified before it is reported: its changes are
//! applied to the request's JSON and the changed request is decided again
//! with the same policy; only changes after which the rule decides are kept.
//! Because the first rule that holds decides, a rule below the deciding one
//! needs the rules above it to stop holding too: [`search`] adds changes
//! that make each rule in the way not hold, within a bounded effort.

mod solve;

use std::collections::VecDeque;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

pub use solve::{Change, ChangeOp};
pub(crate) use solve::{Changes, Solver, Unsolvable};

use crate::decision::decide::RequestFailure;
use crate::decision::decide::{Listed, decide_listing, ruling};
use crate::decision::{PolicyRef, RuleRef};
use crate::evaluate::{Evaluator, Operand};
use crate::language::compiled::{Checked, Node};
use crate::language::value::Value;
use crate::policy::{Outcome, Policy, Rule};
use crate::request::{Request, decode};

/// The version of the JSON shape of an explanation; it changes only when a
/// field is removed or changes meaning.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// assert_eq!(explanation.format, ruling::EXPLANATION_FORMAT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const EXPLANATION_FORMAT: u32 = 1;

/// At most this many changed requests are decided per rule: enough to
/// clear several rules in the way, small enough to stay instant.
const MAX_TRIES: usize = 32;
/// At most this many verified counterfactuals are reported per rule.
const MAX_COUNTERFACTUALS: usize = 3;

/// Why a request was decided as it was, why each rule of another outcome
/// did not decide, and what change to the request would make it decide:
/// the JSON of `ruling explain` ([`explanation_json`](crate::explanation_json)).
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// assert_eq!(explanation.outcome, ruling::Outcome::Approve);
/// assert!(explanation.why.iter().all(|condition| condition.value == ruling::Value::Bool(condition.needed)));
/// for why_not in &explanation.why_not {
///     println!("{} ({}): {} counterfactual(s)", why_not.rule.id, why_not.outcome, why_not.counterfactuals.len());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// [`EXPLANATION_FORMAT`].
    pub format: u32,
    /// The outcome of the decision.
    pub outcome: Outcome,
    /// The outcome asked about (`--outcome`); only rules with it are
    /// explained under `why_not`.
    pub target: Option<Outcome>,
    /// The rule that decided.
    pub rule: RuleRef,
    /// The decision's reason, placeholders filled in.
    pub reason: String,
    /// The conditions of the deciding rule that held, with their values;
    /// empty when the default decided.
    pub why: Vec<Condition>,
    /// The derived values computed to reach the decision, by name.
    #[serde(serialize_with = "serialize_named")]
    pub derived: Vec<(String, Value)>,
    /// Required fields the request does not give, as dotted paths.
    pub missing: Vec<String>,
    /// The policy version that decided.
    pub policy: PolicyRef,
    /// Every rule with another outcome (or with the target outcome), in
    /// policy order.
    pub why_not: Vec<WhyNot>,
}

/// One comparison or value of a condition, as it came out.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// for condition in &explanation.why {
///     println!("{} is {} (needed: {})", condition.expr, condition.value, condition.needed);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// The expression, printed canonically.
    pub expr: String,
    /// Its value: `true`, `false`, or `null` when it needs a value the
    /// request does not give.
    pub value: Value,
    /// What the rule needs it to be.
    pub needed: bool,
    /// The operator or function at its top, as in a trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<&'static str>,
    /// The values it was computed from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operands: Vec<Operand>,
}

/// Why a rule did not decide, and what would make it decide.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), Some(ruling::Outcome::Deny))?;
/// for why_not in &explanation.why_not {
///     assert_eq!(why_not.outcome, ruling::Outcome::Deny);
///     if let Some(counterfactual) = why_not.counterfactuals.first() {
///         println!("{}: {}", why_not.rule.id, counterfactual.changes[0].text);
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhyNot {
    /// The rule.
    pub rule: RuleRef,
    /// Its outcome.
    pub outcome: Outcome,
    /// Whether it is tried before or after the deciding rule.
    pub position: Position,
    /// How its condition comes out on the request.
    pub condition: ConditionStatus,
    /// The conditions that did not come out as the rule needs.
    pub unmet: Vec<Condition>,
    /// Changes after which this rule decides, each verified; smallest first.
    pub counterfactuals: Vec<Counterfactual>,
    /// Why no counterfactual is given, when none is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_counterfactual: Option<String>,
}

/// Where a rule that did not decide sits, against the deciding rule.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let below = explanation.why_not.iter().filter(|why_not| why_not.position == ruling::Position::Below);
/// println!("{} rules below the deciding one", below.count());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Tried before the deciding rule.
    Above,
    /// After the deciding rule: it decides only if the rules above stop
    /// holding.
    Below,
}

/// How the condition of a rule that did not decide comes out.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let unknown = explanation.why_not.iter().filter(|why_not| why_not.condition == ruling::ConditionStatus::Unknown);
/// println!("{} rules need more of the request", unknown.count());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionStatus {
    /// It holds, but a rule above decided first.
    Held,
    /// It does not hold.
    NotHeld,
    /// It needs a value the request does not give.
    Unknown,
    /// The default, which applies only when no rule holds.
    Default,
}

/// Changes to the request after which `rule` decides.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let original: serde_json::Value = serde_json::from_str(&request)?;
/// for counterfactual in explanation.why_not.iter().flat_map(|why_not| &why_not.counterfactuals) {
///     let changed = ruling::apply(&original, &counterfactual.changes);
///     let decision = ruling::decide_json(&policy, changed.to_string().as_bytes())?;
///     assert_eq!(decision.rule.id, counterfactual.rule);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Counterfactual {
    /// The changes, all needed.
    pub changes: Changes,
    /// The decision of the changed request (re-decided): always this rule.
    pub rule: String,
    /// The outcome of the changed request.
    pub outcome: Outcome,
}

/// Explains the decision of a JSON request. With `target`, only the rules
/// giving that outcome are explained under `why_not`.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// assert_eq!(explanation.rule.id, "within-window-support-contacted");
/// println!("{}", ruling::explanation_text(&explanation, false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explain(
    policy: &Policy,
    json: &[u8],
    target: Option<Outcome>,
) -> Result<Explanation, RequestFailure> {
    explain_listing(policy, json, target, Listed::Derived)
}

/// Explains the decision of a JSON request, listing the derived values
/// `listed`.
pub(crate) fn explain_listing(
    policy: &Policy,
    json: &[u8],
    target: Option<Outcome>,
    listed: Listed,
) -> Result<Explanation, RequestFailure> {
    let request = decode(&policy.schema, policy.meta.timezone, json)?;
    let decision = decide_listing(policy, &request, listed)?;
    let document: serde_json::Value = serde_json::from_slice(json).unwrap_or_default();
    let rules: Vec<&Rule> = policy.rules_in_order().collect();
    let deciding = rules
        .iter()
        .position(|rule| *rule.id == *decision.rule.id)
        .unwrap_or(rules.len());
    let mut evaluator = Evaluator::new(policy, &request);
    let why = match rules.get(deciding).and_then(|rule| rule.when.as_ref()) {
        Some(condition) => conditions(&mut evaluator, condition, true, Want::Met),
        None => Vec::new(),
    };
    let mut why_not = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        let wanted = match target {
            Some(outcome) => rule.outcome == outcome,
            None => rule.outcome != decision.outcome,
        };
        if index == deciding || !wanted {
            continue;
        }
        let (status, unmet) = match &rule.when {
            Some(condition) => {
                let status = match evaluator.eval(condition) {
                    Ok(Value::Bool(true)) => ConditionStatus::Held,
                    Ok(Value::Bool(false)) => ConditionStatus::NotHeld,
                    _ => ConditionStatus::Unknown,
                };
                (
                    status,
                    conditions(&mut evaluator, condition, true, Want::Unmet),
                )
            }
            None => (ConditionStatus::Default, Vec::new()),
        };
        let (counterfactuals, no_counterfactual) = match search(policy, &document, &rules, index) {
            Ok(found) if found.is_empty() => (
                found,
                Some("no change of the request that makes it decide was found".to_owned()),
            ),
            Ok(found) => (found, None),
            Err(Unsolvable(why)) => (Vec::new(), Some(why)),
        };
        why_not.push(WhyNot {
            rule: rule_ref(rule),
            outcome: rule.outcome,
            position: if index < deciding {
                Position::Above
            } else {
                Position::Below
            },
            condition: status,
            unmet,
            counterfactuals,
            no_counterfactual,
        });
    }
    Ok(Explanation {
        format: EXPLANATION_FORMAT,
        outcome: decision.outcome,
        target,
        rule: decision.rule,
        reason: decision.reason,
        why,
        derived: decision.derived,
        missing: decision.missing,
        policy: decision.policy,
        why_not,
    })
}

fn rule_ref(rule: &Rule) -> RuleRef {
    RuleRef {
        id: rule.id.to_string(),
        clause: rule.clause.to_string(),
        section: rule.section,
        default: rule.when.is_none(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The parts that came out as needed: why a rule applied.
    Met,
    /// The parts that did not: why a rule did not apply.
    Unmet,
}

/// The comparisons and values of `expr` that came out as needed (`Met`) or
/// not (`Unmet`) when `expr` should be `needed`. Unlike the trace, every
/// part is evaluated, so that a why-not names every failing condition, not
/// only the first.
fn conditions(
    evaluator: &mut Evaluator,
    expr: &Checked,
    needed: bool,
    want: Want,
) -> Vec<Condition> {
    let value = evaluator.eval(expr).unwrap_or(Value::Absent);
    let came_out = value == Value::Bool(needed);
    match &expr.node {
        Node::Not(inner) => conditions(evaluator, inner, !needed, want),
        // `a and b` needed true, `a or b` needed false: every part counts.
        // The other two: the parts that decided, and when the whole did not
        // come out, every part (none of them did).
        Node::And(left, right) | Node::Or(left, right) => {
            let conjunction = matches!(expr.node, Node::And(..)) == needed;
            let mut found = Vec::new();
            for part in [left, right] {
                let part_came_out =
                    evaluator.eval(part).unwrap_or(Value::Absent) == Value::Bool(needed);
                let keep = match want {
                    Want::Met => part_came_out || conjunction,
                    Want::Unmet => !part_came_out || (!conjunction && !came_out),
                };
                if keep {
                    found.extend(conditions(evaluator, part, needed, want));
                }
            }
            found
        }
        _ => {
            if (want == Want::Met) != came_out {
                return Vec::new();
            }
            let (op, operands) = match evaluator.trace(expr) {
                Ok(node) => (node.op, node.operands),
                Err(_) => (None, Vec::new()),
            };
            vec![Condition {
                expr: expr.text.to_string(),
                value,
                needed,
                op,
                operands,
            }]
        }
    }
}

/// Verified counterfactuals for `rules[index]`: candidate changes that
/// make its condition hold are applied and re-decided; when a rule above
/// decides instead, changes that make that rule not hold are added, and so
/// on, up to [`MAX_TRIES`] decisions.
pub(crate) fn search(
    policy: &Policy,
    document: &serde_json::Value,
    rules: &[&Rule],
    index: usize,
) -> Result<Vec<Counterfactual>, Unsolvable> {
    let Some(rule) = rules.get(index) else {
        return Ok(Vec::new());
    };
    let Ok(request) = decode_value(policy, document) else {
        return Ok(Vec::new());
    };
    let start = match &rule.when {
        Some(condition) => Solver::new(policy, &request).solve(condition, true)?,
        // The default needs no condition of its own: only the rules above
        // must stop holding.
        None => vec![Vec::new()],
    };
    let mut queue: VecDeque<Changes> = start.into();
    let mut found: Vec<Counterfactual> = Vec::new();
    let mut tries = 0;
    while let Some(changes) = queue.pop_front() {
        if tries >= MAX_TRIES || found.len() >= MAX_COUNTERFACTUALS {
            break;
        }
        tries += 1;
        let changed = apply(document, &changes);
        let Ok(request) = decode_value(policy, &changed) else {
            continue;
        };
        let Ok(decided) = ruling(policy, &request) else {
            continue;
        };
        if decided.rule.id == rule.id {
            if !found.iter().any(|known| known.changes == changes) {
                found.push(Counterfactual {
                    changes,
                    rule: rule.id.to_string(),
                    outcome: rule.outcome,
                });
            }
            continue;
        }
        // Only a rule above can be in the way; if a rule below decides, the
        // changes no longer make this rule hold.
        let in_the_way = rules
            .iter()
            .position(|other| other.id == decided.rule.id)
            .filter(|position| *position < index)
            .and_then(|position| rules.get(position))
            .and_then(|other| other.when.as_ref());
        let Some(blocking) = in_the_way else {
            continue;
        };
        let Ok(more) = Solver::new(policy, &request).solve(blocking, false) else {
            continue;
        };
        for extra in more {
            queue.push_back(combine(&changes, &extra));
        }
    }
    found.sort_by_key(|counterfactual| counterfactual.changes.len());
    Ok(found)
}

/// `first`, then `then`; a later change of the same path replaces the earlier.
fn combine(first: &[Change], then: &[Change]) -> Changes {
    let mut out: Changes = first
        .iter()
        .filter(|change| !then.iter().any(|later| later.path == change.path))
        .cloned()
        .collect();
    out.extend(then.iter().cloned());
    out
}

fn decode_value(policy: &Policy, document: &serde_json::Value) -> Result<Request, ()> {
    let bytes = serde_json::to_vec(document).map_err(|_| ())?;
    decode(&policy.schema, policy.meta.timezone, &bytes).map_err(|_| ())
}

/// The request's JSON with `changes` applied: objects on the way are made
/// when missing, and `remove` drops the member.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let original: serde_json::Value = serde_json::from_str(&request)?;
/// if let Some(counterfactual) = explanation.why_not.iter().flat_map(|why_not| &why_not.counterfactuals).next() {
///     let changed = ruling::apply(&original, &counterfactual.changes);
///     assert_ne!(changed, original);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply(document: &serde_json::Value, changes: &[Change]) -> serde_json::Value {
    let mut out = document.clone();
    for change in changes {
        let parts: Vec<&str> = change.path.split('.').collect();
        let Some((last, parents)) = parts.split_last() else {
            continue;
        };
        let mut object = &mut out;
        for part in parents {
            if !object.is_object() {
                *object = serde_json::Value::Object(serde_json::Map::new());
            }
            let serde_json::Value::Object(map) = object else {
                break;
            };
            object = map
                .entry((*part).to_owned())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        }
        if !object.is_object() {
            *object = serde_json::Value::Object(serde_json::Map::new());
        }
        if let serde_json::Value::Object(map) = object {
            match (&change.op, &change.value) {
                (ChangeOp::Remove, _) | (_, None) => {
                    map.remove(*last);
                }
                (_, Some(value)) => {
                    map.insert((*last).to_owned(), value.clone());
                }
            }
        }
    }
    out
}

fn serialize_named<S: Serializer>(
    values: &[(String, Value)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(values.len()))?;
    for (name, value) in values {
        map.serialize_entry(name, value)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::policy::load::load;

    const FIELDS: &str = r#"
format = 1
[policy]
id = "test"
version = "1"
title = "Test"
effective_date = 2025-01-01

[[field]]
path = "a.from"
type = "date"
description = "a date"

[[field]]
path = "a.to"
type = "date"
description = "a later date"

[[field]]
path = "a.at"
type = "datetime"
description = "a time"

[[field]]
path = "a.until"
type = "datetime"
description = "a later time"

[[field]]
path = "a.count"
type = "integer"
description = "a count"

[[field]]
path = "a.amount"
type = "decimal"
description = "an amount"

[[field]]
path = "a.flag"
type = "bool"
description = "a flag"

[[field]]
path = "a.kind"
type = "enum"
values = ["x", "y", "z"]
description = "a kind"

[[field]]
path = "a.text"
type = "string"
description = "a text"

[[field]]
path = "a.other"
type = "string"
description = "another text"

[[field]]
path = "a.needed"
type = "string"
description = "a required text"
required = true

[derived]
days = "days_between(a.from, a.to)"
months = "months_between(a.from, a.to)"
elapsed = "a.until - a.at"
"#;

    const REQUEST: &str = r#"{"a": {"from": "2025-03-01", "to": "2025-03-12",
        "at": "2025-03-01T10:00:00Z", "until": "2025-03-05T10:00:00Z", "count": 200,
        "amount": "80.50", "flag": true, "kind": "x", "text": " Ana@Example.com",
        "other": "ana@example.com", "needed": "yes"}}"#;

    /// The texts of the verified counterfactuals of rule `r`, whose
    /// condition is `when`, for `request`.
    fn changes(when: &str, request: &str) -> Vec<String> {
        let text = format!(
            "{FIELDS}\n[[rule]]\nid = \"m\"\nclause = \"§0\"\nsection = \"requirement\"\nwhen = 'any_missing()'\noutcome = \"needs_info\"\nreason = \"more\"\n\n\
             [[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"approve\"\nreason = \"yes\"\n\n\
             [default]\nid = \"otherwise\"\nclause = \"§2\"\noutcome = \"deny\"\nreason = \"no\"\n"
        );
        let policy = load(SourceFile::new("test.toml", text))
            .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
        let explanation = explain(&policy, request.as_bytes(), Some(Outcome::Approve)).unwrap();
        let why_not = explanation
            .why_not
            .iter()
            .find(|why_not| why_not.rule.id == "r")
            .unwrap_or_else(|| panic!("`r` decided: {explanation:#?}"));
        why_not
            .counterfactuals
            .iter()
            .map(|counterfactual| {
                let texts: Vec<&str> = counterfactual
                    .changes
                    .iter()
                    .map(|change| change.text.as_str())
                    .collect();
                texts.join(" and ")
            })
            .collect()
    }

    fn first(when: &str) -> String {
        changes(when, REQUEST)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    #[test]
    fn days_between_bounds_the_later_date() {
        assert_eq!(first("days <= 7"), "`a.to` on or before 2025-03-08");
        assert_eq!(first("days < 7"), "`a.to` on or before 2025-03-07");
        assert_eq!(first("days > 30"), "`a.to` on or after 2025-04-01");
    }

    #[test]
    fn months_between_bounds_the_later_date() {
        // a.from is 2025-03-01 and a.to 2025-03-12: 0 months.
        assert_eq!(first("months >= 2"), "`a.to` on or after 2025-05-01");
        assert_eq!(first("months > 2"), "`a.to` on or after 2025-06-01");
        assert_eq!(first("months == 1"), "`a.to` on 2025-04-01");
        let late = REQUEST.replace("2025-03-12", "2025-09-12");
        let texts = changes("months <= 2", &late);
        assert_eq!(
            texts.first().map(String::as_str),
            Some("`a.to` on or before 2025-05-31")
        );
        let texts = changes("months < 2", &late);
        assert_eq!(
            texts.first().map(String::as_str),
            Some("`a.to` on or before 2025-04-30")
        );
    }

    #[test]
    fn a_difference_of_datetimes_bounds_one_of_them() {
        assert_eq!(
            first("elapsed <= 48h"),
            "`a.until` at or before 2025-03-03T10:00:00Z"
        );
        assert_eq!(
            first("elapsed < 48h"),
            "`a.until` at or before 2025-03-03T09:59:59Z"
        );
        assert_eq!(
            first("a.to - a.from <= 2d"),
            "`a.to` on or before 2025-03-03"
        );
    }

    #[test]
    fn numbers_move_to_the_nearest_bound() {
        assert_eq!(first("a.count < 120"), "`a.count` at most 119");
        assert_eq!(first("a.count <= 119.5"), "`a.count` at most 119");
        assert_eq!(first("a.amount < 50"), "`a.amount` at most 49.99");
        assert_eq!(first("a.amount - 30 >= 60"), "`a.amount` at least 90");
        assert_eq!(first("120 > a.count"), "`a.count` at most 119");
    }

    #[test]
    fn bools_enums_and_lists() {
        assert_eq!(first("not a.flag"), "`a.flag` set to false");
        assert_eq!(first(r#"a.kind == "y""#), "`a.kind` set to \"y\"");
        assert_eq!(first(r#"a.kind != "x""#), "`a.kind` set to \"y\"");
        assert_eq!(
            changes(r#"a.kind in ["y", "z"]"#, REQUEST),
            ["`a.kind` set to \"y\"", "`a.kind` set to \"z\""]
        );
        assert_eq!(
            first(r#"a.kind not in ["x", "y"]"#),
            "`a.kind` set to \"z\""
        );
    }

    #[test]
    fn texts_compared_with_each_other() {
        assert_eq!(
            first("lower(trim(a.text)) != lower(trim(a.other))"),
            "`a.text` set to \"other-ana@example.com\""
        );
        let different = REQUEST.replace("ana@example.com\",", "bob@example.com\",");
        assert_eq!(
            changes("lower(trim(a.text)) == lower(trim(a.other))", &different),
            ["`a.text` set to \"bob@example.com\""]
        );
    }

    #[test]
    fn missing_fields_are_provided() {
        let without = REQUEST.replace("\"needed\": \"yes\"", "\"needed\": \" \"");
        assert_eq!(
            changes("a.count > 100", &without),
            ["provide `a.needed`"],
            "the rule above asks for the missing field: provide it"
        );
        assert_eq!(first("blank(a.text)"), "leave out `a.text`");
        let no_text = REQUEST.replace("\" Ana@Example.com\"", "null");
        assert_eq!(changes("present(a.text)", &no_text), ["provide `a.text`"]);
    }

    #[test]
    fn and_or_and_if_combine_their_parts() {
        assert_eq!(
            first("days <= 7 and not a.flag"),
            "`a.to` on or before 2025-03-08 and `a.flag` set to false"
        );
        assert_eq!(
            changes(r#"a.count < 100 or a.kind == "z""#, REQUEST),
            ["`a.count` at most 99", "`a.kind` set to \"z\""]
        );
        assert_eq!(
            first(r#"if a.flag then a.count < 10 else a.count < 1000"#),
            "`a.count` at most 9"
        );
    }

    #[test]
    fn what_cannot_be_solved_is_said() {
        let text = format!(
            "{FIELDS}\n[[rule]]\nid = \"m\"\nclause = \"§0\"\nsection = \"requirement\"\nwhen = 'any_missing()'\noutcome = \"needs_info\"\nreason = \"more\"\n\n\
             [[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = 'starts_with(a.text, \"x\")'\noutcome = \"approve\"\nreason = \"yes\"\n\n\
             [default]\nid = \"otherwise\"\nclause = \"§2\"\noutcome = \"deny\"\nreason = \"no\"\n"
        );
        let policy = load(SourceFile::new("test.toml", text)).unwrap();
        let explanation = explain(&policy, REQUEST.as_bytes(), Some(Outcome::Approve)).unwrap();
        let why_not = explanation.why_not.first().unwrap();
        assert!(why_not.counterfactuals.is_empty());
        assert_eq!(
            why_not.no_counterfactual.as_deref(),
            Some("`starts_with(a.text, \"x\")` cannot be turned into a change of the request")
        );
    }

    #[test]
    fn apply_makes_objects_and_removes_members() {
        let document = serde_json::json!({"a": {"b": 1}, "c": 2});
        let changes = [
            Change {
                path: "x.y".to_owned(),
                op: ChangeOp::Set,
                value: Some(serde_json::json!("v")),
                text: String::new(),
            },
            Change {
                path: "a.b".to_owned(),
                op: ChangeOp::Remove,
                value: None,
                text: String::new(),
            },
            Change {
                path: "c.d".to_owned(),
                op: ChangeOp::Provide,
                value: Some(serde_json::json!(3)),
                text: String::new(),
            },
        ];
        assert_eq!(
            apply(&document, &changes),
            serde_json::json!({"a": {}, "c": {"d": 3}, "x": {"y": "v"}})
        );
    }
}
