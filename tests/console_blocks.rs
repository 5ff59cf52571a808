//! The README and the docs are the contract users read: every `$ ruling …`
//! command in a ```` ```console ```` block must print what the block shows.
//!
//! The rules, kept simple so that a doc writer can predict them:
//!
//! - A block is a fence opened by ```` ```console ```` in `README.md` or
//!   `docs/*.md`, also inside a `>` quote (whose marker is dropped).
//! - A line starting with `$ ` is a command; the lines after it, up to the
//!   next command or the end of the block, are its output.
//! - A command runs when it starts with `ruling `, or starts with `echo ` or
//!   `printf ` and pipes into `ruling`, unless it is in [`SKIPPED`] or starts
//!   a server (`ruling serve`, `studio`, `mcp`). `$ echo $?` does not run: its
//!   output is the exit code of the command before it. Every other command
//!   (`cargo`, `cd`, `python3`, `.ci/run`, `npx`) is skipped, output and all.
//! - A command runs with `sh -c`, the binary under test first on `PATH`,
//!   `NO_COLOR` set, no standard input of its own, and standard error joined
//!   to standard output as a terminal shows them (the command's own `2>&1`
//!   or `2>/dev/null` still apply).
//! - It runs from the repository root, unless its block writes files (a
//!   command runs `ruling new` or has `--record`) or names a story file: a
//!   file that the document saved earlier, in a block after a paragraph
//!   ending "… as `NAME`:". Such a block runs in a temporary folder holding a
//!   copy of `policies/` and the document's story files, with the changes
//!   of [`EDITS`] that its prose asks for; its commands share the folder.
//! - Outputs are compared line by line, after trimming trailing whitespace
//!   and dropping trailing blank lines. A shown line that is exactly `…`
//!   matches any number of lines; a shown line ending in ` …` matches one
//!   line that starts with the text before it.
//! - A command shown without output must exit with 0, unless an `echo $?`
//!   after it shows another code.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{copy_folder, root};

/// Commands not run, by how they start, with the reason.
const SKIPPED: &[(&str, &str)] = &[(
    "ruling completions ",
    "installs a completion script into the home folder",
)];

/// Changes the prose asks the reader to make to a story file before a
/// block: words of the paragraph just before the block, the file, the text
/// and what replaces it.
const EDITS: &[(&str, &str, &str, &str)] = &[(
    "misspelled `days_since_ordr`",
    "store-credit.toml",
    r#"when = "days_since_order <= 30""#,
    r#"when = "days_since_ordr <= 30""#,
)];

/// The documents whose console blocks are checked, relative to the root.
fn documents() -> Vec<PathBuf> {
    let mut documents = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .map(|path| path.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    docs.sort();
    documents.extend(docs);
    documents
}

/// A `$ ` line of a console block and the lines shown after it.
struct Shown {
    /// The 1-based line of the command in its document.
    line: usize,
    command: String,
    output: Vec<String>,
}

/// A console block, with what the document says before it.
struct Block {
    commands: Vec<Shown>,
    /// The paragraph just before the block, its lines joined by spaces.
    prose: String,
    /// The story files saved earlier in the document: name and text.
    story: Vec<(String, String)>,
}

/// The console blocks of a document, in order.
fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut story: Vec<(String, String)> = Vec::new();
    // The last paragraph, and whether a blank line has ended it.
    let mut paragraph: Vec<&str> = Vec::new();
    let mut ended = false;
    let mut lines = text.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        let (quoted, fence) = match line.strip_prefix('>') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, line),
        };
        let Some(info) = fence.strip_prefix("```") else {
            if line.trim().is_empty() {
                ended = true;
            } else {
                if ended {
                    paragraph.clear();
                    ended = false;
                }
                paragraph.push(line.trim());
            }
            continue;
        };
        let prose = paragraph.join(" ");
        paragraph.clear();
        ended = false;
        let mut body = Vec::new();
        for (index, line) in lines.by_ref() {
            let line = if quoted {
                let rest = line.strip_prefix('>').unwrap_or(line);
                rest.strip_prefix(' ').unwrap_or(rest)
            } else {
                line
            };
            if line.starts_with("```") {
                break;
            }
            body.push((index + 1, line));
        }
        if info.trim() == "console" {
            blocks.push(Block {
                commands: commands(&body),
                prose,
                story: story.clone(),
            });
        } else if let Some(name) = saved_as(&prose) {
            let text: String = body.iter().map(|(_, line)| format!("{line}\n")).collect();
            story.retain(|(saved, _)| *saved != name);
            story.push((name, text));
        }
    }
    blocks
}

/// `NAME` when a paragraph ends with "as `NAME`:".
fn saved_as(prose: &str) -> Option<String> {
    let before = prose.strip_suffix("`:")?;
    let (before, name) = before.rsplit_once('`')?;
    before.ends_with(" as ").then(|| name.to_owned())
}

/// The commands of a block and the output shown after each.
fn commands(body: &[(usize, &str)]) -> Vec<Shown> {
    let mut commands: Vec<Shown> = Vec::new();
    for &(line, text) in body {
        if let Some(command) = text.strip_prefix("$ ") {
            commands.push(Shown {
                line,
                command: command.to_owned(),
                output: Vec::new(),
            });
        } else if let Some(last) = commands.last_mut() {
            last.output.push(text.to_owned());
        }
    }
    commands
}

/// Why a command is not run, or `None` when it is.
fn skip_reason(command: &str) -> Option<&'static str> {
    if let Some((_, reason)) = SKIPPED.iter().find(|(start, _)| command.starts_with(start)) {
        return Some(reason);
    }
    let piped_into_ruling = (command.starts_with("echo ") || command.starts_with("printf "))
        && command.contains("| ruling ");
    if !command.starts_with("ruling ") && !piped_into_ruling {
        return Some("not a `ruling` command");
    }
    let servers = ["ruling serve", "ruling studio", "ruling mcp"];
    if servers.iter().any(|server| command.contains(server)) {
        return Some("starts a server");
    }
    None
}

/// Whether a command writes files where it runs.
fn writes_files(command: &str) -> bool {
    command.starts_with("ruling new ") || command.contains("--record")
}

/// What a command printed and its exit code.
struct Ran {
    code: i32,
    output: String,
}

fn run(command: &str, folder: &Path) -> Ran {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_ruling"));
    let mut path = vec![binary.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .current_dir(folder)
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    Ran {
        code: output.status.code().unwrap_or(-1),
        output: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// Lines with trailing whitespace trimmed and trailing blank lines dropped.
fn normalized<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut lines: Vec<&str> = lines.map(str::trim_end).collect();
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    lines
}

/// Whether `actual` is what `shown` shows, with its `…` lines.
fn matches(shown: &[&str], actual: &[&str]) -> bool {
    let Some((first, rest)) = shown.split_first() else {
        return actual.is_empty();
    };
    if *first == "…" {
        return (0..=actual.len()).any(|skipped| matches(rest, &actual[skipped..]));
    }
    let Some((line, actual_rest)) = actual.split_first() else {
        return false;
    };
    let same = match first.strip_suffix(" …") {
        Some(start) => line.starts_with(start),
        None => first == line,
    };
    same && matches(rest, actual_rest)
}

/// The folder a block runs in: the root, or a temporary one made for it.
fn folder_for(block: &Block) -> Option<tempfile::TempDir> {
    let names_story_file = |command: &str| {
        block
            .story
            .iter()
            .any(|(name, _)| command.split_whitespace().any(|word| word == name))
    };
    let needed = block
        .commands
        .iter()
        .any(|shown| writes_files(&shown.command) || names_story_file(&shown.command));
    if !needed {
        return None;
    }
    let folder = tempfile::tempdir().unwrap();
    copy_folder(&root().join("policies"), &folder.path().join("policies"));
    for (name, text) in &block.story {
        let mut text = text.clone();
        for (words, file, from, to) in EDITS {
            if file == name && block.prose.contains(words) {
                assert!(text.contains(from), "{name} has no `{from}` to change");
                text = text.replace(from, to);
            }
        }
        fs::write(folder.path().join(name), text).unwrap();
    }
    Some(folder)
}

#[test]
fn every_console_command_prints_what_the_docs_show() {
    let mut checked = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for document in documents() {
        let text = fs::read_to_string(root().join(&document)).unwrap();
        for block in blocks(&text) {
            let temporary = folder_for(&block);
            let folder = temporary
                .as_ref()
                .map_or_else(root, |dir| dir.path().to_path_buf());
            let mut previous: Option<(&Shown, Ran)> = None;
            for shown in &block.commands {
                let place = format!("{}:{}", document.display(), shown.line);
                if shown.command == "echo $?" {
                    let Some((command, ran)) = previous.take() else {
                        failures.push(format!("{place}: `echo $?` after no command that ran"));
                        continue;
                    };
                    let code = ran.code.to_string();
                    if normalized(shown.output.iter().map(String::as_str)) != [code.as_str()] {
                        failures.push(report(&place, command, &shown.output, &ran, "exit code"));
                    }
                    continue;
                }
                if let Some((command, ran)) = previous.take() {
                    check_code(&document, command, &ran, &mut failures);
                }
                if let Some(reason) = skip_reason(&shown.command) {
                    skipped.push(format!("{place}: {reason}: {}", shown.command));
                    continue;
                }
                checked += 1;
                let ran = run(&shown.command, &folder);
                let expected = normalized(shown.output.iter().map(String::as_str));
                if !matches(&expected, &normalized(ran.output.lines())) {
                    failures.push(report(&place, shown, &shown.output, &ran, "output"));
                }
                previous = Some((shown, ran));
            }
            if let Some((command, ran)) = previous.take() {
                check_code(&document, command, &ran, &mut failures);
            }
        }
    }
    eprintln!(
        "{checked} console commands checked, {} skipped:\n{}",
        skipped.len(),
        skipped.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} console command(s) do not print what the docs show:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A command shown without output, and not followed by `echo $?`, must
/// succeed.
fn check_code(document: &Path, shown: &Shown, ran: &Ran, failures: &mut Vec<String>) {
    let silent = normalized(shown.output.iter().map(String::as_str)).is_empty();
    if silent && ran.code != 0 {
        let place = format!("{}:{}", document.display(), shown.line);
        failures.push(report(&place, shown, &["0".to_owned()], ran, "exit code"));
    }
}

fn report(place: &str, shown: &Shown, expected: &[String], ran: &Ran, what: &str) -> String {
    format!(
        "{place}: the {what} of\n$ {}\n--- expected\n{}\n--- actual (exit {})\n{}\n",
        shown.command,
        expected.join("\n"),
        ran.code,
        ran.output.trim_end(),
    )
}

#[test]
fn every_edit_applies_to_a_block() {
    let mut prose = String::new();
    for document in documents() {
        let text = fs::read_to_string(root().join(&document)).unwrap();
        for block in blocks(&text) {
            prose.push_str(&block.prose);
            prose.push('\n');
        }
    }
    for (words, ..) in EDITS {
        assert!(prose.contains(words), "no console block follows `{words}`");
    }
}

#[test]
fn the_rules_of_shown_output() {
    assert!(matches(&["a", "…", "d"], &["a", "b", "c", "d"]));
    assert!(matches(&["a", "…", "b"], &["a", "b"]));
    assert!(matches(&["…"], &[]));
    assert!(matches(&["2 lines in …"], &["2 lines in 0.1 s"]));
    assert!(!matches(&["2 lines in …"], &["3 lines in 0.1 s"]));
    assert!(!matches(&["a", "b"], &["a", "b", "c"]));
    assert!(!matches(&["a", "…", "d"], &["a", "b", "c"]));
    assert_eq!(
        saved_as("Save it as `store-credit.toml`:"),
        Some("store-credit.toml".into())
    );
    assert_eq!(saved_as("Check it:"), None);
    assert_eq!(skip_reason("cargo test"), Some("not a `ruling` command"));
    assert_eq!(skip_reason("echo '{}' | ruling decide p -"), None);
    assert_eq!(skip_reason("echo $?"), Some("not a `ruling` command"));
}
