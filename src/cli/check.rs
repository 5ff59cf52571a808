//! `ruling check`: load and type-check policy files and folders.

use std::path::PathBuf;

use ruling::folder::{PolicyError, check_paths};

use super::exit;
use super::output::{eprint, print, report};

/// Load and type-check policy files or folders
///
/// Every problem in every file is reported, with its line and column.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  ruling check\n  ruling check policies/iptv-smarters-pro\n  ruling check policies/steam/2024-04-23.toml"
)]
pub struct Args {
    /// Policy files, or folders searched for policy files
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
}

pub fn run(args: &Args) -> u8 {
    let checked = check_paths(&args.paths);
    let mut listing = String::new();
    for policy in &checked.valid {
        listing.push_str(&format!(
            "ok  {}  ({} version {}: {} fields, {} rules)\n",
            policy.file.name,
            policy.meta.id,
            policy.meta.version,
            policy.schema.fields.len(),
            policy.rules.len() + 1,
        ));
    }
    let mut code = exit::OK;
    for problem in &checked.problems {
        code = code.max(match problem {
            PolicyError::Invalid(error) => {
                report(&error.diagnostics, &error.file);
                exit::INVALID_POLICY
            }
            PolicyError::Empty(_) => {
                eprint(&format!("error: {problem}\n"));
                exit::INVALID_POLICY
            }
            PolicyError::Io { .. } => {
                eprint(&format!("error: {problem}\n"));
                exit::IO
            }
        });
    }
    let files = checked.files;
    listing.push_str(&match checked.files_with_problems() {
        0 => format!("{files} policy file(s) checked, all valid\n"),
        bad => format!("{files} policy file(s) checked, {bad} with problems\n"),
    });
    if print(&listing).is_err() {
        return exit::IO;
    }
    code
}
