//! The traced decision line of `ruling decide --ndjson --trace`: the line
//! number, then every field of the decision's JSON, compact. Written by
//! hand like the compact line; a test holds it byte for byte equal to the
//! decision's `Serialize` output.

use super::compact::CompactLine;
use crate::decision::Status;
use crate::decision::decide::{LoggedDecision, LoggedRule};
use crate::decision::json_text::{push_keyword, push_list, push_object, push_str, push_value};
use crate::evaluate::{LoggedNode, TraceLog};
use crate::language::value::Value;
use crate::policy::{Policy, Rule};

/// Appends the traced line of `decision`, newline included, its trace
/// written straight from `log`, where it was recorded.
pub(crate) fn write_traced_line(
    out: &mut Vec<u8>,
    line: u64,
    decision: &LoggedDecision,
    log: &TraceLog,
) {
    let policy = decision.policy;
    CompactLine::of_ruling(
        line,
        policy,
        &decision.ruling,
        decision.id.as_str(),
        &decision.reason,
    )
    .write_head(out);
    out.extend_from_slice(b",\"derived\":");
    push_object(out, &decision.derived);
    let policy_ref = policy.traced_ref.get_or_init(|| policy_ref(policy));
    out.extend_from_slice(policy_ref.as_bytes());
    out.extend_from_slice(b",\"trace\":");
    push_list(out, &decision.rules, |out, rule| {
        push_rule_trace(out, rule, log);
    });
    out.extend_from_slice(b"}\n");
}

/// The `"policy"` member of every traced line of `policy`.
fn policy_ref(policy: &Policy) -> Box<str> {
    let mut made = Vec::new();
    made.extend_from_slice(b",\"policy\":{\"id\":");
    push_str(&mut made, &policy.meta.id);
    made.extend_from_slice(b",\"version\":");
    push_str(&mut made, &policy.meta.version);
    made.extend_from_slice(b",\"title\":");
    push_str(&mut made, &policy.meta.title);
    made.extend_from_slice(b",\"sha256\":");
    push_str(&mut made, policy.sha256());
    made.push(b'}');
    String::from_utf8_lossy(&made).into()
}

fn push_rule_trace(out: &mut Vec<u8>, logged: &LoggedRule, log: &TraceLog) {
    out.extend_from_slice(logged.rule.trace_head(rule_head).as_bytes());
    push_status(out, logged.status);
    if let Some(condition) = logged.condition {
        out.extend_from_slice(b",\"condition\":");
        push_node(out, log.node(condition));
    }
    out.push(b'}');
}
/// A rule's entry up to its status, the same in every line.
fn rule_head(rule: &Rule) -> Box<str> {
    let mut head = Vec::new();
    head.extend_from_slice(b"{\"rule\":");
    push_str(&mut head, &rule.id);
    head.extend_from_slice(b",\"clause\":");
    push_str(&mut head, &rule.clause);
    head.extend_from_slice(b",\"outcome\":");
    push_keyword(&mut head, rule.outcome.keyword());
    head.extend_from_slice(b",\"status\":");
    String::from_utf8_lossy(&head).into()
}

/// Appends the status as its `Serialize` implementation names it (snake
/// case), each arm a text of known length, copied without calling `memcpy`.
fn push_status(out: &mut Vec<u8>, status: Status) {
    match status {
        Status::Held => out.extend_from_slice(b"\"held\""),
        Status::NotHeld => out.extend_from_slice(b"\"not_held\""),
        Status::Unknown => out.extend_from_slice(b"\"unknown\""),
        Status::NotReached => out.extend_from_slice(b"\"not_reached\""),
        Status::Applied => out.extend_from_slice(b"\"applied\""),
    }
}

fn push_node(out: &mut Vec<u8>, node: LoggedNode) {
    push_head(out, node, Role::Node);
    match node.value() {
        Some(value) => {
            out.extend_from_slice(b",\"value\":");
            push_value(out, value);
        }
        None => out.extend_from_slice(b",\"evaluated\":false"),
    }
    let mut operands = node.operands().peekable();
    if operands.peek().is_some() {
        out.extend_from_slice(b",\"operands\":[");
        for (index, operand) in operands.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            push_head(out, operand, Role::Operand);
            out.extend_from_slice(b",\"value\":");
            push_value(out, operand.value().unwrap_or(&Value::Absent));
            out.push(b'}');
        }
        out.push(b']');
    }
    let mut first = true;
    node.for_each_term(&mut |term| {
        out.extend_from_slice(if first { b",\"terms\":[" } else { b"," });
        first = false;
        push_node(out, term);
    });
    if !first {
        out.push(b']');
    }
    out.push(b'}');
}

/// What an entry is written as: a node shows its operator, an operand not.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Node,
    Operand,
}

/// Appends the start of an entry: `{"expr":…`, then a node's operator. An
/// expression of the policy has it made once and copied from then on.
fn push_head(out: &mut Vec<u8>, node: LoggedNode, role: Role) {
    let Some(expr) = node.checked() else {
        out.extend_from_slice(b"{\"expr\":");
        push_str(out, node.expr());
        if role == Role::Node {
            push_op(out, node.op());
        }
        return;
    };
    let (whole, operand_len) = expr.trace_head(|expr| {
        let mut made = Vec::new();
        made.extend_from_slice(b"{\"expr\":");
        push_str(&mut made, &expr.text);
        let operand_len = made.len();
        push_op(&mut made, node.op());
        (String::from_utf8_lossy(&made).into(), operand_len)
    });
    let written = match role {
        Role::Node => whole,
        Role::Operand => whole.get(..operand_len).unwrap_or(whole),
    };
    out.extend_from_slice(written.as_bytes());
}

fn push_op(out: &mut Vec<u8>, op: Option<&'static str>) {
    if let Some(op) = op {
        out.extend_from_slice(b",\"op\":");
        push_keyword(out, op);
    }
}
