//! The document tree of a policy file: values with their spans, and
//! tables that keep their keys in the order they were written.
//!
//! A policy's tables hold a handful of keys each, so a table is a vector
//! searched in place; only a table that grows large gets a hash index,
//! which keeps a file of many thousand keys from costing quadratic time.

use std::borrow::Cow;
use std::collections::HashMap;

use toml::value::Datetime;

use crate::diagnostic::span::Span;

/// A value and the place it was written.
#[derive(Debug)]
pub(crate) struct Node<'i> {
    value: TomlValue<'i>,
    span: Span,
}

impl<'i> Node<'i> {
    pub(super) fn new(value: TomlValue<'i>, span: Span) -> Self {
        Self { value, span }
    }

    pub(crate) fn get_ref(&self) -> &TomlValue<'i> {
        &self.value
    }

    pub(super) fn get_mut(&mut self) -> &mut TomlValue<'i> {
        &mut self.value
    }

    pub(super) fn set_span(&mut self, span: Span) {
        self.span = span;
    }

    pub(crate) fn span(&self) -> Span {
        self.span
    }
}

#[derive(Debug)]
pub(crate) enum TomlValue<'i> {
    String(Cow<'i, str>),
    Integer(Number<'i>),
    Float(Number<'i>),
    Boolean(bool),
    Datetime(Datetime),
    Array(TomlArray<'i>),
    Table(TomlTable<'i>),
}

impl<'i> TomlValue<'i> {
    /// The type's name in the TOML specification, as the toml crate's
    /// messages give it.
    pub(super) fn type_str(&self) -> &'static str {
        match self {
            Self::String(_) => "string",
            Self::Integer(_) => "integer",
            Self::Float(_) => "float",
            Self::Boolean(_) => "boolean",
            Self::Datetime(_) => "datetime",
            Self::Array(_) => "array",
            Self::Table(_) => "table",
        }
    }

    pub(crate) fn as_table(&self) -> Option<&TomlTable<'i>> {
        match self {
            Self::Table(table) => Some(table),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }
}

/// A number as written, without its sign's meaning decided: read exactly
/// by whoever needs it (an integer, or a decimal without binary rounding).
#[derive(Debug)]
pub(crate) struct Number<'i> {
    text: Cow<'i, str>,
    radix: u32,
}

impl<'i> Number<'i> {
    pub(super) fn new(text: Cow<'i, str>, radix: u32) -> Self {
        Self { text, radix }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn radix(&self) -> u32 {
        self.radix
    }
}

#[derive(Debug, Default)]
pub(crate) struct TomlArray<'i> {
    items: Vec<Node<'i>>,
    /// Made by `[[name]]` headers, so that later headers may extend it.
    pub(super) of_tables: bool,
}

impl<'i> TomlArray<'i> {
    pub(super) fn of_tables() -> Self {
        Self {
            items: Vec::new(),
            of_tables: true,
        }
    }

    pub(super) fn push(&mut self, item: Node<'i>) {
        self.items.push(item);
    }

    pub(super) fn last_mut(&mut self) -> Option<&mut Node<'i>> {
        self.items.last_mut()
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Node<'i>> {
        self.items.iter()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

impl<'a, 'i> IntoIterator for &'a TomlArray<'i> {
    type Item = &'a Node<'i>;
    type IntoIter = std::slice::Iter<'a, Node<'i>>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

/// A key and the place it was written.
#[derive(Clone, Debug)]
pub(crate) struct Key<'i> {
    pub(crate) text: Cow<'i, str>,
    pub(crate) span: Span,
}

/// How many keys a table has room for at first.
const TYPICAL_KEYS: usize = 8;

/// Above this many keys a table is searched through a hash index.
const INDEXED_FROM: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct TomlTable<'i> {
    entries: Vec<(Key<'i>, Node<'i>)>,
    index: Option<HashMap<String, usize>>,
    /// Made on the way to a deeper key, not by its own header or value.
    pub(super) implicit: bool,
    /// Made, or extended, by a dotted key such as `a.b = 1`.
    pub(super) dotted: bool,
    /// Written as `{ … }`, or inside one: closed to every later key.
    pub(super) inline: bool,
}

impl<'i> TomlTable<'i> {
    pub(super) fn with_origin(implicit: bool, dotted: bool, inline: bool) -> Self {
        Self {
            implicit,
            dotted,
            inline,
            ..Self::default()
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Key<'i>, &Node<'i>)> {
        self.entries.iter().map(|(key, node)| (key, node))
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node<'i>> {
        self.get_key_value(key).map(|(_, node)| node)
    }

    pub(crate) fn get_key_value(&self, key: &str) -> Option<(&Key<'i>, &Node<'i>)> {
        let (key, node) = self.entries.get(self.position(key)?)?;
        Some((key, node))
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self
                .entries
                .iter()
                .position(|(written, _)| written.text == key),
        }
    }

    pub(super) fn key_at(&self, at: usize) -> Option<&Key<'i>> {
        self.entries.get(at).map(|(key, _)| key)
    }

    /// Moves a key to where it is written again, when a header defines a
    /// table that was implicit until then.
    pub(super) fn set_key_span(&mut self, at: usize, span: Span) {
        if let Some((key, _)) = self.entries.get_mut(at) {
            key.span = span;
        }
    }

    pub(super) fn node_at_mut(&mut self, at: usize) -> Option<&mut Node<'i>> {
        self.entries.get_mut(at).map(|(_, node)| node)
    }

    /// Adds a key the caller has checked is new, and returns its position.
    pub(super) fn push(&mut self, key: Key<'i>, node: Node<'i>) -> usize {
        let at = self.entries.len();
        if at == 0 {
            // A policy's tables hold up to about eight keys: one allocation
            // instead of growing through four.
            self.entries.reserve_exact(TYPICAL_KEYS);
        }
        if let Some(index) = &mut self.index {
            index.insert(key.text.to_string(), at);
        }
        self.entries.push((key, node));
        if self.index.is_none() && self.entries.len() > INDEXED_FROM {
            self.reindex();
        }
        at
    }

    fn reindex(&mut self) {
        self.index = Some(
            self.entries
                .iter()
                .enumerate()
                .map(|(at, (key, _))| (key.text.to_string(), at))
                .collect(),
        );
    }
}
