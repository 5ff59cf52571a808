//! The last check before a formatted file is handed back: it must hold the
//! same data, with expressions compared as trees, and every comment of the
//! original. A failure here is a bug in `ruling fmt`; the file is then
//! left as it is rather than changed in meaning.

use toml_parser::Source;
use toml_parser::lexer::TokenKind;

use super::expression::canonical;
use super::kind::Kind;

/// What a formatted file would lose, when it would lose anything.
pub(super) fn loss(original: &str, formatted: &str) -> Option<&'static str> {
    if comments(original) != comments(formatted) {
        return Some("lose or change a comment");
    }
    match (meaning(original), meaning(formatted)) {
        (Some(before), Some(after)) if before == after => None,
        (Some(_), Some(_)) => Some("change what the policy says"),
        _ => Some("not be valid TOML"),
    }
}

/// The comments of a TOML text, sorted: tables and keys move, comments
/// move with them.
pub(crate) fn comments(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Source::new(text)
        .lex()
        .filter(|token| token.kind() == TokenKind::Comment)
        .filter_map(|token| text.get(token.span().start()..token.span().end()))
        .map(str::trim_end)
        .collect();
    found.sort_unstable();
    found
}

/// The data of a policy file with every expression in canonical form.
/// Tables compare without regard to key order; lists, such as the rules,
/// in order.
fn meaning(text: &str) -> Option<toml::Table> {
    let mut table: toml::Table = toml::from_str(text).ok()?;
    canonical_table(&mut table, Kind::Root);
    Some(table)
}

fn canonical_table(table: &mut toml::Table, kind: Kind) {
    for (key, value) in table.iter_mut() {
        canonical_value(value, kind, key);
    }
}

fn canonical_value(value: &mut toml::Value, parent: Kind, key: &str) {
    match value {
        toml::Value::String(text) if parent.holds_expression(key) => {
            if let Some(printed) = canonical(text) {
                *text = printed;
            }
        }
        toml::Value::Table(table) => canonical_table(table, parent.child(key)),
        toml::Value::Array(items) => {
            for item in items {
                if let toml::Value::Table(table) = item {
                    canonical_table(table, parent.child(key));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_comment_is_caught() {
        assert_eq!(
            loss("a = 1 # one\n", "a = 1\n"),
            Some("lose or change a comment")
        );
    }

    #[test]
    fn key_order_and_expression_spacing_do_not_count() {
        let before = "[[rule]]\nwhen = 'a==\"x\"'\nid = \"r\"\n";
        let after = "[[rule]]\nid = \"r\"\nwhen = 'a == \"x\"'\n";
        assert_eq!(loss(before, after), None);
    }

    #[test]
    fn a_changed_expression_is_caught() {
        let before = "[derived]\nx = \"a + b * c\"\n";
        let after = "[derived]\nx = \"(a + b) * c\"\n";
        assert_eq!(loss(before, after), Some("change what the policy says"));
    }

    #[test]
    fn reordered_rules_are_caught() {
        let before = "[[rule]]\nid = \"a\"\n[[rule]]\nid = \"b\"\n";
        let after = "[[rule]]\nid = \"b\"\n[[rule]]\nid = \"a\"\n";
        assert_eq!(loss(before, after), Some("change what the policy says"));
    }

    #[test]
    fn comments_inside_strings_are_not_comments() {
        assert_eq!(comments("a = \"# no\" # yes\n"), vec!["# yes"]);
    }
}
