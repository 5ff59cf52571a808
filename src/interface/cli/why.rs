//! `ruling why`: a recorded decision and its explanation, found by id.

use std::path::PathBuf;

use crate::decision::id::parse_prefix;
use crate::interface::record::{Lookup, Record, open_source, records_at};
use clap::ValueEnum;

use super::exit;
use super::output::{eprint, print};

/// Print a recorded decision and its explanation
///
/// ID is the decision id that `ruling decide` prints, or any unique prefix of
/// it of at least 8 characters. The decision is shown as it was recorded,
/// whatever the policy says today. Exit code 5 when no recorded decision has
/// that id, or more than one starts with the prefix.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling why 3f9c2a7d\n  \
    ruling why 3f9c2a7d --record=decisions.db --format json"
)]
pub(crate) struct Args {
    /// Decision id, or a unique prefix of at least 8 characters
    #[arg(value_parser = |text: &str| parse_prefix(text).map_err(|error| error.to_string()))]
    id: String,
    /// The records database: a SQLite file or a PostgreSQL URL [default: $RULING_RECORDS, else ruling.db]
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: when it was recorded, the decision and trace, the request
    Text,
    /// For programs: `{"format", "id", "recorded_at", "request", "decision"}`
    Json,
}

pub(crate) fn run(args: &Args) -> u8 {
    let at = records_at(args.record.as_deref());
    let found = open_source(&at).and_then(|mut store| store.find(&args.id));
    let record = match found {
        Ok(Lookup::Found(record)) => record,
        Ok(Lookup::NotFound) => {
            eprint(&format!(
                "error: no recorded decision has the id `{}` in `{}`\n  help: `ruling log` lists the recorded decisions\n",
                args.id, at
            ));
            return exit::NOT_FOUND;
        }
        Ok(Lookup::Ambiguous(ids)) => {
            let mut message = format!(
                "error: more than one recorded decision starts with `{}`\n",
                args.id
            );
            for id in ids {
                message.push_str(&format!("  {id}\n"));
            }
            message.push_str("  help: give more characters of the id\n");
            eprint(&message);
            return exit::NOT_FOUND;
        }
        Err(error) => {
            eprint(&format!("error: {error}\n"));
            return exit::IO;
        }
    };
    let text = match args.format {
        Format::Text => why_text(&record),
        Format::Json => why_json(&record),
    };
    if print(&text).is_err() {
        exit::IO
    } else {
        exit::OK
    }
}

fn why_text(record: &Record) -> String {
    format!(
        "decision {}\nrecorded {}\n\n{}\nrequest\n  {}\n",
        record.id, record.recorded_at, record.decision_text, record.request_json
    )
}

fn why_json(record: &Record) -> String {
    let mut text = serde_json::to_string_pretty(&record.to_json()).unwrap_or_default();
    text.push('\n');
    text
}
