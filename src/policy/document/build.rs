//! Builds the document tree from `toml_parser`'s events, with the TOML
//! rules on defining tables once, the way the toml crate applies them and
//! with its messages.
//!
//! The toml crate's own tree put a hash map behind every table and sent
//! every string through its general decoder: for a policy file that was
//! about half of its loading. Here plain strings and keys are
//! borrowed from the file after one scan, and tables are small vectors.

use std::borrow::Cow;

use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::{Event, EventKind, RecursionGuard};
use toml_parser::{ParseError, Raw, Source};

use super::tree::{Key, Node, Number, TomlArray, TomlTable, TomlValue};
use crate::diagnostic::span::Span;

/// How deeply arrays and inline tables may nest, and how many parts a
/// dotted key may have: the toml crate's limit.
const MAX_NESTING: u32 = 80;

/// Parses `text` into its root table, or gives the first error.
pub(super) fn parse(text: &str) -> Result<TomlTable<'_>, ParseError> {
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    let mut events = Vec::with_capacity(tokens.len());
    let mut first_error = None;
    let mut guarded = RecursionGuard::new(&mut events, MAX_NESTING);
    toml_parser::parser::parse_document(&tokens, &mut guarded, &mut first_error);
    if let Some(error) = earliest(first_error, whitespace_error(source, &events)) {
        return Err(error);
    }
    Builder {
        events: &events,
        at: 0,
        source,
        root: TomlTable::default(),
        current: Vec::new(),
    }
    .document()
}

/// What toml_parser's `ValidateWhitespace` checks, its first error: a
/// comment with a control character, or a carriage return without a line
/// feed. It checked a comment byte by byte through a table, and looked up
/// every line end's text: a twentieth of loading a policy, whose comments
/// quote the policy's text. Here a comment is checked 32 bytes at a time
/// and a line end by its byte; only a bad one goes through the decoder,
/// for its message.
fn whitespace_error(source: Source<'_>, events: &[Event]) -> Option<ParseError> {
    let bytes = source.input().as_bytes();
    let mut error = None;
    for event in events {
        let span = event.span();
        let suspect = match event.kind() {
            EventKind::Comment => !bytes
                .get(span.start()..span.end())
                .is_some_and(|comment| every_byte(comment, printable)),
            EventKind::Newline => bytes.get(span.start()..span.end()) == Some(b"\r"),
            _ => false,
        };
        if !suspect {
            continue;
        }
        if let Some(raw) = source.get(event) {
            match event.kind() {
                EventKind::Comment => raw.decode_comment(&mut error),
                _ => raw.decode_newline(&mut error),
            }
        }
        if error.is_some() {
            break;
        }
    }
    error
}

/// The error written first, of the parser's and the whitespace's: the
/// order in which `ValidateWhitespace` would have reported them.
fn earliest(parser: Option<ParseError>, whitespace: Option<ParseError>) -> Option<ParseError> {
    let start = |error: &ParseError| error.unexpected().map_or(0, |span| span.start());
    match (parser, whitespace) {
        (Some(parser), Some(whitespace)) if start(&whitespace) < start(&parser) => Some(whitespace),
        (Some(parser), _) => Some(parser),
        (None, whitespace) => whitespace,
    }
}

struct Builder<'e, 'i> {
    events: &'e [Event],
    at: usize,
    source: Source<'i>,
    root: TomlTable<'i>,
    /// The table that key-value pairs go into: the positions of its keys
    /// from the root (an array of tables stands for its last table).
    current: Vec<usize>,
}

/// Where a table being walked to was made, for the tables made on the way.
#[derive(Clone, Copy)]
struct Walk {
    dotted: bool,
    inline: bool,
}

impl<'i> Builder<'_, 'i> {
    fn next(&mut self) -> Option<Event> {
        let event = self.events.get(self.at).copied();
        self.at += 1;
        event
    }

    fn peek_kind(&self, ahead: usize) -> Option<EventKind> {
        self.events.get(self.at + ahead).map(Event::kind)
    }

    fn skip_whitespace(&mut self) {
        if self.peek_kind(0) == Some(EventKind::Whitespace) {
            self.at += 1;
        }
    }

    fn document(mut self) -> Result<TomlTable<'i>, ParseError> {
        while let Some(event) = self.next() {
            match event.kind() {
                EventKind::StdTableOpen | EventKind::ArrayTableOpen => self.header(event)?,
                EventKind::SimpleKey => {
                    let (path, key) = self.key(event)?;
                    self.skip_whitespace();
                    if self.next().map(|event| event.kind()) != Some(EventKind::KeyValSep) {
                        break;
                    }
                    self.skip_whitespace();
                    let value = self.value()?;
                    self.key_value(&path, key, value)?;
                }
                _ => {}
            }
        }
        Ok(self.root)
    }

    /// `[a.b]` or `[[a.b]]`: makes the table that the pairs below go into.
    fn header(&mut self, open: Event) -> Result<(), ParseError> {
        let is_array = open.kind() == EventKind::ArrayTableOpen;
        let mut span = open.span();
        let mut name = None;
        while let Some(event) = self.next() {
            match event.kind() {
                EventKind::StdTableClose | EventKind::ArrayTableClose => {
                    span = span.append(event.span());
                    break;
                }
                EventKind::SimpleKey => name = Some(self.key(event)?),
                _ => {}
            }
        }
        let Some((path, key)) = name else {
            return Ok(());
        };
        let span = our_span(span);
        self.current.clear();
        let walk = Walk {
            dotted: false,
            inline: false,
        };
        let parent = descend(&mut self.root, &path, walk, Some(&mut self.current))?;
        let at = if is_array {
            add_array_table(parent, key, span)?
        } else {
            define_table(parent, key, span)?
        };
        self.current.push(at);
        Ok(())
    }

    fn key_value(
        &mut self,
        path: &[Key<'i>],
        key: Key<'i>,
        value: Node<'i>,
    ) -> Result<(), ParseError> {
        let mut table = resolve(&mut self.root, &self.current).ok_or_else(lost_table)?;
        let dotted = !path.is_empty();
        if dotted {
            let walk = Walk {
                dotted: true,
                inline: false,
            };
            table = descend(table, path, walk, None)?;
            // TOML: dotted keys may not add to a table defined by a header.
            if !table.implicit {
                return Err(duplicate_key(&key, None));
            }
        }
        insert(table, key, value)
    }

    /// A key, dotted or not: the path of tables leading to it, and itself.
    fn key(&mut self, first: Event) -> Result<(Vec<Key<'i>>, Key<'i>), ParseError> {
        let mut path = Vec::new();
        let mut last = self.decode_key(first)?;
        if self.more_key() {
            while let Some(event) = self.next() {
                if event.kind() == EventKind::SimpleKey {
                    path.push(std::mem::replace(&mut last, self.decode_key(event)?));
                    if !self.more_key() {
                        break;
                    }
                }
            }
        }
        if path.len() >= MAX_NESTING as usize {
            return Err(ParseError::new("recursion limit"));
        }
        Ok((path, last))
    }

    /// Whether a `.` comes next, perhaps after whitespace.
    fn more_key(&self) -> bool {
        match (self.peek_kind(0), self.peek_kind(1)) {
            (Some(EventKind::KeySep), _) => true,
            (Some(EventKind::Whitespace), second) => second == Some(EventKind::KeySep),
            _ => false,
        }
    }

    fn value(&mut self) -> Result<Node<'i>, ParseError> {
        let Some(event) = self.next() else {
            return Err(ParseError::new("expected a value"));
        };
        match event.kind() {
            EventKind::InlineTableOpen => self.inline_table(event),
            EventKind::ArrayOpen => self.array(event),
            EventKind::Scalar => self.scalar(event),
            _ => Err(ParseError::new("expected a value").with_unexpected(event.span())),
        }
    }

    fn array(&mut self, open: Event) -> Result<Node<'i>, ParseError> {
        let mut array = TomlArray::default();
        let mut end = open.span().end();
        while let Some(event) = self.next() {
            end = event.span().end();
            match event.kind() {
                EventKind::InlineTableOpen => array.push(self.inline_table(event)?),
                EventKind::ArrayOpen => array.push(self.array(event)?),
                EventKind::Scalar => array.push(self.scalar(event)?),
                EventKind::ArrayClose => break,
                EventKind::ValueSep
                | EventKind::Whitespace
                | EventKind::Comment
                | EventKind::Newline
                | EventKind::Error => {}
                _ => break,
            }
        }
        Ok(Node::new(
            TomlValue::Array(array),
            Span::new(open.span().start(), end),
        ))
    }

    fn inline_table(&mut self, open: Event) -> Result<Node<'i>, ParseError> {
        let mut table = TomlTable::with_origin(false, false, true);
        let mut end = open.span().end();
        let mut pending: Option<(Vec<Key<'i>>, Key<'i>)> = None;
        while let Some(event) = self.next() {
            end = event.span().end();
            let value = match event.kind() {
                EventKind::SimpleKey => {
                    pending = Some(self.key(event)?);
                    continue;
                }
                EventKind::InlineTableOpen => self.inline_table(event)?,
                EventKind::ArrayOpen => self.array(event)?,
                EventKind::Scalar => self.scalar(event)?,
                EventKind::InlineTableClose => break,
                EventKind::KeyValSep
                | EventKind::ValueSep
                | EventKind::Whitespace
                | EventKind::Comment
                | EventKind::Newline
                | EventKind::Error => continue,
                _ => break,
            };
            if let Some((path, key)) = pending.take() {
                inline_key_value(&mut table, &path, key, value)?;
            }
        }
        Ok(Node::new(
            TomlValue::Table(table),
            Span::new(open.span().start(), end),
        ))
    }

    fn raw(&self, event: Event) -> Result<Raw<'i>, ParseError> {
        self.source.get(event).ok_or_else(|| {
            ParseError::new("a token outside the file").with_unexpected(event.span())
        })
    }

    /// The text of a token, as written.
    fn written(&self, event: Event) -> &'i str {
        let span = event.span();
        self.source
            .input()
            .get(span.start()..span.end())
            .unwrap_or_default()
    }

    fn decode_key(&self, event: Event) -> Result<Key<'i>, ParseError> {
        let text = match plain_key(self.written(event), event.encoding()) {
            Some(text) => Cow::Borrowed(text),
            None => {
                let raw = self.raw(event)?;
                let mut decoded = Cow::Borrowed("");
                let mut error = None;
                raw.decode_key(&mut decoded, &mut error);
                if let Some(error) = error {
                    return Err(error);
                }
                decoded
            }
        };
        Ok(Key {
            text,
            span: our_span(event.span()),
        })
    }

    fn scalar(&self, event: Event) -> Result<Node<'i>, ParseError> {
        let span = our_span(event.span());
        if let Some(text) = plain_string(self.written(event), event.encoding()) {
            return Ok(Node::new(TomlValue::String(Cow::Borrowed(text)), span));
        }
        let raw = self.raw(event)?;
        let mut decoded = Cow::Borrowed("");
        let mut error = None;
        let kind = raw.decode_scalar(&mut decoded, &mut error);
        if let Some(error) = error {
            return Err(error);
        }
        let value = match kind {
            ScalarKind::String => TomlValue::String(decoded),
            ScalarKind::Boolean(value) => TomlValue::Boolean(value),
            ScalarKind::DateTime => match decoded.parse() {
                Ok(datetime) => TomlValue::Datetime(datetime),
                Err(error) => {
                    return Err(ParseError::new(error.to_string()).with_unexpected(event.span()));
                }
            },
            ScalarKind::Float => TomlValue::Float(Number::new(decoded, 10)),
            ScalarKind::Integer(radix) => TomlValue::Integer(Number::new(decoded, radix.value())),
        };
        Ok(Node::new(value, span))
    }
}

/// An unquoted key that needs no decoding: letters, digits, `-` and `_`.
fn plain_key(text: &str, encoding: Option<Encoding>) -> Option<&str> {
    let plain = encoding.is_none()
        && !text.is_empty()
        && every_byte(text.as_bytes(), |byte| {
            byte.is_ascii_alphanumeric() | (byte == b'-') | (byte == b'_')
        });
    if plain {
        return Some(text);
    }
    plain_string(text, encoding)
}

/// A one-line string that needs no decoding: no escapes, and nothing that
/// TOML forbids in it, so that the decoder would return it unchanged.
fn plain_string(text: &str, encoding: Option<Encoding>) -> Option<&str> {
    let (quote, forbidden) = match encoding? {
        Encoding::BasicString => (b'"', b'\\'),
        Encoding::LiteralString => (b'\'', b'\''),
        Encoding::MlBasicString | Encoding::MlLiteralString => return None,
    };
    let inner = text
        .strip_prefix(quote as char)?
        .strip_suffix(quote as char)?;
    every_byte(inner.as_bytes(), |byte| {
        printable(byte) & (byte != quote) & (byte != forbidden)
    })
    .then_some(inner)
}

/// What TOML allows in comments and one-line strings: tab, and anything
/// but the control characters.
fn printable(byte: u8) -> bool {
    ((byte >= 0x20) | (byte == b'\t')) & (byte != 0x7f)
}

/// Whether every byte is `allowed`, tested 32 at a time without a branch
/// per byte, so that the compiler can use vector instructions.
fn every_byte(bytes: &[u8], allowed: impl Fn(u8) -> bool) -> bool {
    bytes
        .chunks(32)
        .all(|chunk| chunk.iter().fold(true, |all, &byte| all & allowed(byte)))
}

/// The table at `positions` from the root: an array of tables stands for
/// its last table, as later keys extend that one.
fn resolve<'t, 'i>(
    mut table: &'t mut TomlTable<'i>,
    positions: &[usize],
) -> Option<&'t mut TomlTable<'i>> {
    for &at in positions {
        table = match table.node_at_mut(at)?.get_mut() {
            TomlValue::Table(child) => child,
            TomlValue::Array(array) if array.of_tables => match array.last_mut()?.get_mut() {
                TomlValue::Table(child) => child,
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(table)
}

/// Walks from `table` down the keys of `path`, making the tables that do
/// not exist yet; a header records the position of each key walked, as
/// the place its pairs go.
fn descend<'t, 'i>(
    mut table: &'t mut TomlTable<'i>,
    path: &[Key<'i>],
    walk: Walk,
    mut positions: Option<&mut Vec<usize>>,
) -> Result<&'t mut TomlTable<'i>, ParseError> {
    for key in path {
        let at = match table.position(&key.text) {
            Some(at) => at,
            None => {
                let child = TomlTable::with_origin(true, walk.dotted, walk.inline);
                table.push(key.clone(), Node::new(TomlValue::Table(child), key.span))
            }
        };
        if let Some(positions) = positions.as_deref_mut() {
            positions.push(at);
        }
        let node = table.node_at_mut(at).ok_or_else(lost_table)?;
        let old_span = node.span();
        let type_name = node.get_ref().type_str();
        let of_tables = matches!(node.get_ref(), TomlValue::Array(array) if array.of_tables);
        table = match node.get_mut() {
            TomlValue::Table(child) => {
                if child.inline && !walk.inline {
                    return Err(ParseError::new(
                        "cannot extend value of type inline table with a dotted key",
                    )
                    .with_unexpected(parser_span(key.span)));
                }
                if walk.dotted && child.implicit && !walk.inline {
                    child.dotted = true;
                }
                // TOML: a table is defined once; dotted keys may not reopen
                // one that a header or an inline table defined.
                if walk.dotted && !child.implicit {
                    return Err(duplicate_key(key, None));
                }
                child
            }
            TomlValue::Array(array) if of_tables && !walk.inline => {
                match array.last_mut().map(Node::get_mut) {
                    Some(TomlValue::Table(child)) => child,
                    _ => return Err(cannot_extend("array", key, old_span)),
                }
            }
            _ => return Err(cannot_extend(type_name, key, old_span)),
        };
    }
    Ok(table)
}

/// `[name]`: a new table, or one that was implicit until now.
fn define_table<'i>(
    parent: &mut TomlTable<'i>,
    key: Key<'i>,
    span: Span,
) -> Result<usize, ParseError> {
    let Some(at) = parent.position(&key.text) else {
        let table = TomlTable::with_origin(false, false, false);
        return Ok(parent.push(key, Node::new(TomlValue::Table(table), span)));
    };
    let old_key = parent.key_at(at).map(|old| old.span);
    let node = parent.node_at_mut(at).ok_or_else(lost_table)?;
    let TomlValue::Table(table) = node.get_mut() else {
        return Err(duplicate_key(&key, old_key));
    };
    if !table.implicit || table.dotted {
        return Err(duplicate_key(&key, old_key));
    }
    table.implicit = false;
    node.set_span(span);
    parent.set_key_span(at, key.span);
    Ok(at)
}

/// `[[name]]`: one more table in the array of tables.
fn add_array_table<'i>(
    parent: &mut TomlTable<'i>,
    key: Key<'i>,
    span: Span,
) -> Result<usize, ParseError> {
    let table = Node::new(TomlValue::Table(TomlTable::default()), span);
    let Some(at) = parent.position(&key.text) else {
        let mut array = TomlArray::of_tables();
        array.push(table);
        return Ok(parent.push(key, Node::new(TomlValue::Array(array), span)));
    };
    let node = parent.node_at_mut(at).ok_or_else(lost_table)?;
    let old_span = node.span();
    match node.get_mut() {
        TomlValue::Array(array) if array.of_tables => {
            array.push(table);
            Ok(at)
        }
        _ => Err(duplicate_key(&key, Some(old_span))),
    }
}

fn insert<'i>(table: &mut TomlTable<'i>, key: Key<'i>, value: Node<'i>) -> Result<(), ParseError> {
    if let Some(at) = table.position(&key.text) {
        return Err(duplicate_key(&key, table.key_at(at).map(|old| old.span)));
    }
    table.push(key, value);
    Ok(())
}

/// A key-value pair inside `{ … }`, where dotted keys make inline tables.
fn inline_key_value<'i>(
    table: &mut TomlTable<'i>,
    path: &[Key<'i>],
    key: Key<'i>,
    value: Node<'i>,
) -> Result<(), ParseError> {
    let walk = Walk {
        dotted: true,
        inline: true,
    };
    let parent = descend(table, path, walk, None)?;
    // TOML: dotted keys extend only the tables that dotted keys made.
    if parent.dotted == path.is_empty() {
        return Err(duplicate_key(&key, None));
    }
    insert(parent, key, value)
}

fn duplicate_key(key: &Key<'_>, first: Option<Span>) -> ParseError {
    let error = ParseError::new("duplicate key").with_unexpected(parser_span(key.span));
    match first {
        Some(first) => error.with_context(parser_span(first)),
        None => error,
    }
}

fn cannot_extend(type_name: &str, key: &Key<'_>, old_span: Span) -> ParseError {
    ParseError::new(format!(
        "cannot extend value of type {type_name} with a dotted key"
    ))
    .with_unexpected(parser_span(key.span))
    .with_context(parser_span(old_span))
}

/// A position recorded while building no longer leads to a table. The
/// builder only records positions of tables, so this is not reached.
fn lost_table() -> ParseError {
    ParseError::new("the document tree lost a table")
}

fn our_span(span: toml_parser::Span) -> Span {
    Span::new(span.start(), span.end())
}

fn parser_span(span: Span) -> toml_parser::Span {
    toml_parser::Span::new_unchecked(span.start, span.end)
}
