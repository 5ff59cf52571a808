//! `ruling` turns written refund policies into checked rules and decides
//! JSON requests against them, with a trace of every rule.
//!
//! This crate is the `ruling` command line's library. Its public surface is
//! what a program needs to decide in-process:
//!
//! - **Loading**: [`load`] checks a policy's text, [`read_policy`] reads one
//!   file, [`load_set`] reads a file or a folder of versions into a
//!   [`PolicySet`]; [`PolicySet::select`] picks the version that decides a
//!   request ([`Choice`]: by the request's date, on a date, or by name).
//!   A policy that does not load gives a [`LoadError`] whose
//!   [`Diagnostic`]s render as text against the source with
//!   [`render_diagnostics`].
//! - **Deciding**: [`decide_json`] decodes a JSON request and decides it;
//!   [`Request::decode`] and [`decide`] do the two steps apart;
//!   [`decide_without_trace`] gives the [`DecisionCore`] (outcome, rule,
//!   effects, missing fields) at a fraction of the cost. A request
//!   that cannot be decided gives a [`RequestFailure`]: a [`RequestError`]
//!   (it does not fit the policy's fields) or a [`DecideError`].
//! - **The decision**: a [`Decision`] holds the [`Outcome`], the deciding
//!   rule ([`RuleRef`]), its effects, the missing fields, warnings, derived
//!   values, the version that decided ([`PolicyRef`]) and the trace of every
//!   rule ([`RuleTrace`], [`TraceNode`]). [`decision_json`] writes it in the
//!   documented JSON shape, [`decision_text`] as text.
//! - **Explanations**: [`explain`] says why the decision was made, why
//!   every other rule did not decide, and which changes to the request
//!   would make it decide ([`Explanation`]).
//! - **Many requests**: [`run_batch`] decides an NDJSON stream.
//! - **Limits**: [`limits`] holds every resource limit, with its default.
//!
//! ```
//! let set = ruling::load_set("policies/iptv-smarters-pro".as_ref()).map_err(|_| "not loaded")?;
//! let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
//!     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
//! let request = case["request"].to_string();
//! let version = set.select(request.as_bytes(), &ruling::Choice::ByRequest)?;
//! let decision = ruling::decide_json(version.policy, request.as_bytes())?;
//! assert_eq!(decision.outcome, ruling::Outcome::Approve);
//! println!("{}: {}", decision.outcome, decision.reason);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The command line itself is `cli::run` (the `cli` feature); the `ruling`
//! binary only calls it.
//! Everything else is internal and may change.
//!
//! `examples/decide.rs` is a whole program deciding in-process.

#![deny(missing_docs)]
// The owner tools (`test`, `diff`, `fmt`, `new`, `schema`, `check`'s
// reports) are internal and reached only from the command line. Without
// the `cli` feature they have no caller; they stay compiled rather than
// being gated one item at a time.
#![cfg_attr(
    not(feature = "cli"),
    allow(
        dead_code,
        unused_imports,
        reason = "without the `cli` feature, what only the command line calls has no caller"
    )
)]

mod decision;
mod diagnostic;
mod evaluate;
mod interface;
mod language;
pub mod limits;
mod policy;
mod render;
mod request;
mod tools;

pub use decision::decide::{
    BrokenConstraint, DecideError, DecisionCore, RequestFailure, decide, decide_json,
    decide_json_with, decide_without_trace,
};
pub use decision::explain::{
    Change, ChangeOp, Condition, ConditionStatus, Counterfactual, EXPLANATION_FORMAT, Explanation,
    Position, WhyNot, apply, explain,
};
pub use decision::{DECISION_FORMAT, Decision, PolicyRef, RuleRef, RuleTrace, Status};
pub use diagnostic::{Diagnostic, SourceFile, render as render_diagnostics};
pub use evaluate::{EvalError, EvalFailure, Operand, TraceNode};
pub use interface::batch::{BatchOptions, BatchSummary, Versions, run_batch};
#[cfg(feature = "cli")]
pub use interface::cli;
pub use language::value::{Item, Value};
pub use policy::folder::{
    Choice, LinkError, PolicyError, PolicySet, SelectError, Selected, load_set, read_policy,
};
pub use policy::load::{LoadError, load};
pub use policy::{Outcome, Policy, Section};
pub use render::{
    decision_json, decision_text, explanation_json, explanation_text, request_error_json,
    request_error_text,
};
pub use request::{Problem, Request, RequestError, RequestWarning};
