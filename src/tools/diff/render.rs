//! Rendering a diff for people (text) and programs (JSON, documented in
//! docs/diff-format.md).

use std::fmt::Write;

use super::decisions::{DecisionDiff, Difference, Side};
use super::structure::{ChangeKind, ItemChange, PartChange, RuleChange, StructuralDiff};
use super::{DiffReport, PolicySide};

/// Values up to this many characters are shown on one line: `old → new`.
const INLINE_CHARS: usize = 40;

/// The report as pretty-printed JSON, ending in a newline.
pub(crate) fn diff_json(report: &DiffReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// The report for people: the two sides, how their files differ, then how
/// their decisions differ.
pub(crate) fn diff_text(report: &DiffReport) -> String {
    let mut out = String::new();
    write_side(&mut out, "old", &report.old);
    write_side(&mut out, "new", &report.new);
    if report.old.versions.len() > 1 || report.new.versions.len() > 1 {
        out.push_str("the structure is compared between the newest versions\n");
    }
    write_structure(&mut out, report.structure);
    if let Some(decisions) = report.decisions {
        write_decisions(&mut out, decisions);
    }
    if let Some(symbolic) = report.symbolic {
        out.push_str(&super::symbolic_text(symbolic));
    }
    out
}

fn write_side(out: &mut String, name: &str, side: &PolicySide) {
    let versions = match side.versions.as_slice() {
        [one] => format!("version {one}"),
        many => format!("versions {}", many.join(", ")),
    };
    let _ = writeln!(out, "{name}  {}  ({} {versions})", side.path, side.id);
}

fn write_structure(out: &mut String, diff: &StructuralDiff) {
    if diff.is_empty() {
        out.push_str("\nthe two policies have the same fields, values, constraints and rules\n");
        return;
    }
    if !diff.policy.is_empty() {
        out.push_str("\npolicy\n");
        write_parts(out, &diff.policy, 2);
    }
    write_items(out, "fields", &diff.fields);
    write_items(out, "derived values", &diff.derived);
    write_items(out, "constraints", &diff.constraints);
    write_items(out, "shared effects", &diff.shared_effects);
    if !diff.rules.is_empty() {
        out.push_str("\nrules\n");
        for rule in &diff.rules {
            write_rule(out, rule);
        }
    }
    if !diff.default.is_empty() {
        out.push_str("\ndefault\n");
        write_parts(out, &diff.default, 2);
    }
}

fn mark(change: ChangeKind) -> char {
    match change {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed => '~',
    }
}

fn write_items(out: &mut String, title: &str, items: &[ItemChange]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    for item in items {
        let _ = writeln!(out, "  {} {}", mark(item.change), item.id);
        write_parts(out, &item.parts, 6);
    }
}

fn write_rule(out: &mut String, rule: &RuleChange) {
    let place = match (rule.change, rule.old_position, rule.new_position) {
        (ChangeKind::Added, _, Some(new)) => format!("  added at #{new}"),
        (ChangeKind::Removed, Some(old), _) => format!("  removed from #{old}"),
        (_, Some(old), Some(new)) if rule.moved => format!("  moved from #{old} to #{new}"),
        _ => String::new(),
    };
    let _ = writeln!(out, "  {} {}{place}", mark(rule.change), rule.id);
    write_parts(out, &rule.parts, 6);
}

/// One line per part when it is short, else the old and new on lines of
/// their own, marked `-` and `+` as in a unified diff.
fn write_parts<'a>(
    out: &mut String,
    parts: impl IntoIterator<Item = &'a PartChange>,
    indent: usize,
) {
    let pad = " ".repeat(indent);
    for part in parts {
        match (&part.old, &part.new) {
            (Some(old), Some(new)) if is_short(old) && is_short(new) => {
                let _ = writeln!(out, "{pad}{}: {old} → {new}", part.part);
            }
            (Some(old), Some(new)) => {
                let _ = writeln!(out, "{pad}{}", part.part);
                let _ = writeln!(out, "{pad}  - {old}");
                let _ = writeln!(out, "{pad}  + {new}");
            }
            (Some(old), None) => {
                let _ = writeln!(out, "{pad}- {}: {old}", part.part);
            }
            (None, Some(new)) => {
                let _ = writeln!(out, "{pad}+ {}: {new}", part.part);
            }
            (None, None) => {}
        }
    }
}

fn is_short(text: &str) -> bool {
    text.chars().count() <= INLINE_CHARS && !text.contains('\n')
}

fn write_decisions(out: &mut String, diff: &DecisionDiff) {
    let _ = writeln!(
        out,
        "\n{} requests: {} unchanged, {} changed, {} errors ({} rejected by the old policy, {} by the new)",
        diff.requests, diff.unchanged, diff.changed, diff.errors, diff.errors_old, diff.errors_new
    );
    if !diff.transitions.is_empty() {
        let _ = writeln!(out, "\n  {:<10}   {:<10}  requests", "old", "new");
        for transition in &diff.transitions {
            let _ = writeln!(
                out,
                "  {:<10} → {:<10}  {:>8}",
                transition.old.keyword(),
                transition.new.keyword(),
                transition.requests
            );
        }
    }
    write_differences(
        out,
        "requests that changed (old → new, rule before → after)",
        &diff.lines,
        diff.lines_omitted,
        diff.limit,
    );
    write_differences(
        out,
        "requests rejected by both policies",
        &diff.rejected,
        diff.rejected_omitted,
        diff.limit,
    );
}

fn write_differences(
    out: &mut String,
    title: &str,
    lines: &[Difference],
    omitted: u64,
    limit: usize,
) {
    if lines.is_empty() && omitted == 0 {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    let width = lines
        .iter()
        .map(|line| line.line.to_string().len())
        .max()
        .unwrap_or(0);
    for line in lines {
        write_difference(out, line, width);
    }
    match (lines.is_empty(), omitted) {
        (_, 0) => {}
        (true, _) => {
            let _ = writeln!(out, "  {omitted} not listed");
        }
        (false, _) => {
            let _ = writeln!(
                out,
                "  … and {omitted} more (only the first {limit} are listed)"
            );
        }
    }
}

fn write_difference(out: &mut String, line: &Difference, width: usize) {
    let number = format!("line {:<width$}", line.line);
    match (&line.old, &line.new) {
        (Side::Rejected { error: old }, Side::Rejected { error: new }) if old == new => {
            let _ = writeln!(out, "  {number}  {old}");
        }
        (old, new) => {
            let verdicts = format!("{} → {}", verdict(old), verdict(new));
            let rules = match (rule(old), rule(new)) {
                (Some(before), Some(after)) if before == after => format!("{before} (same rule)"),
                (before, after) => format!(
                    "{} → {}",
                    before.unwrap_or("(rejected)"),
                    after.unwrap_or("(rejected)")
                ),
            };
            let _ = writeln!(out, "  {number}  {verdicts:<23}  {rules}");
            let pad = " ".repeat(width + 9);
            for (name, side) in [("old", old), ("new", new)] {
                if let Side::Rejected { error } = side {
                    let _ = writeln!(out, "{pad}{name}: {error}");
                }
            }
            // The outcome and the rule are on the line above. Effects are
            // worth a line only under the same outcome: a new outcome brings
            // its own effects, which the JSON lists.
            let same_outcome = !line.differs.iter().any(|part| part.part == "outcome");
            let effects = line
                .differs
                .iter()
                .filter(|part| same_outcome && part.part != "rule");
            write_parts(out, effects, width + 9);
        }
    }
}

fn verdict(side: &Side) -> &'static str {
    match side {
        Side::Decided { outcome, .. } => outcome.keyword(),
        Side::Rejected { .. } => "rejected",
    }
}

fn rule(side: &Side) -> Option<&str> {
    match side {
        Side::Decided { rule, .. } => Some(rule),
        Side::Rejected { .. } => None,
    }
}
