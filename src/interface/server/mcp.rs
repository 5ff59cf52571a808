//! The Model Context Protocol server (`ruling mcp`), over stdio, on the
//! official Rust SDK (`rmcp`).
//!
//! Each tool's input is a JSON Schema (from `schemars`); each result is the
//! same JSON as the HTTP API (`structuredContent`, and again as text for
//! clients that read only text), led by a one-line summary. Problems the
//! caller can fix come back as tool errors (`isError: true`) with the
//! CLI's messages, so an agent can read them and try again; the server
//! never stops on bad input.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::api::{self, ApiError};
use super::catalog::SharedCatalog;
use crate::interface::record::Records;

/// The MCP server: the tools over one catalog.
#[derive(Clone, Debug)]
pub struct McpServer {
    catalog: SharedCatalog,
    /// The decision records that `why` reads, when given (`--record`).
    records: Option<Records>,
}

/// The input of `why`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhyParams {
    /// A decision id (the `id` of a decision), or a unique prefix of at least 8 characters
    pub id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyParams {
    /// The policy id, as `list_policies` gives it, for example `steam`
    pub policy: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideParams {
    /// The policy id, as `list_policies` gives it
    pub policy: String,
    /// The refund request: a JSON object with the policy's fields, as
    /// `get_policy` describes them in `request_schema`
    // Any JSON is taken, so that a request of the wrong shape is answered
    // by the request decoder's precise messages, not by a generic one.
    #[schemars(with = "serde_json::Map<String, Json>")]
    pub request: Json,
    /// Decide with this version of the policy, whatever the dates
    #[serde(default)]
    pub version: Option<String>,
    /// Decide with the version in effect on this date (YYYY-MM-DD)
    #[serde(default)]
    pub at: Option<String>,
}

/// The input of `explain`: the input of `decide`, and optionally an outcome.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainParams {
    /// The policy id, as `list_policies` gives it
    pub policy: String,
    /// The refund request, as for `decide`
    #[schemars(with = "serde_json::Map<String, Json>")]
    pub request: Json,
    /// Explain with this version of the policy, whatever the dates
    #[serde(default)]
    pub version: Option<String>,
    /// Explain with the version in effect on this date (YYYY-MM-DD)
    #[serde(default)]
    pub at: Option<String>,
    /// Ask what it would take to get this outcome: approve, deny, review or needs_info
    #[serde(default)]
    pub outcome: Option<String>,
}

#[tool_router]
impl McpServer {
    pub fn new(catalog: SharedCatalog, records: Option<Records>) -> Self {
        McpServer { catalog, records }
    }

    #[tool(
        description = "List the refund policies this server decides by: id, title and versions (with effective dates)."
    )]
    async fn list_policies(&self) -> CallToolResult {
        let json = api::list_policies(&self.catalog.snapshot());
        let count = json
            .get("policies")
            .and_then(Json::as_array)
            .map_or(0, Vec::len);
        let ids: Vec<&str> = self.catalog_ids(&json);
        success(&json, format!("{count} policies: {}", ids.join(", ")))
    }

    #[tool(
        description = "Describe one policy: for each version its rules (id, clause, section, outcome) in the order they are tried, its request fields, and the JSON Schema of the requests `decide` takes."
    )]
    async fn get_policy(&self, Parameters(params): Parameters<PolicyParams>) -> CallToolResult {
        let result = api::get_policy(&self.catalog.snapshot(), &params.policy);
        answer(result, |json| {
            let versions = json
                .get("versions")
                .and_then(Json::as_array)
                .map_or(0, Vec::len);
            format!(
                "policy `{}` ({}): {versions} version(s)",
                params.policy,
                json.get("title").and_then(Json::as_str).unwrap_or_default()
            )
        })
    }

    #[tool(
        description = "Decide a refund request against a policy: the outcome (approve, deny, review, needs_info), the reason, the deciding rule and clause, effects, missing fields and a trace of every rule. The version in effect on the request's date decides unless `version` or `at` is given."
    )]
    async fn decide(&self, Parameters(params): Parameters<DecideParams>) -> CallToolResult {
        let result =
            api::choice(params.version.as_deref(), params.at.as_deref()).and_then(|choice| {
                let request = serde_json::to_vec(&params.request).unwrap_or_default();
                api::decide(&self.catalog.snapshot(), &params.policy, &request, &choice)
            });
        answer(result, api::decision_summary)
    }

    #[tool(
        description = "Explain a decision: the deciding rule and the values that made it apply, and for every rule that would have given another outcome, which conditions failed with which values and the smallest verified changes to the request that would make it apply (counterfactuals). With `outcome`, only the rules giving that outcome are explained."
    )]
    async fn explain(&self, Parameters(params): Parameters<ExplainParams>) -> CallToolResult {
        let result =
            api::choice(params.version.as_deref(), params.at.as_deref()).and_then(|choice| {
                let request = serde_json::to_vec(&params.request).unwrap_or_default();
                api::explain(
                    &self.catalog.snapshot(),
                    &params.policy,
                    &request,
                    &choice,
                    params.outcome.as_deref(),
                )
            });
        answer(result, api::explanation_summary)
    }

    #[tool(
        description = "Look up a recorded decision by its id (or a unique prefix of 8+ characters): the request as decided, and the decision with its trace, as recorded when it was made."
    )]
    async fn why(&self, Parameters(params): Parameters<WhyParams>) -> CallToolResult {
        let result = match &self.records {
            None => Err(ApiError::NotRecording),
            Some(records) => api::why(records, &params.id),
        };
        answer(result, |json| {
            format!(
                "decision `{}` recorded {}: {}",
                json.get("id").and_then(Json::as_str).unwrap_or_default(),
                json.get("recorded_at")
                    .and_then(Json::as_str)
                    .unwrap_or_default(),
                json.pointer("/decision/outcome")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
            )
        })
    }
}

impl McpServer {
    fn catalog_ids<'j>(&self, listing: &'j Json) -> Vec<&'j str> {
        listing
            .get("policies")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|policy| policy.get("id").and_then(Json::as_str))
            .collect()
    }

    /// Serves on stdin and stdout until the client closes them.
    pub async fn serve_stdio(self) -> Result<(), std::io::Error> {
        let running = self
            .serve(rmcp::transport::stdio())
            .await
            .map_err(std::io::Error::other)?;
        running.waiting().await.map_err(std::io::Error::other)?;
        Ok(())
    }
}

#[tool_handler(
    name = "ruling",
    instructions = "Decides refund requests against written refund policies. Call `list_policies`, then `get_policy` for the fields a request needs (its `request_schema`), then `decide` with the request. Every decision names the policy clause it rests on."
)]
// Arguments that do not fit a tool's input schema already come back from
// rmcp as a tool error (`failed to deserialize parameters: …`), which an
// agent can read and correct, so `call_tool` is the generated one.
impl ServerHandler for McpServer {}

/// A result: the summary line, then the JSON as text and as structured
/// content.
fn success<T: Serialize>(value: &T, summary: String) -> CallToolResult {
    let json = serde_json::to_value(value).unwrap_or_default();
    let mut result = CallToolResult::structured(json.clone());
    result.content = vec![
        ContentBlock::text(summary),
        ContentBlock::text(json.to_string()),
    ];
    result
}

/// A tool error: the CLI's message and problems as text, the error JSON
/// of the HTTP API as structured content.
fn failure(problem: &ApiError) -> CallToolResult {
    let mut result = CallToolResult::structured_error(problem.to_json());
    result.content = vec![ContentBlock::text(format!("error: {}", problem.summary()))];
    result
}

fn answer<T: Serialize>(
    result: Result<T, ApiError>,
    summary: impl FnOnce(&T) -> String,
) -> CallToolResult {
    match result {
        Ok(value) => {
            let line = summary(&value);
            success(&value, line)
        }
        Err(problem) => failure(&problem),
    }
}
