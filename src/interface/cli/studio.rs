//! `ruling studio`: the policy workbench in the browser, on this machine.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::interface::server::catalog::{Catalog, SharedCatalog};
use crate::interface::server::connection::{
    DEFAULT_HEADER_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, Limits, default_max_connections,
};
use crate::interface::server::http::{DEFAULT_MAX_BODY, serve};
use crate::interface::server::studio::Saving;

use super::exit;
use super::output::eprint;

/// Open the policies of a folder in a workbench in the browser
///
/// Serves a page on this machine on which you can read each policy (rules,
/// fields, a picture of its rules), try requests in a form, edit a draft
/// with the diagnostics of `ruling check` as you type, run the folder's
/// cases against the draft, see which decisions it changes, and save it
/// (formatted as `ruling fmt` does; never over a file changed since it was
/// opened). Open the address it prints in a browser. The page uses the
/// HTTP API of `ruling serve` and loads nothing from elsewhere.
///
/// It listens on the loopback address only, unless --addr says otherwise:
/// whoever can reach it can change the policy files.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling studio\n  \
    ruling studio policies --addr 127.0.0.1:9000"
)]
pub struct Args {
    /// Folder searched for policy folders
    #[arg(default_value = "policies")]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed at start)
    #[arg(long, default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
}

pub fn run(args: &Args) -> u8 {
    let catalog = match Catalog::load(&args.dir) {
        Ok(catalog) => catalog,
        Err(errors) => return super::mcp::catalog_failure(&errors),
    };
    let runtime = match super::serve::runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprint(&format!("error: cannot start the studio: {error}\n"));
            return exit::IO;
        }
    };
    let limits = Limits {
        max_body: DEFAULT_MAX_BODY,
        max_connections: default_max_connections(),
        header_timeout: DEFAULT_HEADER_TIMEOUT,
        request_timeout: DEFAULT_REQUEST_TIMEOUT,
    };
    let (policies, versions) = (catalog.len(), catalog.versions());
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr).await?;
        let ready = |addr: SocketAddr| {
            eprint(&format!(
                "ruling: listening on http://{addr} ({} from `{}`)\n\
                 ruling: open http://{addr}/studio in a browser; Ctrl-C stops\n",
                crate::interface::server::counted(policies, versions),
                args.dir.display(),
            ));
        };
        serve(
            listener,
            SharedCatalog::new(catalog),
            limits,
            None,
            Saving::Local,
            ready,
        )
        .await
    });
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
