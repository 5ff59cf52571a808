//! The ways in from outside the process: `decide --ndjson` (`batch`),
//! decision records (`record`), and `ruling serve` / `ruling mcp` (`server`).
//!
//! Only `batch` is always built; the others come with the crate's features
//! (`records`, `http`, `mcp`), so that a program deciding in-process does
//! not compile SQLite or an HTTP stack.

pub mod batch;
#[cfg(feature = "records")]
pub mod record;
#[cfg(not(feature = "records"))]
#[path = "without_records.rs"]
pub mod record;
#[cfg(any(feature = "http", feature = "mcp"))]
pub mod server;
