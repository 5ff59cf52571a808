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

use std::fmt::Write;

use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use sha2::{Digest, Sha256};

use crate::policy::Policy;
use crate::request::Request;
use crate::schema::Schema;
use crate::value::Value;

/// The shortest id prefix `ruling why` accepts: long enough that a
/// prefix rarely names more than one decision.
pub const MIN_PREFIX: usize = 8;

/// The id of the decision of `request` by `policy`.
pub fn decision_id(policy: &Policy, request: &Request) -> String {
    let mut hasher = Sha256::new();
    hasher.update(policy.sha256.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical_request(&policy.schema, request).as_bytes());
    hasher
        .finalize()
        .iter()
        .fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The canonical JSON text of a decoded request: `[["path", value], …]`
/// in the schema's field order.
pub fn canonical_request(schema: &Schema, request: &Request) -> String {
    serde_json::to_string(&Canonical { schema, request }).unwrap_or_default()
}

struct Canonical<'a> {
    schema: &'a Schema,
    request: &'a Request,
}

impl Serialize for Canonical<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.schema.fields.len()))?;
        for (slot, field) in self.schema.fields.iter().enumerate() {
            let value = self.request.values.get(slot).unwrap_or(&Value::Absent);
            seq.serialize_element(&(&field.path, value))?;
        }
        seq.end()
    }
}

/// Whether `text` can be (a prefix of) an id: lowercase hex, at least
/// [`MIN_PREFIX`] and at most 64 characters. Uppercase is accepted and
/// folded, since people copy ids by hand.
pub fn parse_prefix(text: &str) -> Result<String, PrefixError> {
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
pub enum PrefixError {
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
