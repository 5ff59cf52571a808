//! Explanations for people (text) and programs (JSON).

use std::fmt::Write;

use super::{Palette, substituted_parts};
use crate::decision::explain::{Condition, ConditionStatus, Explanation, Position, WhyNot};
use crate::language::value::Value;

/// The explanation as pretty-printed JSON, ending in a newline. The shape is
/// documented in docs/explain-format.md and versioned by its `format`.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let json: serde_json::Value = serde_json::from_str(&ruling::explanation_json(&explanation))?;
/// assert_eq!(json["outcome"], "approve");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explanation_json(explanation: &Explanation) -> String {
    let mut text = serde_json::to_string_pretty(explanation).unwrap_or_default();
    text.push('\n');
    text
}

/// The explanation for people: the decision and its reason, the conditions
/// that made the deciding rule apply, then each rule with another outcome,
/// why it did not apply and what would make it apply; with ANSI colours
/// when `colour` is set.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let explanation = ruling::explain(&policy, request.as_bytes(), None)?;
/// let text = ruling::explanation_text(&explanation, false);
/// assert!(text.contains("within-window-support-contacted"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explanation_text(explanation: &Explanation, colour: bool) -> String {
    let palette = Palette { colour };
    let mut out = String::new();
    let rule = &explanation.rule;
    let by = if rule.default { "default" } else { "rule" };
    let _ = writeln!(
        out,
        "{}  by {by} {} ({})",
        palette.outcome(explanation.outcome),
        palette.bold(&rule.id),
        rule.clause
    );
    let _ = writeln!(out, "  {}", explanation.reason);
    let _ = writeln!(out, "\n{}", palette.bold("why"));
    if rule.default {
        let _ = writeln!(out, "  no rule applied, so the default decided");
    }
    for condition in &explanation.why {
        let _ = writeln!(out, "  {}", condition_text(condition));
    }
    if !explanation.derived.is_empty() {
        let values: Vec<String> = explanation
            .derived
            .iter()
            .map(|(name, value)| format!("{name} = {}", value.shown()))
            .collect();
        let _ = writeln!(out, "  {}", palette.dim(&values.join(", ")));
    }
    if !explanation.missing.is_empty() {
        let _ = writeln!(out, "  missing: {}", explanation.missing.join(", "));
    }
    if explanation.why_not.is_empty() {
        let none = match explanation.target {
            Some(target) if target == explanation.outcome => {
                format!("\nthe request is already decided {target}\n")
            }
            Some(target) => format!("\nno rule of the policy gives {target}\n"),
            None => "\nevery rule of the policy gives this outcome\n".to_owned(),
        };
        out.push_str(&none);
    }
    for why_not in &explanation.why_not {
        write_why_not(&mut out, why_not, &rule.id, palette);
    }
    out
}

fn write_why_not(out: &mut String, why_not: &WhyNot, deciding: &str, palette: Palette) {
    let rule = &why_not.rule;
    let kind = if rule.default { "default" } else { "rule" };
    let _ = writeln!(
        out,
        "\n{} {}: {kind} {} ({})",
        palette.bold("why not"),
        palette.outcome(why_not.outcome),
        palette.bold(&rule.id),
        rule.clause
    );
    match (why_not.condition, why_not.position) {
        (ConditionStatus::Default, _) => {
            let _ = writeln!(out, "  applies only when no rule holds; `{deciding}` held");
        }
        (ConditionStatus::Held, _) => {
            let _ = writeln!(out, "  its condition holds, but `{deciding}` comes first");
        }
        (_, Position::Below) => {
            let _ = writeln!(out, "  comes after `{deciding}`, and its condition fails:");
        }
        (_, Position::Above) => {}
    }
    for condition in &why_not.unmet {
        let _ = writeln!(out, "  {}", condition_text(condition));
    }
    for (index, counterfactual) in why_not.counterfactuals.iter().enumerate() {
        let changes: Vec<&str> = counterfactual
            .changes
            .iter()
            .map(|change| change.text.as_str())
            .collect();
        let lead = if index == 0 {
            "would apply if"
        } else {
            "or if"
        };
        let _ = writeln!(out, "  {}: {}", palette.dim(lead), changes.join(" and "));
    }
    if let Some(why) = &why_not.no_counterfactual {
        let _ = writeln!(
            out,
            "  {}",
            palette.dim(&format!("no counterfactual: {why}"))
        );
    }
}

/// `days_since_purchase <= 7 is false (8 <= 7)`.
fn condition_text(condition: &Condition) -> String {
    let value = match &condition.value {
        Value::Absent => "unknown".to_owned(),
        other => other.shown(),
    };
    let mut text = format!("{} is {value}", condition.expr);
    if !condition.needed && condition.value != Value::Bool(false) {
        text.push_str(", must be false");
    }
    if let Some(values) = substituted_parts(condition.op, &condition.operands, true)
        .filter(|values| *values != condition.expr)
    {
        let _ = write!(text, " ({values})");
    }
    text
}
