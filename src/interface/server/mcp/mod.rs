//! The Model Context Protocol server (`ruling mcp`): JSON-RPC 2.0 over
//! stdio, one message per line.
//!
//! It reads its input itself rather than through an SDK, for two
//! guarantees: every line that can hold a request gets an answer, and a
//! tool's arguments reach the request decoder as the bytes the client
//! sent.
//!
//! ```text
//! stdin → line::LineReader (at most MAX_LINE_BYTES kept per line)
//!       → rpc::read (UTF-8, JSON, nesting, JSON-RPC shape; else an error answer)
//!       → initialize | ping | tools/list | tools/call → tools::call → api
//!       → one answer line on stdout, in the order the requests came
//! ```
//!
//! The server answers one message at a time: a decision takes
//! microseconds, so nothing is gained by running calls side by side, and
//! answers come back in order.

mod line;
mod rpc;
mod tools;

use std::io::{self, BufRead, Write};

use serde::Deserialize;
use serde_json::json;
use serde_json::value::{RawValue, to_raw_value};

use self::line::{Line, LineReader};
use self::rpc::{INVALID_PARAMS, MAX_LINE_BYTES, METHOD_NOT_FOUND, Message, RpcError};
use super::catalog::SharedCatalog;
use super::log;
use crate::interface::record::Records;

/// The protocol versions this server speaks, oldest first: those that
/// begin with the `initialize` handshake.
const PROTOCOL_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// The newest protocol version, offered to a client that asks for one
/// this server does not speak.
const LATEST_PROTOCOL_VERSION: &str = "2025-11-25";

const INSTRUCTIONS: &str = "Decides refund requests against written refund policies. Call `list_policies`, then `get_policy` for the fields a request needs (its `request_schema`), then `decide` with the request. Every decision names the policy clause it rests on.";

/// The MCP server: the tools over one catalog.
#[derive(Debug)]
pub(crate) struct McpServer {
    catalog: SharedCatalog,
    /// The decision records that `why` reads, when given (`--record`).
    records: Option<Records>,
}

/// The part of `initialize`'s params this server reads.
#[derive(Deserialize)]
struct InitializeParams {
    #[serde(rename = "protocolVersion")]
    protocol_version: String,
}

/// The part of `tools/call`'s params this server reads.
#[derive(Deserialize)]
struct CallParams<'a> {
    name: String,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
}

impl McpServer {
    pub(crate) fn new(catalog: SharedCatalog, records: Option<Records>) -> Self {
        McpServer { catalog, records }
    }

    /// Answers the messages on `input` until it ends, writing each answer
    /// as one line on `output`. A closed `output` ends the session too.
    pub(crate) fn serve(&self, input: impl BufRead, mut output: impl Write) -> io::Result<()> {
        let mut lines = LineReader::new(input, MAX_LINE_BYTES);
        while let Some(line) = lines.next_line()? {
            let Some(answer) = self.answer(&line) else {
                continue;
            };
            let written = output
                .write_all(answer.as_bytes())
                .and_then(|()| output.write_all(b"\n"))
                .and_then(|()| output.flush());
            match written {
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
                other => other?,
            }
        }
        Ok(())
    }

    /// The answer to one line, if it gets one: notifications, responses
    /// and blank lines get none.
    fn answer(&self, line: &Line) -> Option<String> {
        match rpc::read(line) {
            Err(refusal) => {
                log(&format!(
                    "refused a message ({}): {}",
                    refusal.error.code, refusal.error.message
                ));
                Some(rpc::error_line(refusal.id.as_deref(), &refusal.error))
            }
            Ok(Message::Request { id, method, params }) => {
                Some(match self.request(&method, params) {
                    Ok(result) => rpc::result_line(id, &result),
                    Err(error) => rpc::error_line(Some(id), &error),
                })
            }
            Ok(Message::Notification { method }) => {
                if !method.starts_with("notifications/") {
                    log(&format!(
                        "`{}` came without an id, as a notification, so it gets no answer",
                        rpc::quoted(&method)
                    ));
                }
                None
            }
            Ok(Message::Response | Message::Blank) => None,
        }
    }

    /// The result of request `method`, or its error.
    fn request(&self, method: &str, params: Option<&RawValue>) -> Result<Box<RawValue>, RpcError> {
        match method {
            "initialize" => initialize(params),
            "ping" => written(&json!({})),
            "tools/list" => written(&tools::list()),
            "tools/call" => self.call_tool(params),
            other => Err(RpcError::new(
                METHOD_NOT_FOUND,
                format!(
                    "no method `{}`; this server answers `initialize`, `ping`, `tools/list` and `tools/call`",
                    rpc::quoted(&other)
                ),
            )),
        }
    }

    fn call_tool(&self, params: Option<&RawValue>) -> Result<Box<RawValue>, RpcError> {
        let params = params.ok_or_else(|| {
            RpcError::new(
                INVALID_PARAMS,
                r#"`tools/call` needs params: {"name": TOOL, "arguments": {…}}"#,
            )
        })?;
        let call: CallParams<'_> = object_params("tools/call", params)?;
        let empty = RawValue::from_string("{}".to_owned())
            .map_err(|error| RpcError::new(rpc::INTERNAL_ERROR, error.to_string()))?;
        let arguments = call.arguments.unwrap_or(&empty);
        if !rpc::is_object(arguments) {
            return Err(RpcError::new(
                INVALID_PARAMS,
                "the arguments of a tool call must be a JSON object",
            ));
        }
        tools::call(
            &self.catalog.snapshot(),
            self.records.as_ref(),
            &call.name,
            arguments,
        )
    }
}

/// The answer to `initialize`: the client's protocol version if this
/// server speaks it, else the newest it does, for the client to decide.
fn initialize(params: Option<&RawValue>) -> Result<Box<RawValue>, RpcError> {
    let params = params.ok_or_else(|| {
        RpcError::new(
            INVALID_PARAMS,
            r#"`initialize` needs params: {"protocolVersion": "2025-11-25", …}"#,
        )
    })?;
    let params: InitializeParams = object_params("initialize", params)?;
    let version = PROTOCOL_VERSIONS
        .into_iter()
        .find(|&known| known == params.protocol_version)
        .unwrap_or(LATEST_PROTOCOL_VERSION);
    written(&json!({
        "protocolVersion": version,
        "capabilities": {"tools": {}},
        "serverInfo": {"name": "ruling", "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    }))
}

/// The params of `method`, which must be an object of the shape `T` reads.
fn object_params<'a, T: Deserialize<'a>>(
    method: &str,
    params: &'a RawValue,
) -> Result<T, RpcError> {
    let invalid = |problem: String| {
        RpcError::new(
            INVALID_PARAMS,
            format!("the params of `{method}` are not valid: {problem}"),
        )
    };
    if !rpc::is_object(params) {
        return Err(invalid("they must be a JSON object".to_owned()));
    }
    serde_json::from_str(params.get()).map_err(|error| invalid(rpc::quoted(&error)))
}

fn written(value: &serde_json::Value) -> Result<Box<RawValue>, RpcError> {
    to_raw_value(value).map_err(|error| RpcError::new(rpc::INTERNAL_ERROR, error.to_string()))
}
