//! `ruling lint`: what a policy's rules do over every valid request, found
//! by enumerating cells of the request space instead of replaying a corpus.
//!
//! Each field's domain is split at the boundaries its conditions draw
//! (`bounds`, `cells`), and requests are enumerated depth first, a field
//! split only when the next rule to settle reads it (`explore`). Every
//! candidate is decoded like any request and its conditions evaluated by the
//! real evaluator; every example a finding shows is decided again by
//! `decide` before it is reported. A finding that says *no* request does
//! something (an unreachable rule, an impossible condition) is claimed only
//! when the enumeration finished within [`LINT_BUDGET`] and every condition
//! involved is one the cells follow exactly; otherwise the rule is reported
//! as not analysed, with the reason.
//!
//! [`LINT_BUDGET`]: crate::limits::LINT_BUDGET

pub mod bounds;
pub mod cells;
pub(crate) mod coverage;
pub mod explore;
pub mod reads;
pub mod report;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::decision::Decision;
use crate::decision::decide::decide;
use crate::diagnostic::span::Span;
use crate::evaluate::Evaluator;
use crate::language::schema::Requirement;
use crate::language::value::Value;
use crate::policy::Policy;
use crate::request::{Request, decode};

use bounds::Bounds;
use explore::{Candidate, Explorer, Stage, Step};
use reads::{Need, Reads};

/// What kind of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    UnreachableRule,
    ImpossibleCondition,
    AlwaysTrueCondition,
    NeverKnownCondition,
    UnknownTrap,
    UnreportedMissingField,
    UnusedField,
    UnusedDerived,
    Gap,
    Overlap,
    NotAnalysed,
}

impl Kind {
    /// The finding's code, as written in output and in `lint.allow`.
    pub const fn code(self) -> &'static str {
        match self {
            Kind::UnreachableRule => "unreachable-rule",
            Kind::ImpossibleCondition => "impossible-condition",
            Kind::AlwaysTrueCondition => "always-true-condition",
            Kind::NeverKnownCondition => "never-known-condition",
            Kind::UnknownTrap => "unknown-trap",
            Kind::UnreportedMissingField => "unreported-missing-field",
            Kind::UnusedField => "unused-field",
            Kind::UnusedDerived => "unused-derived",
            Kind::Gap => "gap",
            Kind::Overlap => "overlap",
            Kind::NotAnalysed => "not-analysed",
        }
    }

    /// Notes inform; warnings fail `--deny warnings`.
    pub const fn severity(self) -> Severity {
        match self {
            Kind::Gap | Kind::Overlap | Kind::NotAnalysed => Severity::Note,
            _ => Severity::Warning,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Note,
}

/// One finding of the lint.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// The rule (or `[default]`, field, derived value) it is about.
    pub subject: String,
    pub message: String,
    pub help: Option<String>,
    /// A request that shows the finding, decided again before it is
    /// reported; absent for findings proved by enumeration.
    pub example: Option<serde_json::Value>,
    /// The rule that decides `example`.
    pub decided_by: Option<String>,
    /// Other rules the finding names: those above an unreachable rule that
    /// take its requests, the other rule of an overlap.
    pub rules: Vec<String>,
    /// Whether the finding holds for every valid request, shown by an
    /// enumeration that finished, rather than by one example.
    pub proved: bool,
    #[serde(skip)]
    pub span: Span,
}

/// What the lint of one policy found.
#[derive(Debug)]
pub struct Lint {
    pub findings: Vec<Finding>,
    /// Whether the enumeration of the whole policy finished within budget
    /// with every condition followed exactly: then "no request reaches the
    /// default" and "no request reaches this rule" are proofs.
    pub complete: bool,
    /// Whether no valid request reaches `[default]`, proved.
    pub default_unreachable: bool,
    /// How many requests were decoded and evaluated.
    pub requests: usize,
    /// How many findings the policy allows (`allow = { code = "reason" }`
    /// on the rule they are about), left out of `findings`.
    pub allowed: usize,
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Report overlaps (pairs of rules with different outcomes that both
    /// hold for some request); off by default, since the first that holds
    /// decides and an overlap is usually meant.
    pub overlaps: bool,
    /// The most requests one enumeration may decide.
    pub budget: usize,
    /// The most requests all the enumerations of one policy may decide.
    pub total: usize,
}

impl Options {
    /// The budget of the next enumeration, when `spent` are spent.
    fn next_budget(&self, spent: usize) -> usize {
        self.budget.min(self.total.saturating_sub(spent))
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            overlaps: false,
            budget: crate::limits::LINT_BUDGET,
            total: crate::limits::LINT_TOTAL_BUDGET,
        }
    }
}

/// What the main enumeration saw of one rule.
#[derive(Clone, Debug, Default)]
struct Seen {
    decided: usize,
    example: Option<serde_json::Value>,
    /// Reached with its condition true or false.
    known: bool,
    /// Reached with its condition unknown.
    unknown: bool,
    /// Reached unknown while an optional field it reads is left out.
    trap: Option<(serde_json::Value, String)>,
}

/// How a candidate came out under the first-match procedure.
pub enum Outcome {
    Invalid,
    Failed,
    /// The index of the deciding rule (the default is `rules.len()`) and the
    /// value of each condition tried before it.
    Decided(usize, Vec<Value>),
}

/// The stage of the enumeration that the policy's constraints draw.
fn constraint_stage(policy: &Policy) -> Stage<'_> {
    let musts = policy.constraints.iter().map(|constraint| &constraint.must);
    Stage::new(policy, musts.collect())
}

/// A stage of the enumeration per rule, in order.
fn rule_stages(policy: &Policy) -> Vec<Stage<'_>> {
    policy
        .rules
        .iter()
        .map(|rule| Stage::new(policy, rule.when.iter().collect()))
        .collect()
}

/// Lints one policy.
pub fn lint(policy: &Policy, options: &Options) -> Lint {
    let bounds = Bounds::of(policy);
    let constraints = constraint_stage(policy);
    let rule_stages = rule_stages(policy);
    let conditions: Vec<Reads> = rule_stages
        .iter()
        .map(|stage| stage.reads.clone())
        .collect();
    let mut stages = vec![constraints.clone()];
    stages.extend(rule_stages.iter().cloned());
    let mut requests = 0;
    let (seen, missing_reported, complete_run) =
        main_enumeration(policy, &bounds, &stages, options, &mut requests);
    // Stage s is followed exactly when it and every stage above it is.
    let mut exact_through = Vec::with_capacity(stages.len());
    let mut exact = true;
    for stage in &stages {
        exact &= stage.reads.exact();
        exact_through.push(exact);
    }
    let complete = complete_run && exact;
    let mut findings = Vec::new();
    for (index, rule) in policy.rules.iter().enumerate() {
        let (Some(when), Some(stage)) = (&rule.when, rule_stages.get(index)) else {
            continue;
        };
        let seen_rule = seen.get(index).cloned().unwrap_or_default();
        let exact_here = complete_run && exact_through.get(index + 1).copied().unwrap_or(false);
        let budget = options.next_budget(requests);
        let alone = condition_alone(policy, &bounds, &constraints, stage, index, budget);
        requests += alone.requests;
        let condition_exact = alone.complete && constraints.reads.exact() && stage.reads.exact();
        if condition_exact && alone.holds.is_empty() {
            findings.push(Finding {
                kind: Kind::ImpossibleCondition,
                severity: Kind::ImpossibleCondition.severity(),
                subject: rule.id.to_string(),
                message: format!("the condition of rule `{}` never holds", rule.id),
                help: Some(
                    "no valid request makes it true, given the fields' types, values and the \
                     constraints; correct the condition or remove the rule"
                        .to_owned(),
                ),
                example: None,
                decided_by: None,
                rules: Vec::new(),
                proved: true,
                span: when.span,
            });
            continue;
        }
        if condition_exact && !alone.false_or_unknown {
            findings.push(Finding {
                kind: Kind::AlwaysTrueCondition,
                severity: Kind::AlwaysTrueCondition.severity(),
                subject: rule.id.to_string(),
                message: format!("the condition of rule `{}` always holds", rule.id),
                help: Some(
                    "every valid request makes it true, so no rule below it can decide; \
                     correct the condition, or make it the `[default]`"
                        .to_owned(),
                ),
                example: None,
                decided_by: None,
                rules: Vec::new(),
                proved: true,
                span: when.span,
            });
        }
        if seen_rule.decided == 0 {
            if exact_here {
                findings.extend(unreachable(policy, index, &alone.holds));
            } else {
                findings.push(not_analysed(policy, index, &stages, complete_run, options));
            }
            continue;
        }
        if exact_here && seen_rule.unknown && !seen_rule.known {
            findings.push(Finding {
                kind: Kind::NeverKnownCondition,
                severity: Kind::NeverKnownCondition.severity(),
                subject: rule.id.to_string(),
                message: format!(
                    "the condition of rule `{}` is unknown for every request that reaches it",
                    rule.id
                ),
                help: Some(
                    "it reads values that the requests reaching it never give; guard them \
                     with `present(...)` or give the fields a default"
                        .to_owned(),
                ),
                example: None,
                decided_by: None,
                rules: Vec::new(),
                proved: true,
                span: when.span,
            });
        } else if let Some((example, path)) = &seen_rule.trap
            && let Some(finding) = trap(policy, index, example, path)
        {
            findings.push(finding);
        }
    }
    findings.extend(gap(policy, seen.get(policy.rules.len())));
    if complete {
        findings.extend(unreported_missing(policy, &conditions, &missing_reported));
    }
    findings.extend(unused(policy));
    if options.overlaps {
        let found = overlaps(
            policy,
            &bounds,
            &constraints,
            &rule_stages,
            options,
            requests,
        );
        requests += found.1;
        findings.extend(found.0);
    }
    let default_unreachable = complete
        && seen
            .get(policy.rules.len())
            .is_some_and(|default| default.decided == 0);
    findings.sort_by_key(|finding| (finding.span.start, finding.kind));
    let before = findings.len();
    findings.retain(|finding| !allowed(policy, finding));
    Lint {
        allowed: before - findings.len(),
        findings,
        complete,
        default_unreachable,
        requests,
    }
}

/// Whether the rule a finding is about allows its kind.
fn allowed(policy: &Policy, finding: &Finding) -> bool {
    let rules = policy.rules.iter().chain(std::iter::once(&policy.default));
    rules
        .filter(|rule| *rule.id == *finding.subject)
        .any(|rule| {
            rule.allow
                .iter()
                .any(|(code, _)| code == finding.kind.code())
        })
}

/// Decides a candidate by the first-match procedure, with the evaluator
/// that decisions use, keeping the value of every condition tried.
pub fn first_match(policy: &Policy, request: &Request) -> Outcome {
    let mut evaluator = Evaluator::new(policy, request);
    for constraint in &policy.constraints {
        match evaluator.eval(&constraint.must) {
            Ok(Value::Bool(false)) => return Outcome::Invalid,
            Ok(_) => {}
            Err(_) => return Outcome::Failed,
        }
    }
    let mut values = Vec::with_capacity(policy.rules.len());
    for (index, rule) in policy.rules.iter().enumerate() {
        let Some(when) = &rule.when else {
            continue;
        };
        match evaluator.eval(when) {
            Ok(Value::Bool(true)) => return Outcome::Decided(index, values),
            Ok(value) => values.push(value),
            Err(_) => return Outcome::Failed,
        }
    }
    Outcome::Decided(policy.rules.len(), values)
}

/// The enumeration of the whole policy: which rule decides each cell.
fn main_enumeration(
    policy: &Policy,
    bounds: &Bounds,
    stages: &[Stage],
    options: &Options,
    requests: &mut usize,
) -> (Vec<Seen>, Vec<bool>, bool) {
    let mut seen = vec![Seen::default(); policy.rules.len() + 1];
    let mut missing_reported = vec![false; policy.schema.fields.len()];
    let reads_missing: Vec<bool> = stages
        .iter()
        .skip(1)
        .map(|stage| stage.reads.missing)
        .collect();
    let mut explorer = Explorer::new(policy, bounds, stages.to_vec(), options.budget);
    let finished = explorer
        .run(&mut |candidate: &Candidate| {
            let all = candidate.settled >= stages.len();
            match first_match(policy, candidate.request) {
                Outcome::Invalid if candidate.settled > 0 => Step::Stop,
                Outcome::Invalid | Outcome::Failed => Step::Split,
                Outcome::Decided(index, values) => {
                    let settled = index + 1 < candidate.settled
                        || (index + 1 == candidate.settled && candidate.missing_open);
                    if !settled && !all {
                        return Step::Split;
                    }
                    record(policy, stages, candidate, index, &values, &mut seen);
                    if reads_missing.get(index).copied().unwrap_or(false) {
                        for (slot, value) in candidate.request.values.iter().enumerate() {
                            if value.is_absent()
                                && let Some(reported) = missing_reported.get_mut(slot)
                            {
                                *reported = true;
                            }
                        }
                    }
                    Step::Stop
                }
            }
        })
        .is_ok();
    *requests += explorer.spent();
    (seen, missing_reported, finished)
}

/// Keeps what a decided candidate shows of each rule it tried.
fn record(
    policy: &Policy,
    stages: &[Stage],
    candidate: &Candidate,
    index: usize,
    values: &[Value],
    seen: &mut [Seen],
) {
    if let Some(deciding) = seen.get_mut(index) {
        deciding.decided += 1;
        deciding.known = true;
        deciding
            .example
            .get_or_insert_with(|| candidate.json.clone());
    }
    for (tried, value) in values.iter().enumerate() {
        let Some(rule) = seen.get_mut(tried) else {
            continue;
        };
        if matches!(value, Value::Bool(_)) {
            rule.known = true;
            continue;
        }
        rule.unknown = true;
        if rule.trap.is_some() {
            continue;
        }
        let left_out = stages.get(tried + 1).and_then(|stage| {
            stage.reads.fields.iter().find_map(|(slot, need)| {
                let field = policy.schema.field(*slot)?;
                let trap = *need == Need::Value
                    && matches!(field.requirement, Requirement::Optional)
                    && field.default.is_absent()
                    && candidate.request.values.get(*slot)?.is_absent();
                trap.then(|| field.path.clone())
            })
        });
        if let Some(path) = left_out {
            rule.trap = Some((candidate.json.clone(), path));
        }
    }
}

/// What the enumeration of one condition alone (with the constraints) saw.
struct Alone {
    /// Requests that make it true, each with the rule that decides it.
    holds: Vec<(serde_json::Value, usize)>,
    false_or_unknown: bool,
    complete: bool,
    requests: usize,
}

/// Enumerates the cells of the constraints and of one rule's condition:
/// whether the condition can hold, and who decides the requests where it
/// does.
fn condition_alone(
    policy: &Policy,
    bounds: &Bounds,
    constraints: &Stage,
    condition: &Stage,
    index: usize,
    budget: usize,
) -> Alone {
    let mut alone = Alone {
        holds: Vec::new(),
        false_or_unknown: false,
        complete: false,
        requests: 0,
    };
    let Some(when) = policy.rules.get(index).and_then(|rule| rule.when.as_ref()) else {
        return alone;
    };
    let stages = vec![constraints.clone(), condition.clone()];
    let mut explorer = Explorer::new(policy, bounds, stages, budget);
    let mut deciders: BTreeMap<usize, serde_json::Value> = BTreeMap::new();
    let finished = explorer
        .run(&mut |candidate: &Candidate| {
            if candidate.settled < 2 {
                return match first_match(policy, candidate.request) {
                    Outcome::Invalid if candidate.settled > 0 => Step::Stop,
                    _ => Step::Split,
                };
            }
            let decided = match first_match(policy, candidate.request) {
                Outcome::Invalid => return Step::Stop,
                Outcome::Failed => None,
                Outcome::Decided(deciding, _) => Some(deciding),
            };
            let value = Evaluator::new(policy, candidate.request).eval(when);
            match (value, decided) {
                (Ok(Value::Bool(true)), Some(deciding)) => {
                    deciders
                        .entry(deciding)
                        .or_insert_with(|| candidate.json.clone());
                }
                _ => alone.false_or_unknown = true,
            }
            Step::Stop
        })
        .is_ok();
    alone.complete = finished;
    alone.requests = explorer.spent();
    alone.holds = deciders
        .into_iter()
        .map(|(deciding, json)| (json, deciding))
        .collect();
    alone
}

/// Decodes and decides an example, as `ruling decide` would.
pub fn decide_example(policy: &Policy, json: &serde_json::Value) -> Option<(Request, Decision)> {
    let bytes = serde_json::to_vec(json).ok()?;
    let request = decode(&policy.schema, policy.meta.timezone, &bytes).ok()?;
    let decision = decide(policy, &request).ok()?;
    Some((request, decision))
}

fn rule_name(policy: &Policy, index: usize) -> String {
    match policy.rules.get(index) {
        Some(rule) => format!("`{}`", rule.id),
        None => format!("the `[default]` (`{}`)", policy.default.id),
    }
}

fn example_help(json: &serde_json::Value) -> String {
    serde_json::to_string(json).unwrap_or_default()
}

/// No request reaches rule `index`, though some make its condition true:
/// the rules above take them. Each example is decided again and kept only
/// when its condition holds and the rule named decides it.
fn unreachable(
    policy: &Policy,
    index: usize,
    holds: &[(serde_json::Value, usize)],
) -> Option<Finding> {
    let rule = policy.rules.get(index)?;
    let when = rule.when.as_ref()?;
    let mut verified = Vec::new();
    for (json, deciding) in holds {
        let Some((request, decision)) = decide_example(policy, json) else {
            continue;
        };
        let holds = matches!(
            Evaluator::new(policy, &request).eval(when),
            Ok(Value::Bool(true))
        );
        let decider = policy.rules.get(*deciding).unwrap_or(&policy.default);
        if holds && *decision.rule.id == *decider.id && *deciding < index {
            verified.push((json, *deciding));
        }
    }
    let (example, first) = verified.first()?;
    let above: Vec<String> = verified
        .iter()
        .filter_map(|(_, deciding)| policy.rules.get(*deciding))
        .map(|rule| rule.id.to_string())
        .collect();
    let names: Vec<String> = above.iter().map(|id| format!("`{id}`")).collect();
    Some(Finding {
        kind: Kind::UnreachableRule,
        severity: Kind::UnreachableRule.severity(),
        subject: rule.id.to_string(),
        message: format!(
            "rule `{}` never decides: every request that satisfies its condition is taken by {} above it",
            rule.id,
            names.join(", ")
        ),
        help: Some(format!(
            "move it above {}, or narrow the rules above it; for example {} satisfies its \
             condition and is decided by {}",
            names.join(", "),
            example_help(example),
            rule_name(policy, *first),
        )),
        example: Some((*example).clone()),
        decided_by: Some(
            policy
                .rules
                .get(*first)
                .map_or(policy.default.id.to_string(), |rule| rule.id.to_string()),
        ),
        rules: above,
        proved: true,
        span: when.span,
    })
}

/// A rule that no request reached, when the enumeration cannot prove it.
fn not_analysed(
    policy: &Policy,
    index: usize,
    stages: &[Stage],
    finished: bool,
    options: &Options,
) -> Finding {
    let mut unmodelled: Vec<String> = Vec::new();
    for text in stages
        .iter()
        .take(index + 2)
        .flat_map(|stage| stage.reads.unmodelled.iter())
    {
        let text = format!("`{text}`");
        if !unmodelled.contains(&text) {
            unmodelled.push(text);
        }
    }
    let shown = unmodelled.len().min(2);
    let mut listed = unmodelled.get(..shown).unwrap_or_default().join(", ");
    if unmodelled.len() > shown {
        listed.push_str(&format!(" and {} more", unmodelled.len() - shown));
    }
    let why = if finished {
        format!("the request cells do not follow {listed} exactly")
    } else {
        format!(
            "enumerating the requests would take more than its budget ({} requests per \
             enumeration, {} per policy)",
            options.budget, options.total
        )
    };
    let (subject, span) = match policy.rules.get(index) {
        Some(rule) => (
            rule.id.to_string(),
            rule.when.as_ref().map_or(rule.span, |when| when.span),
        ),
        None => (policy.default.id.to_string(), policy.default.span),
    };
    Finding {
        kind: Kind::NotAnalysed,
        severity: Kind::NotAnalysed.severity(),
        message: format!("could not analyse whether rule `{subject}` can decide a request"),
        subject,
        help: Some(format!(
            "{why}; no request tried reached it, which proves nothing — add a test case that \
             reaches it"
        )),
        example: None,
        decided_by: None,
        rules: Vec::new(),
        proved: false,
        span,
    }
}

/// A request reaches rule `index` with its condition unknown because it
/// leaves out optional field `path`; kept only when deciding it again
/// shows the condition unknown.
fn trap(policy: &Policy, index: usize, example: &serde_json::Value, path: &str) -> Option<Finding> {
    let rule = policy.rules.get(index)?;
    let when = rule.when.as_ref()?;
    let (_, decision) = decide_example(policy, example)?;
    let status = decision.trace.get(index)?.status;
    if status != crate::decision::Status::Unknown {
        return None;
    }
    Some(Finding {
        kind: Kind::UnknownTrap,
        severity: Kind::UnknownTrap.severity(),
        subject: rule.id.to_string(),
        message: format!(
            "the condition of rule `{}` is unknown when the request leaves out `{path}`",
            rule.id
        ),
        help: Some(format!(
            "`{path}` is optional and has no default, so the rule does not apply and `{}` \
             decides, as for {}; test `present({path})` first, or give the field a default",
            decision.rule.id,
            example_help(example)
        )),
        example: Some(example.clone()),
        decided_by: Some(decision.rule.id),
        rules: Vec::new(),
        proved: false,
        span: when.span,
    })
}

/// A valid request that no rule decides.
fn gap(policy: &Policy, default: Option<&Seen>) -> Option<Finding> {
    let example = default?.example.as_ref()?;
    if policy.default.implicit {
        return coverage::reaches_no_rule(policy, example).then(|| Finding {
            kind: Kind::Gap,
            severity: Kind::Gap.severity(),
            subject: policy.default.id.to_string(),
            message: "some valid requests are decided by no rule, and the policy has no \
                      `[default]`"
                .to_owned(),
            help: Some(format!(
                "for example {}; add a `[default]`, or a rule for such requests",
                example_help(example)
            )),
            example: Some(example.clone()),
            decided_by: None,
            rules: Vec::new(),
            proved: false,
            span: policy.default.span,
        });
    }
    let (_, decision) = decide_example(policy, example)?;
    if !decision.rule.default {
        return None;
    }
    Some(Finding {
        kind: Kind::Gap,
        severity: Kind::Gap.severity(),
        subject: policy.default.id.to_string(),
        message: format!(
            "some valid requests are decided by no rule: the `[default]` (`{}`) decides them",
            policy.default.id
        ),
        help: Some(format!(
            "for example {}; if the default is not meant for such requests, add a rule for them",
            example_help(example)
        )),
        example: Some(example.clone()),
        decided_by: Some(decision.rule.id),
        rules: Vec::new(),
        proved: false,
        span: policy.default.span,
    })
}

/// Required fields whose absence no `any_missing()` rule reports.
fn unreported_missing(policy: &Policy, conditions: &[Reads], reported: &[bool]) -> Vec<Finding> {
    let any = conditions.iter().any(|reads| reads.missing);
    policy
        .schema
        .fields
        .iter()
        .enumerate()
        .filter(|(slot, field)| {
            matches!(field.requirement, Requirement::Always)
                && !reported.get(*slot).copied().unwrap_or(false)
        })
        .map(|(_, field)| Finding {
            kind: Kind::UnreportedMissingField,
            severity: Kind::UnreportedMissingField.severity(),
            subject: field.path.clone(),
            message: format!(
                "no rule reports a request that leaves out required field `{}`",
                field.path
            ),
            help: Some(if any {
                "the rules above the `any_missing()` rule decide every such request first; \
                 move that rule up"
                    .to_owned()
            } else {
                "add a rule `when = \"any_missing()\"` with outcome `needs_info` near the top"
                    .to_owned()
            }),
            example: None,
            decided_by: None,
            rules: Vec::new(),
            proved: true,
            span: field.span,
        })
        .collect()
}

/// Fields and derived values nothing reads.
fn unused(policy: &Policy) -> Vec<Finding> {
    let reads = reads::everything(policy);
    let mut findings = Vec::new();
    for (slot, field) in policy.schema.fields.iter().enumerate() {
        if reads.fields.contains_key(&slot) || field.ty.items_record().is_some() {
            continue;
        }
        findings.push(Finding {
            kind: Kind::UnusedField,
            severity: Kind::UnusedField.severity(),
            subject: field.path.clone(),
            message: format!("field `{}` is declared but nothing reads it", field.path),
            help: Some(
                "no condition, constraint, effect or reason uses it; remove it, or use it"
                    .to_owned(),
            ),
            example: None,
            decided_by: None,
            rules: Vec::new(),
            proved: true,
            span: field.span,
        });
    }
    for (index, derived) in policy.derived.iter().enumerate() {
        if reads.derived.contains(&index) || !derived.helper {
            continue;
        }
        findings.push(Finding {
            kind: Kind::UnusedDerived,
            severity: Kind::UnusedDerived.severity(),
            subject: derived.name.clone(),
            message: format!("helper `{}` is computed but nothing reads it", derived.name),
            help: Some("remove it, or use it in a condition, effect or reason".to_owned()),
            example: None,
            decided_by: None,
            rules: Vec::new(),
            proved: true,
            span: derived.value.span,
        });
    }
    findings
}

/// Pairs of rules with different outcomes whose conditions both hold for
/// some request.
fn overlaps(
    policy: &Policy,
    bounds: &Bounds,
    constraints: &Stage,
    conditions: &[Stage],
    options: &Options,
    spent: usize,
) -> (Vec<Finding>, usize) {
    let mut findings = Vec::new();
    let mut requests = 0;
    for (first, upper) in policy.rules.iter().enumerate() {
        for (second, lower) in policy.rules.iter().enumerate().skip(first + 1) {
            let (Some(upper_when), Some(lower_when)) = (&upper.when, &lower.when) else {
                continue;
            };
            if upper.outcome == lower.outcome {
                continue;
            }
            let (Some(upper_stage), Some(lower_stage)) =
                (conditions.get(first), conditions.get(second))
            else {
                continue;
            };
            // A rule that reports missing details is meant to take any
            // request it holds for: that it overlaps every other is no news.
            if upper_stage.reads.missing || lower_stage.reads.missing {
                continue;
            }
            let stages = vec![
                constraints.clone(),
                upper_stage.clone(),
                lower_stage.clone(),
            ];
            let budget = options.next_budget(spent + requests);
            let mut explorer = Explorer::new(policy, bounds, stages, budget);
            let mut found = None;
            let _ = explorer.run(&mut |candidate: &Candidate| {
                if found.is_some() {
                    return Step::Stop;
                }
                if matches!(first_match(policy, candidate.request), Outcome::Invalid) {
                    return if candidate.settled > 0 {
                        Step::Stop
                    } else {
                        Step::Split
                    };
                }
                let mut evaluator = Evaluator::new(policy, candidate.request);
                let both = [upper_when, lower_when]
                    .iter()
                    .all(|when| matches!(evaluator.eval(when), Ok(Value::Bool(true))));
                if both {
                    found = Some(candidate.json.clone());
                    return Step::Stop;
                }
                Step::Split
            });
            requests += explorer.spent();
            let Some(example) = found else {
                continue;
            };
            let Some((_, decision)) = decide_example(policy, &example) else {
                continue;
            };
            findings.push(Finding {
                kind: Kind::Overlap,
                severity: Kind::Overlap.severity(),
                subject: lower.id.to_string(),
                message: format!(
                    "rules `{}` ({}) and `{}` ({}) both hold for some requests",
                    upper.id,
                    upper.outcome.keyword(),
                    lower.id,
                    lower.outcome.keyword()
                ),
                help: Some(format!(
                    "the first decides: for example {} is decided by `{}`",
                    example_help(&example),
                    decision.rule.id
                )),
                example: Some(example),
                decided_by: Some(decision.rule.id),
                rules: vec![upper.id.to_string()],
                proved: false,
                span: lower_when.span,
            });
        }
    }
    (findings, requests)
}

#[cfg(test)]
mod tests;
