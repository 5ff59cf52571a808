//! The operations the HTTP API and the MCP server share: each takes a
//! catalog and plain inputs and returns JSON or an [`ApiError`], so the two
//! transports answer with the same shapes and the same messages as the CLI.
//!
//! A new operation (`explain`, `why`) is one function here plus one line in
//! each transport.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::error::Category;
use serde_json::{Value as Json, json};

use super::catalog::Catalog;
use crate::decision::decide::{RequestFailure, decide_json};
use crate::decision::explain::{Explanation, explain as explain_request};
use crate::decision::id::parse_prefix;
use crate::decision::{DECISION_FORMAT, Decision};
use crate::diagnostic::suggest::list_names;
use crate::interface::record::{Lookup, Record, Records, Submitted};
use crate::language::schema::Requirement;
use crate::policy::folder::{Choice, PolicySet, SelectError, Selected};
use crate::policy::{Outcome, Policy};
use crate::render::request_error_value;
use crate::tools::json_schema::request_schema;

/// Why an operation gave no answer. Each kind maps to one HTTP status and
/// to a tool error in MCP.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("no policy `{id}` is loaded; the policies are {known}")]
    UnknownPolicy { id: String, known: String },
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error("`{0}` is not a date; write it as YYYY-MM-DD, for example 2025-03-01")]
    BadDate(String),
    #[error("give `version` or `at`, not both")]
    VersionAndDate,
    #[error("{0}")]
    BadId(String),
    #[error("no recorded decision has the id `{0}`")]
    UnknownDecision(String),
    #[error("recording is off: start the server with `--record`")]
    NotRecording,
    #[error("the decision records cannot be used: {0}")]
    Records(String),
    #[error(
        "`{0}` is not an outcome; the outcomes are `approve`, `deny`, `review` and `needs_info`"
    )]
    BadOutcome(String),
    /// The request was decoded and refused: the CLI's error JSON.
    #[error("{message}")]
    Rejected { message: String, error: Json },
    /// The body is not the JSON the endpoint takes.
    #[error("{0}")]
    Malformed(String),
    #[error("the body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("no endpoint `{0}`; see GET /v1/policies, POST /v1/decide")]
    NotFound(String),
    #[error("`{path}` does not take {method}; see the endpoints in the README")]
    MethodNotAllowed { method: String, path: String },
    #[error("the request was not received within {seconds} seconds")]
    Timeout { seconds: u64 },
}

impl ApiError {
    /// The HTTP status: 4xx for anything the caller can fix.
    pub(crate) fn status(&self) -> u16 {
        match self {
            ApiError::UnknownPolicy { .. }
            | ApiError::Select(SelectError::UnknownVersion { .. })
            | ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Timeout { .. } => 408,
            ApiError::BadDate(_)
            | ApiError::VersionAndDate
            | ApiError::BadOutcome(_)
            | ApiError::BadId(_)
            | ApiError::Malformed(_) => 400,
            ApiError::UnknownDecision(_) | ApiError::NotRecording => 404,
            ApiError::Records(_) => 500,
            ApiError::TooLarge { .. } => 413,
            ApiError::Select(SelectError::NotInEffect { .. }) | ApiError::Rejected { .. } => 422,
            ApiError::Select(SelectError::Empty) => 500,
        }
    }

    /// A stable, machine-readable name for the kind of error.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ApiError::UnknownPolicy { .. } => "unknown_policy",
            ApiError::Select(SelectError::UnknownVersion { .. }) => "unknown_version",
            ApiError::Select(SelectError::NotInEffect { .. }) => "not_in_effect",
            ApiError::Select(SelectError::Empty) => "empty_policy",
            ApiError::BadDate(_) => "bad_date",
            ApiError::VersionAndDate => "version_and_date",
            ApiError::BadOutcome(_) => "bad_outcome",
            ApiError::BadId(_) => "bad_id",
            ApiError::UnknownDecision(_) => "unknown_decision",
            ApiError::NotRecording => "not_recording",
            ApiError::Records(_) => "records",
            ApiError::Rejected { .. } => "rejected",
            ApiError::Malformed(_) => "malformed_body",
            ApiError::TooLarge { .. } => "too_large",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Timeout { .. } => "timeout",
        }
    }

    /// The error as JSON: `{"error": {…}}`. A rejected request has exactly
    /// the object `ruling decide --format json` prints; every other error
    /// has `format`, `kind`, `message` and no problems.
    pub(crate) fn to_json(&self) -> Json {
        match self {
            ApiError::Rejected { error, .. } => json!({ "error": error }),
            other => error_json(other.kind(), &other.to_string()),
        }
    }

    /// The error for people, one line per problem, as the CLI words them.
    pub(crate) fn summary(&self) -> String {
        let ApiError::Rejected { message, error } = self else {
            return self.to_string();
        };
        let mut text = message.clone();
        let problems = error.get("problems").and_then(Json::as_array);
        for problem in problems.into_iter().flatten() {
            if let Some(line) = problem.get("message").and_then(Json::as_str) {
                text.push_str("\n  × ");
                text.push_str(line);
            }
            if let Some(help) = problem.get("help").and_then(Json::as_str) {
                text.push_str("\n    help: ");
                text.push_str(help);
            }
        }
        text
    }
}

/// The JSON of an error that is not about a request's fields:
/// `{"error": {"format", "kind", "message", "problems": []}}`. The HTTP
/// layer's own errors (`overloaded`, `bad_request`, …) have this shape too.
pub(crate) fn error_json(kind: &str, message: &str) -> Json {
    json!({
        "error": {
            "format": DECISION_FORMAT,
            "kind": kind,
            "message": message,
            "problems": [],
        }
    })
}

/// The input of `decide`: which policy, the request, and optionally which
/// version decides.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecideBody {
    pub(crate) policy: String,
    /// The request exactly as sent, so that decimals keep every digit.
    pub(crate) request: Box<serde_json::value::RawValue>,
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default)]
    pub(crate) at: Option<String>,
}

/// Parses a JSON body into `T`. A body that is not JSON at all is told
/// apart from JSON of the wrong shape, and places are given as line and
/// column in words, not in serde's terms.
pub(crate) fn parse_body<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::Malformed(format!(
            "the body is not valid: {}. Send {BODY_EXAMPLE}",
            body_problem(bytes, &error)
        ))
    })
}

/// What is wrong with a body that did not parse into an endpoint's input.
fn body_problem(bytes: &[u8], error: &serde_json::Error) -> String {
    let text = String::from_utf8_lossy(bytes);
    let content = text.trim_start_matches('\u{feff}').trim_start();
    let (line, column) = (error.line(), error.column());
    match error.classify() {
        Category::Eof if content.is_empty() => "the body is empty".to_owned(),
        Category::Eof => {
            format!(
                "it is not JSON: it ends at line {line}, column {column} before the JSON is complete"
            )
        }
        Category::Syntax | Category::Io => format!(
            "it is not JSON: `{}` at line {line}, column {column} cannot be read as JSON",
            word_at(bytes, line, column)
        ),
        Category::Data => {
            let shape = if content.starts_with('{') {
                ""
            } else {
                "the body must be a JSON object; "
            };
            let cause = error.to_string();
            let cause = cause
                .strip_suffix(&format!(" at line {line} column {column}"))
                .unwrap_or(&cause)
                .replace("struct DecideBody", "an object")
                .replace("struct ExplainBody", "an object");
            format!("{shape}{cause} (at line {line}, column {column})")
        }
    }
}

/// The word of `bytes` around serde's 1-based `line` and `column` (a
/// column counts bytes, the last one read being the offending one), so
/// that a message can quote what could not be read.
fn word_at(bytes: &[u8], line: usize, column: usize) -> String {
    const LONGEST: usize = 20;
    let text = bytes
        .split(|&byte| byte == b'\n')
        .nth(line.saturating_sub(1))
        .unwrap_or_default();
    let at = column.saturating_sub(1).min(text.len());
    let is_word = |byte: &u8| !byte.is_ascii_whitespace() && !b"{}[],:\"".contains(byte);
    let (before, after) = text.split_at(at);
    let start = before
        .iter()
        .rposition(|byte| !is_word(byte))
        .map_or(0, |index| index + 1);
    let length = after
        .iter()
        .position(|byte| !is_word(byte))
        .unwrap_or(after.len());
    let end = (at + length.max(1)).min(text.len());
    let word = text.get(start..end).unwrap_or_default();
    let shown = String::from_utf8_lossy(word.get(..LONGEST).unwrap_or(word));
    if word.len() > LONGEST {
        format!("{shown}…")
    } else {
        shown.into_owned()
    }
}

/// The shape of a body, for messages about one that is not valid.
const BODY_EXAMPLE: &str =
    r#"{"policy": "<id>", "request": {…}} in UTF-8, optionally with "version" or "at""#;

/// The policy `id`, or the error that lists the loaded ones.
pub(crate) fn policy_set<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c PolicySet, ApiError> {
    catalog.get(id).ok_or_else(|| ApiError::UnknownPolicy {
        id: shorten(id),
        known: list_names(catalog.ids(), 20),
    })
}

/// An id from outside as an error message shows it: a long one is cut, so
/// that a stray upload is not echoed back whole.
fn shorten(id: &str) -> String {
    const SHOWN: usize = 80;
    match id.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", id.get(..cut).unwrap_or_default()),
        None => id.to_owned(),
    }
}

/// How to choose the version, from the optional `version` and `at`.
pub(crate) fn choice(version: Option<&str>, at: Option<&str>) -> Result<Choice, ApiError> {
    match (version, at) {
        (Some(_), Some(_)) => Err(ApiError::VersionAndDate),
        (Some(version), None) => Ok(Choice::Version(version.to_owned())),
        (None, Some(text)) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Choice::At)
            .map_err(|_| ApiError::BadDate(text.to_owned())),
        (None, None) => Ok(Choice::ByRequest),
    }
}

/// Chooses the version that decides `request`, the way `ruling decide`
/// does: by the request's date unless a version or date is asked for.
pub(crate) fn select<'c>(
    catalog: &'c Catalog,
    policy: &str,
    request: &[u8],
    choice: &Choice,
) -> Result<Selected<'c>, ApiError> {
    let set = policy_set(catalog, policy)?;
    Ok(set.select(request, choice)?)
}

/// Decides `request` against the chosen version of `policy`: the decision
/// of `ruling decide --format json`, or the error it prints.
pub(crate) fn decide(
    catalog: &Catalog,
    policy: &str,
    request: &[u8],
    choice: &Choice,
) -> Result<Decision, ApiError> {
    let selected = select(catalog, policy, request, choice)?;
    let mut decision =
        decide_json(selected.policy, request).map_err(|failure| rejected(&failure, &selected))?;
    decision.policy.selected = Some(selected.why);
    Ok(decision)
}

fn rejected(failure: &RequestFailure, selected: &Selected<'_>) -> ApiError {
    let error = request_error_value(failure, selected.policy);
    let message = error
        .get("message")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    ApiError::Rejected { message, error }
}

/// `decide` for a [`DecideBody`], the shape HTTP and MCP take.
pub(crate) fn decide_body(catalog: &Catalog, body: &DecideBody) -> Result<Decision, ApiError> {
    let choice = choice(body.version.as_deref(), body.at.as_deref())?;
    decide(
        catalog,
        &body.policy,
        body.request.get().as_bytes(),
        &choice,
    )
}

/// The input of `explain`: a [`DecideBody`] and, optionally, the outcome
/// to explain how to reach.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainBody {
    pub(crate) policy: String,
    pub(crate) request: Box<serde_json::value::RawValue>,
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default)]
    pub(crate) at: Option<String>,
    #[serde(default)]
    pub(crate) outcome: Option<String>,
}

/// Explains the decision of `request`: why, why not, and the changes that
/// would give each other outcome (the JSON of `ruling explain --format json`).
pub(crate) fn explain(
    catalog: &Catalog,
    policy: &str,
    request: &[u8],
    choice: &Choice,
    outcome: Option<&str>,
) -> Result<Explanation, ApiError> {
    let target = match outcome {
        Some(text) => {
            Some(Outcome::from_keyword(text).ok_or_else(|| ApiError::BadOutcome(text.to_owned()))?)
        }
        None => None,
    };
    let selected = select(catalog, policy, request, choice)?;
    let mut explanation = explain_request(selected.policy, request, target)
        .map_err(|failure| rejected(&failure, &selected))?;
    explanation.policy.selected = Some(selected.why);
    Ok(explanation)
}

/// `explain` for an [`ExplainBody`].
pub(crate) fn explain_body(catalog: &Catalog, body: &ExplainBody) -> Result<Explanation, ApiError> {
    let choice = choice(body.version.as_deref(), body.at.as_deref())?;
    explain(
        catalog,
        &body.policy,
        body.request.get().as_bytes(),
        &choice,
        body.outcome.as_deref(),
    )
}

/// One line about an explanation, for people and agents.
pub(crate) fn explanation_summary(explanation: &Explanation) -> String {
    let value = serde_json::to_value(explanation).unwrap_or_default();
    let why_not = value
        .get("why_not")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    let rule = value
        .pointer("/rule/id")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let outcome = value
        .get("outcome")
        .and_then(Json::as_str)
        .unwrap_or_default();
    format!(
        "{outcome} by `{rule}`; {why_not} other rule(s) explained with what would make them apply"
    )
}

/// A recorded decision by id (any unique prefix of 8 or more characters).
pub(crate) fn why(records: &Records, id: &str) -> Result<Json, ApiError> {
    let prefix = parse_prefix(id).map_err(|error| ApiError::BadId(error.to_string()))?;
    match records.find(&prefix) {
        Ok(Lookup::Found(record)) => Ok(record.to_json()),
        Ok(Lookup::NotFound) => Err(ApiError::UnknownDecision(id.to_owned())),
        Ok(Lookup::Ambiguous(ids)) => Err(ApiError::BadId(format!(
            "`{id}` starts {}; give more characters",
            list_names(ids.iter().map(String::as_str), 6)
        ))),
        Err(error) => Err(ApiError::Records(error.to_string())),
    }
}

/// Queues the record of `decision`, which `decide_body(catalog, body)`
/// made, without waiting for the store: `Dropped`, and counted as lost,
/// when the queue is full.
pub(crate) fn record(
    records: &Records,
    catalog: &Catalog,
    body: &DecideBody,
    decision: &Decision,
) -> Submitted {
    // A record holds the decoded request: decoded again by the version
    // that decided.
    let request = body.request.get().as_bytes();
    let record = choice(body.version.as_deref(), body.at.as_deref())
        .and_then(|choice| select(catalog, &body.policy, request, &choice))
        .ok()
        .filter(|selected| selected.policy.sha256() == decision.policy.sha256)
        .and_then(|selected| {
            let policy = selected.policy;
            crate::request::decode(&policy.schema, policy.meta.timezone, request)
                .ok()
                .map(|decoded| Record::new(policy, &decoded, decision))
        });
    match record {
        Some(record) => records.offer(record),
        None => records.lose(),
    }
}

/// One line about a decision, for people and agents.
pub(crate) fn decision_summary(decision: &Decision) -> String {
    let rule = &decision.rule;
    let by = if rule.default { "default" } else { "rule" };
    format!(
        "{} by {by} `{}` ({}) of `{}` version `{}`: {}",
        decision.outcome,
        rule.id,
        rule.clause,
        decision.policy.id,
        decision.policy.version,
        decision.reason
    )
}

/// Every loaded policy: id, title and versions, newest last.
pub(crate) fn list_policies(catalog: &Catalog) -> Json {
    let policies: Vec<Json> = catalog
        .iter()
        .map(|(id, set)| {
            let newest = set.versions.last();
            json!({
                "id": id,
                "title": newest.map(|policy| policy.meta.title.as_str()),
                "versions": set.versions.iter().map(version_ref).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "format": DECISION_FORMAT, "policies": policies })
}

fn version_ref(policy: &Policy) -> Json {
    json!({
        "version": policy.meta.version,
        "title": policy.meta.title,
        "effective_date": policy.meta.stated_effective_date().map(|date| date.to_string()),
        "sha256": policy.sha256(),
    })
}

/// One policy in full: each version with its rules in the order they are
/// tried (the default last), its fields, and the JSON Schema of requests.
pub(crate) fn get_policy(catalog: &Catalog, id: &str) -> Result<Json, ApiError> {
    let set = policy_set(catalog, id)?;
    let versions: Vec<Json> = set.versions.iter().map(policy_detail).collect();
    let newest = set.versions.last();
    Ok(json!({
        "format": DECISION_FORMAT,
        "id": id,
        "title": newest.map(|policy| policy.meta.title.as_str()),
        "date_field": newest
            .and_then(|policy| policy.meta.effective_date_field.and_then(|slot| policy.schema.field(slot)))
            .map(|field| field.path.as_str()),
        "versions": versions,
    }))
}

fn policy_detail(policy: &Policy) -> Json {
    let rules: Vec<Json> = policy
        .rules_in_order()
        .map(|rule| {
            json!({
                "id": rule.id,
                "clause": rule.clause,
                "section": rule.section,
                "outcome": rule.outcome,
                "default": rule.when.is_none(),
            })
        })
        .collect();
    let fields: Vec<Json> = policy
        .schema
        .fields
        .iter()
        .map(|field| {
            json!({
                "path": field.path,
                "type": field.ty.to_string(),
                "description": field.description,
                "required": match field.requirement {
                    Requirement::Optional => "optional",
                    Requirement::Always => "always",
                    Requirement::When(_) | Requirement::WhenItem { .. } => "conditional",
                },
            })
        })
        .collect();
    let mut detail = version_ref(policy);
    if let Some(object) = detail.as_object_mut() {
        object.insert("timezone".into(), json!(policy.meta.timezone_name));
        object.insert("source".into(), json!(policy.meta.source));
        object.insert("rules".into(), json!(rules));
        object.insert("fields".into(), json!(fields));
        object.insert(
            "request_schema".into(),
            serde_json::to_value(request_schema(policy)).unwrap_or_default(),
        );
    }
    detail
}

// The operations on a policy set that is not the catalog's: a draft of one
// of its versions, for the studio (`super::studio`).

/// Decides `request` against the chosen version of `set`, as [`decide`]
/// does against the catalog.
pub fn decide_in_set(
    set: &PolicySet,
    request: &[u8],
    choice: &Choice,
) -> Result<Decision, ApiError> {
    let selected = set.select(request, choice)?;
    let mut decision =
        decide_json(selected.policy, request).map_err(|failure| rejected(&failure, &selected))?;
    decision.policy.selected = Some(selected.why);
    Ok(decision)
}

/// Explains `request` against the chosen version of `set`, as [`explain`]
/// does against the catalog.
pub fn explain_in_set(
    set: &PolicySet,
    request: &[u8],
    choice: &Choice,
    outcome: Option<&str>,
) -> Result<Explanation, ApiError> {
    let target = match outcome {
        Some(text) => {
            Some(Outcome::from_keyword(text).ok_or_else(|| ApiError::BadOutcome(text.to_owned()))?)
        }
        None => None,
    };
    let selected = set.select(request, choice)?;
    let mut explanation = explain_request(selected.policy, request, target)
        .map_err(|failure| rejected(&failure, &selected))?;
    explanation.policy.selected = Some(selected.why);
    Ok(explanation)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn catalog() -> Catalog {
        Catalog::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap()
    }

    #[test]
    fn an_unknown_policy_lists_the_known_ones() {
        let error = decide(&catalog(), "nope", b"{}", &Choice::ByRequest).unwrap_err();
        assert_eq!(error.status(), 404);
        assert_eq!(
            error.to_string(),
            "no policy `nope` is loaded; the policies are `best-buy-returns`, `dot-airline-refunds`, `iptv-smarters-pro`, `steam`"
        );
    }

    #[test]
    fn a_rejected_request_has_the_cli_error_json() {
        let error = decide(
            &catalog(),
            "steam",
            br#"{"purchase": 3}"#,
            &Choice::ByRequest,
        )
        .unwrap_err();
        assert_eq!(error.status(), 422);
        let json = error.to_json();
        assert_eq!(json["error"]["kind"], "invalid_request");
        assert!(error.summary().contains("×"));
    }

    #[test]
    fn version_and_at_are_exclusive_and_dates_are_checked() {
        assert!(matches!(
            choice(Some("1"), Some("2025-01-01")),
            Err(ApiError::VersionAndDate)
        ));
        assert!(matches!(
            choice(None, Some("soon")),
            Err(ApiError::BadDate(_))
        ));
    }

    #[test]
    fn a_policy_lists_its_rules_fields_and_schema() {
        let json = get_policy(&catalog(), "steam").unwrap();
        let version = &json["versions"][0];
        assert!(version["rules"].as_array().unwrap().len() > 1);
        assert!(version["fields"].as_array().unwrap().len() > 1);
        assert_eq!(version["request_schema"]["type"], "object");
    }
}
