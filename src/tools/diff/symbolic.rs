//! `ruling diff OLD NEW --symbolic`: the requests whose decision changes
//! between two versions, found without a corpus. The cells of the request
//! space are drawn at the boundaries of both versions (`tools::lint`), each
//! decided by both, and the changes grouped by (old rule → new rule), one
//! example each, decided again before it is shown.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::decision::Decision;
use crate::policy::{Outcome, Policy};
use crate::request::{Request, decode};
use crate::tools::lint::bounds::Bounds;
use crate::tools::lint::explore::{Candidate, Explorer, Stage, Step};
use crate::tools::lint::{Outcome as Ruled, decide_example, first_match};

/// The version of the JSON shape of a symbolic diff.
pub const SYMBOLIC_FORMAT: u32 = 1;

/// Why two versions cannot be compared cell by cell.
#[derive(Debug, thiserror::Error)]
pub enum SymbolicError {
    #[error(
        "the two versions declare different fields (`{0}`); the symbolic diff needs the same \
         fields, in the same order, of the same types"
    )]
    DifferentFields(String),
}

/// The changes between two versions over every request cell.
#[derive(Debug, Serialize)]
pub struct SymbolicDiff {
    pub format: u32,
    /// Whether every cell was enumerated with every condition followed
    /// exactly: then a request that changes is in one of the groups, and
    /// no groups means no valid request changes its deciding rule or
    /// outcome.
    pub complete: bool,
    /// Why the enumeration is not complete, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// How many requests were decoded and decided by both versions.
    pub requests: usize,
    pub groups: Vec<Group>,
}

/// The requests that one rule of the old version decided and one of the
/// new version decides, with another rule, outcome or effects.
#[derive(Debug, Serialize)]
pub struct Group {
    pub old: SideRule,
    pub new: SideRule,
    /// How many enumerated cells fall in the group: a measure of its
    /// breadth, not a count of requests.
    pub cells: usize,
    /// A request of the group, decided again by both versions.
    pub example: serde_json::Value,
}

/// What one version did with the requests of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum SideRule {
    Decided {
        outcome: Outcome,
        rule: String,
    },
    /// The request breaks one of the version's constraints.
    Rejected,
}

impl SideRule {
    fn text(&self) -> (String, String) {
        match self {
            SideRule::Decided { outcome, rule } => (outcome.keyword().to_owned(), rule.clone()),
            SideRule::Rejected => ("rejected".to_owned(), "(a constraint)".to_owned()),
        }
    }
}

/// A group's (outcome, rule) before and after, as text: the order groups
/// are listed in.
type GroupKey = ((String, String), (String, String));

/// A group as the enumeration finds it: the verdicts, how many cells, the
/// first example.
type Found = (SideRule, SideRule, usize, serde_json::Value);

/// Compares two versions over every request cell.
pub fn symbolic_diff(
    old: &Policy,
    new: &Policy,
    budget: usize,
) -> Result<SymbolicDiff, SymbolicError> {
    same_fields(old, new)?;
    let mut bounds = Bounds::of(new);
    bounds.merge(Bounds::of(old));
    let stages = stages(old, new);
    let exact = stages.iter().all(|stage| stage.reads.exact());
    let unmodelled: Vec<String> = stages
        .iter()
        .flat_map(|stage| stage.reads.unmodelled.iter().cloned())
        .take(2)
        .collect();
    let mut groups: BTreeMap<GroupKey, Found> = BTreeMap::new();
    let mut explorer = Explorer::new(new, &bounds, stages.clone(), budget);
    let finished = explorer
        .run(&mut |candidate: &Candidate| {
            let Some(old_request) = decode_for(old, candidate.json) else {
                return Step::Split;
            };
            let all = candidate.settled >= stages.len();
            let old_ruled = settled_side(old, &old_request, candidate.settled);
            let new_ruled = settled_side(new, candidate.request, candidate.settled);
            let (Some(before), Some(after)) = (old_ruled, new_ruled) else {
                return if all { Step::Stop } else { Step::Split };
            };
            if !changed(old, new, &old_request, candidate.request, &before, &after) {
                return Step::Stop;
            }
            let entry = groups
                .entry((before.text(), after.text()))
                .or_insert_with(|| (before, after, 0, candidate.json.clone()));
            entry.2 += 1;
            Step::Stop
        })
        .is_ok();
    let mut verified = Vec::new();
    for (before, after, cells, example) in groups.into_values() {
        let decided_old = decide_example(old, &example).map(|(_, decision)| decision);
        let decided_new = decide_example(new, &example).map(|(_, decision)| decision);
        if matches_side(decided_old.as_ref(), &before) && matches_side(decided_new.as_ref(), &after)
        {
            verified.push(Group {
                old: before,
                new: after,
                cells,
                example,
            });
        }
    }
    let incomplete = if !finished {
        Some(format!(
            "enumerating the requests would take more than {budget} decisions"
        ))
    } else if !exact {
        Some(format!(
            "the request cells do not follow `{}` exactly",
            unmodelled.join("`, `")
        ))
    } else {
        None
    };
    Ok(SymbolicDiff {
        format: SYMBOLIC_FORMAT,
        complete: incomplete.is_none(),
        incomplete,
        requests: explorer.spent(),
        groups: verified,
    })
}

fn same_fields(old: &Policy, new: &Policy) -> Result<(), SymbolicError> {
    let count = old.schema.fields.len().max(new.schema.fields.len());
    for slot in 0..count {
        match (old.schema.field(slot), new.schema.field(slot)) {
            (Some(before), Some(after)) if before.path == after.path && before.ty == after.ty => {}
            (Some(field), _) | (_, Some(field)) => {
                return Err(SymbolicError::DifferentFields(field.path.clone()));
            }
            (None, None) => {}
        }
    }
    Ok(())
}

/// The constraints of both versions first, then their rules pairwise: the
/// n-th stage settles the n-th rule of each.
fn stages<'p>(old: &'p Policy, new: &'p Policy) -> Vec<Stage<'p>> {
    let constraints = old
        .constraints
        .iter()
        .map(|constraint| (old, &constraint.must))
        .chain(
            new.constraints
                .iter()
                .map(|constraint| (new, &constraint.must)),
        )
        .collect();
    let mut stages = vec![Stage::of(constraints)];
    for index in 0..old.rules.len().max(new.rules.len()) {
        let conditions = [old, new]
            .into_iter()
            .filter_map(|policy| Some((policy, policy.rules.get(index)?.when.as_ref()?)))
            .collect();
        stages.push(Stage::of(conditions));
    }
    stages
}

fn decode_for(policy: &Policy, json: &serde_json::Value) -> Option<Request> {
    let bytes = serde_json::to_vec(json).ok()?;
    decode(&policy.schema, policy.meta.timezone, &bytes).ok()
}

/// What one version does with a candidate, when the stages settled so far
/// decide it for every request of the branch.
fn settled_side(policy: &Policy, request: &Request, settled: usize) -> Option<SideRule> {
    match first_match(policy, request) {
        Ruled::Invalid if settled > 0 => Some(SideRule::Rejected),
        Ruled::Decided(index, _) if index + 1 < settled || policy.rules.len() < settled => {
            let rule = policy.rules.get(index).unwrap_or(&policy.default);
            Some(SideRule::Decided {
                outcome: rule.outcome,
                rule: rule.id.to_string(),
            })
        }
        _ => None,
    }
}

/// Whether the decisions differ: another verdict, or the same rule with
/// other effects.
fn changed(
    old: &Policy,
    new: &Policy,
    old_request: &Request,
    new_request: &Request,
    before: &SideRule,
    after: &SideRule,
) -> bool {
    if before != after {
        return true;
    }
    if *before == SideRule::Rejected {
        return false;
    }
    let effects = |policy: &Policy, request: &Request| {
        crate::decision::decide::ruling(policy, request)
            .map(|ruled| {
                ruled
                    .effects
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value.to_json()))
                    .collect::<BTreeMap<_, _>>()
            })
            .ok()
    };
    effects(old, old_request) != effects(new, new_request)
}

fn matches_side(decision: Option<&Decision>, side: &SideRule) -> bool {
    match (decision, side) {
        (Some(decision), SideRule::Decided { outcome, rule }) => {
            decision.outcome == *outcome && decision.rule.id == *rule
        }
        (None, SideRule::Rejected) => true,
        _ => false,
    }
}

/// The symbolic diff for people.
pub fn symbolic_text(diff: &SymbolicDiff) -> String {
    let mut out = String::from("\nrequests whose decision changes (found without a corpus)\n");
    if diff.groups.is_empty() {
        if diff.complete {
            out.push_str(
                "  no valid request changes its deciding rule, outcome or effects: every request \
                 cell was enumerated\n",
            );
        } else {
            out.push_str("  none found among the requests tried\n");
        }
    }
    for group in &diff.groups {
        let (old_outcome, old_rule) = group.old.text();
        let (new_outcome, new_rule) = group.new.text();
        let _ = writeln!(
            out,
            "  {old_outcome} → {new_outcome}  {old_rule} → {new_rule}  ({} cells)",
            group.cells
        );
        let _ = writeln!(
            out,
            "    for example {}",
            serde_json::to_string(&group.example).unwrap_or_default()
        );
    }
    let _ = writeln!(out, "  {} requests tried", diff.requests);
    if let Some(why) = &diff.incomplete {
        let _ = writeln!(out, "  not complete: {why}; other requests may change too");
    }
    out
}
