//! The decoder's fast path: a request of the usual shape read in one pass
//! over its bytes, without serde. The usual shape is an object of declared
//! members, each given once, whose values are strings without escapes,
//! numbers, booleans, `null` and the declared objects, every one of the
//! type its field declares.
//!
//! Anything else (an escape, a list, a member the policy does not declare,
//! a member given twice, a value of the wrong type or form, any syntax
//! error) makes the fast path give up, and the full decoder reads the
//! request again and reports exactly what it always has. So the fast path
//! never decides what a request means on its own: it yields either the
//! values the full decoder would yield, or nothing.

use std::sync::Arc;

use crate::language::schema::{Member, Object, Schema};
use crate::language::types::Type;
use crate::language::value::Value;
use crate::language::zone::Zone;

use super::{Found, date, datetime, exact_decimal, whole_number};

/// Declared objects nested deeper than this are left to the full decoder,
/// which counts nesting against `serde_json`'s limit.
const MAX_DEPTH: usize = 64;

/// The values of a request of the usual shape, indexed like
/// `schema.fields`; `None` when the full decoder must read it.
pub(super) fn decode_plain(
    schema: &Schema,
    timezone: Zone,
    text: &str,
    max_string_bytes: usize,
) -> Option<Vec<Value>> {
    let mut reader = Reader {
        text,
        at: 0,
        schema,
        timezone,
        max_string_bytes,
        values: schema
            .fields
            .iter()
            .map(|field| field.default.clone())
            .collect(),
    };
    reader.skip_whitespace();
    reader.object(&schema.root, 0)?;
    reader.skip_whitespace();
    (reader.at == text.len()).then_some(reader.values)
}

struct Reader<'a> {
    text: &'a str,
    /// The offset of the next byte to read.
    at: usize,
    schema: &'a Schema,
    timezone: Zone,
    max_string_bytes: usize,
    values: Vec<Value>,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.at..).unwrap_or_default()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.rest().starts_with(word).then(|| self.at += word.len())
    }

    /// A declared object whose `{` is next; its members go into their slots.
    fn object(&mut self, object: &'a Object, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH || object.members.len() > 64 {
            return None;
        }
        self.eat(b'{')?;
        self.skip_whitespace();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut seen = 0u64;
        loop {
            let name = self.plain_string()?;
            let (index, member) =
                object
                    .members
                    .iter()
                    .enumerate()
                    .find_map(|(index, (declared, member))| {
                        (declared == name).then_some((index, member))
                    })?;
            let bit = 1u64 << index;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            self.skip_whitespace();
            self.eat(b':')?;
            self.skip_whitespace();
            match member {
                Member::Field(slot) => self.field(*slot)?,
                // A declared object given as `null`: none of its fields is given.
                Member::Object(_) if self.peek()? == b'n' => self.literal(b"null")?,
                Member::Object(inner) => self.object(inner, depth + 1)?,
            }
            self.skip_whitespace();
            if self.eat(b'}').is_some() {
                return Some(());
            }
            self.eat(b',')?;
            self.skip_whitespace();
        }
    }

    /// The content of a string whose `"` is next, when it holds no escape
    /// and no control character (which JSON does not allow unescaped).
    fn plain_string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let end = start + memchr::memchr2(b'"', b'\\', self.rest())?;
        let content = self.text.as_bytes().get(start..end)?;
        // A fold without an early exit tests many bytes per instruction.
        let control = content
            .iter()
            .fold(false, |found, byte| found | (*byte < 0x20));
        if control || self.text.as_bytes().get(end) != Some(&b'"') {
            return None;
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// A JSON number, exactly as written.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.at;
        let _ = self.eat(b'-');
        if self.eat(b'0').is_none() {
            self.digits()?;
        }
        if self.eat(b'.').is_some() {
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digits()?;
        }
        self.text.get(start..self.at)
    }

    /// One digit or more.
    fn digits(&mut self) -> Option<()> {
        let count = self
            .rest()
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        self.at += count;
        (count > 0).then_some(())
    }

    /// The value of field `slot`, whose first byte is next, written into
    /// its slot in place: moving a `Value` out of an `Option` would read
    /// back, in other widths, the bytes just written, and stall.
    fn field(&mut self, slot: usize) -> Option<()> {
        let schema = self.schema;
        let ty = &schema.fields.get(slot)?.ty;
        match self.peek()? {
            b'"' => {
                let text = self.plain_string()?;
                // Blank counts as not given: the default stays.
                if text.trim_start().is_empty() {
                    return Some(());
                }
                if text.len() > self.max_string_bytes {
                    return None;
                }
                let timezone = self.timezone;
                set_text(self.values.get_mut(slot)?, ty, text, timezone)
            }
            b'n' => self.literal(b"null"),
            b't' | b'f' => {
                let given = self.boolean()?;
                matches!(ty, Type::Bool).then_some(())?;
                *self.values.get_mut(slot)? = Value::Bool(given);
                Some(())
            }
            b'-' | b'0'..=b'9' => {
                let text = self.number()?;
                let into = self.values.get_mut(slot)?;
                match ty {
                    Type::Integer => *into = Value::Integer(whole_number(text).ok()?),
                    Type::Decimal => {
                        *into = Value::Decimal(exact_decimal(text, Found::number).ok()?);
                    }
                    _ => return None,
                }
                Some(())
            }
            _ => None,
        }
    }

    /// `true` or `false`, whose first byte is next.
    fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true").is_some() {
            return Some(true);
        }
        self.literal(b"false").map(|()| false)
    }
}

/// Sets `into` to a string given for a field of type `ty`, read as the full
/// decoder reads it.
fn set_text(into: &mut Value, ty: &Type, text: &str, timezone: Zone) -> Option<()> {
    match ty {
        Type::String => *into = Value::string(text),
        // The declared value is shared, not copied.
        Type::Enum(allowed) => {
            *into = Value::String(Arc::clone(allowed.iter().find(|value| ***value == *text)?))
        }
        Type::Decimal => *into = Value::Decimal(exact_decimal(text.trim(), Found::text).ok()?),
        Type::Date => *into = Value::Date(date(text.trim(), timezone).ok()?),
        Type::DateTime => *into = Value::DateTime(datetime(text.trim()).ok()?),
        _ => return None,
    }
    Some(())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::*;
    use crate::Policy;
    use crate::diagnostic::SourceFile;
    use crate::limits::RequestLimits;
    use crate::request::decode_fully;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn load(path: &Path) -> Policy {
        let text = std::fs::read_to_string(path).unwrap();
        crate::load(SourceFile::new(path.display().to_string(), text)).unwrap()
    }

    fn files(folder: &Path, extension: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == extension))
            .collect();
        files.sort();
        files
    }

    fn iptv() -> Policy {
        load(&root().join("policies/iptv-smarters-pro/2025-01-22.toml"))
    }

    /// Whether the fast path read `text`; when it did, its values must be
    /// the full decoder's, and the full decoder must have no warning.
    fn agrees(policy: &Policy, text: &str) -> bool {
        let limits = RequestLimits::default();
        let fast = decode_plain(
            &policy.schema,
            policy.meta.timezone,
            text,
            limits.max_string_bytes,
        );
        let Some(values) = fast else {
            return false;
        };
        let full = decode_fully(&policy.schema, policy.meta.timezone, text, limits)
            .unwrap_or_else(|error| panic!("the fast path read {text}, the full decoder: {error}"));
        assert_eq!(values, full.values, "{text}");
        assert!(full.warnings.is_empty(), "{text}");
        true
    }

    /// The request of a case file, as written there.
    fn case_request(text: &str) -> String {
        #[derive(serde::Deserialize)]
        struct Case<'a> {
            #[serde(borrow)]
            request: &'a serde_json::value::RawValue,
        }
        serde_json::from_str::<Case>(text)
            .unwrap()
            .request
            .get()
            .to_owned()
    }

    /// Every case of every shipped policy, against every version of it.
    #[test]
    fn the_fast_path_reads_the_cases_as_the_full_decoder_does() {
        let mut read = 0;
        let mut folders: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.join("cases").is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let versions: Vec<Policy> = files(&folder, "toml").iter().map(|p| load(p)).collect();
            for case in files(&folder.join("cases"), "json") {
                let request = case_request(&std::fs::read_to_string(&case).unwrap());
                for policy in &versions {
                    read += usize::from(agrees(policy, &request));
                }
            }
        }
        assert!(read > 50, "the fast path read only {read} cases");
    }

    /// The bad requests that fail decoding all go to the full decoder,
    /// which reports them; the others (refused by a constraint) agree.
    #[test]
    fn the_fast_path_leaves_every_undecodable_request_to_the_full_decoder() {
        let policy = iptv();
        let limits = RequestLimits::default();
        for path in files(&root().join("tests/fixtures/requests"), "json") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if decode_fully(&policy.schema, policy.meta.timezone, &text, limits).is_err() {
                let fast = decode_plain(&policy.schema, policy.meta.timezone, &text, 1 << 20);
                assert!(fast.is_none(), "{}", path.display());
            } else {
                agrees(&policy, &text);
            }
        }
    }

    const PLAIN: &str = r#"{"purchase": {"invoice_number": "INV-1", "date": "2025-03-01", "email": "a@b.c", "amount": 59.99, "currency": "EUR"}, "request": {"date": "2025-03-05T10:00:00+02:00", "email": "a@b.c", "invoice_number": "INV-1", "explanation": "It broke", "reason": "technical_failure"}, "support": {"contacted": true, "issue_resolved": false}, "customer": null}"#;

    #[test]
    fn a_plain_request_takes_the_fast_path() {
        assert!(agrees(&iptv(), PLAIN));
        assert!(agrees(&iptv(), &PLAIN.replace("59.99", "\"59.99\"")));
        assert!(agrees(&iptv(), &PLAIN.replace("\"EUR\"", "\"  \"")));
    }

    /// Each edit makes the request unusual in one way: bad syntax, an
    /// escape, an undeclared or repeated member, a wrong type.
    #[test]
    fn unusual_requests_go_to_the_full_decoder() {
        let policy = iptv();
        let edits = [
            ("59.99", "59.99,"),
            ("59.99", "059.99"),
            ("59.99", "59."),
            ("59.99", "5e1"),
            ("59.99", "-"),
            ("true", "truex"),
            ("true", "\"true\""),
            ("It broke", "It \\\"broke\\\""),
            ("It broke", "It\tbroke"),
            ("\"currency\"", "\"currncy\""),
            ("\"currency\"", "\"email\""),
            ("\"customer\": null", "\"customer\": \"\""),
            ("technical_failure", "technical failure"),
            ("2025-03-01", "2025-02-30"),
            ("2025-03-01", "2025-03-01T10:00:00"),
            ("{\"purchase\"", "[{\"purchase\""),
        ];
        for (from, to) in edits {
            let edited = PLAIN.replacen(from, to, 1);
            assert!(!agrees(&policy, &edited), "{edited}");
        }
        assert!(!agrees(&policy, &format!("{PLAIN} x")));
    }

    proptest! {
        /// Any one byte removed, replaced or added anywhere: the fast path
        /// either gives up or agrees with the full decoder.
        #[test]
        fn an_edited_request_is_read_as_the_full_decoder_reads_it(
            at in 0..PLAIN.len(),
            byte in prop::sample::select(b"{}[]\",:. \\-0123456789eEtfnul\x01a".to_vec()),
            edit in 0..3u8,
        ) {
            let mut bytes = PLAIN.as_bytes().to_vec();
            match edit {
                0 => { bytes.remove(at); }
                1 => bytes[at] = byte,
                _ => bytes.insert(at, byte),
            }
            if let Ok(text) = String::from_utf8(bytes) {
                agrees(&iptv(), &text);
            }
        }
    }
}
