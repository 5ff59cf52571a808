//! Writing to stdout and stderr without panicking on a closed pipe, and
//! deciding whether to use colour.

use std::io::{self, IsTerminal, Write};

use crate::diagnostic::{Diagnostic, SourceFile, render};

/// Whether a stream that is (or is not) a terminal should get colour,
/// honouring `NO_COLOR` and `CLICOLOR_FORCE`.
fn colour_for(is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    set("CLICOLOR_FORCE") || is_terminal
}

pub(crate) fn stdout_colour() -> bool {
    colour_for(io::stdout().is_terminal())
}

pub(crate) fn stderr_colour() -> bool {
    colour_for(io::stderr().is_terminal())
}

/// Writes all of `text` to stdout and flushes it. A reader that went away
/// (`| head`) is not an error; any other failure (a full disk) is reported
/// on stderr, so that the caller only has to exit with its code.
pub(crate) fn print(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    let result = ignore_broken_pipe(written);
    if let Err(error) = &result {
        eprint(&format!("error: cannot write the output: {error}\n"));
    }
    result
}

pub(crate) fn eprint(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

fn ignore_broken_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Renders diagnostics about a file to stderr.
pub(crate) fn report(diagnostics: &[Diagnostic], file: &SourceFile) {
    eprint(&render(diagnostics, file, stderr_colour(), 100));
}
