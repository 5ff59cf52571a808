//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use ruling::PolicyError;
use ruling::{SourceFile, render_diagnostics as render};

/// The crate's root folder, where `policies/` and `tests/` are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, with `/` separators, for snapshots.
pub fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

/// Renders policy problems the way `ruling check` does, without colour.
pub fn render_problems(errors: &[PolicyError]) -> String {
    let mut out = String::new();
    for error in errors {
        match error {
            PolicyError::Invalid(error) => {
                let file = SourceFile::new(
                    relative(Path::new(&error.file.name)),
                    error.file.text.clone(),
                );
                out.push_str(&render(&error.diagnostics, &file, false, 80));
            }
            other => out.push_str(&format!("{other}\n")),
        }
    }
    out
}

/// Copies a folder and everything in it, for tests that change files.
pub fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
