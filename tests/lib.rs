//! All integration tests, in one test binary so the build stays fast.

// A failing test should stop loudly at the first surprise.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod architecture;
mod batch;
mod cases;
mod cli;
mod cli_tools;
mod diagnostics;
mod diff;
mod explain;
mod format;
mod limits;
mod mcp;
mod policy_id;
#[cfg(feature = "postgres")]
mod postgres_records;
#[cfg(feature = "postgres")]
mod postgres_support;
mod properties;
mod recording;
mod records;
mod requests;
mod schema;
mod serve;
mod streams;
mod support;
mod test_command;
