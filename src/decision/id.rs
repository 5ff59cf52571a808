//! Decision ids: the same request against the same policy file always has
//! the same id, so a recorded decision can be found again and recording it
//! twice stores it once.
//!
//! The id is the lowercase hex SHA-256 of the policy file's SHA-256, a
//! newline, and the canonical request. The canonical request is built from
//! the *decoded* request, not its bytes: a JSON array of `[path, value]`
//! pairs, one per declared field in schema order, each value as the
//! decision JSON shows it (`null` when absent). So key order, whitespace and
//! members the policy ignores do not change the id; any value that reaches
//! the decision does.

use std::cell::RefCell;

use sha2::{Digest, Sha256};

use crate::decision::json_text::{push_str, push_value};
use crate::language::schema::Schema;
use crate::language::value::Value;
use crate::policy::{Policy, hex_digits};
use crate::request::Request;

/// The shortest id prefix `ruling why` accepts: long enough that a
/// prefix rarely names more than one decision.
pub(crate) const MIN_PREFIX: usize = 8;

/// A decision id: 64 lowercase hexadecimal digits, held in place so that
/// a batch makes one per line without allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DecisionId([u8; 64]);

impl DecisionId {
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// The id of the decision of `request` by `policy`.
pub(crate) fn decision_id(policy: &Policy, request: &Request) -> DecisionId {
    PER_POLICY.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached
            .as_ref()
            .is_some_and(|known| known.policy_sha256 != policy.sha256())
        {
            *cached = None;
        }
        cached
            .get_or_insert_with(|| IdStart::of(policy))
            .id_of(request)
    })
}

thread_local! {
    /// What every id of the last policy this thread hashed starts from: a
    /// batch hashes the same policy's ids line after line.
    static PER_POLICY: RefCell<Option<IdStart>> = const { RefCell::new(None) };
}

/// The parts of a policy's ids that do not depend on the request.
struct IdStart {
    policy_sha256: String,
    /// The hash state after the policy's SHA-256 and the newline: 65
    /// bytes, a whole block of SHA-256 computed once.
    after_policy: Sha256,
    /// The canonical request's text before each field's value, escaped
    /// once: `[["path",` for the first field, `],["path",` for the others.
    keys: Vec<Vec<u8>>,
    /// The canonical request being hashed, reused from line to line.
    buffer: Vec<u8>,
}

impl IdStart {
    fn of(policy: &Policy) -> Self {
        let mut after_policy = Sha256::new();
        after_policy.update(policy.sha256().as_bytes());
        after_policy.update(b"\n");
        Self {
            policy_sha256: policy.sha256().to_owned(),
            after_policy,
            keys: field_keys(&policy.schema),
            buffer: Vec::new(),
        }
    }

    fn id_of(&mut self, request: &Request) -> DecisionId {
        self.buffer.clear();
        write_canonical(&self.keys, request, &mut self.buffer);
        let mut hasher = self.after_policy.clone();
        hasher.update(&self.buffer);
        DecisionId(hex_digits(&hasher.finalize().into()))
    }
}

/// The text of the canonical request before each field's value.
fn field_keys(schema: &Schema) -> Vec<Vec<u8>> {
    schema
        .fields
        .iter()
        .enumerate()
        .map(|(slot, field)| {
            let mut key = Vec::with_capacity(field.path.len() + 6);
            key.extend_from_slice(if slot == 0 { b"[[" } else { b"],[" });
            push_str(&mut key, &field.path);
            key.push(b',');
            key
        })
        .collect()
}

/// Appends the canonical JSON text of a decoded request, `[["path",value],…]`
/// in the schema's field order, compact; `keys` from [`field_keys`].
fn write_canonical(keys: &[Vec<u8>], request: &Request, out: &mut Vec<u8>) {
    for (slot, key) in keys.iter().enumerate() {
        out.extend_from_slice(key);
        push_value(out, request.values.get(slot).unwrap_or(&Value::Absent));
    }
    out.extend_from_slice(if keys.is_empty() { b"[]" } else { b"]]" });
}

/// The canonical JSON text of a decoded request.
#[cfg(test)]
fn canonical_request(schema: &Schema, request: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(&field_keys(schema), request, &mut out);
    out
}

/// Whether `text` can be (a prefix of) an id: lowercase hex, at least
/// [`MIN_PREFIX`] and at most 64 characters. Uppercase is accepted and
/// folded, since people copy ids by hand.
pub(crate) fn parse_prefix(text: &str) -> Result<String, PrefixError> {
    let folded = text.trim().to_ascii_lowercase();
    if !folded.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(PrefixError::NotHex(text.to_owned()));
    }
    if folded.len() < MIN_PREFIX {
        return Err(PrefixError::TooShort(text.to_owned()));
    }
    if folded.len() > 64 {
        return Err(PrefixError::TooLong(text.to_owned()));
    }
    Ok(folded)
}

/// Why a text is not a decision id or a prefix of one.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PrefixError {
    #[error("`{0}` is not a decision id: ids are hexadecimal (0-9, a-f)")]
    NotHex(String),
    #[error("`{0}` is too short: give at least {MIN_PREFIX} characters of the decision id")]
    TooShort(String),
    #[error("`{0}` is longer than a decision id (64 characters)")]
    TooLong(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_request_is_the_compact_json_of_its_path_value_pairs() {
        let text = r#"
format = 1
[policy]
id = "p"
version = "1"
title = "P"
effective_date = 2025-01-01

[[field]]
path = "a.note"
type = "string"
description = "a note"

[[field]]
path = "b"
type = "decimal"
description = "an amount"

[[field]]
path = "c"
type = "list"
items = "string"
description = "tags"

[[field]]
path = "d"
type = "date"
description = "a date"

[default]
id = "otherwise"
clause = "§0"
outcome = "review"
reason = "r"
"#;
        let policy = crate::load(crate::diagnostic::SourceFile::new("p.toml", text)).unwrap();
        let request = crate::request::decode(
            &policy.schema,
            policy.meta.timezone,
            br#"{"a": {"note": "say \"hi\"\n"}, "b": "1.50", "c": ["x"]}"#,
        )
        .unwrap();
        let pairs: Vec<(&str, &Value)> = policy
            .schema
            .fields
            .iter()
            .zip(&request.values)
            .map(|(field, value)| (field.path.as_str(), value))
            .collect();
        assert_eq!(
            String::from_utf8(canonical_request(&policy.schema, &request)).unwrap(),
            serde_json::to_string(&pairs).unwrap()
        );
    }

    /// The cached start gives the id of the definition, for one policy
    /// after another on the same thread.
    #[test]
    fn the_id_is_the_sha256_of_the_policy_hash_a_newline_and_the_canonical_request() {
        for name in ["2025-01-22", "2025-06-01", "2025-01-22"] {
            let path = format!(
                "{}/policies/iptv-smarters-pro/{name}.toml",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap();
            let policy = crate::load(crate::diagnostic::SourceFile::new(path, text)).unwrap();
            let request = crate::request::decode(
                &policy.schema,
                policy.meta.timezone,
                br#"{"purchase": {"date": "2025-07-01", "amount": 5}}"#,
            )
            .unwrap();
            let mut whole = policy.sha256().as_bytes().to_vec();
            whole.push(b'\n');
            whole.extend(canonical_request(&policy.schema, &request));
            assert_eq!(
                decision_id(&policy, &request),
                DecisionId(hex_digits(&Sha256::digest(&whole).into()))
            );
        }
    }

    #[test]
    fn prefixes_are_checked_and_folded() {
        assert_eq!(parse_prefix("ABCDEF0123").unwrap(), "abcdef0123");
        assert_eq!(
            parse_prefix("abc").unwrap_err(),
            PrefixError::TooShort("abc".into())
        );
        assert!(matches!(
            parse_prefix("abcdefgh"),
            Err(PrefixError::NotHex(_))
        ));
        assert!(matches!(
            parse_prefix(&"a".repeat(65)),
            Err(PrefixError::TooLong(_))
        ));
    }
}
