//! What an expression reads of the request: each field's value, or only
//! whether it is given, through derived values and `any_missing()`; and the
//! parts the analysis cannot split into cells.

use std::collections::{BTreeMap, BTreeSet};

use crate::language::compiled::{Arithmetic, Checked, Function, Node};
use crate::language::schema::Requirement;
use crate::policy::{Policy, TemplatePart};

/// How much of a field an expression reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// Only whether the request gives it (`present`, `any_missing()`).
    Presence,
    /// Its value.
    Value,
}

#[derive(Clone, Debug, Default)]
pub struct Reads {
    /// The fields read, by slot; a value read includes its presence.
    pub fields: BTreeMap<usize, Need>,
    /// The derived values read, by index.
    pub derived: BTreeSet<usize>,
    /// Whether `any_missing()` or `missing_fields()` is called.
    pub missing: bool,
    /// The fields read other than by `any_missing()` asking whether they
    /// are given.
    pub direct: BTreeSet<usize>,
    /// Whether `any_missing()` is only ever read where its being true can
    /// only make the expression true (under `and`, `or`, never `not`): then
    /// once a field is missing, whether the others are given does not
    /// matter.
    pub missing_monotone: bool,
    /// Whether something reads whether a field is given (`present`,
    /// `blank`, `any_missing()`): then an unknown value is not the same as
    /// any value.
    pub presence_sensitive: bool,
    /// Sub-expressions the cells cannot follow exactly (a list's items, a
    /// text searched inside, a product of fields): the first few, as written.
    pub unmodelled: Vec<String>,
}

impl Reads {
    pub fn of(policy: &Policy, expr: &Checked) -> Self {
        let mut reads = Self::default();
        reads.walk(policy, expr);
        reads.missing_monotone = reads.missing && monotone(policy, expr, true);
        reads
    }

    pub fn merge(&mut self, other: &Reads) {
        for (slot, need) in &other.fields {
            self.add(*slot, *need);
        }
        self.derived.extend(other.derived.iter().copied());
        self.direct.extend(other.direct.iter().copied());
        self.missing_monotone =
            (self.missing_monotone || !self.missing) && (other.missing_monotone || !other.missing);
        self.missing |= other.missing;
        self.presence_sensitive |= other.presence_sensitive;
        for text in &other.unmodelled {
            if !self.unmodelled.contains(text) {
                self.unmodelled.push(text.clone());
            }
        }
    }

    pub fn exact(&self) -> bool {
        self.unmodelled.is_empty()
    }

    fn add(&mut self, slot: usize, need: Need) {
        let entry = self.fields.entry(slot).or_insert(need);
        *entry = (*entry).max(need);
    }

    /// `present(field)` reads only whether the field is given.
    fn present(&mut self, policy: &Policy, args: &[Checked]) {
        match args.first().map(|arg| &arg.node) {
            Some(Node::Field(slot)) => {
                self.direct.insert(*slot);
                self.add(*slot, Need::Presence);
            }
            _ => args.iter().for_each(|arg| self.walk(policy, arg)),
        }
    }

    fn unmodelled(&mut self, expr: &Checked) {
        if !self.unmodelled.iter().any(|seen| **seen == *expr.text) {
            self.unmodelled.push(expr.text.to_string());
        }
    }

    fn walk(&mut self, policy: &Policy, expr: &Checked) {
        match &expr.node {
            Node::Constant(_) => {}
            Node::Field(slot) => {
                self.direct.insert(*slot);
                self.add(*slot, Need::Value);
            }
            Node::Derived(index) => {
                if self.derived.insert(*index)
                    && let Some(derived) = policy.derived.get(*index)
                {
                    self.walk(policy, &derived.value);
                }
            }
            Node::Call(Function::Present, args) => {
                self.presence_sensitive = true;
                self.present(policy, args);
            }
            Node::Call(Function::AnyMissing | Function::MissingFields, _) => {
                self.presence_sensitive = true;
                self.missing = true;
                self.required(policy);
            }
            Node::Call(function, args) => {
                self.presence_sensitive |= *function == Function::Blank;
                if !modelled(*function) {
                    self.unmodelled(expr);
                }
                args.iter().for_each(|arg| self.walk(policy, arg));
            }
            Node::Compare(_, a, b) => {
                if !super::bounds::followed(policy, expr) {
                    self.unmodelled(expr);
                }
                self.walk(policy, a);
                self.walk(policy, b);
            }
            Node::Arithmetic(Arithmetic::Add | Arithmetic::Sub, a, b)
            | Node::And(a, b)
            | Node::Or(a, b) => {
                self.walk(policy, a);
                self.walk(policy, b);
            }
            Node::Arithmetic(_, a, b) => {
                if a.constant().is_none() && b.constant().is_none() {
                    self.unmodelled(expr);
                }
                self.walk(policy, a);
                self.walk(policy, b);
            }
            Node::Not(inner) | Node::Negate(inner) => self.walk(policy, inner),
            Node::In { value, list, .. } => {
                self.walk(policy, value);
                if !super::bounds::followed(policy, expr) {
                    self.unmodelled(expr);
                }
                if list.constant().is_none() {
                    self.unmodelled(expr);
                    self.walk(policy, list);
                }
            }
            Node::List(items) => items.iter().for_each(|item| self.walk(policy, item)),
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                self.walk(policy, condition);
                self.walk(policy, then);
                self.walk(policy, otherwise);
            }
            Node::Local { .. } => {}
            Node::Aggregate(aggregate) => {
                self.unmodelled(expr);
                self.walk(policy, &aggregate.list);
                self.walk(policy, &aggregate.value);
                if let Some(filter) = &aggregate.filter {
                    self.walk(policy, filter);
                }
            }
        }
    }

    /// What `any_missing()` reads: whether each required field is given,
    /// and the conditions that make a field required.
    fn required(&mut self, policy: &Policy) {
        for (slot, field) in policy.schema.fields.iter().enumerate() {
            match &field.requirement {
                Requirement::Optional => {}
                Requirement::Always => self.add(slot, Need::Presence),
                Requirement::When(condition) => {
                    self.add(slot, Need::Presence);
                    self.walk(policy, condition);
                }
                Requirement::WhenItem { text, .. } => {
                    self.direct.insert(slot);
                    self.add(slot, Need::Value);
                    if !self.unmodelled.contains(text) {
                        self.unmodelled.push(text.clone());
                    }
                }
            }
        }
    }
}

/// The functions whose results the cells follow exactly: they compare, or
/// move a date by a count the boundaries name.
const fn modelled(function: Function) -> bool {
    matches!(
        function,
        Function::DaysBetween
            | Function::MonthsBetween
            | Function::BusinessDaysBetween
            | Function::Date
            | Function::LocalDate
            | Function::Lower
            | Function::Upper
            | Function::Trim
            | Function::Blank
            | Function::AddBusinessDays
            | Function::Days
            | Function::Hours
    )
}

/// Whether `any_missing()` is read in `expr` only with the polarity
/// `positive`, through `and`, `or`, `not` and derived values.
fn monotone(policy: &Policy, expr: &Checked, positive: bool) -> bool {
    match &expr.node {
        Node::Call(Function::AnyMissing, _) => positive,
        Node::And(a, b) | Node::Or(a, b) => {
            monotone(policy, a, positive) && monotone(policy, b, positive)
        }
        Node::Not(inner) => monotone(policy, inner, !positive),
        Node::Derived(index) => policy
            .derived
            .get(*index)
            .is_some_and(|derived| monotone(policy, &derived.value, positive)),
        _ => !expr.uses_missing(),
    }
}

/// Everything a policy reads anywhere: conditions, constraints, effects,
/// reasons and the conditions that make fields required.
pub fn everything(policy: &Policy) -> Reads {
    let mut reads = Reads::default();
    let rules = policy.rules.iter().chain(std::iter::once(&policy.default));
    for rule in rules {
        if let Some(when) = &rule.when {
            reads.walk(policy, when);
        }
        for effect in &rule.effects {
            reads.walk(policy, &effect.value);
        }
        for part in &rule.reason.parts {
            if let TemplatePart::Value(value) = part {
                reads.walk(policy, value);
            }
        }
    }
    for constraint in &policy.constraints {
        reads.walk(policy, &constraint.must);
    }
    for (_, effects) in &policy.outcome_effects {
        for effect in effects {
            reads.walk(policy, &effect.value);
        }
    }
    for field in &policy.schema.fields {
        if let Requirement::When(condition) = &field.requirement {
            reads.walk(policy, condition);
        }
    }
    if let Some(slot) = policy.meta.effective_date_field {
        reads.add(slot, Need::Value);
    }
    reads
}
