//! Reading the TOML document of a policy: its spanned tree (`tree`, built
//! from `toml_parser`'s events by `build`), its syntax errors in words a
//! policy owner knows (`syntax`), typed getters that report every wrong or
//! unknown key, and the mapping of strings back to their place in the file.

mod build;
#[cfg(test)]
mod build_tests;
mod syntax;
mod tree;

pub(crate) use tree::{Key as TomlKey, Node, TomlTable, TomlValue};

use std::borrow::Cow;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::{Origin, Span};
use crate::diagnostic::suggest::{closest, list_names};
use crate::policy::keys::{self, Key};

/// Parses the document into its root table. On a syntax error, only the
/// first is returned: after a broken line, later errors only repeat it.
pub(crate) fn parse(text: &str) -> Result<TomlTable<'_>, Vec<Diagnostic>> {
    build::parse(text).map_err(|error| vec![syntax::syntax_error(text, &error)])
}

/// Words policy owners bring from other tools, and the key they mean here.
/// For `format = 1` written below a table header, where TOML puts it in
/// that table.
const MISPLACED_FORMAT_HELP: &str = "`format = 1` goes at the very top of the file, before the first `[table]` header: every key below a header belongs to that table";

const SYNONYMS: &[(&str, &str)] = &[
    ("when", "must"),
    ("check", "must"),
    ("condition", "must"),
    ("condition", "when"),
    ("if", "when"),
    ("rule", "when"),
    ("decision", "outcome"),
    ("result", "outcome"),
    ("message", "reason"),
    ("explanation", "reason"),
    ("name", "id"),
    ("kind", "type"),
    ("enum", "values"),
    ("options", "values"),
    ("rules", "rule"),
    ("fields", "field"),
    ("constraints", "constraint"),
    ("otherwise", "default"),
];

fn key_text<'i>(key: &TomlKey<'i>) -> Text<'i> {
    Text {
        value: key.text.clone(),
        span: key.span,
        origin: Origin::Whole(key.span),
    }
}

/// A table being read: each getter marks its key as known, and `finish`
/// reports the keys that no getter asked for.
pub(crate) struct Table<'t, 'i> {
    table: &'t TomlTable<'i>,
    file: &'t str,
    /// Where the table is, for errors about keys it lacks.
    pub(crate) span: Span,
    /// How the table is named in messages: "`[[rule]]`".
    name: Cow<'static, str>,
    allowed: &'static [Key],
}

/// A string value with the place it was written, borrowed from the file
/// unless it had escapes.
#[derive(Clone, Debug)]
pub(crate) struct Text<'i> {
    pub(crate) value: Cow<'i, str>,
    pub(crate) span: Span,
    pub(crate) origin: Origin,
}

impl<'t, 'i> Table<'t, 'i> {
    pub(crate) fn new(
        table: &'t TomlTable<'i>,
        file: &'t str,
        span: Span,
        name: impl Into<Cow<'static, str>>,
        allowed: &'static [Key],
    ) -> Self {
        Self {
            table,
            file,
            span,
            name: name.into(),
            allowed,
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Reports keys outside `allowed`, with a "did you mean" when one is close.
    pub(crate) fn check_keys(&self, errors: &mut Vec<Diagnostic>) {
        for (key, _) in self.table.iter() {
            if keys::contains(self.allowed, &key.text) {
                continue;
            }
            let key = key_text(key);
            let help = self
                .intended(&key.value)
                .map(|intended| format!("did you mean `{intended}`?"))
                .or_else(|| (key.value == "format").then(|| MISPLACED_FORMAT_HELP.to_owned()))
                .unwrap_or_else(|| {
                    format!(
                        "the keys of {} are {}",
                        self.name,
                        list_names(keys::names(self.allowed), 12)
                    )
                });
            errors.push(
                Diagnostic::new(
                    "unknown-key",
                    format!("unknown key `{}` in {}", key.value, self.name),
                    key.span,
                )
                .with_label("not a key of this table")
                .with_help(help),
            );
        }
    }

    /// The allowed key that an unknown key was probably meant to be: a
    /// misspelling, or a word other policy languages use for it.
    fn intended(&self, unknown: &str) -> Option<&'static str> {
        let synonym = SYNONYMS
            .iter()
            .filter(|(word, _)| *word == unknown)
            .map(|(_, meant)| *meant)
            .find(|meant| keys::contains(self.allowed, meant));
        synonym.or_else(|| closest(unknown, keys::names(self.allowed)))
    }

    /// Whether an unknown key of this table was probably meant to be `key`,
    /// so that reporting `key` as missing would only repeat that error.
    pub(crate) fn misspelled(&self, key: &str) -> bool {
        self.table.iter().any(|(other, _)| {
            let other = other.text.as_ref();
            !keys::contains(self.allowed, other) && self.intended(other) == Some(key)
        })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'t Node<'i>> {
        self.table.get(key)
    }

    /// The span of the key itself, for errors about its value.
    pub(crate) fn key_span(&self, key: &str) -> Option<Span> {
        self.table.get_key_value(key).map(|(key, _)| key.span)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = (&'t str, Span, &'t Node<'i>)> {
        self.table
            .iter()
            .map(|(key, value)| (key.text.as_ref(), key.span, value))
    }

    fn missing(&self, key: &str, example: &str, errors: &mut Vec<Diagnostic>) {
        if self.misspelled(key) {
            return;
        }
        errors.push(
            Diagnostic::new(
                "missing-key",
                format!("{} has no `{key}`", self.name),
                self.span,
            )
            .with_label(format!("`{key}` is missing here"))
            .with_help(format!("add it, for example `{key} = {example}`")),
        );
    }

    pub(crate) fn required<T>(
        &self,
        key: &str,
        example: &str,
        read: impl Fn(&Node<'i>, &mut Vec<Diagnostic>) -> Option<T>,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        match self.get(key) {
            Some(node) => read_keyed(key, node, &read, errors),
            None => {
                self.missing(key, example, errors);
                None
            }
        }
    }

    pub(crate) fn optional<T>(
        &self,
        key: &str,
        read: impl Fn(&Node<'i>, &mut Vec<Diagnostic>) -> Option<T>,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        self.get(key)
            .and_then(|node| read_keyed(key, node, &read, errors))
    }

    pub(crate) fn required_text(
        &self,
        key: &str,
        example: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<Text<'i>> {
        self.required(
            key,
            example,
            |node, errors| text(node, self.file, errors),
            errors,
        )
    }

    pub(crate) fn optional_text(
        &self,
        key: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<Text<'i>> {
        self.optional(key, |node, errors| text(node, self.file, errors), errors)
    }
}

/// Reads the value of `key`; a value of the wrong kind gets a help that
/// shows the whole line, `key = example`.
fn read_keyed<'i, T>(
    key: &str,
    node: &Node<'i>,
    read: &impl Fn(&Node<'i>, &mut Vec<Diagnostic>) -> Option<T>,
    errors: &mut Vec<Diagnostic>,
) -> Option<T> {
    let before = errors.len();
    let value = read(node, errors);
    for diagnostic in errors
        .iter_mut()
        .skip(before)
        .filter(|diagnostic| diagnostic.code == "wrong-kind")
    {
        if let Some(help) = &diagnostic.help {
            diagnostic.help =
                Some(help.replacen("write it like `", &format!("write it like `{key} = "), 1));
        }
    }
    value
}

/// Reads a string, reporting any other kind of value.
pub(crate) fn text<'i>(
    node: &Node<'i>,
    file: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<Text<'i>> {
    match node.get_ref() {
        TomlValue::String(value) => Some(Text {
            value: value.clone(),
            span: node.span(),
            origin: string_origin(file, node.span(), value),
        }),
        other => {
            errors.push(wrong_kind(node, other, "a string", "\"…\""));
            None
        }
    }
}

pub(crate) fn boolean(node: &Node<'_>, errors: &mut Vec<Diagnostic>) -> Option<bool> {
    match node.get_ref() {
        TomlValue::Boolean(value) => Some(*value),
        other => {
            errors.push(wrong_kind(node, other, "`true` or `false`", "true"));
            None
        }
    }
}

pub(crate) fn table<'t, 'i>(
    node: &'t Node<'i>,
    errors: &mut Vec<Diagnostic>,
) -> Option<&'t TomlTable<'i>> {
    match node.get_ref() {
        TomlValue::Table(table) => Some(table),
        other => {
            errors.push(wrong_kind(node, other, "a table", "{ … }"));
            None
        }
    }
}

/// The tables of an array of tables such as `[[rule]]`.
pub(crate) fn tables<'t, 'i>(
    node: &'t Node<'i>,
    name: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(&'t TomlTable<'i>, Span)> {
    let TomlValue::Array(items) = node.get_ref() else {
        errors.push(
            Diagnostic::new(
                "wrong-kind",
                format!("`{name}` must be an array of tables"),
                node.span(),
            )
            .with_label("not an array of tables")
            .with_help(format!(
                "write each entry under its own `[[{name}]]` header"
            )),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item.get_ref() {
            TomlValue::Table(table) => Some((table, item.span())),
            other => {
                errors.push(wrong_kind(item, other, "a table", "{ … }"));
                None
            }
        })
        .collect()
}

pub(crate) fn wrong_kind(
    node: &Node<'_>,
    found: &TomlValue<'_>,
    expected: &str,
    example: &str,
) -> Diagnostic {
    Diagnostic::new(
        "wrong-kind",
        format!("expected {expected}, found {}", kind_name(found)),
        node.span(),
    )
    .with_label(format!("this is {}", kind_name(found)))
    .with_help(format!("write it like `{example}`"))
}

pub(crate) fn kind_name(value: &TomlValue<'_>) -> &'static str {
    match value {
        TomlValue::String(_) => "a string",
        TomlValue::Integer(_) => "an integer",
        TomlValue::Float(_) => "a float",
        TomlValue::Boolean(_) => "a boolean",
        TomlValue::Datetime(datetime) if datetime.time.is_some() => "a date and time",
        TomlValue::Datetime(_) => "a date",
        TomlValue::Array(_) => "an array",
        TomlValue::Table(_) => "a table",
    }
}

/// How the characters of a string value map to bytes of the file, so that
/// an expression written inside it reports errors at the right column.
pub(crate) fn string_origin(file: &str, span: Span, decoded: &str) -> Origin {
    let Some(raw) = file.get(span.range()) else {
        return Origin::Whole(span);
    };
    let (quote, basic) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if raw.starts_with("'''") {
        ("'''", false)
    } else if raw.starts_with('"') {
        ("\"", true)
    } else {
        ("'", false)
    };
    let Some(inner) = raw.get(quote.len()..raw.len().saturating_sub(quote.len())) else {
        return Origin::Whole(span);
    };
    let mut start = span.start + quote.len();
    let mut inner = inner;
    if quote.len() == 3 {
        let trimmed = inner
            .strip_prefix("\r\n")
            .or_else(|| inner.strip_prefix('\n'));
        if let Some(rest) = trimmed {
            start += inner.len() - rest.len();
            inner = rest;
        }
    }
    if inner == decoded {
        return Origin::Shifted(start);
    }
    if basic && let Some(offsets) = unescape_offsets(inner, decoded) {
        return Origin::Mapped(offsets.into_iter().map(|offset| start + offset).collect());
    }
    Origin::Whole(span)
}

/// For a basic string with escapes: the raw offset of each decoded byte,
/// or `None` when decoding the raw text does not give `decoded`.
fn unescape_offsets(raw: &str, decoded: &str) -> Option<Vec<usize>> {
    let mut offsets = Vec::with_capacity(decoded.len() + 1);
    let mut out = String::with_capacity(decoded.len());
    let mut chars = raw.char_indices().peekable();
    let mut buffer = [0u8; 4];
    while let Some((at, c)) = chars.next() {
        let produced: &str = if c == '\\' {
            let (_, escape) = chars.next()?;
            match escape {
                'n' => "\n",
                't' => "\t",
                'r' => "\r",
                'b' => "\u{8}",
                'f' => "\u{c}",
                'e' => "\u{1b}",
                '"' => "\"",
                '\\' => "\\",
                _ => return None,
            }
        } else {
            c.encode_utf8(&mut buffer)
        };
        for _ in 0..produced.len() {
            offsets.push(at);
        }
        out.push_str(produced);
    }
    offsets.push(raw.len());
    (out == decoded).then_some(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin_of(file: &str, decoded: &str) -> Origin {
        let start = file.find(['"', '\'']).unwrap_or_default();
        string_origin(file, Span::new(start, file.len()), decoded)
    }

    #[test]
    fn plain_strings_shift_by_their_quote() {
        let origin = origin_of("when = \"a < 1\"", "a < 1");
        assert_eq!(origin.offset(0), 8);
    }

    #[test]
    fn literal_strings_shift_by_their_quote() {
        let origin = origin_of("when = 'a == \"x\"'", "a == \"x\"");
        assert_eq!(origin.offset(5), 13);
    }

    #[test]
    fn escapes_map_each_byte_back() {
        let origin = origin_of(r#"when = "a == \"x\" and b""#, "a == \"x\" and b");
        assert_eq!(
            origin.offset(5),
            13,
            "the escaped quote starts at its backslash"
        );
        assert_eq!(origin.offset(13), 23, "`b` keeps its column");
    }

    #[test]
    fn multi_line_strings_skip_the_first_newline() {
        let origin = origin_of("when = '''\na or b'''", "a or b");
        assert_eq!(origin.offset(0), 11);
    }
}
