//! `ruling completions`: shell completion scripts.

use clap::CommandFactory;
use clap_complete::Shell;

use super::exit;
use super::output::print;

/// Print a shell completion script
///
/// Load it in the shell's start-up file, or save it where the shell looks
/// for completions.
#[derive(clap::Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    ruling completions bash > ~/.local/share/bash-completion/completions/ruling\n  \
    ruling completions zsh > ~/.zfunc/_ruling\n  \
    ruling completions fish > ~/.config/fish/completions/ruling.fish\n  \
    ruling completions powershell >> $PROFILE\n  \
    ruling completions elvish >> ~/.config/elvish/rc.elv"
)]
pub(crate) struct Args {
    /// The shell
    shell: Shell,
}

pub(crate) fn run(args: &Args) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut super::Cli::command(),
        "ruling",
        &mut script,
    );
    if print(&String::from_utf8_lossy(&script)).is_err() {
        return exit::IO;
    }
    exit::OK
}
