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
mod deadline;
mod diagnostics;
mod diff;
mod explain;
mod folders;
mod format;
mod limits;
mod many_problems;
mod mcp;
mod policy_id;
mod properties;
mod recording;
mod records;
mod requests;
mod schema;
mod serve;
mod streams;
mod support;
mod test_command;
mod versions;
