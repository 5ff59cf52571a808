//! Comparing two versions of a policy: how the files differ
//! ([`structural_diff`]) and how their decisions differ on a stream of
//! requests ([`DecisionDiff`], fed one NDJSON line at a time so that any
//! number of requests fits in constant memory).

mod decisions;
mod lines;
mod structure;

pub use decisions::{DecisionDiff, Difference, LineError, Side, Transition, Verdict};
pub use lines::{Line, MAX_LINE_BYTES, NdjsonReader};
pub use structure::{
    ChangeKind, ItemChange, PartChange, RuleChange, StructuralDiff, structural_diff,
};
