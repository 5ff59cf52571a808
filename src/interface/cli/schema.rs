//! `ruling schema`: JSON Schemas of the policy file format and of a
//! policy's requests.

use std::path::PathBuf;

use crate::policy::folder::load_set;
use crate::tools::json_schema::{policy_schema, request_schema};

use super::decide::policy_failure;
use super::exit;
use super::output::print;

/// Print a JSON Schema: of policy files, or of the requests a policy accepts
///
/// `ruling schema policy` prints the schema of the policy file format, the
/// one committed as schema/policy.schema.json: editors that read JSON
/// Schemas (Taplo, Even Better TOML) use it for completion and validation.
/// `ruling schema request POLICY` prints the schema of the JSON requests
/// that POLICY accepts; for a folder, the newest version's.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling schema policy > schema/policy.schema.json\n  \
    ruling schema request policies/steam\n  \
    ruling schema request policies/iptv-smarters-pro/2025-01-22.toml > iptv-request.schema.json"
)]
pub(crate) struct Args {
    #[command(subcommand)]
    which: Which,
}

#[derive(clap::Subcommand)]
enum Which {
    /// The schema of the policy file format
    Policy,
    /// The schema of the requests a policy accepts
    Request {
        /// Policy file, or folder of policy versions (the newest is used)
        policy: PathBuf,
    },
}

pub(crate) fn run(args: &Args) -> u8 {
    let schema = match &args.which {
        Which::Policy => policy_schema(),
        Which::Request { policy } => match load_set(policy) {
            Ok(set) => match set.versions.last() {
                Some(newest) => request_schema(newest),
                None => return exit::INVALID_POLICY,
            },
            Err(errors) => return policy_failure(&errors),
        },
    };
    if print(&schema.to_json_text()).is_err() {
        return exit::IO;
    }
    exit::OK
}
