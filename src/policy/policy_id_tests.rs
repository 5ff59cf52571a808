//! `folder::policy_folder`: a policy id from outside cannot leave the root.

use std::fs;
use std::path::Path;

use crate::policy::folder::{PolicyIdError, policy_folder};

/// A root with policy `steam`, and a folder `outside` beside the root.
fn layout() -> (tempfile::TempDir, std::path::PathBuf) {
    let base = tempfile::tempdir().unwrap();
    let root = base.path().join("policies");
    fs::create_dir_all(root.join("steam")).unwrap();
    fs::write(root.join("steam/2024-04-23.toml"), "format = 1\n").unwrap();
    fs::create_dir_all(base.path().join("outside")).unwrap();
    fs::write(base.path().join("outside/secret.toml"), "format = 1\n").unwrap();
    (base, root)
}

#[test]
fn a_valid_id_gives_the_canonical_folder() {
    let (_base, root) = layout();
    let folder = policy_folder(&root, "steam").unwrap();
    assert_eq!(folder, fs::canonicalize(root.join("steam")).unwrap());
}

#[test]
fn ids_with_dots_slashes_or_capitals_are_refused_before_any_lookup() {
    let (_base, root) = layout();
    for id in [
        "",
        "..",
        "../outside",
        "./steam",
        "/etc",
        "/",
        "steam/..",
        "Steam",
        "a.b",
        "a b",
        "-steam",
        "steam\0",
        "..\\outside",
        "C:\\x",
        "stéam",
    ] {
        let error = policy_folder(&root, id).unwrap_err();
        assert!(
            matches!(error, PolicyIdError::InvalidId(_)),
            "{id:?}: {error}"
        );
    }
    let error = policy_folder(&root, "../outside").unwrap_err();
    assert_eq!(
        error.to_string(),
        "`../outside` is not a valid policy id: use lowercase letters, digits and `-`"
    );
}

#[test]
fn a_missing_policy_is_not_found() {
    let (_base, root) = layout();
    let error = policy_folder(&root, "epic").unwrap_err();
    assert!(matches!(error, PolicyIdError::NotFound { .. }), "{error}");
    // A file is not a policy folder.
    fs::write(root.join("notes"), "").unwrap();
    let error = policy_folder(&root, "notes").unwrap_err();
    assert!(matches!(error, PolicyIdError::NotFound { .. }), "{error}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_folder_that_leads_outside_is_refused() {
    let (base, root) = layout();
    std::os::unix::fs::symlink(base.path().join("outside"), root.join("evil")).unwrap();
    let error = policy_folder(&root, "evil").unwrap_err();
    assert!(matches!(error, PolicyIdError::Escapes { .. }), "{error}");
    // A symlink to the root itself leads nowhere new, and is refused too.
    std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
    let error = policy_folder(&root, "loop").unwrap_err();
    assert!(matches!(error, PolicyIdError::Escapes { .. }), "{error}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_version_file_that_leads_outside_is_refused() {
    let (base, root) = layout();
    std::os::unix::fs::symlink(
        base.path().join("outside/secret.toml"),
        root.join("steam/2025-01-01.toml"),
    )
    .unwrap();
    let error = policy_folder(&root, "steam").unwrap_err();
    assert!(matches!(error, PolicyIdError::Escapes { .. }), "{error}");
}

#[cfg(unix)]
#[test]
fn a_symlink_that_stays_under_the_root_is_followed() {
    let (_base, root) = layout();
    std::os::unix::fs::symlink(root.join("steam"), root.join("valve")).unwrap();
    let folder = policy_folder(&root, "valve").unwrap();
    assert_eq!(folder, fs::canonicalize(root.join("steam")).unwrap());
}

#[test]
fn the_shipped_policies_are_found() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    for id in ["steam", "iptv-smarters-pro"] {
        let folder = policy_folder(&root, id).unwrap();
        assert!(crate::load_set(&folder).is_ok(), "{id}");
    }
}
