//! Reasons with `{expression}` placeholders.

use super::{Loader, Names};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::language::check::check;
use crate::language::parser::parse_expression;
use crate::policy::document::Text;
use crate::policy::{Template, TemplatePart};

impl Loader<'_, '_> {
    /// Splits a reason into text and `{expression}` placeholders.
    pub(super) fn template(&mut self, text: &Text, names: &Names) -> Option<Template> {
        let pieces = match split_template(&text.value) {
            Ok(pieces) => pieces,
            Err(at) => {
                let span = text.origin.span(Span::new(at, at + 1));
                self.push(
                    Diagnostic::new("unclosed-placeholder", "this `{` is never closed", span)
                        .with_label("opened here")
                        .with_help(
                            "close the placeholder with `}`, or write `{{` for a literal brace",
                        ),
                );
                return None;
            }
        };
        let mut parts = Vec::new();
        let mut valid = true;
        for piece in pieces {
            match piece {
                Piece::Text(literal) => parts.push(TemplatePart::Text(literal)),
                Piece::Placeholder(start, source) if source.trim().is_empty() => {
                    valid = false;
                    let span = text
                        .origin
                        .span(Span::new(start.saturating_sub(1), start + source.len() + 1));
                    self.push(
                        Diagnostic::new("empty-placeholder", "this `{}` in the reason is empty", span)
                            .with_label("nothing to show here")
                            .with_help("put an expression inside, such as `{days_since_purchase}`, or write `{{` and `}}` for literal braces"),
                    );
                }
                Piece::Placeholder(start, source) => {
                    let origin = text.origin.slice(start);
                    let checked = parse_expression(&source, &origin)
                        .map_err(|errors| self.errors.extend(errors))
                        .ok()
                        .and_then(|expr| check(&expr, &names.placeholder_scope(), self.errors));
                    match checked {
                        Some(checked) => parts.push(TemplatePart::Value(checked)),
                        None => valid = false,
                    }
                }
            }
        }
        valid.then_some(Template { parts })
    }
}

enum Piece {
    Text(String),
    /// A placeholder's expression and the byte offset where it starts.
    Placeholder(usize, String),
}

/// Splits `{expr}` placeholders from text; `Err` holds the offset of an
/// unclosed `{`.
fn split_template(text: &str) -> Result<Vec<Piece>, usize> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|(_, next)| *next) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|(_, next)| *next) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let start = at + 1;
                let end = placeholder_end(text, start).ok_or(at)?;
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Placeholder(
                    start,
                    text.get(start..end).unwrap_or_default().to_owned(),
                ));
                while chars.peek().is_some_and(|(next, _)| *next <= end) {
                    chars.next();
                }
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

/// The offset of the `}` closing a placeholder, skipping braces in strings.
fn placeholder_end(text: &str, start: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (offset, c) in text.get(start..)?.char_indices() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '}') => return Some(start + offset),
            _ => {}
        }
    }
    None
}
