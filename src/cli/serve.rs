//! `ruling serve`: the HTTP API over a folder of policies.

use std::net::SocketAddr;
use std::path::PathBuf;

use ruling::interface::record::{Records, open_sink, records_at};
use ruling::interface::server::catalog::{Catalog, SharedCatalog};
use ruling::interface::server::http::{DEFAULT_MAX_BODY, serve};
use ruling::interface::server::log;

use super::exit;
use super::output::eprint;

/// Serve decisions over HTTP
///
/// Loads every policy folder under DIR (as `ruling check` finds them) and
/// answers JSON requests:
///
///   POST /v1/decide          {"policy": ID, "request": {…}, "version"?, "at"?}
///   POST /v1/explain         the same, and "outcome"?: why, why not, what would change it
///   GET  /v1/policies        every policy: id, title, versions
///   GET  /v1/policies/{id}   rules, fields and the request JSON Schema
///   GET  /v1/decisions/{id}  a recorded decision (with --record)
///   GET  /healthz
///
/// Decisions and errors have the shapes of `ruling decide --format json`.
/// SIGHUP reloads the policies; if any is invalid, the problems go to
/// stderr and the policies loaded before keep answering. The server holds
/// no state, so several can run behind a load balancer.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling serve policies\n  \
    ruling serve --addr 0.0.0.0:8080 --max-body 65536 /etc/ruling/policies\n  \
    curl -s localhost:8080/v1/decide -d '{\"policy\": \"steam\", \"request\": {}}'\n  \
    kill -HUP $(pidof ruling)   # reload the policies"
)]
pub struct Args {
    /// Folder searched for policy folders
    #[arg(default_value = "policies")]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed at start)
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Largest request body accepted, in bytes (larger ones get 413)
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Record every decision into this SQLite database or PostgreSQL URL
    /// (default: $RULING_RECORDS, else ruling.db) and serve them at
    /// GET /v1/decisions/{id}
    #[arg(long, value_name = "PATH", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    record: Option<PathBuf>,
}

pub fn run(args: &Args) -> u8 {
    let catalog = match Catalog::load(&args.dir) {
        Ok(catalog) => catalog,
        Err(errors) => return super::mcp::catalog_failure(&errors),
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprint(&format!("error: cannot start the server: {error}\n"));
            return exit::IO;
        }
    };
    let records = match &args.record {
        None => None,
        Some(path) => {
            let at = records_at(Some(path));
            // A database that cannot be opened at all is a mistake in the
            // command: refused at the start. Later failures lose records,
            // counted and logged, and decisions go on.
            let opened = open_sink(&at)
                .and_then(|_| Records::recording(&at, |event| log(&event.to_string())));
            match opened {
                Ok(records) => Some(records),
                Err(error) => {
                    eprint(&format!("error: {error}\n"));
                    return exit::IO;
                }
            }
        }
    };
    let (policies, versions) = (catalog.len(), catalog.versions());
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr).await?;
        let ready = |addr: SocketAddr| {
            eprint(&format!(
                "ruling: listening on http://{addr} ({} from `{}`)\n",
                ruling::interface::server::counted(policies, versions),
                args.dir.display()
            ));
        };
        serve(
            listener,
            SharedCatalog::new(catalog),
            args.max_body,
            records.clone(),
            ready,
        )
        .await
    });
    if let Some(summary) = records.as_ref().and_then(Records::finish) {
        log(&format!(
            "decision records: {} written, {} already there, {} not recorded",
            summary.written, summary.already, summary.lost
        ));
    }
    match result {
        Ok(()) => exit::OK,
        Err(error) => {
            eprint(&format!(
                "error: cannot serve on `{}`: {error}\n",
                args.addr
            ));
            exit::IO
        }
    }
}

/// The runtime `ruling serve` runs on: a few threads are plenty, since a
/// decision takes microseconds.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
