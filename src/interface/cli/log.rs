//! `ruling log`: the recorded decisions, newest first, with filters.

use std::fmt::Write;
use std::path::PathBuf;

use crate::interface::record::{LogFilter, RECORD_FORMAT, Record, open_source, records_at};
use crate::policy::Outcome;
use clap::ValueEnum;

use super::exit;
use super::output::{eprint, print};

/// List recorded decisions, newest first
///
/// Dates are days in UTC, both ends included.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling log\n  \
    ruling log --outcome deny --policy steam --since 2025-03-01 --until 2025-03-31\n  \
    ruling log --record=decisions.db --limit 0 --format json"
)]
pub(crate) struct Args {
    /// The records database: a SQLite file or a PostgreSQL URL [default: $RULING_RECORDS, else ruling.db]
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
    /// Only decisions with this outcome
    #[arg(long, value_parser = parse_outcome)]
    outcome: Option<Outcome>,
    /// Only decisions by this policy id
    #[arg(long, value_name = "ID")]
    policy: Option<String>,
    /// Only decisions recorded on or after this day (YYYY-MM-DD)
    #[arg(long, value_parser = super::parse_date)]
    since: Option<chrono::NaiveDate>,
    /// Only decisions recorded on or before this day (YYYY-MM-DD)
    #[arg(long, value_parser = super::parse_date)]
    until: Option<chrono::NaiveDate>,
    /// At most this many decisions; 0 for all
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: one line per decision
    Text,
    /// For programs: `{"format", "decisions": [...]}`
    Json,
}

fn parse_outcome(text: &str) -> Result<Outcome, String> {
    Outcome::from_keyword(text).ok_or_else(|| {
        let known: Vec<&str> = Outcome::ALL
            .iter()
            .map(|outcome| outcome.keyword())
            .collect();
        format!(
            "`{text}` is not an outcome; use one of {}",
            known.join(", ")
        )
    })
}

pub(crate) fn run(args: &Args) -> u8 {
    let at = records_at(args.record.as_deref());
    let filter = LogFilter {
        outcome: args.outcome,
        policy: args.policy.clone(),
        since: args.since,
        until: args.until,
        limit: (args.limit > 0).then_some(args.limit),
    };
    let records = match open_source(&at).and_then(|mut store| store.list(&filter)) {
        Ok(records) => records,
        Err(error) => {
            eprint(&format!("error: {error}\n"));
            return exit::IO;
        }
    };
    let text = match args.format {
        Format::Text => log_text(&records),
        Format::Json => log_json(&records),
    };
    if print(&text).is_err() {
        exit::IO
    } else {
        exit::OK
    }
}

/// The id's first 12 characters are shown: `ruling why` takes any unique
/// prefix, and 12 hex digits practically never collide.
const SHOWN_ID: usize = 12;

fn log_text(records: &[Record]) -> String {
    if records.is_empty() {
        return "no recorded decisions match\n".to_owned();
    }
    let width = records
        .iter()
        .map(|record| record.outcome.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for record in records {
        let _ = writeln!(
            out,
            "{}  {}  {:width$}  {} {}  {}",
            record.id.get(..SHOWN_ID).unwrap_or(&record.id),
            record.recorded_at,
            record.outcome,
            record.policy_id,
            record.policy_version,
            record.rule_id
        );
    }
    out
}

fn log_json(records: &[Record]) -> String {
    let decisions: Vec<serde_json::Value> = records
        .iter()
        .map(|record| {
            serde_json::json!({
                "id": record.id,
                "recorded_at": record.recorded_at,
                "outcome": record.outcome,
                "rule": record.rule_id,
                "policy": {
                    "id": record.policy_id,
                    "version": record.policy_version,
                    "sha256": record.policy_sha256,
                },
            })
        })
        .collect();
    let body = serde_json::json!({"format": RECORD_FORMAT, "decisions": decisions});
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    text
}
