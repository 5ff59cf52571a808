//! `ruling test`: run the cases of policy folders.

use std::path::PathBuf;

use crate::tools::suite::render::{suite_github, suite_json, suite_junit, suite_text};
use crate::tools::suite::{Options, run};
use clap::ValueEnum;

use super::exit;
use super::output::{eprint, print, report, stdout_colour};

/// Run the cases of policy folders and report coverage
///
/// Every case under `<policy>/cases/*.json` is decided by the version it
/// targets (its `version`, or the version in effect on its request's date)
/// and compared with its `expect`. With --snapshot, the whole decision is
/// also compared with `<case>.snap` next to the case; --update writes the
/// snapshots that are missing or differ. Exit code 0 only when every case
/// passes (and coverage reaches --min-coverage).
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling test\n  \
    ruling test policies/iptv-smarters-pro --snapshot\n  \
    ruling test --snapshot --update\n  \
    ruling test --format junit > report.xml\n  \
    ruling test --min-coverage 90 --format github"
)]
pub(crate) struct Args {
    /// Policy folders, policy files (standing for their folder), case files,
    /// or folders searched at any depth for policy folders with cases
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Also compare each whole decision with its stored snapshot
    #[arg(long)]
    snapshot: bool,
    /// Write snapshots that are missing or differ (with --snapshot)
    #[arg(long, requires = "snapshot")]
    update: bool,
    /// Fail when fewer than this percentage of rules decide some case
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
    min_coverage: Option<u8>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: a line per case, diffs of failures, coverage
    Human,
    /// For programs: the documented JSON report
    Json,
    /// JUnit XML, for CI dashboards
    Junit,
    /// GitHub Actions annotations on the case and the rule's line
    Github,
}

pub(crate) fn run_tests(args: &Args) -> u8 {
    let options = Options {
        snapshot: args.snapshot,
        update: args.update,
    };
    let outcome = match run(&args.paths, options) {
        Ok(outcome) => outcome,
        Err(errors) => {
            for error in &errors {
                match error {
                    crate::policy::folder::PolicyError::Invalid(error) => {
                        report(&error.diagnostics, &error.file)
                    }
                    other => eprint(&format!("error: {other}\n")),
                }
            }
            // A path that cannot be read is an input/output problem, as for
            // `ruling check`; anything else is a policy to mend.
            let unreadable = errors
                .iter()
                .all(|error| matches!(error, crate::policy::folder::PolicyError::Io { .. }));
            return if unreadable {
                exit::IO
            } else {
                exit::INVALID_POLICY
            };
        }
    };
    let text = match args.format {
        Format::Human => suite_text(&outcome, stdout_colour()),
        Format::Json => suite_json(&outcome),
        Format::Junit => suite_junit(&outcome),
        Format::Github => suite_github(&outcome),
    };
    if print(&text).is_err() {
        return exit::IO;
    }
    let coverage = outcome.coverage_percent();
    let below = args
        .min_coverage
        .is_some_and(|minimum| coverage < f64::from(minimum));
    if below {
        let minimum = args.min_coverage.unwrap_or_default();
        let message = format!("coverage {coverage:.1}% is below the minimum of {minimum}%");
        match args.format {
            Format::Github => eprint(&format!("::error title=ruling test::{message}\n")),
            _ => eprint(&format!("error: {message}\n")),
        }
    }
    if outcome.results.is_empty() {
        eprint("error: no cases found; cases live in `<policy folder>/cases/*.json`\n");
        return exit::TEST_FAILED;
    }
    if outcome.failed() > 0 || below {
        exit::TEST_FAILED
    } else {
        exit::OK
    }
}
