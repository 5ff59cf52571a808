//! All integration tests, in one test binary so the build stays fast.

// A failing test should stop loudly at the first surprise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod analysis_api;
mod architecture;
mod batch;
mod cli;
mod cli_tools;
mod console_blocks;
mod deadline;
mod diagnostics;
mod diff;
mod effective_date;
mod explain;
mod field_values;
mod folders;
mod format;
mod helpers;
mod limits;
mod lint;
mod many_problems;
mod mcp;
mod no_default;
mod numbers;
#[cfg(feature = "postgres")]
mod postgres_records;
#[cfg(feature = "postgres")]
mod postgres_support;
mod recording;
mod records;
mod requests;
mod schema;
mod serve;
mod serve_limits;
mod streams;
mod studio;
mod support;
mod symbolic_diff;
mod test_command;
mod time_zones;
mod versions;
mod warnings;
