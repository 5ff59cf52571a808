//! Warnings: what a valid policy says that is probably not what its owner
//! means. They do not stop the policy from loading; `ruling check` shows
//! them.
//!
//! The unknown trap (`unknown-under-not`). A comparison that reads an
//! optional field without a default is *unknown* when the request does not
//! give the field, and `not` of unknown is unknown, not true: a rule such as
//! `when = "not (x > 5)"` does not apply when `x` is not given, although "x
//! is not above 5" reads as if it would. Only a test under an odd number of
//! `not`s is reported (elsewhere unknown does what false would), and only
//! when nothing around it decides what an absent value means: a
//! `present(x) and …` or `blank(x) or …` beside it, or an `if present(x)`
//! (`if blank(x)`) whose branch it is in.
//!
//! The unknown effect (`effect-can-be-unknown`). An effect that reads such
//! a field (or a member of list items without a default) is `null` in the
//! decisions of requests without it, and a number or a text in the others.
//! It is reported unless the rule's condition proves the value given: a
//! condition that is true only when it is given (`present(x)`, `x > 5`,
//! `all(present(item.price) for item in order.items)`), joined with `and`;
//! or an earlier rule takes every request without it (`blank(x)`).
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::language::compiled::{Aggregate, AggregateKind, Checked, Function, Node};
use crate::language::schema::{Field, Requirement, Schema};
use crate::language::types::{Record, Type};
use crate::policy::{Derived, Effect, Outcome, Rule};

/// The warnings of a policy's rules.
pub(crate) fn rule_warnings(
    rules: &[Rule],
    derived: &[Derived],
    schema: &Schema,
) -> Vec<Diagnostic> {
    let mut unknowns = Unknowns::new(derived, schema);
    let mut warnings = Vec::new();
    for rule in rules {
        let Some(when) = &rule.when else {
            continue;
        };
        let mut trap = None;
        unknowns.find_trap(when, None, &[], &mut trap);
        if let Some(trap) = trap {
            warnings.push(unknowns.warning(rule, &trap));
        }
    }
    warnings
}

/// The warnings of the effects of `rules` (the default among them) and of
/// `[effects.*]`: an effect that is unknown, and so `null`, in some
/// decisions. An effect is computed only when its rule applies, so a value
/// the rule's condition proves given is not reported.
pub(crate) fn effect_warnings<'p>(
    rules: impl IntoIterator<Item = &'p Rule>,
    outcome_effects: &'p [(Outcome, Vec<Effect>)],
    derived: &[Derived],
    schema: &Schema,
) -> Vec<Diagnostic> {
    let mut unknowns = Unknowns::new(derived, schema);
    let mut warnings = Vec::new();
    // A shared effect is reported once, for the first rule it is unknown in.
    let mut reported: Vec<(Outcome, &str)> = Vec::new();
    // What a request that reaches the next rule gives: an earlier rule
    // that applies whenever a value is left out (`blank(x)`) was not
    // reached in vain.
    let mut given_before = Absences::new();
    for rule in rules {
        let mut given = given_before.clone();
        if let Some(when) = &rule.when {
            given.extend(unknowns.proven(when, true));
            given_before.extend(unknowns.forced(when, true));
        }
        let shared = outcome_effects
            .iter()
            .filter(|(outcome, _)| *outcome == rule.outcome)
            .flat_map(|(_, effects)| effects)
            .filter(|effect| rule.effects.iter().all(|own| own.name != effect.name));
        for (effect, shared) in rule
            .effects
            .iter()
            .map(|effect| (effect, false))
            .chain(shared.map(|effect| (effect, true)))
        {
            if shared && reported.contains(&(rule.outcome, effect.name.as_str())) {
                continue;
            }
            let mut found = Vec::new();
            unknowns.fields(&effect.value, &mut found);
            let Some(absence) = found.into_iter().find(|absence| !given.contains(absence)) else {
                continue;
            };
            if shared {
                reported.push((rule.outcome, &effect.name));
            }
            warnings.push(unknowns.effect_warning(rule, effect, shared, &absence));
        }
    }
    warnings
}

/// An optional value without a default, which a request may leave out: a
/// field, or a member of the items of a list of objects, named by its
/// path (`order.items[].price`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Absence {
    Field(usize),
    Member(String),
}

type Absences = BTreeSet<Absence>;

/// A test under `not` that is unknown when the field at `slot` is not given.
struct Trap<'a> {
    test: &'a Checked,
    negation: &'a Checked,
    slot: usize,
}

/// Which optional values can make an expression unknown.
struct Unknowns<'p> {
    derived: &'p [Derived],
    schema: &'p Schema,
    /// The records of the lists the enclosing aggregates run over, by
    /// binding depth, to name the members of `item`.
    items: Vec<Option<Arc<Record>>>,
    /// What each derived value is worked out to, once: a value used by
    /// many is walked once. A value being worked out counts as empty
    /// while it is, so that a cycle (only possible in a policy that failed
    /// to load) ends.
    derived_fields: Vec<Option<Vec<Absence>>>,
    derived_sets: HashMap<(Walk, usize), Absences>,
}

/// The sets of values [`Unknowns`] works out for an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Walk {
    /// [`Unknowns::strict`].
    Strict,
    /// [`Unknowns::proven`] for this truth.
    Proven(bool),
    /// [`Unknowns::forced`] for this truth.
    Forced(bool),
}

impl<'p> Unknowns<'p> {
    fn new(derived: &'p [Derived], schema: &'p Schema) -> Self {
        Self {
            derived,
            schema,
            items: Vec::new(),
            derived_fields: vec![None; derived.len()],
            derived_sets: HashMap::new(),
        }
    }

    /// Walks a condition, `negation` being the outermost `not` that makes
    /// the polarity negative, `guarded` the values whose absence something
    /// around already decides; keeps the first trap found.
    fn find_trap<'e>(
        &mut self,
        expr: &'e Checked,
        negation: Option<&'e Checked>,
        guarded: &[Absence],
        trap: &mut Option<Trap<'e>>,
    ) {
        if trap.is_some() {
            return;
        }
        match &expr.node {
            Node::Not(inner) => {
                let negation = match negation {
                    Some(_) => None,
                    None => Some(expr),
                };
                self.find_trap(inner, negation, guarded, trap);
            }
            Node::And(..) | Node::Or(..) => {
                let and = matches!(expr.node, Node::And(..));
                let mut terms = Vec::new();
                chain(expr, and, &mut terms);
                let guards: Vec<Absence> = terms
                    .iter()
                    .filter_map(|term| self.guard(term, and))
                    .collect();
                let guarded = [guarded, &guards].concat();
                for term in terms {
                    self.find_trap(term, negation, &guarded, trap);
                }
            }
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                self.test(condition, negation, guarded, trap);
                for (branch, present) in [(then, true), (otherwise, false)] {
                    let guards: Vec<Absence> =
                        self.proven(condition, present).into_iter().collect();
                    self.find_trap(branch, negation, &[guarded, &guards].concat(), trap);
                }
            }
            _ => self.test(expr, negation, guarded, trap),
        }
    }

    /// A test (a comparison, a call, a bool value): a trap when it is
    /// under `not` and an unguarded optional field can make it unknown.
    /// Members of list items are read through an aggregate, whose list is
    /// what may be left out.
    fn test<'e>(
        &mut self,
        expr: &'e Checked,
        negation: Option<&'e Checked>,
        guarded: &[Absence],
        trap: &mut Option<Trap<'e>>,
    ) {
        let Some(negation) = negation else {
            return;
        };
        let mut fields = Vec::new();
        self.fields(expr, &mut fields);
        let slot = fields.into_iter().find_map(|absence| match absence {
            Absence::Field(slot) if !guarded.contains(&absence) => Some(slot),
            _ => None,
        });
        if let Some(slot) = slot {
            *trap = Some(Trap {
                test: expr,
                negation,
                slot,
            });
        }
    }

    /// Adds to `found` the optional values without a default whose
    /// absence can make `expr` unknown.
    fn fields(&mut self, expr: &Checked, found: &mut Vec<Absence>) {
        match &expr.node {
            Node::Constant(_) => {}
            Node::Local { binding, member } => found.extend(self.member(*binding, *member)),
            Node::Aggregate(aggregate) => self.aggregate_fields(aggregate, found),
            Node::Field(slot) => found.extend(self.field(*slot)),
            Node::Derived(index) => found.extend(self.derived_fields(*index)),
            Node::Call(Function::Present | Function::Blank, _) => {}
            Node::Call(_, args) | Node::List(args) => {
                args.iter().for_each(|arg| self.fields(arg, found));
            }
            Node::Not(inner) | Node::Negate(inner) => self.fields(inner, found),
            Node::And(..) | Node::Or(..) => {
                let and = matches!(expr.node, Node::And(..));
                let mut terms = Vec::new();
                chain(expr, and, &mut terms);
                let guards: Vec<Absence> = terms
                    .iter()
                    .filter_map(|term| self.guard(term, and))
                    .collect();
                let mut inside = Vec::new();
                terms.iter().for_each(|term| self.fields(term, &mut inside));
                found.extend(
                    inside
                        .into_iter()
                        .filter(|absence| !guards.contains(absence)),
                );
            }
            Node::Compare(_, left, right) | Node::Arithmetic(_, left, right) => {
                self.fields(left, found);
                self.fields(right, found);
            }
            Node::In { value, list, .. } => {
                self.fields(value, found);
                self.fields(list, found);
            }
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                self.fields(condition, found);
                for (branch, truth) in [(then, true), (otherwise, false)] {
                    let mut inside = Vec::new();
                    self.fields(branch, &mut inside);
                    let given = self.proven(condition, truth);
                    found.extend(
                        inside
                            .into_iter()
                            .filter(|absence| !given.contains(absence)),
                    );
                }
            }
        }
    }

    /// The values of an aggregate's list, filter and value; the value is
    /// computed only for the items the filter keeps.
    fn aggregate_fields(&mut self, aggregate: &Aggregate, found: &mut Vec<Absence>) {
        self.fields(&aggregate.list, found);
        self.bind(aggregate);
        let mut inside = Vec::new();
        self.fields(&aggregate.value, &mut inside);
        match &aggregate.filter {
            Some(filter) => {
                self.fields(filter, found);
                let kept = self.proven(filter, true);
                found.extend(inside.into_iter().filter(|absence| !kept.contains(absence)));
            }
            None => found.extend(inside),
        }
        self.items.truncate(aggregate.binding);
    }

    /// Binds the records of `aggregate`'s items at its depth.
    fn bind(&mut self, aggregate: &Aggregate) {
        self.items.truncate(aggregate.binding);
        self.items.resize(aggregate.binding, None);
        self.items
            .push(aggregate.list.ty.items_record().map(Arc::clone));
    }

    /// The values whose absence makes `expr` unknown whatever the others
    /// hold: those its every evaluation reads.
    fn strict(&mut self, expr: &Checked) -> Absences {
        match &expr.node {
            Node::Field(slot) => self.field(*slot).into_iter().collect(),
            Node::Local { binding, member } => self.member(*binding, *member).into_iter().collect(),
            Node::Derived(index) => self.derived_set(*index, Walk::Strict),
            Node::Compare(_, left, right) | Node::Arithmetic(_, left, right) => {
                let mut strict = self.strict(left);
                strict.extend(self.strict(right));
                strict
            }
            Node::In { value, list, .. } => {
                let mut strict = self.strict(value);
                strict.extend(self.strict(list));
                strict
            }
            Node::Not(inner) | Node::Negate(inner) => self.strict(inner),
            Node::Call(
                Function::Present
                | Function::Blank
                | Function::AnyMissing
                | Function::MissingFields,
                _,
            ) => Absences::new(),
            Node::Call(_, args) => args.iter().flat_map(|arg| self.strict(arg)).collect(),
            Node::And(left, right) | Node::Or(left, right) => {
                let left = self.strict(left);
                let right = self.strict(right);
                left.intersection(&right).cloned().collect()
            }
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                let mut strict = self.strict(condition);
                let then = self.strict(then);
                let otherwise = self.strict(otherwise);
                strict.extend(then.intersection(&otherwise).cloned());
                strict
            }
            Node::Aggregate(aggregate) => self.aggregate_strict(aggregate),
            Node::Constant(_) | Node::List(_) => Absences::new(),
        }
    }

    /// An aggregate is unknown without its list; and one that an unknown
    /// item makes unknown (`sum`, `min`, `max`, `[…]`, and `count` of every
    /// item) without a member that every item's filter, or value when
    /// every item is kept, reads. `any` and `all` can be settled by the
    /// other items.
    fn aggregate_strict(&mut self, aggregate: &Aggregate) -> Absences {
        let mut strict = self.strict(&aggregate.list);
        let settled_by_others = match aggregate.kind {
            AggregateKind::Any | AggregateKind::All => true,
            AggregateKind::Count => aggregate.filter.is_some(),
            _ => false,
        };
        if settled_by_others {
            return strict;
        }
        self.bind(aggregate);
        let read = match &aggregate.filter {
            Some(filter) => self.strict(filter),
            None => self.strict(&aggregate.value),
        };
        self.items.truncate(aggregate.binding);
        strict.extend(read.into_iter().filter(is_member));
        strict
    }

    /// The values that are given whenever `expr` comes out as `truth`
    /// (true or false, not unknown).
    fn proven(&mut self, expr: &Checked, truth: bool) -> Absences {
        match &expr.node {
            Node::Not(inner) => self.proven(inner, !truth),
            Node::And(left, right) | Node::Or(left, right) => {
                let both = truth == matches!(expr.node, Node::And(..));
                let mut left = self.proven(left, truth);
                let right = self.proven(right, truth);
                if both {
                    left.extend(right);
                    left
                } else {
                    left.intersection(&right).cloned().collect()
                }
            }
            Node::Call(Function::Present, args) if truth => {
                args.iter().flat_map(|arg| self.strict(arg)).collect()
            }
            Node::Call(Function::Blank, args) if !truth => {
                args.iter().flat_map(|arg| self.strict(arg)).collect()
            }
            Node::Derived(index) => self.derived_set(*index, Walk::Proven(truth)),
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                let mut proven = self.strict(condition);
                let mut when_then = self.proven(condition, true);
                when_then.extend(self.proven(then, truth));
                let mut when_otherwise = self.proven(condition, false);
                when_otherwise.extend(self.proven(otherwise, truth));
                proven.extend(when_then.intersection(&when_otherwise).cloned());
                proven
            }
            Node::Aggregate(aggregate) => self.aggregate_proven(aggregate, truth),
            _ => self.strict(expr),
        }
    }

    /// The values whose absence alone makes `expr` come out as `truth`:
    /// `blank(x)` is true without `x`, whatever else the request holds.
    fn forced(&mut self, expr: &Checked, truth: bool) -> Absences {
        match &expr.node {
            Node::Not(inner) => self.forced(inner, !truth),
            Node::And(left, right) | Node::Or(left, right) => {
                // `and` is false, `or` true, when either side is.
                let either = truth != matches!(expr.node, Node::And(..));
                let mut left = self.forced(left, truth);
                let right = self.forced(right, truth);
                if either {
                    left.extend(right);
                    left
                } else {
                    left.intersection(&right).cloned().collect()
                }
            }
            Node::Call(Function::Blank, args) if truth => {
                args.iter().flat_map(|arg| self.strict(arg)).collect()
            }
            Node::Call(Function::Present, args) if !truth => {
                args.iter().flat_map(|arg| self.strict(arg)).collect()
            }
            Node::Derived(index) => self.derived_set(*index, Walk::Forced(truth)),
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                let by_then = self.forced(condition, true);
                let then = self.forced(then, truth);
                let by_otherwise = self.forced(condition, false);
                let otherwise = self.forced(otherwise, truth);
                let mut forced: Absences = by_then.intersection(&then).cloned().collect();
                forced.extend(by_otherwise.intersection(&otherwise).cloned());
                // Either branch will do when the condition is never unknown.
                let mut unknown_by = Vec::new();
                self.fields(condition, &mut unknown_by);
                if unknown_by.is_empty() {
                    forced.extend(then.intersection(&otherwise).cloned());
                }
                forced
            }
            _ => Absences::new(),
        }
    }

    /// `all(… for item in list)` true (or `any` false), without a filter,
    /// holds every item's value true (false), so proves what that proves
    /// of the items' members.
    fn aggregate_proven(&mut self, aggregate: &Aggregate, truth: bool) -> Absences {
        let mut proven = self.aggregate_strict(aggregate);
        let every_item = match aggregate.kind {
            AggregateKind::All => truth,
            AggregateKind::Any => !truth,
            _ => false,
        };
        if every_item && aggregate.filter.is_none() {
            self.bind(aggregate);
            let members = self.proven(&aggregate.value, truth);
            self.items.truncate(aggregate.binding);
            proven.extend(members.into_iter().filter(is_member));
        }
        proven
    }

    fn derived_fields(&mut self, index: usize) -> Vec<Absence> {
        if let Some(Some(known)) = self.derived_fields.get(index) {
            return known.clone();
        }
        let Some(value) = self.derived_value(index) else {
            return Vec::new();
        };
        if let Some(slot) = self.derived_fields.get_mut(index) {
            *slot = Some(Vec::new());
        }
        let mut found = Vec::new();
        self.fields(value, &mut found);
        found.sort_unstable();
        found.dedup();
        if let Some(slot) = self.derived_fields.get_mut(index) {
            *slot = Some(found.clone());
        }
        found
    }

    /// What `walk` finds in derived value `index`, worked out once.
    fn derived_set(&mut self, index: usize, walk: Walk) -> Absences {
        if let Some(known) = self.derived_sets.get(&(walk, index)) {
            return known.clone();
        }
        let Some(value) = self.derived_value(index) else {
            return Absences::new();
        };
        self.derived_sets.insert((walk, index), Absences::new());
        let found = match walk {
            Walk::Strict => self.strict(value),
            Walk::Proven(truth) => self.proven(value, truth),
            Walk::Forced(truth) => self.forced(value, truth),
        };
        self.derived_sets.insert((walk, index), found.clone());
        found
    }

    /// A derived value's expression, walked outside any aggregate.
    fn derived_value(&self, index: usize) -> Option<&'p Checked> {
        let derived = self.derived;
        derived.get(index).map(|derived| &derived.value)
    }

    /// The field at `slot`, if a request may leave it unknown.
    fn field(&self, slot: usize) -> Option<Absence> {
        self.schema
            .field(slot)
            .is_some_and(may_be_absent)
            .then_some(Absence::Field(slot))
    }

    /// `item.member` of the aggregate bound at `binding`, if an item may
    /// leave it unknown.
    fn member(&self, binding: usize, member: Option<usize>) -> Option<Absence> {
        let record = self.items.get(binding)?.as_ref()?;
        let field = record.schema.field(member?)?;
        may_be_absent(field).then(|| Absence::Member(format!("{}[].{}", record.path, field.path)))
    }

    /// The value that `expr` tests for: with `present` set, a test that
    /// holds only when the value is given (`present(x)`, `not blank(x)`),
    /// so that what it is joined to with `and` reads it only when given;
    /// else one that holds when the value is not given, for `or`.
    fn guard(&self, expr: &Checked, present: bool) -> Option<Absence> {
        match &expr.node {
            Node::Call(function @ (Function::Present | Function::Blank), args) => {
                if present != (*function == Function::Present) {
                    return None;
                }
                match &args.first()?.node {
                    Node::Field(slot) => self.field(*slot),
                    Node::Local { binding, member } => self.member(*binding, *member),
                    _ => None,
                }
            }
            Node::Not(inner) => self.guard(inner, !present),
            _ => None,
        }
    }

    fn path(&self, absence: &Absence) -> String {
        match absence {
            Absence::Field(slot) => self
                .schema
                .field(*slot)
                .map_or_else(|| "the field".to_owned(), |field| field.path.clone()),
            Absence::Member(path) => path.clone(),
        }
    }

    fn warning(&self, rule: &Rule, trap: &Trap) -> Diagnostic {
        let path = self.path(&Absence::Field(trap.slot));
        Diagnostic::new(
            "unknown-under-not",
            format!(
                "in rule `{}`, `not` is unknown, not true, when `{path}` is not given",
                rule.id
            ),
            trap.test.span,
        )
        .with_label(format!("unknown when `{path}` is not given"))
        .with_secondary(not_keyword(trap.negation), "so this is unknown too")
        .with_help(format!(
            "a rule does not apply when its condition is unknown. Say what a request without `{path}` gets: `present({path}) and not (…)` leaves the rule out, `blank({path}) or not (…)` applies it; or give the field a `default`"
        ))
    }

    /// An effect of `rule` (`shared` by its outcome) that is unknown when
    /// `absence` is not given.
    fn effect_warning(
        &self,
        rule: &Rule,
        effect: &Effect,
        shared: bool,
        absence: &Absence,
    ) -> Diagnostic {
        let path = self.path(absence);
        let name = &effect.name;
        let by = match rule.when {
            Some(_) => format!("rule `{}`", rule.id),
            None => format!("the default `{}`", rule.id),
        };
        let (message, not_given) = match absence {
            Absence::Field(_) => (
                format!(
                    "effect `{name}` is `null` in a decision by {by} when `{path}` is not given"
                ),
                format!("`null` when `{path}` is not given"),
            ),
            Absence::Member(_) => (
                format!(
                    "effect `{name}` is `null` in a decision by {by} when an item does not give `{path}`"
                ),
                format!("`null` when an item does not give `{path}`"),
            ),
        };
        let require = match rule.when {
            Some(_) => format!(", make the rule's `when` require it (`present({path}) and …`)"),
            None => String::new(),
        };
        let help = match (absence, path.rsplit_once("[].")) {
            (Absence::Member(_), Some((list, member))) => format!(
                "an effect has one JSON type in every decision: give `{path}` a `default`, or keep only the items that give it (`… for item in {list} if present(item.{member})`)"
            ),
            _ => format!(
                "an effect has one JSON type in every decision: give `{path}` a `default`{require}, or write `if present({path}) then … else …`"
            ),
        };
        let diagnostic = Diagnostic::new("effect-can-be-unknown", message, effect.value.span)
            .with_label(not_given)
            .with_help(help);
        match (&rule.when, shared) {
            (Some(when), true) => diagnostic
                .with_secondary(when.span, format!("rule `{}` applies without it", rule.id)),
            (None, true) => diagnostic.with_secondary(rule.span, "the default applies without it"),
            (_, false) => diagnostic,
        }
    }
}

/// An optional value without a default, other than a bool (which counts
/// as `false`), is unknown when the request does not give it. A required
/// value that is not given is missing instead, which a `needs_info` rule
/// deals with.
fn may_be_absent(field: &Field) -> bool {
    matches!(field.requirement, Requirement::Optional)
        && field.default.is_absent()
        && field.ty != Type::Bool
}

fn is_member(absence: &Absence) -> bool {
    matches!(absence, Absence::Member(_))
}

/// Where the `not` of a negation is written: from the start of the
/// negation to its operand (`not `, or `(not ` in parentheses).
fn not_keyword(negation: &Checked) -> Span {
    match &negation.node {
        Node::Not(inner) => Span::new(
            negation.span.start,
            inner.span.start.max(negation.span.start),
        ),
        _ => negation.span,
    }
}

/// The terms of a chain of `and`s (or of `or`s): `a and b and c`.
fn chain<'e>(expr: &'e Checked, and: bool, terms: &mut Vec<&'e Checked>) {
    match &expr.node {
        Node::And(left, right) if and => {
            chain(left, and, terms);
            chain(right, and, terms);
        }
        Node::Or(left, right) if !and => {
            chain(left, and, terms);
            chain(right, and, terms);
        }
        _ => terms.push(expr),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::SourceFile;
    use crate::policy::load::load;

    const HEADER: &str = r#"
format = 1
[policy]
id = "test"
version = "1"
title = "Test"

[[field]]
path = "x"
type = "integer"
description = "optional, no default"

[[field]]
path = "y"
type = "bool"
description = "optional bool: false when not given"

[[field]]
path = "z"
type = "integer"
description = "optional with a default"
default = 0

[[field]]
path = "r"
type = "integer"
description = "required"
required = true

[[field]]
path = "items"
type = "list"
items = "object"
description = "optional list of objects"

[[field]]
path = "items[].price"
type = "decimal"
description = "optional member, no default"

[[field]]
path = "items[].fee"
type = "decimal"
description = "optional member with a default"
default = 0.00

[derived]
big = "x > 5"
safe = "present(x) and x > 5"
doubled = "x * 2"

[[rule]]
id = "missing"
clause = "§0"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "more"

[default]
id = "otherwise"
clause = "§0"
outcome = "deny"
reason = "no"
"#;

    /// The messages of the warnings of a rule whose `when` is `when`.
    fn warnings(when: &str) -> Vec<String> {
        let rule = format!(
            "[[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"approve\"\nreason = \"yes\"\n\n[default]"
        );
        let text = HEADER.replacen("[default]", &rule, 1);
        let policy = load(SourceFile::new("t.toml", text))
            .unwrap_or_else(|error| panic!("{when}: {:?}", error.diagnostics));
        policy
            .warnings
            .into_iter()
            .map(|warning| warning.message)
            .collect()
    }

    #[test]
    fn a_test_of_an_optional_field_under_not_is_a_trap() {
        for when in [
            "not (x > 5)",
            "not (x > 5 or y)",
            "not (y or x in [1, 2])",
            "present(x) or not (x > 5)",
            "not big",
            "r > 1 and not (x + z > 5)",
            "not (if x > 5 then y else true)",
        ] {
            let found = warnings(when);
            assert_eq!(found.len(), 1, "{when}: {found:?}");
            assert!(
                found[0] == "in rule `r`, `not` is unknown, not true, when `x` is not given",
                "{when}: {found:?}"
            );
        }
    }

    #[test]
    fn guarded_positive_or_never_unknown_tests_are_not_traps() {
        for when in [
            "x > 5",
            "x > 5 or y",
            "x != 5",
            "present(x) and not (x > 5)",
            "not (x > 5) and present(x)",
            "not blank(x) and not (x > 5)",
            "r > 1 and present(x) and y and not (x > 5)",
            "not (present(x) and x > 5)",
            "not (blank(x) or x > 5)",
            "if present(x) then not (x > 5) else false",
            "if blank(x) then false else not (x > 5)",
            "not not (x > 5)",
            "not safe",
            "not y",
            "not (z > 5)",
            "not (r > 5)",
            "not (present(x))",
            "not (length(missing_fields()) > 2)",
        ] {
            assert_eq!(warnings(when), Vec::<String>::new(), "{when}");
        }
    }

    /// The messages of the warnings of an effect `effect` of a rule whose
    /// `when` is `when`.
    fn effect_warnings(when: &str, effect: &str) -> Vec<String> {
        effect_warnings_after("false", when, effect)
    }

    /// The same, the rule coming after one whose `when` is `earlier`.
    fn effect_warnings_after(earlier: &str, when: &str, effect: &str) -> Vec<String> {
        let rule = format!(
            "[[rule]]\nid = \"earlier\"\nclause = \"§1\"\nsection = \"exclusion\"\nwhen = '{earlier}'\noutcome = \"deny\"\nreason = \"no\"\n\n[[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"approve\"\nreason = \"yes\"\n\n[rule.effects]\ne = '{effect}'\n\n[default]"
        );
        let text = HEADER.replacen("[default]", &rule, 1);
        let policy = load(SourceFile::new("t.toml", text))
            .unwrap_or_else(|error| panic!("{when} / {effect}: {:?}", error.diagnostics));
        policy
            .warnings
            .into_iter()
            .filter(|warning| warning.code == "effect-can-be-unknown")
            .map(|warning| warning.message)
            .collect()
    }

    #[test]
    fn an_effect_that_reads_a_value_the_condition_does_not_prove_given_is_reported() {
        let field = "effect `e` is `null` in a decision by rule `r` when `x` is not given";
        let member = "effect `e` is `null` in a decision by rule `r` when an item does not give `items[].price`";
        for (when, effect, expected) in [
            ("r > 1", "x", field),
            ("r > 1", "x + z", field),
            ("r > 1", "doubled", field),
            ("r > 1", "max(0, x)", field),
            ("x > 5 or y", "x", field),
            ("not (present(x) and y)", "x", field),
            ("present(x) or y", "x", field),
            ("r > 1", "if y then x else 0", field),
            ("r > 1", "if x > 5 then 1 else 2", field),
            (
                "any(item.price > 1 for item in items)",
                "sum(item.price for item in items)",
                member,
            ),
            ("present(items)", "[item.price for item in items]", member),
            (
                "present(items)",
                "count(item.price > 1 for item in items)",
                member,
            ),
            // `all` is false when one item's is, whatever another's price.
            (
                "not all(item.price > 1 for item in items)",
                "sum(item.price for item in items)",
                member,
            ),
        ] {
            assert_eq!(
                effect_warnings(when, effect),
                [expected],
                "{when} / {effect}"
            );
        }
    }

    #[test]
    fn an_earlier_rule_that_takes_the_requests_without_a_value_proves_it_given() {
        for earlier in [
            "blank(x)",
            "not present(x)",
            "blank(z) or blank(x)",
            "y or blank(x)",
            "not (present(x) and y)",
            "blank(doubled)",
            "if y then blank(x) else blank(x)",
        ] {
            assert_eq!(
                effect_warnings_after(earlier, "r > 1", "x"),
                Vec::<String>::new(),
                "{earlier}"
            );
        }
        for earlier in [
            "y and blank(x)",
            "x > 5",
            "present(x)",
            "if y then blank(x) else false",
        ] {
            assert_eq!(
                effect_warnings_after(earlier, "r > 1", "x").len(),
                1,
                "{earlier}"
            );
        }
    }

    #[test]
    fn an_effect_whose_values_are_given_or_guarded_is_not_reported() {
        for (when, effect) in [
            ("r > 1", "r + z"),
            ("r > 1", "y"),
            ("present(x)", "x"),
            ("x > 5", "x * 2"),
            ("r > 1 and x != 5", "x"),
            ("not (x > 5)", "x"),
            ("not blank(x) and y", "x"),
            ("not (blank(x) or y)", "x"),
            ("big", "doubled"),
            ("safe", "x"),
            ("(x > 5 and y) or (x < 0 and r > 2)", "x"),
            ("if y then x > 5 else x < 0", "x"),
            ("r > 1", "if present(x) then x else 0"),
            ("r > 1", "if blank(x) then 0 else x"),
            ("r > 1", "present(x) and x > 5"),
            ("r > 1", "present(x)"),
            ("r > 1", "\"x: \" + lower(\"A\")"),
            ("present(items)", "sum(item.fee for item in items)"),
            (
                "present(items)",
                "sum(item.price for item in items if present(item.price))",
            ),
            (
                "all(present(item.price) for item in items)",
                "sum(item.price for item in items)",
            ),
            (
                "all(item.price > 0 for item in items)",
                "max(item.price for item in items)",
            ),
            (
                "count(item.price > 10 for item in items) > 0",
                "sum(item.price for item in items)",
            ),
            ("present(items)", "length(items)"),
        ] {
            assert_eq!(
                effect_warnings(when, effect),
                Vec::<String>::new(),
                "{when} / {effect}"
            );
        }
    }
}
