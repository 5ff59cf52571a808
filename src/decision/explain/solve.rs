//! Solving a condition for changes to the request that make it come out
//! `true` (or `false`).
//!
//! The solver reads the checked expression itself, never a policy's names:
//! `and`, `or`, `not` and `if` combine the answers of their parts, and the
//! leaves it can solve are comparisons of a field (or of a derived value,
//! `days_between`, `business_days_between`, a difference or a sum built on
//! fields) with a value, `in` lists, bool fields, `present`, `blank`,
//! `is_business_day` and `any_missing()`. Every
//! answer is a list of alternatives, each a set of [`Change`]s; an
//! alternative is only a candidate until it is re-decided (`super::search`).

use chrono::{Months, NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::evaluate::{Evaluator, Missing};
use crate::language::compiled::{Arithmetic, Checked, Comparison, Function, Node};
use crate::language::schema::Requirement;
use crate::language::types::Type;
use crate::language::value::Value;
use crate::language::zone::Zone;
use crate::policy::Policy;
use crate::policy::calendar::Calendar;
use crate::request::Request;

/// The most alternatives kept for one expression: products of `and`s grow
/// fast, and the first few are the smallest changes anyway.
const MAX_ALTERNATIVES: usize = 8;

/// One change to a request's JSON, at a dotted path.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// for change in explanation.why_not.iter().flat_map(|why_not| &why_not.counterfactuals).flat_map(|c| &c.changes) {
///     println!("{} {:?} {:?}: {}", change.path, change.op, change.value, change.text);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The field's dotted JSON path, as the policy declares it.
    pub path: String,
    /// What the change does.
    pub op: ChangeOp,
    /// The new JSON value; an example of the field's type for `provide`,
    /// absent for `remove`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The change in words, for people.
    pub text: String,
}

/// What a [`Change`] does to its field.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let removals = explanation.why_not.iter().flat_map(|why_not| &why_not.counterfactuals)
///     .flat_map(|c| &c.changes).filter(|change| change.op == ruling::ChangeOp::Remove);
/// println!("{} removals", removals.count());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Give the field this value.
    Set,
    /// Give the field, which the request does not give; the value is only an
    /// example of its type.
    Provide,
    /// Leave the field out.
    Remove,
}

/// Changes that together make an expression come out as wanted.
pub(crate) type Changes = Vec<Change>;

/// Why no change could be computed, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unsolvable(pub String);

type Solved = Result<Vec<Changes>, Unsolvable>;

/// Solves expressions of one policy over one request.
pub(crate) struct Solver<'a> {
    policy: &'a Policy,
    request: &'a Request,
    evaluator: Evaluator<'a>,
}

impl<'a> Solver<'a> {
    pub(crate) fn new(policy: &'a Policy, request: &'a Request) -> Self {
        Self {
            policy,
            request,
            evaluator: Evaluator::new(policy, request),
        }
    }

    /// The current value of `expr`; unknown when it cannot be computed,
    /// since a value the solver cannot read is one it cannot build on.
    fn value(&mut self, expr: &Checked) -> Value {
        self.evaluator.eval(expr).unwrap_or(Value::Absent)
    }

    /// Alternatives of changes that make `expr` come out as `want`. An
    /// expression that already does needs no change.
    pub(crate) fn solve(&mut self, expr: &Checked, want: bool) -> Solved {
        if self.value(expr) == Value::Bool(want) {
            return Ok(vec![Vec::new()]);
        }
        match &expr.node {
            Node::Not(inner) => self.solve(inner, !want),
            Node::And(left, right) if want => self.all(&[left.as_ref(), right.as_ref()], true),
            Node::Or(left, right) if !want => self.all(&[left.as_ref(), right.as_ref()], false),
            Node::And(left, right) => self.any(&[left.as_ref(), right.as_ref()], false),
            Node::Or(left, right) => self.any(&[left.as_ref(), right.as_ref()], true),
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                let mut alternatives = Vec::new();
                let mut failure = None;
                for (holds, branch) in [(true, then), (false, otherwise)] {
                    match (self.solve(condition, holds), self.solve(branch, want)) {
                        (Ok(first), Ok(second)) => alternatives.extend(product(first, second)),
                        (Err(error), _) | (_, Err(error)) => {
                            failure.get_or_insert(error);
                        }
                    }
                }
                finish(alternatives, failure)
            }
            Node::Field(slot) => self.set_field(*slot, Comparison::Eq, &Value::Bool(want)),
            Node::Derived(index) => {
                let policy = self.policy;
                match policy.derived.get(*index) {
                    Some(derived) => self.solve(&derived.value, want),
                    None => Err(cannot(expr)),
                }
            }
            Node::Compare(op, left, right) => {
                let op = if want { *op } else { negate(*op) };
                self.compare(op, left, right, expr)
            }
            Node::In {
                value,
                list,
                negated,
            } => self.membership(value, list, want != *negated, expr),
            Node::Call(Function::Present, args) => self.presence(args.first(), want, expr),
            Node::Call(Function::Blank, args) => self.presence(args.first(), !want, expr),
            Node::Call(Function::AnyMissing, _) => self.any_missing(want),
            Node::Call(Function::IsBusinessDay, args) if want => self.business_day(args, expr),
            _ => Err(cannot(expr)),
        }
    }

    /// `is_business_day(date, calendar)` must hold: the date moves to the
    /// next business day.
    fn business_day(&mut self, args: &[Checked], expr: &Checked) -> Solved {
        let (Some(date), Some(calendar)) = (args.first(), self.calendar(args.get(1))) else {
            return Err(cannot(expr));
        };
        let current = calendar_date(&self.value(date), self.policy.meta.timezone);
        let next = current
            .and_then(|current| calendar.add_business_days(current, 1))
            .ok_or_else(|| cannot(expr))?;
        self.bound(date, Comparison::Eq, &Value::Date(next))
    }

    /// The calendar a calendar function's argument names.
    fn calendar(&self, arg: Option<&Checked>) -> Option<&'a Calendar> {
        let policy: &'a Policy = self.policy;
        match arg?.constant()? {
            Value::String(name) => policy.calendar(name),
            _ => None,
        }
    }

    /// Every term must come out as `want`: the product of their answers.
    fn all(&mut self, terms: &[&Checked], want: bool) -> Solved {
        let mut alternatives = vec![Vec::new()];
        for term in terms {
            alternatives = product(alternatives, self.solve(term, want)?);
            if alternatives.is_empty() {
                return Err(Unsolvable(
                    "the changes its parts need contradict each other".to_owned(),
                ));
            }
        }
        Ok(alternatives)
    }

    /// One term coming out as `want` is enough: the union of their answers.
    fn any(&mut self, terms: &[&Checked], want: bool) -> Solved {
        let mut alternatives = Vec::new();
        let mut failure = None;
        for term in terms {
            match self.solve(term, want) {
                Ok(found) => alternatives.extend(found),
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        finish(alternatives, failure)
    }

    /// `left op right` must hold: bound one side by the other's value,
    /// the left side first, since conditions name the request's value first.
    fn compare(
        &mut self,
        op: Comparison,
        left: &Checked,
        right: &Checked,
        expr: &Checked,
    ) -> Solved {
        let (left_value, right_value) = (self.value(left), self.value(right));
        let mut failure = None;
        if !is_constant(left) && !right_value.is_absent() {
            match self.bound(left, op, &right_value) {
                Ok(found) => return Ok(found),
                Err(error) => failure = Some(error),
            }
        }
        if !is_constant(right) && !left_value.is_absent() {
            match self.bound(right, mirror(op), &left_value) {
                Ok(found) => return Ok(found),
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        Err(failure.unwrap_or_else(|| cannot(expr)))
    }

    /// Changes that make `target op bound` hold, moving one field.
    fn bound(&mut self, target: &Checked, op: Comparison, bound: &Value) -> Solved {
        let timezone = self.policy.meta.timezone;
        match &target.node {
            Node::Field(slot) => self.set_field(*slot, op, bound),
            Node::Derived(index) => {
                let policy = self.policy;
                match policy.derived.get(*index) {
                    Some(derived) => self.bound(&derived.value, op, bound),
                    None => Err(cannot(target)),
                }
            }
            // Text functions keep equality with a value of their own form
            // (`lower(x) == "a@b"` holds for `x = "a@b"`); re-deciding checks it.
            Node::Call(Function::Lower | Function::Upper | Function::Trim, args)
                if matches!(op, Comparison::Eq | Comparison::NotEq) =>
            {
                let arg = args.first().ok_or_else(|| cannot(target))?;
                self.bound(arg, op, bound)
            }
            // The field takes a date bound as a bound on its calendar date.
            Node::Call(Function::Date, args) => {
                let arg = args.first().ok_or_else(|| cannot(target))?;
                self.bound(arg, op, bound)
            }
            Node::Call(Function::DaysBetween, args) => {
                let (Some(from), Some(to), Value::Integer(days)) =
                    (args.first(), args.get(1), bound)
                else {
                    return Err(cannot(target));
                };
                // days_between(from, to) op n  ⇔  date(to) op date(from) + n,
                // and ⇔ date(from) mirror(op) date(to) - n. Moving `to` comes
                // first: it is the later date, usually the request's own.
                let mut failure = None;
                let from_date = calendar_date(&self.value(from), timezone);
                if let Some(date) = from_date.and_then(|date| shift(date, *days)) {
                    match self.bound(to, op, &Value::Date(date)) {
                        Ok(found) => return Ok(found),
                        Err(error) => failure = Some(error),
                    }
                }
                let to_date = calendar_date(&self.value(to), timezone);
                if let Some(date) = to_date.and_then(|date| shift(date, days.checked_neg()?)) {
                    match self.bound(from, mirror(op), &Value::Date(date)) {
                        Ok(found) => return Ok(found),
                        Err(error) => {
                            failure.get_or_insert(error);
                        }
                    }
                }
                Err(failure.unwrap_or_else(|| cannot(target)))
            }
            Node::Call(Function::BusinessDaysBetween, args) => {
                let (Some(from), Some(to), Some(calendar), Value::Integer(count)) =
                    (args.first(), args.get(1), self.calendar(args.get(2)), bound)
                else {
                    return Err(cannot(target));
                };
                // business_days_between(from, to) never decreases as `to`
                // moves later, and is n on add_business_days(from, n): `to`
                // is bounded by that business day. `to` moves, being the
                // later date, usually the request's own.
                let from_date =
                    calendar_date(&self.value(from), timezone).ok_or_else(|| cannot(target))?;
                let (op, count) = match op {
                    Comparison::GreaterEq | Comparison::LessEq | Comparison::Eq => {
                        (op, Some(*count))
                    }
                    Comparison::Greater => (Comparison::GreaterEq, count.checked_add(1)),
                    Comparison::Less => (Comparison::LessEq, count.checked_sub(1)),
                    Comparison::NotEq => return Err(cannot(target)),
                };
                let day = count
                    .and_then(|count| calendar.add_business_days(from_date, count))
                    .ok_or_else(|| cannot(target))?;
                self.bound(to, op, &Value::Date(day))
            }
            Node::Call(Function::MonthsBetween, args) => {
                let (Some(from), Some(to), Value::Integer(months)) =
                    (args.first(), args.get(1), bound)
                else {
                    return Err(cannot(target));
                };
                // months_between(from, to) is the most months that fit from
                // `from` to `to`, so it is at least n exactly when `to` is on
                // or after from + n months; the later date moves.
                let from_date =
                    calendar_date(&self.value(from), timezone).ok_or_else(|| cannot(target))?;
                let (op, months) = match op {
                    Comparison::GreaterEq | Comparison::Eq => (op, *months),
                    Comparison::Greater => (Comparison::GreaterEq, months.saturating_add(1)),
                    Comparison::Less => (Comparison::Less, *months),
                    Comparison::LessEq => (Comparison::Less, months.saturating_add(1)),
                    Comparison::NotEq => return Err(cannot(target)),
                };
                let date = add_months(from_date, months).ok_or_else(|| cannot(target))?;
                self.bound(to, op, &Value::Date(date))
            }
            Node::Arithmetic(arithmetic @ (Arithmetic::Sub | Arithmetic::Add), left, right) => {
                // left - right op k  ⇔  left op k + right  ⇔  right mirror(op) left - k;
                // left + right op k  ⇔  left op k - right  ⇔  right op k - left.
                let sub = *arithmetic == Arithmetic::Sub;
                let mut failure = None;
                let right_value = self.value(right);
                let for_left = if sub {
                    add(bound, &right_value)
                } else {
                    subtract(bound, &right_value)
                };
                if let Some(for_left) = for_left {
                    match self.bound(left, op, &for_left) {
                        Ok(found) => return Ok(found),
                        Err(error) => failure = Some(error),
                    }
                }
                let left_value = self.value(left);
                let for_right = if sub {
                    subtract(&left_value, bound).map(|value| (mirror(op), value))
                } else {
                    subtract(bound, &left_value).map(|value| (op, value))
                };
                if let Some((op, for_right)) = for_right {
                    match self.bound(right, op, &for_right) {
                        Ok(found) => return Ok(found),
                        Err(error) => {
                            failure.get_or_insert(error);
                        }
                    }
                }
                Err(failure.unwrap_or_else(|| cannot(target)))
            }
            _ => Err(cannot(target)),
        }
    }

    /// Sets field `slot` to the value nearest `bound` for which
    /// `field op bound` holds.
    fn set_field(&mut self, slot: usize, op: Comparison, bound: &Value) -> Solved {
        let field = self
            .policy
            .schema
            .field(slot)
            .ok_or_else(|| Unsolvable("the condition reads an unknown field".to_owned()))?;
        let path = &field.path;
        let direction = Direction::of(op);
        let unsolvable = || {
            Unsolvable(format!(
                "no value of `{path}` found for `{path} {} {bound}`",
                op.symbol()
            ))
        };
        let (value, words) = match (&field.ty, bound) {
            (Type::Bool, Value::Bool(b)) => match op {
                Comparison::Eq => (Value::Bool(*b), None),
                Comparison::NotEq => (Value::Bool(!*b), None),
                _ => return Err(unsolvable()),
            },
            (Type::Integer, Value::Integer(n)) => (
                Value::Integer(integer_boundary(op, *n).ok_or_else(unsolvable)?),
                Some(Words::Number),
            ),
            (Type::Integer, Value::Decimal(d)) => (
                Value::Integer(decimal_to_integer(op, *d).ok_or_else(unsolvable)?),
                Some(Words::Number),
            ),
            (Type::Decimal, number) => {
                let d = number.as_decimal().ok_or_else(unsolvable)?;
                (
                    Value::Decimal(decimal_boundary(op, d).ok_or_else(unsolvable)?),
                    Some(Words::Number),
                )
            }
            (Type::Date, Value::Date(date)) => (
                Value::Date(date_boundary(op, *date).ok_or_else(unsolvable)?),
                Some(Words::Date),
            ),
            (Type::DateTime, Value::DateTime(time)) => {
                let step = TimeDelta::seconds(1);
                let moved = match op {
                    Comparison::Less => time.checked_sub_signed(step),
                    Comparison::Greater | Comparison::NotEq => time.checked_add_signed(step),
                    _ => Some(*time),
                };
                (
                    Value::DateTime(moved.ok_or_else(unsolvable)?),
                    Some(Words::Time),
                )
            }
            // A datetime bounded by a calendar date: keep its time of day
            // (midnight when it has none), on the boundary date.
            (Type::DateTime, Value::Date(date)) => {
                let day = date_boundary(op, *date).ok_or_else(unsolvable)?;
                let timezone = self.policy.meta.timezone;
                let time_of_day = match self.request.values.get(slot) {
                    Some(Value::DateTime(current)) => timezone.time_of(current),
                    _ => chrono::NaiveTime::MIN,
                };
                let time = timezone
                    .instant(day.and_time(time_of_day))
                    .ok_or_else(unsolvable)?;
                let text = format!("`{path}` {} {day}", direction.date_words());
                return Ok(vec![vec![set(path, &Value::DateTime(time), text)]]);
            }
            (Type::Enum(values), Value::String(text)) => match op {
                Comparison::Eq if values.iter().any(|value| **value == **text) => {
                    (bound.clone(), None)
                }
                Comparison::NotEq => {
                    let other = values
                        .iter()
                        .find(|value| ***value != **text)
                        .ok_or_else(unsolvable)?;
                    (Value::string(other), None)
                }
                _ => return Err(unsolvable()),
            },
            (Type::String, Value::String(text)) => match op {
                Comparison::Eq => (bound.clone(), None),
                // Any other text will do; this one shows what it differs from.
                Comparison::NotEq => (Value::string(&format!("other-{text}")), None),
                _ => return Err(unsolvable()),
            },
            _ => return Err(unsolvable()),
        };
        let shown = value.shown();
        let text = match (words, direction) {
            (Some(Words::Date), _) => format!("`{path}` {} {shown}", direction.date_words()),
            (Some(Words::Time), _) => format!("`{path}` {} {shown}", direction.time_words()),
            (Some(Words::Number), Direction::AtMost) => format!("`{path}` at most {shown}"),
            (Some(Words::Number), Direction::AtLeast) => format!("`{path}` at least {shown}"),
            _ => format!("`{path}` set to {shown}"),
        };
        Ok(vec![vec![set(path, &value, text)]])
    }

    /// `value in list` must come out as `member`.
    fn membership(
        &mut self,
        value: &Checked,
        list: &Checked,
        member: bool,
        expr: &Checked,
    ) -> Solved {
        let Value::List(items) = self.value(list) else {
            return Err(cannot(expr));
        };
        if member {
            let mut alternatives = Vec::new();
            let mut failure = None;
            for item in items.iter().take(MAX_ALTERNATIVES) {
                match self.bound(value, Comparison::Eq, item) {
                    Ok(found) => alternatives.extend(found),
                    Err(error) => {
                        failure.get_or_insert(error);
                    }
                }
            }
            return finish(alternatives, failure);
        }
        // Outside a list: only an enum has a known set of other values.
        let Type::Enum(values) = &value.ty else {
            return Err(cannot(expr));
        };
        let mut alternatives = Vec::new();
        for other in values.iter().filter(|candidate| {
            !items
                .iter()
                .any(|item| matches!(item, Value::String(text) if **text == ***candidate))
        }) {
            if let Ok(found) = self.bound(value, Comparison::Eq, &Value::string(other)) {
                alternatives.extend(found);
            }
        }
        finish(alternatives, Some(cannot(expr)))
    }

    /// `present(arg)` must come out as `given`.
    fn presence(&mut self, arg: Option<&Checked>, given: bool, expr: &Checked) -> Solved {
        let Some(Node::Field(slot)) = arg.map(|arg| &arg.node) else {
            return Err(cannot(expr));
        };
        let change = if given {
            self.provide(*slot)
        } else {
            self.remove(*slot)
        };
        change
            .map(|change| vec![vec![change]])
            .ok_or_else(|| cannot(expr))
    }

    /// `any_missing()` must come out as `want`: give every missing field,
    /// or leave out the first field that is always required.
    fn any_missing(&mut self, want: bool) -> Solved {
        if want {
            let policy = self.policy;
            let slot = policy
                .schema
                .fields
                .iter()
                .position(|field| matches!(field.requirement, Requirement::Always))
                .ok_or_else(|| Unsolvable("no field is always required".to_owned()))?;
            let change = self
                .remove(slot)
                .ok_or_else(|| Unsolvable("no field is always required".to_owned()))?;
            return Ok(vec![vec![change]]);
        }
        let missing = self
            .evaluator
            .missing()
            .map(<[Missing]>::to_vec)
            .map_err(|error| Unsolvable(error.message.clone()))?;
        let changes = missing
            .into_iter()
            .filter_map(|missing| match missing {
                Missing::Field(slot) => self.provide(slot),
                Missing::Member(_) => None,
            })
            .collect();
        Ok(vec![changes])
    }

    fn provide(&self, slot: usize) -> Option<Change> {
        let field = self.policy.schema.field(slot)?;
        let example = self.example(&field.ty)?;
        Some(Change {
            path: field.path.clone(),
            op: ChangeOp::Provide,
            value: Some(example.to_json()),
            text: format!("provide `{}`", field.path),
        })
    }

    fn remove(&self, slot: usize) -> Option<Change> {
        let field = self.policy.schema.field(slot)?;
        Some(Change {
            path: field.path.clone(),
            op: ChangeOp::Remove,
            value: None,
            text: format!("leave out `{}`", field.path),
        })
    }

    /// A value of type `ty` that a request could plausibly give: dates take
    /// the latest date the request already gives, so that constraints such
    /// as "not before the purchase" keep holding, else the policy's effective
    /// date, else 1970-01-01.
    fn example(&self, ty: &Type) -> Option<Value> {
        let latest = |wanted: fn(&Value) -> bool| {
            self.request
                .values
                .iter()
                .filter(|value| wanted(value))
                .max_by(|a, b| a.compare(b).unwrap_or(std::cmp::Ordering::Equal))
                .cloned()
        };
        let effective = self
            .policy
            .meta
            .stated_effective_date()
            .unwrap_or(chrono::DateTime::UNIX_EPOCH.date_naive());
        Some(match ty {
            Type::Bool => Value::Bool(false),
            Type::Integer => Value::Integer(0),
            Type::Decimal => Value::Decimal(Decimal::ONE),
            Type::String => Value::string("example"),
            Type::Date => {
                latest(|value| matches!(value, Value::Date(_))).unwrap_or(Value::Date(effective))
            }
            Type::DateTime => {
                latest(|value| matches!(value, Value::DateTime(_))).or_else(|| {
                    self.policy
                        .meta
                        .timezone
                        .start_of_day(effective)
                        .map(Value::DateTime)
                })?
            }
            Type::Enum(values) => Value::string(values.first()?),
            Type::List(_) => Value::List(std::sync::Arc::from(Vec::new())),
            Type::Record(_) => return None,
            Type::Duration | Type::Nothing => return None,
        })
    }
}

#[derive(Clone, Copy)]
enum Words {
    Number,
    Date,
    Time,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    AtMost,
    AtLeast,
    Exactly,
    Differs,
}

impl Direction {
    const fn of(op: Comparison) -> Self {
        match op {
            Comparison::Less | Comparison::LessEq => Direction::AtMost,
            Comparison::Greater | Comparison::GreaterEq => Direction::AtLeast,
            Comparison::Eq => Direction::Exactly,
            Comparison::NotEq => Direction::Differs,
        }
    }

    const fn date_words(self) -> &'static str {
        match self {
            Direction::AtMost => "on or before",
            Direction::AtLeast => "on or after",
            Direction::Exactly => "on",
            Direction::Differs => "changed to",
        }
    }

    const fn time_words(self) -> &'static str {
        match self {
            Direction::AtMost => "at or before",
            Direction::AtLeast => "at or after",
            Direction::Exactly => "at",
            Direction::Differs => "changed to",
        }
    }
}

fn set(path: &str, value: &Value, text: String) -> Change {
    Change {
        path: path.to_owned(),
        op: ChangeOp::Set,
        value: Some(value.to_json()),
        text,
    }
}

fn cannot(expr: &Checked) -> Unsolvable {
    let mut aggregate = None;
    expr.visit(&mut |inner| {
        if let Node::Aggregate(found) = &inner.node {
            aggregate.get_or_insert_with(|| found.list.text.clone());
        }
    });
    match aggregate {
        Some(list) => Unsolvable(format!(
            "`{}` reads the items of `{list}`, and changes to the items of a list are not searched",
            expr.text
        )),
        None => Unsolvable(format!(
            "`{}` cannot be turned into a change of the request",
            expr.text
        )),
    }
}

fn finish(alternatives: Vec<Changes>, failure: Option<Unsolvable>) -> Solved {
    if alternatives.is_empty() {
        Err(failure.unwrap_or_else(|| Unsolvable("no change found".to_owned())))
    } else {
        let mut alternatives = alternatives;
        alternatives.truncate(MAX_ALTERNATIVES);
        Ok(alternatives)
    }
}

/// Every way to take one alternative of each side; an alternative that
/// gives one field two different values contradicts itself and is dropped.
fn product(first: Vec<Changes>, second: Vec<Changes>) -> Vec<Changes> {
    let mut out = Vec::new();
    for a in &first {
        for b in &second {
            let clash = b.iter().any(|change| {
                a.iter()
                    .any(|other| other.path == change.path && other != change)
            });
            if clash {
                continue;
            }
            let mut merged = a.clone();
            merged.extend(b.iter().filter(|change| !a.contains(change)).cloned());
            out.push(merged);
            if out.len() >= MAX_ALTERNATIVES {
                return out;
            }
        }
    }
    out
}

/// Whether `expr` reads nothing of the request.
fn is_constant(expr: &Checked) -> bool {
    let mut constant = true;
    expr.visit(&mut |inner| {
        constant &= !matches!(
            inner.node,
            Node::Field(_)
                | Node::Derived(_)
                | Node::Call(Function::AnyMissing | Function::MissingFields, _)
        );
    });
    constant
}

const fn negate(op: Comparison) -> Comparison {
    match op {
        Comparison::Eq => Comparison::NotEq,
        Comparison::NotEq => Comparison::Eq,
        Comparison::Less => Comparison::GreaterEq,
        Comparison::LessEq => Comparison::Greater,
        Comparison::Greater => Comparison::LessEq,
        Comparison::GreaterEq => Comparison::Less,
    }
}

/// The comparison with its sides swapped: `a < b` is `b > a`.
const fn mirror(op: Comparison) -> Comparison {
    match op {
        Comparison::Less => Comparison::Greater,
        Comparison::LessEq => Comparison::GreaterEq,
        Comparison::Greater => Comparison::Less,
        Comparison::GreaterEq => Comparison::LessEq,
        other => other,
    }
}

fn integer_boundary(op: Comparison, n: i64) -> Option<i64> {
    match op {
        Comparison::Less => n.checked_sub(1),
        Comparison::Greater | Comparison::NotEq => n.checked_add(1),
        _ => Some(n),
    }
}

/// The integer nearest a decimal bound that keeps `field op bound`.
fn decimal_to_integer(op: Comparison, d: Decimal) -> Option<i64> {
    let whole = d.fract().is_zero();
    let n = match op {
        Comparison::LessEq => d.floor(),
        Comparison::Less if whole => d.checked_sub(Decimal::ONE)?,
        Comparison::Less => d.floor(),
        Comparison::GreaterEq => d.ceil(),
        Comparison::Greater if whole => d.checked_add(Decimal::ONE)?,
        Comparison::Greater => d.ceil(),
        Comparison::Eq if whole => d,
        Comparison::NotEq => d.floor().checked_add(Decimal::ONE)?,
        Comparison::Eq => return None,
    };
    n.to_i64()
}

/// A strict bound moves by one unit of the bound's last decimal place, at
/// least a cent, since amounts are what decimals usually hold.
fn decimal_boundary(op: Comparison, d: Decimal) -> Option<Decimal> {
    let step = Decimal::new(1, d.scale().max(2));
    match op {
        Comparison::Less => d.checked_sub(step),
        Comparison::Greater => d.checked_add(step),
        Comparison::NotEq => d.checked_add(Decimal::ONE),
        _ => Some(d),
    }
}

fn date_boundary(op: Comparison, date: NaiveDate) -> Option<NaiveDate> {
    match op {
        Comparison::Less => shift(date, -1),
        Comparison::Greater | Comparison::NotEq => shift(date, 1),
        _ => Some(date),
    }
}

/// `date` moved by `months` calendar months, as `months_between` counts them.
fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let span = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        date.checked_add_months(span)
    } else {
        date.checked_sub_months(span)
    }
}

fn shift(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::try_days(days)?)
}

fn calendar_date(value: &Value, timezone: Zone) -> Option<NaiveDate> {
    match value {
        Value::Date(date) => Some(*date),
        Value::DateTime(time) => Some(timezone.date_of(time)),
        _ => None,
    }
}

/// `a + b` for the values bounds are made of; `None` when it does not apply.
fn add(a: &Value, b: &Value) -> Option<Value> {
    Some(match (a, b) {
        (Value::Integer(a), Value::Integer(b)) => Value::Integer(a.checked_add(*b)?),
        (Value::Duration(d), Value::Date(date)) | (Value::Date(date), Value::Duration(d)) => {
            Value::Date(date.checked_add_signed(whole_days(*d)?)?)
        }
        (Value::Duration(d), Value::DateTime(t)) | (Value::DateTime(t), Value::Duration(d)) => {
            Value::DateTime(t.checked_add_signed(*d)?)
        }
        (Value::Duration(a), Value::Duration(b)) => Value::Duration(a.checked_add(b)?),
        (a, b) => Value::Decimal(a.as_decimal()?.checked_add(b.as_decimal()?)?),
    })
}

/// `a - b` for the values bounds are made of; `None` when it does not apply.
fn subtract(a: &Value, b: &Value) -> Option<Value> {
    Some(match (a, b) {
        (Value::Integer(a), Value::Integer(b)) => Value::Integer(a.checked_sub(*b)?),
        (Value::Date(date), Value::Duration(d)) => {
            Value::Date(date.checked_sub_signed(whole_days(*d)?)?)
        }
        (Value::DateTime(t), Value::Duration(d)) => Value::DateTime(t.checked_sub_signed(*d)?),
        (Value::Date(a), Value::Date(b)) => Value::Duration(a.signed_duration_since(*b)),
        (Value::DateTime(a), Value::DateTime(b)) => Value::Duration(a.signed_duration_since(*b)),
        (Value::Duration(a), Value::Duration(b)) => Value::Duration(a.checked_sub(b)?),
        (a, b) => Value::Decimal(a.as_decimal()?.checked_sub(b.as_decimal()?)?),
    })
}

/// Dates move by whole days only, as in evaluation.
fn whole_days(duration: TimeDelta) -> Option<TimeDelta> {
    (duration.num_seconds() % 86_400 == 0 && duration.subsec_nanos() == 0).then_some(duration)
}
