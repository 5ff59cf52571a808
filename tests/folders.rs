//! Symbolic links in policy folders: a loop ends the search with a message,
//! a link leading outside the folder given is refused without showing what
//! it leads to, and links within it are followed.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use crate::cli::Run;
use crate::deadline::ruling_within;
use crate::support::copy_folder;
use crate::support::root;

/// Long enough for a debug build on a busy machine; a search that loops
/// runs until it is killed.
const DEADLINE: Duration = Duration::from_secs(60);

/// What a file outside the policy folders holds; no output may show it.
const SECRET: &str = "SECRET-MARKER-7f3a";

/// A copy of the shipped `steam` policy folder, with its cases, at `to`.
fn steam_at(to: &Path) {
    copy_folder(&root().join("policies/steam"), to);
}

/// The folder commands run on `dir` (from `folder`): each must finish
/// before the deadline.
fn every_folder_command(folder: &Path, dir: &str) -> Vec<(String, Run)> {
    let commands: [&[&str]; 5] = [
        &["check", dir],
        &["check", "--format", "json", dir],
        &["test", dir],
        &["fmt", "--check", dir],
        &["serve", "--addr", "127.0.0.1:0", dir],
    ];
    commands
        .iter()
        .map(|args| {
            let (run, _) = ruling_within(folder, args, DEADLINE)
                .unwrap_or_else(|| panic!("`ruling {}` did not finish", args.join(" ")));
            (args.join(" "), run)
        })
        .collect()
}

/// Every command failed with exit 1 and said `expected` (JSON escapes
/// aside), and none showed the secret.
fn all_refuse(runs: &[(String, Run)], expected: &[&str]) {
    for (command, run) in runs {
        let output = format!("{}{}", run.stdout, run.stderr).replace("\\\\", "\\");
        assert_eq!(run.code, 1, "`ruling {command}`:\n{}", run.transcript());
        for part in expected {
            assert!(
                output.contains(part),
                "`ruling {command}` does not say {part:?}:\n{}",
                run.transcript()
            );
        }
        assert!(
            !output.contains(SECRET),
            "`ruling {command}` shows the file:\n{}",
            run.transcript()
        );
    }
}

#[test]
fn a_symlink_loop_ends_every_search_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    steam_at(&policies.join("steam"));
    symlink(".", policies.join("a")).unwrap();
    symlink(".", policies.join("b")).unwrap();
    let runs = every_folder_command(dir.path(), "policies");
    all_refuse(&runs, &["`policies/a` is a symbolic link to `", "a loop"]);
}

#[test]
fn a_link_to_an_ancestor_deeper_down_is_a_loop_too() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    steam_at(&policies.join("shop/steam"));
    symlink("../..", policies.join("shop/steam/up")).unwrap();
    let runs = every_folder_command(dir.path(), "policies");
    all_refuse(&runs, &["`policies/shop/steam/up`", "a loop"]);
}

#[test]
fn a_version_file_linked_outside_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let secret = outside.join("passwd");
    fs::write(&secret, format!("{SECRET}:x:0:0\nroot:x:0:0\n")).unwrap();
    let policies = dir.path().join("policies");
    steam_at(&policies.join("steam"));
    symlink(&secret, policies.join("steam/leak.toml")).unwrap();
    let named = [
        "`policies/steam/leak.toml` leads to `",
        "passwd` through a symbolic link, outside `",
    ];
    all_refuse(&every_folder_command(dir.path(), "policies"), &named);
    // The policy folder named on its own, by every command that loads one.
    let case = "policies/steam/cases/bundle-one-item-gifted-away-review.json";
    let single: [&[&str]; 4] = [
        &["check", "policies/steam"],
        &["decide", "policies/steam", case],
        &["explain", "policies/steam", case],
        &["test", "policies/steam/2024-04-23.toml"],
    ];
    let runs: Vec<(String, Run)> = single
        .iter()
        .map(|args| {
            let (run, _) = ruling_within(dir.path(), args, DEADLINE).unwrap();
            (args.join(" "), run)
        })
        .collect();
    all_refuse(&runs, &named);
}

#[test]
fn a_case_file_linked_outside_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.json");
    fs::write(&secret, format!("{{\"{SECRET}\": 1}}")).unwrap();
    let policies = dir.path().join("policies");
    steam_at(&policies.join("steam"));
    symlink(&secret, policies.join("steam/cases/leak.json")).unwrap();
    let (run, _) = ruling_within(dir.path(), &["test", "policies"], DEADLINE).unwrap();
    all_refuse(
        &[("test policies".to_owned(), run)],
        &[
            "`policies/steam/cases/leak.json` leads to `",
            "secret.json`",
        ],
    );
}

#[test]
fn a_policy_folder_linked_from_outside_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere/steam");
    steam_at(&elsewhere);
    let policies = dir.path().join("policies");
    steam_at(&policies.join("own"));
    fs::write(
        policies.join("own/2024-04-23.toml"),
        fs::read_to_string(policies.join("own/2024-04-23.toml"))
            .unwrap()
            .replace("id = \"steam\"", "id = \"own\""),
    )
    .unwrap();
    symlink(&elsewhere, policies.join("steam")).unwrap();
    let runs = every_folder_command(dir.path(), "policies");
    all_refuse(
        &runs,
        &[
            "`policies/steam` leads to `",
            "elsewhere/steam` through a symbolic link, outside `",
        ],
    );
}

#[test]
fn links_within_the_folder_and_a_linked_root_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    steam_at(&policies.join("archive/steam"));
    // A second way to the same folder: searched once, under its own name.
    symlink("archive/steam", policies.join("current")).unwrap();
    symlink("policies", dir.path().join("linked")).unwrap();
    for root in ["policies", "linked"] {
        let (run, _) = ruling_within(dir.path(), &["check", root], DEADLINE).unwrap();
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert_eq!(
            run.stdout,
            format!(
                "ok  {root}/archive/steam/2024-04-23.toml  (steam version 2024-04-23: 19 fields, 13 rules)\n\
                 1 policy file(s) checked, all valid\n"
            )
        );
        let (run, _) = ruling_within(dir.path(), &["test", root], DEADLINE).unwrap();
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
}
