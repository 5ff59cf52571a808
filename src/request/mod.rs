//! Decoding a JSON request against a policy's [`Schema`].
//!
//! A request of the usual shape (declared members given once, plain
//! strings, numbers, booleans, each of its field's type) is read first by
//! the hand-written fast path in [`fast`], one pass over the bytes without
//! serde. Any other request, and every request with a problem, is read
//! (again) by the full decoder below, which alone reports problems, so
//! every message stays the same whichever path read the request.
//!
//! The full decoder reads the request in one pass, straight from its
//! bytes: the schema's object tree drives a
//! [`serde::de::DeserializeSeed`], members the policy
//! does not declare are skipped with [`IgnoredAny`], and every field value
//! is taken as its raw JSON text ([`RawValue`]), so numbers keep exactly the
//! digits they were written with. A value of the wrong kind is recorded as a
//! [`Problem`] and decoding goes on, so one answer lists every problem; only
//! JSON that cannot be read at all stops it, with that one problem.
//!
//! Nothing here recurses on the input's nesting: declared objects recurse
//! only as deep as the schema (and `serde_json`'s limit of 128 levels guards
//! them; the fast path gives up past 64), while skipped members and raw field values are scanned without
//! recursion, so any depth of input is safe.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use chrono::format::ParseErrorKind;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::diagnostic::suggest;
use crate::language::schema::{Member, Object, Schema};
use crate::language::types::{Record, Type};
use crate::language::value::{Item, Value};
use crate::language::zone::Zone;
use crate::limits::{MAX_JSON_DEPTH, MAX_LIST_ITEMS, RequestLimits};

mod fast;

/// Found values are shown up to this many characters.
const SHOWN_CHARS: usize = 40;
/// Help texts list up to this many allowed values or members.
const SHOWN_NAMES: usize = 10;

const AMOUNT_HELP: &str = "write the amount as digits with a `.` decimal point, without a currency sign or thousands separators, for example `\"59.99\"`";
const DATE_HELP: &str = "write dates as YYYY-MM-DD, for example `\"2025-03-01\"`";
const DATETIME_HELP: &str =
    "write a date and time with an offset, for example `\"2025-03-01T18:00:00Z\"` for UTC";

/// A decoded request: one value per field slot of the schema. Made by
/// [`Request::decode`], decided by [`decide`](crate::decide).
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decoded = ruling::Request::decode(&policy, request.as_bytes())?;
/// assert_eq!(ruling::decide(&policy, &decoded)?.outcome, ruling::Outcome::Approve);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// Indexed like `Schema::fields`; a field that is not given holds its
    /// default, which is [`Value::Absent`] when it has none.
    pub(crate) values: Vec<Value>,
    /// Members the policy does not declare that look like a misspelling of
    /// one it does: ignored, but reported with the decision.
    pub(crate) warnings: Vec<RequestWarning>,
}

/// Something in a request that did not stop its decision but may not be
/// what the sender meant.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, br#"{"purchase": {"amount": "9.99", "emial": "a@b.c"}}"#)?;
/// assert_eq!(decision.warnings[0].path, "purchase.emial");
/// assert_eq!(decision.warnings[0].code, "undeclared-member");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RequestWarning {
    /// The dotted JSON path of the member: `retrun`, `order.items[1].prise`.
    pub path: String,
    /// A stable code: `undeclared-member`.
    pub code: &'static str,
    /// What may be wrong, with a "did you mean".
    pub message: String,
}

/// Why a request was rejected: every problem found, in document order.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let error = ruling::Request::decode(&policy, br#"{"purchase": {"amount": true, "date": "1/3/2025"}}"#)
///     .unwrap_err();
/// assert_eq!(error.problems.len(), 2);
/// println!("{error}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// The problems, at least one.
    pub problems: Vec<Problem>,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&problem.message())?;
            if let Some(help) = problem.help() {
                write!(f, "\n  help: {help}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for RequestError {}

impl RequestError {
    /// A request larger than `limit` bytes, refused unread; for readers
    /// that stop reading at the limit.
    pub(crate) fn too_large(limit: usize) -> Self {
        Self {
            problems: vec![Problem::new("", ProblemKind::RequestTooLarge { limit })],
        }
    }
}

/// One problem of a request, at a JSON path.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let error = ruling::Request::decode(&policy, br#"{"purchase": {"amount": true}}"#).unwrap_err();
/// let problem = &error.problems[0];
/// assert_eq!(problem.path, "purchase.amount");
/// println!("{} {}", problem.code(), problem.message());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The dotted JSON path, such as `purchase.amount` or `order.tags[2]`;
    /// empty for the request as a whole.
    pub path: String,
    pub(crate) kind: ProblemKind,
}

/// The kinds of problems, each with its message (without the path).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProblemKind {
    #[error("the request is empty")]
    Empty,
    #[error("the request is not valid UTF-8, at byte {offset} (line {line}, column {column})")]
    InvalidUtf8 {
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("the request is UTF-16 text; ruling reads UTF-8")]
    Utf16,
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Syntax {
        reason: String,
        line: usize,
        column: usize,
    },
    #[error("the request ends too early, at line {line}, column {column}: {reason}")]
    UnexpectedEnd {
        reason: &'static str,
        line: usize,
        column: usize,
    },
    #[error("the request is larger than the limit of {limit} bytes")]
    RequestTooLarge { limit: usize },
    #[error("the text is {length} bytes long, more than the limit of {limit} bytes")]
    StringTooLong { length: usize, limit: usize },
    #[error("the list has {count} items, more than the limit of {MAX_LIST_ITEMS}")]
    TooManyItems { count: usize },
    #[error(
        "the request nests deeper than {MAX_JSON_DEPTH} levels, at line {line}, column {column}"
    )]
    TooDeep { line: usize, column: usize },
    #[error("unexpected text after the end of the request, at line {line}, column {column}")]
    TrailingCharacters { line: usize, column: usize },
    #[error("the request must be a JSON object, found {found}")]
    NotAnObject { found: Found },
    /// The request is a string holding a JSON object: encoded twice.
    #[error("the request must be a JSON object, found {found}")]
    EncodedTwice { found: Found },
    #[error("expected {expected}, found {found}")]
    WrongType { expected: Expected, found: Found },
    #[error("is given twice")]
    GivenTwice,
    /// With `--strict`: a member the policy does not declare.
    #[error("is not a field of this policy")]
    Undeclared { suggestion: Option<String> },
    #[error("`{value}` is not one of the allowed values")]
    NotAllowed {
        value: String,
        allowed: Arc<[Arc<str>]>,
        suggestion: Option<String>,
    },
    #[error("expected {expected}, found {}", .found.plain())]
    Format { expected: Expected, found: Found },
    #[error("`{text}` is not a valid {}", if *.has_time { "date and time" } else { "date" })]
    InvalidDate {
        expected: Expected,
        text: String,
        has_time: bool,
    },
    #[error("expected {expected}, found `{text}`, which has no offset")]
    MissingOffset { expected: Expected, text: String },
    #[error("expected {}, found `{text}`, which has no time", Expected::DateTime)]
    MissingTime { text: String },
    #[error("expected {}, found {found}", Expected::Integer)]
    NotWhole { found: Found },
    #[error("expected {expected}, found {}, which is too large{}", .found.plain(), if *.expected == Expected::Decimal { " or too precise" } else { "" })]
    TooLarge { expected: Expected, found: Found },
    #[error("expected {}, found {}, which uses an exponent", Expected::Decimal, .found.plain())]
    Exponent { found: Found },
    #[error(
        "the text has an escape `{escape}` that is half of a UTF-16 surrogate pair, not a character"
    )]
    LoneSurrogate { escape: String },
}

/// What a field or object expects, as the messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A declared object, with the names of its members.
    Object {
        members: Vec<String>,
    },
    Array,
    String,
    Bool,
    Integer,
    Decimal,
    Date,
    DateTime,
    Enum {
        allowed: Arc<[Arc<str>]>,
    },
    /// A type no field can declare (`duration`), named by its keyword.
    Other(&'static str),
}

impl Expected {
    fn of(ty: &Type) -> Self {
        match ty {
            Type::Bool => Expected::Bool,
            Type::Integer => Expected::Integer,
            Type::Decimal => Expected::Decimal,
            Type::String => Expected::String,
            Type::Date => Expected::Date,
            Type::DateTime => Expected::DateTime,
            Type::Enum(allowed) => Expected::Enum {
                allowed: Arc::clone(allowed),
            },
            Type::List(_) => Expected::Array,
            Type::Record(record) => Expected::Object {
                members: record
                    .schema
                    .root
                    .members
                    .iter()
                    .map(|(name, _)| name.clone())
                    .collect(),
            },
            Type::Duration | Type::Nothing => Expected::Other(ty.keyword()),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Object { .. } => f.write_str("an object"),
            Expected::Array => f.write_str("an array"),
            Expected::String => f.write_str("a string"),
            Expected::Bool => f.write_str("`true` or `false`"),
            Expected::Integer => f.write_str("a whole number"),
            Expected::Decimal => f.write_str("a decimal amount"),
            Expected::Date => f.write_str("a date (YYYY-MM-DD)"),
            Expected::DateTime => f.write_str("a date and time with an offset (RFC 3339)"),
            Expected::Enum { .. } => f.write_str("one of the allowed values"),
            Expected::Other(keyword) => write!(f, "a value of type `{keyword}`"),
        }
    }
}

/// The JSON value a request gave, shortened for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    Null,
    Bool(bool),
    /// A number as written.
    Number(String),
    /// A string's content.
    Text(String),
    Array,
    Object,
}

impl Found {
    fn number(text: &str) -> Self {
        Found::Number(shorten(text))
    }

    fn text(text: &str) -> Self {
        Found::Text(shorten(text))
    }

    /// How the value reads where a string was welcome: strings bare.
    fn plain(&self) -> String {
        match self {
            Found::Text(text) => format!("`{text}`"),
            other => other.to_string(),
        }
    }

    /// The value as JSON text, for examples in help texts.
    fn as_json(&self) -> Option<String> {
        match self {
            Found::Bool(b) => Some(b.to_string()),
            Found::Number(text) => Some(text.clone()),
            Found::Text(text) => Some(format!("\"{text}\"")),
            Found::Null | Found::Array | Found::Object => None,
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Null => f.write_str("`null`"),
            Found::Bool(b) => write!(f, "`{b}`"),
            Found::Number(text) => write!(f, "the number `{text}`"),
            Found::Text(text) => write!(f, "the text `{text}`"),
            Found::Array => f.write_str("an array"),
            Found::Object => f.write_str("an object"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl Problem {
    fn new(path: &str, kind: ProblemKind) -> Self {
        Self {
            path: path.to_owned(),
            kind,
        }
    }

    /// The message, led by the path: "`purchase.amount`: expected a decimal
    /// amount, found `true`".
    ///
    /// ```
    /// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
    /// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
    /// # let request = case["request"].to_string();
    /// let error = ruling::Request::decode(&policy, br#"{"purchase": {"amount": true}}"#).unwrap_err();
    /// assert!(error.problems[0].message().starts_with("`purchase.amount`"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn message(&self) -> String {
        match &self.kind {
            _ if self.path.is_empty() => self.kind.to_string(),
            ProblemKind::GivenTwice | ProblemKind::Undeclared { .. } => {
                format!("`{}` {}", self.path, self.kind)
            }
            kind => format!("`{}`: {kind}", self.path),
        }
    }

    /// How to fix it, when there is something to say.
    ///
    /// ```
    /// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
    /// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
    /// # let request = case["request"].to_string();
    /// let error = ruling::Request::decode(&policy, b"").unwrap_err();
    /// assert!(error.problems[0].help().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn help(&self) -> Option<String> {
        match &self.kind {
            ProblemKind::Empty => Some(
                "send the request as one JSON object, for example `{\"purchase\": {\"amount\": \"59.99\"}}`"
                    .to_owned(),
            ),
            ProblemKind::InvalidUtf8 { .. } => Some("save the request as UTF-8 text".to_owned()),
            ProblemKind::Utf16 => Some("save the request as UTF-8 text".to_owned()),
            ProblemKind::Syntax { reason, .. } => syntax_help(reason).map(str::to_owned),
            ProblemKind::UnexpectedEnd { .. } => {
                Some("check that every `{`, `[` and `\"` is closed".to_owned())
            }
            ProblemKind::RequestTooLarge { .. } => Some(
                "send only the fields the policy declares; a program deciding larger requests can raise the limit (`ruling decide --max-request-bytes`)".to_owned(),
            ),
            ProblemKind::StringTooLong { .. } => {
                Some("shorten the text; no rule needs more than a few paragraphs".to_owned())
            }
            ProblemKind::TooManyItems { .. } => {
                Some("a request lists at most this many items; decide a larger order in parts".to_owned())
            }
            ProblemKind::TooDeep { .. } => None,
            ProblemKind::TrailingCharacters { .. } => Some(
                "send exactly one JSON object and nothing after its closing `}`".to_owned(),
            ),
            ProblemKind::EncodedTwice { .. } => Some(
                "this is a JSON object inside a string (encoded twice): send the object itself".to_owned(),
            ),
            ProblemKind::NotAnObject { .. } => Some(
                "put the request's fields in one JSON object, for example `{\"purchase\": {\"amount\": \"59.99\"}}`"
                    .to_owned(),
            ),
            ProblemKind::WrongType { expected, found } => wrong_type_help(expected, found),
            ProblemKind::GivenTwice => {
                let name = self.path.rsplit('.').next().unwrap_or(&self.path);
                Some(format!("keep one `{name}` member and remove the other"))
            }
            ProblemKind::Undeclared { suggestion } => Some(match suggestion {
                Some(name) => format!("did you mean `{name}`? Without `--strict`, members the policy does not declare are ignored"),
                None => "remove it: the request is read strictly, so every member must be declared by the policy".to_owned(),
            }),
            ProblemKind::NotAllowed {
                allowed,
                suggestion,
                ..
            } => Some(match suggestion {
                Some(suggestion) => {
                    format!("did you mean `{suggestion}`? allowed: {}", list_names(allowed))
                }
                None => format!("allowed: {}", list_names(allowed)),
            }),
            ProblemKind::Format { expected, .. } => match expected {
                Expected::Decimal => Some(AMOUNT_HELP.to_owned()),
                Expected::Date => Some(DATE_HELP.to_owned()),
                Expected::DateTime => Some(DATETIME_HELP.to_owned()),
                _ => None,
            },
            ProblemKind::InvalidDate { text, .. } => Some(impossible_date_help(text)),
            ProblemKind::MissingOffset { expected, text } => {
                let with_offset = format!("add the offset, for example `\"{text}Z\"` for UTC");
                Some(match (expected, text.get(..10)) {
                    (Expected::Date, Some(date)) => {
                        format!("{with_offset}, or write the date alone, `\"{date}\"`")
                    }
                    _ => with_offset,
                })
            }
            ProblemKind::MissingTime { text } => Some(format!(
                "add the time and offset, for example `\"{text}T00:00:00Z\"` for midnight UTC"
            )),
            ProblemKind::NotWhole { found } => Some(not_whole_help(found)),
            ProblemKind::TooLarge { expected, .. } => match expected {
                Expected::Integer => Some(format!(
                    "whole numbers go from {} to {}",
                    i64::MIN,
                    i64::MAX
                )),
                _ => Some(
                    "decimal amounts go up to 79228162514264337593543950335 (29 digits), with at most 28 digits after the point"
                        .to_owned(),
                ),
            },
            ProblemKind::Exponent { .. } => Some(AMOUNT_HELP.to_owned()),
            ProblemKind::LoneSurrogate { .. } => Some(
                "write the character itself in UTF-8, or escape it as a complete pair, for example `\\ud83d\\ude00` for 😀".to_owned(),
            ),
        }
    }

    /// A stable, kebab-case name of the kind of problem.
    ///
    /// ```
    /// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
    /// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
    /// # let request = case["request"].to_string();
    /// let error = ruling::Request::decode(&policy, b"").unwrap_err();
    /// assert_eq!(error.problems[0].code(), "empty-request");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn code(&self) -> &'static str {
        match &self.kind {
            ProblemKind::Empty => "empty-request",
            ProblemKind::InvalidUtf8 { .. } => "invalid-utf8",
            ProblemKind::Utf16 => "utf16",
            ProblemKind::Syntax { .. } => "invalid-json",
            ProblemKind::UnexpectedEnd { .. } => "unexpected-end",
            ProblemKind::RequestTooLarge { .. } => "request-too-large",
            ProblemKind::StringTooLong { .. } => "string-too-long",
            ProblemKind::TooManyItems { .. } => "too-many-items",
            ProblemKind::TooDeep { .. } => "too-deep",
            ProblemKind::TrailingCharacters { .. } => "trailing-characters",
            ProblemKind::NotAnObject { .. } | ProblemKind::EncodedTwice { .. } => "not-an-object",
            ProblemKind::WrongType { .. } => "wrong-type",
            ProblemKind::GivenTwice => "given-twice",
            ProblemKind::Undeclared { .. } => "undeclared-member",
            ProblemKind::NotAllowed { .. } => "not-allowed",
            ProblemKind::Format { .. } => "invalid-format",
            ProblemKind::InvalidDate { .. } => "invalid-date",
            ProblemKind::MissingOffset { .. } => "missing-offset",
            ProblemKind::MissingTime { .. } => "missing-time",
            ProblemKind::NotWhole { .. } => "not-whole-number",
            ProblemKind::TooLarge { .. } => "out-of-range",
            ProblemKind::Exponent { .. } => "exponent",
            ProblemKind::LoneSurrogate { .. } => "lone-surrogate",
        }
    }

    /// The line and column (1-based) of a problem that stopped decoding.
    ///
    /// ```
    /// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
    /// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
    /// # let request = case["request"].to_string();
    /// let error = ruling::Request::decode(&policy, b"{\n  \"purchase\": }").unwrap_err();
    /// assert_eq!(error.problems[0].location().map(|(line, _)| line), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn location(&self) -> Option<(usize, usize)> {
        match self.kind {
            ProblemKind::InvalidUtf8 { line, column, .. }
            | ProblemKind::Syntax { line, column, .. }
            | ProblemKind::UnexpectedEnd { line, column, .. }
            | ProblemKind::TooDeep { line, column }
            | ProblemKind::TrailingCharacters { line, column } => Some((line, column)),
            _ => None,
        }
    }
}

fn syntax_help(reason: &str) -> Option<&'static str> {
    match reason {
        "key must be a string" => {
            Some("write member names in double quotes, for example `{\"amount\": \"59.99\"}`")
        }
        "trailing comma" => Some("remove the `,` before the closing bracket"),
        "expected value" => {
            Some("write strings in double quotes; JSON has no comments, `NaN` or `Infinity`")
        }
        reason if reason.starts_with("control character") => Some(
            "remove control characters (such as a NUL byte) from strings; write line breaks and tabs as `\\n` and `\\t`",
        ),
        COMMENT_REASON => Some("remove the comment"),
        BARE_WORD_REASON => Some(
            "write text in double quotes; `true`, `false` and `null` are the only words JSON writes without them",
        ),
        _ => None,
    }
}

fn wrong_type_help(expected: &Expected, found: &Found) -> Option<String> {
    if *found == Found::Null {
        return Some("remove the `null` from the array".to_owned());
    }
    match (expected, found) {
        (Expected::Object { members }, _) => Some(format!(
            "write an object with the members {}",
            list_names(members)
        )),
        (Expected::Array, found) => Some(match found.as_json() {
            Some(json) => format!("write the values in square brackets, for example `[{json}]`"),
            None => "write the values in square brackets, for example `[\"a\", \"b\"]`".to_owned(),
        }),
        (Expected::String, Found::Array | Found::Object) => {
            Some("write the text as one string in double quotes".to_owned())
        }
        (Expected::String, found) => found
            .as_json()
            .map(|json| format!("write the value in double quotes: `\"{json}\"`")),
        (Expected::Bool, Found::Text(text)) => Some(match text.trim() {
            "true" => "write `true` without quotes".to_owned(),
            "false" => "write `false` without quotes".to_owned(),
            _ => "write `true` or `false`, without quotes".to_owned(),
        }),
        (Expected::Bool, _) => Some("write `true` or `false`".to_owned()),
        (Expected::Integer, Found::Text(text)) if is_plain_decimal(text.trim()) => {
            Some("write the number without quotes".to_owned())
        }
        (Expected::Decimal, _) => Some(AMOUNT_HELP.to_owned()),
        (Expected::Date, _) => Some(DATE_HELP.to_owned()),
        (Expected::DateTime, _) => Some(DATETIME_HELP.to_owned()),
        (Expected::Enum { allowed }, _) => Some(format!("allowed: {}", list_names(allowed))),
        _ => None,
    }
}

fn not_whole_help(found: &Found) -> String {
    if let Found::Number(text) = found
        && let Some((whole, fraction)) = text.split_once('.')
        && !fraction.contains(['e', 'E'])
        && fraction.bytes().all(|b| b == b'0')
    {
        return format!("write `{whole}`");
    }
    "write a whole number in digits, without a decimal point or an exponent".to_owned()
}

fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    suggest::list_names(names.iter().map(AsRef::as_ref), SHOWN_NAMES)
}

/// The text cut to [`SHOWN_CHARS`] characters, control characters escaped.
fn shorten(text: &str) -> String {
    let cut = text
        .char_indices()
        .nth(SHOWN_CHARS)
        .and_then(|_| text.char_indices().nth(SHOWN_CHARS - 1))
        .map(|(end, _)| end);
    let shown = cut.and_then(|end| text.get(..end)).unwrap_or(text);
    let mut out = String::with_capacity(shown.len() + 3);
    for c in shown.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if cut.is_some() {
        out.push('…');
    }
    out
}

/// `-?digits(.digits)?`: what a decimal amount may look like.
fn is_plain_decimal(text: &str) -> bool {
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
        None => all_digits(unsigned),
    }
}

/// A plain decimal followed by an exponent: `1e2`, `-2.5E-3`.
fn is_exponent_number(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['e', 'E']) else {
        return false;
    };
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    is_plain_decimal(mantissa) && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The year, month and day of a `YYYY-MM-DD` text, not yet validated.
fn year_month_day(text: &str) -> Option<(i32, u32, u32)> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *text.as_bytes() else {
        return None;
    };
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    let year = [y1, y2, y3, y4]
        .into_iter()
        .try_fold(0, |n, b| Some(n * 10 + digit(b)?))?;
    let month = digit(m1)? * 10 + digit(m2)?;
    let day = digit(d1)? * 10 + digit(d2)?;
    Some((i32::try_from(year).ok()?, month, day))
}

/// A date and time without an offset, such as `2025-03-01T18:00:00`.
fn is_naive_datetime(text: &str) -> bool {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .any(|format| NaiveDateTime::parse_from_str(text, format).is_ok())
}

fn is_impossible(error: chrono::ParseError) -> bool {
    matches!(
        error.kind(),
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible
    )
}

/// Decodes a JSON request against `schema` within the default
/// [`RequestLimits`]. Dates given as datetimes are taken in `timezone`.
pub(crate) fn decode(
    schema: &Schema,
    timezone: Zone,
    json: &[u8],
) -> Result<Request, RequestError> {
    decode_with(schema, timezone, json, RequestLimits::default())
}

/// Decodes a JSON request against `schema` within `limits`.
pub(crate) fn decode_with(
    schema: &Schema,
    timezone: Zone,
    json: &[u8],
    limits: RequestLimits,
) -> Result<Request, RequestError> {
    let fail = |kind| {
        Err(RequestError {
            problems: vec![Problem::new("", kind)],
        })
    };
    // Checked before anything else reads the bytes, so that an oversized
    // request costs no more than its length.
    if json.len() > limits.max_bytes {
        return Err(RequestError::too_large(limits.max_bytes));
    }
    if json.starts_with(&[0xFF, 0xFE]) || json.starts_with(&[0xFE, 0xFF]) {
        return fail(ProblemKind::Utf16);
    }
    // Checking UTF-8 once up front gives a clear problem for any invalid
    // byte, even inside skipped members, and lets serde_json read a `&str`.
    let text = match std::str::from_utf8(json) {
        Ok(text) => text,
        Err(error) => return fail(invalid_utf8(json, error.valid_up_to())),
    };
    // RFC 8259 allows ignoring a byte order mark; editors do not count it
    // as a column, so positions stay right.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text
        .bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return fail(ProblemKind::Empty);
    }
    if let Some(values) = fast::decode_plain(schema, timezone, text, limits.max_string_bytes) {
        return Ok(Request {
            values,
            warnings: Vec::new(),
        });
    }
    decode_fully(schema, timezone, text, limits)
}

/// Decodes `text` with serde, reporting every problem: the path of any
/// request the fast path leaves.
fn decode_fully(
    schema: &Schema,
    timezone: Zone,
    text: &str,
    limits: RequestLimits,
) -> Result<Request, RequestError> {
    let mut decoder = Decoder {
        schema,
        timezone,
        values: schema
            .fields
            .iter()
            .map(|field| field.default.clone())
            .collect(),
        problems: Vec::new(),
        warnings: Vec::new(),
        error_path: None,
        max_string_bytes: limits.max_string_bytes,
        strict: limits.strict,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = ObjectSeed {
        decoder: &mut decoder,
        object: &schema.root,
        path: &Path::Root,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    if let Err(error) = read {
        let path = decoder.error_path.take().unwrap_or_default();
        return Err(RequestError {
            problems: vec![Problem::new(&path, json_problem(text, &error))],
        });
    }
    if !decoder.problems.is_empty() {
        return Err(RequestError {
            problems: decoder.problems,
        });
    }
    Ok(Request {
        values: decoder.values,
        warnings: decoder.warnings,
    })
}

fn invalid_utf8(json: &[u8], offset: usize) -> ProblemKind {
    let before = json
        .get(..offset)
        .and_then(|valid| std::str::from_utf8(valid).ok())
        .unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let line_text = before.get(line_start..).unwrap_or_default();
    ProblemKind::InvalidUtf8 {
        offset,
        line: before.matches('\n').count() + 1,
        column: line_text.chars().count() + 1,
    }
}

/// The problem for JSON that `serde_json` could not read.
fn json_problem(text: &str, error: &serde_json::Error) -> ProblemKind {
    let line = error.line();
    // serde_json counts columns in bytes (0 at the start of a line where
    // the input ends); people count characters, from 1.
    let column = text
        .split('\n')
        .nth(line.saturating_sub(1))
        .and_then(|line_text| line_text.get(..error.column()))
        .map_or(error.column(), |before| before.chars().count())
        .max(1);
    let line = line.max(1);
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let reason = message.strip_suffix(&suffix).unwrap_or(&message);
    let offset = byte_offset(text, error.line(), error.column());
    if starts_comment(text, offset) {
        return ProblemKind::Syntax {
            reason: COMMENT_REASON.to_owned(),
            line,
            column,
        };
    }
    if reason == "expected ident" {
        // A bare word that starts like `null`, `true` or `false`: point at
        // the word, not at its first unexpected letter.
        let word_start = text.get(..offset).map_or(offset, |before| {
            before
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .len()
        });
        let back = text
            .get(word_start..offset)
            .map_or(0, |word| word.chars().count());
        return ProblemKind::Syntax {
            reason: BARE_WORD_REASON.to_owned(),
            line,
            column: column.saturating_sub(back).max(1),
        };
    }
    if reason == "trailing comma" {
        let (line, column) = trailing_comma_position(text, offset).unwrap_or((line, column));
        return ProblemKind::Syntax {
            reason: reason.to_owned(),
            line,
            column,
        };
    }
    match reason {
        "recursion limit exceeded" => ProblemKind::TooDeep { line, column },
        "trailing characters" => ProblemKind::TrailingCharacters { line, column },
        reason if error.classify() == Category::Eof => ProblemKind::UnexpectedEnd {
            reason: match reason {
                "EOF while parsing an object" => "an object is not closed",
                "EOF while parsing a list" => "an array is not closed",
                "EOF while parsing a string" => "a string is not closed",
                _ => "a value is missing",
            },
            line,
            column,
        },
        reason => ProblemKind::Syntax {
            reason: reason.to_owned(),
            line,
            column,
        },
    }
}

const COMMENT_REASON: &str = "JSON has no comments";

const BARE_WORD_REASON: &str = "a word without quotes";

/// The byte offset of serde_json's (1-based line, byte column).
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    line_start
        .saturating_add(column.saturating_sub(1))
        .min(text.len())
}

/// Whether a `//` or `/*` comment starts at or just before `offset`.
fn starts_comment(text: &str, offset: usize) -> bool {
    let from = offset.saturating_sub(1);
    (from..=offset).any(|at| {
        text.get(at..)
            .is_some_and(|rest| rest.starts_with("//") || rest.starts_with("/*"))
    })
}

/// Where the comma before a closing bracket is: serde_json reports the
/// bracket, but the comma is what to remove.
fn trailing_comma_position(text: &str, offset: usize) -> Option<(usize, usize)> {
    let before = text.get(..offset)?;
    let comma = before
        .trim_end_matches([' ', '\t', '\n', '\r', '}', ']'])
        .len()
        .checked_sub(1)?;
    let upto = text.get(..comma)?;
    let line = upto.matches('\n').count() + 1;
    let column = upto.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    Some((line, column))
}

/// Why a date in the right format is not in the calendar.
fn impossible_date_help(text: &str) -> String {
    let mut parts = text
        .get(..10)
        .unwrap_or(text)
        .split('-')
        .map(|part| part.parse::<u32>().ok());
    let (Some(Some(year)), Some(Some(month)), Some(Some(day))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return "check the month, the day, the time and the offset".to_owned();
    };
    if !(1..=12).contains(&month) {
        return "months go from `01` to `12`".to_owned();
    }
    let days = (28..=31)
        .rev()
        .find(|last| {
            NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(0), month, *last).is_some()
        })
        .unwrap_or(31);
    if day == 0 || day > days {
        let name = NaiveDate::from_ymd_opt(2000, month, 1)
            .map(|date| date.format("%B").to_string())
            .unwrap_or_default();
        return format!("{name} {year} has {days} days");
    }
    "check the time (00:00:00 to 23:59:59) and the offset (`-23:59` to `+23:59`)".to_owned()
}

/// A JSON path, built into text only when a problem names it: decoding a
/// valid request never formats a path.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'a str),
    Item(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn is_root(&self) -> bool {
        matches!(self, Path::Root)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Member(parent, name) if parent.is_root() => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// The declared members of an object already read, to find duplicates
/// without allocating for the usual object of a few members.
enum Seen {
    Few(u64),
    Many(Vec<bool>),
}

impl Seen {
    fn new(members: usize) -> Self {
        if members <= 64 {
            Seen::Few(0)
        } else {
            Seen::Many(vec![false; members])
        }
    }

    /// Marks member `index` as read; whether it was read before.
    fn mark(&mut self, index: usize) -> bool {
        match self {
            Seen::Few(bits) => {
                let bit = 1u64 << (index % 64);
                let before = *bits & bit != 0;
                *bits |= bit;
                before
            }
            Seen::Many(flags) => flags
                .get_mut(index)
                .is_some_and(|flag| std::mem::replace(flag, true)),
        }
    }
}

/// The state of one decoding.
struct Decoder<'s> {
    schema: &'s Schema,
    timezone: Zone,
    /// Starts as the defaults; a value the request gives replaces its default.
    values: Vec<Value>,
    problems: Vec<Problem>,
    warnings: Vec<RequestWarning>,
    /// Whether members the policy does not declare are refused.
    strict: bool,
    /// The innermost path being read when the JSON turned out unreadable.
    error_path: Option<String>,
    /// Strings longer than this are refused before they are compared,
    /// matched against allowed values or copied.
    max_string_bytes: usize,
}

impl<'s> Decoder<'s> {
    fn report(&mut self, path: &Path<'_>, kind: ProblemKind) {
        self.problems.push(Problem::new(&path.to_string(), kind));
    }

    /// A member `name` of `object` that the policy does not declare: a
    /// problem when reading strictly; otherwise a warning when it looks
    /// like a misspelling of a declared member, and nothing when it does
    /// not (requests may carry more than a policy reads).
    fn undeclared(&mut self, object: &Object, path: &Path<'_>, name: &str) {
        let declared = object.members.iter().map(|(member, _)| member.as_str());
        let suggestion =
            suggest::closest(name, declared).map(|meant| Path::Member(path, meant).to_string());
        let member_path = Path::Member(path, name).to_string();
        if self.strict {
            self.problems.push(Problem::new(
                &member_path,
                ProblemKind::Undeclared { suggestion },
            ));
        } else if let Some(meant) = suggestion {
            let message = format!(
                "`{member_path}` is not a field of this policy and was ignored; did you mean `{meant}`?"
            );
            self.warnings.push(RequestWarning {
                path: member_path,
                code: "undeclared-member",
                message,
            });
        }
    }

    /// Notes where reading failed; the innermost caller comes first.
    fn failed_at<E>(&mut self, path: &Path<'_>, error: E) -> E {
        if self.error_path.is_none() {
            self.error_path = Some(path.to_string());
        }
        error
    }

    fn field(&mut self, slot: usize, path: &Path<'_>, raw: &str) -> Result<(), serde_json::Error> {
        let schema = self.schema;
        let Some(field) = schema.fields.get(slot) else {
            return Ok(());
        };
        let json = Json::parse(raw);
        if json.is_blank() {
            return Ok(());
        }
        if let Some(value) = self.value(&field.ty, json, path)?
            && let Some(place) = self.values.get_mut(slot)
        {
            *place = value;
        }
        Ok(())
    }

    /// Decodes one value of type `ty`; `None` after reporting a problem.
    fn value(
        &mut self,
        ty: &'s Type,
        json: Json<'_>,
        path: &Path<'_>,
    ) -> Result<Option<Value>, serde_json::Error> {
        if let Json::String(text) = &json
            && text.len() > self.max_string_bytes
        {
            let kind = ProblemKind::StringTooLong {
                length: text.len(),
                limit: self.max_string_bytes,
            };
            self.report(path, kind);
            return Ok(None);
        }
        let value = match (ty, json) {
            (_, Json::LoneSurrogate(escape)) => {
                self.report(path, ProblemKind::LoneSurrogate { escape });
                None
            }
            (Type::String, Json::String(text)) => Some(Value::string(&text)),
            (Type::Enum(allowed), Json::String(text)) => {
                if let Some(value) = allowed.iter().find(|value| ***value == *text) {
                    Some(Value::String(Arc::clone(value)))
                } else {
                    let kind = ProblemKind::NotAllowed {
                        value: shorten(&text),
                        allowed: Arc::clone(allowed),
                        suggestion: suggest::closest(&text, allowed.iter().map(|value| &**value))
                            .map(str::to_owned),
                    };
                    self.report(path, kind);
                    None
                }
            }
            (Type::Bool, Json::Bool(b)) => Some(Value::Bool(b)),
            (Type::Integer, Json::Number(text)) => self.integer(text, path),
            (Type::Decimal, Json::Number(text)) => self.decimal(text, Found::number, path),
            (Type::Decimal, Json::String(text)) => self.decimal(text.trim(), Found::text, path),
            (Type::Date, Json::String(text)) => self.date(text.trim(), path),
            (Type::DateTime, Json::String(text)) => self.datetime(text.trim(), path),
            (Type::List(item), Json::Array(raw)) => self.list(item, raw, path)?,
            (Type::Record(record), Json::Object(raw)) => self.record(record, raw, path)?,
            (ty, json) => {
                let kind = ProblemKind::WrongType {
                    expected: Expected::of(ty),
                    found: json.found(),
                };
                self.report(path, kind);
                None
            }
        };
        Ok(value)
    }

    /// A JSON number, as written, as a whole number.
    fn integer(&mut self, text: &str, path: &Path<'_>) -> Option<Value> {
        self.reported(whole_number(text).map(Value::Integer), path)
    }

    /// A number or string, as written, as an exact decimal; `found` shows
    /// it in a problem.
    fn decimal(&mut self, text: &str, found: fn(&str) -> Found, path: &Path<'_>) -> Option<Value> {
        self.reported(exact_decimal(text, found).map(Value::Decimal), path)
    }

    fn date(&mut self, text: &str, path: &Path<'_>) -> Option<Value> {
        self.reported(date(text, self.timezone).map(Value::Date), path)
    }

    fn datetime(&mut self, text: &str, path: &Path<'_>) -> Option<Value> {
        self.reported(datetime(text).map(Value::DateTime), path)
    }

    /// The value, or `None` after reporting its problem.
    fn reported(&mut self, value: Result<Value, ProblemKind>, path: &Path<'_>) -> Option<Value> {
        value.map_err(|kind| self.report(path, kind)).ok()
    }

    /// Decodes the items of an array given as raw JSON text. The text was
    /// already read once; reading its items again costs one flat scan, as
    /// each item stays raw.
    fn list(
        &mut self,
        item: &'s Type,
        raw: &str,
        path: &Path<'_>,
    ) -> Result<Option<Value>, serde_json::Error> {
        let items: Vec<&RawValue> = serde_json::from_str(raw)?;
        if items.len() > MAX_LIST_ITEMS {
            let kind = ProblemKind::TooManyItems { count: items.len() };
            self.report(path, kind);
            return Ok(None);
        }
        let mut values = Vec::with_capacity(items.len());
        let mut complete = true;
        for (index, raw_item) in items.into_iter().enumerate() {
            let item_path = Path::Item(path, index);
            match self.value(item, Json::parse(raw_item.get()), &item_path)? {
                Some(value) => values.push(value),
                None => complete = false,
            }
        }
        Ok(complete.then(|| Value::List(values.into())))
    }

    /// Decodes one item of a list of objects against its members: the
    /// decoder reads the item as it reads the request, into the item's own
    /// slots, and problems name the item (`order.items[2].price`).
    fn record(
        &mut self,
        record: &'s Arc<Record>,
        raw: &str,
        path: &Path<'_>,
    ) -> Result<Option<Value>, serde_json::Error> {
        let defaults = record
            .schema
            .fields
            .iter()
            .map(|field| field.default.clone());
        let outer_values = std::mem::replace(&mut self.values, defaults.collect());
        let outer_schema = std::mem::replace(&mut self.schema, &record.schema);
        let problems_before = self.problems.len();
        let mut deserializer = serde_json::Deserializer::from_str(raw);
        let read = ObjectSeed {
            decoder: &mut *self,
            object: &record.schema.root,
            path,
        }
        .deserialize(&mut deserializer);
        self.schema = outer_schema;
        let values = std::mem::replace(&mut self.values, outer_values);
        read?;
        let item = Item {
            record: Arc::clone(record),
            values,
        };
        Ok((self.problems.len() == problems_before).then(|| Value::Record(Arc::new(item))))
    }
}

/// A JSON number, as written, as a whole number.
fn whole_number(text: &str) -> Result<i64, ProblemKind> {
    if text.contains(['.', 'e', 'E']) {
        return Err(ProblemKind::NotWhole {
            found: Found::number(text),
        });
    }
    text.parse().map_err(|_| ProblemKind::TooLarge {
        expected: Expected::Integer,
        found: Found::number(text),
    })
}

/// A number or string, as written, as an exact decimal; `found` shows it
/// in a problem.
fn exact_decimal(text: &str, found: fn(&str) -> Found) -> Result<Decimal, ProblemKind> {
    if is_exponent_number(text) {
        return Err(ProblemKind::Exponent { found: found(text) });
    }
    if !is_plain_decimal(text) {
        return Err(ProblemKind::Format {
            expected: Expected::Decimal,
            found: found(text),
        });
    }
    Decimal::from_str_exact(text).map_err(|_| ProblemKind::TooLarge {
        expected: Expected::Decimal,
        found: found(text),
    })
}

/// A `YYYY-MM-DD` date, or the date in `timezone` of a date and time.
fn date(text: &str, timezone: Zone) -> Result<NaiveDate, ProblemKind> {
    if let Some((year, month, day)) = year_month_day(text) {
        return NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| ProblemKind::InvalidDate {
            expected: Expected::Date,
            text: shorten(text),
            has_time: false,
        });
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(time) => Ok(time.with_timezone(&timezone).date_naive()),
        Err(error) if is_impossible(error) => Err(ProblemKind::InvalidDate {
            expected: Expected::Date,
            text: shorten(text),
            has_time: true,
        }),
        Err(_) if is_naive_datetime(text) => Err(ProblemKind::MissingOffset {
            expected: Expected::Date,
            text: shorten(text),
        }),
        Err(_) => Err(ProblemKind::Format {
            expected: Expected::Date,
            found: Found::text(text),
        }),
    }
}

fn datetime(text: &str) -> Result<DateTime<FixedOffset>, ProblemKind> {
    let error = match DateTime::parse_from_rfc3339(text) {
        Ok(time) => return Ok(time),
        Err(error) => error,
    };
    Err(if is_impossible(error) {
        ProblemKind::InvalidDate {
            expected: Expected::DateTime,
            text: shorten(text),
            has_time: true,
        }
    } else {
        match year_month_day(text) {
            Some((year, month, day)) if NaiveDate::from_ymd_opt(year, month, day).is_none() => {
                ProblemKind::InvalidDate {
                    expected: Expected::DateTime,
                    text: shorten(text),
                    has_time: false,
                }
            }
            Some(_) => ProblemKind::MissingTime {
                text: shorten(text),
            },
            None if is_naive_datetime(text) => ProblemKind::MissingOffset {
                expected: Expected::DateTime,
                text: shorten(text),
            },
            None => ProblemKind::Format {
                expected: Expected::DateTime,
                found: Found::text(text),
            },
        }
    })
}

/// A JSON value seen through its raw text; only strings are unescaped.
enum Json<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(&'a str),
    String(Cow<'a, str>),
    /// The whole array as written.
    Array(&'a str),
    /// The whole object as written.
    Object(&'a str),
    /// A string with an escape of half a surrogate pair (valid JSON
    /// syntax, but not text), with that escape as written.
    LoneSurrogate(String),
}

impl<'a> Json<'a> {
    /// Reads raw text that `serde_json` has already checked to be one value.
    fn parse(raw: &'a str) -> Self {
        match raw.as_bytes().first() {
            Some(b'n') => Json::Null,
            Some(b't') => Json::Bool(true),
            Some(b'f') => Json::Bool(false),
            Some(b'[') => Json::Array(raw),
            Some(b'{') => Json::Object(raw),
            Some(b'"') => match raw
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
            {
                Some(content) if !content.contains('\\') => Json::String(Cow::Borrowed(content)),
                // The outer reading checked the escapes' syntax; unescaping
                // fails only on half a surrogate pair.
                _ => match serde_json::from_str(raw) {
                    Ok(text) => Json::String(Cow::Owned(text)),
                    Err(_) => Json::LoneSurrogate(lone_surrogate(raw)),
                },
            },
            _ => Json::Number(raw),
        }
    }

    /// `null` or a string of only whitespace: not given.
    fn is_blank(&self) -> bool {
        match self {
            Json::Null => true,
            Json::String(text) => text.trim_start().is_empty(),
            _ => false,
        }
    }

    fn found(&self) -> Found {
        match self {
            Json::Null => Found::Null,
            Json::Bool(b) => Found::Bool(*b),
            Json::Number(text) => Found::number(text),
            Json::String(text) => Found::text(text),
            Json::Array(_) => Found::Array,
            Json::Object(_) => Found::Object,
            Json::LoneSurrogate(escape) => Found::Text(escape.clone()),
        }
    }
}

/// The first `\\uXXXX` escape of the JSON string `raw` that is half a
/// surrogate pair without its other half.
fn lone_surrogate(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut pending_high: Option<&str> = None;
    let mut at = 0;
    while let Some(byte) = bytes.get(at) {
        let escape = match (byte, bytes.get(at + 1)) {
            (b'\\', Some(b'u')) => raw.get(at..at + 6).unwrap_or_default(),
            (b'\\', _) => {
                at += 2;
                ""
            }
            _ => {
                at += 1;
                ""
            }
        };
        if escape.is_empty() {
            if let Some(high) = pending_high {
                return high.to_owned();
            }
            continue;
        }
        at += 6;
        let unit = u16::from_str_radix(escape.get(2..).unwrap_or_default(), 16).unwrap_or(0);
        match (pending_high, unit) {
            (Some(_), 0xDC00..=0xDFFF) => pending_high = None,
            (Some(high), _) => return high.to_owned(),
            (None, 0xDC00..=0xDFFF) => return escape.to_owned(),
            (None, 0xD800..=0xDBFF) => pending_high = Some(escape),
            (None, _) => {}
        }
    }
    pending_high.unwrap_or_default().to_owned()
}

/// Reads one declared object (the request itself when `path` is empty).
struct ObjectSeed<'a, 's> {
    decoder: &'a mut Decoder<'s>,
    object: &'s Object,
    path: &'a Path<'a>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl ObjectSeed<'_, '_> {
    fn wrong<E>(self, found: Found) -> Result<(), E> {
        let kind = if self.path.is_root() {
            ProblemKind::NotAnObject { found }
        } else {
            let members = self.object.members.iter().map(|(name, _)| name.clone());
            ProblemKind::WrongType {
                expected: Expected::Object {
                    members: members.collect(),
                },
                found,
            }
        };
        self.decoder.report(self.path, kind);
        Ok(())
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ObjectSeed {
            decoder,
            object,
            path,
        } = self;
        let mut seen = Seen::new(object.members.len());
        loop {
            let key = match map.next_key_seed(Key) {
                Ok(Some(key)) => key,
                Ok(None) => return Ok(()),
                Err(error) => return Err(decoder.failed_at(path, error)),
            };
            let member = object
                .members
                .iter()
                .enumerate()
                .find(|(_, (name, _))| *name == *key);
            let Some((index, (name, member))) = member else {
                decoder.undeclared(object, path, &key);
                map.next_value::<IgnoredAny>()
                    .map_err(|error| decoder.failed_at(path, error))?;
                continue;
            };
            let member_path = Path::Member(path, name);
            let read = if seen.mark(index) {
                decoder.report(&member_path, ProblemKind::GivenTwice);
                map.next_value::<IgnoredAny>().map(drop)
            } else {
                match member {
                    Member::Field(slot) => map.next_value_seed(FieldSeed {
                        decoder: &mut *decoder,
                        slot: *slot,
                        path: &member_path,
                    }),
                    Member::Object(inner) => map.next_value_seed(ObjectSeed {
                        decoder: &mut *decoder,
                        object: inner,
                        path: &member_path,
                    }),
                }
            };
            read.map_err(|error| decoder.failed_at(&member_path, error))?;
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.path.is_root() {
            self.wrong(Found::Null)
        } else {
            // A declared object given as `null`: none of its fields is given.
            Ok(())
        }
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.wrong(Found::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.wrong(Found::Number(n.to_string()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.wrong(Found::Number(n.to_string()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<(), E> {
        let text = serde_json::Number::from_f64(n).map_or_else(|| n.to_string(), |n| n.to_string());
        self.wrong(Found::number(&text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<(), E> {
        if !self.path.is_root() && text.trim().is_empty() {
            // Blank counts as not given, for objects as for fields.
            return Ok(());
        }
        let object_inside = self.path.is_root()
            && serde_json::from_str::<serde_json::Value>(text).is_ok_and(|value| value.is_object());
        if object_inside {
            let kind = ProblemKind::EncodedTwice {
                found: Found::text(text),
            };
            self.decoder.report(self.path, kind);
            return Ok(());
        }
        self.wrong(Found::text(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.wrong::<A::Error>(Found::Array)?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

/// Reads a member name, borrowed from the input when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(name))
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(name.to_owned()))
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(name))
    }
}

/// Reads one field's value as raw JSON text and decodes it.
struct FieldSeed<'a, 's> {
    decoder: &'a mut Decoder<'s>,
    slot: usize,
    path: &'a Path<'a>,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let raw: &'de RawValue = serde::Deserialize::deserialize(deserializer)?;
        self.decoder
            .field(self.slot, self.path, raw.get())
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;
    use crate::diagnostic::span::Span;
    use crate::language::schema::{Field, Requirement};

    fn enumeration(values: &[&str]) -> Type {
        Type::Enum(values.iter().map(|v| Arc::from(*v)).collect())
    }

    fn list(item: Type) -> Type {
        Type::List(Box::new(item))
    }

    /// A schema of optional fields without defaults, with the object tree
    /// built from the dotted paths.
    fn schema(fields: &[(&str, Type)]) -> Schema {
        let mut schema = Schema::default();
        for (slot, (path, ty)) in fields.iter().enumerate() {
            schema.fields.push(Field {
                path: (*path).to_owned(),
                ty: ty.clone(),
                description: String::new(),
                requirement: Requirement::Optional,
                default: Value::Absent,
                span: Span::default(),
            });
            let mut parts: Vec<&str> = path.split('.').collect();
            let last = parts.pop().unwrap();
            let mut object = &mut schema.root;
            for part in parts {
                if object.member(part).is_none() {
                    object
                        .members
                        .push((part.to_owned(), Member::Object(Object::default())));
                }
                let (_, member) = object
                    .members
                    .iter_mut()
                    .find(|(name, _)| name == part)
                    .unwrap();
                let Member::Object(inner) = member else {
                    panic!("`{part}` is a field")
                };
                object = inner;
            }
            object.members.push((last.to_owned(), Member::Field(slot)));
        }
        schema
    }

    fn utc() -> Zone {
        Zone::UTC
    }

    fn decode_str(schema: &Schema, json: &str) -> Result<Request, RequestError> {
        decode(schema, utc(), json.as_bytes())
    }

    fn values(schema: &Schema, json: &str) -> Vec<Value> {
        match decode_str(schema, json) {
            Ok(request) => request.values,
            Err(error) => panic!("unexpected problems:\n{error}"),
        }
    }

    fn value(ty: Type, json: &str) -> Value {
        let schema = schema(&[("a.b", ty)]);
        values(&schema, &format!("{{\"a\": {{\"b\": {json}}}}}"))
            .pop()
            .unwrap()
    }

    fn problems_bytes(schema: &Schema, json: &[u8]) -> Vec<Problem> {
        match decode(schema, utc(), json) {
            Ok(request) => panic!("expected problems, decoded {:?}", request.values),
            Err(error) => error.problems,
        }
    }

    fn problems(schema: &Schema, json: &str) -> Vec<Problem> {
        problems_bytes(schema, json.as_bytes())
    }

    /// The one problem of `{"a": {"b": json}}` with `a.b` of type `ty`:
    /// (code, message, help).
    fn problem(ty: Type, json: &str) -> (&'static str, String, Option<String>) {
        let schema = schema(&[("a.b", ty)]);
        let found = problems(&schema, &format!("{{\"a\": {{\"b\": {json}}}}}"));
        assert_eq!(found.len(), 1, "{found:#?}");
        let problem = &found[0];
        (problem.code(), problem.message(), problem.help())
    }

    fn date(y: i32, m: u32, d: u32) -> Value {
        Value::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn decimal(text: &str) -> Value {
        Value::Decimal(Decimal::from_str_exact(text).unwrap())
    }

    // --- every type, accepted ---

    #[test]
    fn decodes_every_type() {
        let schema = schema(&[
            ("request.email", Type::String),
            ("request.reason", enumeration(&["change_of_mind", "other"])),
            ("support.contacted", Type::Bool),
            ("usage.minutes", Type::Integer),
            ("purchase.amount", Type::Decimal),
            ("purchase.date", Type::Date),
            ("purchase.at", Type::DateTime),
            ("order.tags", list(Type::String)),
            ("version", Type::Integer),
        ]);
        let json = r#"{
            "request": {"email": "a@example.com", "reason": "other"},
            "support": {"contacted": true},
            "usage": {"minutes": -12},
            "purchase": {"amount": 59.99, "date": "2025-03-01", "at": "2025-03-01T18:00:00+02:00"},
            "order": {"tags": ["vip", "gift"]},
            "version": 3
        }"#;
        let at = DateTime::parse_from_rfc3339("2025-03-01T18:00:00+02:00").unwrap();
        assert_eq!(
            values(&schema, json),
            vec![
                Value::string("a@example.com"),
                Value::string("other"),
                Value::Bool(true),
                Value::Integer(-12),
                decimal("59.99"),
                date(2025, 3, 1),
                Value::DateTime(at),
                Value::List(vec![Value::string("vip"), Value::string("gift")].into()),
                Value::Integer(3),
            ]
        );
    }

    #[test]
    fn strings_keep_their_text_and_escapes_are_read() {
        assert_eq!(value(Type::String, r#""  a b ""#), Value::string("  a b "));
        assert_eq!(
            value(Type::String, r#""caf\u00e9 \"x\"\n""#),
            Value::string("café \"x\"\n")
        );
        // member names with escapes match too
        let schema = schema(&[("request.email", Type::String)]);
        assert_eq!(
            values(&schema, r#"{"re\u0071uest": {"email": "x"}}"#),
            vec![Value::string("x")]
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let schema = schema(&[("a", Type::Integer)]);
        let request = decode(&schema, utc(), b"\xEF\xBB\xBF{\"a\": 1}").unwrap();
        assert_eq!(request.values, vec![Value::Integer(1)]);
    }

    // --- not given and defaults ---

    #[test]
    fn absent_null_and_blank_are_not_given_for_every_type() {
        let types = [
            Type::String,
            enumeration(&["x"]),
            Type::Bool,
            Type::Integer,
            Type::Decimal,
            Type::Date,
            Type::DateTime,
            list(Type::Integer),
        ];
        for ty in types {
            for json in ["null", r#""""#, r#""   ""#, r#""\t\n ""#] {
                assert_eq!(value(ty.clone(), json), Value::Absent, "{ty} given {json}");
            }
            let schema = schema(&[("a.b", ty.clone())]);
            assert_eq!(values(&schema, r#"{"a": {}}"#), vec![Value::Absent]);
            assert_eq!(values(&schema, "{}"), vec![Value::Absent]);
        }
    }

    #[test]
    fn not_given_fields_take_their_default() {
        let mut schema = schema(&[
            ("support.contacted", Type::Bool),
            ("order.tags", list(Type::String)),
            ("purchase.amount", Type::Decimal),
            ("purchase.currency", Type::String),
        ]);
        schema.fields[0].default = Value::Bool(false);
        schema.fields[1].default = Value::List(Vec::new().into());
        schema.fields[3].default = Value::string("EUR");
        assert_eq!(
            values(
                &schema,
                r#"{"support": null, "order": {"tags": "  "}, "purchase": {"currency": "USD"}}"#
            ),
            vec![
                Value::Bool(false),
                Value::List(Vec::new().into()),
                Value::Absent,
                Value::string("USD"),
            ]
        );
    }

    #[test]
    fn a_declared_object_given_as_null_or_blank_gives_none_of_its_fields() {
        let schema = schema(&[
            ("purchase.amount", Type::Decimal),
            ("purchase.date", Type::Date),
        ]);
        assert_eq!(
            values(&schema, r#"{"purchase": null}"#),
            vec![Value::Absent; 2]
        );
        assert_eq!(
            values(&schema, r#"{"purchase": " "}"#),
            vec![Value::Absent; 2]
        );
    }

    #[test]
    fn a_declared_object_given_as_something_else_is_a_wrong_type() {
        let schema = schema(&[
            ("purchase.amount", Type::Decimal),
            ("purchase.date", Type::Date),
        ]);
        for (json, found) in [
            ("12.50", "the number `12.5`"),
            ("[1, {\"amount\": 2}]", "an array"),
            ("\"59.99\"", "the text `59.99`"),
            ("true", "`true`"),
        ] {
            let found_problems = problems(&schema, &format!("{{\"purchase\": {json}}}"));
            assert_eq!(found_problems.len(), 1);
            let problem = &found_problems[0];
            assert_eq!(problem.code(), "wrong-type");
            assert_eq!(
                problem.message(),
                format!("`purchase`: expected an object, found {found}")
            );
            assert_eq!(
                problem.help().unwrap(),
                "write an object with the members `amount`, `date`"
            );
        }
    }

    // --- the request as a whole ---

    #[test]
    fn the_request_must_be_an_object() {
        let schema = schema(&[("a", Type::Integer)]);
        for (json, found) in [
            ("[1, 2]", "an array"),
            ("\"text\"", "the text `text`"),
            ("12", "the number `12`"),
            ("null", "`null`"),
            ("false", "`false`"),
            ("\"  \"", "the text `  `"),
        ] {
            let found_problems = problems(&schema, json);
            assert_eq!(found_problems.len(), 1);
            let problem = &found_problems[0];
            assert_eq!(problem.path, "");
            assert_eq!(problem.code(), "not-an-object");
            assert_eq!(
                problem.message(),
                format!("the request must be a JSON object, found {found}")
            );
            assert!(problem.help().is_some());
        }
    }

    #[test]
    fn empty_input_is_its_own_problem() {
        let schema = schema(&[("a", Type::Integer)]);
        for json in ["", "   ", "\n\t\r\n", "\u{feff}"] {
            let found = problems(&schema, json);
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].code(), "empty-request");
            assert_eq!(found[0].message(), "the request is empty");
            assert!(found[0].help().unwrap().contains("JSON object"));
        }
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let schema = schema(&[("a", Type::String)]);
        for json in [
            &b"{\"a\": \"ok\",\n \"b\": \"\xff\"}"[..],
            &b"{\"a\": \"ok\",\n \"b\": \"\xc3\"}"[..],
        ] {
            let found = problems_bytes(&schema, json);
            assert_eq!(found.len(), 1);
            let problem = &found[0];
            assert_eq!(problem.code(), "invalid-utf8");
            assert_eq!(
                problem.message(),
                "the request is not valid UTF-8, at byte 19 (line 2, column 8)"
            );
            assert_eq!(problem.location(), Some((2, 8)));
            assert_eq!(problem.help().unwrap(), "save the request as UTF-8 text");
        }
    }

    #[test]
    fn syntax_errors_stop_decoding_with_one_problem() {
        let schema = schema(&[("a.b", Type::Integer), ("a.c", Type::Integer)]);
        // the type problem at `a.b` is dropped: only the syntax problem is reported
        let found = problems(&schema, "{\"a\": {\"b\": \"x\",\n  \"c\": 1,}}");
        assert_eq!(found.len(), 1, "{found:#?}");
        let problem = &found[0];
        assert_eq!(problem.code(), "invalid-json");
        assert_eq!(problem.path, "a");
        assert_eq!(
            problem.location(),
            Some((2, 9)),
            "the comma, not the brace after it"
        );
        assert_eq!(
            problem.message(),
            "`a`: invalid JSON at line 2, column 9: trailing comma"
        );
        assert_eq!(
            problem.help().unwrap(),
            "remove the `,` before the closing bracket"
        );

        let found = problems(&schema, "{a: 1}");
        assert_eq!(
            found[0].message(),
            "invalid JSON at line 1, column 2: key must be a string"
        );
        assert!(found[0].help().unwrap().contains("double quotes"));

        let found = problems(&schema, "{\"a\": {\"b\": nul}}");
        assert_eq!(found[0].path, "a.b");
        assert_eq!(
            found[0].message(),
            "`a.b`: invalid JSON at line 1, column 13: a word without quotes"
        );

        let found = problems(&schema, "{\"a\": {\"b\": 'x'}}");
        assert!(found[0].help().unwrap().contains("double quotes"));
    }

    #[test]
    fn columns_count_characters() {
        let schema = schema(&[("a", Type::String)]);
        let found = problems(&schema, "{\"a\": \"ééé\" x}");
        assert_eq!(found[0].location(), Some((1, 13)));
    }

    #[test]
    fn input_that_ends_too_early() {
        let schema = schema(&[("a.b", Type::String)]);
        for (json, reason, path) in [
            ("{\"a\": {\"b\": \"x\"", "an object is not closed", "a"),
            ("{\"a\": {\"b\": \"x", "a string is not closed", "a.b"),
            ("{\"a\": {\"b\": ", "a value is missing", "a.b"),
            ("{\"x\": [1, [2", "an array is not closed", ""),
            ("[", "an array is not closed", ""),
        ] {
            let found = problems(&schema, json);
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].code(), "unexpected-end", "{json}");
            assert_eq!(found[0].path, path, "{json}");
            assert!(
                found[0].message().ends_with(reason),
                "{}",
                found[0].message()
            );
            assert!(
                found[0]
                    .message()
                    .contains("the request ends too early, at line 1")
            );
            assert!(found[0].help().is_some());
        }
        // the end of input on an empty line is column 1, not 0
        let found = problems(&schema, "{\"a\": {\n");
        assert_eq!(found[0].location(), Some((2, 1)));
    }

    #[test]
    fn trailing_characters_are_an_error() {
        let schema = schema(&[("a", Type::Integer)]);
        for json in ["{\"a\": 1} x", "{}{}", "{} []", "{}\n,"] {
            let found = problems(&schema, json);
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].code(), "trailing-characters", "{json}");
            assert!(
                found[0]
                    .message()
                    .starts_with("unexpected text after the end of the request")
            );
        }
        // a type problem before the garbage is replaced by the syntax problem
        let found = problems(&schema, "{\"a\": true} x");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code(), "trailing-characters");
        assert_eq!(values(&schema, "{\"a\": 1} \n\t "), vec![Value::Integer(1)]);
    }

    // --- unknown members and nesting ---

    #[test]
    fn unknown_members_are_skipped() {
        let schema = schema(&[("purchase.amount", Type::Decimal)]);
        let json = r#"{
            "note": "x", "n": 1e400, "big": 123456789012345678901234567890,
            "deep": {"purchase": {"amount": "not looked at"}, "a": [[[{"b": null}]]]},
            "purchase": {"amount": "5.00", "currency": {"code": ["EUR"]}, "amount_x": true},
            "list": [1, "two", {"three": [3]}]
        }"#;
        assert_eq!(values(&schema, json), vec![decimal("5.00")]);
    }

    #[test]
    fn deeply_nested_unknown_members_are_skipped_without_recursion() {
        let schema = schema(&[("a", Type::Integer)]);
        let depth = 100_000;
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"x\":".repeat(depth), "}".repeat(depth));
        let json = format!("{{\"u\": {arrays}, \"v\": {objects}, \"a\": 7}}");
        assert_eq!(values(&schema, &json), vec![Value::Integer(7)]);
    }

    #[test]
    fn deep_input_does_not_overflow_the_stack() {
        let schema = schema(&[
            ("a.b", Type::Integer),
            ("list", list(Type::String)),
            ("amount", Type::Decimal),
        ]);
        let open = "[".repeat(100_000);
        let closed = format!("{open}{}", "]".repeat(100_000));

        let found = problems(&schema, &open);
        assert_eq!(found[0].code(), "unexpected-end");
        assert_eq!(problems(&schema, &closed)[0].code(), "not-an-object");
        let found = problems(&schema, &format!("{{\"x\": {open}"));
        assert_eq!(found[0].code(), "unexpected-end");

        // the deep array given to an object, a list and a decimal
        let json = format!("{{\"a\": {closed}, \"list\": {closed}, \"amount\": {closed}}}");
        let found = problems(&schema, &json);
        let summary: Vec<(&str, &str)> =
            found.iter().map(|p| (p.path.as_str(), p.code())).collect();
        assert_eq!(
            summary,
            [
                ("a", "wrong-type"),
                ("list[0]", "wrong-type"),
                ("amount", "wrong-type")
            ]
        );
    }

    #[test]
    fn declared_objects_deeper_than_the_limit_are_a_clear_problem() {
        let names: Vec<String> = (0..130).map(|i| format!("o{i}")).collect();
        let schema = schema(&[(&names.join("."), Type::Integer)]);
        let json = format!(
            "{}1{}",
            names
                .iter()
                .map(|n| format!("{{\"{n}\": "))
                .collect::<String>(),
            "}".repeat(131)
        );
        let found = problems(&schema, &json);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code(), "too-deep");
        assert!(
            found[0]
                .message()
                .contains("the request nests deeper than 128 levels, at line 1"),
            "{}",
            found[0].message()
        );
    }

    #[test]
    fn a_huge_number_where_an_object_belongs_stops_decoding_cleanly() {
        let schema = schema(&[("purchase.amount", Type::Decimal)]);
        let found = problems(&schema, r#"{"purchase": 1e400}"#);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "purchase");
        assert_eq!(
            found[0].message(),
            "`purchase`: invalid JSON at line 1, column 18: number out of range"
        );
    }

    // --- duplicates ---

    #[test]
    fn members_given_twice() {
        let schema = schema(&[
            ("request.email", Type::String),
            ("purchase.amount", Type::Decimal),
        ]);
        let json = r#"{
            "request": {"email": "a@x", "note": 1, "note": 2, "email": "b@x"},
            "purchase": {"amount": 1},
            "purchase": {"amount": 2}
        }"#;
        let found = problems(&schema, json);
        let messages: Vec<String> = found.iter().map(Problem::message).collect();
        assert_eq!(
            messages,
            [
                "`request.email` is given twice",
                "`purchase` is given twice"
            ]
        );
        assert_eq!(found[0].code(), "given-twice");
        assert_eq!(
            found[0].help().unwrap(),
            "keep one `email` member and remove the other"
        );
        // a duplicate is reported even when the first one was null
        let found = problems(&schema, r#"{"request": {"email": null, "email": "b@x"}}"#);
        assert_eq!(found[0].message(), "`request.email` is given twice");
    }

    // --- string and enum ---

    #[test]
    fn a_lone_surrogate_escape_is_named_as_written() {
        assert_eq!(lone_surrogate(r#""ab\ud800x""#), r"\ud800");
        assert_eq!(lone_surrogate(r#""\ud83d\ude00\udc00""#), r"\udc00");
        assert_eq!(lone_surrogate(r#""\\ud800\uDBFF""#), r"\uDBFF");
        assert_eq!(lone_surrogate(r#""\ud83d\n""#), r"\ud83d");
        assert_eq!(lone_surrogate(r#""\ud83d\ud83d\ude00""#), r"\ud83d");
    }

    #[test]
    fn a_string_field_takes_only_strings() {
        let (code, message, help) = problem(Type::String, "12345");
        assert_eq!(code, "wrong-type");
        assert_eq!(
            message,
            "`a.b`: expected a string, found the number `12345`"
        );
        assert_eq!(
            help.unwrap(),
            "write the value in double quotes: `\"12345\"`"
        );
        let (_, message, _) = problem(Type::String, "{\"x\": 1}");
        assert_eq!(message, "`a.b`: expected a string, found an object");
    }

    #[test]
    fn enum_values_match_exactly() {
        let reasons = enumeration(&[
            "change_of_mind",
            "technical_failure",
            "billing_error",
            "other",
        ]);
        assert_eq!(
            value(reasons.clone(), "\"billing_error\""),
            Value::string("billing_error")
        );

        let (code, message, help) = problem(reasons.clone(), "\"refund_now\"");
        assert_eq!(code, "not-allowed");
        assert_eq!(
            message,
            "`a.b`: `refund_now` is not one of the allowed values"
        );
        assert_eq!(
            help.unwrap(),
            "allowed: `change_of_mind`, `technical_failure`, `billing_error`, `other`"
        );

        for (given, meant) in [
            ("Billing_Error", "billing_error"),
            ("billing-error", "billing_error"),
            ("billing error", "billing_error"),
            ("billing_eror", "billing_error"),
            (" other", "other"),
        ] {
            let (_, _, help) = problem(reasons.clone(), &format!("\"{given}\""));
            assert!(
                help.as_deref()
                    .unwrap()
                    .starts_with(&format!("did you mean `{meant}`?")),
                "{given}: {help:?}"
            );
        }

        let (code, message, help) = problem(reasons, "3");
        assert_eq!(code, "wrong-type");
        assert_eq!(
            message,
            "`a.b`: expected one of the allowed values, found the number `3`"
        );
        assert!(help.unwrap().starts_with("allowed: `change_of_mind`"));
    }

    #[test]
    fn long_lists_of_allowed_values_are_cut() {
        let many: Vec<String> = (0..15).map(|i| format!("v{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let (_, _, help) = problem(enumeration(&many), "\"zzz\"");
        assert!(help.unwrap().ends_with("`v9`, and 5 more"));
    }

    // --- bool ---

    #[test]
    fn a_bool_is_only_true_or_false() {
        assert_eq!(value(Type::Bool, "false"), Value::Bool(false));
        let (code, message, help) = problem(Type::Bool, "\"true\"");
        assert_eq!(code, "wrong-type");
        assert_eq!(
            message,
            "`a.b`: expected `true` or `false`, found the text `true`"
        );
        assert_eq!(help.unwrap(), "write `true` without quotes");
        let (_, _, help) = problem(Type::Bool, "\"false\"");
        assert_eq!(help.unwrap(), "write `false` without quotes");
        let (_, _, help) = problem(Type::Bool, "\"yes\"");
        assert_eq!(help.unwrap(), "write `true` or `false`, without quotes");
        let (_, message, help) = problem(Type::Bool, "1");
        assert_eq!(
            message,
            "`a.b`: expected `true` or `false`, found the number `1`"
        );
        assert_eq!(help.unwrap(), "write `true` or `false`");
    }

    // --- integer ---

    #[test]
    fn integers_are_whole_64_bit_numbers() {
        assert_eq!(value(Type::Integer, "0"), Value::Integer(0));
        assert_eq!(value(Type::Integer, "-0"), Value::Integer(0));
        assert_eq!(
            value(Type::Integer, "9223372036854775807"),
            Value::Integer(i64::MAX)
        );
        assert_eq!(
            value(Type::Integer, "-9223372036854775808"),
            Value::Integer(i64::MIN)
        );

        let (code, message, help) = problem(Type::Integer, "12.0");
        assert_eq!(code, "not-whole-number");
        assert_eq!(
            message,
            "`a.b`: expected a whole number, found the number `12.0`"
        );
        assert_eq!(help.unwrap(), "write `12`");

        for json in ["1e3", "12.5", "1E400", "-2.0e1"] {
            let (code, message, help) = problem(Type::Integer, json);
            assert_eq!(code, "not-whole-number", "{json}");
            assert_eq!(
                message,
                format!("`a.b`: expected a whole number, found the number `{json}`")
            );
            assert!(
                help.unwrap()
                    .contains("without a decimal point or an exponent")
            );
        }

        for json in [
            "9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
        ] {
            let (code, message, help) = problem(Type::Integer, json);
            assert_eq!(code, "out-of-range", "{json}");
            assert_eq!(
                message,
                format!(
                    "`a.b`: expected a whole number, found the number `{json}`, which is too large"
                )
            );
            assert!(help.unwrap().contains("9223372036854775807"));
        }

        let (code, message, help) = problem(Type::Integer, "\"12\"");
        assert_eq!(code, "wrong-type");
        assert_eq!(
            message,
            "`a.b`: expected a whole number, found the text `12`"
        );
        assert_eq!(help.unwrap(), "write the number without quotes");
        let (_, _, help) = problem(Type::Integer, "\"twelve\"");
        assert_eq!(help, None);
    }

    // --- decimal ---

    #[test]
    fn decimals_are_exact_and_keep_their_scale() {
        for text in [
            "0.1",
            "50.00",
            "-3",
            "0",
            "59.99",
            "1.2345678901234567890123456789",
            "0.0000000000000000000000000001",
            "79228162514264337593543950335",
        ] {
            let expected = decimal(text);
            assert_eq!(value(Type::Decimal, text), expected, "number {text}");
            assert_eq!(
                value(Type::Decimal, &format!("\"{text}\"")),
                expected,
                "string {text}"
            );
            let Value::Decimal(amount) = value(Type::Decimal, text) else {
                unreachable!()
            };
            assert_eq!(amount.to_string(), text.trim_start_matches('+'));
        }
        assert_eq!(value(Type::Decimal, "\" 59.99 \""), decimal("59.99"));
        // 0.1 + 0.2 is exactly 0.3, as no float was involved
        let sum = value(Type::Decimal, "0.1").as_decimal().unwrap()
            + value(Type::Decimal, "0.2").as_decimal().unwrap();
        assert_eq!(Value::Decimal(sum), decimal("0.3"));
    }

    #[test]
    fn decimals_that_do_not_fit_are_problems() {
        for json in [
            "123456789012345678901234567890",
            "\"123456789012345678901234567890\"",
            "0.1000000000000000000000000000001",
            "79228162514264337593543950336",
        ] {
            let (code, message, help) = problem(Type::Decimal, json);
            assert_eq!(code, "out-of-range", "{json}");
            assert!(
                message.ends_with("which is too large or too precise"),
                "{message}"
            );
            assert_eq!(
                help.unwrap(),
                "decimal amounts go up to 79228162514264337593543950335 (29 digits), with at most 28 digits after the point"
            );
        }
        let (_, message, _) = problem(Type::Decimal, "123456789012345678901234567890");
        assert_eq!(
            message,
            "`a.b`: expected a decimal amount, found the number `123456789012345678901234567890`, which is too large or too precise"
        );
    }

    #[test]
    fn decimals_with_exponents_are_refused() {
        for (json, found) in [
            ("1e400", "the number `1e400`"),
            ("1E2", "the number `1E2`"),
            ("-2.5e-3", "the number `-2.5e-3`"),
            ("\"1e2\"", "`1e2`"),
        ] {
            let (code, message, help) = problem(Type::Decimal, json);
            assert_eq!(code, "exponent");
            assert_eq!(
                message,
                format!("`a.b`: expected a decimal amount, found {found}, which uses an exponent")
            );
            assert_eq!(
                help.unwrap(),
                "write the amount as digits with a `.` decimal point, without a currency sign or thousands separators, for example `\"59.99\"`"
            );
        }
    }

    #[test]
    fn decimal_texts_must_be_plain_digits() {
        for text in [
            "NaN",
            "Infinity",
            "-Infinity",
            "1,000.00",
            "€59.99",
            "59.99 EUR",
            "59,99",
            ".5",
            "5.",
            "+5",
            "1_000",
            "0x10",
            "--1",
            "1e",
            "59.99E",
        ] {
            let (code, message, help) = problem(Type::Decimal, &format!("\"{text}\""));
            assert_eq!(code, "invalid-format", "{text}");
            assert_eq!(
                message,
                format!("`a.b`: expected a decimal amount, found `{text}`")
            );
            assert_eq!(
                help.unwrap(),
                "write the amount as digits with a `.` decimal point, without a currency sign or thousands separators, for example `\"59.99\"`"
            );
        }
        let (code, message, help) = problem(Type::Decimal, "true");
        assert_eq!(code, "wrong-type");
        assert_eq!(message, "`a.b`: expected a decimal amount, found `true`");
        assert!(help.unwrap().contains("\"59.99\""));
        let (_, message, _) = problem(Type::Decimal, "[59.99]");
        assert_eq!(message, "`a.b`: expected a decimal amount, found an array");
    }

    // --- date ---

    #[test]
    fn dates_and_datetimes_as_dates() {
        assert_eq!(value(Type::Date, "\"2025-03-01\""), date(2025, 3, 1));
        assert_eq!(value(Type::Date, "\"2024-02-29\""), date(2024, 2, 29));
        assert_eq!(
            value(Type::Date, "\"2025-03-01T23:30:00-08:00\""),
            date(2025, 3, 2)
        );
        assert_eq!(
            value(Type::Date, "\"2025-03-01T23:30:00Z\""),
            date(2025, 3, 1)
        );

        // in the policy's time zone
        let schema = schema(&[("d", Type::Date)]);
        let berlin = Zone::parse("+01:00").unwrap();
        let request = decode(&schema, berlin, br#"{"d": "2025-03-01T23:30:00Z"}"#).unwrap();
        assert_eq!(request.values, vec![date(2025, 3, 2)]);
        let request = decode(&schema, berlin, br#"{"d": "2025-03-01"}"#).unwrap();
        assert_eq!(request.values, vec![date(2025, 3, 1)]);
    }

    /// A named zone takes the offset in force at the instant: New York is
    /// five hours behind UTC in winter and four in summer.
    #[test]
    fn datetimes_given_for_dates_take_the_offset_of_their_instant() {
        let schema = schema(&[("d", Type::Date)]);
        let new_york = Zone::parse("America/New_York").unwrap();
        for (json, expected) in [
            (br#"{"d": "2025-01-15T04:30:00Z"}"#, date(2025, 1, 14)),
            (br#"{"d": "2025-07-05T04:30:00Z"}"#, date(2025, 7, 5)),
            (br#"{"d": "2025-03-09T04:59:59Z"}"#, date(2025, 3, 8)),
            (br#"{"d": "2025-11-02T04:30:00Z"}"#, date(2025, 11, 2)),
        ] {
            let request = decode(&schema, new_york, json).unwrap();
            assert_eq!(
                request.values,
                vec![expected],
                "{}",
                String::from_utf8_lossy(json)
            );
        }
    }

    #[test]
    fn impossible_dates() {
        let (code, message, help) = problem(Type::Date, "\"2025-02-30\"");
        assert_eq!(code, "invalid-date");
        assert_eq!(message, "`a.b`: `2025-02-30` is not a valid date");
        assert_eq!(help.as_deref(), Some("February 2025 has 28 days"));
        assert_eq!(
            problem(Type::Date, "\"2025-13-01\"").2.as_deref(),
            Some("months go from `01` to `12`")
        );
        for text in ["2025-13-01", "2025-00-10", "2023-02-29"] {
            assert_eq!(
                problem(Type::Date, &format!("\"{text}\"")).0,
                "invalid-date"
            );
        }
        let (code, message, _) = problem(Type::Date, "\"2025-02-30T10:00:00Z\"");
        assert_eq!(code, "invalid-date");
        assert!(
            message.ends_with("is not a valid date and time"),
            "{message}"
        );
    }

    #[test]
    fn dates_in_other_formats() {
        for text in [
            "03/01/2025",
            "2025/03/01",
            "1 March 2025",
            "2025-3-1",
            "20250301",
            "today",
        ] {
            let (code, message, help) = problem(Type::Date, &format!("\"{text}\""));
            assert_eq!(code, "invalid-format", "{text}");
            assert_eq!(
                message,
                format!("`a.b`: expected a date (YYYY-MM-DD), found `{text}`")
            );
            assert_eq!(
                help.unwrap(),
                "write dates as YYYY-MM-DD, for example `\"2025-03-01\"`"
            );
        }
        let (code, message, help) = problem(Type::Date, "20250301");
        assert_eq!(code, "wrong-type");
        assert_eq!(
            message,
            "`a.b`: expected a date (YYYY-MM-DD), found the number `20250301`"
        );
        assert_eq!(
            help.unwrap(),
            "write dates as YYYY-MM-DD, for example `\"2025-03-01\"`"
        );

        let (code, message, help) = problem(Type::Date, "\"2025-03-01T18:00:00\"");
        assert_eq!(code, "missing-offset");
        assert_eq!(
            message,
            "`a.b`: expected a date (YYYY-MM-DD), found `2025-03-01T18:00:00`, which has no offset"
        );
        assert_eq!(
            help.unwrap(),
            "add the offset, for example `\"2025-03-01T18:00:00Z\"` for UTC, or write the date alone, `\"2025-03-01\"`"
        );
    }

    // --- datetime ---

    #[test]
    fn datetimes_keep_their_offset() {
        let expected = DateTime::parse_from_rfc3339("2025-03-01T18:00:00-05:00").unwrap();
        let Value::DateTime(time) = value(Type::DateTime, "\"2025-03-01T18:00:00-05:00\"") else {
            panic!("not a datetime")
        };
        assert_eq!(time, expected);
        assert_eq!(time.offset(), expected.offset());
        assert!(matches!(
            value(Type::DateTime, "\"2025-03-01T18:00:00.250Z\""),
            Value::DateTime(_)
        ));
    }

    #[test]
    fn datetimes_need_an_offset_and_a_time() {
        let (code, message, help) = problem(Type::DateTime, "\"2025-03-01T18:00:00\"");
        assert_eq!(code, "missing-offset");
        assert_eq!(
            message,
            "`a.b`: expected a date and time with an offset (RFC 3339), found `2025-03-01T18:00:00`, which has no offset"
        );
        assert_eq!(
            help.unwrap(),
            "add the offset, for example `\"2025-03-01T18:00:00Z\"` for UTC"
        );

        let (code, message, help) = problem(Type::DateTime, "\"2025-03-01\"");
        assert_eq!(code, "missing-time");
        assert!(message.ends_with("found `2025-03-01`, which has no time"));
        assert!(help.unwrap().contains("\"2025-03-01T00:00:00Z\""));

        assert_eq!(problem(Type::DateTime, "\"2025-02-30\"").0, "invalid-date");
        assert_eq!(
            problem(Type::DateTime, "\"2025-02-30T10:00:00Z\"").0,
            "invalid-date"
        );
        for text in ["yesterday at 5", "2025-03-01T18:00", "03/01/2025 18:00"] {
            let (code, _, help) = problem(Type::DateTime, &format!("\"{text}\""));
            assert_eq!(code, "invalid-format", "{text}");
            assert!(help.unwrap().contains("\"2025-03-01T18:00:00Z\""));
        }
        let (code, _, _) = problem(Type::DateTime, "1740852000");
        assert_eq!(code, "wrong-type");
    }

    // --- list ---

    #[test]
    fn lists_decode_each_item() {
        assert_eq!(
            value(list(Type::String), "[]"),
            Value::List(Vec::new().into())
        );
        assert_eq!(
            value(list(Type::Decimal), "[0.1, \"50.00\"]"),
            Value::List(vec![decimal("0.1"), decimal("50.00")].into())
        );
        assert_eq!(
            value(list(enumeration(&["a", "b"])), "[\"b\", \"a\", \"b\"]"),
            Value::List(vec![Value::string("b"), Value::string("a"), Value::string("b")].into())
        );
    }

    #[test]
    fn list_items_are_reported_by_index() {
        let schema = schema(&[("order.tags", list(Type::Integer))]);
        let found = problems(&schema, r#"{"order": {"tags": [1, "2", null, 3.5, [4]]}}"#);
        let summary: Vec<(String, &str)> =
            found.iter().map(|p| (p.path.clone(), p.code())).collect();
        assert_eq!(
            summary,
            [
                ("order.tags[1]".to_owned(), "wrong-type"),
                ("order.tags[2]".to_owned(), "wrong-type"),
                ("order.tags[3]".to_owned(), "not-whole-number"),
                ("order.tags[4]".to_owned(), "wrong-type"),
            ]
        );
        assert_eq!(
            found[1].message(),
            "`order.tags[2]`: expected a whole number, found `null`"
        );
        assert_eq!(found[1].help().unwrap(), "remove the `null` from the array");
    }

    #[test]
    fn a_list_given_one_value_suggests_brackets() {
        let (code, message, help) = problem(list(Type::String), "\"vip\"");
        assert_eq!(code, "wrong-type");
        assert_eq!(message, "`a.b`: expected an array, found the text `vip`");
        assert_eq!(
            help.unwrap(),
            "write the values in square brackets, for example `[\"vip\"]`"
        );
        let (_, _, help) = problem(list(Type::String), "{}");
        assert!(help.unwrap().contains("[\"a\", \"b\"]"));
    }

    // --- many problems ---

    #[test]
    fn every_problem_is_reported_in_document_order() {
        let schema = schema(&[
            ("purchase.amount", Type::Decimal),
            ("purchase.date", Type::Date),
            ("request.reason", enumeration(&["change_of_mind", "other"])),
            ("request.date", Type::Date),
            ("support.contacted", Type::Bool),
            ("order.tags", list(Type::String)),
        ]);
        let json = r#"{
            "support": {"contacted": "true"},
            "request": {"date": 20250301, "reason": "refund_now"},
            "order": {"tags": ["a", 1, "c", false]},
            "purchase": {"date": "2025-02-30", "amount": true, "extra": {"x": [1, 2]}}
        }"#;
        let found = problems(&schema, json);
        let messages: Vec<String> = found.iter().map(Problem::message).collect();
        assert_eq!(
            messages,
            [
                "`support.contacted`: expected `true` or `false`, found the text `true`",
                "`request.date`: expected a date (YYYY-MM-DD), found the number `20250301`",
                "`request.reason`: `refund_now` is not one of the allowed values",
                "`order.tags[1]`: expected a string, found the number `1`",
                "`order.tags[3]`: expected a string, found `false`",
                "`purchase.date`: `2025-02-30` is not a valid date",
                "`purchase.amount`: expected a decimal amount, found `true`",
            ]
        );
        let error = decode_str(&schema, json).unwrap_err();
        let shown = error.to_string();
        assert!(shown.starts_with(
            "`support.contacted`: expected `true` or `false`, found the text `true`\n  help: write `true` without quotes\n`request.date`"
        ));
        assert_eq!(
            shown.lines().count(),
            7 + 7,
            "seven problems, all but one with a help"
        );
    }

    // --- presentation ---

    #[test]
    fn found_values_are_shortened_and_escaped() {
        let long = "x".repeat(100);
        let (_, message, _) = problem(Type::Integer, &format!("\"{long}\""));
        assert_eq!(
            message,
            format!(
                "`a.b`: expected a whole number, found the text `{}…`",
                "x".repeat(39)
            )
        );
        let forty = "é".repeat(40);
        let (_, message, _) = problem(Type::Integer, &format!("\"{forty}\""));
        assert!(message.ends_with(&format!("`{forty}`")));
        let (_, message, _) = problem(Type::Integer, "\"a\\nb\"");
        assert!(message.ends_with("the text `a\\nb`"));
        let digits = "9".repeat(60);
        let (_, message, _) = problem(Type::Decimal, &digits);
        assert!(message.contains(&format!("the number `{}…`", "9".repeat(39))));
    }

    #[test]
    fn messages_follow_the_house_rules() {
        let schema = schema(&[("a.b", Type::Integer)]);
        let inputs: [&[u8]; 6] = [
            b"",
            b"\xff",
            b"[]",
            b"{\"a\": {\"b\": \"1\"}}",
            b"{\"a\": {\"b\": 1,}}",
            b"{} x",
        ];
        for json in inputs {
            for problem in problems_bytes(&schema, json) {
                let message = problem.message();
                assert!(!message.ends_with('.'), "{message}");
                let first = message.trim_start_matches('`').chars().next().unwrap();
                assert!(!first.is_uppercase(), "{message}");
                assert!(
                    !message.contains("Value") && !message.contains("i64"),
                    "{message}"
                );
                let code = problem.code();
                assert!(
                    code.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn undeclared_members_that_look_misspelled_are_warned_about() {
        let schema = schema(&[
            ("purchase.currency", Type::String),
            ("request.date", Type::Date),
        ]);
        let json = r#"{"purchase": {"currncy": "EUR", "note": "x"}, "reqest": {}, "other": 1}"#;
        let request = decode_str(&schema, json).unwrap();
        let paths: Vec<&str> = request.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["purchase.currncy", "reqest"]);
        assert!(
            request.warnings[0]
                .message
                .ends_with("did you mean `purchase.currency`?"),
            "{:?}",
            request.warnings[0]
        );
        assert!(
            request
                .warnings
                .iter()
                .all(|w| w.code == "undeclared-member")
        );
    }

    #[test]
    fn strict_decoding_rejects_every_undeclared_member() {
        let schema = schema(&[("purchase.currency", Type::String)]);
        let limits = RequestLimits {
            strict: true,
            ..RequestLimits::default()
        };
        let json = br#"{"purchase": {"currncy": "EUR"}, "other": 1}"#;
        let error = decode_with(&schema, utc(), json, limits).unwrap_err();
        let found: Vec<(&str, &str)> = error
            .problems
            .iter()
            .map(|problem| (problem.path.as_str(), problem.code()))
            .collect();
        assert_eq!(
            found,
            [
                ("purchase.currncy", "undeclared-member"),
                ("other", "undeclared-member")
            ]
        );
        assert_eq!(
            error.problems[0].help().unwrap(),
            "did you mean `purchase.currency`? Without `--strict`, members the policy does not declare are ignored"
        );
    }
}
