//! Argument parsing and the exit codes; one file per subcommand.

mod check;
mod decide;
mod fmt;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in the README and in `--help`.
pub mod exit {
    /// A decision was made (whatever its outcome), or all policies are valid.
    pub const OK: u8 = 0;
    /// A policy file has problems, or `fmt --check` would change one.
    pub const INVALID_POLICY: u8 = 1;
    /// The command line is wrong (clap's own code).
    pub const USAGE: u8 = 2;
    /// The request was rejected: malformed, wrong types, or a broken constraint.
    pub const INVALID_REQUEST: u8 = 3;
    /// A file could not be read or written.
    pub const IO: u8 = 4;
}

const EXIT_CODES: &str = "\
Examples:
  ruling check
  ruling decide policies/iptv-smarters-pro policies/iptv-smarters-pro/cases/approve-within-window.json
  ruling decide policies/iptv-smarters-pro request.json --format json
  ruling fmt --check

Exit codes:
  0  a decision was made (any outcome), or every policy is valid
  1  a policy file has problems (with `fmt --check`: or is not formatted)
  2  the command line is wrong
  3  the request was rejected (malformed JSON, wrong types, broken constraint)
  4  a file could not be read or written";

#[derive(Parser)]
#[command(
    name = "ruling",
    version,
    about = "Refund policies as readable, checked rules; decisions with reasons anyone can follow",
    long_about = "Refund policies as readable, checked rules; decisions with reasons anyone can follow.\n\n\
                  Policies are TOML files (see docs/policy-language.md). `ruling check` type-checks them;\n\
                  `ruling decide` decides a JSON request and prints the outcome with a trace of every rule;\n\
                  `ruling fmt` rewrites policy files in one canonical layout.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Decide(decide::Args),
    Fmt(fmt::Args),
}

/// Runs the command line and returns the process's exit code.
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
        Command::Fmt(args) => fmt::run(&args),
    };
    ExitCode::from(code)
}
