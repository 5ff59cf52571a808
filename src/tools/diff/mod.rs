//! Comparing two versions of a policy: how the files differ
//! ([`structural_diff`]) and how their decisions differ on a stream of
//! requests ([`DecisionDiff`], fed one NDJSON line at a time so that any
//! number of requests fits in constant memory).
//!
//! ```ignore
//! use ruling::tools::diff::{DecisionDiff, structural_diff};
//! use ruling::policy::folder::load_set;
//!
//! let old = load_set("old.toml".as_ref()).map_err(|_| "invalid policy")?;
//! let new = load_set("new.toml".as_ref()).map_err(|_| "invalid policy")?;
//! if let (Some(a), Some(b)) = (old.versions.last(), new.versions.last()) {
//!     println!("{} rules differ", structural_diff(a, b).rules.len());
//! }
//! let mut decisions = DecisionDiff::new(1000);
//! decisions.add_line(1, br#"{"purchase": {}}"#, &old, &new);
//! println!("{} changed", decisions.changed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decisions;
mod lines;
mod render;
mod structure;
mod symbolic;

use serde::Serialize;

pub(crate) use decisions::DecisionDiff;
pub(crate) use lines::{MAX_LINE_BYTES, NdjsonReader};
pub(crate) use render::{diff_json, diff_text};
pub(crate) use structure::{StructuralDiff, structural_diff};
pub(crate) use symbolic::{SymbolicDiff, symbolic_diff, symbolic_text};

use crate::policy::folder::PolicySet;

/// The version of the JSON shape of a diff (docs/diff-format.md); it
/// changes only when a field is removed or changes meaning.
pub(crate) const DIFF_FORMAT: u32 = 1;

/// Everything `ruling diff` reports, ready to render.
#[derive(Debug, Serialize)]
pub(crate) struct DiffReport<'a> {
    pub(crate) format: u32,
    pub(crate) old: PolicySide,
    pub(crate) new: PolicySide,
    /// How the newest version of each side differs.
    pub(crate) structure: &'a StructuralDiff,
    /// `None` when no requests were given.
    pub(crate) decisions: Option<&'a DecisionDiff>,
    /// With `--symbolic`: the changes over every request cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) symbolic: Option<&'a SymbolicDiff>,
}

/// One side of the diff: what was given and which versions it holds.
#[derive(Debug, Serialize)]
pub(crate) struct PolicySide {
    /// The file or folder, as given.
    pub(crate) path: String,
    pub(crate) id: String,
    /// The versions, oldest effective date first; one for a file.
    pub(crate) versions: Vec<String>,
}

impl PolicySide {
    pub(crate) fn new(path: impl Into<String>, set: &PolicySet) -> Self {
        Self {
            path: path.into(),
            id: set
                .versions
                .last()
                .map(|policy| policy.meta.id.clone())
                .unwrap_or_default(),
            versions: set
                .versions
                .iter()
                .map(|policy| policy.meta.version.clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod fixture_tests;
