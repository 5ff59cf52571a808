//! Comparing two versions of a policy: how the files differ
//! ([`structural_diff`]) and how their decisions differ on a stream of
//! requests ([`DecisionDiff`], fed one NDJSON line at a time so that any
//! number of requests fits in constant memory).
//!
//! ```no_run
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

pub use decisions::{DecisionDiff, Difference, LineError, Side, Transition, Verdict};
pub use lines::{Line, MAX_LINE_BYTES, NdjsonReader};
pub use render::{diff_json, diff_text};
pub use structure::{
    ChangeKind, ItemChange, PartChange, RuleChange, StructuralDiff, structural_diff,
};
pub use symbolic::{
    Group, SYMBOLIC_FORMAT, SideRule, SymbolicDiff, SymbolicError, symbolic_diff, symbolic_text,
};

use crate::policy::folder::PolicySet;

/// The version of the JSON shape of a diff (docs/diff-format.md); it
/// changes only when a field is removed or changes meaning.
pub const DIFF_FORMAT: u32 = 1;

/// Everything `ruling diff` reports, ready to render.
#[derive(Debug, Serialize)]
pub struct DiffReport<'a> {
    pub format: u32,
    pub old: PolicySide,
    pub new: PolicySide,
    /// How the newest version of each side differs.
    pub structure: &'a StructuralDiff,
    /// `None` when no requests were given.
    pub decisions: Option<&'a DecisionDiff>,
    /// With `--symbolic`: the changes over every request cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbolic: Option<&'a SymbolicDiff>,
}

/// One side of the diff: what was given and which versions it holds.
#[derive(Debug, Serialize)]
pub struct PolicySide {
    /// The file or folder, as given.
    pub path: String,
    pub id: String,
    /// The versions, oldest effective date first; one for a file.
    pub versions: Vec<String>,
}

impl PolicySide {
    pub fn new(path: impl Into<String>, set: &PolicySet) -> Self {
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
