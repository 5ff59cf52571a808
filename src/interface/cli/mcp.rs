//! `ruling mcp`: the Model Context Protocol server over stdio.

use std::path::PathBuf;

use crate::interface::record::{Records, records_at};
use crate::interface::server::catalog::{Catalog, CatalogError, SharedCatalog};
use crate::interface::server::mcp::McpServer;
use crate::policy::folder::PolicyError;

use super::exit;
use super::output::{eprint, report};

/// Serve the Model Context Protocol over stdio, for agents
///
/// Loads every policy folder under DIR and offers the tools
/// `list_policies`, `get_policy`, `decide`, `explain` and `why` (a
/// recorded decision). Messages go over stdin and stdout, one JSON-RPC
/// message per line of at most 8 MiB; problems are logged to stderr.
/// Register it with an MCP client as the command
/// `ruling mcp /path/to/policies`.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling mcp\n  \
    ruling mcp /etc/ruling/policies"
)]
pub(crate) struct Args {
    /// Folder searched for policy folders
    #[arg(default_value = "policies")]
    dir: PathBuf,
    /// The decision records the `why` tool reads, a SQLite file or a PostgreSQL URL (default: $RULING_RECORDS, else ruling.db)
    #[arg(long, value_name = "PATH", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    record: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> u8 {
    let catalog = match Catalog::load(&args.dir) {
        Ok(catalog) => catalog,
        Err(errors) => return catalog_failure(&errors),
    };
    // `why` only reads: a SQLite file is opened read-only at each lookup;
    // a PostgreSQL database through a few read-only connections kept open.
    let records = match args
        .record
        .as_ref()
        .map(|path| Records::reading(&records_at(Some(path))))
    {
        None => None,
        Some(Ok(records)) => Some(records),
        Some(Err(error)) => {
            eprint(&format!("error: {error}\n"));
            return exit::IO;
        }
    };
    let server = McpServer::new(SharedCatalog::new(catalog), records);
    match server.serve(std::io::stdin().lock(), std::io::stdout().lock()) {
        Ok(()) => exit::OK,
        Err(error) => {
            eprint(&format!("error: the MCP session failed: {error}\n"));
            exit::IO
        }
    }
}

/// Reports why the policies could not be loaded; the exit code of `check`.
pub(crate) fn catalog_failure(errors: &[CatalogError]) -> u8 {
    let mut code = exit::INVALID_POLICY;
    for error in errors {
        match error {
            CatalogError::Policy(PolicyError::Invalid(error)) => {
                report(&error.diagnostics, &error.file)
            }
            CatalogError::Policy(PolicyError::Io { .. }) => {
                eprint(&format!("error: {error}\n"));
                code = exit::IO;
            }
            other => eprint(&format!("error: {other}\n")),
        }
    }
    code
}
