//! `ruling` turns written refund policies into checked rules and decides
//! JSON requests against them, with a trace of every rule.
//!
//! The pipeline, one folder per stage:
//! policy text → [`policy`] (the TOML [`policy::document`], read by
//! [`policy::load`]) → [`language`] (tokens, syntax tree, checked against
//! the declared fields) → a [`Policy`] → [`request`] decodes JSON →
//! [`evaluate`] and [`decision`] give a [`Decision`] → [`render`] prints it.
//! [`tools`] holds what policy owners run (`test`, `diff`, `fmt`, `new`,
//! `schema`), [`interface`] the batch, the records and the servers.
//!
//! ```no_run
//! let policy = ruling::policy::folder::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
//! let decision = ruling::decide_json(&policy, br#"{"purchase": {}}"#)?;
//! println!("{}", decision.outcome);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod decision;
pub mod diagnostic;
pub mod evaluate;
pub mod interface;
pub mod language;
pub mod limits;
pub mod policy;
pub mod render;
pub mod request;
pub mod tools;

pub use decision::Decision;
pub use decision::decide::{DecideError, RequestFailure, decide, decide_json, decide_json_with};
pub use policy::load::{LoadError, load};
pub use policy::{Outcome, Policy};
pub use request::{Request, RequestError};
