//! The ways in from outside the process: the command line (`cli`),
//! `decide --ndjson` (`batch`), decision records (`record`), and
//! `ruling serve` / `ruling mcp` (`server`).
//!
//! Only `batch` is always built; the others come with the crate's features
//! (`cli`, `records`, `http`, `mcp`), so that a program deciding in-process
//! does not compile a command-line parser, SQLite or an HTTP stack.

pub(crate) mod batch;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "records")]
pub(crate) mod record;
#[cfg(not(feature = "records"))]
#[path = "without_records.rs"]
pub(crate) mod record;
#[cfg(any(feature = "http", feature = "mcp"))]
pub(crate) mod server;
