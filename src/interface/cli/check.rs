//! `ruling check`: load and type-check policy files and folders.

use std::path::PathBuf;

use crate::diagnostic::render_warnings;
use crate::policy::folder::{CheckReport, PolicyError, check_paths};
use crate::tools::check_output::{check_json_text, github_annotations};
use crate::tools::lint::coverage::require_coverage;
use clap::ValueEnum;

use super::exit;
use super::output::{eprint, print, report, stderr_colour};

/// Load and type-check policy files or folders
///
/// Every problem in every file is reported, with its line and column.
/// Warnings (what a valid policy says that is probably not meant) are
/// shown too, but do not fail the check unless --deny-warnings is given.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  ruling check\n  ruling check policies/iptv-smarters-pro\n  ruling check policies/steam/2024-04-23.toml\n  ruling check --format github\n  ruling check --format json > check.json\n  ruling check --deep --deny-warnings"
)]
pub(crate) struct Args {
    /// Policy files, or folders searched for policy files
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with 1 when a policy has warnings, as when it has errors
    #[arg(long)]
    deny_warnings: bool,
    /// Also run `ruling lint` on every valid policy (text: findings on stderr)
    #[arg(long)]
    deep: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// For people: each problem with the source it points into, on stderr
    Text,
    /// GitHub Actions annotations (`::error file=…`) on stdout
    Github,
    /// For programs: the documented, versioned JSON shape on stdout
    Json,
}

pub(crate) fn run(args: &Args) -> u8 {
    let mut checked = check_paths(&args.paths);
    require_coverage(&mut checked);
    let output = match args.format {
        Format::Text => text(&checked),
        Format::Github => github_annotations(&checked) + &summary(&checked),
        Format::Json => check_json_text(&checked),
    };
    if print(&output).is_err() {
        return exit::IO;
    }
    let found = if args.deep {
        super::lint::deep(&checked.valid, matches!(args.format, Format::Text))
    } else {
        0
    };
    match exit_code(&checked) {
        exit::OK if args.deny_warnings && warnings(&checked) + found > 0 => exit::INVALID_POLICY,
        code => code,
    }
}

fn warnings(checked: &CheckReport) -> usize {
    checked
        .valid
        .iter()
        .map(|policy| policy.warnings.len())
        .sum()
}

/// The listing of valid files and the summary; problems go to stderr.
fn text(checked: &CheckReport) -> String {
    let mut listing = String::new();
    for policy in &checked.valid {
        listing.push_str(&format!(
            "ok  {}  ({} version {}: {} fields, {} rules)\n",
            policy.file.name,
            policy.meta.id,
            policy.meta.version,
            policy.schema.declared_count(),
            policy.rules.len() + usize::from(!policy.default.implicit),
        ));
    }
    for policy in checked
        .valid
        .iter()
        .filter(|policy| !policy.warnings.is_empty())
    {
        eprint(&render_warnings(
            &policy.warnings,
            &policy.file,
            stderr_colour(),
            100,
        ));
    }
    for problem in &checked.problems {
        match problem {
            PolicyError::Invalid(error) => report(&error.diagnostics, &error.file),
            PolicyError::Empty(_) | PolicyError::Link(_) | PolicyError::Io { .. } => {
                eprint(&format!("error: {problem}\n"));
            }
        }
    }
    listing + &summary(checked)
}

fn summary(checked: &CheckReport) -> String {
    let files = checked.files;
    let (invalid, not_checked): (Vec<&PolicyError>, Vec<&PolicyError>) = checked
        .problems
        .iter()
        .partition(|problem| matches!(problem, PolicyError::Invalid(_)));
    let mut invalid: Vec<String> = invalid.iter().map(|problem| problem.file_name()).collect();
    invalid.sort();
    invalid.dedup();
    let (invalid, not_checked) = (invalid.len(), not_checked.len());
    let mut line = match invalid {
        0 if not_checked == 0 => format!("{files} policy file(s) checked, all valid"),
        0 => format!("{files} policy file(s) checked"),
        bad => format!("{files} policy file(s) checked, {bad} with problems"),
    };
    if not_checked > 0 {
        line.push_str(&format!("; {not_checked} path(s) could not be checked"));
    }
    match warnings(checked) {
        0 => {}
        1 => line.push_str("; 1 warning"),
        count => line.push_str(&format!("; {count} warnings")),
    }
    line + "\n"
}

fn exit_code(checked: &CheckReport) -> u8 {
    let code = |problem: &PolicyError| match problem {
        PolicyError::Invalid(_) | PolicyError::Empty(_) | PolicyError::Link(_) => {
            exit::INVALID_POLICY
        }
        PolicyError::Io { .. } => exit::IO,
    };
    checked.problems.iter().map(code).max().unwrap_or(exit::OK)
}
