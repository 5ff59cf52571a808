//! Warnings: what a valid policy says that is probably not what its owner
//! means. They do not stop the policy from loading; `ruling check` shows
//! them.
//!
//! The one warning so far is the unknown trap. A comparison that reads an
//! optional field without a default is *unknown* when the request does not
//! give the field, and `not` of unknown is unknown, not true: a rule such as
//! `when = "not (x > 5)"` does not apply when `x` is not given, although "x
//! is not above 5" reads as if it would. Only a test under an odd number of
//! `not`s is reported (elsewhere unknown does what false would), and only
//! when nothing around it decides what an absent value means: a
//! `present(x) and …` or `blank(x) or …` beside it, or an `if present(x)`
//! (`if blank(x)`) whose branch it is in.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::language::compiled::{Checked, Function, Node};
use crate::language::schema::{Requirement, Schema};
use crate::language::types::Type;
use crate::policy::{Derived, Rule};

/// The warnings of a policy's rules.
pub(crate) fn rule_warnings(
    rules: &[Rule],
    derived: &[Derived],
    schema: &Schema,
) -> Vec<Diagnostic> {
    let mut unknowns = Unknowns {
        derived,
        schema,
        derived_fields: vec![None; derived.len()],
    };
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

/// A test under `not` that is unknown when `slot` is not given.
struct Trap<'a> {
    test: &'a Checked,
    negation: &'a Checked,
    slot: usize,
}

/// Which optional fields can make an expression unknown.
struct Unknowns<'p> {
    derived: &'p [Derived],
    schema: &'p Schema,
    /// The fields of each derived value, once worked out: a value used by
    /// many is walked once.
    derived_fields: Vec<Option<Vec<usize>>>,
}

impl<'p> Unknowns<'p> {
    /// Walks a condition, `negation` being the outermost `not` that makes
    /// the polarity negative, `guarded` the fields whose absence something
    /// around already decides; keeps the first trap found.
    fn find_trap<'e>(
        &mut self,
        expr: &'e Checked,
        negation: Option<&'e Checked>,
        guarded: &[usize],
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
                let guards: Vec<usize> = terms.iter().filter_map(|term| guard(term, and)).collect();
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
                    let guards: Vec<usize> = guard(condition, present).into_iter().collect();
                    self.find_trap(branch, negation, &[guarded, &guards].concat(), trap);
                }
            }
            _ => self.test(expr, negation, guarded, trap),
        }
    }

    /// A test (a comparison, a call, a bool value): a trap when it is
    /// under `not` and an unguarded optional field can make it unknown.
    fn test<'e>(
        &mut self,
        expr: &'e Checked,
        negation: Option<&'e Checked>,
        guarded: &[usize],
        trap: &mut Option<Trap<'e>>,
    ) {
        let Some(negation) = negation else {
            return;
        };
        let mut fields = Vec::new();
        self.fields(expr, &mut fields);
        if let Some(slot) = fields.into_iter().find(|slot| !guarded.contains(slot)) {
            *trap = Some(Trap {
                test: expr,
                negation,
                slot,
            });
        }
    }

    /// Adds to `found` the slots of the optional fields without a default
    /// whose absence can make `expr` unknown.
    fn fields(&mut self, expr: &Checked, found: &mut Vec<usize>) {
        match &expr.node {
            // A member of a list item is read through an aggregate, whose
            // list is what may be left out.
            Node::Constant(_) | Node::Local { .. } => {}
            Node::Aggregate(aggregate) => {
                self.fields(&aggregate.list, found);
                self.fields(&aggregate.value, found);
                if let Some(filter) = &aggregate.filter {
                    self.fields(filter, found);
                }
            }
            Node::Field(slot) if self.may_be_absent(*slot) => found.push(*slot),
            Node::Field(_) => {}
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
                let guards: Vec<usize> = terms.iter().filter_map(|term| guard(term, and)).collect();
                let mut inside = Vec::new();
                terms.iter().for_each(|term| self.fields(term, &mut inside));
                found.extend(inside.into_iter().filter(|slot| !guards.contains(slot)));
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
                for (branch, present) in [(then, true), (otherwise, false)] {
                    let mut inside = Vec::new();
                    self.fields(branch, &mut inside);
                    let guard = guard(condition, present);
                    found.extend(inside.into_iter().filter(|slot| guard != Some(*slot)));
                }
            }
        }
    }

    /// The fields of derived value `index`. A value being worked out
    /// counts as having none while it is, so that a cycle (only possible
    /// in a policy that failed to load) ends.
    fn derived_fields(&mut self, index: usize) -> Vec<usize> {
        if let Some(Some(known)) = self.derived_fields.get(index) {
            return known.clone();
        }
        let derived = self.derived;
        let Some(value) = derived.get(index).map(|derived| &derived.value) else {
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

    /// An optional field without a default, other than a bool (which
    /// counts as `false`), is unknown when the request does not give it.
    fn may_be_absent(&self, slot: usize) -> bool {
        self.schema.field(slot).is_some_and(|field| {
            matches!(field.requirement, Requirement::Optional)
                && field.default.is_absent()
                && field.ty != Type::Bool
        })
    }

    fn warning(&self, rule: &Rule, trap: &Trap) -> Diagnostic {
        let path = self
            .schema
            .field(trap.slot)
            .map_or("the field", |field| field.path.as_str());
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

/// The field that `expr` tests for: with `present` set, a test that holds
/// only when the field is given (`present(x)`, `not blank(x)`), so that
/// what it is joined to with `and` reads the field only when given; else
/// one that holds when the field is not given, for `or`.
fn guard(expr: &Checked, present: bool) -> Option<usize> {
    match &expr.node {
        Node::Call(function @ (Function::Present | Function::Blank), args) => {
            let Some(Node::Field(slot)) = args.first().map(|arg| &arg.node) else {
                return None;
            };
            (present == (*function == Function::Present)).then_some(*slot)
        }
        Node::Not(inner) => guard(inner, !present),
        _ => None,
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

[derived]
big = "x > 5"
safe = "present(x) and x > 5"

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
}
