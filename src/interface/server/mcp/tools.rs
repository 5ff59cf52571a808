//! The tools: their input schemas (from `schemars`), their arguments read
//! from the raw JSON of the call, and their results.
//!
//! Each result is the same JSON as the HTTP API (`structuredContent`, and
//! again as text for clients that read only text), led by a one-line
//! summary. Problems the caller can fix, arguments of the wrong shape
//! included, come back as tool errors (`isError: true`) with the CLI's
//! messages, so an agent can read them and try again.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::{Deserialize, Serialize};
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Value as Json, json};

use super::rpc::{INTERNAL_ERROR, RpcError, quoted};
use crate::diagnostic::suggest::list_names;
use crate::interface::record::Records;
use crate::interface::server::analysis;
use crate::interface::server::api::{self, ApiError};
use crate::interface::server::catalog::Catalog;

/// The input of `why`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WhyParams {
    /// A decision id (the `id` of a decision), or a unique prefix of at least 8 characters
    id: String,
}

/// The input of `get_policy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PolicyParams {
    /// The policy id, as `list_policies` gives it, for example `steam`
    policy: String,
}

/// The input of `decide`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DecideParams {
    /// The policy id, as `list_policies` gives it
    policy: String,
    /// The refund request: a JSON object with the policy's fields, as
    /// `get_policy` describes them in `request_schema`
    // Kept as the client wrote it, so that amounts keep every digit and a
    // request of the wrong shape is answered by the request decoder's
    // precise messages.
    #[schemars(with = "serde_json::Map<String, Json>")]
    request: Box<RawValue>,
    /// Decide with this version of the policy, whatever the dates
    #[serde(default)]
    version: Option<String>,
    /// Decide with the version in effect on this date (YYYY-MM-DD)
    #[serde(default)]
    at: Option<String>,
}

/// The input of `explain`: the input of `decide`, and optionally an outcome.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExplainParams {
    /// The policy id, as `list_policies` gives it
    policy: String,
    /// The refund request, as for `decide`
    #[schemars(with = "serde_json::Map<String, Json>")]
    request: Box<RawValue>,
    /// Explain with this version of the policy, whatever the dates
    #[serde(default)]
    version: Option<String>,
    /// Explain with the version in effect on this date (YYYY-MM-DD)
    #[serde(default)]
    at: Option<String>,
    /// Ask what it would take to get this outcome: approve, deny, review or needs_info
    #[serde(default)]
    outcome: Option<String>,
}

const LIST_POLICIES: &str = "list_policies";
const GET_POLICY: &str = "get_policy";
const DECIDE: &str = "decide";
const EXPLAIN: &str = "explain";
const WHY: &str = "why";
const LINT: &str = "lint";
const DIFF_SYMBOLIC: &str = "diff_symbolic";

/// The tools, in the order `tools/list` gives them.
const NAMES: [&str; 7] = [
    LIST_POLICIES,
    GET_POLICY,
    DECIDE,
    EXPLAIN,
    WHY,
    LINT,
    DIFF_SYMBOLIC,
];

/// The result of `tools/list`: every tool's name, description and input
/// schema.
pub(crate) fn list() -> Json {
    let tools = [
        tool(
            LIST_POLICIES,
            "List the refund policies this server decides by: id, title and versions (with effective dates).",
            json!({"type": "object", "properties": {}}),
        ),
        tool(
            GET_POLICY,
            "Describe one policy: for each version its rules (id, clause, section, outcome) in the order they are tried, its request fields, and the JSON Schema of the requests `decide` takes.",
            input_schema::<PolicyParams>(),
        ),
        tool(
            DECIDE,
            "Decide a refund request against a policy: the outcome (approve, deny, review, needs_info), the reason, the deciding rule and clause, effects, missing fields and a trace of every rule. The version in effect on the request's date decides unless `version` or `at` is given.",
            input_schema::<DecideParams>(),
        ),
        tool(
            EXPLAIN,
            "Explain a decision: the deciding rule and the values that made it apply, and for every rule that would have given another outcome, which conditions failed with which values and the smallest verified changes to the request that would make it apply (counterfactuals). With `outcome`, only the rules giving that outcome are explained.",
            input_schema::<ExplainParams>(),
        ),
        tool(
            WHY,
            "Look up a recorded decision by its id (or a unique prefix of 8+ characters): the request as sent, and the decision with its trace, as recorded when it was made.",
            input_schema::<WhyParams>(),
        ),
        tool(
            LINT,
            "Analyse a policy over every request it can receive (a loaded one by id, or the text of a policy file such as a proposed change): rules that never decide and the rules above that take their requests, conditions that never hold or always hold, unknown traps, gaps reaching the default, unused fields; each finding with an example request decided again to show it.",
            input_schema::<analysis::LintBody>(),
        ),
        tool(
            DIFF_SYMBOLIC,
            "Find, without a corpus, the requests whose decision changes between two versions of a policy (versions of a loaded policy, or policy file texts): grouped by old rule → new rule, one verified example request each; when the enumeration is complete and finds none, no valid request changes.",
            input_schema::<analysis::SymbolicBody>(),
        ),
    ];
    json!({ "tools": tools })
}

fn tool(name: &str, description: &str, input_schema: Json) -> Json {
    json!({ "name": name, "description": description, "inputSchema": input_schema })
}

/// The JSON Schema (2020-12, as MCP asks) of a tool's arguments, without
/// the Rust type's title and doc comment.
fn input_schema<T: JsonSchema>() -> Json {
    let schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut json = serde_json::to_value(schema).unwrap_or_default();
    if let Some(object) = json.as_object_mut() {
        object.remove("title");
        object.remove("description");
    }
    json
}

/// Calls tool `name` with `arguments` (a JSON object): the tool's result,
/// or a JSON-RPC error when there is no such tool.
pub(crate) fn call(
    catalog: &Catalog,
    records: Option<&Records>,
    name: &str,
    arguments: &RawValue,
) -> Result<Box<RawValue>, RpcError> {
    match name {
        LIST_POLICIES => success(&api::list_policies(catalog), list_summary),
        GET_POLICY => answer(
            parse::<PolicyParams>(name, arguments)
                .and_then(|params| api::get_policy(catalog, &params.policy)),
            policy_summary,
        ),
        DECIDE => answer(
            parse::<DecideParams>(name, arguments).and_then(|params| {
                let choice = api::choice(params.version.as_deref(), params.at.as_deref())?;
                let request = params.request.get().as_bytes();
                api::decide(catalog, &params.policy, request, &choice)
            }),
            api::decision_summary,
        ),
        EXPLAIN => answer(
            parse::<ExplainParams>(name, arguments).and_then(|params| {
                let choice = api::choice(params.version.as_deref(), params.at.as_deref())?;
                let request = params.request.get().as_bytes();
                api::explain(
                    catalog,
                    &params.policy,
                    request,
                    &choice,
                    params.outcome.as_deref(),
                )
            }),
            api::explanation_summary,
        ),
        WHY => answer(
            parse::<WhyParams>(name, arguments).and_then(|params| match records {
                None => Err(ApiError::NotRecording),
                Some(records) => api::why(records, &params.id),
            }),
            why_summary,
        ),
        LINT => answer(
            parse::<analysis::LintBody>(name, arguments)
                .and_then(|params| analysis::lint_body(catalog, &params)),
            analysis::lint_summary,
        ),
        DIFF_SYMBOLIC => answer(
            parse::<analysis::SymbolicBody>(name, arguments)
                .and_then(|params| analysis::symbolic_body(catalog, &params)),
            analysis::symbolic_summary,
        ),
        _ => Err(RpcError::new(
            super::rpc::INVALID_PARAMS,
            format!(
                "no tool `{}`; the tools are {}",
                quoted(&name),
                list_names(NAMES, NAMES.len())
            ),
        )),
    }
}

/// A tool's arguments; arguments of the wrong shape are the caller's to
/// fix, so they are a tool error, with serde's message naming the member.
fn parse<'a, T: Deserialize<'a>>(tool: &str, arguments: &'a RawValue) -> Result<T, ApiError> {
    serde_json::from_str(arguments.get()).map_err(|error| {
        ApiError::Malformed(format!(
            "the arguments of `{tool}` are not valid: {}",
            quoted(&error)
        ))
    })
}

fn list_summary(listing: &Json) -> String {
    let ids: Vec<&str> = listing
        .get("policies")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|policy| policy.get("id").and_then(Json::as_str))
        .collect();
    format!("{} policies: {}", ids.len(), ids.join(", "))
}

fn policy_summary(policy: &Json) -> String {
    let versions = policy
        .get("versions")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    format!(
        "policy `{}` ({}): {versions} version(s)",
        policy.get("id").and_then(Json::as_str).unwrap_or_default(),
        policy
            .get("title")
            .and_then(Json::as_str)
            .unwrap_or_default()
    )
}

fn why_summary(record: &Json) -> String {
    format!(
        "decision `{}` recorded {}: {}",
        record.get("id").and_then(Json::as_str).unwrap_or_default(),
        record
            .get("recorded_at")
            .and_then(Json::as_str)
            .unwrap_or_default(),
        record
            .pointer("/decision/outcome")
            .and_then(Json::as_str)
            .unwrap_or_default()
    )
}

/// The shape of a tool's result (`CallToolResult` in the MCP schema).
#[derive(Serialize)]
struct ToolResult<'a> {
    content: Vec<TextContent<'a>>,
    #[serde(rename = "structuredContent")]
    structured_content: &'a RawValue,
    #[serde(rename = "isError")]
    is_error: bool,
}

#[derive(Serialize)]
struct TextContent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

fn text(text: &str) -> TextContent<'_> {
    TextContent { kind: "text", text }
}

fn answer<T: Serialize>(
    result: Result<T, ApiError>,
    summary: impl FnOnce(&T) -> String,
) -> Result<Box<RawValue>, RpcError> {
    match result {
        Ok(value) => success(&value, summary),
        Err(problem) => failure(&problem),
    }
}

/// A result: the summary line, then the JSON as text and as structured
/// content, both written straight from `value`.
fn success<T: Serialize>(
    value: &T,
    summary: impl FnOnce(&T) -> String,
) -> Result<Box<RawValue>, RpcError> {
    let json = to_raw_value(value).map_err(unwritable)?;
    let line = summary(value);
    to_raw_value(&ToolResult {
        content: vec![text(&line), text(json.get())],
        structured_content: &json,
        is_error: false,
    })
    .map_err(unwritable)
}

/// A tool error: the CLI's message and problems as text, the error JSON
/// of the HTTP API as structured content.
fn failure(problem: &ApiError) -> Result<Box<RawValue>, RpcError> {
    let json = to_raw_value(&problem.to_json()).map_err(unwritable)?;
    let line = format!("error: {}", problem.summary());
    to_raw_value(&ToolResult {
        content: vec![text(&line)],
        structured_content: &json,
        is_error: true,
    })
    .map_err(unwritable)
}

fn unwritable(error: serde_json::Error) -> RpcError {
    RpcError::new(
        INTERNAL_ERROR,
        format!("the result could not be written: {error}"),
    )
}
