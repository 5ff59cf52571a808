//! Running the cases of policy folders: every case decided by the version
//! it targets and compared with its expectation, optionally with a stored
//! snapshot of its whole decision, and the coverage of every rule.

pub(crate) mod render;

use std::fs;
use std::path::{Path, PathBuf};

use crate::decision::{Decision, Status};
use crate::diagnostic::suggest::did_you_mean;
use crate::policy::Policy;
use crate::policy::folder::{
    Choice, PolicyError, PolicySet, files_within, folders_below, load_set,
};
use crate::tools::case::{Case, Mismatch};

/// What `run` does besides checking expectations.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// Compare each decision with the snapshot stored next to its case.
    pub(crate) snapshot: bool,
    /// Write snapshots that are missing or differ instead of failing.
    pub(crate) update: bool,
}

/// The result of one case.
#[derive(Debug)]
pub(crate) struct CaseResult {
    pub(crate) file: PathBuf,
    pub(crate) description: String,
    /// The version that decided, when a decision was made.
    pub(crate) version: Option<String>,
    pub(crate) verdict: Verdict,
    pub(crate) decision: Option<Decision>,
}

#[derive(Debug)]
pub(crate) enum Verdict {
    Passed,
    /// The decision differs from the expectation, or from the snapshot.
    Failed {
        mismatches: Vec<Mismatch>,
        snapshot: Option<SnapshotDiff>,
    },
    /// The case could not be read or decided.
    Error(String),
}

/// A decision that differs from its stored snapshot (or has none).
#[derive(Debug)]
pub(crate) struct SnapshotDiff {
    pub(crate) file: PathBuf,
    /// `None` when there is no snapshot yet.
    pub(crate) stored: Option<String>,
    pub(crate) actual: String,
}

/// How often each rule of one policy version was reached and decided.
#[derive(Debug)]
pub(crate) struct Coverage {
    pub(crate) policy: String,
    pub(crate) version: String,
    pub(crate) file: String,
    pub(crate) rules: Vec<RuleCoverage>,
}

#[derive(Debug)]
pub(crate) struct RuleCoverage {
    pub(crate) id: String,
    pub(crate) clause: String,
    /// 1-based line of the rule in the policy file.
    pub(crate) line: usize,
    /// Cases whose trace evaluated this rule's condition (or applied the default).
    pub(crate) reached: usize,
    /// Cases this rule decided.
    pub(crate) decided: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) results: Vec<CaseResult>,
    pub(crate) coverage: Vec<Coverage>,
    /// Snapshot files written because of `Options::update`.
    pub(crate) updated: Vec<PathBuf>,
}

impl Report {
    pub(crate) fn passed(&self) -> usize {
        self.results
            .iter()
            .filter(|result| matches!(result.verdict, Verdict::Passed))
            .count()
    }

    pub(crate) fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// The share of rules (defaults included) that decided at least one
    /// case, in percent; 100 when there are no rules.
    pub(crate) fn coverage_percent(&self) -> f64 {
        let rules = self.coverage.iter().flat_map(|coverage| &coverage.rules);
        let (total, decided) = rules.fold((0usize, 0usize), |(total, decided), rule| {
            (total + 1, decided + usize::from(rule.decided > 0))
        });
        if total == 0 {
            100.0
        } else {
            100.0 * decided as f64 / total as f64
        }
    }
}

/// Finds and runs the cases under `paths`: policy folders (with a `cases`
/// folder), folders holding policy folders, or single case files.
pub(crate) fn run(paths: &[PathBuf], options: Options) -> Result<Report, Vec<PolicyError>> {
    let mut report = Report::default();
    let mut problems = Vec::new();
    for (folder, cases) in discover(paths).map_err(|error| vec![error])? {
        match load_set(&folder).and_then(crate::tools::lint::coverage::covered_set) {
            Ok(set) => run_folder(&set, &cases, options, &mut report),
            Err(errors) => problems.extend(errors),
        }
    }
    if problems.is_empty() {
        Ok(report)
    } else {
        Err(problems)
    }
}

/// Policy folders and the case files to run in each.
fn discover(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Vec<PathBuf>)>, PolicyError> {
    let mut found: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    for path in paths {
        let policy_file = path.extension().is_some_and(|ext| ext == "toml");
        if path.is_file() && policy_file {
            // A policy file stands for its folder: every case of the policy.
            let folder = folder_of(path);
            let cases = case_files(folder)?;
            add_cases(&mut found, folder, cases);
            continue;
        }
        if path.is_file() {
            let folder = folder_of(folder_of(path));
            add_cases(&mut found, folder, vec![path.clone()]);
            continue;
        }
        for folder in folders_with_cases(path)? {
            let cases = case_files(&folder)?;
            add_cases(&mut found, &folder, cases);
        }
    }
    Ok(found)
}

/// The folder `path` is in: `.` for a bare name such as `policy.toml`,
/// whose parent is the empty path.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn add_cases(found: &mut Vec<(PathBuf, Vec<PathBuf>)>, folder: &Path, cases: Vec<PathBuf>) {
    match found.iter_mut().find(|(known, _)| known == folder) {
        Some((_, known)) => known.extend(cases),
        None => found.push((folder.to_owned(), cases)),
    }
}

/// `root` and the folders below it, at any depth, that have a `cases`
/// folder, as `ruling check` finds policy folders.
fn folders_with_cases(root: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    Ok(folders_below(root)?
        .into_iter()
        .filter(|folder| folder.join("cases").is_dir())
        .collect())
}

/// The case files of a policy folder: `cases/*.json`, inside the folder.
fn case_files(folder: &Path) -> Result<Vec<PathBuf>, PolicyError> {
    files_within(&folder.join("cases"), "json", folder)
}

fn run_folder(set: &PolicySet, cases: &[PathBuf], options: Options, report: &mut Report) {
    let mut coverage: Vec<Coverage> = set.versions.iter().map(empty_coverage).collect();
    for file in cases {
        let result = run_case(set, file, options, &mut report.updated);
        if let Some(decision) = &result.decision
            && let Some(entry) = coverage
                .iter_mut()
                .find(|entry| entry.version == decision.policy.version)
        {
            count(entry, decision);
        }
        report.results.push(result);
    }
    report.coverage.extend(coverage);
}

fn empty_coverage(policy: &Policy) -> Coverage {
    Coverage {
        policy: policy.meta.id.clone(),
        version: policy.meta.version.clone(),
        file: policy.file.name.clone(),
        rules: policy
            .rules_in_order()
            .map(|rule| RuleCoverage {
                id: rule.id.to_string(),
                clause: rule.clause.to_string(),
                line: policy.file.line_column(rule.span.start).0,
                reached: 0,
                decided: 0,
            })
            .collect(),
    }
}

fn count(coverage: &mut Coverage, decision: &Decision) {
    for (rule, trace) in coverage.rules.iter_mut().zip(&decision.trace) {
        rule.reached += usize::from(trace.status != Status::NotReached);
        rule.decided += usize::from(rule.id == decision.rule.id);
    }
}

fn run_case(
    set: &PolicySet,
    file: &Path,
    options: Options,
    updated: &mut Vec<PathBuf>,
) -> CaseResult {
    let error = |description: String, message: String| CaseResult {
        file: file.to_owned(),
        description,
        version: None,
        verdict: Verdict::Error(message),
        decision: None,
    };
    let case = match read_case(file) {
        Ok(case) => case,
        Err(message) => return error(String::new(), message),
    };
    let decision = match decide_case(set, &case) {
        Ok(decision) => decision,
        Err(message) => return error(case.description, message),
    };
    let mut mismatches = case.expect.mismatches(&decision);
    name_unknown_rule(set, &mut mismatches);
    let snapshot = if options.snapshot {
        check_snapshot(file, &decision, options.update, updated)
    } else {
        None
    };
    let verdict = if mismatches.is_empty() && snapshot.is_none() {
        Verdict::Passed
    } else {
        Verdict::Failed {
            mismatches,
            snapshot,
        }
    };
    CaseResult {
        file: file.to_owned(),
        description: case.description,
        version: Some(decision.policy.version.clone()),
        verdict,
        decision: Some(decision),
    }
}

/// An expected rule id that no version of the policy has is most likely a
/// typo: the mismatch says so, with the closest id.
fn name_unknown_rule(set: &PolicySet, mismatches: &mut [Mismatch]) {
    let ids = || {
        set.versions
            .iter()
            .flat_map(Policy::rules_in_order)
            .map(|rule| &*rule.id)
    };
    for mismatch in mismatches
        .iter_mut()
        .filter(|mismatch| mismatch.what == "rule")
    {
        if ids().any(|id| id == mismatch.expected) {
            continue;
        }
        let hint = did_you_mean(&mismatch.expected, ids())
            .map(|hint| format!("; {hint}"))
            .unwrap_or_default();
        mismatch.expected = format!(
            "{} (the policy has no rule with this id{hint})",
            mismatch.expected
        );
    }
}

/// Decides a case's request with the version it targets: its `version`, or
/// the version in effect on its request's date.
pub(crate) fn decide_case(set: &PolicySet, case: &Case) -> Result<Decision, String> {
    let choice = case
        .version
        .clone()
        .map_or(Choice::ByRequest, Choice::Version);
    let selected = set
        .select(case.request.get().as_bytes(), &choice)
        .map_err(|problem| problem.to_string())?;
    let mut decision =
        crate::decision::decide::decide_json(selected.policy, case.request.get().as_bytes())
            .map_err(|failure| format!("the request was rejected: {failure}"))?;
    if set.from_folder {
        decision.policy.selected = Some(selected.why);
    }
    Ok(decision)
}

/// Reads a case file.
pub(crate) fn read_case(file: &Path) -> Result<Case, String> {
    let bytes = fs::read(file).map_err(|error| format!("cannot read the case: {error}"))?;
    serde_json::from_slice(&bytes).map_err(|error| {
        let misspelled = crate::tools::case::misspelled_keys(&bytes);
        let why = if misspelled.is_empty() {
            case_error(&error)
        } else {
            misspelled.join("; ")
        };
        format!("not a valid case file: {why}")
    })
}

/// serde_json's error in words for a person editing the file.
fn case_error(error: &serde_json::Error) -> String {
    let line = error.line();
    match error.classify() {
        serde_json::error::Category::Eof => format!(
            "it ends too early, at line {line}: check that every `{{`, `[` and `\"` is closed"
        ),
        _ => error.to_string(),
    }
}

/// Where the snapshot of a case's decision is kept: next to the case,
/// `NAME.snap` for `NAME.json`.
pub(crate) fn snapshot_path(case: &Path) -> PathBuf {
    case.with_extension("snap")
}

/// The snapshot of a decision: its JSON without the policy file's hash
/// (nor the decision id, which hashes it), so that a change of layout or
/// comments does not touch every snapshot.
pub(crate) fn snapshot_text(decision: &Decision) -> String {
    let mut value = serde_json::to_value(decision).unwrap_or_default();
    if let Some(decision) = value.as_object_mut() {
        // `shift_remove` keeps the order of the other fields.
        decision.shift_remove("id");
    }
    if let Some(policy) = value
        .get_mut("policy")
        .and_then(serde_json::Value::as_object_mut)
    {
        policy.remove("sha256");
    }
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// The content of a snapshot file: insta's format, a `---` header then the
/// snapshot, so that `cargo insta` and `ruling test --snapshot` share files.
fn snapshot_body(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    rest.get(end + 5..)
}

fn check_snapshot(
    case: &Path,
    decision: &Decision,
    update: bool,
    updated: &mut Vec<PathBuf>,
) -> Option<SnapshotDiff> {
    let file = snapshot_path(case);
    let actual = snapshot_text(decision);
    let stored = fs::read_to_string(&file).ok();
    let body = stored.as_deref().and_then(snapshot_body).map(str::trim_end);
    if body == Some(actual.trim_end()) {
        return None;
    }
    if update {
        let text = format!("---\nsource: ruling test\n---\n{actual}\n");
        if fs::write(&file, text).is_ok() {
            updated.push(file);
            return None;
        }
    }
    Some(SnapshotDiff {
        file,
        stored: body.map(str::to_owned),
        actual,
    })
}

#[cfg(test)]
mod case_tests;
