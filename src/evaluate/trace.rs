//! Tracing a condition: how each of its parts came out for one request.
//!
//! Evaluation records the trace in a flat [`TraceLog`], one entry per node
//! or operand, in the order the trace is written, with texts borrowed from
//! the policy. The public [`TraceNode`] tree is built from the log only when
//! asked for; a traced batch writes the log straight out, since building
//! and dropping the tree of every decision would cost more than deciding.

use std::fmt::Write as _;
use std::sync::Arc;

use super::{Evaluator, Result, both, compare, either, membership, truth_of, truth_value};
use crate::language::compiled::{Arithmetic, Checked, Node};
use crate::language::value::Value;

/// One expression of a condition as evaluated, for the trace.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// let deciding = decision.trace.iter().find(|rule| rule.status == ruling::Status::Held);
/// if let Some(node) = deciding.and_then(|rule| rule.condition.as_ref()) {
///     assert_eq!(node.value, Some(ruling::Value::Bool(true)));
///     println!("{} ({:?}): {} terms", node.expr, node.op, node.terms.len());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceNode {
    /// The expression, printed canonically; shared with the policy, so that
    /// tracing a decision does not copy it.
    pub expr: Arc<str>,
    /// Its value, `None` when evaluation never reached it.
    pub value: Option<Value>,
    /// The operator or function at its top: `and`, `<=`, `in`, `lower`;
    /// `None` for a plain value.
    pub op: Option<&'static str>,
    /// The values it was computed from, for comparisons and calls.
    pub operands: Vec<Operand>,
    /// The parts of `and`, `or`, `not` and `if`.
    pub terms: Vec<TraceNode>,
}

/// A value a trace node was computed from: the operands of a comparison
/// or the arguments of a call.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// let nodes = decision.trace.iter().filter_map(|rule| rule.condition.as_ref());
/// for operand in nodes.flat_map(|node| node.terms.iter().chain([node])).flat_map(|node| &node.operands) {
///     println!("{} = {}", operand.expr, operand.value);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    /// The expression, printed canonically.
    pub expr: Arc<str>,
    /// Its value.
    pub value: Value,
}

/// The traces of one evaluation, flat. A node's entry comes first, then its
/// operands, then its terms, each a node with its own entries after it.
#[derive(Debug, Default)]
pub(crate) struct TraceLog<'p> {
    entries: Vec<Entry<'p>>,
    /// Texts made while tracing, which the policy does not hold: the names
    /// of an aggregate's items.
    made: String,
}

/// Where a node's entries sit in its [`TraceLog`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Traced(usize);

#[derive(Debug)]
struct Entry<'p> {
    expr: Text<'p>,
    /// `None` for a node evaluation never reached.
    value: Option<Value>,
    role: Role,
    /// The index past the last entry of this one's operands and terms.
    end: usize,
}

#[derive(Clone, Copy, Debug)]
enum Text<'p> {
    Policy(&'p Checked),
    Made { start: usize, end: usize },
}

impl Text<'_> {
    /// The operator of the expression; texts made while tracing have none.
    fn op(self) -> Option<&'static str> {
        match self {
            Text::Policy(expr) => operator(&expr.node),
            Text::Made { .. } => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Operand,
    Node,
    /// An `and` inside an `and` (or an `or` inside an `or`): its terms are
    /// listed as its parent's, so that `a and b and c` reads as one list.
    Spliced,
}

impl<'p> TraceLog<'p> {
    /// The node at `traced`, to read.
    pub(crate) fn node(&self, traced: Traced) -> LoggedNode<'_, 'p> {
        LoggedNode {
            log: self,
            at: traced.0,
        }
    }

    /// An empty log with room for `entries` entries.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        Self {
            entries: Vec::with_capacity(entries),
            made: String::new(),
        }
    }

    /// The public tree of the node at `traced`, its values moved out of the
    /// log: building the public decision is the log's last use.
    pub(crate) fn take_tree(&mut self, traced: Traced) -> TraceNode {
        self.take_node(traced.0)
    }

    fn take_node(&mut self, at: usize) -> TraceNode {
        let (expr, end) = match self.entries.get_mut(at) {
            Some(entry) => (entry.expr, entry.end),
            None => return TraceNode::default(),
        };
        let mut node = TraceNode {
            expr: self.shared_text(expr),
            value: self.take_value(at),
            op: expr.op(),
            operands: Vec::new(),
            terms: Vec::new(),
        };
        let mut child = at + 1;
        while let Some(entry) = self.entries.get(child).filter(|_| child < end) {
            let (role, expr, next) = (entry.role, entry.expr, entry.end.max(child + 1));
            match role {
                Role::Operand => node.operands.push(Operand {
                    expr: self.shared_text(expr),
                    value: self.take_value(child).unwrap_or(Value::Absent),
                }),
                Role::Node => node.terms.push(self.take_node(child)),
                Role::Spliced => node.terms.extend(self.take_node(child).terms),
            }
            child = next;
        }
        node
    }

    fn take_value(&mut self, at: usize) -> Option<Value> {
        self.entries
            .get_mut(at)
            .and_then(|entry| entry.value.take())
    }

    /// A text as the public tree holds it: the policy's, shared.
    fn shared_text(&self, text: Text<'p>) -> Arc<str> {
        match text {
            Text::Policy(expr) => expr.text.clone(),
            Text::Made { .. } => self.text(text).into(),
        }
    }

    /// Empties the log, keeping its room for the next decision.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.made.clear();
    }

    fn open(&mut self, expr: Text<'p>) -> usize {
        let at = self.entries.len();
        self.entries.push(Entry {
            expr,
            value: None,
            role: Role::Node,
            end: at + 1,
        });
        at
    }

    fn close(&mut self, at: usize, value: Option<Value>) {
        let end = self.entries.len();
        if let Some(entry) = self.entries.get_mut(at) {
            entry.value = value;
            entry.end = end;
        }
    }

    /// Closes a condition's node with its truth, written into the entry
    /// where it is made: passing a made [`Value`] to [`Self::close`] writes
    /// it to memory and reads it back, a stalled load on most nodes.
    fn close_truth(&mut self, at: usize, truth: Option<bool>) {
        let end = self.entries.len();
        if let Some(entry) = self.entries.get_mut(at) {
            entry.value = Some(truth_value(truth));
            entry.end = end;
        }
    }

    fn unreached(&mut self, expr: &'p Checked) -> usize {
        self.open(Text::Policy(expr))
    }

    fn operand(&mut self, expr: Text<'p>, value: Value) {
        let end = self.entries.len() + 1;
        self.entries.push(Entry {
            expr,
            value: Some(value),
            role: Role::Operand,
            end,
        });
    }

    /// Records an item of an aggregate as an operand named `list[index]`.
    pub(super) fn item_value(&mut self, list: &Checked, index: usize, value: Value) {
        let name = self.make(|made| {
            let _ = write!(made, "{}[{index}]", list.text);
        });
        self.operand(name, value);
    }

    /// Opens the node of an aggregate's item, `binder = list[index]`, for
    /// its filter and value to be traced into.
    pub(super) fn open_item(&mut self, binder: &str, list: &Checked, index: usize) -> usize {
        let name = self.make(|made| {
            let _ = write!(made, "{binder} = {}[{index}]", list.text);
        });
        self.open(name)
    }

    /// Closes an item's node with the value of its last term.
    pub(super) fn close_item(&mut self, at: usize, last: usize) {
        let value = self.value(last).cloned();
        self.close(at, value);
    }

    /// Keeps a text made while tracing.
    fn make(&mut self, write: impl FnOnce(&mut String)) -> Text<'p> {
        let start = self.made.len();
        write(&mut self.made);
        Text::Made {
            start,
            end: self.made.len(),
        }
    }

    fn value(&self, at: usize) -> Option<&Value> {
        self.entries.get(at).and_then(|entry| entry.value.as_ref())
    }

    fn truth(&self, at: usize) -> Option<bool> {
        self.value(at).and_then(truth_of)
    }

    /// Marks the term at `at` as spliced into its parent's terms when it is
    /// a reached connective `op`, the parent's.
    fn splice_chain(&mut self, at: usize, op: Option<&'static str>) {
        if let Some(entry) = self.entries.get_mut(at)
            && entry.expr.op() == op
            && entry.end > at + 1
        {
            entry.role = Role::Spliced;
        }
    }

    fn text(&self, text: Text<'p>) -> &str {
        match text {
            Text::Policy(expr) => &expr.text,
            Text::Made { start, end } => self.made.get(start..end).unwrap_or_default(),
        }
    }
}

/// A node of a [`TraceLog`], read in place.
#[derive(Clone, Copy)]
pub(crate) struct LoggedNode<'l, 'p> {
    log: &'l TraceLog<'p>,
    at: usize,
}

impl<'l, 'p> LoggedNode<'l, 'p> {
    pub(crate) fn expr(self) -> &'l str {
        self.entry().map_or("", |entry| self.log.text(entry.expr))
    }

    pub(crate) fn op(self) -> Option<&'static str> {
        self.entry().and_then(|entry| entry.expr.op())
    }

    pub(crate) fn value(self) -> Option<&'l Value> {
        self.entry().and_then(|entry| entry.value.as_ref())
    }

    /// The policy's expression it traces; `None` for an item of an
    /// aggregate, whose text was made while tracing.
    pub(crate) fn checked(self) -> Option<&'l Checked> {
        match self.entry()?.expr {
            Text::Policy(expr) => Some(expr),
            Text::Made { .. } => None,
        }
    }

    /// Its operands, each read like a node: a text and a value.
    pub(crate) fn operands(self) -> impl Iterator<Item = LoggedNode<'l, 'p>> {
        self.children().filter(|child| {
            child
                .entry()
                .is_some_and(|entry| entry.role == Role::Operand)
        })
    }

    /// Calls `each` on its terms in order, the terms of spliced chains in
    /// their place.
    pub(crate) fn for_each_term(self, each: &mut impl FnMut(LoggedNode<'l, 'p>)) {
        for child in self.children() {
            match child.entry().map(|entry| entry.role) {
                Some(Role::Spliced) => child.for_each_term(each),
                Some(Role::Node) => each(child),
                _ => {}
            }
        }
    }

    fn entry(self) -> Option<&'l Entry<'p>> {
        self.log.entries.get(self.at)
    }

    /// Its direct operands and terms, each with its own entries skipped.
    fn children(self) -> impl Iterator<Item = LoggedNode<'l, 'p>> {
        let log = self.log;
        let end = self.entry().map_or(self.at, |entry| entry.end);
        let mut next = self.at + 1;
        std::iter::from_fn(move || {
            let at = next;
            let entry = log.entries.get(at).filter(|_| at < end)?;
            next = entry.end.max(at + 1);
            Some(LoggedNode { log, at })
        })
    }
}

impl Evaluator<'_> {
    /// Evaluates a condition, recording how each part came out.
    pub(crate) fn trace(&mut self, expr: &Checked) -> Result<TraceNode> {
        let mut log = TraceLog::default();
        let traced = self.trace_into(expr, &mut log)?;
        Ok(log.take_tree(traced))
    }

    /// Evaluates a condition, recording how each part came out in `log`.
    pub(crate) fn trace_into<'p>(
        &mut self,
        expr: &'p Checked,
        log: &mut TraceLog<'p>,
    ) -> Result<Traced> {
        self.trace_node(expr, log).map(Traced)
    }

    pub(super) fn trace_node<'p>(
        &mut self,
        expr: &'p Checked,
        log: &mut TraceLog<'p>,
    ) -> Result<usize> {
        let at = log.open(Text::Policy(expr));
        // The value of a connective or a comparison follows from the values
        // of its parts, already traced: evaluating it again would evaluate
        // every part a second time, at every level.
        let from_parts = match &expr.node {
            Node::And(left, right) | Node::Or(left, right) => {
                Some(self.trace_connective(expr, left, right, log)?)
            }
            Node::Not(inner) => {
                let term = self.trace_node(inner, log)?;
                Some(log.truth(term).map(|holds| !holds))
            }
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                let condition = self.trace_node(condition, log)?;
                let branch = match log.value(condition) {
                    Some(Value::Bool(true)) => Some(then),
                    Some(Value::Bool(false)) => Some(otherwise),
                    _ => None,
                };
                if let Some(branch) = branch {
                    self.trace_node(branch, log)?;
                }
                None
            }
            Node::Compare(_, left, right)
            | Node::Arithmetic(_, left, right)
            | Node::In {
                value: left,
                list: right,
                ..
            } => {
                let left = self.trace_operand(left, log)?;
                let right = self.trace_operand(right, log)?;
                match (&expr.node, log.value(left), log.value(right)) {
                    (Node::Compare(op, ..), Some(left), Some(right)) => {
                        Some(compare(*op, left, right))
                    }
                    (Node::In { negated, .. }, Some(left), Some(right)) => {
                        Some(membership(left, right, *negated))
                    }
                    _ => None,
                }
            }
            Node::Call(_, args) => {
                for arg in args {
                    self.trace_operand(arg, log)?;
                }
                None
            }
            Node::Aggregate(aggregate) => {
                let value = self.eval(expr)?;
                self.trace_aggregate(aggregate, &value, log)?;
                log.close(at, Some(value));
                return Ok(at);
            }
            Node::Constant(_)
            | Node::Field(_)
            | Node::Derived(_)
            | Node::Local { .. }
            | Node::Negate(_)
            | Node::List(_) => None,
        };
        match (&expr.folded, from_parts) {
            (None, Some(truth)) => log.close_truth(at, truth),
            _ => {
                let value = self.eval(expr)?;
                log.close(at, Some(value));
            }
        }
        Ok(at)
    }

    /// Traces `left and right` (or `or`): the right side is not reached
    /// when the left settles it.
    fn trace_connective<'p>(
        &mut self,
        expr: &'p Checked,
        left: &'p Checked,
        right: &'p Checked,
        log: &mut TraceLog<'p>,
    ) -> Result<Option<bool>> {
        let is_or = matches!(expr.node, Node::Or(..));
        let first = self.trace_node(left, log)?;
        let first_truth = log.truth(first);
        let (second, truth) = if first_truth == Some(is_or) {
            (log.unreached(right), first_truth)
        } else {
            let second = self.trace_node(right, log)?;
            let connect = if is_or { either } else { both };
            (second, connect(first_truth, log.truth(second)))
        };
        let op = operator(&expr.node);
        log.splice_chain(first, op);
        log.splice_chain(second, op);
        Ok(truth)
    }

    fn trace_operand<'p>(&mut self, expr: &'p Checked, log: &mut TraceLog<'p>) -> Result<usize> {
        let value = self.eval(expr)?;
        let at = log.entries.len();
        log.operand(Text::Policy(expr), value);
        Ok(at)
    }
}

fn operator(node: &Node) -> Option<&'static str> {
    Some(match node {
        Node::And(..) => "and",
        Node::Or(..) => "or",
        Node::Not(_) => "not",
        Node::If { .. } => "if",
        Node::Compare(op, ..) => op.symbol(),
        Node::Arithmetic(Arithmetic::Add, ..) => "+",
        Node::Arithmetic(Arithmetic::Sub, ..) => "-",
        Node::Arithmetic(Arithmetic::Mul, ..) => "*",
        Node::Arithmetic(Arithmetic::Div, ..) => "/",
        Node::Arithmetic(Arithmetic::Rem, ..) => "%",
        Node::In { negated: false, .. } => "in",
        Node::In { negated: true, .. } => "not in",
        Node::Call(function, _) => function.name(),
        Node::Aggregate(aggregate) => aggregate.kind.name(),
        Node::Constant(_)
        | Node::Field(_)
        | Node::Derived(_)
        | Node::Local { .. }
        | Node::Negate(_)
        | Node::List(_) => {
            return None;
        }
    })
}
