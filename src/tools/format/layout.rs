//! Puts a parsed policy document in canonical layout: tables and keys in
//! the documented order, `key = value`, one blank line between tables,
//! expressions re-printed (over several lines when they do not fit on
//! one), lists on one line when they fit.
//!
//! `toml_edit` keeps every comment in the decoration of the key, value or
//! table header it stands next to, so moving a key or table moves its
//! comments with it.

use toml_edit::{Array, Decor, DocumentMut, InlineTable, Item, KeyMut, Table, Value};

use super::expression::reprint;
use super::kind::Kind;
use super::spacing::{self, Blank};
use super::wrap::MAX_WIDTH;

pub(super) fn arrange(document: &mut DocumentMut) {
    let mut layout = Layout {
        position: 0,
        at_start: true,
    };
    layout.table(document.as_table_mut(), Kind::Root, false);
    let end = spacing::end(document.trailing().as_str().unwrap_or_default());
    document.set_trailing(end);
}

/// Walks the tables in the order they will be written.
struct Layout {
    /// The place of the next table in the file.
    position: isize,
    /// Whether nothing has been written yet: the file starts without a
    /// blank line.
    at_start: bool,
}

impl Layout {
    /// A table and the tables under it; every table but the root of the
    /// document has a header.
    fn table(&mut self, table: &mut Table, kind: Kind, has_header: bool) {
        sort(table, kind);
        if has_header {
            self.header(table);
        }
        let mut first = true;
        self.body(table, kind, "", &mut first);
        self.subtables(table, kind);
    }

    fn header(&mut self, table: &mut Table) {
        table.set_position(Some(self.position));
        self.position += 1;
        // An implicit table without values (`effects` above `[effects.approve]`)
        // has no header line of its own.
        if table.is_implicit() && table.get_values().is_empty() {
            return;
        }
        let blank = if self.at_start {
            Blank::Never
        } else {
            Blank::Always
        };
        let decor = table.decor_mut();
        let prefix = spacing::block(raw(decor.prefix()), blank);
        let suffix = spacing::line_end(raw(decor.suffix()));
        decor.set_prefix(prefix);
        decor.set_suffix(suffix);
        self.at_start = false;
    }

    /// The `key = value` lines of a table, including dotted keys.
    fn body(&mut self, table: &mut Table, kind: Kind, path: &str, first: &mut bool) {
        for (mut key, item) in table.iter_mut() {
            let name = key.get().to_owned();
            let child = kind.child(&name);
            match item {
                Item::Value(value) => {
                    let blank = if *first {
                        Blank::Never
                    } else {
                        Blank::AsWritten
                    };
                    key_value(&mut key, value, kind, &dotted(path, &name), blank);
                    *first = false;
                    self.at_start = false;
                }
                Item::Table(inner) if inner.is_dotted() => {
                    clear_key(&mut key);
                    sort(inner, child);
                    self.body(inner, child, &dotted(path, &name), first);
                }
                _ => {}
            }
        }
    }

    /// The tables under a table, each written after the ones before it.
    fn subtables(&mut self, table: &mut Table, kind: Kind) {
        for (mut key, item) in table.iter_mut() {
            let child = kind.child(key.get());
            match item {
                // A dotted key can hold tables with headers of their own.
                Item::Table(inner) if inner.is_dotted() => self.subtables(inner, child),
                Item::Table(inner) => {
                    clear_key(&mut key);
                    self.table(inner, child, true);
                }
                Item::ArrayOfTables(tables) => {
                    clear_key(&mut key);
                    for inner in tables.iter_mut() {
                        self.table(inner, child, true);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Sorts the keys of a table into their canonical order; the order of its
/// subtables follows, since they are placed in key order.
fn sort(table: &mut Table, kind: Kind) {
    table.sort_values_by(|a, _, b, _| kind.rank(a.get()).cmp(&kind.rank(b.get())));
}

fn dotted(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// A header key or a part of a dotted key: no space inside brackets or
/// around dots.
fn clear_key(key: &mut KeyMut<'_>) {
    squeeze(key.leaf_decor_mut(), "", "");
    squeeze(key.dotted_decor_mut(), "", "");
}

/// Decoration that can only be white space becomes `prefix` and `suffix`.
fn squeeze(decor: &mut Decor, prefix: &str, suffix: &str) {
    let prefix = spacing::only_space(raw(decor.prefix()), prefix);
    let suffix = spacing::only_space(raw(decor.suffix()), suffix);
    decor.set_prefix(prefix);
    decor.set_suffix(suffix);
}

/// One `key = value` line with the comments above it and after it.
fn key_value(key: &mut KeyMut<'_>, value: &mut Value, kind: Kind, path: &str, blank: Blank) {
    let name = key.get().to_owned();
    squeeze(key.dotted_decor_mut(), "", "");
    let leaf = key.leaf_decor_mut();
    let prefix = spacing::block(raw(leaf.prefix()), blank);
    let suffix = spacing::only_space(raw(leaf.suffix()), " ");
    leaf.set_prefix(prefix);
    leaf.set_suffix(suffix);
    let key_width = path.chars().count() + " = ".len();
    if kind.holds_expression(&name) {
        reprint(value, Some(key_width));
    }
    arrange_value(value, kind.child(&name), key_width);
    let decor = value.decor_mut();
    let prefix = spacing::only_space(raw(decor.prefix()), " ");
    let suffix = spacing::line_end(raw(decor.suffix()));
    decor.set_prefix(prefix);
    decor.set_suffix(suffix);
}

/// Lists and inline tables; `indent` is how far into its line the value starts.
fn arrange_value(value: &mut Value, kind: Kind, indent: usize) {
    match value {
        Value::Array(array) => arrange_array(array, kind, indent),
        Value::InlineTable(table) => arrange_inline_table(table, kind),
        _ => {}
    }
}

/// A list goes on one line when it fits, else one item a line. A list with
/// comments inside keeps the author's layout: the comments may explain
/// the items they stand next to.
fn arrange_array(array: &mut Array, kind: Kind, indent: usize) {
    if array_has_comment(array) {
        array.set_trailing(spacing::tidy(raw(Some(array.trailing()))));
        for item in array.iter_mut() {
            tidy_decor(item);
            arrange_value(item, kind, 0);
        }
        return;
    }
    array.fmt();
    for item in array.iter_mut() {
        arrange_value(item, kind, 0);
    }
    let one_line = array.to_string();
    if indent + one_line.trim().chars().count() <= MAX_WIDTH {
        return;
    }
    for item in array.iter_mut() {
        item.decor_mut().set_prefix("\n  ");
        item.decor_mut().set_suffix("");
    }
    array.set_trailing_comma(true);
    array.set_trailing("\n");
}

/// An inline table goes on one line, its keys in canonical order, unless
/// it holds comments.
fn arrange_inline_table(table: &mut InlineTable, kind: Kind) {
    let commented = inline_table_has_comment(table);
    if commented {
        table.set_trailing(spacing::tidy(raw(Some(table.trailing()))));
    } else {
        table.fmt();
        table.sort_values_by(|a, _, b, _| kind.rank(a.get()).cmp(&kind.rank(b.get())));
    }
    for (key, value) in table.iter_mut() {
        let name = key.get().to_owned();
        // An inline table is one line: its expressions stay on it.
        if kind.holds_expression(&name) {
            reprint(value, None);
        }
        if commented {
            tidy_decor(value);
        }
        arrange_value(value, kind.child(&name), 0);
    }
}

fn tidy_decor(value: &mut Value) {
    let decor = value.decor_mut();
    let prefix = spacing::tidy(raw(decor.prefix()));
    let suffix = spacing::tidy(raw(decor.suffix()));
    decor.set_prefix(prefix);
    decor.set_suffix(suffix);
}

fn array_has_comment(array: &Array) -> bool {
    has_comment(Some(array.trailing()))
        || array
            .iter()
            .any(|item| decor_has_comment(item) || value_has_comment(item))
}

fn inline_table_has_comment(table: &InlineTable) -> bool {
    has_comment(Some(table.trailing()))
        || table.iter().any(|(key, value)| {
            let key = table.key(key);
            let key_comment = key.is_some_and(|key| {
                [key.leaf_decor(), key.dotted_decor()]
                    .iter()
                    .any(|decor| has_comment(decor.prefix()) || has_comment(decor.suffix()))
            });
            key_comment || decor_has_comment(value) || value_has_comment(value)
        })
}

/// Whether a comment is written inside a list or inline table value.
fn value_has_comment(value: &Value) -> bool {
    match value {
        Value::Array(array) => array_has_comment(array),
        Value::InlineTable(table) => inline_table_has_comment(table),
        _ => false,
    }
}

fn decor_has_comment(value: &Value) -> bool {
    has_comment(value.decor().prefix()) || has_comment(value.decor().suffix())
}

fn has_comment(raw_string: Option<&toml_edit::RawString>) -> bool {
    raw(raw_string).contains('#')
}

/// The text of a decoration; a parsed and then edited document holds its
/// decorations as text, so there is no span left to resolve.
fn raw(raw_string: Option<&toml_edit::RawString>) -> &str {
    raw_string
        .and_then(toml_edit::RawString::as_str)
        .unwrap_or_default()
}
