//! Aggregates over the items of a list: `any`, `all`, `count`, `sum`,
//! `min` and `max`, with three-valued logic. An item whose filter or value
//! is unknown makes the result unknown, except where the known items
//! already decide it (`any` with one item true, `all` with one false).

use std::cmp::Ordering;

use super::{Evaluator, Operand, Result, TraceNode, arithmetic};
use crate::language::compiled::{Aggregate, AggregateKind, Arithmetic, Checked};
use crate::language::types::Type;
use crate::language::value::Value;

/// The most items of one aggregate whose values a trace lists.
const MAX_TRACED_ITEMS: usize = 20;

/// How one item came out: left out by the filter, or its value.
enum Outcome {
    Skipped,
    Value(Value),
}

impl Evaluator<'_> {
    pub(super) fn aggregate(&mut self, aggregate: &Aggregate, expr: &Checked) -> Result<Value> {
        let Value::List(items) = self.eval(&aggregate.list)? else {
            return Ok(Value::Absent);
        };
        let mut total = Total::new(aggregate.kind, &expr.ty);
        for item in items.iter() {
            let outcome = self.item(aggregate, item)?;
            if let Some(decided) = total.add(outcome, expr)? {
                return Ok(decided);
            }
        }
        Ok(total.finish())
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
            Some(filter) => self.eval(filter)?,
            None => Value::Bool(true),
        };
        Ok(match kept {
            Value::Bool(false) => Outcome::Skipped,
            Value::Bool(true) => Outcome::Value(self.eval(&aggregate.value)?),
            _ if aggregate.kind.counts_conditions() => {
                // `filter and value`: false when the value is false.
                match self.eval(&aggregate.value)? {
                    Value::Bool(false) => Outcome::Value(Value::Bool(false)),
                    _ => Outcome::Value(Value::Absent),
                }
            }
            _ => Outcome::Value(Value::Absent),
        })
    }

    /// The items that decided an aggregate, for the trace: for `any` and
    /// `all`, the item that settled it (or made it unknown), with how its
    /// filter and value came out; for the others, each kept item's value.
    pub(super) fn trace_aggregate(
        &mut self,
        aggregate: &Aggregate,
        result: &Value,
        node: &mut TraceNode,
    ) -> Result<()> {
        let Value::List(items) = self.eval(&aggregate.list)? else {
            return Ok(());
        };
        for (index, item) in items.iter().enumerate() {
            let outcome = self.item(aggregate, item)?;
            let Outcome::Value(value) = outcome else {
                continue;
            };
            let name = format!("{}[{index}]", aggregate.list.text);
            if aggregate.kind.counts_conditions() {
                if settles(aggregate.kind, &value, result) {
                    node.terms.push(self.trace_item(aggregate, item, name)?);
                    return Ok(());
                }
            } else if node.operands.len() < MAX_TRACED_ITEMS {
                node.operands.push(Operand { expr: name, value });
            }
        }
        Ok(())
    }

    fn trace_item(
        &mut self,
        aggregate: &Aggregate,
        item: &Value,
        name: String,
    ) -> Result<TraceNode> {
        self.locals.truncate(aggregate.binding);
        self.locals.push(item.clone());
        let mut terms = Vec::new();
        let traced = (|| {
            if let Some(filter) = &aggregate.filter {
                terms.push(self.trace(filter)?);
            }
            terms.push(self.trace(&aggregate.value)?);
            Ok(())
        })();
        self.locals.truncate(aggregate.binding);
        traced?;
        let value = terms.last().and_then(|term| term.value.clone());
        Ok(TraceNode {
            expr: format!("{} = {name}", aggregate.binder),
            value,
            op: None,
            operands: Vec::new(),
            terms,
        })
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
        };
        Self {
            kind,
            value,
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
