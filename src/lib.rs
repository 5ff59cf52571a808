//! `ruling` turns written refund policies into checked rules and decides
//! JSON requests against them, with a trace of every rule.
//!
//! The pipeline, one module per stage:
//! policy text → [`document`] (TOML) → [`lexer`] / [`parser`] (expressions,
//! [`ast`]) → [`check`] against the [`schema`] → [`load`] gives a [`Policy`]
//! → [`request`] decodes JSON → [`eval`] / [`decide`] give a [`Decision`]
//! → [`render`] prints it. [`diff`] compares two versions of a policy, and
//! their decisions on a stream of requests; [`format`](mod@format) rewrites
//! a policy file in canonical layout (`ruling fmt`), through the same loader.
//!
//! ```no_run
//! let policy = ruling::folder::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
//! let decision = ruling::decide_json(&policy, br#"{"purchase": {}}"#)?;
//! println!("{}", decision.outcome);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod ast;
pub mod batch;
pub mod case;
pub mod check;
pub mod check_output;
pub mod compiled;
pub mod decide;
pub mod decision;
pub mod decision_id;
pub mod diagnostic;
pub mod diff;
pub mod document;
pub mod eval;
pub mod explain;
pub mod folder;
pub mod format;
pub mod json_schema;
pub mod json_text;
pub mod keys;
pub mod lexer;
pub mod limits;
pub mod load;
pub mod parser;
pub mod policy;
pub mod record;
pub mod render;
pub mod request;
pub mod scaffold;
pub mod schema;
pub mod server;
pub mod span;
pub mod suggest;
pub mod suite;
pub mod types;
pub mod value;

pub use decide::{DecideError, decide};
pub use decision::Decision;
pub use load::{LoadError, load};
pub use policy::{Outcome, Policy};
pub use request::{Request, RequestError};

/// Why a JSON request could not be decided.
#[derive(Debug, thiserror::Error)]
pub enum RequestFailure {
    /// The request does not fit the policy's fields.
    #[error(transparent)]
    Invalid(#[from] RequestError),
    /// The request fits but breaks a constraint, or a value cannot be computed.
    #[error(transparent)]
    Undecidable(#[from] DecideError),
}

/// Decodes a JSON request and decides it, within the default
/// [`limits::RequestLimits`].
pub fn decide_json(policy: &Policy, json: &[u8]) -> Result<Decision, RequestFailure> {
    decide_json_with(policy, json, limits::RequestLimits::default())
}

/// Decodes a JSON request within `limits` and decides it.
pub fn decide_json_with(
    policy: &Policy,
    json: &[u8],
    limits: limits::RequestLimits,
) -> Result<Decision, RequestFailure> {
    let request = request::decode_with(&policy.schema, policy.meta.timezone, json, limits)?;
    Ok(decide(policy, &request)?)
}
