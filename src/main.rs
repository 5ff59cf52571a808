//! The `ruling` command line: everything is in the library's `cli`
//! module, so the binary only hands over to it.

fn main() -> std::process::ExitCode {
    ruling::cli::run()
}
