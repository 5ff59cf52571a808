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
                    let checked = parse_expression(source, &origin)
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

#[cfg_attr(test, derive(Debug, PartialEq))]
enum Piece<'t> {
    Text(String),
    /// A placeholder's expression and the byte offset where it starts.
    Placeholder(usize, &'t str),
}

/// Splits `{expr}` placeholders from text; `Err` holds the offset of an
/// unclosed `{`.
fn split_template(text: &str) -> Result<Vec<Piece<'_>>, usize> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut at = 0;
    while let Some(found) = memchr::memchr2(b'{', b'}', bytes.get(at..).unwrap_or_default()) {
        let brace = at + found;
        literal.push_str(text.get(at..brace).unwrap_or_default());
        let doubled = bytes.get(brace + 1) == bytes.get(brace);
        match bytes.get(brace) {
            Some(b'{') if !doubled => {
                let start = brace + 1;
                let end = placeholder_end(text, start).ok_or(brace)?;
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                let source = text.get(start..end).unwrap_or_default();
                pieces.push(Piece::Placeholder(start, source));
                at = end + 1;
            }
            // `{{` and `}}` stand for one brace; a lone `}` is text.
            Some(&brace_byte) => {
                literal.push(char::from(brace_byte));
                at = brace + if doubled { 2 } else { 1 };
            }
            None => break,
        }
    }
    literal.push_str(text.get(at..).unwrap_or_default());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(literal: &str) -> Piece<'_> {
        Piece::Text(literal.to_owned())
    }

    fn placeholder(start: usize, source: &str) -> Piece<'_> {
        Piece::Placeholder(start, source)
    }

    #[test]
    fn text_and_placeholders_are_split_at_their_braces() {
        assert_eq!(split_template("").unwrap(), vec![]);
        assert_eq!(
            split_template("No refund.").unwrap(),
            vec![text("No refund.")]
        );
        assert_eq!(
            split_template("Refund {amount} {currency}.").unwrap(),
            vec![
                text("Refund "),
                placeholder(8, "amount"),
                text(" "),
                placeholder(17, "currency"),
                text("."),
            ]
        );
        assert_eq!(split_template("{x}").unwrap(), vec![placeholder(1, "x")]);
    }

    #[test]
    fn doubled_braces_are_literal_and_a_lone_closing_brace_is_text() {
        assert_eq!(
            split_template("{{a}} b } c").unwrap(),
            vec![text("{a} b } c")]
        );
        assert_eq!(
            split_template("{{{x}}}").unwrap(),
            vec![text("{"), placeholder(3, "x"), text("}")]
        );
        assert_eq!(split_template("}}}").unwrap(), vec![text("}}")]);
    }

    #[test]
    fn braces_in_a_placeholder_string_do_not_close_it() {
        assert_eq!(
            split_template(r#"é {if x then "}" else '{'} ü"#).unwrap(),
            vec![
                text("é "),
                placeholder(4, r#"if x then "}" else '{'"#),
                text(" ü"),
            ]
        );
    }

    #[test]
    fn an_unclosed_placeholder_is_reported_at_its_brace() {
        assert_eq!(split_template("days: {days").unwrap_err(), 6);
        assert_eq!(split_template("€ {\"}\"").unwrap_err(), 4);
    }
}
