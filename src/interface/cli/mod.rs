//! The `ruling` command line, as the `ruling` binary runs it: argument
//! parsing, the exit codes, one file per subcommand. A program that wants
//! the command line inside it (another binary name, a wrapper) calls
//! [`run`]; everything else here is internal.

mod batch;
mod check;
mod completions;
mod decide;
mod diff;
mod explain;
mod fmt;
mod lint;
mod log;
mod mcp;
mod new;
mod output;
mod progress;
mod schema;
mod serve;
mod studio;
mod test;
mod why;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in the README and in `--help`.
pub(crate) mod exit {
    /// A decision was made (whatever its outcome), all policies are valid,
    /// or a diff ran (whatever changed).
    pub(crate) const OK: u8 = 0;
    /// A policy file has problems, or `fmt --check` would change one.
    pub(crate) const INVALID_POLICY: u8 = 1;
    /// `ruling test`: a case failed, or coverage is below the minimum.
    pub(crate) const TEST_FAILED: u8 = 1;
    /// The command line is wrong (clap's own code).
    pub(crate) const USAGE: u8 = 2;
    /// The request was rejected: malformed, wrong types, or a broken constraint;
    /// for a diff, not one request could be decided by both versions.
    pub(crate) const INVALID_REQUEST: u8 = 3;
    /// A file could not be read or written (the records database included).
    pub(crate) const IO: u8 = 4;
    /// `ruling why`: no recorded decision has the id, or more than one
    /// starts with the prefix.
    pub(crate) const NOT_FOUND: u8 = 5;
}

const EXIT_CODES: &str = "\
Examples:
  ruling check
  ruling check --format github
  ruling decide policies/iptv-smarters-pro policies/iptv-smarters-pro/cases/approve-within-window.json
  ruling decide policies/iptv-smarters-pro request.json --format json
  ruling explain policies/iptv-smarters-pro request.json --outcome approve
  ruling new store-credit
  ruling schema request policies/steam > steam-request.schema.json
  ruling diff OLD.toml NEW.toml --requests requests.ndjson
  ruling decide policies/steam request.json --record=decisions.db
  ruling why 3f9c2a7d --record=decisions.db
  ruling serve --addr 127.0.0.1:8080 policies
  ruling mcp policies
  ruling studio policies

Exit codes:
  0  a decision was made (any outcome), every policy is valid, every case
     passed, or a diff ran
  1  a policy file has problems, or a case failed
  2  the command line is wrong
  3  the request was rejected (malformed JSON, wrong types, broken constraint);
     for diff: not one request could be decided by both versions
  4  a file could not be read or written (the decision records included)
  5  why: no recorded decision has the id, or the prefix is ambiguous";

#[derive(Parser)]
#[command(
    name = "ruling",
    version,
    about = "Refund policies as readable, checked rules; decisions with reasons anyone can follow",
    long_about = "Refund policies as readable, checked rules; decisions with reasons anyone can follow.\n\n\
                  Policies are TOML files (see docs/policy-language.md). `ruling check` type-checks them;\n\
                  `ruling decide` decides a JSON request and prints the outcome with a trace of every rule;\n\
                  `ruling explain` says why, why not, and what change to the request would decide otherwise;\n\
                  `ruling new` starts a policy; `ruling schema` prints JSON Schemas for editors and programs;\n\
                  `ruling diff` compares two versions of a policy and their decisions on many requests;\n\
                  `ruling fmt` rewrites policy files in one canonical layout;\n\
                  `ruling why` and `ruling log` show decisions recorded with `decide --record`;\n\
                  `ruling serve` answers over HTTP, `ruling mcp` over the Model Context Protocol;\n\
                  `ruling studio` opens the policies in a workbench in the browser.",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Decide(decide::Args),
    Explain(explain::Args),
    Test(test::Args),
    Schema(schema::Args),
    New(new::Args),
    Completions(completions::Args),
    Diff(diff::Args),
    Fmt(fmt::Args),
    Lint(lint::Args),
    Why(why::Args),
    Log(log::Args),
    Serve(serve::Args),
    Mcp(mcp::Args),
    Studio(studio::Args),
}

/// Parses a `YYYY-MM-DD` date argument.
fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!("`{text}` is not a date; write it as YYYY-MM-DD, for example 2025-03-01")
    })
}

/// Runs the command line with the process's arguments and returns its
/// exit code: `ruling`'s whole `main`.
///
/// ```
/// // The `ruling` binary's main. Here, without a subcommand among the
/// // arguments, it prints the usage to stderr and returns exit code 2.
/// let code: std::process::ExitCode = ruling::cli::run();
/// # let _ = code;
/// ```
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            let code = if error.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Decide(args) => decide::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Test(args) => test::run_tests(&args),
        Command::Schema(args) => schema::run(&args),
        Command::New(args) => new::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Why(args) => why::run(&args),
        Command::Log(args) => log::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Mcp(args) => mcp::run(&args),
        Command::Studio(args) => studio::run(&args),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
