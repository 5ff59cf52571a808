//! The ways in from outside the process: `decide --ndjson` (`batch`),
//! decision records (`record`), and `ruling serve` / `ruling mcp` (`server`).

pub mod batch;
pub mod record;
pub mod server;
