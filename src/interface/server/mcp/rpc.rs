//! JSON-RPC 2.0 over lines: telling a request, a notification and a
//! response apart, refusing every malformed line with the error the
//! specification names, and writing answers.
//!
//! Nothing here turns a number into a float: ids, params and results are
//! kept as the raw JSON text they came in (`serde_json::value::RawValue`),
//! so an id is echoed byte for byte and a tool's arguments reach the
//! request decoder exactly as the client wrote them.

use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use super::line::Line;

/// Invalid JSON, or not UTF-8.
pub(crate) const PARSE_ERROR: i64 = -32700;
/// JSON, but not a JSON-RPC message this server takes.
pub(crate) const INVALID_REQUEST: i64 = -32600;
pub(crate) const METHOD_NOT_FOUND: i64 = -32601;
pub(crate) const INVALID_PARAMS: i64 = -32602;
pub(crate) const INTERNAL_ERROR: i64 = -32603;

/// The longest message line, in bytes (8 MiB). A longer line is refused
/// and skipped without being held in memory.
pub(crate) const MAX_LINE_BYTES: usize = 8 << 20;

/// How deeply arrays and objects may nest in one message (the message
/// itself is level 1, so a tool call's `request` object is level 4).
pub(crate) const MAX_NESTING: usize = 128;

/// The most characters of the client's text quoted back in a message.
const QUOTED_CHARS: usize = 200;

/// A JSON-RPC error: its code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpcError {
    pub(crate) code: i64,
    pub(crate) message: String,
}

impl RpcError {
    pub(crate) fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
        }
    }
}

/// A line that gets an error: the error, and the id to answer with (the
/// message's own when it could be read, else `null`).
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) id: Option<Box<RawValue>>,
    pub(crate) error: RpcError,
}

/// What one line holds.
#[derive(Debug)]
pub(crate) enum Message<'a> {
    /// A call that expects an answer with its `id`.
    Request {
        id: &'a RawValue,
        method: String,
        params: Option<&'a RawValue>,
    },
    /// A call without an id, which is never answered.
    Notification { method: String },
    /// An answer from the client; this server asks nothing, so it is
    /// ignored.
    Response,
    /// A line of only white space.
    Blank,
}

/// The members of a message this server reads; others are ignored.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    jsonrpc: Option<String>,
    /// Present (even as `null`) or absent: a message without an id is a
    /// notification, one with `"id": null` is invalid.
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default)]
    method: Option<String>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(deserializer).map(Some)
}

/// Reads one line as a message, or says why it is refused.
pub(crate) fn read(line: &Line) -> Result<Message<'_>, Refusal> {
    match line {
        Line::Whole(bytes) => read_whole(bytes),
        Line::TooLong { start, length } => Err(Refusal {
            id: salvage_id(utf8_prefix(start)),
            error: RpcError::new(
                INVALID_REQUEST,
                format!(
                    "the message is {length} bytes long, over the limit of {MAX_LINE_BYTES} bytes \
                     for one line; it was skipped"
                ),
            ),
        }),
    }
}

fn read_whole(bytes: &[u8]) -> Result<Message<'_>, Refusal> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Message::Blank);
    }
    let text = std::str::from_utf8(bytes).map_err(|error| Refusal {
        id: salvage_id(utf8_prefix(bytes)),
        error: RpcError::new(
            PARSE_ERROR,
            format!(
                "parse error: the message is not UTF-8 (byte {} is not part of a UTF-8 character)",
                error.valid_up_to() + 1
            ),
        ),
    })?;
    let refuse = |code: i64, message: String| Refusal {
        id: salvage_id(text),
        error: RpcError::new(code, message),
    };
    if let Err(error) = serde_json::from_str::<IgnoredAny>(text) {
        return Err(refuse(
            PARSE_ERROR,
            format!("parse error: the message is not JSON: {}", quoted(&error)),
        ));
    }
    let depth = nesting(text);
    if depth > MAX_NESTING {
        return Err(refuse(
            INVALID_REQUEST,
            format!(
                "the message nests arrays and objects {depth} deep, over the limit of {MAX_NESTING}"
            ),
        ));
    }
    if !text.trim_start().starts_with('{') {
        return Err(refuse(
            INVALID_REQUEST,
            "a message must be a JSON object; batches (arrays) are not taken".to_owned(),
        ));
    }
    let envelope: Envelope<'_> = serde_json::from_str(text).map_err(|error| {
        refuse(
            INVALID_REQUEST,
            format!(
                "not a JSON-RPC 2.0 message: {}; send an object such as \
                 {{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/list\"}}",
                quoted(&error)
            ),
        )
    })?;
    classify(envelope).map_err(|(id, error)| Refusal {
        id: id.map(RawValue::to_owned),
        error,
    })
}

type Invalid<'a> = (Option<&'a RawValue>, RpcError);

fn classify(envelope: Envelope<'_>) -> Result<Message<'_>, Invalid<'_>> {
    let id = envelope.id.filter(|id| is_valid_id(id));
    if envelope.jsonrpc.as_deref() != Some("2.0") {
        return Err((
            id,
            RpcError::new(INVALID_REQUEST, "`jsonrpc` must be \"2.0\""),
        ));
    }
    match (envelope.method, envelope.id) {
        (Some(method), None) => Ok(Message::Notification { method }),
        (Some(method), Some(raw)) if is_valid_id(raw) => Ok(Message::Request {
            id: raw,
            method,
            params: envelope.params,
        }),
        (Some(_), Some(_)) => Err((
            None,
            RpcError::new(INVALID_REQUEST, "the id must be a string or a number"),
        )),
        (None, Some(_)) if envelope.result.is_some() || envelope.error.is_some() => {
            Ok(Message::Response)
        }
        (None, _) => Err((
            id,
            RpcError::new(
                INVALID_REQUEST,
                "the message has no `method`: a request needs `method` (and `id`), a response `result` or `error`",
            ),
        )),
    }
}

/// Whether `value` is an object. Serde would also read a struct from an
/// array, member by member, which no caller means.
pub(crate) fn is_object(value: &RawValue) -> bool {
    value.get().starts_with('{')
}

/// A JSON-RPC id is a string or a number.
fn is_valid_id(id: &RawValue) -> bool {
    matches!(id.get().bytes().next(), Some(b'"' | b'-' | b'0'..=b'9'))
}

/// The id of a message that could not be read whole: the top-level `id`
/// member, if it is a string or a number and was read before the fault.
fn salvage_id(text: &str) -> Option<Box<RawValue>> {
    let mut found = None;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // The fault itself is why the message is refused; only the id is wanted.
    let _ = deserializer.deserialize_map(IdFinder { found: &mut found });
    found
}

/// Walks the members of the top-level object, keeping a valid `id`.
struct IdFinder<'f> {
    found: &'f mut Option<Box<RawValue>>,
}

impl<'de> Visitor<'de> for IdFinder<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON-RPC message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "id" && self.found.is_none() {
                let id: Box<RawValue> = map.next_value()?;
                if is_valid_id(&id) {
                    *self.found = Some(id);
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The longest prefix of `bytes` that is UTF-8.
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => bytes
            .get(..error.valid_up_to())
            .and_then(|valid| std::str::from_utf8(valid).ok())
            .unwrap_or_default(),
    }
}

/// How deeply arrays and objects nest in `text`, which is valid JSON.
pub(crate) fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for byte in text.bytes() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A serde error as a message shows it: cut short, so that a long name or
/// value from the client is not echoed back whole.
pub(crate) fn quoted(error: &impl fmt::Display) -> String {
    let text = error.to_string();
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

#[derive(Serialize)]
struct Answer<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorObject<'a>>,
}

#[derive(Serialize)]
struct ErrorObject<'a> {
    code: i64,
    message: &'a str,
}

/// The line that answers request `id` with `result`.
pub(crate) fn result_line(id: &RawValue, result: &RawValue) -> String {
    let answer = Answer {
        jsonrpc: "2.0",
        id: Some(id),
        result: Some(result),
        error: None,
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| internal_error_line(Some(id)))
}

/// The line that answers with `error`; the id is `null` when unknown.
pub(crate) fn error_line(id: Option<&RawValue>, error: &RpcError) -> String {
    let answer = Answer {
        jsonrpc: "2.0",
        id,
        result: None,
        error: Some(ErrorObject {
            code: error.code,
            message: &error.message,
        }),
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| internal_error_line(id))
}

fn internal_error_line(id: Option<&RawValue>) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":{INTERNAL_ERROR},"message":"the answer could not be written"}}}}"#,
        id.map_or("null", RawValue::get)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(line: &[u8]) -> (Option<String>, RpcError) {
        match read(&Line::Whole(line.to_vec())) {
            Err(refusal) => (refusal.id.map(|id| id.get().to_owned()), refusal.error),
            Ok(message) => panic!("{} was read as {message:?}", String::from_utf8_lossy(line)),
        }
    }

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        let line = Line::Whole(br#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#.to_vec());
        assert!(matches!(read(&line), Ok(Message::Request { id, .. }) if id.get() == r#""a""#));
        let line =
            Line::Whole(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_vec());
        assert!(matches!(read(&line), Ok(Message::Notification { .. })));
        let line = Line::Whole(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#.to_vec());
        assert!(matches!(read(&line), Ok(Message::Response)));
        assert!(matches!(
            read(&Line::Whole(b" \t".to_vec())),
            Ok(Message::Blank)
        ));
    }

    #[test]
    fn ids_are_kept_byte_for_byte() {
        let id = format!("{}.50", "9".repeat(400));
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        let line = Line::Whole(line.into_bytes());
        let Ok(Message::Request { id: read_id, .. }) = read(&line) else {
            panic!("not a request");
        };
        let result = RawValue::from_string("{}".to_owned()).unwrap();
        assert_eq!(
            result_line(read_id, &result),
            format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}}}}"#)
        );
    }

    #[test]
    fn a_broken_message_is_answered_with_its_id_when_it_can_be_read() {
        let (id, error) = refused(br#"{"jsonrpc":"2.0","id":7,"method":"tools/ca"#);
        assert_eq!((id.as_deref(), error.code), (Some("7"), PARSE_ERROR));
        let (id, error) = refused(b"{\"id\":\"x\",\"method\":\"p\xffing\"}");
        assert_eq!((id.as_deref(), error.code), (Some(r#""x""#), PARSE_ERROR));
        assert!(error.message.contains("byte 22 "), "{}", error.message);
        let (id, error) = refused(br#"{"method":"ping","id":"#);
        assert_eq!((id, error.code), (None, PARSE_ERROR));
        let (id, error) = refused(b"not json");
        assert_eq!((id, error.code), (None, PARSE_ERROR));
    }

    #[test]
    fn valid_json_that_is_not_a_request_is_an_invalid_request() {
        for line in [
            &br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#[..],
            br#"{}"#,
            br#"7"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"ping","id":2}"#,
            br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
        ] {
            let (id, error) = refused(line);
            assert_eq!(
                error.code,
                INVALID_REQUEST,
                "{}",
                String::from_utf8_lossy(line)
            );
            assert!(id.is_none() || id.as_deref() == Some("1"), "{id:?}");
        }
        let (id, error) = refused(br#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#);
        assert_eq!((id.as_deref(), error.code), (Some("4"), INVALID_REQUEST));
    }

    #[test]
    fn nesting_counts_brackets_outside_strings() {
        assert_eq!(nesting(r#"{"a":[1,{"b":"[[[\"{"}]}"#), 3);
        assert_eq!(nesting("1"), 0);
        let deep = format!(r#"{{"id":1,"x":{}{}}}"#, "[".repeat(200), "]".repeat(200));
        let (id, error) = refused(deep.as_bytes());
        assert_eq!((id.as_deref(), error.code), (Some("1"), INVALID_REQUEST));
        assert!(error.message.contains("201 deep"), "{}", error.message);
    }

    #[test]
    fn a_long_line_is_refused_with_the_id_from_its_start() {
        let line = Line::TooLong {
            start: br#"{"jsonrpc":"2.0","id":"big","params":{"x":"aaaa"#.to_vec(),
            length: 1 << 30,
        };
        let Err(refusal) = read(&line) else {
            panic!("a long line is refused")
        };
        assert_eq!(refusal.id.unwrap().get(), r#""big""#);
        assert_eq!(refusal.error.code, INVALID_REQUEST);
    }

    #[test]
    fn quoted_text_is_cut() {
        let long = "x".repeat(1000);
        assert_eq!(quoted(&long).chars().count(), QUOTED_CHARS + 1);
        assert_eq!(quoted(&"short"), "short");
    }
}
