//! `[derived]` and `[helpers]`: named values, checked in the order they
//! depend on each other. Helpers are derived values that decisions do not
//! list: they exist to compute others.

use super::{Loader, Names, is_identifier};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::language::ast::{Expr, ExprKind};
use crate::language::check::{check, written_texts};
use crate::language::compiled::Checked;
use crate::language::schema::Member;
use crate::policy::Derived;
use crate::policy::document::{self, Table};

/// A named value as read, before it is checked.
struct Named {
    name: String,
    span: Span,
    expr: Option<Expr>,
    helper: bool,
}

impl Loader<'_, '_> {
    /// Reads `[derived]` and `[helpers]`, checking the values in the order
    /// they depend on each other.
    pub(super) fn derived(&mut self, top: &Table, names: &mut Names) -> Vec<Derived> {
        let mut parsed: Vec<Named> = Vec::new();
        for (key, helper) in [("derived", false), ("helpers", true)] {
            self.named_values(top, key, helper, names, &mut parsed);
        }
        names.derived = parsed
            .iter()
            .map(|named| (named.name.clone(), None))
            .collect();
        names.derived_texts = vec![Vec::new(); parsed.len()];
        let order = self.dependency_order(&parsed);
        let mut checked: Vec<Option<Checked>> = parsed.iter().map(|_| None).collect();
        for index in order {
            let Some(Named {
                expr: Some(expr), ..
            }) = parsed.get(index)
            else {
                continue;
            };
            let result = check(expr, &names.scope(false), self.errors);
            if let Some(result) = result {
                if let Some(entry) = names.derived.get_mut(index) {
                    entry.1 = Some(result.ty.clone());
                }
                let texts = written_texts(&result, &names.derived_texts);
                if let Some(entry) = names.derived_texts.get_mut(index) {
                    *entry = texts;
                }
                if let Some(slot) = checked.get_mut(index) {
                    *slot = Some(result);
                }
            }
        }
        parsed
            .into_iter()
            .zip(checked)
            .filter_map(|(named, value)| {
                Some(Derived {
                    name: named.name,
                    value: value?,
                    helper: named.helper,
                })
            })
            .collect()
    }

    /// Parses the named values of the table `key` into `parsed`, reporting
    /// names that are not valid or already taken.
    fn named_values(
        &mut self,
        top: &Table,
        key: &str,
        helper: bool,
        names: &Names,
        parsed: &mut Vec<Named>,
    ) {
        let Some(node) = top.get(key) else {
            return;
        };
        let Some(table) = document::table(node, self.errors) else {
            return;
        };
        let table = Table::new(table, self.text, node.span(), format!("`[{key}]`"), &[]);
        for (name, key_span, value) in table.keys() {
            let Some(text) = document::text(value, self.text, self.errors) else {
                continue;
            };
            if !is_identifier(name) {
                self.push(
                    Diagnostic::new(
                        "invalid-name",
                        format!("`{name}` is not a valid name for a derived value"),
                        key_span,
                    )
                    .with_label("use letters, digits and `_`")
                    .with_help("for example `days_since_purchase`"),
                );
                continue;
            }
            if names.schema.root.member(name).is_some() {
                let what = match names.schema.root.member(name) {
                    Some(Member::Object(_)) => "an object of the request",
                    _ => "a request field",
                };
                let mut diagnostic = Diagnostic::new(
                    "duplicate-name",
                    format!("`{name}` is already the name of {what}"),
                    key_span,
                )
                .with_label("clashes with the request")
                .with_help("give the derived value another name, such as `days_since_purchase`");
                let declared = names.schema.fields.iter().find(|field| {
                    field.path == name || field.path.starts_with(&format!("{name}."))
                });
                if let Some(field) = declared {
                    diagnostic = diagnostic
                        .with_secondary(field.span, format!("`{}` is declared here", field.path));
                }
                self.push(diagnostic);
                continue;
            }
            if let Some(first) = parsed.iter().find(|named| named.name == name) {
                let (what, table) = if first.helper {
                    ("a helper", "helpers")
                } else {
                    ("a derived value", "derived")
                };
                self.push(
                    Diagnostic::new(
                        "duplicate-name",
                        format!("`{name}` is already the name of {what}"),
                        key_span,
                    )
                    .with_label("named again here")
                    .with_secondary(first.span, format!("first named in `[{table}]`"))
                    .with_help("a name is in `[derived]` or in `[helpers]`, not in both; keep one"),
                );
                continue;
            }
            let expr = self.expression(&text);
            parsed.push(Named {
                name: name.to_owned(),
                span: key_span,
                expr,
                helper,
            });
        }
    }

    /// Indexes of the derived values, each after the ones it uses; cycles
    /// are reported and left out.
    fn dependency_order(&mut self, parsed: &[Named]) -> Vec<usize> {
        let uses: Vec<Vec<usize>> = parsed
            .iter()
            .map(|named| {
                let mut used = Vec::new();
                if let Some(expr) = &named.expr {
                    collect_names(expr, &mut |name| {
                        if let Some(index) = parsed.iter().position(|other| other.name == name) {
                            used.push(index);
                        }
                    });
                }
                used
            })
            .collect();
        let mut state = vec![Visit::New; parsed.len()];
        let mut order = Vec::new();
        for start in 0..parsed.len() {
            if let Some(cycle) = visit(start, &uses, &mut state, &mut order, &mut Vec::new()) {
                let names: Vec<&str> = cycle
                    .iter()
                    .filter_map(|index| parsed.get(*index).map(|named| named.name.as_str()))
                    .collect();
                let span = cycle
                    .first()
                    .and_then(|index| parsed.get(*index))
                    .map_or(Span::empty(0), |named| named.span);
                self.push(
                    Diagnostic::new(
                        "cycle",
                        format!(
                            "derived values depend on each other: {}",
                            names
                                .iter()
                                .map(|name| format!("`{name}`"))
                                .collect::<Vec<_>>()
                                .join(" → ")
                        ),
                        span,
                    )
                    .with_label("part of a cycle")
                    .with_help("a derived value cannot use itself, directly or through others"),
                );
            }
        }
        order
    }
}

/// Calls `found` with every single-name path in `expr`.
fn collect_names(expr: &Expr, found: &mut impl FnMut(&str)) {
    match &expr.kind {
        ExprKind::Path(path) => {
            if let Some(single) = path.single() {
                found(single);
            }
        }
        ExprKind::Literal(_) => {}
        ExprKind::Unary(_, inner) => collect_names(inner, found),
        ExprKind::Binary(_, a, b)
        | ExprKind::In {
            value: a, list: b, ..
        } => {
            collect_names(a, found);
            collect_names(b, found);
        }
        ExprKind::List(items) | ExprKind::Call(_, items) => {
            items.iter().for_each(|item| collect_names(item, found))
        }
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => {
            collect_names(condition, found);
            collect_names(then, found);
            collect_names(otherwise, found);
        }
        ExprKind::Aggregate {
            value,
            list,
            filter,
            ..
        } => {
            collect_names(value, found);
            collect_names(list, found);
            if let Some(filter) = filter {
                collect_names(filter, found);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Active,
    Done,
}

/// Depth-first visit for the dependency order; returns a cycle when found.
fn visit(
    index: usize,
    uses: &[Vec<usize>],
    state: &mut [Visit],
    order: &mut Vec<usize>,
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    match state.get(index) {
        Some(Visit::Done) | None => return None,
        Some(Visit::Active) => {
            let start = path
                .iter()
                .position(|entry| *entry == index)
                .unwrap_or_default();
            let mut cycle = path.get(start..).unwrap_or_default().to_vec();
            cycle.push(index);
            return Some(cycle);
        }
        Some(Visit::New) => {}
    }
    if let Some(entry) = state.get_mut(index) {
        *entry = Visit::Active;
    }
    path.push(index);
    let mut cycle = None;
    for used in uses.get(index).map(Vec::as_slice).unwrap_or_default() {
        if let Some(found) = visit(*used, uses, state, order, path) {
            cycle = Some(found);
            break;
        }
    }
    path.pop();
    if let Some(entry) = state.get_mut(index) {
        *entry = Visit::Done;
    }
    if cycle.is_none() {
        order.push(index);
    }
    cycle
}
