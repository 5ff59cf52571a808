//! The policy owner's tools: case files and `ruling test` (`case`, `suite`),
//! `ruling diff`, `ruling fmt` (`format`), `ruling new` (`scaffold`),
//! `ruling schema` (`json_schema`) and `ruling check`'s machine formats.

pub mod case;
pub mod check_output;
pub mod diff;
pub mod format;
pub mod json_schema;
pub mod lint;
pub mod scaffold;
pub mod suite;
