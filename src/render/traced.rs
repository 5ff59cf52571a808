//! The traced decision line of `ruling decide --ndjson --trace`: the line
//! number, then every field of the decision's JSON, compact. Written by
//! hand like the compact line; a test holds it byte for byte equal to the
//! decision's `Serialize` output.

use super::compact::CompactLine;
use crate::decision::json_text::{push_keyword, push_list, push_object, push_str, push_value};
use crate::decision::{Decision, RuleTrace, Status};
use crate::evaluate::TraceNode;

/// Appends the traced line of `decision`, newline included.
pub(crate) fn write_traced_line(out: &mut Vec<u8>, line: u64, decision: &Decision) {
    CompactLine::of_decision(line, decision).write_head(out);
    out.extend_from_slice(b",\"derived\":");
    push_object(out, &decision.derived);
    let policy = &decision.policy;
    out.extend_from_slice(b",\"policy\":{\"id\":");
    push_str(out, &policy.id);
    out.extend_from_slice(b",\"version\":");
    push_str(out, &policy.version);
    out.extend_from_slice(b",\"title\":");
    push_str(out, &policy.title);
    out.extend_from_slice(b",\"sha256\":");
    push_str(out, &policy.sha256);
    if let Some(selected) = &policy.selected {
        out.extend_from_slice(b",\"selected\":");
        push_str(out, selected);
    }
    out.extend_from_slice(b"},\"trace\":");
    push_list(out, &decision.trace, push_rule_trace);
    out.extend_from_slice(b"}\n");
}

fn push_rule_trace(out: &mut Vec<u8>, trace: &RuleTrace) {
    out.extend_from_slice(b"{\"rule\":");
    push_str(out, &trace.rule);
    out.extend_from_slice(b",\"clause\":");
    push_str(out, &trace.clause);
    out.extend_from_slice(b",\"outcome\":");
    push_keyword(out, trace.outcome.keyword());
    out.extend_from_slice(b",\"status\":");
    push_keyword(out, status_name(trace.status));
    if let Some(condition) = &trace.condition {
        out.extend_from_slice(b",\"condition\":");
        push_node(out, condition);
    }
    out.push(b'}');
}

/// The status as its `Serialize` implementation names it (snake case).
fn status_name(status: Status) -> &'static str {
    match status {
        Status::Held => "held",
        Status::NotHeld => "not_held",
        Status::Unknown => "unknown",
        Status::NotReached => "not_reached",
        Status::Applied => "applied",
    }
}

fn push_node(out: &mut Vec<u8>, node: &TraceNode) {
    out.extend_from_slice(b"{\"expr\":");
    push_str(out, &node.expr);
    if let Some(op) = node.op {
        out.extend_from_slice(b",\"op\":");
        push_keyword(out, op);
    }
    match &node.value {
        Some(value) => {
            out.extend_from_slice(b",\"value\":");
            push_value(out, value);
        }
        None => out.extend_from_slice(b",\"evaluated\":false"),
    }
    if !node.operands.is_empty() {
        out.extend_from_slice(b",\"operands\":");
        push_list(out, &node.operands, |out, operand| {
            out.extend_from_slice(b"{\"expr\":");
            push_str(out, &operand.expr);
            out.extend_from_slice(b",\"value\":");
            push_value(out, &operand.value);
            out.push(b'}');
        });
    }
    if !node.terms.is_empty() {
        out.extend_from_slice(b",\"terms\":");
        push_list(out, &node.terms, push_node);
    }
    out.push(b'}');
}
