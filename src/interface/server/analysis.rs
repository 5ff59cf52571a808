//! The lint and the symbolic diff over the API (`POST /v1/lint`, `POST
//! /v1/diff/symbolic`, and the MCP tools `lint` and `diff_symbolic`), so
//! that an agent reviewing a policy change can ask what its rules do over
//! every request, and which requests the change decides otherwise. Either
//! side is a loaded policy (by id and version) or the text of a policy
//! file, such as a proposed change.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::diagnostic::SourceFile;
use crate::interface::server::api::{ApiError, policy_set};
use crate::interface::server::catalog::Catalog;
use crate::limits::LINT_BUDGET;
use crate::policy::Policy;
use crate::policy::folder::Choice;
use crate::policy::load::load;
use crate::tools::diff::{SymbolicDiff, symbolic_diff};
use crate::tools::lint::report::{LINT_FORMAT, file_json};
use crate::tools::lint::{Options, Severity, lint};

/// The input of `lint`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LintBody {
    /// The policy id, as `list_policies` gives it; or give `source`
    #[serde(default)]
    pub policy: Option<String>,
    /// Lint this version of `policy`; the newest by default
    #[serde(default)]
    pub version: Option<String>,
    /// The text of a policy file to lint, instead of a loaded policy
    #[serde(default)]
    pub source: Option<String>,
    /// Also report pairs of rules with different outcomes that both hold for some request
    #[serde(default)]
    pub overlaps: bool,
}

/// The input of `diff_symbolic`: each side a version of `policy`, or the
/// text of a policy file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SymbolicBody {
    /// The policy id, as `list_policies` gives it, for `old` and `new`
    #[serde(default)]
    pub policy: Option<String>,
    /// The old version of `policy`
    #[serde(default)]
    pub old: Option<String>,
    /// The new version of `policy`
    #[serde(default)]
    pub new: Option<String>,
    /// The text of the old policy file, instead of `old`
    #[serde(default)]
    pub old_source: Option<String>,
    /// The text of the new policy file, instead of `new`
    #[serde(default)]
    pub new_source: Option<String>,
}

/// A policy to analyse: loaded, or read from the body.
enum Chosen<'c> {
    Loaded(&'c Policy),
    Read(Box<Policy>),
}

impl Chosen<'_> {
    fn policy(&self) -> &Policy {
        match self {
            Chosen::Loaded(policy) => policy,
            Chosen::Read(policy) => policy,
        }
    }
}

fn choose<'c>(
    catalog: &'c Catalog,
    policy: Option<&str>,
    version: Option<&str>,
    source: Option<&str>,
    name: &str,
) -> Result<Chosen<'c>, ApiError> {
    match (policy, source) {
        (_, Some(text)) => read(text, name).map(|policy| Chosen::Read(Box::new(policy))),
        (Some(id), None) => {
            let set = policy_set(catalog, id)?;
            match version {
                Some(version) => {
                    let choice = Choice::Version(version.to_owned());
                    Ok(Chosen::Loaded(set.select(b"{}", &choice)?.policy))
                }
                None => set
                    .versions
                    .last()
                    .map(Chosen::Loaded)
                    .ok_or(ApiError::Select(crate::policy::folder::SelectError::Empty)),
            }
        }
        (None, None) => Err(ApiError::Malformed(format!(
            "give `policy` (a loaded policy's id) or `{name}` (a policy file's text)"
        ))),
    }
}

/// Loads a policy from its text; one that does not load is the caller's
/// to fix, with the first problem in the message.
fn read(text: &str, name: &str) -> Result<Policy, ApiError> {
    load(SourceFile::new(format!("{name}.toml"), text)).map_err(|error| {
        let first = error
            .diagnostics
            .first()
            .map(|diagnostic| diagnostic.message.clone())
            .unwrap_or_default();
        let more = match error.diagnostics.len().saturating_sub(1) {
            0 => String::new(),
            more => format!(" (and {more} more; `ruling check` lists them)"),
        };
        ApiError::Malformed(format!(
            "the policy in `{name}` does not load: {first}{more}"
        ))
    })
}

/// Lints the chosen policy: the JSON of `ruling lint --format json`.
pub fn lint_body(catalog: &Catalog, body: &LintBody) -> Result<Json, ApiError> {
    let chosen = choose(
        catalog,
        body.policy.as_deref(),
        body.version.as_deref(),
        body.source.as_deref(),
        "source",
    )?;
    let policy = chosen.policy();
    let options = Options {
        overlaps: body.overlaps,
        ..Options::default()
    };
    let found = lint(policy, &options);
    Ok(json!({ "format": LINT_FORMAT, "files": [file_json(policy, &found)] }))
}

/// The symbolic diff of the two chosen versions.
pub fn symbolic_body(catalog: &Catalog, body: &SymbolicBody) -> Result<SymbolicDiff, ApiError> {
    let policy = body.policy.as_deref();
    let old = choose(
        catalog,
        policy,
        body.old.as_deref(),
        body.old_source.as_deref(),
        "old_source",
    )?;
    let new = choose(
        catalog,
        policy,
        body.new.as_deref(),
        body.new_source.as_deref(),
        "new_source",
    )?;
    symbolic_diff(old.policy(), new.policy(), LINT_BUDGET)
        .map_err(|error| ApiError::Malformed(error.to_string()))
}

/// One line about a lint, for people and agents.
pub fn lint_summary(report: &Json) -> String {
    let findings: Vec<&Json> = report
        .pointer("/files/0/findings")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .collect();
    let warnings = findings
        .iter()
        .filter(|finding| finding.get("severity") == Some(&json!(Severity::Warning)))
        .count();
    format!(
        "{warnings} warning(s), {} note(s)",
        findings.len() - warnings
    )
}

/// One line about a symbolic diff, for people and agents.
pub fn symbolic_summary(diff: &SymbolicDiff) -> String {
    match (diff.groups.len(), diff.complete) {
        (0, true) => "no valid request changes its decision".to_owned(),
        (0, false) => "no change found among the requests tried (not complete)".to_owned(),
        (groups, complete) => format!(
            "{groups} group(s) of requests change decision{}",
            if complete { "" } else { " (not complete)" }
        ),
    }
}
