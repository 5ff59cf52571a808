//! The policy owner's tools: case files and `ruling test` (`case`, `suite`),
//! `ruling diff`, `ruling fmt` (`format`), `ruling new` (`scaffold`),
//! `ruling schema` (`json_schema`) and `ruling check`'s machine formats.

pub(crate) mod case;
pub(crate) mod check_output;
pub(crate) mod diff;
pub(crate) mod format;
pub(crate) mod json_schema;
pub(crate) mod lint;
pub(crate) mod scaffold;
pub(crate) mod suite;

#[cfg(test)]
mod json_schema_tests;
