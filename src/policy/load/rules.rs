//! `[[constraint]]`, `[[rule]]`, `[default]` and the effects of outcomes.

use std::collections::HashMap;

use super::{Loader, Names, is_identifier};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::{Origin, Span};
use crate::diagnostic::suggest::{did_you_mean, list_names};
use crate::language::check::{check, check_typed, unify};
use crate::language::compiled::Checked;
use crate::language::schema::{Requirement, Schema};
use crate::language::types::Type;
use crate::language::value::Value;
use crate::limits::MAX_RULES;
use crate::policy::document::{self, Node, Table, Text, TomlValue, tables};
use crate::policy::keys;
use crate::policy::{Constraint, Effect, Outcome, Rule, Section};

impl Loader<'_, '_> {
    pub(super) fn constraints(&mut self, top: &Table, names: &Names) -> Vec<Constraint> {
        let Some(node) = top.get("constraint") else {
            return Vec::new();
        };
        let mut constraints = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for (table, span) in tables(node, "constraint", self.errors) {
            let table = Table::new(table, self.text, span, "`[[constraint]]`", keys::CONSTRAINT);
            table.check_keys(self.errors);
            let id = table.required_text("id", "\"request-after-purchase\"", self.errors);
            let must =
                table.required_text("must", "\"request.date >= purchase.date\"", self.errors);
            let message = table.required_text(
                "message",
                "\"the request is dated before the purchase\"",
                self.errors,
            );
            let id = id.filter(|id| {
                self.identifier(id, "constraint id") && self.unique(id, &mut seen, "constraint")
            });
            let must = must.and_then(|must| {
                let expr = self.expression(&must)?;
                check_typed(
                    &expr,
                    &Type::Bool,
                    "`must`",
                    &names.scope(false),
                    self.errors,
                )
            });
            if let (Some(id), Some(must), Some(message)) = (id, must, message) {
                constraints.push(Constraint {
                    id: id.value.into_owned(),
                    must,
                    message: message.value.into_owned(),
                });
            }
        }
        constraints
    }

    pub(super) fn rules(&mut self, top: &Table, names: &Names) -> Vec<Rule> {
        let Some(node) = top.get("rule") else {
            return Vec::new();
        };
        let mut rules = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        let tables = tables(node, "rule", self.errors);
        if let Some((_, first_extra)) = tables.get(MAX_RULES) {
            // Checking stops here, so that the work and the report stay
            // bounded however many rules a file holds.
            self.push(
                Diagnostic::new(
                    "too-many-rules",
                    format!(
                        "the policy has {} rules, more than the limit of {MAX_RULES}",
                        tables.len()
                    ),
                    *first_extra,
                )
                .with_label(format!("rule {} is past the limit", MAX_RULES + 1))
                .with_help("split the policy, or merge rules that decide alike"),
            );
            return rules;
        }
        for (table, span) in tables {
            let table = Table::new(table, self.text, span, "`[[rule]]`", keys::RULE);
            table.check_keys(self.errors);
            if let Some(rule) = self.rule(&table, names, &mut seen, true) {
                rules.push(rule);
            }
        }
        rules
    }

    /// The `[default]`; a file without one gets the implicit default,
    /// which `ruling check` requires no valid request to reach.
    pub(super) fn default_rule(&mut self, top: &Table, names: &Names) -> Option<Rule> {
        let Some(node) = top.get("default") else {
            if top.misspelled("default") {
                return None;
            }
            return Some(Rule::implicit_default());
        };
        let table = document::table(node, self.errors)?;
        let table = Table::new(table, self.text, node.span(), "`[default]`", keys::DEFAULT);
        table.check_keys(self.errors);
        self.rule(&table, names, &mut HashMap::new(), false)
    }

    pub(super) fn rule(
        &mut self,
        table: &Table,
        names: &Names,
        seen: &mut HashMap<String, Span>,
        conditional: bool,
    ) -> Option<Rule> {
        let id = table.required_text("id", "\"within-window\"", self.errors);
        let clause = table.required_text("clause", "\"Eligibility §1\"", self.errors);
        let outcome = table.required_text("outcome", "\"approve\"", self.errors);
        let reason = table.required_text(
            "reason",
            "\"Your request is within the refund window.\"",
            self.errors,
        );
        let section = if conditional {
            table.required_text("section", "\"eligibility\"", self.errors)
        } else {
            table.optional_text("section", self.errors)
        };
        let when = if conditional {
            table.required_text("when", "\"days_since_purchase <= 7\"", self.errors)
        } else {
            None
        };
        let id = id.filter(|id| self.identifier(id, "rule id") && self.unique(id, seen, "rule"));
        let outcome = outcome.and_then(|text| self.outcome(&text));
        let section = match section {
            Some(text) => Some(self.section_name(&text)?),
            None => None,
        };
        let when = when.and_then(|text| {
            let expr = self.expression(&text)?;
            check_typed(
                &expr,
                &Type::Bool,
                "a rule's `when`",
                &names.scope(true),
                self.errors,
            )
        });
        let reason = reason.and_then(|text| self.template(&text, names));
        let effects = match table.get("effects") {
            Some(node) => self.effects(node, "`[rule.effects]`", names)?,
            None => Vec::new(),
        };
        let allow = self.allow(table);
        if conditional && when.is_none() {
            return None;
        }
        Some(Rule {
            id: id?.value.into(),
            clause: clause?.value.into(),
            section,
            when,
            outcome: outcome?,
            reason: reason?,
            effects,
            allow,
            span: table.span,
            implicit: false,
            trace_head: std::sync::OnceLock::new(),
        })
    }

    /// A rule's `allow` table: finding codes, each with its reason; an
    /// unknown code is an error, with the codes it could be.
    fn allow(&mut self, rule: &Table) -> Vec<(String, String)> {
        let Some(node) = rule.get("allow") else {
            return Vec::new();
        };
        let Some(inner) = document::table(node, self.errors) else {
            return Vec::new();
        };
        let name = format!("the `allow` of {}", rule.name());
        let table = Table::new(inner, self.text, node.span(), name, keys::LINT_ALLOW);
        table.check_keys(self.errors);
        keys::LINT_ALLOW
            .iter()
            .filter_map(|key| {
                let reason = table.optional_text(key.name, self.errors)?;
                Some((key.name.to_owned(), reason.value.into_owned()))
            })
            .collect()
    }

    pub(super) fn outcome(&mut self, text: &Text) -> Option<Outcome> {
        let outcome = Outcome::from_keyword(&text.value);
        if outcome.is_none() {
            let keywords = Outcome::ALL.map(Outcome::keyword);
            let hint = match text.value.to_lowercase().as_str() {
                "approved" | "accept" | "refund" | "allow" => {
                    Some("did you mean `approve`?".to_owned())
                }
                "denied" | "reject" | "refuse" => Some("did you mean `deny`?".to_owned()),
                "needs-info" | "needsinfo" | "need_info" | "more_info" => {
                    Some("did you mean `needs_info`?".to_owned())
                }
                "manual" | "manual_review" | "escalate" => {
                    Some("did you mean `review`?".to_owned())
                }
                _ => did_you_mean(&text.value, keywords),
            };
            let help =
                hint.unwrap_or_else(|| format!("the outcomes are {}", list_names(keywords, 4)));
            self.push(
                Diagnostic::new(
                    "unknown-outcome",
                    format!("unknown outcome `{}`", text.value),
                    text.span,
                )
                .with_label("not an outcome")
                .with_help(help),
            );
        }
        outcome
    }

    pub(super) fn section_name(&mut self, text: &Text) -> Option<Section> {
        let section = Section::from_keyword(&text.value);
        if section.is_none() {
            let keywords = Section::ALL.map(Section::keyword);
            let help = did_you_mean(&text.value, keywords)
                .unwrap_or_else(|| format!("the sections are {}", list_names(keywords, 4)));
            self.push(
                Diagnostic::new(
                    "unknown-section",
                    format!("unknown section `{}`", text.value),
                    text.span,
                )
                .with_label("not a section")
                .with_help(help),
            );
        }
        section
    }

    pub(super) fn effects(
        &mut self,
        node: &Node,
        name: &str,
        names: &Names,
    ) -> Option<Vec<Effect>> {
        let table = document::table(node, self.errors)?;
        let mut effects = Vec::new();
        let mut valid = true;
        for (key, value) in table.iter() {
            let key_name = key.text.to_string();
            if !is_identifier(&key_name) {
                self.push(
                    Diagnostic::new(
                        "invalid-name",
                        format!("`{key_name}` is not a valid effect name in {name}"),
                        key.span,
                    )
                    .with_label("use letters, digits and `_`")
                    .with_help("for example `refund_amount`"),
                );
                valid = false;
                continue;
            }
            let checked = match value.get_ref() {
                TomlValue::String(_) => {
                    document::text(value, self.text, self.errors).and_then(|text| {
                        let expr = self.expression(&text)?;
                        check(&expr, &names.scope(true), self.errors)
                    })
                }
                _ => self
                    .constant(value, None)
                    .map(|(constant, ty)| constant_checked(constant, ty, value)),
            };
            match checked {
                Some(value) => effects.push(Effect {
                    name: key_name,
                    value,
                }),
                None => valid = false,
            }
        }
        valid.then_some(effects)
    }

    pub(super) fn outcome_effects(
        &mut self,
        top: &Table,
        names: &Names,
    ) -> Vec<(Outcome, Vec<Effect>)> {
        let Some(node) = top.get("effects") else {
            return Vec::new();
        };
        let Some(table) = document::table(node, self.errors) else {
            return Vec::new();
        };
        let mut result = Vec::new();
        for (key, value) in table.iter() {
            let text = Text {
                value: key.text.clone(),
                span: key.span,
                origin: Origin::Whole(key.span),
            };
            let Some(outcome) = self.outcome(&text) else {
                continue;
            };
            if let Some(effects) =
                self.effects(value, &format!("`[effects.{}]`", text.value), names)
            {
                result.push((outcome, effects));
            }
        }
        result
    }

    /// An effect has one type wherever it is set, so that programs reading
    /// decisions can rely on its JSON form: an integer is a JSON number, a
    /// decimal a string.
    pub(super) fn effect_types<'e>(&mut self, effects: impl Iterator<Item = &'e Effect>) {
        let mut in_file_order: Vec<&Effect> = effects.collect();
        in_file_order.sort_by_key(|effect| effect.value.span.start);
        let mut first: Vec<&Effect> = Vec::new();
        for effect in in_file_order {
            let Some(earlier) = first.iter().find(|known| known.name == effect.name) else {
                first.push(effect);
                continue;
            };
            let (was, is) = (&earlier.value.ty, &effect.value.ty);
            let numbers_differ = was.is_numeric() && is.is_numeric() && was != is;
            if !numbers_differ && unify(was, is).is_some() {
                continue;
            }
            let help = if numbers_differ {
                "a decision shows an integer as a JSON number and a decimal as a string: write whole amounts as decimals (`0.00`, or `round(x, 2)`) wherever the effect is a decimal".to_owned()
            } else {
                format!(
                    "give `{}` {} everywhere, so that programs reading decisions can rely on it",
                    effect.name,
                    was.with_article()
                )
            };
            self.push(
                Diagnostic::new(
                    "effect-type",
                    format!(
                        "effect `{}` is {} here, but {} where it is first set",
                        effect.name,
                        is.with_article(),
                        was.with_article()
                    ),
                    effect.value.span,
                )
                .with_label(format!("{} here", is.with_article()))
                .with_secondary(earlier.value.span, format!("{} here", was.with_article()))
                .with_help(help),
            );
        }
    }

    /// When any field is required, some rule must react to missing fields.
    pub(super) fn require_missing_check(&mut self, schema: &Schema, rules: &[Rule], top: &Table) {
        let Some(required) = schema
            .fields
            .iter()
            .find(|field| !matches!(field.requirement, Requirement::Optional))
        else {
            return;
        };
        let checked = rules
            .iter()
            .any(|rule| rule.when.as_ref().is_some_and(Checked::uses_missing));
        if checked || mentions_missing(top) {
            return;
        }
        let span = top
            .key_span("rule")
            .or_else(|| top.key_span("default"))
            .unwrap_or(Span::empty(0));
        self.push(
            Diagnostic::new("missing-check", "no rule handles missing required fields", span)
                .with_label("the rules start here")
                .with_secondary(required.span, format!("`{}` is required", required.path))
                .with_help(
                    "add a rule with `when = \"any_missing()\"` and `outcome = \"needs_info\"` where missing information should be reported (usually first)",
                ),
        );
    }
}

/// Whether some rule's `when`, as written, calls `any_missing()` or
/// `missing_fields()`: such a rule may have failed to load for another
/// reason, already reported.
fn mentions_missing(top: &Table) -> bool {
    let Some(TomlValue::Array(rules)) = top.get("rule").map(|node| node.get_ref()) else {
        return false;
    };
    rules.iter().any(|rule| {
        let when = rule
            .get_ref()
            .as_table()
            .and_then(|table| table.get("when"));
        when.and_then(|node| node.get_ref().as_str())
            .is_some_and(|text| text.contains("any_missing") || text.contains("missing_fields"))
    })
}

fn constant_checked(value: Value, ty: Type, node: &Node) -> Checked {
    let text = match &value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    };
    Checked {
        node: crate::language::compiled::Node::Constant(value),
        ty,
        span: node.span(),
        text: text.into(),
        folded: None,
        trace_head: std::sync::OnceLock::new(),
    }
}
