//! `ruling lint`: what the rules of each policy do over every valid
//! request: rules that never decide, conditions that never hold or always
//! do, unknown traps, gaps, unused fields; each with an example request.

use std::path::PathBuf;

use crate::Policy;
use crate::policy::folder::{PolicyError, check_paths};
use crate::tools::lint::report::{LINT_FORMAT, file_json, github, summary, text};
use crate::tools::lint::{Lint, Options, Severity, lint};
use clap::ValueEnum;

use super::exit;
use super::output::{eprint, print, report, stdout_colour};

/// Find rules that never decide, conditions that never hold, gaps and traps
///
/// Enumerates the requests each policy can receive, split into cells at
/// the boundaries its conditions draw (each enum value, each stretch of
/// dates or amounts between two constants, present or absent), decides
/// each with the policy, and reports what the rules do over all of them:
///
///   unreachable-rule          no request reaches the rule with its condition
///                             true; the rules above take them (with one)
///   impossible-condition      the condition never holds
///   always-true-condition     the condition always holds
///   never-known-condition     unknown for every request that reaches it
///   unknown-trap              unknown when an optional field is left out
///   unreported-missing-field  no any_missing() rule reports its absence
///   unused-field, unused-derived  nothing reads it
///   gap (note)                a valid request that the [default] decides
///   overlap (note, --overlaps)  two rules with different outcomes both hold
///   not-analysed (note)       the analysis could not settle the rule, and why
///
/// Every example request is decided again before it is shown. A finding
/// that says no request does something is claimed only when the
/// enumeration finished and followed every condition exactly.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling lint\n  \
    ruling lint policies/iptv-smarters-pro --deny warnings\n  \
    ruling lint policies/steam/2024-04-23.toml --overlaps\n  \
    ruling lint --format json > lint.json\n  \
    ruling lint --format github\n\n\
    Exit codes:\n  \
    0  every policy linted (findings or not, unless --deny warnings)\n  \
    1  a policy has problems, or --deny warnings and a warning was found\n  \
    4  a file could not be read"
)]
pub struct Args {
    /// Policy files, or folders searched for policy files
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with 1 when a warning is found
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<Deny>,
    /// Report pairs of rules with different outcomes that both hold for some request
    #[arg(long)]
    overlaps: bool,
    /// The most requests one enumeration may decide
    #[arg(long, value_name = "N", default_value_t = crate::limits::LINT_BUDGET)]
    budget: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: each finding with the source it points into
    Text,
    /// GitHub Actions annotations (`::warning file=…`)
    Github,
    /// For programs: the documented, versioned JSON shape
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Deny {
    /// Any warning fails the lint; notes never do
    Warnings,
}

pub fn run(args: &Args) -> u8 {
    let checked = check_paths(&args.paths);
    for problem in &checked.problems {
        match problem {
            PolicyError::Invalid(error) => report(&error.diagnostics, &error.file),
            other => eprint(&format!("error: {other}\n")),
        }
    }
    let options = Options {
        overlaps: args.overlaps,
        budget: args.budget,
        ..Options::default()
    };
    let linted: Vec<(&Policy, Lint)> = checked
        .valid
        .iter()
        .map(|policy| (policy, lint(policy, &options)))
        .collect();
    let output = match args.format {
        Format::Text => text_output(&linted),
        Format::Github => linted
            .iter()
            .map(|(policy, lint)| github(policy, lint))
            .collect(),
        Format::Json => json_output(&linted),
    };
    if print(&output).is_err() {
        return exit::IO;
    }
    let code = checked
        .problems
        .iter()
        .map(|problem| match problem {
            PolicyError::Io { .. } => exit::IO,
            _ => exit::INVALID_POLICY,
        })
        .max()
        .unwrap_or(exit::OK);
    if code == exit::OK && args.deny.is_some() && warnings(&linted) > 0 {
        return exit::INVALID_POLICY;
    }
    code
}

/// `ruling check --deep`: lints the valid policies, shows the findings on
/// stderr when `shown`, and returns how many warnings they hold.
pub fn deep(policies: &[Policy], shown: bool) -> usize {
    let options = Options::default();
    let linted: Vec<(&Policy, Lint)> = policies
        .iter()
        .map(|policy| (policy, lint(policy, &options)))
        .collect();
    if shown {
        eprint(&text_output(&linted));
    }
    warnings(&linted)
}

fn warnings(linted: &[(&Policy, Lint)]) -> usize {
    linted
        .iter()
        .flat_map(|(_, lint)| &lint.findings)
        .filter(|finding| finding.severity == Severity::Warning)
        .count()
}

/// Each policy's findings, then its summary line.
fn text_output(linted: &[(&Policy, Lint)]) -> String {
    let colour = stdout_colour();
    let mut out = String::new();
    for (policy, lint) in linted {
        out.push_str(&text(lint, &policy.file, colour));
        out.push_str(&summary(policy, lint));
    }
    out
}

fn json_output(linted: &[(&Policy, Lint)]) -> String {
    let files: Vec<_> = linted
        .iter()
        .map(|(policy, lint)| file_json(policy, lint))
        .collect();
    let document = serde_json::json!({ "format": LINT_FORMAT, "files": files });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
