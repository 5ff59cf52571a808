//! `fmt`'s layout: idempotent, independent of how the file was written,
//! comments kept, decisions unchanged (moved here from the integration
//! tests, as they call the formatter directly).

use std::fs;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use super::verify::comments;
use crate::diagnostic::SourceFile;
use crate::policy::folder::{PolicySet, find_policy_files, policy_files};
use crate::policy::load::load;
use crate::render::{decision_json, decision_text};
use crate::tools::format::{FormatError, format_policy};

/// The crate's root folder, where `policies/` and `tests/` are.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, with `/` separators.
fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

const MESSY: &str = "tests/fixtures/format/messy.toml";

const LONG: &str = "tests/fixtures/format/long-expressions.toml";

fn shipped_policies() -> Vec<PathBuf> {
    let (files, problems) = find_policy_files(&[root().join("policies")]);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(files.len() >= 2, "the shipped policies are found");
    files
}

fn format(name: &str, text: &str) -> String {
    format_policy(&SourceFile::new(name, text)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

/// The same policy written badly: the keys of the tables and the sections
/// of the file out of order (the entries of `[[field]]` and `[[rule]]`,
/// derived values and effects keep theirs, which matters), odd spacing
/// around `=`, and every expression spread over several lines with extra
/// spaces.
fn scramble(text: &str) -> String {
    let mut document: DocumentMut = text.parse().unwrap();
    let root = document.as_table_mut();
    scramble_table(root, false);
    let sections = root.len();
    for (index, (_, item)) in root.iter_mut().enumerate() {
        let base = (sections - index) as isize * 1_000;
        place(item, base);
    }
    document.to_string()
}

/// Scrambles a table; `expressions` when all its strings are expressions
/// (`[derived]`, effects), whose order is the author's and shows in
/// decisions, so it stays.
fn scramble_table(table: &mut Table, expressions: bool) {
    if !expressions {
        table.sort_values_by(|a, _, b, _| b.get().cmp(a.get()));
    }
    for (mut key, item) in table.iter_mut() {
        let name = key.get().to_owned();
        let inner_expressions = expressions || matches!(name.as_str(), "derived" | "effects");
        match item {
            Item::Value(value) => {
                key.leaf_decor_mut().set_suffix("   ");
                value.decor_mut().set_prefix("  ");
                reverse_inline_tables(value);
                if expressions || matches!(name.as_str(), "when" | "must" | "required_when") {
                    spread(value);
                }
            }
            Item::Table(inner) => scramble_table(inner, inner_expressions),
            Item::ArrayOfTables(tables) => {
                for inner in tables.iter_mut() {
                    scramble_table(inner, inner_expressions);
                }
            }
            Item::None => {}
        }
    }
}

/// Reverses the keys of the inline tables in a list (the holidays of a
/// calendar).
fn reverse_inline_tables(value: &mut Value) {
    let Some(items) = value.as_array_mut() else {
        return;
    };
    for item in items.iter_mut() {
        if let Some(table) = item.as_inline_table_mut() {
            table.sort_values_by(|a, _, b, _| b.get().cmp(a.get()));
        }
    }
}

/// Writes an expression over several lines, with spaces inside brackets.
fn spread(value: &mut Value) {
    let Some(text) = value.as_str() else {
        return;
    };
    if text.contains("'''") {
        return;
    }
    let spread = text
        .replace(" and ", "\n    and   ")
        .replace('(', "(  ")
        .replace(')', "  )");
    let mut replacement: Value = format!("'''\n  {spread}\n'''").parse().unwrap();
    *replacement.decor_mut() = value.decor().clone();
    *value = replacement;
}

/// Puts a section, and the tables under it, at `base` in the file.
fn place(item: &mut Item, base: isize) {
    match item {
        Item::Table(table) => {
            table.set_position(Some(base));
            for (index, (_, inner)) in table.iter_mut().enumerate() {
                place(inner, base + 1 + index as isize);
            }
        }
        Item::ArrayOfTables(tables) => {
            for (index, table) in tables.iter_mut().enumerate() {
                let at = base + 10 * index as isize;
                table.set_position(Some(at));
                for (_, inner) in table.iter_mut() {
                    place(inner, at + 1);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_scramble_really_scrambles() {
    for path in shipped_policies() {
        let text = read(&path);
        let scrambled = scramble(&text);
        assert_ne!(scrambled, text);
        assert!(scrambled.find("[default]") < scrambled.find("[policy]"));
        assert!(scrambled.contains("'''"), "some expression is spread");
        load(SourceFile::new(relative(&path), scrambled)).unwrap();
    }
}

#[test]
fn formatting_twice_changes_nothing() {
    for path in shipped_policies() {
        let name = relative(&path);
        for text in [read(&path), scramble(&read(&path))] {
            let once = format(&name, &text);
            assert_eq!(format(&name, &once), once, "{name}");
        }
    }
}

#[test]
fn the_layout_does_not_depend_on_how_the_file_was_written() {
    for path in shipped_policies() {
        let name = relative(&path);
        let text = read(&path);
        assert_eq!(
            format(&name, &scramble(&text)),
            format(&name, &text),
            "{name}"
        );
    }
}

#[test]
fn the_shipped_policies_are_formatted() {
    for path in shipped_policies() {
        let name = relative(&path);
        let text = read(&path);
        assert!(
            format(&name, &text) == text,
            "{name} is not in canonical layout: run `ruling fmt {name}`"
        );
    }
}

#[test]
fn comments_survive() {
    let mut texts: Vec<(String, String)> = shipped_policies()
        .iter()
        .map(|path| (relative(path), scramble(&read(path))))
        .collect();
    texts.push((MESSY.to_owned(), read(&root().join(MESSY))));
    texts.push((LONG.to_owned(), read(&root().join(LONG))));
    for (name, text) in texts {
        let formatted = format(&name, &text);
        let own_line = |text: &str| {
            text.lines()
                .filter(|line| line.trim_start().starts_with('#'))
                .count()
        };
        assert_eq!(own_line(&formatted), own_line(&text), "{name}");
        assert_eq!(comments(&formatted), comments(&text), "{name}");
        assert!(!comments(&text).is_empty());
    }
}

/// The versions of a policy folder, loaded from texts made from its files.
fn load_folder(folder: &Path, make: impl Fn(&str, &str) -> String) -> PolicySet {
    let mut versions: Vec<_> = policy_files(folder)
        .unwrap()
        .iter()
        .map(|path| {
            let name = relative(path);
            load(SourceFile::new(name.clone(), make(&name, &read(path))))
                .unwrap_or_else(|error| panic!("{name}: {error}"))
        })
        .collect();
    versions.sort_by_key(|policy| policy.meta.effective_date);
    PolicySet {
        versions,
        from_folder: true,
    }
}

/// The decision as JSON and as text, with the hash of the policy file
/// blanked: it changes with every byte of the file.
fn decide(set: &PolicySet, request: &str) -> (String, String, String) {
    let selected = set
        .select(request.as_bytes(), &crate::Choice::ByRequest)
        .unwrap();
    let mut decision = crate::decide_json(selected.policy, request.as_bytes()).unwrap();
    decision.policy.selected = Some(selected.why);
    let sha256 = std::mem::take(&mut decision.policy.sha256);
    // The id hashes the file's bytes too, so it follows them like the hash.
    decision.id.clear();
    (
        decision_json(&decision),
        decision_text(&decision, false),
        sha256,
    )
}

#[test]
fn formatting_never_changes_a_decision() {
    let folders: Vec<PathBuf> = fs::read_dir(root().join("policies"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("cases").is_dir())
        .collect();
    assert!(folders.len() >= 2);
    for folder in folders {
        let original = load_folder(&folder, |_, text| text.to_owned());
        let scrambled = load_folder(&folder, |_, text| scramble(text));
        let formatted = load_folder(&folder, |name, text| format(name, &scramble(text)));
        let mut cases = 0;
        for entry in fs::read_dir(folder.join("cases")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let case: crate::tools::case::Case = serde_json::from_str(&read(&path)).unwrap();
            let request = case.request.get();
            let (json, text, sha256) = decide(&original, request);
            let (scrambled_json, scrambled_text, scrambled_sha256) = decide(&scrambled, request);
            let (formatted_json, formatted_text, _) = decide(&formatted, request);
            let name = relative(&path);
            assert_eq!(scrambled_json, json, "{name}");
            assert_eq!(formatted_json, json, "{name}");
            assert_eq!(formatted_text, text, "{name}");
            assert_eq!(scrambled_text, text, "{name}");
            assert_ne!(scrambled_sha256, sha256, "the hash follows the bytes");
            cases += 1;
        }
        assert!(cases > 0, "{}", relative(&folder));
    }
}

#[test]
fn broken_policies_are_refused_and_the_others_format_twice_the_same() {
    let mut refused = 0;
    for entry in fs::read_dir(root().join("tests/fixtures/policies")).unwrap() {
        let path = entry.unwrap().path();
        let name = relative(&path);
        let text = read(&path);
        match format_policy(&SourceFile::new(name.as_str(), text.as_str())) {
            Err(FormatError::Invalid(_)) => refused += 1,
            Err(error) => panic!("{name}: {error}"),
            Ok(once) => assert_eq!(format(&name, &once), once, "{name}"),
        }
    }
    assert!(refused > 100, "the broken-policy catalogue is refused");
}

#[test]
fn a_messy_policy_in_canonical_layout() {
    let text = read(&root().join(MESSY));
    let formatted = format(MESSY, &text);
    assert_eq!(format(MESSY, &formatted), formatted);
    insta::assert_snapshot!(formatted);
}

#[test]
fn long_expressions_in_canonical_layout() {
    let text = read(&root().join(LONG));
    let formatted = format(LONG, &text);
    assert_eq!(format(LONG, &formatted), formatted);
    insta::assert_snapshot!(formatted);
    // Past 100 columns only a comment at the end of a line, and an inline
    // table, which is one line whatever it holds.
    for line in formatted.lines().filter(|line| line.chars().count() > 100) {
        assert!(line.contains(" # ") || line.contains("= { "), "{line}");
    }
}

/// The value of `key` in the `index`th `[[rule]]` of a policy text.
fn rule_value(text: &str, index: usize, key: &str) -> String {
    let document: toml::Table = toml::from_str(text).unwrap();
    document["rule"][index][key].as_str().unwrap().to_owned()
}

#[test]
fn a_condition_of_600_characters_is_laid_out_within_100_columns() {
    let text = read(&root().join(LONG));
    let when = rule_value(&text, 0, "when");
    let expr = crate::language::parser::parse_expression(
        &when,
        &crate::diagnostic::span::Origin::Identity,
    )
    .unwrap();
    let one_line = crate::language::parser::print(&expr);
    assert!(one_line.chars().count() >= 600, "{one_line}");
    let formatted = format(LONG, &text);
    let laid_out = rule_value(&formatted, 0, "when");
    assert!(laid_out.lines().count() > 10, "{laid_out}");
    for line in laid_out.lines() {
        assert!(line.chars().count() <= 100, "{line}");
        assert!(line.starts_with("  "), "indented under its key: {line}");
    }
    assert!(formatted.contains(
        "when = '''\n  days <= period\n  and support.contacted\n  and not support.ticket_open\n"
    ));
    let joined: Vec<&str> = laid_out.split_whitespace().collect();
    let printed: Vec<&str> = one_line.split_whitespace().collect();
    assert_eq!(
        joined.concat().replace(['(', ')'], ""),
        printed.concat().replace(['(', ')'], ""),
        "the same words in the same order"
    );
}

#[test]
fn an_aggregate_breaks_between_its_value_list_and_filter() {
    let formatted = format(LONG, &read(&root().join(LONG)));
    assert!(
        formatted.contains(
            "opened_total = '''\n  sum(\n    item.price\n    for item in order.items\n    if item.opened and item.category != \"gift_card\" and item.price > 0\n  )\n'''\n"
        ),
        "{formatted}"
    );
    assert!(
        formatted.contains("prices = '''\n  [\n    item.price\n    for item in order.items\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("short = \"days <= period\"\n"),
        "short ones stay on one line"
    );
}

#[test]
fn long_expressions_laid_out_decide_as_before() {
    let text = read(&root().join(LONG));
    let formatted = format(LONG, &text);
    let before = load(SourceFile::new(LONG, text.as_str())).unwrap();
    let after = load(SourceFile::new(LONG, formatted.as_str())).unwrap();
    let requests = [
        r#"{"days": 3, "support": {"contacted": true, "ticket_open": false}, "customer": {"tier": "gold", "note": "broken"}, "order": {"items": [{"price": "20.00", "category": "accessory"}]}}"#,
        r#"{"days": 30, "customer": {"tier": "standard", "note": "it's a gift"}, "order": {"items": [{"price": "99.00", "category": "phone", "opened": true}]}}"#,
        r#"{"order": {"items": []}}"#,
    ];
    for request in requests {
        let decide = |policy| {
            let decision = crate::decide_json(policy, request.as_bytes()).unwrap();
            (decision.outcome, decision.rule.id, decision.effects)
        };
        assert_eq!(decide(&after), decide(&before), "{request}");
    }
}

/// Found by the `expression` fuzz target: an expression under the length
/// limit whose canonical form (spaces around every operator) is past it.
/// `ruling fmt` must keep it as written, so the formatted policy loads.
#[test]
fn an_expression_whose_canonical_form_is_too_long_is_kept_as_written() {
    let dense = std::fs::read_to_string(
        root().join("tests/fixtures/fuzz/expression-printed-past-the-length-limit.txt"),
    )
    .unwrap()
    // The fuzzer's vertical tabs are spaces to the lexer, but TOML strings
    // cannot hold them.
    .replace('\u{b}', " ");
    let when = format!("a > 0 or ({dense}) > a");
    let limit = crate::limits::MAX_EXPRESSION_CHARS;
    assert!(when.chars().count() <= limit);
    let parsed = crate::language::parser::parse_expression(
        &when,
        &crate::diagnostic::span::Origin::Identity,
    )
    .unwrap();
    assert!(crate::language::parser::print(&parsed).chars().count() > limit);
    let text = format!(
        "format = 1\n\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01\n\n[[field]]\npath = \"a\"\ntype = \"integer\"\ndescription = \"A\"\n\n[[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"approve\"\nreason = \"Yes.\"\n\n[default]\nid = \"d\"\nclause = \"§2\"\noutcome = \"deny\"\nreason = \"No.\"\n"
    );
    crate::load(SourceFile::new("p.toml", text.as_str())).unwrap();
    let formatted = format_policy(&SourceFile::new("p.toml", text.as_str())).unwrap();
    assert!(formatted.contains(&when));
    crate::load(SourceFile::new("p.toml", formatted.as_str())).unwrap();
}
