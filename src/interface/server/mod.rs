//! Serving decisions to programs: an HTTP API ([`http`], `ruling serve`)
//! and a Model Context Protocol server ([`mcp`], `ruling mcp`) for agents.
//!
//! Both answer from a [`catalog::Catalog`] through the same operations in
//! [`api`], so they give the same JSON and the same messages as the CLI.
//!
//! ```text
//! POLICIES_DIR → Catalog (every folder, checked) → SharedCatalog (swapped on reload)
//!                                                      ↓ snapshot per request
//!              HTTP (axum) / MCP (stdio) → api::{decide, list_policies, get_policy} → JSON
//! ```
//!
//! The `http` feature builds the HTTP server, the `mcp` feature the MCP
//! server; either builds the catalog and the operations they share.

pub(crate) mod analysis;
pub(crate) mod api;
pub(crate) mod catalog;
#[cfg(feature = "http")]
pub(crate) mod connection;
#[cfg(feature = "http")]
pub(crate) mod http;
#[cfg(feature = "mcp")]
pub(crate) mod mcp;
#[cfg(feature = "http")]
mod socket;
#[cfg(feature = "http")]
pub(crate) mod studio;

use std::io::Write;

/// "1 policy, 1 version" or "2 policies, 3 versions".
pub(crate) fn counted(policies: usize, versions: usize) -> String {
    let policy = if policies == 1 { "policy" } else { "policies" };
    let version = if versions == 1 { "version" } else { "versions" };
    format!("{policies} {policy}, {versions} {version}")
}

/// One line to stderr, the server's log. A closed stderr is not a reason
/// to stop serving, so write errors are ignored.
pub(crate) fn log(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ruling: {line}");
}
