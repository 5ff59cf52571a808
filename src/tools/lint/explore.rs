//! Enumerating requests cell by cell, depth first: a field is split into
//! its cells only when the next stage to settle (the constraints, then
//! each rule's condition in order) reads it, and a branch stops as soon as
//! the stages it has settled decide it, so the fields of rules below the
//! deciding one are never multiplied in.

use crate::evaluate::Evaluator;
use crate::language::compiled::Checked;
use crate::language::schema::Requirement;
use crate::language::value::Value;
use crate::limits::MAX_LINT_DEPTH;
use crate::policy::Policy;
use crate::request::{Request, decode};

use super::bounds::Bounds;
use super::cells::{Cell, values};
use super::reads::{Need, Reads};

/// The enumeration stopped: it would have decided more requests than the
/// budget allows, or split more fields one inside the other than
/// [`MAX_LINT_DEPTH`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverBudget;

/// A request of the enumeration, decoded and as JSON.
pub struct Candidate<'a> {
    pub request: &'a Request,
    pub json: &'a serde_json::Value,
    /// The first stage whose reads are not all settled; every stage before
    /// it comes out the same for every request of this branch.
    pub settled: usize,
    /// Whether the first stage not settled waits only on whether fields
    /// are given that it reads through `any_missing()` alone, where a
    /// missing field can only make it true: if it holds, it holds for
    /// every way of giving or leaving out those fields.
    pub missing_open: bool,
}

/// What the visitor says of a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Its branch is decided: split no further.
    Stop,
    /// Split the next field of the first stage not settled.
    Split,
}

/// One stage of the enumeration: conditions settled together, and what
/// they read.
#[derive(Clone)]
pub struct Stage<'p> {
    pub reads: Reads,
    /// Each condition with the policy it belongs to: `ruling diff
    /// --symbolic` settles the rules of two versions together.
    pub conditions: Vec<(&'p Policy, &'p Checked)>,
}

impl<'p> Stage<'p> {
    pub fn new(policy: &'p Policy, conditions: Vec<&'p Checked>) -> Self {
        Self::of(
            conditions
                .into_iter()
                .map(|condition| (policy, condition))
                .collect(),
        )
    }

    pub fn of(conditions: Vec<(&'p Policy, &'p Checked)>) -> Self {
        let mut reads = Reads::default();
        for (policy, condition) in &conditions {
            reads.merge(&Reads::of(policy, condition));
        }
        Self { reads, conditions }
    }

    /// Whether an unknown value stands for every value in these
    /// conditions: three-valued logic only refines an unknown, never turns
    /// a true into a false, unless something asks whether a field is given.
    fn probes(&self) -> bool {
        !self.reads.presence_sensitive && self.reads.exact()
    }
}

pub struct Explorer<'p> {
    policy: &'p Policy,
    bounds: &'p Bounds,
    stages: Vec<Stage<'p>>,
    /// For each field required only when a condition holds: what that
    /// condition reads. Whether such a field is given matters to
    /// `any_missing()` only when its condition holds.
    conditions: Vec<Option<Reads>>,
    budget: usize,
    spent: usize,
}

impl<'p> Explorer<'p> {
    pub fn new(
        policy: &'p Policy,
        bounds: &'p Bounds,
        stages: Vec<Stage<'p>>,
        budget: usize,
    ) -> Self {
        let conditions = policy
            .schema
            .fields
            .iter()
            .map(|field| match &field.requirement {
                Requirement::When(condition) => Some(Reads::of(policy, condition)),
                _ => None,
            })
            .collect();
        Self {
            policy,
            bounds,
            stages,
            conditions,
            budget,
            spent: 0,
        }
    }

    /// How many requests were decoded and visited.
    pub fn spent(&self) -> usize {
        self.spent
    }

    /// Visits requests until every branch stops or every stage is settled.
    pub fn run(&mut self, visit: &mut impl FnMut(&Candidate) -> Step) -> Result<(), OverBudget> {
        let mut cells = vec![Cell::Open; self.policy.schema.fields.len()];
        self.branch(&mut cells, 0, visit)
    }

    fn branch(
        &mut self,
        cells: &mut Vec<Cell>,
        depth: usize,
        visit: &mut impl FnMut(&Candidate) -> Step,
    ) -> Result<(), OverBudget> {
        if self.spent >= self.budget || depth > MAX_LINT_DEPTH {
            return Err(OverBudget);
        }
        self.spent += 1;
        let json = self.json(cells);
        // A request the cells build always decodes; one that does not is
        // not a valid request, so there is nothing below it to find.
        let Ok(bytes) = serde_json::to_vec(&json) else {
            return Ok(());
        };
        let Ok(request) = decode(&self.policy.schema, self.policy.meta.timezone, &bytes) else {
            return Ok(());
        };
        let settled = self.settled(cells, &request);
        let candidate = Candidate {
            request: &request,
            json: &json,
            settled,
            missing_open: self.missing_open(cells, settled, &request),
        };
        if visit(&candidate) == Step::Stop || settled >= self.stages.len() {
            return Ok(());
        }
        let Some((slot, need)) = self.next(cells, settled, &request) else {
            return Ok(());
        };
        let previous = cells.get(slot).cloned().unwrap_or(Cell::Open);
        for cell in self.split(cells, slot, need, &previous) {
            if let Some(place) = cells.get_mut(slot) {
                *place = cell;
            }
            self.branch(cells, depth + 1, visit)?;
        }
        if let Some(place) = cells.get_mut(slot) {
            *place = previous;
        }
        Ok(())
    }

    /// The cells field `slot` splits into for what the stage needs.
    fn split(&self, cells: &[Cell], slot: usize, need: Need, previous: &Cell) -> Vec<Cell> {
        let given = match need {
            Need::Presence => vec![Cell::Given],
            Need::Value => values(self.policy, self.bounds, slot, cells)
                .into_iter()
                .map(Cell::Value)
                .collect(),
        };
        let mut out = given;
        if *previous == Cell::Open {
            out.push(Cell::Absent);
        }
        out
    }

    fn settled(&self, cells: &[Cell], request: &Request) -> usize {
        let mut probe = None;
        for (index, stage) in self.stages.iter().enumerate() {
            let open =
                stage.reads.fields.iter().any(|(slot, need)| {
                    !self.need_settled(&stage.reads, cells, *slot, *need, request)
                });
            if !open {
                continue;
            }
            if !stage.probes() {
                return index;
            }
            let probe = probe.get_or_insert_with(|| self.probe_request(cells));
            let Some(probe) = probe else {
                return index;
            };
            let known = stage.conditions.iter().all(|(policy, condition)| {
                matches!(
                    Evaluator::new(policy, probe).eval(condition),
                    Ok(Value::Bool(_))
                )
            });
            if !known {
                return index;
            }
        }
        self.stages.len()
    }

    /// The request with every field whose value is not chosen unknown
    /// (not even its default): a condition that comes out true or false
    /// on it does so whatever those fields are.
    fn probe_request(&self, cells: &[Cell]) -> Option<Request> {
        let mut object = serde_json::Map::new();
        for (field, cell) in self.policy.schema.fields.iter().zip(cells) {
            if let Cell::Value(value) = cell {
                insert(&mut object, &field.path, value.to_json());
            }
        }
        let bytes = serde_json::to_vec(&serde_json::Value::Object(object)).ok()?;
        let mut request = decode(&self.policy.schema, self.policy.meta.timezone, &bytes).ok()?;
        for (value, cell) in request.values.iter_mut().zip(cells) {
            if !matches!(cell, Cell::Value(_)) {
                *value = Value::Absent;
            }
        }
        Some(request)
    }

    /// Whether the stage needs nothing more of field `slot`: its cell is
    /// chosen, or the stage asks only whether it is given, for
    /// `any_missing()`, and the condition that would make it required is
    /// settled and does not hold.
    fn need_settled(
        &self,
        stage: &Reads,
        cells: &[Cell],
        slot: usize,
        need: Need,
        request: &Request,
    ) -> bool {
        if is_settled(cells.get(slot), need) {
            return true;
        }
        if need != Need::Presence || stage.direct.contains(&slot) {
            return false;
        }
        let (Some(Some(reads)), Some(field)) =
            (self.conditions.get(slot), self.policy.schema.field(slot))
        else {
            return false;
        };
        let Requirement::When(condition) = &field.requirement else {
            return false;
        };
        let condition_settled = reads
            .fields
            .iter()
            .all(|(read, need)| is_settled(cells.get(*read), *need));
        condition_settled
            && !matches!(
                Evaluator::new(self.policy, request).eval(condition),
                Ok(Value::Bool(true))
            )
    }

    fn missing_open(&self, cells: &[Cell], stage: usize, request: &Request) -> bool {
        let Some(stage) = self.stages.get(stage).map(|stage| &stage.reads) else {
            return false;
        };
        stage.missing_monotone
            && stage.fields.iter().all(|(slot, need)| {
                self.need_settled(stage, cells, *slot, *need, request)
                    || (*need == Need::Presence && !stage.direct.contains(slot))
            })
    }

    /// The next field to split: values before presences, so that the
    /// conditions making fields required are settled first.
    fn next(&self, cells: &[Cell], stage: usize, request: &Request) -> Option<(usize, Need)> {
        let reads = &self.stages.get(stage)?.reads;
        let open = |wanted: Need| {
            reads.fields.iter().find(|(slot, need)| {
                **need == wanted && !self.need_settled(reads, cells, **slot, **need, request)
            })
        };
        open(Need::Value)
            .or_else(|| open(Need::Presence))
            .map(|(slot, need)| (*slot, *need))
    }

    /// The request the cells make: open and given fields take their first
    /// value, absent fields are left out.
    fn json(&self, cells: &[Cell]) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        for (slot, (field, cell)) in self.policy.schema.fields.iter().zip(cells).enumerate() {
            let value = match cell {
                Cell::Absent => continue,
                Cell::Value(value) => value.clone(),
                Cell::Open | Cell::Given => {
                    match values(self.policy, self.bounds, slot, cells)
                        .into_iter()
                        .next()
                    {
                        Some(value) => value,
                        None => continue,
                    }
                }
            };
            // An open optional field stays out unless something reads it:
            // the smallest request that shows a finding.
            if *cell == Cell::Open && matches!(field.requirement, Requirement::Optional) {
                continue;
            }
            insert(&mut object, &field.path, value.to_json());
        }
        serde_json::Value::Object(object)
    }
}

fn is_settled(cell: Option<&Cell>, need: Need) -> bool {
    match (cell, need) {
        (None, _) => true,
        (Some(Cell::Open), _) => false,
        (Some(Cell::Given), Need::Value) => false,
        (Some(_), _) => true,
    }
}

/// Puts `value` at the dotted `path`, making the objects on the way.
fn insert(
    object: &mut serde_json::Map<String, serde_json::Value>,
    path: &str,
    value: serde_json::Value,
) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_owned(), value);
        }
        Some((first, rest)) => {
            let inner = object
                .entry(first.to_owned())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let serde_json::Value::Object(inner) = inner {
                insert(inner, rest, value);
            }
        }
    }
}
