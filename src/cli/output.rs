//! Writing to stdout and stderr without panicking on a closed pipe, and
//! deciding whether to use colour.

use std::io::{self, IsTerminal, Write};

use ruling::diagnostic::{Diagnostic, SourceFile, render};

/// Whether a stream that is (or is not) a terminal should get colour,
/// honouring `NO_COLOR` and `CLICOLOR_FORCE`.
fn colour_for(is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    set("CLICOLOR_FORCE") || is_terminal
}

pub fn stdout_colour() -> bool {
    colour_for(io::stdout().is_terminal())
}

pub fn stderr_colour() -> bool {
    colour_for(io::stderr().is_terminal())
}

/// Writes all of `text` to stdout. A reader that went away (`| head`) is
/// not an error.
pub fn print(text: &str) -> io::Result<()> {
    ignore_broken_pipe(io::stdout().lock().write_all(text.as_bytes()))
}

pub fn eprint(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

fn ignore_broken_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Renders diagnostics about a file to stderr.
pub fn report(diagnostics: &[Diagnostic], file: &SourceFile) {
    eprint(&render(diagnostics, file, stderr_colour(), 100));
}
