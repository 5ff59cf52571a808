//! TOML syntax errors in words a policy owner knows.

use toml_parser::{Expected, ParseError};

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;

/// The parser's message: its description, then what it expected.
pub(super) fn message(error: &ParseError) -> String {
    let mut message = error.description().to_owned();
    if let Some(expected) = error.expected() {
        message.push_str(", expected ");
        if expected.is_empty() {
            message.push_str("nothing");
        }
        for (i, expected) in expected.iter().enumerate() {
            if i != 0 {
                message.push_str(", ");
            }
            match expected {
                Expected::Literal(literal) => message.push_str(&render_literal(literal)),
                Expected::Description(description) => message.push_str(description),
                _ => message.push_str("etc"),
            }
        }
    }
    message
}

fn render_literal(literal: &str) -> String {
    match literal {
        "\n" => "newline".to_owned(),
        "`" => "'`'".to_owned(),
        control if control.chars().all(|c| c.is_ascii_control()) => {
            format!("`{}`", control.escape_debug())
        }
        literal => format!("`{literal}`"),
    }
}

/// A TOML syntax error in words a policy owner knows, for the mistakes
/// they make most; anything else keeps the parser's own message.
pub(super) fn syntax_error(text: &str, error: &ParseError) -> Diagnostic {
    let span = error
        .unexpected()
        .map_or(Span::empty(0), |span| Span::new(span.start(), span.end()));
    let message = message(error);
    let raw = message.trim().trim_end_matches('.');
    let found = text.get(span.range()).unwrap_or_default();
    let line = line_at(text, span.start);
    if raw.starts_with("duplicate key") {
        return duplicate_key(text, span, found);
    }
    if raw.starts_with("string values must be quoted") {
        return unquoted_value(span, found, line);
    }
    if raw.starts_with("invalid basic string") || raw.starts_with("invalid literal string") {
        return Diagnostic::new("toml-syntax", "this string is never closed", span)
            .with_label("the line ends before the closing quote")
            .with_help(
                "close the string on the same line, or use a multi-line string (`'''…'''`)",
            );
    }
    if raw.starts_with("key with no value") {
        return Diagnostic::new(
            "toml-syntax",
            "`=` is missing between the key and its value",
            span,
        )
        .with_label("expected `=` here")
        .with_help("write `key = value`, for example `outcome = \"approve\"`");
    }
    if raw.starts_with("unexpected key or value")
        && line.trim_end().ends_with('"')
        && line.contains("= \"")
    {
        return quote_inside_string(span, line);
    }
    if raw.starts_with("missing comma between array elements") {
        return Diagnostic::new("toml-syntax", "a list is not closed before this line", span)
            .with_label("the list should have ended before this")
            .with_help("close the list with `]` at the end of its last item");
    }
    if raw.starts_with("unclosed array table") || raw.starts_with("unclosed table") {
        let name = line.trim().trim_matches(['[', ']']);
        let header = if raw.starts_with("unclosed array table") {
            format!("[[{name}]]")
        } else {
            format!("[{name}]")
        };
        return Diagnostic::new("toml-syntax", "this table header is not closed", span)
            .with_label("expected `]` here")
            .with_help(format!("write `{header}`"));
    }
    Diagnostic::new("toml-syntax", lowercase_first(raw), span)
        .with_label("the TOML syntax breaks here")
        .with_help("see https://toml.io for the syntax of TOML files")
}

/// The line that holds `offset`.
fn line_at(text: &str, offset: usize) -> &str {
    let start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    text.get(start..)
        .unwrap_or_default()
        .split('\n')
        .next()
        .unwrap_or_default()
}

fn duplicate_key(text: &str, span: Span, key: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::new("duplicate-key", format!("`{key}` is given twice"), span)
        .with_label("given again here")
        .with_help("keep one of them: a key appears once in its table");
    let mut offset = 0;
    for line in text
        .get(..span.start)
        .unwrap_or_default()
        .split_inclusive('\n')
    {
        let trimmed = line.trim_start();
        if trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            let start = offset + line.len() - trimmed.len();
            diagnostic.secondary = vec![(
                Span::new(start, start + key.len()),
                "first given here".to_owned(),
            )];
        }
        offset += line.len();
    }
    diagnostic
}

fn unquoted_value(span: Span, found: &str, line: &str) -> Diagnostic {
    let key = line.split('=').next().unwrap_or_default().trim();
    let date_like = found.contains(['/', '.'])
        && found
            .chars()
            .all(|c| c.is_ascii_digit() || c == '/' || c == '.');
    if date_like {
        return Diagnostic::new(
            "toml-syntax",
            format!("`{found}` is not a date TOML understands"),
            span,
        )
        .with_label("not a TOML date")
        .with_help(format!(
            "write dates as YYYY-MM-DD without quotes, for example `{key} = 2025-03-01`"
        ));
    }
    Diagnostic::new("toml-syntax", format!("`{found}` needs quotes"), span)
        .with_label("text must be quoted")
        .with_help(format!("write `{key} = \"{found}\"`"))
}

fn quote_inside_string(span: Span, line: &str) -> Diagnostic {
    let (key, value) = line.split_once('=').unwrap_or_default();
    let value = value.trim();
    let inner = value.strip_prefix('"').unwrap_or(value);
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    Diagnostic::new("toml-syntax", "a `\"` inside this string ends it early", span)
        .with_label("the string ended just before this")
        .with_help(format!(
            "write the value between single quotes, so that it can hold double quotes: `{} = '{inner}'`",
            key.trim()
        ))
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
