//! The ways in from outside the process: the command line (`cli`),
//! `decide --ndjson` (`batch`), decision records (`record`), and
//! `ruling serve` / `ruling mcp` (`server`).

pub mod batch;
pub mod cli;
pub mod record;
pub mod server;
