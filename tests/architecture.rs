//! The source tree is the architecture: each folder of `src/` is one stage,
//! and a stage may use only the stages before it. This test reads the
//! sources and fails on an import that flows the wrong way. Unit tests may
//! use anything: the part of a file after `#[cfg(test)]`, and the files of
//! unit tests alone (`*_tests.rs`, declared under `#[cfg(test)]`).

use std::fs;
use std::path::Path;

/// The library's folders (and top-level files), earliest stage first.
const STAGES: &[&str] = &[
    "limits",
    "diagnostic",
    "language",
    "policy",
    "request",
    "evaluate",
    "decision",
    "render",
    "tools",
    "interface",
];

#[test]
fn every_stage_uses_only_earlier_stages() {
    let mut wrong = Vec::new();
    for (position, stage) in STAGES.iter().enumerate() {
        for file in rust_files(stage) {
            let text = fs::read_to_string(&file).unwrap();
            for used in stages_used(production_part(&text)) {
                let Some(used_position) = STAGES.iter().position(|s| *s == used) else {
                    wrong.push(format!(
                        "{}: `crate::{used}` is no known stage",
                        file.display()
                    ));
                    continue;
                };
                if used_position > position {
                    wrong.push(format!("{}: {stage} uses the later {used}", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports flowing the wrong way:\n{}",
        wrong.join("\n")
    );
}

/// The command line is the last stage: it lives in `interface/cli/`, and
/// no other part of the library uses it (only `lib.rs` re-exports it).
#[test]
fn nothing_but_the_binary_uses_the_command_line() {
    let mut wrong = Vec::new();
    for stage in STAGES {
        for file in rust_files(stage) {
            if file.starts_with("src/interface/cli") {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap();
            if production_part(&text).contains("interface::cli") {
                wrong.push(file.display().to_string());
            }
        }
    }
    assert!(Path::new("src/interface/cli/mod.rs").is_file());
    assert!(
        wrong.is_empty(),
        "the command line used by:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_folder_of_src_is_a_known_stage() {
    let binary_only = ["main.rs", "lib.rs"];
    for entry in fs::read_dir("src").unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stage = name.trim_end_matches(".rs");
        assert!(
            binary_only.contains(&name.as_str()) || STAGES.contains(&stage),
            "src/{name} is in no stage of tests/architecture.rs"
        );
    }
}

fn rust_files(stage: &str) -> Vec<std::path::PathBuf> {
    let file = Path::new("src").join(format!("{stage}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut found = Vec::new();
    let mut folders = vec![Path::new("src").join(stage)];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with("_tests.rs")
            {
                found.push(path);
            }
        }
    }
    found
}

/// The file up to its unit tests, which may use anything.
fn production_part(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |end| &text[..end])
}

/// The first path segment after every `crate::` outside comments, including
/// each member of a `use crate::{…}` group.
fn stages_used(text: &str) -> Vec<String> {
    let mut used = Vec::new();
    for line in text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
    {
        let mut rest = line;
        while let Some(start) = rest.find("crate::") {
            rest = &rest[start + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                used.extend(group_members(group, text, line));
            } else {
                used.push(first_segment(rest));
            }
        }
    }
    used.retain(|name| !name.is_empty() && name.starts_with(|c: char| c.is_ascii_lowercase()));
    used.sort();
    used.dedup();
    used
}

/// The members of a `crate::{…}` group that may span several lines.
fn group_members(group_start: &str, text: &str, line: &str) -> Vec<String> {
    let offset = text.find(line).unwrap_or(0) + line.len() - group_start.len();
    let group = &text[offset..];
    let end = group.find("};").unwrap_or(group.len());
    let mut depth = 0;
    let mut members = vec![String::new()];
    for c in group[..end].chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => members.push(String::new()),
            _ => members.last_mut().unwrap().push(c),
        }
    }
    members
        .iter()
        .map(|member| first_segment(member.trim()))
        .collect()
}

fn first_segment(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}
