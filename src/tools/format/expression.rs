//! Expressions re-printed in canonical form, and written back as TOML
//! strings in the quotes that need the fewest escapes: on one line when
//! the line fits, else laid out over several lines in a multi-line
//! literal string.

use toml_edit::Value;

use super::wrap::{MAX_WIDTH, layout};
use crate::diagnostic::span::Origin;
use crate::language::ast::Expr;
use crate::language::parser::{parse_expression, print};

/// How far in the lines of an expression laid out over several lines start.
const INDENT: usize = 2;

/// Re-prints the expression held by a string value, keeping the value's
/// decoration (its trailing comment). `key_width` is how far into its line
/// the value starts (`when = `), when it may take several lines; a value
/// inside an inline table stays on its line. A value that is not an
/// expression, or whose printed form would not read back as the same
/// expression, is left exactly as written.
pub(super) fn reprint(value: &mut Value, key_width: Option<usize>) {
    let Some((expr, canonical)) = value.as_str().and_then(parsed) else {
        return;
    };
    let one_line = (quote(&canonical), canonical);
    let (repr, content) = match key_width {
        Some(width) if width + one_line.0.chars().count() > MAX_WIDTH => {
            several_lines(&expr).unwrap_or(one_line)
        }
        _ => one_line,
    };
    let Ok(mut replacement) = repr.parse::<Value>() else {
        return;
    };
    if replacement.as_str() != Some(content.as_str()) {
        return;
    }
    *replacement.decor_mut() = value.decor().clone();
    *value = replacement;
}

/// The canonical text of an expression, when `text` is one and printing it
/// gives back the same tree.
pub(super) fn canonical(text: &str) -> Option<String> {
    parsed(text).map(|(_, printed)| printed)
}

fn parsed(text: &str) -> Option<(Expr, String)> {
    let expr = parse_expression(text, &Origin::Identity).ok()?;
    let printed = print(&expr);
    let reread = parse_expression(&printed, &Origin::Identity).ok()?;
    (reread == expr).then_some((expr, printed))
}

/// `expr` on the lines of its own between the quotes of a multi-line
/// literal string (`'''…'''`), and the string it holds: `None` when a
/// literal string cannot hold the text, or when it would not read back as
/// the same expression: the indentation can take an expression near the
/// length limit of an expression past it. An expression that fits in 100 columns once it no
/// longer follows its key stays on one line there.
fn several_lines(expr: &Expr) -> Option<(String, String)> {
    let lines = layout(expr, INDENT, MAX_WIDTH);
    let literal = !lines.contains("'''")
        && !lines
            .chars()
            .any(|c| c.is_control() && c != '\t' && c != '\n');
    if !literal {
        return None;
    }
    let reread = parse_expression(&lines, &Origin::Identity).ok()?;
    if reread != *expr {
        return None;
    }
    // TOML drops the new line right after the opening quotes.
    Some((format!("'''\n{lines}\n'''"), format!("{lines}\n")))
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
    use crate::limits::MAX_EXPRESSION_CHARS;

    fn reprinted(repr: &str) -> String {
        let mut value: Value = repr.parse().unwrap();
        reprint(&mut value, Some("when = ".len()));
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
        reprint(&mut value, Some("when = ".len()));
        assert_eq!(
            value.decor().suffix().and_then(|s| s.as_str()),
            Some("   # why")
        );
        assert_eq!(value.as_str(), Some("a or b"));
    }

    /// `field_0 > 0 and field_1 > 1 and …`, 16 characters an operand.
    fn long_chain(operands: usize) -> String {
        (0..operands)
            .map(|n| format!("field_{n} > {n}"))
            .collect::<Vec<_>>()
            .join(" and ")
    }

    #[test]
    fn a_line_past_100_columns_becomes_several() {
        let text = long_chain(6);
        let fits = format!("\"{text}\"");
        assert_eq!(fits.len() + "when = ".len(), 100);
        assert_eq!(reprinted(&fits), fits);
        let text = long_chain(7);
        let expected = (0..7)
            .map(|n| format!("  {}field_{n} > {n}\n", if n == 0 { "" } else { "and " }))
            .collect::<String>();
        assert_eq!(
            reprinted(&format!("\"{text}\"")),
            format!("'''\n{expected}'''")
        );
    }

    #[test]
    fn inside_an_inline_table_a_long_expression_stays_on_one_line() {
        let text = format!("\"{}\"", long_chain(20));
        let mut value: Value = text.parse().unwrap();
        reprint(&mut value, None);
        assert_eq!(value.to_string(), text);
    }

    #[test]
    fn a_long_expression_with_both_quotes_goes_in_a_multi_line_literal_string() {
        let text = format!("{} or name == \"it's\"", long_chain(9));
        let mut value = Value::from(text.as_str());
        reprint(&mut value, Some(7));
        assert!(value.to_string().starts_with("'''\n"), "{value}");
        assert!(
            value.to_string().ends_with("  or name == \"it's\"\n'''"),
            "{value}"
        );
    }

    #[test]
    fn three_single_quotes_keep_a_long_expression_on_one_line() {
        let text = format!("{} or name == \"'''\"", long_chain(9));
        let mut value = Value::from(text.as_str());
        reprint(&mut value, Some(7));
        assert_eq!(value.as_str(), Some(text.as_str()));
        assert!(!value.to_string().contains('\n'));
    }

    /// Four groups of four groups … of `leaf`, `depth` deep, alternating
    /// `and` and `or`.
    fn groups(depth: u32, leaf: &str) -> String {
        if depth == 0 {
            return leaf.to_owned();
        }
        let joint = if depth.is_multiple_of(2) {
            " or "
        } else {
            " and "
        };
        let inner = vec![groups(depth - 1, leaf); 4];
        format!("({})", inner.join(joint))
    }

    #[test]
    fn an_expression_whose_layout_would_pass_the_length_limit_stays_on_one_line() {
        let text = groups(4, &format!("a_{} > 1", "x".repeat(27)));
        let expr = parse_expression(&text, &Origin::Identity).unwrap();
        let printed = print(&expr);
        assert!(printed.chars().count() <= MAX_EXPRESSION_CHARS);
        let laid_out = layout(&expr, INDENT, MAX_WIDTH);
        assert!(laid_out.chars().count() > MAX_EXPRESSION_CHARS);
        let mut value = Value::from(text.as_str());
        reprint(&mut value, Some("when = ".len()));
        assert_eq!(value.as_str(), Some(printed.as_str()));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(quote("a\u{1}\"b"), "\"a\\u0001\\\"b\"");
        let parsed: Value = quote("x == \"\\\\\" and y").parse().unwrap();
        assert_eq!(parsed.as_str(), Some("x == \"\\\\\" and y"));
    }
}
