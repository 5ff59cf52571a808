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

pub mod analysis;
pub mod api;
pub mod catalog;
pub mod connection;
pub mod http;
pub mod mcp;
mod socket;

use std::io::Write;

/// "1 policy, 1 version" or "2 policies, 3 versions".
pub fn counted(policies: usize, versions: usize) -> String {
    let policy = if policies == 1 { "policy" } else { "policies" };
    let version = if versions == 1 { "version" } else { "versions" };
    format!("{policies} {policy}, {versions} {version}")
}

/// One line to stderr, the server's log. A closed stderr is not a reason
/// to stop serving, so write errors are ignored.
pub fn log(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "ruling: {line}");
}
