//! The `ruling` command line: everything is in the library's
//! `interface::cli`, so the binary only hands over to it.

fn main() -> std::process::ExitCode {
    ruling::interface::cli::run()
}
