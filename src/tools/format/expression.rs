//! Expressions re-printed in canonical form, and written back as TOML
//! strings in the quotes that need the fewest escapes.

use toml_edit::Value;

use crate::diagnostic::span::Origin;
use crate::language::parser::{parse_expression, print};

/// Re-prints the expression held by a string value, keeping the value's
/// decoration (its trailing comment). A value that is not an expression,
/// or whose printed form would not read back as the same expression, is
/// left exactly as written.
pub(super) fn reprint(value: &mut Value) {
    let Some(canonical) = value.as_str().and_then(canonical) else {
        return;
    };
    let Ok(mut replacement) = quote(&canonical).parse::<Value>() else {
        return;
    };
    if replacement.as_str() != Some(canonical.as_str()) {
        return;
    }
    *replacement.decor_mut() = value.decor().clone();
    *value = replacement;
}

/// The canonical text of an expression, when `text` is one and printing it
/// gives back the same tree.
pub(super) fn canonical(text: &str) -> Option<String> {
    let expr = parse_expression(text, &Origin::Identity).ok()?;
    let printed = print(&expr);
    let reread = parse_expression(&printed, &Origin::Identity).ok()?;
    (reread == expr).then_some(printed)
}

/// `text` as a TOML string: a literal string (`'…'`) when it holds a double
/// quote and no single quote, so the expression reads as written; a basic
/// string with escapes otherwise.
pub(super) fn quote(text: &str) -> String {
    let literal = text.contains('"')
        && !text.contains('\'')
        && !text.chars().any(|c| c.is_control() && c != '\t');
    if literal {
        return format!("'{text}'");
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reprinted(repr: &str) -> String {
        let mut value: Value = repr.parse().unwrap();
        reprint(&mut value);
        value.to_string()
    }

    #[test]
    fn spacing_becomes_canonical() {
        assert_eq!(reprinted("\"a<=7   and(b)\""), "\"a <= 7 and b\"");
    }

    #[test]
    fn double_quotes_go_in_a_literal_string() {
        assert_eq!(
            reprinted("\"reason=='billing_error'\""),
            "'reason == \"billing_error\"'"
        );
    }

    #[test]
    fn both_quotes_need_a_basic_string_with_escapes() {
        assert_eq!(reprinted("'''name == \"it's\"'''"), r#""name == \"it's\"""#);
    }

    #[test]
    fn several_lines_become_one() {
        assert_eq!(reprinted("'''\na\n  or b\n'''"), "\"a or b\"");
    }

    #[test]
    fn text_that_is_not_an_expression_stays_as_written() {
        assert_eq!(reprinted("'a  ==  '"), "'a  ==  '");
        assert_eq!(reprinted("7"), "7");
    }

    #[test]
    fn a_trailing_comment_stays_with_the_value() {
        let mut value: Value = "\"a  or b\"".parse().unwrap();
        value.decor_mut().set_suffix("   # why");
        reprint(&mut value);
        assert_eq!(
            value.decor().suffix().and_then(|s| s.as_str()),
            Some("   # why")
        );
        assert_eq!(value.as_str(), Some("a or b"));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(quote("a\u{1}\"b"), "\"a\\u0001\\\"b\"");
        let parsed: Value = quote("x == \"\\\\\" and y").parse().unwrap();
        assert_eq!(parsed.as_str(), Some("x == \"\\\\\" and y"));
    }
}
