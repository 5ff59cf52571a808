//! The cells of each field's domain: one value for every stretch between
//! two boundaries and one for every boundary, so that a value of each
//! behaviour the conditions can tell apart is tried.

use chrono::{Months, NaiveDate, TimeDelta};
use rust_decimal::Decimal;

use crate::language::types::Type;
use crate::language::value::Value;
use crate::policy::Policy;

use super::bounds::{Bounds, Relation, Shift};

/// What the enumeration has settled about one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing read yet: the request gives the field's first cell.
    Open,
    /// Left out of the request.
    Absent,
    /// Given, its value not read yet.
    Given,
    Value(Value),
}

/// The date the cells of unrelated date fields start from: the policy's
/// effective date when it states one.
fn anchor(policy: &Policy) -> NaiveDate {
    policy
        .meta
        .stated_effective_date()
        .or_else(|| NaiveDate::from_ymd_opt(2025, 1, 1))
        .unwrap_or_default()
}

/// The values worth trying for field `slot`, given the values already
/// chosen for the others: its constants, the boundaries its relations put
/// at the other fields' values, each with its neighbours.
pub fn values(policy: &Policy, bounds: &Bounds, slot: usize, cells: &[Cell]) -> Vec<Value> {
    let Some(field) = policy.schema.field(slot) else {
        return Vec::new();
    };
    let ty = &field.ty;
    let mut out = Vec::new();
    match ty {
        Type::Bool => return vec![Value::Bool(false), Value::Bool(true)],
        Type::Enum(values) => return values.iter().map(|value| Value::string(value)).collect(),
        Type::List(_) | Type::Record(_) => return vec![Value::List(Vec::new().into())],
        _ => {}
    }
    for relation in bounds.partners(slot) {
        let (partner, forward) = if relation.to == slot {
            (relation.from, true)
        } else {
            (relation.to, false)
        };
        match cells.get(partner) {
            Some(Cell::Value(value)) => {
                for moved in follow(policy, relation, value, forward) {
                    push_around(policy, ty, &moved, &mut out);
                }
            }
            // Not chosen yet: the partner's constants, moved, bound this
            // field too, so that every cell of the pair can be reached.
            _ => {
                let constants = bounds.constants.get(partner).cloned().unwrap_or_default();
                for constant in constants {
                    for moved in follow(policy, relation, &constant, forward) {
                        push_around(policy, ty, &moved, &mut out);
                    }
                }
            }
        }
    }
    for constant in bounds.constants.get(slot).into_iter().flatten() {
        push_around(policy, ty, constant, &mut out);
    }
    if *ty == Type::String {
        strings(bounds, &mut out);
    }
    if out.is_empty() {
        let first = match ty {
            Type::Integer => Value::Integer(0),
            Type::Decimal => Value::Decimal(Decimal::ONE),
            Type::Date => Value::Date(anchor(policy)),
            Type::DateTime => match policy.meta.timezone.start_of_day(anchor(policy)) {
                Some(time) => Value::DateTime(time),
                None => return out,
            },
            Type::Duration => Value::Duration(TimeDelta::zero()),
            _ => Value::string("x"),
        };
        out.push(first);
    }
    out
}

/// Texts: the variants the comparisons tell apart (letter case, spaces,
/// empty) of each value, and one text unlike any.
fn strings(bounds: &Bounds, out: &mut Vec<Value>) {
    let given: Vec<String> = out
        .iter()
        .filter_map(|value| match value {
            Value::String(text) => Some(text.to_string()),
            _ => None,
        })
        .collect();
    for text in &given {
        if bounds.case {
            push(out, Value::string(&text.to_uppercase()));
        }
        if bounds.spaces {
            push(out, Value::string(&format!(" {text} ")));
        }
    }
    if bounds.blank {
        push(out, Value::string(""));
    }
    let mut other = String::from("x");
    while given.contains(&other) {
        other.push('x');
    }
    push(out, Value::string(&other));
}

/// The values `relation` puts on the field at its `to` end (`forward`) or
/// its `from` end, given the other end's value.
fn follow(policy: &Policy, relation: &Relation, value: &Value, forward: bool) -> Vec<Value> {
    let sign = if forward { 1 } else { -1 };
    let timezone = policy.meta.timezone;
    let date = match value {
        Value::Date(date) => Some(*date),
        Value::DateTime(time) => Some(timezone.date_of(time)),
        _ => None,
    };
    let moved = match &relation.shift {
        Shift::Same => Some(value.clone()),
        Shift::Days(days) => date
            .zip(days.checked_mul(sign))
            .and_then(|(date, days)| shift_days(date, days))
            .map(Value::Date),
        Shift::Months(months) => date
            .zip(months.checked_mul(sign))
            .and_then(|(date, months)| add_months(date, months))
            .map(Value::Date),
        Shift::BusinessDays(count, calendar) => {
            let calendar = policy.calendars.get(*calendar);
            date.zip(calendar)
                .zip(count.checked_mul(sign))
                .and_then(|((date, calendar), count)| calendar.add_business_days(date, count))
                .map(Value::Date)
        }
        Shift::Duration(duration) => {
            let duration = if forward {
                Some(*duration)
            } else {
                TimeDelta::zero().checked_sub(duration)
            };
            match (value, duration) {
                (Value::DateTime(time), Some(duration)) => {
                    time.checked_add_signed(duration).map(Value::DateTime)
                }
                (Value::Date(date), Some(duration)) => {
                    date.checked_add_signed(duration).map(Value::Date)
                }
                _ => None,
            }
        }
        Shift::Number(number) => {
            let number = if forward { *number } else { -*number };
            match value {
                Value::Integer(n) => Decimal::from(*n).checked_add(number).map(Value::Decimal),
                Value::Decimal(d) => d.checked_add(number).map(Value::Decimal),
                _ => None,
            }
        }
    };
    moved.into_iter().collect()
}

/// `value`, fitted to the field's type, and its neighbours on each side.
fn push_around(policy: &Policy, ty: &Type, value: &Value, out: &mut Vec<Value>) {
    let timezone = policy.meta.timezone;
    match (ty, value) {
        (Type::Integer, Value::Integer(n)) => {
            for delta in [0, -1, 1] {
                if let Some(n) = n.checked_add(delta) {
                    push(out, Value::Integer(n));
                }
            }
        }
        (Type::Integer, Value::Decimal(d)) => {
            for n in [
                d.floor(),
                d.ceil(),
                d.floor() - Decimal::ONE,
                d.ceil() + Decimal::ONE,
            ] {
                if let Ok(n) = i64::try_from(n) {
                    push(out, Value::Integer(n));
                }
            }
        }
        (Type::Decimal, Value::Integer(_) | Value::Decimal(_)) => {
            if let Some(d) = value.as_decimal() {
                let step = Decimal::new(1, d.scale().max(2));
                push(out, Value::Decimal(d));
                for near in [d.checked_sub(step), d.checked_add(step)]
                    .into_iter()
                    .flatten()
                {
                    push(out, Value::Decimal(near));
                }
            }
        }
        (Type::Date, Value::Date(date)) => {
            for delta in [0, -1, 1] {
                if let Some(date) = shift_days(*date, delta) {
                    push(out, Value::Date(date));
                }
            }
        }
        (Type::Date, Value::DateTime(time)) => {
            push_around(policy, ty, &Value::Date(timezone.date_of(time)), out);
        }
        (Type::DateTime, Value::Date(date)) => {
            // A day's first and last second, and the seconds next to them.
            for day in [Some(*date), shift_days(*date, 1)].into_iter().flatten() {
                if let Some(start) = timezone.start_of_day(day) {
                    push(out, Value::DateTime(start));
                    if let Some(before) = start.checked_sub_signed(TimeDelta::seconds(1)) {
                        push(out, Value::DateTime(before));
                    }
                }
            }
        }
        (Type::DateTime, Value::DateTime(time)) => {
            push(out, Value::DateTime(*time));
            for delta in [-1, 1] {
                if let Some(near) = time.checked_add_signed(TimeDelta::seconds(delta)) {
                    push(out, Value::DateTime(near));
                }
            }
        }
        (Type::String, Value::String(_)) | (Type::Duration, Value::Duration(_)) => {
            push(out, value.clone());
        }
        _ => {}
    }
}

fn push(out: &mut Vec<Value>, value: Value) {
    if !out.contains(&value) {
        out.push(value);
    }
}

fn shift_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(TimeDelta::try_days(days)?)
}

fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let span = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        date.checked_add_months(span)
    } else {
        date.checked_sub_months(span)
    }
}
