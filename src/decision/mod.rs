//! A decision and its trace: what was decided, by which rule, with which
//! effects, and how every rule came out.

pub(crate) mod decide;
pub(crate) mod explain;
pub(crate) mod id;
pub(crate) mod json_text;

use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::evaluate::{Operand, TraceNode};
use crate::language::value::Value;
use crate::policy::{Outcome, Section};
use crate::request::RequestWarning;

/// The version of the JSON shape of a decision; it changes only when a
/// field is removed or changes meaning.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.format, ruling::DECISION_FORMAT);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DECISION_FORMAT: u32 = 1;

/// What was decided, by which rule, with which effects, and how every rule
/// came out (the trace). Its JSON ([`decision_json`](crate::decision_json))
/// is the documented decision format (`docs/decision-format.md`).
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.outcome, ruling::Outcome::Approve);
/// assert_eq!(decision.rule.id, "within-window-support-contacted");
/// assert_eq!(decision.policy.version, "2025-01-22");
/// assert!(decision.missing.is_empty() && decision.warnings.is_empty());
/// let refund = decision.effects.iter().find(|(name, _)| name == "refund_amount");
/// assert_eq!(refund.map(|(_, value)| value.to_string()).as_deref(), Some("59.99"));
/// for rule in &decision.trace {
///     println!("{} {}", rule.rule, rule.status.keyword());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// [`DECISION_FORMAT`].
    pub format: u32,
    /// The decision id: the same request against the same policy file
    /// always has the same one: 64 hexadecimal digits.
    pub id: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The deciding rule's reason, placeholders filled in.
    pub reason: String,
    /// The rule that decided: the first whose condition held, or the default.
    pub rule: RuleRef,
    /// The effects of the outcome and of the deciding rule, by name, in
    /// the policy's order.
    #[serde(serialize_with = "serialize_named")]
    pub effects: Vec<(String, Value)>,
    /// Required fields the request does not give, as dotted paths in
    /// declared order, whatever the outcome.
    pub missing: Vec<String>,
    /// Members of the request the policy does not declare that look like
    /// misspelled fields; left out when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RequestWarning>,
    /// The derived values that were computed to reach the decision.
    #[serde(serialize_with = "serialize_named")]
    pub derived: Vec<(String, Value)>,
    /// The policy version that decided.
    pub policy: PolicyRef,
    /// Every rule in the order tried, the default last, and how it came out.
    pub trace: Vec<RuleTrace>,
}

/// A rule of the policy, as a decision names it.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.rule.id, "within-window-support-contacted");
/// assert!(!decision.rule.default);
/// println!("{} ({:?})", decision.rule.clause, decision.rule.section);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRef {
    /// The rule's `id`.
    pub id: String,
    /// The clause of the written policy it comes from.
    pub clause: String,
    /// Its section; `None` for the default.
    pub section: Option<Section>,
    /// Whether this is the policy's default, which applies when no rule does.
    pub default: bool,
}

/// The policy version that decided, as a decision names it.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.policy.id, "iptv-smarters-pro");
/// assert_eq!(decision.policy.sha256, policy.sha256());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyRef {
    /// The policy's `id`.
    pub id: String,
    /// Its `version`.
    pub version: String,
    /// Its `title`.
    pub title: String,
    /// The SHA-256 of the policy file, in hexadecimal.
    pub sha256: String,
    /// Why this version decided, when it was picked from a folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
}

/// How one rule came out in a decision.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// let deciding = decision.trace.iter().find(|rule| rule.status == ruling::Status::Held);
/// assert_eq!(deciding.map(|rule| &*rule.rule), Some("within-window-support-contacted"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleTrace {
    /// The rule's `id`, shared with the policy, so that tracing a decision
    /// does not copy it.
    pub rule: Arc<str>,
    /// Its clause, shared likewise.
    pub clause: Arc<str>,
    /// Its outcome.
    pub outcome: Outcome,
    /// How it came out.
    pub status: Status,
    /// How the condition was evaluated; absent for the default and for
    /// rules below the deciding one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<TraceNode>,
}

/// How a rule came out in a decision.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.trace.last().map(|rule| rule.status), Some(ruling::Status::NotReached));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The condition held: this rule decided.
    Held,
    /// The condition was false.
    NotHeld,
    /// The condition needed a value the request does not give.
    Unknown,
    /// A rule above decided, so this one was not tried.
    NotReached,
    /// No rule held, so the default decided.
    Applied,
}

impl Status {
    /// The status in words, as the text of a decision shows it.
    ///
    /// ```
    /// assert_eq!(ruling::Status::NotHeld.keyword(), "not held");
    /// # Ok::<(), ()>(())
    /// ```
    pub const fn keyword(self) -> &'static str {
        match self {
            Status::Held => "held",
            Status::NotHeld => "not held",
            Status::Unknown => "unknown",
            Status::NotReached => "not reached",
            Status::Applied => "applied",
        }
    }
}

fn serialize_named<S: Serializer>(
    effects: &[(String, Value)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(effects.len()))?;
    for (name, value) in effects {
        map.serialize_entry(name, value)?;
    }
    map.end()
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Absent => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Integer(n) => serializer.serialize_i64(*n),
            Value::List(items) => serializer.collect_seq(items.iter()),
            other => serializer.collect_str(other),
        }
    }
}

impl Serialize for TraceNode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("expr", &self.expr)?;
        if let Some(op) = self.op {
            map.serialize_entry("op", op)?;
        }
        match &self.value {
            Some(value) => map.serialize_entry("value", value)?,
            None => map.serialize_entry("evaluated", &false)?,
        }
        if !self.operands.is_empty() {
            map.serialize_entry("operands", &self.operands)?;
        }
        if !self.terms.is_empty() {
            map.serialize_entry("terms", &self.terms)?;
        }
        map.end()
    }
}

impl Serialize for Operand {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("expr", &self.expr)?;
        map.serialize_entry("value", &self.value)?;
        map.end()
    }
}
