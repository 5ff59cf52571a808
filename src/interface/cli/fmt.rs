//! `ruling fmt`: rewrite policy files in the canonical layout.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostic::SourceFile;
use crate::policy::folder::{PolicyError, find_policy_files};
use crate::tools::format::{FormatError, format_policy};
use similar::TextDiff;

use super::exit;
use super::output::{eprint, print};

/// How many changed places of a file `--check` shows.
const SHOWN_HUNKS: usize = 3;

/// Rewrite policy files in one canonical layout
///
/// Tables and keys in the order of the reference, `key = value`, one blank
/// line between tables, expressions spaced the way ruling prints them; an
/// expression too long for its line is laid out on lines of its own within
/// 100 columns, one operand of a long `and`/`or` chain a line. Comments
/// stay with the key or table they belong to. Formatting never changes
/// what a policy decides. Only valid policies are formatted: a file with
/// problems is left alone; `ruling check` shows its problems. A file whose
/// formatted text would not load (past the 1 MiB limit on a policy file)
/// is left alone too, with the sizes. Folders are searched as `ruling
/// check` searches them.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling fmt\n  \
    ruling fmt --check\n  \
    ruling fmt policies/steam/2024-04-23.toml\n\n\
    Exit codes:\n  \
    0  every file is formatted (with --check: no file would change)\n  \
    1  a file has problems or would not load once formatted, or with\n     \
       --check: a file would change\n  \
    4  a file could not be read or written"
)]
pub(crate) struct Args {
    /// Policy files, or folders searched for policy files
    #[arg(default_value = "policies")]
    paths: Vec<PathBuf>,
    /// Write nothing: list the files that would change, with their first
    /// differences, and exit 1 if any would
    #[arg(long)]
    check: bool,
}

/// What happened to the files, for the closing line.
#[derive(Default)]
struct Tally {
    changed: usize,
    unchanged: usize,
    failed: usize,
}

pub(crate) fn run(args: &Args) -> u8 {
    let (files, problems) = find_policy_files(&args.paths);
    let mut code = exit::OK;
    for problem in &problems {
        eprint(&format!("error: {problem}\n"));
        code = code.max(match problem {
            PolicyError::Io { .. } => exit::IO,
            _ => exit::INVALID_POLICY,
        });
    }
    let mut listing = String::new();
    let mut tally = Tally::default();
    for path in &files {
        code = code.max(format_file(path, args.check, &mut listing, &mut tally));
    }
    listing.push_str(&summary(&tally, args.check));
    if print(&listing).is_err() {
        return exit::IO;
    }
    code
}

/// Formats one file, or with `check` only compares; returns its exit code.
fn format_file(path: &Path, check: bool, listing: &mut String, tally: &mut Tally) -> u8 {
    let name = path.display().to_string();
    let (code, changed) = match formatted(path, &name) {
        Err(code) => (code, None),
        Ok((text, formatted)) if text == formatted => (exit::OK, Some(false)),
        Ok((text, formatted)) if check => {
            listing.push_str(&format!("would reformat  {name}\n"));
            listing.push_str(&diff(&name, &text, &formatted));
            (exit::INVALID_POLICY, Some(true))
        }
        Ok((_, formatted)) => match fs::write(path, formatted) {
            Ok(()) => {
                listing.push_str(&format!("formatted  {name}\n"));
                (exit::OK, Some(true))
            }
            Err(error) => {
                eprint(&format!("error: cannot write `{name}`: {error}\n"));
                (exit::IO, None)
            }
        },
    };
    match changed {
        Some(true) => tally.changed += 1,
        Some(false) => tally.unchanged += 1,
        None => tally.failed += 1,
    }
    code
}

/// The text of a file and its formatted text, or the exit code of the
/// error already reported.
fn formatted(path: &Path, name: &str) -> Result<(String, String), u8> {
    let text = fs::read_to_string(path).map_err(|error| {
        eprint(&format!("error: cannot read `{name}`: {error}\n"));
        exit::IO
    })?;
    match format_policy(&SourceFile::new(name, text.as_str())) {
        Ok(formatted) => Ok((text, formatted)),
        Err(FormatError::Invalid(error)) => {
            eprint(&format!(
                "error: `{name}` was not formatted: it has {} problem(s); `ruling check {name}` shows them\n",
                error.diagnostics.len()
            ));
            Err(exit::INVALID_POLICY)
        }
        Err(error) => {
            eprint(&format!("error: {error}\n"));
            Err(exit::INVALID_POLICY)
        }
    }
}

/// The first places where the formatted text differs, as a unified diff.
fn diff(name: &str, before: &str, after: &str) -> String {
    let diff = TextDiff::from_lines(before, after);
    let mut unified = diff.unified_diff();
    unified.context_radius(2);
    let hunks: Vec<String> = unified.iter_hunks().map(|hunk| hunk.to_string()).collect();
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    for hunk in hunks.iter().take(SHOWN_HUNKS) {
        out.push_str(hunk);
    }
    if let Some(more) = hunks
        .len()
        .checked_sub(SHOWN_HUNKS)
        .filter(|more| *more > 0)
    {
        out.push_str(&format!("… and {more} more place(s)\n"));
    }
    out
}

fn summary(tally: &Tally, check: bool) -> String {
    let files = tally.changed + tally.unchanged + tally.failed;
    let changed = if check {
        "would be reformatted"
    } else {
        "formatted"
    };
    let mut line = format!(
        "{files} policy file(s): {} {changed}, {} already formatted",
        tally.changed, tally.unchanged
    );
    if tally.failed > 0 {
        line.push_str(&format!(", {} not formatted", tally.failed));
    }
    line.push('\n');
    line
}
