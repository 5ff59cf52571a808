//! `ruling fmt`. On every shipped policy, and on a scrambled copy of each
//! (keys and tables out of order, odd spacing, expressions over several
//! lines): formatting twice changes nothing, formatting never changes a
//! decision, comments survive, and the layout does not depend on how the
//! file was written. A messy policy's formatted text is snapshotted. The
//! binary runs on scratch copies, never on the shipped files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cli::ruling_in;
use crate::support::root;

const MESSY: &str = "tests/fixtures/format/messy.toml";

/// A scratch folder under the build's temporary folder, emptied.
fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

/// The messy policy in canonical layout, as the formatter's own snapshot
/// (`src/tools/format/layout_tests.rs`) holds it.
fn canonical_messy() -> String {
    let snapshot = read(&root().join(
        "src/tools/format/snapshots/ruling__tools__format__layout_tests__a_messy_policy_in_canonical_layout.snap",
    ));
    let (_, body) = snapshot.split_once("\n---\n").unwrap();
    body.to_owned()
}

fn scratch(name: &str) -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&folder);
    fs::create_dir_all(&folder).unwrap();
    folder
}

#[test]
fn fmt_check_lists_what_would_change_and_writes_nothing() {
    let folder = scratch("fmt-check");
    fs::copy(root().join(MESSY), folder.join("messy.toml")).unwrap();
    let before = read(&folder.join("messy.toml"));
    let run = ruling_in(&folder, &["fmt", "--check", "messy.toml"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        read(&folder.join("messy.toml")),
        before,
        "--check writes nothing"
    );
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn fmt_rewrites_the_file_and_then_check_passes() {
    let folder = scratch("fmt-write");
    fs::create_dir_all(folder.join("shop/cases")).unwrap();
    fs::copy(root().join(MESSY), folder.join("shop/2025-01-01.toml")).unwrap();
    // `cases` folders are not searched, like `ruling check` does.
    fs::write(folder.join("shop/cases/not-a-policy.toml"), "x = ").unwrap();
    let run = ruling_in(&folder, &["fmt", "."], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.transcript());
    let formatted = read(&folder.join("shop/2025-01-01.toml"));
    assert_eq!(formatted, canonical_messy());
    let again = ruling_in(&folder, &["fmt", "--check", "."], None);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(
        again
            .stdout
            .ends_with("1 policy file(s): 0 would be reformatted, 1 already formatted\n")
    );
}

#[test]
fn fmt_check_passes_on_the_shipped_policies() {
    let run = ruling_in(&root(), &["fmt", "--check"], None);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stderr.is_empty());
}

#[test]
fn fmt_refuses_a_broken_policy_and_points_to_check() {
    let folder = scratch("fmt-broken");
    let broken = "tests/fixtures/policies/unknown-field-in-condition.toml";
    fs::copy(root().join(broken), folder.join("broken.toml")).unwrap();
    let before = read(&folder.join("broken.toml"));
    let run = ruling_in(&folder, &["fmt", "broken.toml"], None);
    assert_eq!(run.code, 1);
    assert_eq!(read(&folder.join("broken.toml")), before);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn fmt_of_a_missing_file_exits_4() {
    let run = ruling_in(
        &scratch("fmt-missing"),
        &["fmt", "no/such/policy.toml"],
        None,
    );
    assert_eq!(run.code, 4);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn fmt_help_has_examples() {
    let run = ruling_in(&root(), &["fmt", "--help"], None);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.transcript());
}

/// A valid policy of `rules` rules written without spaces or blank lines,
/// each rule's reason padded to `reason_bytes`: the canonical layout adds
/// about 15 bytes a rule.
fn dense_policy(rules: usize, reason_bytes: usize) -> String {
    let reason = "x".repeat(reason_bytes);
    let mut text = String::from(
        "format=1\n[policy]\nid=\"p\"\nversion=\"1\"\ntitle=\"P\"\neffective_date=2025-01-01\n\
         [[field]]\npath=\"a\"\ntype=\"integer\"\ndescription=\"A\"\n",
    );
    for n in 0..rules {
        text.push_str(&format!(
            "[[rule]]\nid=\"r{n}\"\nclause=\"x\"\nsection=\"eligibility\"\nwhen=\"a>{n}\"\noutcome=\"approve\"\nreason=\"{reason}\"\n"
        ));
    }
    text.push_str("[default]\nid=\"d\"\nclause=\"x\"\noutcome=\"deny\"\nreason=\"No.\"\n");
    text
}

#[test]
fn fmt_refuses_a_layout_past_the_size_limit_and_leaves_the_file() {
    let limit = ruling::limits::MAX_POLICY_BYTES;
    let text = dense_policy(ruling::limits::MAX_RULES, 5);
    assert!(text.len() <= limit, "{} bytes", text.len());
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("big.toml");
    fs::write(&file, &text).unwrap();
    let check = ruling_in(folder.path(), &["check", "big.toml"], None);
    assert_eq!(check.code, 0, "the file is valid: {}", check.stderr);
    for args in [&["fmt", "big.toml"][..], &["fmt", "--check", "big.toml"]] {
        let run = ruling_in(folder.path(), args, None);
        assert_eq!(run.code, 1, "{}", run.transcript());
        let grown: usize = run
            .stderr
            .strip_prefix("error: formatting `big.toml` would make it ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|bytes| bytes.parse().ok())
            .unwrap_or_else(|| panic!("{}", run.stderr));
        assert!(grown > limit, "{}", run.stderr);
        let why = format!(
            " bytes, more than the limit of {limit} bytes for a policy file (it is {} bytes now), so it was left as it is",
            text.len()
        );
        assert!(run.stderr.contains(&why), "{}", run.stderr);
        assert_eq!(read(&file), text, "the file is unchanged");
    }
    let check = ruling_in(folder.path(), &["check", "big.toml"], None);
    assert_eq!(check.code, 0, "the file still loads: {}", check.stderr);
}
