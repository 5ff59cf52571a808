//! The ways in from outside the process: the command line (`cli`),
//! `decide --ndjson` (`batch`), decision records (`record`), and
//! `ruling serve` / `ruling mcp` (`server`).

pub(crate) mod batch;
pub mod cli;
pub(crate) mod record;
pub(crate) mod server;
