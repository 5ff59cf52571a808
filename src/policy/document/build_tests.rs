//! The document tree against the toml crate's: for every TOML file of the
//! repository and for snippets that try each rule on defining tables, both
//! give the same values at the same places, or the same first error.

use std::collections::BTreeMap;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::build;
use super::syntax::message;
use super::tree::{Node, TomlTable, TomlValue};

/// Start and end of a key or value.
type Place = (usize, usize);

/// A value of either tree, with its span; tables sorted by key.
#[derive(Debug, PartialEq)]
enum Plain {
    String(String),
    Integer(String, u32),
    Float(String),
    Boolean(bool),
    Datetime(String),
    Array(Vec<(Plain, Place)>),
    Table(BTreeMap<String, (Place, Plain, Place)>),
}

fn ours_node(node: &Node<'_>) -> (Plain, Place) {
    let span = (node.span().start, node.span().end);
    let plain = match node.get_ref() {
        TomlValue::String(text) => Plain::String(text.to_string()),
        TomlValue::Integer(number) => Plain::Integer(number.as_str().to_owned(), number.radix()),
        TomlValue::Float(number) => Plain::Float(number.as_str().to_owned()),
        TomlValue::Boolean(value) => Plain::Boolean(*value),
        TomlValue::Datetime(datetime) => Plain::Datetime(datetime.to_string()),
        TomlValue::Array(items) => Plain::Array(items.iter().map(ours_node).collect()),
        TomlValue::Table(table) => ours_table(table),
    };
    (plain, span)
}

fn ours_table(table: &TomlTable<'_>) -> Plain {
    Plain::Table(
        table
            .iter()
            .map(|(key, node)| {
                let (plain, span) = ours_node(node);
                (
                    key.text.to_string(),
                    ((key.span.start, key.span.end), plain, span),
                )
            })
            .collect(),
    )
}

fn theirs_node(node: &toml::Spanned<DeValue<'_>>) -> (Plain, Place) {
    let span = (node.span().start, node.span().end);
    let plain = match node.get_ref() {
        DeValue::String(text) => Plain::String(text.to_string()),
        DeValue::Integer(number) => Plain::Integer(number.as_str().to_owned(), number.radix()),
        DeValue::Float(number) => Plain::Float(number.as_str().to_owned()),
        DeValue::Boolean(value) => Plain::Boolean(*value),
        DeValue::Datetime(datetime) => Plain::Datetime(datetime.to_string()),
        DeValue::Array(items) => Plain::Array(items.iter().map(theirs_node).collect()),
        DeValue::Table(table) => theirs_table(table),
    };
    (plain, span)
}

fn theirs_table(table: &DeTable<'_>) -> Plain {
    Plain::Table(
        table
            .iter()
            .map(|(key, node)| {
                let (plain, span) = theirs_node(node);
                (
                    key.get_ref().to_string(),
                    ((key.span().start, key.span().end), plain, span),
                )
            })
            .collect(),
    )
}

/// Either the tree or the first error's message and span.
type Outcome = Result<Plain, (String, Option<Place>)>;

fn ours(text: &str) -> Outcome {
    match build::parse(text) {
        Ok(root) => Ok(ours_table(&root)),
        Err(error) => Err((
            message(&error),
            error.unexpected().map(|span| (span.start(), span.end())),
        )),
    }
}

fn theirs(text: &str) -> Outcome {
    let (root, errors) = DeTable::parse_recoverable(text);
    match errors.into_iter().next() {
        None => Ok(theirs_table(root.get_ref())),
        Some(error) => Err((
            error.message().to_owned(),
            error.span().map(|span| (span.start, span.end)),
        )),
    }
}

fn assert_same(name: &str, text: &str) {
    assert_eq!(ours(text), theirs(text), "{name}:\n{text}");
}

const SNIPPETS: &[&str] = &[
    "",
    "# only a comment\n",
    "a = 1\nb = 'two'\nc = \"thr\\tee\"\nd = true\ne = 1.5\nf = 2025-01-22\n",
    "a = 0x1F\nb = 0o17\nc = 0b101\nd = 1_000\ne = -3\nf = +4.5e3\ng = inf\nh = nan\n",
    "a = 2025-01-22T10:00:00Z\nb = 2025-01-22T10:00:00\nc = 10:00:00\nd = 2025-01-22 10:00:00+01:00\n",
    "a = \"\"\"\nmulti\nline\"\"\"\nb = '''\nraw \\n'''\nc = \"\"\"one \\\n  two\"\"\"\n",
    "\"quoted key\" = 1\n'literal key' = 2\n\"esc\\u0041ped\" = 3\n\"\" = 4\n",
    "a.b.c = 1\na.b.d = 2\na . e = 3\n",
    "[a.b]\nx = 1\n[a]\ny = 2\n",
    "[a]\nx = 1\n[a]\ny = 2\n",
    "a.b = 1\n[a]\nc = 2\n",
    "a.b = 1\n[a.c]\nd = 2\n",
    "[a]\nb = 1\n[a.b]\nc = 2\n",
    "[[x]]\nn = 1\n[[x]]\nn = 2\n[x]\n",
    "[x]\nn = 1\n[[x]]\nn = 2\n",
    "x = [1, 2]\n[[x]]\nn = 1\n",
    "[[a]]\n[[a.b]]\nn = 1\n[[a.b]]\nn = 2\n[[a]]\n[a.c]\nm = 3\n",
    "[[a]]\nb.c = 1\nb.d = 2\n",
    "a = 1\na.b = 2\n",
    "a = 1\na = 2\n",
    "a = {b = 1}\n[a.c]\nd = 2\n",
    "a = {b = 1}\na.c = 2\n",
    "a = {b.c = 1, b.d = 2}\n",
    "a = {b = {c = 1}, b.d = 2}\n",
    "a = {b = 1, b = 2}\n",
    "a = {b.c = 1, b = 2}\n",
    "a = [[1, 2], ['x', {y = [true]}], []]\n",
    "a = [\n  1, # one\n  2,\n]\n",
    "[a]\n[b]\n[a.c]\n[b]\n",
    "[ a . b ]\nc = 1\n",
    "[[ a ]]\nc = 1\n",
    "a = \"\\u00e9t\\u00E9\"\nb = '\u{e9}t\u{e9}'\n",
    "# bad \u{1} comment\na = 1\n",
    "# bad \u{1} comment\na = \n",
    "a = \n# bad \u{1} comment\n",
    "a = 1 # bad \u{7f} comment\r\nb = 2 # fine\tcomment\n",
    "a = 1\r\nb = 2\r\n",
    "a = 1\rb = 2\n",
    "a = \"tab\tinside\"\nb = 'tab\tinside'\n",
    "a = \"control\u{7f}\"\n",
    "a = 'control\u{1}'\n",
    "a = \"bad \\q escape\"\n",
    "a = 2025-13-45\n",
    "a = [1,\n",
    "a = {b = 1\n",
    "[a\nb = 1\n",
    "a = \n",
    "= 1\n",
    "a = 1 b = 2\n",
];

#[test]
fn snippets_build_the_trees_the_toml_crate_builds() {
    for (at, snippet) in SNIPPETS.iter().enumerate() {
        assert_same(&format!("snippet {at}"), snippet);
    }
}

#[test]
fn every_toml_file_of_the_repository_builds_the_same_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["policies", "tests/fixtures", "docs", "examples"] {
        collect_toml(&root.join(folder), &mut files);
    }
    assert!(files.len() > 150, "only {} TOML files found", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert_same(&file.display().to_string(), &text);
    }
}

fn collect_toml(folder: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_toml(&path, files);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "toml")
        {
            files.push(path);
        }
    }
}

#[test]
fn a_table_of_many_keys_is_found_through_its_index() {
    let text: String = (0..5_000).map(|at| format!("key{at} = {at}\n")).collect();
    assert_same("5,000 keys", &text);
    let duplicated = format!("{text}key4999 = 0\n");
    assert_same("5,000 keys and a duplicate", &duplicated);
}
