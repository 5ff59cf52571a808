//! A decision and its trace: what was decided, by which rule, with which
//! effects, and how every rule came out.

pub(crate) mod decide;
pub(crate) mod explain;
pub(crate) mod id;
pub(crate) mod json_text;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::evaluate::{Operand, TraceNode};
use crate::language::value::Value;
use crate::policy::{Outcome, Section};
use crate::request::RequestWarning;

/// The version of the JSON shape of a decision; it changes only when a
/// field is removed or changes meaning.
pub const DECISION_FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub format: u32,
    /// The decision id: the same request against the same policy file
    /// always has the same one (see [`crate::decision::id`]).
    pub id: String,
    pub outcome: Outcome,
    pub reason: String,
    /// The rule that decided: the first whose condition held, or the default.
    pub rule: RuleRef,
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
    pub policy: PolicyRef,
    pub trace: Vec<RuleTrace>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRef {
    pub id: String,
    pub clause: String,
    pub section: Option<Section>,
    /// Whether this is the policy's default, which applies when no rule does.
    pub default: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
    pub title: String,
    pub sha256: String,
    /// Why this version decided, when it was picked from a folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleTrace {
    pub rule: String,
    pub clause: String,
    pub outcome: Outcome,
    pub status: Status,
    /// How the condition was evaluated; absent for the default and for
    /// rules below the deciding one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<TraceNode>,
}

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
