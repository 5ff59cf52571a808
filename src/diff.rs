//! Comparing two versions of a policy: how the files differ
//! ([`structural_diff`]).

mod structure;

pub use structure::{
    ChangeKind, ItemChange, PartChange, RuleChange, StructuralDiff, structural_diff,
};
