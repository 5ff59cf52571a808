//! The structural diff: what changed between two policy files, item by
//! item. Items are matched by id (rules, constraints), path (fields) or
//! name (derived values, effects), never by position, so that a moved rule
//! reads as moved and not as one removed and another added.
//!
//! Expressions are compared by their canonical text ([`Checked::text`](crate::language::compiled::Checked::text)),
//! so a change of spacing or of redundant parentheses is no change.

use serde::Serialize;

use crate::language::schema::{Field, Requirement};
use crate::language::types::Type;
use crate::policy::{Effect, Policy, Rule, Template, TemplatePart};

/// How two versions of a policy differ. Every list is empty when the
/// files mean the same (comments and formatting are not compared).
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct StructuralDiff {
    /// The `[policy]` table: id, version, title, dates, time zone, source.
    pub(crate) policy: Vec<PartChange>,
    pub(crate) fields: Vec<ItemChange>,
    pub(crate) derived: Vec<ItemChange>,
    pub(crate) constraints: Vec<ItemChange>,
    /// `[effects.<outcome>]`, one item per outcome.
    pub(crate) shared_effects: Vec<ItemChange>,
    /// Rules added, removed, moved or changed: in the new order, then the
    /// removed ones in the old order.
    pub(crate) rules: Vec<RuleChange>,
    /// The `[default]`, whose id may change too.
    pub(crate) default: Vec<PartChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One part of an item, such as a rule's `when` or a field's `type`, as
/// text; `None` on the side that does not have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PartChange {
    pub(crate) part: String,
    pub(crate) old: Option<String>,
    pub(crate) new: Option<String>,
}

/// A field, derived value, constraint or set of shared effects that was
/// added, removed or changed. An added or removed item lists all its parts.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ItemChange {
    pub(crate) id: String,
    pub(crate) change: ChangeKind,
    pub(crate) parts: Vec<PartChange>,
}

/// A rule that was added, removed, moved or changed. Positions count from
/// 1 among the `[[rule]]`s of each file.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RuleChange {
    pub(crate) id: String,
    pub(crate) change: ChangeKind,
    pub(crate) old_position: Option<usize>,
    pub(crate) new_position: Option<usize>,
    /// Whether the rule changed places relative to the rules both files
    /// have: the fewest rules that, taken out and put back, turn the old
    /// order into the new.
    pub(crate) moved: bool,
    pub(crate) parts: Vec<PartChange>,
}

impl StructuralDiff {
    pub(crate) fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// An item of either file as named parts of text, ready to compare.
struct Entry {
    id: String,
    parts: Vec<(String, String)>,
}

/// Compares two policies item by item.
pub(crate) fn structural_diff(old: &Policy, new: &Policy) -> StructuralDiff {
    StructuralDiff {
        policy: parts_diff(&metadata(old), &metadata(new)),
        fields: items_diff(&fields(old), &fields(new)),
        derived: items_diff(&derived(old), &derived(new)),
        constraints: items_diff(&constraints(old), &constraints(new)),
        shared_effects: items_diff(&shared_effects(old), &shared_effects(new)),
        rules: rules_diff(&old.rules, &new.rules),
        default: parts_diff(&default_parts(&old.default), &default_parts(&new.default)),
    }
}

fn metadata(policy: &Policy) -> Vec<(String, String)> {
    let meta = &policy.meta;
    let date_field = meta
        .effective_date_field
        .and_then(|slot| policy.schema.field(slot))
        .map_or_else(|| "none".to_owned(), |field| field.path.clone());
    vec![
        ("id".to_owned(), meta.id.clone()),
        ("version".to_owned(), meta.version.clone()),
        ("title".to_owned(), meta.title.clone()),
        (
            "effective_date".to_owned(),
            meta.stated_effective_date()
                .map_or_else(|| "none".to_owned(), |date| date.to_string()),
        ),
        ("effective_date_field".to_owned(), date_field),
        ("timezone".to_owned(), meta.timezone_name.clone()),
        ("source".to_owned(), meta.source.clone()),
    ]
}

fn fields(policy: &Policy) -> Vec<Entry> {
    policy.schema.fields.iter().map(field_entry).collect()
}

fn field_entry(field: &Field) -> Entry {
    let requirement = match &field.requirement {
        Requirement::Optional => "optional".to_owned(),
        Requirement::Always => "required".to_owned(),
        Requirement::When(condition) => format!("required when {}", condition.text),
        Requirement::WhenItem { text, .. } => format!("required when {text}"),
    };
    let mut parts = vec![
        ("type".to_owned(), type_text(&field.ty)),
        ("requirement".to_owned(), requirement),
    ];
    if !field.default.is_absent() {
        parts.push(("default".to_owned(), field.default.shown()));
    }
    parts.push(("description".to_owned(), field.description.clone()));
    Entry {
        id: field.path.clone(),
        parts,
    }
}

/// A type as a field declares it, with an enum's values, so that a value
/// added to an enum shows as a change of type.
fn type_text(ty: &Type) -> String {
    match ty {
        Type::Enum(values) => format!("enum [{}]", values.join(", ")),
        Type::List(item) => format!("list of {}", type_text(item)),
        other => other.to_string(),
    }
}

fn derived(policy: &Policy) -> Vec<Entry> {
    policy
        .derived
        .iter()
        .map(|derived| Entry {
            id: derived.name.clone(),
            parts: vec![("value".to_owned(), derived.value.text.to_string())],
        })
        .collect()
}

fn constraints(policy: &Policy) -> Vec<Entry> {
    policy
        .constraints
        .iter()
        .map(|constraint| Entry {
            id: constraint.id.clone(),
            parts: vec![
                ("must".to_owned(), constraint.must.text.to_string()),
                ("message".to_owned(), constraint.message.clone()),
            ],
        })
        .collect()
}

fn shared_effects(policy: &Policy) -> Vec<Entry> {
    policy
        .outcome_effects
        .iter()
        .map(|(outcome, effects)| Entry {
            id: outcome.keyword().to_owned(),
            parts: effects.iter().map(effect_part).collect(),
        })
        .collect()
}

fn effect_part(effect: &Effect) -> (String, String) {
    (effect.name.clone(), effect.value.text.to_string())
}

fn rule_parts(rule: &Rule) -> Vec<(String, String)> {
    let mut parts = vec![("clause".to_owned(), rule.clause.to_string())];
    if let Some(section) = rule.section {
        parts.push(("section".to_owned(), section.keyword().to_owned()));
    }
    if let Some(when) = &rule.when {
        parts.push(("when".to_owned(), when.text.to_string()));
    }
    parts.push(("outcome".to_owned(), rule.outcome.keyword().to_owned()));
    parts.push(("reason".to_owned(), template_text(&rule.reason)));
    parts.extend(rule.effects.iter().map(|effect| {
        let (name, value) = effect_part(effect);
        (format!("effect {name}"), value)
    }));
    parts
}

fn default_parts(rule: &Rule) -> Vec<(String, String)> {
    let mut parts = vec![("id".to_owned(), rule.id.to_string())];
    parts.extend(rule_parts(rule));
    parts
}

/// A reason as it would be written, with its placeholders in canonical form.
fn template_text(template: &Template) -> String {
    template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.replace('{', "{{").replace('}', "}}"),
            TemplatePart::Value(expr) => format!("{{{}}}", expr.text),
        })
        .collect()
}

/// The parts that differ: in the old order, then those only the new has.
pub(super) fn parts_diff(old: &[(String, String)], new: &[(String, String)]) -> Vec<PartChange> {
    let find = |parts: &[(String, String)], name: &str| {
        parts
            .iter()
            .find(|(part, _)| part == name)
            .map(|(_, text)| text.clone())
    };
    let mut changes: Vec<PartChange> = old
        .iter()
        .filter_map(|(part, text)| {
            let now = find(new, part);
            (now.as_ref() != Some(text)).then(|| PartChange {
                part: part.clone(),
                old: Some(text.clone()),
                new: now,
            })
        })
        .collect();
    changes.extend(
        new.iter()
            .filter(|(part, _)| find(old, part).is_none())
            .map(|(part, text)| PartChange {
                part: part.clone(),
                old: None,
                new: Some(text.clone()),
            }),
    );
    changes
}

/// Items added or changed, in the new order, then those removed.
fn items_diff(old: &[Entry], new: &[Entry]) -> Vec<ItemChange> {
    let mut changes = Vec::new();
    for entry in new {
        match old.iter().find(|before| before.id == entry.id) {
            Some(before) => {
                let parts = parts_diff(&before.parts, &entry.parts);
                if !parts.is_empty() {
                    changes.push(ItemChange {
                        id: entry.id.clone(),
                        change: ChangeKind::Changed,
                        parts,
                    });
                }
            }
            None => changes.push(ItemChange {
                id: entry.id.clone(),
                change: ChangeKind::Added,
                parts: parts_diff(&[], &entry.parts),
            }),
        }
    }
    changes.extend(
        old.iter()
            .filter(|entry| !new.iter().any(|after| after.id == entry.id))
            .map(|entry| ItemChange {
                id: entry.id.clone(),
                change: ChangeKind::Removed,
                parts: parts_diff(&entry.parts, &[]),
            }),
    );
    changes
}

fn rules_diff(old: &[Rule], new: &[Rule]) -> Vec<RuleChange> {
    let position = |rules: &[Rule], id: &str| rules.iter().position(|rule| &*rule.id == id);
    let moved = moved_rules(old, new);
    let mut changes = Vec::new();
    for (index, rule) in new.iter().enumerate() {
        let before = position(old, &rule.id);
        let parts = match before.and_then(|at| old.get(at)) {
            Some(previous) => parts_diff(&rule_parts(previous), &rule_parts(rule)),
            None => parts_diff(&[], &rule_parts(rule)),
        };
        let is_moved = moved.contains(&&*rule.id);
        if before.is_some() && parts.is_empty() && !is_moved {
            continue;
        }
        changes.push(RuleChange {
            id: rule.id.to_string(),
            change: if before.is_some() {
                ChangeKind::Changed
            } else {
                ChangeKind::Added
            },
            old_position: before.map(|at| at + 1),
            new_position: Some(index + 1),
            moved: is_moved,
            parts,
        });
    }
    for (index, rule) in old.iter().enumerate() {
        if position(new, &rule.id).is_none() {
            changes.push(RuleChange {
                id: rule.id.to_string(),
                change: ChangeKind::Removed,
                old_position: Some(index + 1),
                new_position: None,
                moved: false,
                parts: parts_diff(&rule_parts(rule), &[]),
            });
        }
    }
    changes
}

/// The ids of the rules both files have that changed places: those outside
/// a longest run of common rules that keeps its old order.
fn moved_rules<'a>(old: &[Rule], new: &'a [Rule]) -> Vec<&'a str> {
    let common: Vec<(&str, usize)> = new
        .iter()
        .filter_map(|rule| {
            let at = old.iter().position(|before| before.id == rule.id)?;
            Some((&*rule.id, at))
        })
        .collect();
    let old_positions: Vec<usize> = common.iter().map(|(_, at)| *at).collect();
    let kept = longest_increasing(&old_positions);
    common
        .iter()
        .zip(kept)
        .filter(|(_, kept)| !kept)
        .map(|(entry, _)| entry.0)
        .collect()
}

/// Marks the members of one longest strictly increasing subsequence.
/// Quadratic, which is fine for the tens of rules a policy has.
fn longest_increasing(sequence: &[usize]) -> Vec<bool> {
    let mut length: Vec<usize> = Vec::with_capacity(sequence.len());
    let mut previous: Vec<Option<usize>> = Vec::with_capacity(sequence.len());
    for (index, value) in sequence.iter().enumerate() {
        let best = sequence
            .iter()
            .zip(&length)
            .enumerate()
            .take(index)
            .filter(|(_, (earlier, _))| *earlier < value)
            .max_by_key(|(_, (_, run))| **run)
            .map(|(at, (_, run))| (at, *run));
        length.push(best.map_or(1, |(_, run)| run + 1));
        previous.push(best.map(|(at, _)| at));
    }
    let mut kept = vec![false; sequence.len()];
    let mut at = length
        .iter()
        .enumerate()
        .max_by_key(|(_, run)| **run)
        .map(|(index, _)| index);
    while let Some(index) = at {
        if let Some(mark) = kept.get_mut(index) {
            *mark = true;
        }
        at = previous.get(index).copied().flatten();
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_increasing_run_stays_and_the_rest_moved() {
        assert_eq!(longest_increasing(&[]), Vec::<bool>::new());
        assert_eq!(longest_increasing(&[0, 1, 2]), vec![true, true, true]);
        // b moved up above a: one of the two is marked, not both.
        assert_eq!(
            longest_increasing(&[1, 0])
                .iter()
                .filter(|kept| **kept)
                .count(),
            1
        );
        // One rule from the bottom to the top: only it moved.
        assert_eq!(
            longest_increasing(&[3, 0, 1, 2]),
            vec![false, true, true, true]
        );
        // One rule from the top to the bottom: only it moved.
        assert_eq!(
            longest_increasing(&[1, 2, 3, 0]),
            vec![true, true, true, false]
        );
    }

    #[test]
    fn parts_report_changed_removed_and_added_in_order() {
        let part = |name: &str, text: &str| (name.to_owned(), text.to_owned());
        let old = [
            part("when", "a"),
            part("outcome", "deny"),
            part("effect x", "1"),
        ];
        let new = [
            part("when", "b"),
            part("outcome", "deny"),
            part("effect y", "2"),
        ];
        let change = |name: &str, old: Option<&str>, new: Option<&str>| PartChange {
            part: name.to_owned(),
            old: old.map(str::to_owned),
            new: new.map(str::to_owned),
        };
        assert_eq!(
            parts_diff(&old, &new),
            vec![
                change("when", Some("a"), Some("b")),
                change("effect x", Some("1"), None),
                change("effect y", None, Some("2")),
            ]
        );
        assert!(parts_diff(&old, &old).is_empty());
    }
}
