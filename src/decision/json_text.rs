//! Compact JSON text written by hand on the hot paths (batch lines, decision
//! ids), byte for byte as `serde_json` writes it: serialising through serde
//! costs more than deciding. Tests hold the two to the same bytes.

use std::io::Write as _;

use crate::language::value::{Value, plain_date};

/// Appends `text` as a JSON string, escaped as `serde_json` escapes it:
/// `"` and `\`, control characters as `\n`-style or `\u00XX`, and nothing
/// else.
pub(crate) fn push_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if has_escapes(bytes) {
        push_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// Appends a keyword of the decision format (an outcome, a section, a
/// status, an operator) as a JSON string. Keywords are words of the code,
/// with nothing to escape, so the test for characters to escape, which
/// every other text goes through, is left out: a traced line writes
/// dozens of them.
pub(crate) fn push_keyword(out: &mut Vec<u8>, keyword: &'static str) {
    debug_assert!(!has_escapes(keyword.as_bytes()), "{keyword}");
    out.push(b'"');
    out.extend_from_slice(keyword.as_bytes());
    out.push(b'"');
}

/// Whether any byte needs escaping. Most text needs none; a fold without an
/// early exit lets the compiler test many bytes per instruction.
fn has_escapes(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, byte| {
        found | (*byte < 0x20) | (*byte == b'"') | (*byte == b'\\')
    })
}

fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut copied = 0;
    for (at, byte) in bytes.iter().enumerate() {
        if let Some(escape) = escape_of(*byte) {
            out.extend_from_slice(bytes.get(copied..at).unwrap_or_default());
            escape.push_to(out);
            copied = at + 1;
        }
    }
    out.extend_from_slice(bytes.get(copied..).unwrap_or_default());
}

/// Appends `value` as [`Value`]'s `Serialize` implementation writes it: an
/// absent value as `null`, booleans and integers bare, lists as arrays,
/// everything else as the string it displays as.
pub(crate) fn push_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Absent => out.extend_from_slice(b"null"),
        Value::Bool(value) => push_bool(out, *value),
        Value::Integer(number) => push_integer(out, *number),
        Value::String(text) => push_str(out, text),
        Value::List(items) => push_list(out, items, push_value),
        Value::Date(date) => match plain_date(*date) {
            Some(text) => {
                out.push(b'"');
                out.extend_from_slice(&text);
                out.push(b'"');
            }
            None => push_displayed(out, value),
        },
        shown => push_displayed(out, shown),
    }
}

/// Appends a value's display as a JSON string. Numbers, dates, times and
/// durations display without characters to escape, so they are written in
/// place; should one ever need escaping, it is written again escaped.
fn push_displayed(out: &mut Vec<u8>, value: &Value) {
    let start = out.len();
    out.push(b'"');
    let _ = write!(out, "{value}");
    let clean = out
        .get(start + 1..)
        .is_some_and(|written| written.iter().all(|byte| escape_of(*byte).is_none()));
    if clean {
        out.push(b'"');
    } else {
        let text = String::from_utf8_lossy(out.get(start + 1..).unwrap_or_default()).into_owned();
        out.truncate(start);
        push_str(out, &text);
    }
}

/// Appends an integer as JSON writes it: through `itoa`, since the
/// formatting machinery costs more than the digits on lines with many.
pub(crate) fn push_integer(out: &mut Vec<u8>, number: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
}

/// Appends `true` or `false`. Each arm copies a text of known length,
/// which compiles to a store; one copy of either length would call
/// `memcpy`, and traces write a boolean for most of their nodes.
pub(crate) fn push_bool(out: &mut Vec<u8>, value: bool) {
    if value {
        out.extend_from_slice(b"true");
    } else {
        out.extend_from_slice(b"false");
    }
}

/// Appends `items` as a JSON array, each written by `push`.
pub(crate) fn push_list<T>(out: &mut Vec<u8>, items: &[T], mut push: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push(out, item);
    }
    out.push(b']');
}

/// Appends `pairs` as a JSON object of names and values, in their order.
pub(crate) fn push_object<N: AsRef<str>, V: std::borrow::Borrow<Value>>(
    out: &mut Vec<u8>,
    pairs: &[(N, V)],
) {
    out.push(b'{');
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        push_key(out, name.as_ref());
        push_value(out, value.borrow());
    }
    out.push(b'}');
}

/// Appends `"key":`.
pub(crate) fn push_key(out: &mut Vec<u8>, key: &str) {
    push_str(out, key);
    out.push(b':');
}

enum Escape {
    Short(u8),
    Unicode(u8),
}

impl Escape {
    fn push_to(&self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match *self {
            Escape::Short(letter) => out.extend_from_slice(&[b'\\', letter]),
            Escape::Unicode(byte) => {
                let high = HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
                let low = HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0');
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', high, low]);
            }
        }
    }
}

fn escape_of(byte: u8) -> Option<Escape> {
    match byte {
        b'"' => Some(Escape::Short(b'"')),
        b'\\' => Some(Escape::Short(b'\\')),
        0x08 => Some(Escape::Short(b'b')),
        0x0c => Some(Escape::Short(b'f')),
        b'\n' => Some(Escape::Short(b'n')),
        b'\r' => Some(Escape::Short(b'r')),
        b'\t' => Some(Escape::Short(b't')),
        0x00..=0x1f => Some(Escape::Unicode(byte)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn written(value: &Value) -> String {
        let mut out = Vec::new();
        push_value(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn every_control_character_and_both_special_characters_are_escaped_as_serde_does() {
        let text: String = (0u8..0x80)
            .map(char::from)
            .chain("é\u{2028}😀".chars())
            .collect();
        let mut out = Vec::new();
        push_str(&mut out, &text);
        assert_eq!(
            String::from_utf8(out).ok(),
            serde_json::to_string(&text).ok()
        );
    }

    #[test]
    fn values_are_written_as_their_serialize_implementation_writes_them() {
        let date = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default();
        for value in [
            Value::Absent,
            Value::Bool(true),
            Value::Integer(-42),
            Value::Decimal(Decimal::new(9138, 2)),
            Value::Date(date),
            Value::Date(chrono::NaiveDate::from_ymd_opt(12_000, 1, 2).unwrap_or_default()),
            Value::DateTime(
                chrono::DateTime::parse_from_rfc3339("2025-03-01T10:00:00+02:00").unwrap(),
            ),
            Value::Duration(chrono::TimeDelta::hours(-30)),
            Value::String("say \"hi\"\n".into()),
            Value::List(vec![Value::Integer(1), Value::String("a\\b".into())].into()),
        ] {
            assert_eq!(
                written(&value),
                serde_json::to_string(&value).unwrap_or_default()
            );
        }
    }

    proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(text in any::<String>()) {
            let mut out = Vec::new();
            push_str(&mut out, &text);
            prop_assert_eq!(String::from_utf8(out).ok(), serde_json::to_string(&text).ok());
        }

        #[test]
        fn strings_dense_in_escapes_are_written_as_serde_json_writes_them(
            text in "[\"\\\\\u{0}-\u{1f}a-c é]{0,40}"
        ) {
            let mut out = Vec::new();
            push_str(&mut out, &text);
            prop_assert_eq!(String::from_utf8(out).ok(), serde_json::to_string(&text).ok());
        }
    }
}
