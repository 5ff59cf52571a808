//! A report grows in proportion to the problems it reports: the line and
//! column of each come from an index of the file, not from reading the
//! file again up to the problem.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::deadline::ruling_within;

const HEADER: &str = "format = 1\n\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01\n\n[[field]]\npath = \"a\"\ntype = \"integer\"\ndescription = \"A\"\n";

const DEFAULT: &str =
    "\n[default]\nid = \"d\"\nclause = \"§1\"\noutcome = \"deny\"\nreason = \"No.\"\n";

/// A policy whose rules each name an unknown field: one problem a rule.
fn policy_with_problems(count: usize) -> String {
    let rules: String = (0..count)
        .map(|n| {
            format!(
                "\n[[rule]]\nid = \"r{n}\"\nclause = \"§2\"\nsection = \"eligibility\"\nwhen = \"nope > {n}\"\noutcome = \"approve\"\nreason = \"Yes.\"\n"
            )
        })
        .collect();
    format!("{HEADER}{rules}{DEFAULT}")
}

const FEW: usize = 1_000;

/// Four times the problems may take at most this many times as long (a
/// report that rereads the file for each problem took 30 times as long;
/// a linear one takes about 4 times, and the other tests of the run share
/// the machine).
const MOST_SLOWDOWN: u32 = 16;

/// How long a run of `args` (with `POLICY` standing for the file) takes on
/// `FEW` problems, at best of three, and whether four times the problems
/// finish within `MOST_SLOWDOWN` times that (given three tries, so that a
/// busy machine does not fail the test).
fn scales(folder: &Path, args: &[&str]) -> Result<(), String> {
    let run = |file: &str, limit: Duration| {
        let args: Vec<&str> = args
            .iter()
            .map(|arg| if *arg == "POLICY" { file } else { arg })
            .collect();
        ruling_within(folder, &args, limit)
    };
    let few = (0..3)
        .map(|_| {
            let (done, took) = run("few.toml", Duration::from_secs(600)).unwrap();
            assert_eq!(done.code, 1, "{}", done.stdout);
            assert_eq!(problems(&done), FEW, "{args:?}");
            took
        })
        .min()
        .unwrap();
    let limit = few * MOST_SLOWDOWN;
    for _ in 0..3 {
        if let Some((done, _)) = run("many.toml", limit) {
            assert_eq!(problems(&done), 4 * FEW, "{args:?}");
            return Ok(());
        }
    }
    Err(format!(
        "`ruling {}` on {} problems took over {limit:?}, {MOST_SLOWDOWN} times as long as on {FEW} ({few:?})",
        args.join(" "),
        4 * FEW
    ))
}

/// How many problems a run reported, in text or JSON.
fn problems(run: &crate::cli::Run) -> usize {
    let output = format!("{}{}", run.stdout, run.stderr);
    output.matches("unknown name `nope`").count()
}

#[test]
fn check_and_decide_take_time_in_proportion_to_the_problems() {
    let folder = tempfile::tempdir().unwrap();
    fs::write(folder.path().join("few.toml"), policy_with_problems(FEW)).unwrap();
    fs::write(
        folder.path().join("many.toml"),
        policy_with_problems(4 * FEW),
    )
    .unwrap();
    let commands: [&[&str]; 3] = [
        &["check", "POLICY"],
        &["check", "--format", "json", "POLICY"],
        &["decide", "POLICY", "-"],
    ];
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|args| scales(folder.path(), args).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
