//! Rendering decisions for people (text) and machines (JSON).

use std::fmt::Write;

mod compact;
mod errors;
mod explain;
mod palette;
mod traced;

pub(crate) use compact::CompactLine;
pub(crate) use errors::request_error_value;
pub use errors::{request_error_json, request_error_text};
pub use explain::{explanation_json, explanation_text};
pub(crate) use traced::write_traced_line;

pub(crate) use palette::Palette;

use crate::decision::{Decision, RuleTrace, Status};
use crate::evaluate::{Operand, TraceNode};

/// The decision as pretty-printed JSON, ending in a newline. The shape is
/// documented in docs/decision-format.md and versioned by its `format`.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// let json: serde_json::Value = serde_json::from_str(&ruling::decision_json(&decision))?;
/// assert_eq!(json["outcome"], "approve");
/// assert_eq!(json["id"], decision.id.as_str());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decision_json(decision: &Decision) -> String {
    let mut text = serde_json::to_string_pretty(decision).unwrap_or_default();
    text.push('\n');
    text
}

/// The decision for people: outcome and reason first, then effects,
/// missing fields, the policy, and the trace of every rule; with ANSI
/// colours when `colour` is set.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// let text = ruling::decision_text(&decision, false);
/// assert!(text.starts_with("approve"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decision_text(decision: &Decision, colour: bool) -> String {
    let palette = Palette { colour };
    let mut out = String::new();
    let rule = &decision.rule;
    let by = if rule.default { "default" } else { "rule" };
    let _ = writeln!(
        out,
        "{}  by {by} {} ({})",
        palette.outcome(decision.outcome),
        palette.bold(&rule.id),
        rule.clause
    );
    let _ = writeln!(out, "  {}", decision.reason);
    if !decision.effects.is_empty() {
        let _ = writeln!(out, "\n{}", palette.bold("effects"));
        let width = decision
            .effects
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        for (name, value) in &decision.effects {
            let _ = writeln!(out, "  {name:width$}  {}", value.shown());
        }
    }
    if !decision.derived.is_empty() {
        let _ = writeln!(out, "\n{}", palette.bold("derived values"));
        let width = decision
            .derived
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        for (name, value) in &decision.derived {
            let _ = writeln!(out, "  {name:width$}  {}", value.shown());
        }
    }
    if !decision.missing.is_empty() {
        let _ = writeln!(out, "\n{}", palette.bold("missing"));
        for path in &decision.missing {
            let _ = writeln!(out, "  {path}");
        }
    }
    if !decision.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", palette.bold("warnings"));
        for warning in &decision.warnings {
            let _ = writeln!(out, "  {}", warning.message);
        }
    }
    let policy = &decision.policy;
    let _ = writeln!(out, "\n{}", palette.bold("policy"));
    let _ = writeln!(
        out,
        "  {} version {}  {}",
        policy.id,
        policy.version,
        palette.dim(&format!("sha256 {}", policy.sha256))
    );
    if let Some(why) = &policy.selected {
        let _ = writeln!(out, "  {why}");
    }
    let _ = writeln!(out, "  decision {}", decision.id);
    let _ = writeln!(
        out,
        "\n{}",
        palette.bold("trace (rules in order; the first that holds decides)")
    );
    let width = decision
        .trace
        .iter()
        .map(|entry| entry.rule.len())
        .max()
        .unwrap_or(0);
    for entry in &decision.trace {
        write_rule(&mut out, entry, width, palette);
    }
    out
}

fn write_rule(out: &mut String, entry: &RuleTrace, width: usize, palette: Palette) {
    let mark = match entry.status {
        Status::Held | Status::Applied => "✓",
        Status::NotHeld => "✗",
        Status::Unknown => "?",
        Status::NotReached => "·",
    };
    let status = match entry.status {
        Status::Held | Status::Applied => palette.outcome(entry.outcome),
        other => palette.dim(other.keyword()),
    };
    let _ = writeln!(
        out,
        "  {mark} {:width$}  {status}  {}",
        entry.rule,
        palette.dim(&entry.clause)
    );
    if let Some(condition) = &entry.condition {
        write_condition(out, condition, 6, palette);
    }
}

/// One line per comparison or value; `and`, `or` and `not` indent their parts.
fn write_condition(out: &mut String, node: &TraceNode, indent: usize, palette: Palette) {
    let pad = " ".repeat(indent);
    match node.op {
        Some("and" | "or" | "not" | "if") if !node.terms.is_empty() => {
            let _ = writeln!(
                out,
                "{pad}{} {}",
                palette.dim(node.op.unwrap_or_default()),
                result(node, palette)
            );
            for term in &node.terms {
                write_condition(out, term, indent + 2, palette);
            }
        }
        _ => {
            let substituted = substituted(node);
            let detail = match substituted {
                Some(values) if *values != *node.expr => format!("  {}", palette.dim(&values)),
                _ => String::new(),
            };
            let _ = writeln!(out, "{pad}{}{detail} {}", node.expr, result(node, palette));
            // An aggregate's terms are the item that settled it.
            for term in &node.terms {
                write_condition(out, term, indent + 2, palette);
            }
        }
    }
}

fn result(node: &TraceNode, palette: Palette) -> String {
    match &node.value {
        Some(value) => format!("→ {}", palette.bold(&value.shown())),
        None => palette.dim("(not evaluated)"),
    }
}

/// The expression with its operands replaced by their values: `12 <= 7`.
fn substituted(node: &TraceNode) -> Option<String> {
    substituted_parts(node.op, &node.operands, node.value.is_some())
}

/// [`substituted`] from the parts of a node: its operator, its operands and
/// whether it was evaluated.
pub(crate) fn substituted_parts(
    op: Option<&str>,
    operands: &[Operand],
    evaluated: bool,
) -> Option<String> {
    let op = op?;
    if operands.is_empty() {
        return None;
    }
    match operands {
        [left, right] if op == "in" || op == "not in" || !op.chars().any(char::is_alphabetic) => {
            Some(format!(
                "{} {op} {}",
                left.value.shown(),
                right.value.shown()
            ))
        }
        operands if evaluated => {
            let args: Vec<String> = operands
                .iter()
                .map(|operand| operand.value.shown())
                .collect();
            Some(format!("{op}({})", args.join(", ")))
        }
        _ => None,
    }
}
