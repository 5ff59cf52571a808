//! The decision procedure: constraints first, then the rules from top to
//! bottom until one holds, else the default.

use std::fmt::Write as _;

use crate::decision::id::DecisionId;
use crate::decision::{Decision, PolicyRef, RuleRef, RuleTrace, Status};
use crate::evaluate::{EvalError, Evaluator, Missing, TraceLog, TraceNode, Traced};
use crate::language::value::Value;
use crate::policy::{Effect, Outcome, Policy, Rule, Template, TemplatePart};
use crate::request::{Request, RequestWarning};

/// Why a decoded request could not be decided.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let request = ruling::Request::decode(&policy, br#"{"purchase": {"amount": "-1"}}"#)?;
/// match ruling::decide(&policy, &request) {
///     Err(ruling::DecideError::Constraints(broken)) => println!("{}", broken[0].message),
///     Err(ruling::DecideError::Evaluation(error)) => println!("{error}"),
///     Err(error @ ruling::DecideError::NoRule) => println!("{error}"),
///     Ok(decision) => println!("{}", decision.outcome),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, thiserror::Error)]
pub enum DecideError {
    /// The request breaks constraints of the policy (`[[constraint]]`).
    #[error("the request breaks {} of the policy's constraints", .0.len())]
    Constraints(Vec<BrokenConstraint>),
    /// A value cannot be computed for this request: an overflow, a
    /// division by zero.
    #[error(transparent)]
    Evaluation(#[from] EvalError),
    /// No rule holds for the request and the policy has no `[default]`
    /// (`ruling check` proves this never happens to a valid request, so it
    /// means a policy loaded without that check).
    #[error("no rule of the policy decides this request, and it has no `[default]`")]
    NoRule,
}

/// A constraint of the policy that the request breaks.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let request = ruling::Request::decode(&policy, br#"{"purchase": {"amount": "-1"}}"#)?;
/// let Err(ruling::DecideError::Constraints(broken)) = ruling::decide(&policy, &request) else {
///     panic!("a negative amount breaks a constraint");
/// };
/// assert_eq!(broken[0].id, "amount-positive");
/// assert_eq!(&*broken[0].condition.expr, "purchase.amount > 0");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BrokenConstraint {
    /// The constraint's `id`.
    pub id: String,
    /// Its `message`, for the sender of the request.
    pub message: String,
    /// How the constraint's condition came out, with the request's values.
    pub condition: TraceNode,
}

/// The core of a decision, computed without a trace: the deciding rule,
/// its effects and the missing fields. This is what volume work needs; the
/// full [`Decision`] (reason, trace) comes from [`decide`], which always
/// agrees with it.
#[derive(Debug)]
pub(crate) struct Ruling<'p> {
    pub(crate) rule: &'p Rule,
    pub(crate) effects: Vec<(&'p str, Value)>,
    /// The required values the request does not give.
    pub(crate) missing: Vec<Missing>,
    /// What the request gave that may not be what its sender meant.
    pub(crate) warnings: Vec<RequestWarning>,
}

/// Decides `request` against `policy` without recording a trace.
pub(crate) fn ruling<'p>(policy: &'p Policy, request: &Request) -> Result<Ruling<'p>, DecideError> {
    let mut evaluator = Evaluator::new(policy, request);
    let mut ruled = rule_with(policy, &mut evaluator)?;
    ruled.missing = evaluator.take_missing()?;
    Ok(ruled)
}

/// A ruling and its reason, placeholders filled in, from one evaluation:
/// derived values the rules computed are not computed again for the reason.
pub(crate) fn ruling_with_reason<'p>(
    policy: &'p Policy,
    request: &Request,
) -> Result<(Ruling<'p>, String), DecideError> {
    let mut evaluator = Evaluator::new(policy, request);
    let mut ruled = rule_with(policy, &mut evaluator)?;
    let reason = render_template(&ruled.rule.reason, &mut evaluator)?;
    ruled.missing = evaluator.take_missing()?;
    Ok((ruled, reason))
}

/// The ruling of `evaluator`'s request, its missing fields left for the
/// caller to take once it has no more use for the evaluator.
fn rule_with<'p>(policy: &'p Policy, evaluator: &mut Evaluator) -> Result<Ruling<'p>, DecideError> {
    check_constraints(policy, evaluator)?;
    let mut deciding = &policy.default;
    for rule in &policy.rules {
        if let Some(condition) = &rule.when
            && evaluator.truth(condition)? == Some(true)
        {
            deciding = rule;
            break;
        }
    }
    if deciding.implicit {
        return Err(DecideError::NoRule);
    }
    Ok(Ruling {
        rule: deciding,
        effects: effect_values(policy, deciding, evaluator)?,
        missing: Vec::new(),
        warnings: evaluator.request().warnings.clone(),
    })
}

/// The core of a decision, without its trace, reason or id: the outcome,
/// the deciding rule, its effects and the missing fields. This is what
/// volume work needs, at a fraction of the cost of a full [`Decision`]; it
/// always agrees with [`decide`].
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decoded = ruling::Request::decode(&policy, request.as_bytes())?;
/// let core = ruling::decide_without_trace(&policy, &decoded)?;
/// let full = ruling::decide(&policy, &decoded)?;
/// assert_eq!(core.outcome(), full.outcome);
/// assert_eq!(core.rule_id(), full.rule.id);
/// assert!(core.missing().is_empty());
/// let (name, amount) = &core.effects()[0];
/// assert_eq!((*name, amount.to_string()), ("refund_amount", "59.99".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DecisionCore<'p> {
    policy: &'p Policy,
    ruling: Ruling<'p>,
}

impl<'p> DecisionCore<'p> {
    /// The outcome of the deciding rule.
    pub fn outcome(&self) -> Outcome {
        self.ruling.rule.outcome
    }

    /// The `id` of the deciding rule (the `[default]`'s when no rule held).
    pub fn rule_id(&self) -> &'p str {
        &self.ruling.rule.id
    }

    /// The effects of the deciding rule, by name, in the policy's order.
    pub fn effects(&self) -> &[(&'p str, Value)] {
        &self.ruling.effects
    }

    /// The paths of the required values the request does not give.
    pub fn missing(&self) -> Vec<&str> {
        self.ruling
            .missing
            .iter()
            .map(|missing| missing.path_in(&self.policy.schema))
            .collect()
    }
}

/// Decides `request` against `policy` without building a trace, a reason
/// or an id: see [`DecisionCore`].
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// let decoded = ruling::Request::decode(&policy, br#"{"purchase": {}}"#)?;
/// let core = ruling::decide_without_trace(&policy, &decoded)?;
/// assert_eq!(core.outcome(), ruling::Outcome::NeedsInfo);
/// assert!(core.missing().contains(&"purchase.date"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_without_trace<'p>(
    policy: &'p Policy,
    request: &Request,
) -> Result<DecisionCore<'p>, DecideError> {
    Ok(DecisionCore {
        policy,
        ruling: ruling(policy, request)?,
    })
}

/// Which derived values a decision lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Listed {
    /// Those of `[derived]`: what the policy's owner chose to show.
    #[default]
    Derived,
    /// The `[helpers]` too, for looking into how a decision was computed.
    WithHelpers,
}

/// Decides `request` against `policy`. A pure function of the two: the
/// same request and policy file always give the same decision and id.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decoded = ruling::Request::decode(&policy, request.as_bytes())?;
/// let decision = ruling::decide(&policy, &decoded)?;
/// assert_eq!(decision.outcome, ruling::Outcome::Approve);
/// assert_eq!(decision, ruling::decide(&policy, &decoded)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(policy: &Policy, request: &Request) -> Result<Decision, DecideError> {
    decide_listing(policy, request, Listed::Derived)
}

/// Decides `request` against `policy`, listing the derived values `listed`.
pub(crate) fn decide_listing(
    policy: &Policy,
    request: &Request,
    listed: Listed,
) -> Result<Decision, DecideError> {
    // Room for a few entries per rule, so that the log seldom regrows.
    let mut log = TraceLog::with_capacity(policy.rules.len() * 8);
    decide_logged(policy, request, listed, &mut log).map(|decided| decided.into_decision(&mut log))
}

/// A decision as evaluated, its trace kept in a [`TraceLog`] and its parts
/// borrowed from the policy: a traced batch writes it straight out, and
/// [`decide`] builds the public [`Decision`] from it.
pub(crate) struct LoggedDecision<'a> {
    pub(crate) policy: &'a Policy,
    pub(crate) ruling: Ruling<'a>,
    pub(crate) id: DecisionId,
    pub(crate) reason: String,
    pub(crate) derived: Vec<(&'a str, Value)>,
    /// Every rule in the order tried, the default last.
    pub(crate) rules: Vec<LoggedRule<'a>>,
}

/// How one rule came out, its condition's trace in the decision's log.
pub(crate) struct LoggedRule<'a> {
    pub(crate) rule: &'a Rule,
    pub(crate) status: Status,
    pub(crate) condition: Option<Traced>,
}

/// Decides `request` against `policy` with a trace, recorded in `log`
/// (cleared first, so that a batch reuses one log line after line), listing
/// the derived values `listed`.
pub(crate) fn decide_logged<'p: 'a, 'a>(
    policy: &'p Policy,
    request: &'a Request,
    listed: Listed,
    log: &mut TraceLog<'p>,
) -> Result<LoggedDecision<'a>, DecideError> {
    let mut evaluator = Evaluator::new(policy, request);
    check_constraints(policy, &mut evaluator)?;
    log.clear();
    let mut rules = Vec::with_capacity(policy.rules.len() + 1);
    let mut deciding: Option<&Rule> = None;
    for rule in &policy.rules {
        let Some(condition) = rule.when.as_ref().filter(|_| deciding.is_none()) else {
            rules.push(LoggedRule::new(rule, Status::NotReached, None));
            continue;
        };
        let traced = evaluator.trace_into(condition, log)?;
        let status = match log.node(traced).value() {
            Some(Value::Bool(true)) => Status::Held,
            Some(Value::Bool(false)) => Status::NotHeld,
            _ => Status::Unknown,
        };
        if status == Status::Held {
            deciding = Some(rule);
        }
        rules.push(LoggedRule::new(rule, status, Some(traced)));
    }
    let default_status = if deciding.is_some() {
        Status::NotReached
    } else {
        Status::Applied
    };
    if !policy.default.implicit {
        rules.push(LoggedRule::new(&policy.default, default_status, None));
    }
    let rule = deciding.unwrap_or(&policy.default);
    if rule.implicit {
        return Err(DecideError::NoRule);
    }
    // The missing fields first, as the decision has always found them: an
    // error in finding them is reported before one in the reason.
    evaluator.missing()?;
    let reason = render_template(&rule.reason, &mut evaluator)?;
    let effects = effect_values(policy, rule, &mut evaluator)?;
    let missing = evaluator.take_missing()?;
    Ok(LoggedDecision {
        policy,
        ruling: Ruling {
            rule,
            effects,
            missing,
            warnings: request.warnings.clone(),
        },
        id: crate::decision::id::decision_id(policy, request),
        reason,
        derived: evaluator.computed(listed == Listed::WithHelpers),
        rules,
    })
}

impl<'a> LoggedRule<'a> {
    fn new(rule: &'a Rule, status: Status, condition: Option<Traced>) -> Self {
        Self {
            rule,
            status,
            condition,
        }
    }
}

impl LoggedDecision<'_> {
    /// The public decision, its trace built from `log`, where it was recorded.
    pub(crate) fn into_decision(self, log: &mut TraceLog) -> Decision {
        let Self {
            policy,
            ruling,
            id,
            reason,
            derived,
            rules,
        } = self;
        let rule = ruling.rule;
        Decision {
            format: crate::decision::DECISION_FORMAT,
            id: id.as_str().to_owned(),
            outcome: rule.outcome,
            reason,
            rule: RuleRef {
                id: rule.id.to_string(),
                clause: rule.clause.to_string(),
                section: rule.section,
                default: rule.when.is_none(),
            },
            effects: owned_names(ruling.effects),
            missing: ruling
                .missing
                .iter()
                .map(|missing| missing.path(&policy.schema))
                .collect(),
            warnings: ruling.warnings,
            derived: owned_names(derived),
            policy: PolicyRef {
                id: policy.meta.id.clone(),
                version: policy.meta.version.clone(),
                title: policy.meta.title.clone(),
                sha256: policy.sha256().to_owned(),
                selected: None,
            },
            trace: rules
                .iter()
                .map(|logged| RuleTrace {
                    rule: logged.rule.id.clone(),
                    clause: logged.rule.clause.clone(),
                    outcome: logged.rule.outcome,
                    status: logged.status,
                    condition: logged.condition.map(|traced| log.take_tree(traced)),
                })
                .collect(),
        }
    }
}

fn owned_names(named: Vec<(&str, Value)>) -> Vec<(String, Value)> {
    named
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

fn check_constraints(policy: &Policy, evaluator: &mut Evaluator) -> Result<(), DecideError> {
    let mut broken = Vec::new();
    for constraint in &policy.constraints {
        if evaluator.truth(&constraint.must)? == Some(false) {
            broken.push(BrokenConstraint {
                id: constraint.id.clone(),
                message: constraint.message.clone(),
                condition: evaluator.trace(&constraint.must)?,
            });
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(DecideError::Constraints(broken))
    }
}

/// The outcome's shared effects, then the rule's own, which win on a clash.
fn effect_list<'p>(policy: &'p Policy, rule: &'p Rule) -> impl Iterator<Item = &'p Effect> {
    let shared = policy
        .outcome_effects
        .iter()
        .filter(move |(outcome, _)| *outcome == rule.outcome)
        .flat_map(|(_, effects)| effects)
        .filter(move |effect| !rule.effects.iter().any(|own| own.name == effect.name));
    shared.chain(&rule.effects)
}

/// The values of `rule`'s effects ([`effect_list`]), by name.
fn effect_values<'p>(
    policy: &'p Policy,
    rule: &'p Rule,
    evaluator: &mut Evaluator,
) -> Result<Vec<(&'p str, Value)>, EvalError> {
    let mut effects = Vec::with_capacity(effect_list(policy, rule).count());
    for effect in effect_list(policy, rule) {
        effects.push((effect.name.as_str(), evaluator.eval(&effect.value)?));
    }
    Ok(effects)
}

fn render_template(template: &Template, evaluator: &mut Evaluator) -> Result<String, EvalError> {
    let mut text = String::with_capacity(template_capacity(template));
    for part in &template.parts {
        match part {
            TemplatePart::Text(literal) => text.push_str(literal),
            TemplatePart::Value(expr) => match evaluator.eval(expr)? {
                Value::List(items) => {
                    for (index, item) in items.iter().enumerate() {
                        if index > 0 {
                            text.push_str(", ");
                        }
                        let _ = write!(text, "{item}");
                    }
                }
                Value::String(shown) => text.push_str(&shown),
                value => {
                    let _ = write!(text, "{value}");
                }
            },
        }
    }
    Ok(text)
}

/// Room for a template's text: its literal parts, and some for each value,
/// so that rendering seldom grows the string.
fn template_capacity(template: &Template) -> usize {
    template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(literal) => literal.len(),
            TemplatePart::Value(_) => 16,
        })
        .sum()
}

/// Why a JSON request could not be decided: it does not fit the policy,
/// or it fits and still cannot be decided.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// match ruling::decide_json(&policy, br#"{"purchase": {"amount": true}}"#) {
///     Err(failure @ ruling::RequestFailure::Invalid(_)) => {
///         println!("{}", ruling::request_error_text(&failure, &policy, "request.json", b"{}"));
///     }
///     Err(ruling::RequestFailure::Undecidable(error)) => println!("{error}"),
///     Ok(decision) => println!("{}", decision.outcome),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
pub enum RequestFailure {
    /// The request does not fit the policy's fields.
    #[error(transparent)]
    Invalid(#[from] crate::request::RequestError),
    /// The request fits but breaks a constraint, or a value cannot be computed.
    #[error(transparent)]
    Undecidable(#[from] DecideError),
}

impl Request {
    /// Decodes a JSON request against the fields `policy` declares, within
    /// the default [`crate::limits::RequestLimits`]; [`decide`] then decides
    /// it. Every problem is reported, not only the first.
    ///
    /// ```
    /// let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
    /// let request = ruling::Request::decode(&policy, br#"{"purchase": {"amount": "9.99"}}"#)?;
    /// let decision = ruling::decide(&policy, &request)?;
    /// assert!(!decision.missing.is_empty());
    ///
    /// let wrong = ruling::Request::decode(&policy, br#"{"purchase": {"amount": true}}"#);
    /// assert_eq!(wrong.unwrap_err().problems[0].path, "purchase.amount");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode(policy: &Policy, json: &[u8]) -> Result<Request, crate::request::RequestError> {
        crate::request::decode(&policy.schema, policy.meta.timezone, json)
    }
}

/// Decodes a JSON request and decides it, within the default
/// [`crate::limits::RequestLimits`]: [`Request::decode`], then [`decide`].
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let decision = ruling::decide_json(&policy, request.as_bytes())?;
/// assert_eq!(decision.outcome, ruling::Outcome::Approve);
/// assert_eq!(decision.rule.id, "within-window-support-contacted");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_json(policy: &Policy, json: &[u8]) -> Result<Decision, RequestFailure> {
    decide_json_with(policy, json, crate::limits::RequestLimits::default())
}

/// Decodes a JSON request within `limits` and decides it.
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let strict = ruling::limits::RequestLimits { strict: true, ..Default::default() };
/// let misspelled = br#"{"purchase": {"amount": "9.99"}, "retrun": {}}"#;
/// assert!(ruling::decide_json(&policy, misspelled).is_ok());
/// assert!(ruling::decide_json_with(&policy, misspelled, strict).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_json_with(
    policy: &Policy,
    json: &[u8],
    limits: crate::limits::RequestLimits,
) -> Result<Decision, RequestFailure> {
    decide_json_listing(policy, json, limits, Listed::Derived)
}

/// Decodes a JSON request within `limits` and decides it, listing the
/// derived values `listed`.
pub(crate) fn decide_json_listing(
    policy: &Policy,
    json: &[u8],
    limits: crate::limits::RequestLimits,
    listed: Listed,
) -> Result<Decision, RequestFailure> {
    let request = crate::request::decode_with(&policy.schema, policy.meta.timezone, json, limits)?;
    Ok(decide_listing(policy, &request, listed)?)
}
