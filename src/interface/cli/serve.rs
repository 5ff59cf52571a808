//! `ruling serve`: the HTTP API over a folder of policies.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::interface::record::{Records, open_sink, records_at};
use crate::interface::server::catalog::{Catalog, SharedCatalog};
use crate::interface::server::connection::{
    DEFAULT_HEADER_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, Limits, SPARE_CONNECTIONS,
    connections_within_file_limit, default_max_connections,
};
use crate::interface::server::http::{DEFAULT_MAX_BODY, serve};
use crate::interface::server::log;
use crate::interface::server::studio::Saving;

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
/// stderr and the policies loaded before keep answering; a policy file
/// that is missing at that moment keeps its version loaded before. The
/// server holds no state, so several can run behind a load balancer.
///
/// Limits: each request head must arrive within --header-timeout of the
/// connection's start or its previous answer (an idle connection is closed
/// then); the body and the answer take at most --request-timeout (408),
/// and an answer the client does not take within it closes the
/// connection. Beyond
/// --max-connections, 16 spare connections get one answer each: /healthz
/// as usual, 503 `overloaded` otherwise; a new spare closes the oldest.
/// Request heads are limited to 64 KiB (431). Every error is JSON.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling serve policies\n  \
    ruling serve --addr 0.0.0.0:8080 --max-body 65536 /etc/ruling/policies\n  \
    curl -s localhost:8080/v1/decide -d '{\"policy\": \"steam\", \"request\": {}}'\n  \
    kill -HUP $(pidof ruling)   # reload the policies"
)]
pub(crate) struct Args {
    /// Folder searched for policy folders
    #[arg(default_value = "policies")]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed at start)
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Largest request body accepted, in bytes (larger ones get 413)
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Connections served at once [default: 1024, or fewer if the open-file
    /// limit (ulimit -n) cannot hold them]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: Option<u32>,
    /// Seconds a client has to send a request head; also how long an idle
    /// connection stays open
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HEADER_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a request has, once its head is in, to send its body and get
    /// its answer (408 otherwise)
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_REQUEST_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Record every decision into this SQLite database or PostgreSQL URL
    /// (default: $RULING_RECORDS, else ruling.db) and serve them at
    /// GET /v1/decisions/{id}
    #[arg(long, value_name = "PATH", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    record: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> u8 {
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
    let limits = limits(args);
    let (policies, versions) = (catalog.len(), catalog.versions());
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr).await?;
        let ready = |addr: SocketAddr| {
            eprint(&format!(
                "ruling: listening on http://{addr} ({} from `{}`; at most {} connections)\n",
                crate::interface::server::counted(policies, versions),
                args.dir.display(),
                limits.max_connections,
            ));
        };
        serve(
            listener,
            SharedCatalog::new(catalog),
            limits,
            records.clone(),
            Saving::Never,
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

/// The server's limits from the flags. A `--max-connections` that the
/// open-file limit cannot hold is kept, with a warning: connections past
/// the file limit wait in the kernel's queue.
fn limits(args: &Args) -> Limits {
    let max_connections = args
        .max_connections
        .map_or_else(default_max_connections, |max| max as usize);
    if let Some(room) = connections_within_file_limit()
        && max_connections > room
    {
        eprint(&format!(
            "ruling: warning: the open-file limit (ulimit -n) leaves room for {room} connections, \
             not --max-connections {max_connections} plus {SPARE_CONNECTIONS} spare ones\n"
        ));
    }
    Limits {
        max_body: args.max_body,
        max_connections,
        header_timeout: Duration::from_secs(args.header_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
    }
}

/// The runtime `ruling serve` runs on: a few threads are plenty, since a
/// decision takes microseconds.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
