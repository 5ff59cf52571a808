//! Drafts of a policy version: checked as `ruling check` checks a file,
//! decided and explained in their folder, tested against the folder's
//! cases, compared with the saved version, and saved (local mode only).
//!
//! A draft stands in for one saved version of a policy folder: the folder
//! with the draft in its place is what a draft is decided, tested and
//! diffed by, so a request is decided by the version in effect on its date,
//! as `ruling decide FOLDER` decides it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::policy::sha256_hex;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};

use crate::decision::{DECISION_FORMAT, Decision, Status};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::interface::server::api::{self, ApiError};
use crate::interface::server::catalog::{Catalog, Reload, SharedCatalog};
use crate::policy::folder::{
    Choice, PolicyError, PolicySet, SelectError, check_versions, files_within,
};
use crate::policy::load::load;
use crate::policy::{Policy, TemplatePart};
use crate::tools::case::parse_case;
use crate::tools::check_output::{DiagnosticJson, diagnostic_json};
use crate::tools::diff::structural_diff;
use crate::tools::format::{FormatError, format_policy};
use crate::tools::lint::Options;
use crate::tools::lint::coverage::coverage_error;
use crate::tools::suite::{decide_case, read_case};

/// Why a studio operation gave no answer: an [`ApiError`], or a problem
/// only drafts have.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(
        "the draft of `{file}` has problems; `POST /v1/drafts/check` shows them at their lines"
    )]
    InvalidDraft {
        file: String,
        diagnostics: Vec<DraftDiagnostic>,
    },
    #[error(
        "this server does not write files: it was started with `ruling serve`; save drafts with `ruling studio`"
    )]
    ReadOnly,
    #[error(
        "`{file}` changed on disk since the draft was opened, so it was not overwritten; open it again and apply your changes to it"
    )]
    ChangedOnDisk { file: String },
    #[error("cannot save `{file}`: {message}")]
    SaveFailed { file: String, message: String },
    #[error("the operation stopped before it answered: {0}")]
    Stopped(String),
}

impl StudioError {
    pub fn status(&self) -> u16 {
        match self {
            StudioError::Api(error) => error.status(),
            StudioError::InvalidDraft { .. } => 422,
            StudioError::ReadOnly => 403,
            StudioError::ChangedOnDisk { .. } => 409,
            StudioError::SaveFailed { .. } | StudioError::Stopped(_) => 500,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            StudioError::Api(error) => error.kind(),
            StudioError::InvalidDraft { .. } => "invalid_draft",
            StudioError::ReadOnly => "read_only",
            StudioError::ChangedOnDisk { .. } => "changed_on_disk",
            StudioError::SaveFailed { .. } => "save_failed",
            StudioError::Stopped(_) => "stopped",
        }
    }

    /// The error as JSON, the API's shape; an invalid draft lists its
    /// diagnostics as the problems.
    pub fn to_json(&self) -> Json {
        match self {
            StudioError::Api(error) => error.to_json(),
            StudioError::InvalidDraft { diagnostics, .. } => {
                let mut value = api::error_json(self.kind(), &self.to_string());
                if let Some(problems) = value.pointer_mut("/error/problems") {
                    *problems = json!(diagnostics);
                }
                value
            }
            other => api::error_json(other.kind(), &other.to_string()),
        }
    }
}

/// The input of every draft endpoint: the policy, the saved version the
/// draft stands in for, and the draft's text; the other members are those
/// of the endpoint (see the README).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    pub policy: String,
    pub version: String,
    /// The draft's text; left out, the saved version (for `test`).
    #[serde(default)]
    pub source: Option<String>,
    /// The request to decide or explain.
    #[serde(default)]
    pub request: Option<Box<RawValue>>,
    #[serde(default)]
    pub at: Option<String>,
    /// The outcome to explain how to reach.
    #[serde(default)]
    pub outcome: Option<String>,
    /// More requests (or cases) to compare, besides the folder's cases.
    #[serde(default)]
    pub requests: Vec<Box<RawValue>>,
    /// The `sha256` of the source the draft was opened from (for `save`).
    #[serde(default)]
    pub base_sha256: Option<String>,
}

impl DraftBody {
    fn source(&self) -> Result<&str, StudioError> {
        self.source.as_deref().ok_or_else(|| {
            ApiError::Malformed("give the draft's text as `source`".to_owned()).into()
        })
    }

    fn request(&self) -> Result<&[u8], StudioError> {
        self.request
            .as_ref()
            .map(|request| request.get().as_bytes())
            .ok_or_else(|| {
                ApiError::Malformed("give the request to decide as `request`".to_owned()).into()
            })
    }
}

/// A problem of a draft, as `ruling check --format json` gives it, with the
/// file it is in (the draft's, or another version's for a clash between
/// versions) and its byte span.
#[derive(Debug, Serialize)]
pub struct DraftDiagnostic {
    pub file: String,
    #[serde(flatten)]
    pub diagnostic: DiagnosticJson,
    pub span: Option<SpanJson>,
}

#[derive(Debug, Serialize)]
pub struct SpanJson {
    pub start: usize,
    pub end: usize,
}

fn draft_diagnostic(
    diagnostic: &Diagnostic,
    file: &SourceFile,
    severity: &'static str,
) -> DraftDiagnostic {
    DraftDiagnostic {
        file: file_name(&file.name),
        diagnostic: DiagnosticJson {
            severity,
            ..diagnostic_json(diagnostic, file)
        },
        span: Some(SpanJson {
            start: diagnostic.span.start,
            end: diagnostic.span.end,
        }),
    }
}

/// The last component of a path: files are named to the page by their
/// name in the folder, never by where the folder is.
fn file_name(path: &str) -> String {
    Path::new(path).file_name().map_or_else(
        || path.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The saved version `version` of `set`.
fn saved_version<'s>(set: &'s PolicySet, id: &str, version: &str) -> Result<&'s Policy, ApiError> {
    set.versions
        .iter()
        .find(|policy| policy.meta.version == version)
        .ok_or_else(|| {
            let known = set
                .versions
                .iter()
                .map(|policy| policy.meta.version.as_str());
            SelectError::UnknownVersion {
                id: id.to_owned(),
                version: version.to_owned(),
                known: crate::diagnostic::suggest::list_names(known, 20),
            }
            .into()
        })
}

/// The folder of `saved` with the draft `source` in the place of
/// `version`, or every problem of the draft.
struct Drafted {
    set: PolicySet,
    warnings: Vec<DraftDiagnostic>,
}

fn drafted(
    catalog: &Catalog,
    id: &str,
    version: &str,
    source: &str,
) -> Result<Drafted, StudioError> {
    let saved = api::policy_set(catalog, id)?;
    let replaced = saved_version(saved, id, version)?;
    let name = replaced.file.name.clone();
    let draft =
        load(SourceFile::new(name.clone(), source)).map_err(|error| StudioError::InvalidDraft {
            file: file_name(&name),
            diagnostics: error
                .diagnostics
                .iter()
                .map(|diagnostic| draft_diagnostic(diagnostic, &error.file, "error"))
                .collect(),
        })?;
    if let Some(error) = coverage_error(&draft, &Options::default()) {
        return Err(StudioError::InvalidDraft {
            file: file_name(&name),
            diagnostics: vec![draft_diagnostic(&error, &draft.file, "error")],
        });
    }
    let warnings = draft
        .warnings
        .iter()
        .map(|warning| draft_diagnostic(warning, &draft.file, "warning"))
        .collect();
    let mut versions = vec![draft];
    // The other versions loaded again from the text they were loaded from:
    // it was valid then and loading is a pure function of the text.
    for policy in saved
        .versions
        .iter()
        .filter(|policy| policy.meta.version != version)
    {
        if let Ok(again) = load(SourceFile::new(
            policy.file.name.clone(),
            policy.file.text.clone(),
        )) {
            versions.push(again);
        }
    }
    versions.sort_by_key(|policy| policy.meta.effective_date);
    let clashes = check_versions(&versions);
    if !clashes.is_empty() {
        return Err(StudioError::InvalidDraft {
            file: file_name(&name),
            diagnostics: clashes.iter().flat_map(folder_diagnostics).collect(),
        });
    }
    Ok(Drafted {
        set: PolicySet {
            versions,
            from_folder: saved.from_folder,
        },
        warnings,
    })
}

fn folder_diagnostics(problem: &PolicyError) -> Vec<DraftDiagnostic> {
    match problem {
        PolicyError::Invalid(error) => error
            .diagnostics
            .iter()
            .map(|diagnostic| draft_diagnostic(diagnostic, &error.file, "error"))
            .collect(),
        other => vec![DraftDiagnostic {
            file: String::new(),
            diagnostic: DiagnosticJson {
                code: "folder",
                message: other.to_string(),
                severity: "error",
                place: Default::default(),
                label: None,
                help: None,
                related: Vec::new(),
            },
            span: None,
        }],
    }
}

/// `POST /v1/drafts/check`: the draft's problems, the way `ruling check`
/// gives them; an invalid draft is an answer here, not an error.
pub fn check(catalog: &Catalog, body: &DraftBody) -> Result<Json, StudioError> {
    let source = body.source()?;
    let (valid, policy, diagnostics) = match drafted(catalog, &body.policy, &body.version, source) {
        Ok(drafted) => {
            let policy = drafted
                .set
                .versions
                .iter()
                .find(|policy| policy.file.text.as_ref() == source)
                .map(|policy| json!({"id": policy.meta.id, "version": policy.meta.version}));
            (true, policy, drafted.warnings)
        }
        Err(StudioError::InvalidDraft { diagnostics, .. }) => (false, None, diagnostics),
        Err(other) => return Err(other),
    };
    Ok(json!({
        "format": DECISION_FORMAT,
        "valid": valid,
        "policy": policy,
        "diagnostics": diagnostics,
    }))
}

/// `POST /v1/drafts/decide`: the request decided by the folder with the
/// draft in place.
pub fn decide(catalog: &Catalog, body: &DraftBody) -> Result<Decision, StudioError> {
    let drafted = drafted(catalog, &body.policy, &body.version, body.source()?)?;
    let choice = api::choice(None, body.at.as_deref())?;
    Ok(api::decide_in_set(&drafted.set, body.request()?, &choice)?)
}

/// `POST /v1/drafts/explain`: the request explained by the folder with the
/// draft in place.
pub fn explain(catalog: &Catalog, body: &DraftBody) -> Result<Json, StudioError> {
    let drafted = drafted(catalog, &body.policy, &body.version, body.source()?)?;
    let choice = api::choice(None, body.at.as_deref())?;
    let explanation = api::explain_in_set(
        &drafted.set,
        body.request()?,
        &choice,
        body.outcome.as_deref(),
    )?;
    Ok(serde_json::to_value(explanation).unwrap_or_default())
}

/// One case of the folder: its name (the file's stem) and what it holds.
struct FolderCase {
    name: String,
    case: Result<crate::tools::case::Case, String>,
}

/// The cases of the policy's folder, `cases/*.json`, read now: a case
/// added since the server started counts.
fn folder_cases(catalog: &Catalog, id: &str) -> Vec<FolderCase> {
    let Some(folder) = catalog.folder(id) else {
        return Vec::new();
    };
    let cases = folder.join("cases");
    if !cases.is_dir() {
        return Vec::new();
    }
    files_within(&cases, "json", folder)
        .unwrap_or_default()
        .into_iter()
        .map(|file: PathBuf| FolderCase {
            name: file
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default(),
            case: read_case(&file),
        })
        .collect()
}

fn outcome_and_rule(decision: &Decision) -> Json {
    json!({
        "outcome": decision.outcome,
        "rule": decision.rule.id,
        "version": decision.policy.version,
    })
}

/// `POST /v1/drafts/test`: every case of the folder decided by the folder
/// with the draft in place (or as saved, without `source`), with the rules
/// each version's cases reached and were decided by.
pub fn test(catalog: &Catalog, body: &DraftBody) -> Result<Json, StudioError> {
    let drafted = match &body.source {
        Some(source) => Some(drafted(catalog, &body.policy, &body.version, source)?),
        None => None,
    };
    let set = match &drafted {
        Some(drafted) => &drafted.set,
        None => api::policy_set(catalog, &body.policy)?,
    };
    let mut coverage: Vec<(String, Vec<RuleCount>)> = set
        .versions
        .iter()
        .map(|policy| (policy.meta.version.clone(), rule_counts(policy)))
        .collect();
    let mut results = Vec::new();
    let mut passed = 0;
    for FolderCase { name, case } in folder_cases(catalog, &body.policy) {
        let decided =
            case.and_then(|case| decide_case(set, &case).map(|decision| (case, decision)));
        let (case, decision) = match decided {
            Ok(decided) => decided,
            Err(message) => {
                results.push(json!({"case": name, "passed": false, "error": message}));
                continue;
            }
        };
        if let Some((_, counts)) = coverage
            .iter_mut()
            .find(|(version, _)| *version == decision.policy.version)
        {
            count(counts, &decision);
        }
        let mismatches: Vec<Json> = case
            .expect
            .mismatches(&decision)
            .iter()
            .map(|mismatch| {
                json!({"what": mismatch.what, "expected": mismatch.expected, "actual": mismatch.actual})
            })
            .collect();
        passed += usize::from(mismatches.is_empty());
        results.push(json!({
            "case": name,
            "description": case.description,
            "passed": mismatches.is_empty(),
            "expected": {"outcome": case.expect.outcome, "rule": case.expect.rule},
            "actual": outcome_and_rule(&decision),
            "mismatches": mismatches,
        }));
    }
    let coverage: Vec<Json> = coverage
        .into_iter()
        .map(|(version, rules)| json!({"version": version, "rules": rules}))
        .collect();
    Ok(json!({
        "format": DECISION_FORMAT,
        "passed": passed,
        "failed": results.len() - passed,
        "cases": results,
        "coverage": coverage,
    }))
}

/// How many cases reached and were decided by one rule.
#[derive(Debug, Serialize)]
struct RuleCount {
    id: String,
    outcome: crate::policy::Outcome,
    reached: usize,
    decided: usize,
}

fn rule_counts(policy: &Policy) -> Vec<RuleCount> {
    policy
        .rules_in_order()
        .map(|rule| RuleCount {
            id: rule.id.to_string(),
            outcome: rule.outcome,
            reached: 0,
            decided: 0,
        })
        .collect()
}

fn count(counts: &mut [RuleCount], decision: &Decision) {
    for (rule, trace) in counts.iter_mut().zip(&decision.trace) {
        rule.reached += usize::from(trace.status != Status::NotReached);
        rule.decided += usize::from(rule.id == decision.rule.id);
    }
}

/// `POST /v1/drafts/diff`: the folder's cases and the posted requests,
/// each decided by the saved folder and by the folder with the draft in
/// place; the changed ones grouped by old outcome → new outcome.
pub fn diff(catalog: &Catalog, body: &DraftBody) -> Result<Json, StudioError> {
    let drafted = drafted(catalog, &body.policy, &body.version, body.source()?)?;
    let saved = api::policy_set(catalog, &body.policy)?;
    let mut compared = Vec::new();
    for FolderCase { name, case } in folder_cases(catalog, &body.policy) {
        compared.push(match case {
            Ok(case) => {
                let choice = case
                    .version
                    .clone()
                    .map_or(Choice::ByRequest, Choice::Version);
                let request = case.request.get().as_bytes();
                compare(name, request, &choice, saved, &drafted.set)
            }
            Err(message) => Compared::Rejected { name, message },
        });
    }
    for (index, posted) in body.requests.iter().enumerate() {
        let name = format!("request {}", index + 1);
        let bytes = posted.get().as_bytes();
        compared.push(match parse_case(bytes) {
            Some(Ok(case)) => {
                let choice = case
                    .version
                    .clone()
                    .map_or(Choice::ByRequest, Choice::Version);
                compare(
                    name,
                    case.request.get().as_bytes(),
                    &choice,
                    saved,
                    &drafted.set,
                )
            }
            _ => compare(name, bytes, &Choice::ByRequest, saved, &drafted.set),
        });
    }
    let mut answer = diff_json(compared);
    let old = saved_version(saved, &body.policy, &body.version)?;
    let new = drafted
        .set
        .versions
        .iter()
        .find(|policy| policy.file.name == old.file.name);
    if let (Some(new), Some(object)) = (new, answer.as_object_mut()) {
        let structure = structural_diff(old, new);
        object.insert(
            "structure".to_owned(),
            serde_json::to_value(structure).unwrap_or_default(),
        );
    }
    Ok(answer)
}

enum Compared {
    Same,
    /// A different outcome or rule: the outcomes, and each side's outcome,
    /// rule and version as JSON.
    Changed {
        name: String,
        outcomes: (String, String),
        old: Json,
        new: Json,
    },
    Rejected {
        name: String,
        message: String,
    },
}

fn compare(
    name: String,
    request: &[u8],
    choice: &Choice,
    old: &PolicySet,
    new: &PolicySet,
) -> Compared {
    let old = api::decide_in_set(old, request, choice);
    let new = api::decide_in_set(new, request, choice);
    match (old, new) {
        (Ok(old), Ok(new)) if old.outcome == new.outcome && old.rule.id == new.rule.id => {
            Compared::Same
        }
        (Ok(old), Ok(new)) => Compared::Changed {
            name,
            outcomes: (old.outcome.to_string(), new.outcome.to_string()),
            old: outcome_and_rule(&old),
            new: outcome_and_rule(&new),
        },
        (Err(error), _) => Compared::Rejected {
            name,
            message: format!("the saved version rejects it: {}", error.summary()),
        },
        (_, Err(error)) => Compared::Rejected {
            name,
            message: format!("the draft rejects it: {}", error.summary()),
        },
    }
}

fn diff_json(compared: Vec<Compared>) -> Json {
    let total = compared.len();
    let mut unchanged = 0;
    let mut groups: BTreeMap<(String, String), Vec<Json>> = BTreeMap::new();
    let mut rejected = Vec::new();
    for item in compared {
        match item {
            Compared::Same => unchanged += 1,
            Compared::Changed {
                name,
                outcomes,
                old,
                new,
            } => {
                groups
                    .entry(outcomes)
                    .or_default()
                    .push(json!({"name": name, "old": old, "new": new}));
            }
            Compared::Rejected { name, message } => {
                rejected.push(json!({"name": name, "message": message}));
            }
        }
    }
    let changed: usize = groups.values().map(Vec::len).sum();
    let groups: Vec<Json> = groups
        .into_iter()
        .map(|((from, to), requests)| {
            json!({"from": from, "to": to, "count": requests.len(), "requests": requests})
        })
        .collect();
    json!({
        "format": DECISION_FORMAT,
        "compared": total,
        "unchanged": unchanged,
        "changed": changed,
        "groups": groups,
        "rejected": rejected,
    })
}

/// `GET /v1/policies/{id}/versions/{version}/source`: the text of a saved
/// version, its hash (which a save must name), and its rules with their
/// conditions and reasons as written.
pub fn source(catalog: &Catalog, id: &str, version: &str) -> Result<Json, StudioError> {
    let set = api::policy_set(catalog, id)?;
    let policy = saved_version(set, id, version)?;
    let rules: Vec<Json> = policy
        .rules_in_order()
        .map(|rule| {
            json!({
                "id": rule.id,
                "line": policy.file.line_column(rule.span.start).0,
                "when": rule.when.as_ref().map(|when| &*when.text),
                "reason": reason_text(&rule.reason.parts),
            })
        })
        .collect();
    Ok(json!({
        "format": DECISION_FORMAT,
        "policy": id,
        "version": version,
        "file": file_name(&policy.file.name),
        "sha256": policy.sha256(),
        "before_first_version": policy.meta.before_first_version.keyword(),
        "text": policy.file.text.as_ref(),
        "rules": rules,
    }))
}

/// A reason as written, its values in `{…}`.
fn reason_text(parts: &[TemplatePart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.clone(),
            TemplatePart::Value(value) => format!("{{{}}}", value.text),
        })
        .collect()
}

/// `POST /v1/drafts/save`: the draft, formatted as `ruling fmt` formats
/// it, written over the saved version's file, and the catalog reloaded.
/// Refused when the draft has problems, and when the file on disk is no
/// longer the one the draft was opened from.
pub fn save(shared: &SharedCatalog, body: &DraftBody) -> Result<Json, StudioError> {
    let catalog = shared.snapshot();
    let source = body.source()?;
    drafted(&catalog, &body.policy, &body.version, source)?;
    let set = api::policy_set(&catalog, &body.policy)?;
    let name = saved_version(set, &body.policy, &body.version)?
        .file
        .name
        .clone();
    let shown = file_name(&name);
    let base = body.base_sha256.as_deref().ok_or_else(|| {
        ApiError::Malformed(
            "give `base_sha256`, the `sha256` of the source the draft was opened from".to_owned(),
        )
    })?;
    let failed = |message: String| StudioError::SaveFailed {
        file: shown.clone(),
        message,
    };
    let formatted = match format_policy(&SourceFile::new(name.clone(), source)) {
        Ok(text) => text,
        Err(FormatError::Invalid(error)) => {
            return Err(StudioError::InvalidDraft {
                file: shown.clone(),
                diagnostics: error
                    .diagnostics
                    .iter()
                    .map(|diagnostic| draft_diagnostic(diagnostic, &error.file, "error"))
                    .collect(),
            });
        }
        Err(other) => return Err(failed(other.to_string())),
    };
    let path = PathBuf::from(&name);
    let on_disk = fs::read(&path).map_err(|error| failed(error.to_string()))?;
    if sha256_hex(&on_disk) != base {
        return Err(StudioError::ChangedOnDisk { file: shown });
    }
    write_replacing(&path, &formatted).map_err(|error| failed(error.to_string()))?;
    let reloaded = match shared.reload() {
        Reload::Replaced { .. } => true,
        Reload::Kept(_) => false,
    };
    Ok(json!({
        "format": DECISION_FORMAT,
        "file": shown,
        "sha256": sha256_hex(formatted.as_bytes()),
        "text": formatted,
        "reloaded": reloaded,
    }))
}

/// Writes `text` to a new file beside `path` and renames it over `path`,
/// so that the file is never seen half-written.
fn write_replacing(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.studio-saving"));
    fs::write(&temporary, text)?;
    fs::rename(&temporary, path).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn shipped() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")
    }

    fn body(source: Option<String>) -> DraftBody {
        DraftBody {
            policy: "iptv-smarters-pro".to_owned(),
            version: "2025-01-22".to_owned(),
            source,
            request: None,
            at: None,
            outcome: None,
            requests: Vec::new(),
            base_sha256: None,
        }
    }

    #[test]
    fn the_hash_a_save_compares_is_the_hash_the_source_hands_out() {
        let catalog = Catalog::load(&shipped()).unwrap();
        for (_, set) in catalog.iter() {
            for policy in &set.versions {
                let bytes = fs::read(&policy.file.name).unwrap();
                assert_eq!(sha256_hex(&bytes), policy.sha256(), "{}", policy.file.name);
            }
        }
    }

    #[test]
    fn a_draft_takes_the_place_of_its_version_only() {
        let catalog = Catalog::load(&shipped()).unwrap();
        let saved = catalog.get("iptv-smarters-pro").unwrap();
        let text = saved.versions[0].file.text.replace("<= 7 and", "<= 14 and");
        let drafted = drafted(&catalog, "iptv-smarters-pro", "2025-01-22", &text).unwrap();
        let versions: Vec<&str> = drafted
            .set
            .versions
            .iter()
            .map(|policy| policy.meta.version.as_str())
            .collect();
        assert_eq!(versions, ["2025-01-22", "2025-06-01"]);
        assert_eq!(drafted.set.versions[0].file.text.as_ref(), text);
        assert_eq!(
            drafted.set.versions[1].sha256(),
            saved.versions[1].sha256(),
            "the other version is the saved one"
        );
    }

    #[test]
    fn a_draft_that_does_not_load_is_an_answer_of_check_and_an_error_elsewhere() {
        let catalog = Catalog::load(&shipped()).unwrap();
        let report = check(&catalog, &body(Some("format = 1\n".to_owned()))).unwrap();
        assert_eq!(report["valid"], false);
        assert!(!report["diagnostics"].as_array().unwrap().is_empty());
        let error = decide(&catalog, &body(Some("format = 1\n".to_owned()))).unwrap_err();
        assert_eq!((error.status(), error.kind()), (422, "invalid_draft"));
        let error = check(&catalog, &body(None)).unwrap_err();
        assert_eq!(error.kind(), "malformed_body");
    }

    #[test]
    fn a_saved_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        fs::write(&file, "old").unwrap();
        write_replacing(&file, "new").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["policy.toml"], "no temporary file is left");
    }

    #[test]
    fn a_reason_reads_as_written() {
        let catalog = Catalog::load(&shipped()).unwrap();
        let answer = source(&catalog, "iptv-smarters-pro", "2025-01-22").unwrap();
        let reasons: Vec<&str> = answer["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule["reason"].as_str().unwrap())
            .collect();
        let text = &catalog.get("iptv-smarters-pro").unwrap().versions[0]
            .file
            .text;
        for reason in reasons {
            assert!(text.contains(reason), "{reason}");
        }
    }
}
