//! Aggregates over the items of a list: `any`, `all`, `count`, `sum`,
//! `min` and `max`, with three-valued logic. An item whose filter or value
//! is unknown makes the result unknown, except where the known items
//! already decide it (`any` with one item true, `all` with one false).

use std::cmp::Ordering;
use std::sync::Arc;

use super::trace::TraceLog;
use super::{EvalError, Evaluator, Result, arithmetic};
use crate::language::compiled::{Aggregate, AggregateKind, Arithmetic, Checked};
use crate::language::types::Type;
use crate::language::value::Value;
use crate::limits::MAX_ITEMS_VISITED;

/// The most items of one aggregate whose values a trace lists.
const MAX_TRACED_ITEMS: usize = 20;

/// How one item came out: left out by the filter, or its value.
enum Outcome {
    Skipped,
    Value(Value),
}

impl Evaluator<'_> {
    #[inline(never)]
    pub(super) fn aggregate(&mut self, aggregate: &Aggregate, expr: &Checked) -> Result<Value> {
        let Value::List(items) = self.eval(&aggregate.list)? else {
            return Ok(Value::Absent);
        };
        self.visit_items(items.len(), expr)?;
        let mut total = Total::new(aggregate.kind, &expr.ty);
        for item in items.iter() {
            let outcome = self.item(aggregate, item)?;
            if let Some(decided) = total.add(outcome, expr)? {
                return Ok(decided);
            }
        }
        Ok(total.finish())
    }

    /// Counts `count` more items against the budget of one decision.
    fn visit_items(&mut self, count: usize, expr: &Checked) -> Result<()> {
        self.items_visited = self.items_visited.saturating_add(count);
        if self.items_visited > MAX_ITEMS_VISITED {
            return Err(EvalError::new(
                format!(
                    "`{}` makes this decision visit more than {MAX_ITEMS_VISITED} list items",
                    expr.text
                ),
                expr,
            ));
        }
        Ok(())
    }

    /// The filter and value of one item, the item bound at its depth.
    fn item(&mut self, aggregate: &Aggregate, item: &Value) -> Result<Outcome> {
        self.locals.truncate(aggregate.binding);
        self.locals.push(item.clone());
        let outcome = self.item_bound(aggregate);
        self.locals.truncate(aggregate.binding);
        outcome
    }

    fn item_bound(&mut self, aggregate: &Aggregate) -> Result<Outcome> {
        let kept = match &aggregate.filter {
            Some(filter) => self.truth(filter)?,
            None => Some(true),
        };
        Ok(match kept {
            Some(false) => Outcome::Skipped,
            Some(true) => Outcome::Value(self.eval(&aggregate.value)?),
            None if aggregate.kind.counts_conditions() => {
                // `filter and value`: false when the value is false.
                match self.truth(&aggregate.value)? {
                    Some(false) => Outcome::Value(Value::Bool(false)),
                    _ => Outcome::Value(Value::Absent),
                }
            }
            _ => Outcome::Value(Value::Absent),
        })
    }

    /// The items that decided an aggregate, for the trace: for `any` and
    /// `all`, the item that settled it (or made it unknown), with how its
    /// filter and value came out; for the others, each kept item's value.
    pub(super) fn trace_aggregate<'p>(
        &mut self,
        aggregate: &'p Aggregate,
        result: &Value,
        log: &mut TraceLog<'p>,
    ) -> Result<()> {
        let Value::List(items) = self.eval(&aggregate.list)? else {
            return Ok(());
        };
        let mut listed = 0;
        for (index, item) in items.iter().enumerate() {
            let Outcome::Value(value) = self.item(aggregate, item)? else {
                continue;
            };
            if aggregate.kind.counts_conditions() {
                if settles(aggregate.kind, &value, result) {
                    return self.trace_item(aggregate, item, index, log);
                }
            } else if listed < MAX_TRACED_ITEMS {
                listed += 1;
                log.item_value(&aggregate.list, index, value);
            }
        }
        Ok(())
    }

    fn trace_item<'p>(
        &mut self,
        aggregate: &'p Aggregate,
        item: &Value,
        index: usize,
        log: &mut TraceLog<'p>,
    ) -> Result<()> {
        self.locals.truncate(aggregate.binding);
        self.locals.push(item.clone());
        let at = log.open_item(&aggregate.binder, &aggregate.list, index);
        let traced = (|| {
            if let Some(filter) = &aggregate.filter {
                self.trace_node(filter, log)?;
            }
            self.trace_node(&aggregate.value, log)
        })();
        self.locals.truncate(aggregate.binding);
        log.close_item(at, traced?);
        Ok(())
    }
}

/// Whether an item whose value is `value` is the one that gave an `any`,
/// `all` or `count` its `result`.
fn settles(kind: AggregateKind, value: &Value, result: &Value) -> bool {
    match (kind, result) {
        (AggregateKind::Any, Value::Bool(true)) => *value == Value::Bool(true),
        (AggregateKind::All, Value::Bool(false)) => *value == Value::Bool(false),
        (_, Value::Absent) => value.is_absent(),
        _ => false,
    }
}

/// The running result of an aggregate.
struct Total {
    kind: AggregateKind,
    value: Value,
    /// The values of `list`.
    collected: Vec<Value>,
    unknown: bool,
}

impl Total {
    fn new(kind: AggregateKind, ty: &Type) -> Self {
        let value = match kind {
            AggregateKind::Any => Value::Bool(false),
            AggregateKind::All => Value::Bool(true),
            AggregateKind::Count => Value::Integer(0),
            AggregateKind::Sum => zero(ty),
            AggregateKind::Min | AggregateKind::Max => Value::Absent,
            AggregateKind::List => Value::List(Arc::from(Vec::new())),
        };
        Self {
            kind,
            value,
            collected: Vec::new(),
            unknown: false,
        }
    }

    /// Adds one item; `Some` when the result is decided whatever follows.
    fn add(&mut self, outcome: Outcome, expr: &Checked) -> Result<Option<Value>> {
        let Outcome::Value(value) = outcome else {
            return Ok(None);
        };
        if value.is_absent() {
            self.unknown = true;
            return Ok(None);
        }
        match self.kind {
            AggregateKind::Any if value == Value::Bool(true) => return Ok(Some(value)),
            AggregateKind::All if value == Value::Bool(false) => return Ok(Some(value)),
            AggregateKind::Any | AggregateKind::All => {}
            AggregateKind::Count => {
                if value == Value::Bool(true) {
                    let count = std::mem::replace(&mut self.value, Value::Absent);
                    self.value = arithmetic(Arithmetic::Add, count, Value::Integer(1), expr)?;
                }
            }
            AggregateKind::Sum => {
                let sum = std::mem::replace(&mut self.value, Value::Absent);
                self.value = arithmetic(Arithmetic::Add, sum, value, expr)?;
            }
            AggregateKind::Min => self.keep_if(value, Ordering::Less),
            AggregateKind::Max => self.keep_if(value, Ordering::Greater),
            AggregateKind::List => self.collected.push(value),
        }
        Ok(None)
    }

    fn keep_if(&mut self, value: Value, wanted: Ordering) {
        if self.value.is_absent() || value.compare(&self.value) == Some(wanted) {
            self.value = value;
        }
    }

    fn finish(self) -> Value {
        if self.unknown {
            Value::Absent
        } else if self.kind == AggregateKind::List {
            Value::List(Arc::from(self.collected))
        } else {
            self.value
        }
    }
}

/// The sum of no items.
fn zero(ty: &Type) -> Value {
    match ty {
        Type::Decimal => Value::Decimal(rust_decimal::Decimal::ZERO),
        Type::Duration => Value::Duration(chrono::TimeDelta::zero()),
        _ => Value::Integer(0),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::policy::Policy;
    use crate::policy::load::load;
    use crate::request::decode;

    const POLICY: &str = r#"
format = 1
[policy]
id = "test"
version = "1"
title = "Test"
effective_date = 2025-01-01

[[field]]
path = "order.items"
type = "list"
items = "object"
description = "lines"

[[field]]
path = "order.items[].price"
type = "decimal"
description = "price"

[[field]]
path = "order.items[].opened"
type = "bool"
description = "opened"
required_when = "item.price > 100"

[[field]]
path = "order.items[].kind"
type = "enum"
values = ["game", "dlc"]
description = "kind"
required = true

[[field]]
path = "order.items[].parts"
type = "list"
items = "object"
description = "parts"

[[field]]
path = "order.items[].parts[].weight"
type = "integer"
description = "weight"
required = true

[default]
id = "otherwise"
clause = "§0"
outcome = "deny"
reason = "no"
"#;

    fn policy(expr: &str) -> Policy {
        let text = format!("{POLICY}\n[derived]\nresult = '{expr}'\n");
        load(SourceFile::new("test.toml", text))
            .unwrap_or_else(|error| panic!("{:?}", error.diagnostics))
    }

    fn eval_on(expr: &str, items: &str) -> Value {
        let policy = policy(expr);
        let json = format!(r#"{{"order": {{"items": {items}}}}}"#);
        let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
        Evaluator::new(&policy, &request)
            .eval(&policy.derived[0].value)
            .unwrap()
    }

    const THREE: &str = r#"[
        {"price": "10.50", "opened": true, "kind": "game"},
        {"price": 20, "opened": false, "kind": "dlc"},
        {"price": "5.25", "opened": true, "kind": "game"}]"#;

    fn decimal(text: &str) -> Value {
        Value::Decimal(text.parse().unwrap())
    }

    #[test]
    fn aggregates_of_known_items() {
        let cases = [
            (
                "any(item.opened for item in order.items)",
                Value::Bool(true),
            ),
            (
                "all(item.opened for item in order.items)",
                Value::Bool(false),
            ),
            (
                "count(item.opened for item in order.items)",
                Value::Integer(2),
            ),
            ("sum(item.price for item in order.items)", decimal("35.75")),
            (
                r#"sum(item.price for item in order.items if item.kind == "game")"#,
                decimal("15.75"),
            ),
            ("min(item.price for item in order.items)", decimal("5.25")),
            ("max(item.price for item in order.items)", decimal("20")),
            ("length(order.items)", Value::Integer(3)),
        ];
        for (expr, expected) in cases {
            assert_eq!(eval_on(expr, THREE), expected, "{expr}");
        }
    }

    #[test]
    fn aggregates_of_no_items() {
        let cases = [
            (
                "any(item.opened for item in order.items)",
                Value::Bool(false),
            ),
            (
                "all(item.opened for item in order.items)",
                Value::Bool(true),
            ),
            (
                "count(item.opened for item in order.items)",
                Value::Integer(0),
            ),
            ("sum(item.price for item in order.items)", decimal("0")),
            ("min(item.price for item in order.items)", Value::Absent),
        ];
        for (expr, expected) in cases {
            assert_eq!(eval_on(expr, "[]"), expected, "{expr}");
        }
    }

    #[test]
    fn an_unknown_item_makes_the_result_unknown_unless_others_decide_it() {
        // The second item gives no price: its value is unknown.
        let items = r#"[{"price": "150", "opened": false, "kind": "game"}, {"kind": "dlc"}]"#;
        let cases = [
            (
                "any(item.price > 100 for item in order.items)",
                Value::Bool(true),
            ),
            (
                "all(item.price > 100 for item in order.items)",
                Value::Absent,
            ),
            (
                "all(item.price > 200 for item in order.items)",
                Value::Bool(false),
            ),
            (
                "any(item.price > 200 for item in order.items)",
                Value::Absent,
            ),
            (
                "count(item.price > 0 for item in order.items)",
                Value::Absent,
            ),
            ("sum(item.price for item in order.items)", Value::Absent),
            (
                r#"sum(item.price for item in order.items if item.kind == "game")"#,
                decimal("150"),
            ),
            ("max(item.price for item in order.items)", Value::Absent),
        ];
        for (expr, expected) in cases {
            assert_eq!(eval_on(expr, items), expected, "{expr}");
        }
    }

    #[test]
    fn a_list_not_given_is_unknown() {
        let policy = policy("count(item.opened for item in order.items)");
        let request = decode(&policy.schema, policy.meta.timezone, b"{}").unwrap();
        let value = Evaluator::new(&policy, &request)
            .eval(&policy.derived[0].value)
            .unwrap();
        assert_eq!(value, Value::Absent);
    }

    #[test]
    fn aggregates_nest() {
        let items = r#"[
            {"price": 1, "kind": "game", "parts": [{"weight": 2}, {"weight": 3}]},
            {"price": 1, "kind": "game", "parts": [{"weight": 4}]}]"#;
        let expr = "sum(sum(part.weight for part in item.parts) for item in order.items)";
        assert_eq!(eval_on(expr, items), Value::Integer(9));
        let expr = "any(all(part.weight > 3 for part in item.parts) for item in order.items)";
        assert_eq!(eval_on(expr, items), Value::Bool(true));
    }

    #[test]
    fn missing_members_are_listed_with_their_item() {
        let policy = policy("1");
        let json = r#"{"order": {"items": [
            {"price": "150", "kind": "game"},
            {"price": 1, "parts": [{"weight": 1}, {}]}]}}"#;
        let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
        let mut evaluator = Evaluator::new(&policy, &request);
        let missing: Vec<String> = evaluator
            .missing()
            .unwrap()
            .iter()
            .map(|missing| missing.path(&policy.schema))
            .collect();
        assert_eq!(
            missing,
            [
                "order.items[0].opened",
                "order.items[1].kind",
                "order.items[1].parts[1].weight"
            ]
        );
    }

    #[test]
    fn the_trace_shows_the_item_that_settled_any() {
        let policy = policy(r#"any(item.opened for item in order.items if item.kind == "dlc")"#);
        let json = r#"{"order": {"items": [
            {"price": 1, "opened": true, "kind": "game"},
            {"price": 2, "opened": true, "kind": "dlc"}]}}"#;
        let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
        let trace = Evaluator::new(&policy, &request)
            .trace(&policy.derived[0].value)
            .unwrap();
        assert_eq!(trace.value, Some(Value::Bool(true)));
        let [item] = trace.terms.as_slice() else {
            panic!("one deciding item: {trace:?}")
        };
        assert_eq!(&*item.expr, "item = order.items[1]");
        let texts: Vec<&str> = item.terms.iter().map(|term| &*term.expr).collect();
        assert_eq!(texts, [r#"item.kind == "dlc""#, "item.opened"]);
    }

    #[test]
    fn the_trace_lists_the_values_a_sum_kept() {
        let policy = policy(r#"sum(item.price for item in order.items if item.kind == "game")"#);
        let json = format!(r#"{{"order": {{"items": {THREE}}}}}"#);
        let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
        let trace = Evaluator::new(&policy, &request)
            .trace(&policy.derived[0].value)
            .unwrap();
        let kept: Vec<(&str, String)> = trace
            .operands
            .iter()
            .map(|operand| (&*operand.expr, operand.value.to_string()))
            .collect();
        assert_eq!(
            kept,
            [
                ("order.items[0]", "10.50".to_owned()),
                ("order.items[2]", "5.25".to_owned())
            ]
        );
    }

    #[test]
    fn a_list_aggregate_collects_the_values_of_the_kept_items() {
        let expr = r#"[item.price for item in order.items if item.kind == "game"]"#;
        assert_eq!(
            eval_on(expr, THREE),
            Value::List(Arc::from(vec![decimal("10.50"), decimal("5.25")]))
        );
        let unknown = r#"[{"price": 1, "kind": "game"}, {"kind": "game"}]"#;
        assert_eq!(
            eval_on("[item.price for item in order.items]", unknown),
            Value::Absent
        );
    }

    #[test]
    fn nested_aggregates_over_long_lists_stop_at_the_budget() {
        let items: Vec<String> = (0..1_100)
            .map(|price| format!(r#"{{"price": {price}, "kind": "dlc"}}"#))
            .collect();
        let json = format!(r#"{{"order": {{"items": [{}]}}}}"#, items.join(","));
        let policy = policy(
            "sum(count(other.price <= item.price for other in order.items) for item in order.items)",
        );
        let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
        let error = Evaluator::new(&policy, &request)
            .eval(&policy.derived[0].value)
            .unwrap_err();
        assert!(
            error.message.contains("visit more than 1000000 list items"),
            "{}",
            error.message
        );
    }
}
