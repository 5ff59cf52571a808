//! The boundaries the conditions of a policy draw on each field: the
//! constants a field is compared with, and the relations between fields
//! (`days_between(purchase.date, request.date) <= 14` puts `request.date`
//! 14 days after `purchase.date`), followed through derived values as the
//! counterfactual solver does.

use chrono::TimeDelta;
use rust_decimal::Decimal;

use crate::language::compiled::{Arithmetic, Checked, Function, Node};
use crate::language::schema::Requirement;
use crate::language::value::Value;
use crate::policy::Policy;

/// How a field's boundary follows another field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Shift {
    /// Equal to it (`request.email == purchase.email`).
    Same,
    /// That many calendar days later (`days_between`).
    Days(i64),
    /// That many months later (`months_between`).
    Months(i64),
    /// That many business days later in the calendar at this index
    /// (`business_days_between`).
    BusinessDays(i64, usize),
    /// Later by this duration (`a - b >= hours(2)`).
    Duration(TimeDelta),
    /// Larger by this number (`refund.amount <= purchase.amount + 5`).
    Number(Decimal),
}

/// `to` has a boundary at `from` moved by `shift`.
#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    pub from: usize,
    pub to: usize,
    pub shift: Shift,
}

#[derive(Debug, Default)]
pub struct Bounds {
    /// The constants each field is compared with, by slot.
    pub constants: Vec<Vec<Value>>,
    pub relations: Vec<Relation>,
    /// Whether texts are compared through `lower`/`upper`, or `trim`, or
    /// tested with `blank`: the cells then include such variants.
    pub case: bool,
    pub spaces: bool,
    pub blank: bool,
}

/// A side of a comparison, as far as boundaries go.
#[derive(Clone)]
enum Term {
    Constant(Value),
    /// A field moved by a constant (`purchase.date + days(30)`).
    Field(usize, Option<Value>),
    /// `days_between`, `months_between`, `business_days_between` of two fields.
    Between(Between, usize, usize),
    /// The difference of two fields: the first minus the second.
    Difference(usize, usize),
    /// A field moved by business days (`add_business_days(due_on, 7, "us")`).
    Moved(usize, Shift),
}

#[derive(Clone, Copy)]
enum Between {
    Days,
    Months,
    BusinessDays(usize),
}

impl Bounds {
    pub fn of(policy: &Policy) -> Self {
        let mut bounds = Bounds {
            constants: vec![Vec::new(); policy.schema.fields.len()],
            ..Bounds::default()
        };
        let rules = policy.rules.iter().filter_map(|rule| rule.when.as_ref());
        let constraints = policy.constraints.iter().map(|constraint| &constraint.must);
        let derived = policy.derived.iter().map(|derived| &derived.value);
        let required = policy
            .schema
            .fields
            .iter()
            .filter_map(|field| match &field.requirement {
                Requirement::When(condition) => Some(condition),
                _ => None,
            });
        for expr in rules.chain(constraints).chain(derived).chain(required) {
            expr.visit(&mut |inner| bounds.node(policy, inner));
        }
        for constants in &mut bounds.constants {
            constants.dedup();
        }
        bounds
    }

    /// Adds the boundaries of another version of the policy, whose fields
    /// have the same slots.
    pub fn merge(&mut self, other: Bounds) {
        for (constants, more) in self.constants.iter_mut().zip(other.constants) {
            for value in more {
                if !constants.contains(&value) {
                    constants.push(value);
                }
            }
        }
        for relation in other.relations {
            if !self.relations.contains(&relation) {
                self.relations.push(relation);
            }
        }
        self.case |= other.case;
        self.spaces |= other.spaces;
        self.blank |= other.blank;
    }

    /// The relations that give `slot` a boundary, with the other field.
    pub fn partners(&self, slot: usize) -> impl Iterator<Item = &Relation> {
        self.relations
            .iter()
            .filter(move |relation| relation.from == slot || relation.to == slot)
    }

    fn node(&mut self, policy: &Policy, expr: &Checked) {
        match &expr.node {
            Node::Compare(..) if !self.comparison(policy, expr) => self.harvest(policy, expr),
            Node::In { value, list, .. } => {
                let items = match list.constant() {
                    Some(Value::List(items)) => items.to_vec(),
                    _ => Vec::new(),
                };
                if let Some(Term::Field(slot, None)) = term(policy, value) {
                    self.constant(slot, items);
                } else {
                    self.harvest(policy, expr);
                }
            }
            Node::Call(Function::Lower | Function::Upper, _) => self.case = true,
            Node::Call(Function::Trim, _) => self.spaces = true,
            Node::Call(Function::Blank, _) => self.blank = true,
            _ => {}
        }
    }

    /// Draws the boundaries of a comparison whose sides are terms, each
    /// branch of an `if` on its own; false when a side is not a term.
    fn comparison(&mut self, policy: &Policy, expr: &Checked) -> bool {
        let Node::Compare(_, left, right) = &expr.node else {
            return false;
        };
        let (Some(lefts), Some(rights)) = (terms(policy, left), terms(policy, right)) else {
            return false;
        };
        let mut followed = true;
        for left in &lefts {
            for right in &rights {
                followed &= self.compare(left.clone(), right.clone());
            }
        }
        followed
    }

    /// Draws the boundaries of `left op right`; false when the pair is not
    /// one the cells follow.
    fn compare(&mut self, left: Term, right: Term) -> bool {
        match (left, right) {
            (Term::Field(slot, shift), Term::Constant(value))
            | (Term::Constant(value), Term::Field(slot, shift)) => {
                let value = match shift {
                    Some(shift) => subtract(&value, &shift),
                    None => Some(value),
                };
                self.constant(slot, value.into_iter().collect());
                true
            }
            (Term::Field(from, from_shift), Term::Field(to, to_shift)) => {
                // to + to_shift == from + from_shift at the boundary.
                let shift = match (from_shift, to_shift) {
                    (None, None) => Some(Shift::Same),
                    (Some(shift), None) => shift_of(&shift, false),
                    (None, Some(shift)) => shift_of(&shift, true),
                    (Some(_), Some(_)) => None,
                };
                match shift {
                    Some(shift) => {
                        self.relations.push(Relation { from, to, shift });
                        true
                    }
                    None => false,
                }
            }
            (Term::Field(to, None), Term::Moved(from, shift))
            | (Term::Moved(from, shift), Term::Field(to, None)) => {
                self.relations.push(Relation { from, to, shift });
                true
            }
            (Term::Between(between, from, to), Term::Constant(Value::Integer(count)))
            | (Term::Constant(Value::Integer(count)), Term::Between(between, from, to)) => {
                for count in [count, count.saturating_add(1)] {
                    let shift = match between {
                        Between::Days => Shift::Days(count),
                        Between::Months => Shift::Months(count),
                        Between::BusinessDays(calendar) => Shift::BusinessDays(count, calendar),
                    };
                    self.relations.push(Relation { from, to, shift });
                }
                true
            }
            (Term::Difference(later, earlier), Term::Constant(value))
            | (Term::Constant(value), Term::Difference(later, earlier)) => {
                match shift_of(&value, false) {
                    Some(shift) => {
                        self.relations.push(Relation {
                            from: earlier,
                            to: later,
                            shift,
                        });
                        true
                    }
                    None => false,
                }
            }
            (Term::Constant(_), Term::Constant(_)) => true,
            _ => false,
        }
    }

    fn constant(&mut self, slot: usize, values: Vec<Value>) {
        if let Some(constants) = self.constants.get_mut(slot) {
            for value in values {
                if !constants.contains(&value) {
                    constants.push(value);
                }
            }
        }
    }

    /// A comparison the terms do not cover: every constant in it is a
    /// boundary of every field in it, which is the best guess there is.
    fn harvest(&mut self, policy: &Policy, expr: &Checked) {
        let mut slots = Vec::new();
        let mut values = Vec::new();
        expr.visit(&mut |inner| match (&inner.node, inner.constant()) {
            (_, Some(Value::List(items))) => values.extend(items.iter().cloned()),
            (_, Some(value)) => values.push(value.clone()),
            (Node::Field(slot), None) => slots.push(*slot),
            (Node::Derived(index), None) => {
                if let Some(derived) = policy.derived.get(*index) {
                    derived.value.visit(&mut |inside| {
                        if let Node::Field(slot) = inside.node {
                            slots.push(slot);
                        }
                    });
                }
            }
            _ => {}
        });
        for slot in slots {
            self.constant(slot, values.clone());
        }
    }
}

/// Whether the cells follow comparison (or `in` test) `expr` exactly: its
/// sides are terms whose boundaries are drawn.
pub fn followed(policy: &Policy, expr: &Checked) -> bool {
    let mut scratch = Bounds {
        constants: vec![Vec::new(); policy.schema.fields.len()],
        ..Bounds::default()
    };
    match &expr.node {
        Node::Compare(..) => scratch.comparison(policy, expr),
        Node::In { value, .. } => matches!(term(policy, value), Some(Term::Field(_, None))),
        _ => true,
    }
}

/// The terms a side can be: one, or one per branch of an `if`.
fn terms(policy: &Policy, expr: &Checked) -> Option<Vec<Term>> {
    match &expr.node {
        Node::If {
            then, otherwise, ..
        } if expr.constant().is_none() => {
            let mut out = terms(policy, then)?;
            out.extend(terms(policy, otherwise)?);
            Some(out)
        }
        Node::Derived(index) => terms(policy, &policy.derived.get(*index)?.value),
        _ => Some(vec![term(policy, expr)?]),
    }
}

/// The term an expression is, following derived values and the functions
/// that keep a field's boundaries (`date`, `lower`, `trim`, ...).
fn term(policy: &Policy, expr: &Checked) -> Option<Term> {
    if let Some(value) = constant(expr) {
        return Some(Term::Constant(value));
    }
    match &expr.node {
        Node::Field(slot) => Some(Term::Field(*slot, None)),
        Node::Derived(index) => term(policy, &policy.derived.get(*index)?.value),
        Node::Call(
            Function::Date
            | Function::LocalDate
            | Function::Lower
            | Function::Upper
            | Function::Trim,
            args,
        ) => term(policy, args.first()?),
        Node::Call(Function::AddBusinessDays, args) => {
            let from = field(policy, args.first()?)?;
            let Value::Integer(count) = constant(args.get(1)?)? else {
                return None;
            };
            let calendar = calendar_index(policy, args.get(2)?)?;
            Some(Term::Moved(from, Shift::BusinessDays(count, calendar)))
        }
        Node::Call(function, args) => {
            let between = match function {
                Function::DaysBetween => Between::Days,
                Function::MonthsBetween => Between::Months,
                Function::BusinessDaysBetween => {
                    Between::BusinessDays(calendar_index(policy, args.get(2)?)?)
                }
                _ => return None,
            };
            let from = field(policy, args.first()?)?;
            let to = field(policy, args.get(1)?)?;
            Some(Term::Between(between, from, to))
        }
        Node::Arithmetic(op @ (Arithmetic::Add | Arithmetic::Sub), left, right) => {
            let sub = *op == Arithmetic::Sub;
            match (term(policy, left)?, term(policy, right)?) {
                (Term::Field(slot, None), Term::Constant(value)) => {
                    let shift = if sub { value.negated()? } else { value };
                    Some(Term::Field(slot, Some(shift)))
                }
                (Term::Constant(value), Term::Field(slot, None)) if !sub => {
                    Some(Term::Field(slot, Some(value)))
                }
                (Term::Field(later, None), Term::Field(earlier, None)) if sub => {
                    Some(Term::Difference(later, earlier))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The index of the calendar a calendar function's argument names.
fn calendar_index(policy: &Policy, arg: &Checked) -> Option<usize> {
    let Value::String(name) = arg.constant()? else {
        return None;
    };
    policy
        .calendars
        .iter()
        .position(|calendar| *calendar.name == **name)
}

/// The field an expression reads as it is, through derived values and `date`.
fn field(policy: &Policy, expr: &Checked) -> Option<usize> {
    match term(policy, expr)? {
        Term::Field(slot, None) => Some(slot),
        _ => None,
    }
}

/// The value of an expression that reads nothing of the request.
fn constant(expr: &Checked) -> Option<Value> {
    if let Some(value) = expr.constant() {
        return Some(value.clone());
    }
    match &expr.node {
        Node::Negate(inner) => constant(inner)?.negated(),
        Node::Call(Function::Days, args) => match constant(args.first()?)? {
            Value::Integer(days) => Some(Value::Duration(TimeDelta::try_days(days)?)),
            _ => None,
        },
        Node::Call(Function::Hours, args) => match constant(args.first()?)? {
            Value::Integer(hours) => Some(Value::Duration(TimeDelta::try_hours(hours)?)),
            _ => None,
        },
        _ => None,
    }
}

/// The shift a constant added to one side of a field comparison makes:
/// `to + shift` meets `from`, so `to` moves by the negated shift when
/// `negate`.
fn shift_of(value: &Value, negate: bool) -> Option<Shift> {
    let value = if negate {
        value.clone().negated()?
    } else {
        value.clone()
    };
    match value {
        Value::Duration(duration) => Some(Shift::Duration(duration)),
        Value::Integer(number) => Some(Shift::Number(Decimal::from(number))),
        Value::Decimal(number) => Some(Shift::Number(number)),
        _ => None,
    }
}

fn subtract(value: &Value, shift: &Value) -> Option<Value> {
    Some(match (value, shift) {
        (Value::Date(date), Value::Duration(duration)) => {
            Value::Date(date.checked_sub_signed(*duration)?)
        }
        (Value::DateTime(time), Value::Duration(duration)) => {
            Value::DateTime(time.checked_sub_signed(*duration)?)
        }
        (Value::Integer(a), Value::Integer(b)) => Value::Integer(a.checked_sub(*b)?),
        (a, b) => Value::Decimal(a.as_decimal()?.checked_sub(b.as_decimal()?)?),
    })
}
