//! `ruling new`: scaffold a policy folder.

use std::path::PathBuf;

use crate::tools::scaffold::{ScaffoldError, check_id, create};
use chrono::NaiveDate;

use super::exit;
use super::output::{eprint, print};

/// Create a new policy folder with a commented policy and one case
///
/// Creates DIR/ID/DATE.toml, a small policy that passes `ruling check`
/// (fields, a derived value, a constraint, rules, a default and effects,
/// each commented), and DIR/ID/cases/example.json, a case it decides as
/// expected. Nothing is overwritten: an existing DIR/ID is an error.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling new store-credit\n  \
    ruling new store-credit --date 2025-06-01\n  \
    ruling new store-credit --dir /tmp/policies"
)]
pub(crate) struct Args {
    /// The policy's id: lowercase letters, digits and `-`
    #[arg(value_parser = parse_id)]
    id: String,
    /// The folder that holds policy folders
    #[arg(long, default_value = "policies")]
    dir: PathBuf,
    /// Version and effective date of the policy, YYYY-MM-DD [default: today]
    #[arg(long, value_parser = super::parse_date)]
    date: Option<NaiveDate>,
}

fn parse_id(text: &str) -> Result<String, String> {
    check_id(text)
        .map(|()| text.to_owned())
        .map_err(|error| with_help(&error))
}

fn with_help(error: &ScaffoldError) -> String {
    match error.help() {
        Some(help) => format!("{error}\n  help: {help}"),
        None => error.to_string(),
    }
}

pub(crate) fn run(args: &Args) -> u8 {
    // The only clock read in ruling: a scaffold is dated the day it is made,
    // unless `--date` says otherwise.
    let date = args
        .date
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let created = match create(&args.dir, &args.id, date) {
        Ok(created) => created,
        Err(error) => {
            eprint(&format!("error: {}\n", with_help(&error)));
            return match error {
                ScaffoldError::InvalidId(_) => exit::USAGE,
                ScaffoldError::Exists(_) | ScaffoldError::Io { .. } => exit::IO,
            };
        }
    };
    let folder = created.folder.display();
    let text = format!(
        "created {}\ncreated {}\n\nnext:\n  ruling check {folder}\n  ruling test {folder}\n  ruling decide {folder} {}\n",
        created.policy.display(),
        created.case.display(),
        created.case.display(),
    );
    if print(&text).is_err() {
        return exit::IO;
    }
    exit::OK
}
