//! The decision diff: every request is decided by both policies and the
//! results are counted as they come, so that only the counts and the first
//! few differences are kept, however many requests there are.

use serde::{Serialize, Serializer};

use super::structure::{PartChange, parts_diff};
use crate::decision::Decision;
use crate::decision::decide::DecideError;
use crate::decision::decide::{RequestFailure, decide_json};
use crate::policy::Outcome;
use crate::policy::folder::{Choice, PolicySet, SelectError};

/// Why one side could not decide a line.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LineError {
    #[error("the line is longer than {0} bytes")]
    TooLong(usize),
    #[error("the line looks like a case (`request` and `expect`) but is not valid: {0}")]
    Case(serde_json::Error),
    #[error(transparent)]
    NoVersion(#[from] SelectError),
    #[error(transparent)]
    Request(#[from] RequestFailure),
}

impl LineError {
    /// The error in one line: the first problem of a rejected request,
    /// the ids of the constraints it breaks.
    pub(crate) fn summary(&self) -> String {
        match self {
            LineError::Request(RequestFailure::Invalid(error)) => {
                let first = error
                    .problems
                    .first()
                    .map(|problem| problem.message())
                    .unwrap_or_default();
                match error.problems.len().saturating_sub(1) {
                    0 => first,
                    more => format!("{first} (and {more} more)"),
                }
            }
            LineError::Request(RequestFailure::Undecidable(DecideError::Constraints(broken))) => {
                let ids: Vec<String> = broken.iter().map(|c| format!("`{}`", c.id)).collect();
                format!("breaks constraint {}", ids.join(", "))
            }
            other => other.to_string(),
        }
    }
}

/// How one side decided a line, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Decided(Outcome),
    /// The request was rejected: invalid, or breaking a constraint.
    Rejected,
}

impl Verdict {
    pub(crate) const fn keyword(self) -> &'static str {
        match self {
            Verdict::Decided(outcome) => outcome.keyword(),
            Verdict::Rejected => "rejected",
        }
    }

    /// The outcomes in their usual order, then rejected.
    fn rank(self) -> usize {
        match self {
            Verdict::Decided(outcome) => Outcome::ALL
                .iter()
                .position(|known| *known == outcome)
                .unwrap_or_default(),
            Verdict::Rejected => Outcome::ALL.len(),
        }
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.keyword())
    }
}

/// How many requests went from one verdict to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Transition {
    pub(crate) old: Verdict,
    pub(crate) new: Verdict,
    pub(crate) requests: u64,
}

/// What one side made of a request that is listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Side {
    Decided { outcome: Outcome, rule: String },
    Rejected { error: String },
}

/// A request listed because its decision changed or a policy rejected it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Difference {
    pub(crate) line: u64,
    pub(crate) old: Side,
    pub(crate) new: Side,
    /// When both decided: the outcome, rule and effects that differ.
    pub(crate) differs: Vec<PartChange>,
}

/// The decisions of two policies over a stream of requests.
///
/// Every request is `unchanged`, `changed` (both decided, with another
/// outcome, deciding rule or effects) or an error (rejected by at least one
/// side), so the three add up to `requests`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct DecisionDiff {
    pub(crate) requests: u64,
    pub(crate) unchanged: u64,
    pub(crate) changed: u64,
    pub(crate) errors: u64,
    /// Requests the old policy rejected.
    pub(crate) errors_old: u64,
    /// Requests the new policy rejected.
    pub(crate) errors_new: u64,
    /// Requests by (old verdict, new verdict), every request counted once,
    /// in the order approve, deny, review, needs_info, rejected.
    pub(crate) transitions: Vec<Transition>,
    /// The first `limit` requests that changed or that one side rejected.
    pub(crate) lines: Vec<Difference>,
    /// Such requests beyond the first `limit`, counted only.
    pub(crate) lines_omitted: u64,
    /// The first `limit` requests that both sides rejected.
    pub(crate) rejected: Vec<Difference>,
    pub(crate) rejected_omitted: u64,
    pub(crate) limit: usize,
}

impl DecisionDiff {
    /// An empty diff that keeps at most `limit` requests in each list.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            requests: 0,
            unchanged: 0,
            changed: 0,
            errors: 0,
            errors_old: 0,
            errors_new: 0,
            transitions: Vec::new(),
            lines: Vec::new(),
            lines_omitted: 0,
            rejected: Vec::new(),
            rejected_omitted: 0,
            limit,
        }
    }

    /// Decides one NDJSON line, a request or a case, by both sides and
    /// counts the result. A line either side cannot decide is an error of
    /// that side, never a reason to stop.
    pub(crate) fn add_line(&mut self, line: u64, bytes: &[u8], old: &PolicySet, new: &PolicySet) {
        let case = match crate::tools::case::parse_case(bytes) {
            Some(Ok(case)) => Some(case),
            Some(Err(error)) => return self.reject_both(line, &LineError::Case(error)),
            None => None,
        };
        let request = case
            .as_ref()
            .map_or(bytes, |case| case.request.get().as_bytes());
        self.record(line, decide_side(old, request), decide_side(new, request));
    }

    /// Counts a line that was too long to read as an error of both sides.
    pub(crate) fn add_too_long(&mut self, line: u64, max: usize) {
        self.reject_both(line, &LineError::TooLong(max));
    }

    /// Counts one request from what each side made of it.
    pub(crate) fn record(
        &mut self,
        line: u64,
        old: Result<Decision, LineError>,
        new: Result<Decision, LineError>,
    ) {
        match (&old, &new) {
            (Ok(before), Ok(after)) if same_decision(before, after) => {
                self.count(verdict(&old), verdict(&new));
                self.unchanged += 1;
            }
            (Ok(_), Ok(_)) => {
                self.count(verdict(&old), verdict(&new));
                self.changed += 1;
                self.list(line, &old, &new);
            }
            (Err(before), Err(after)) => {
                if self.count_rejected_by_both() {
                    self.rejected.push(Difference {
                        line,
                        old: rejected(before),
                        new: rejected(after),
                        differs: Vec::new(),
                    });
                }
            }
            _ => {
                self.count(verdict(&old), verdict(&new));
                self.errors += 1;
                self.errors_old += u64::from(old.is_err());
                self.errors_new += u64::from(new.is_err());
                self.list(line, &old, &new);
            }
        }
    }

    fn reject_both(&mut self, line: u64, error: &LineError) {
        if self.count_rejected_by_both() {
            self.rejected.push(Difference {
                line,
                old: rejected(error),
                new: rejected(error),
                differs: Vec::new(),
            });
        }
    }

    /// Counts a request both sides rejected; whether it is to be listed.
    fn count_rejected_by_both(&mut self) -> bool {
        self.count(Verdict::Rejected, Verdict::Rejected);
        self.errors += 1;
        self.errors_old += 1;
        self.errors_new += 1;
        let listed = self.rejected.len() < self.limit;
        self.rejected_omitted += u64::from(!listed);
        listed
    }

    /// Lists a request, or counts it once the list is full: what differs is
    /// written out only for the requests that are listed.
    fn list(
        &mut self,
        line: u64,
        old: &Result<Decision, LineError>,
        new: &Result<Decision, LineError>,
    ) {
        if self.lines.len() >= self.limit {
            self.lines_omitted += 1;
            return;
        }
        let differs = match (old, new) {
            (Ok(before), Ok(after)) => decision_changes(before, after),
            _ => Vec::new(),
        };
        self.lines.push(Difference {
            line,
            old: side(old),
            new: side(new),
            differs,
        });
    }

    /// Counts one more request, under its (old, new) pair, keeping the
    /// pairs in order.
    fn count(&mut self, old: Verdict, new: Verdict) {
        self.requests += 1;
        let key = (old.rank(), new.rank());
        match self
            .transitions
            .binary_search_by_key(&key, |entry| (entry.old.rank(), entry.new.rank()))
        {
            Ok(at) => {
                if let Some(entry) = self.transitions.get_mut(at) {
                    entry.requests += 1;
                }
            }
            Err(at) => self.transitions.insert(
                at,
                Transition {
                    old,
                    new,
                    requests: 1,
                },
            ),
        }
    }
}

fn decide_side(set: &PolicySet, request: &[u8]) -> Result<Decision, LineError> {
    let selected = set.select(request, &Choice::ByRequest)?;
    Ok(decide_json(selected.policy, request)?)
}

fn verdict(result: &Result<Decision, LineError>) -> Verdict {
    match result {
        Ok(decision) => Verdict::Decided(decision.outcome),
        Err(_) => Verdict::Rejected,
    }
}

fn side(result: &Result<Decision, LineError>) -> Side {
    match result {
        Ok(decision) => Side::Decided {
            outcome: decision.outcome,
            rule: decision.rule.id.clone(),
        },
        Err(error) => rejected(error),
    }
}

fn rejected(error: &LineError) -> Side {
    Side::Rejected {
        error: error.summary(),
    }
}

/// Whether two decisions agree on what is compared: the outcome, the
/// deciding rule and the effects. The reason is not compared, since its
/// wording follows the rule.
fn same_decision(old: &Decision, new: &Decision) -> bool {
    // An effect is named once per decision, so equal lengths and every old
    // effect found in the new make the same effects, in whatever order.
    old.outcome == new.outcome
        && old.rule.id == new.rule.id
        && old.effects.len() == new.effects.len()
        && old
            .effects
            .iter()
            .all(|effect| new.effects.iter().any(|other| other == effect))
}

/// The outcome, deciding rule and effects that differ, as text.
fn decision_changes(old: &Decision, new: &Decision) -> Vec<PartChange> {
    let parts = |decision: &Decision| {
        let mut parts = vec![
            ("outcome".to_owned(), decision.outcome.keyword().to_owned()),
            ("rule".to_owned(), decision.rule.id.clone()),
        ];
        parts.extend(
            decision
                .effects
                .iter()
                .map(|(name, value)| (format!("effect {name}"), value.shown())),
        );
        parts
    };
    parts_diff(&parts(old), &parts(new))
}
