//! `ruling diff OLD NEW --symbolic`: the changes found without a corpus
//! include every change the shipped cases show, and each group's example
//! is decided by both versions as the group says.

use std::collections::BTreeSet;

use ruling::SourceFile;

use crate::cli::ruling;
use crate::support::root;

const OLD: &str = "policies/iptv-smarters-pro/2025-01-22.toml";
const NEW: &str = "policies/iptv-smarters-pro/2025-06-01.toml";

/// The shipped IPTV cases as NDJSON, one case a line.
fn shipped_cases() -> Vec<u8> {
    let folder = root().join("policies/iptv-smarters-pro/cases");
    let mut paths: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        out.extend(serde_json::to_vec(&case).unwrap());
        out.push(b'\n');
    }
    out
}

fn load(path: &str) -> ruling::Policy {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    ruling::load(SourceFile::new(path, text)).unwrap()
}

#[test]
fn every_change_the_corpus_shows_is_found_symbolically() {
    let cases = shipped_cases();
    let run = ruling(
        &[
            "diff",
            OLD,
            NEW,
            "--requests",
            "-",
            "--symbolic",
            "--format",
            "json",
        ],
        Some(&cases),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let corpus: BTreeSet<(String, String)> = report["decisions"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["old"]["rule"].as_str().unwrap().to_owned(),
                line["new"]["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(!corpus.is_empty());
    let symbolic = &report["symbolic"];
    assert_eq!(symbolic["complete"], true);
    let groups: BTreeSet<(String, String)> = symbolic["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            (
                group["old"]["rule"].as_str().unwrap().to_owned(),
                group["new"]["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let missed: Vec<_> = corpus.difference(&groups).collect();
    assert!(missed.is_empty(), "not found symbolically: {missed:?}");
    let (old, new) = (load(OLD), load(NEW));
    for group in symbolic["groups"].as_array().unwrap() {
        let example = serde_json::to_vec(&group["example"]).unwrap();
        let before = ruling::decide_json(&old, &example).unwrap();
        let after = ruling::decide_json(&new, &example).unwrap();
        assert_eq!(before.rule.id, group["old"]["rule"].as_str().unwrap());
        assert_eq!(after.rule.id, group["new"]["rule"].as_str().unwrap());
    }
}

#[test]
fn a_version_against_itself_changes_nothing() {
    let run = ruling(&["diff", NEW, NEW, "--symbolic"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "no valid request changes its deciding rule, outcome or effects: every request cell was enumerated"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn versions_with_other_fields_are_refused() {
    let steam = "policies/steam/2024-04-23.toml";
    let run = ruling(&["diff", NEW, steam, "--symbolic"], None);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("the two versions declare different fields"),
        "{}",
        run.stderr
    );
}
