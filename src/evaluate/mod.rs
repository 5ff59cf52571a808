//! The evaluator: computes checked expressions over a decoded request, with
//! three-valued logic for values the request does not give.

use std::cell::Cell;
use std::cmp::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, TimeDelta, Timelike};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::language::compiled::{Arithmetic, Checked, Comparison, Function, Node, Setting};
use crate::language::value::{Value, scale_of, unsigned_zero, with_scale};
use crate::language::weekday::weekday_name;
use crate::language::zone::Zone;
use crate::policy::Policy;
use crate::policy::calendar::Calendar;
use crate::request::Request;

/// An expression that could not be computed for this request: an overflow,
/// a division by zero. It points at the expression in the policy file.
/// Boxed, so that the `Result` every evaluation step returns stays the size
/// of a value; its fields read through `Deref`.
///
/// ```
/// let text = "format = 1\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\n\n\
///     [[field]]\npath = \"n\"\ntype = \"integer\"\ndescription = \"N\"\n\n\
///     [[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = \"10 / n > 1\"\n\
///     outcome = \"approve\"\nreason = \"Yes.\"\n\n\
///     [default]\nid = \"d\"\nclause = \"§2\"\noutcome = \"deny\"\nreason = \"No.\"\n";
/// let policy = ruling::load(ruling::SourceFile::new("p.toml", text))?;
/// let Err(ruling::RequestFailure::Undecidable(ruling::DecideError::Evaluation(error))) =
///     ruling::decide_json(&policy, br#"{"n": 0}"#)
/// else {
///     panic!("dividing by zero is an error");
/// };
/// assert!(error.message.contains("zero"));
/// let diagnostic = error.to_diagnostic();
/// assert_eq!(&text[diagnostic.range()], "10 / n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", .0.message)]
pub struct EvalError(Box<EvalFailure>);

/// What an [`EvalError`] holds: its message, and where in the policy file
/// ([`EvalError::to_diagnostic`]).
///
/// ```
/// # let policy = ruling::read_policy("policies/iptv-smarters-pro/2025-01-22.toml".as_ref())?;
/// # let case: serde_json::Value = serde_json::from_slice(&std::fs::read(
/// #     "policies/iptv-smarters-pro/cases/approve-within-window.json")?)?;
/// # let request = case["request"].to_string();
/// let request = ruling::Request::decode(&policy, request.as_bytes())?;
/// if let Err(ruling::DecideError::Evaluation(error)) = ruling::decide(&policy, &request) {
///     let failure: &ruling::EvalFailure = &error;
///     println!("{}", failure.message);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct EvalFailure {
    /// What could not be computed: `the result overflows`, `division by zero`.
    pub message: String,
    pub(crate) span: Span,
}

impl std::ops::Deref for EvalError {
    type Target = EvalFailure;

    fn deref(&self) -> &EvalFailure {
        &self.0
    }
}

impl EvalError {
    fn new(message: impl Into<String>, expr: &Checked) -> Self {
        Self(Box::new(EvalFailure {
            message: message.into(),
            span: expr.span,
        }))
    }

    /// The error as a [`Diagnostic`] pointing at the expression in the
    /// policy file, to render with [`render_diagnostics`](crate::render_diagnostics)
    /// against [`Policy::file`](crate::Policy::file).
    ///
    /// ```
    /// let text = "format = 1\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\n\n\
    ///     [[field]]\npath = \"n\"\ntype = \"integer\"\ndescription = \"N\"\n\n\
    ///     [[rule]]\nid = \"r\"\nclause = \"§1\"\nsection = \"eligibility\"\nwhen = \"n * n > 1\"\n\
    ///     outcome = \"approve\"\nreason = \"Yes.\"\n\n\
    ///     [default]\nid = \"d\"\nclause = \"§2\"\noutcome = \"deny\"\nreason = \"No.\"\n";
    /// let policy = ruling::load(ruling::SourceFile::new("p.toml", text))?;
    /// if let Err(ruling::RequestFailure::Undecidable(ruling::DecideError::Evaluation(error))) =
    ///     ruling::decide_json(&policy, br#"{"n": 5000000000}"#)
    /// {
    ///     let shown = ruling::render_diagnostics(&[error.to_diagnostic()], policy.file(), false, 80);
    ///     assert!(shown.contains("n * n"));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::new("evaluation", self.message.clone(), self.span)
            .with_label("while computing this")
            .with_help("the request's values are outside what this expression can compute")
    }
}

mod aggregate;
mod missing;
mod trace;

pub(crate) use missing::Missing;
pub(crate) use trace::{LoggedNode, TraceLog, Traced};
pub use trace::{Operand, TraceNode};

type Result<T> = std::result::Result<T, EvalError>;

/// The value of a missing argument or field, to borrow.
static ABSENT: Value = Value::Absent;

/// Evaluates expressions of one policy over one request, computing derived
/// values at most once and only when used.
pub(crate) struct Evaluator<'a> {
    policy: &'a Policy,
    request: &'a Request,
    derived: Vec<Option<Value>>,
    missing: Option<Vec<Missing>>,
    /// The items bound by the aggregates being evaluated, outermost first.
    locals: Vec<Value>,
    /// How many list items aggregates have visited, against
    /// `MAX_ITEMS_VISITED`.
    items_visited: usize,
}

thread_local! {
    /// The derived-value slots of the last evaluator this thread dropped:
    /// a batch decides line after line, and reusing them saves an
    /// allocation per decision.
    static SPARE_DERIVED_SLOTS: Cell<Vec<Option<Value>>> = const { Cell::new(Vec::new()) };
}

impl Drop for Evaluator<'_> {
    fn drop(&mut self) {
        let mut slots = std::mem::take(&mut self.derived);
        slots.clear();
        SPARE_DERIVED_SLOTS.set(slots);
    }
}

impl<'a> Evaluator<'a> {
    pub(crate) fn new(policy: &'a Policy, request: &'a Request) -> Self {
        let mut derived = SPARE_DERIVED_SLOTS.take();
        derived.resize(policy.derived.len(), None);
        Self {
            policy,
            request,
            derived,
            missing: None,
            locals: Vec::new(),
            items_visited: 0,
        }
    }

    /// The required values the request does not give, in declared order.
    pub(crate) fn missing(&mut self) -> Result<&[Missing]> {
        if self.missing.is_none() {
            self.missing = Some(self.find_missing()?);
        }
        Ok(self.missing.as_deref().unwrap_or_default())
    }

    /// The required values the request does not give, taken out of the
    /// evaluator: the last use of them.
    pub(crate) fn take_missing(&mut self) -> Result<Vec<Missing>> {
        match self.missing.take() {
            Some(missing) => Ok(missing),
            None => self.find_missing(),
        }
    }

    /// The request being evaluated.
    pub(crate) fn request(&self) -> &'a Request {
        self.request
    }

    /// The derived values computed so far, in declared order; the
    /// `[helpers]` among them only when `helpers` is set.
    pub(crate) fn computed(&self, helpers: bool) -> Vec<(&'a str, Value)> {
        self.policy
            .derived
            .iter()
            .zip(&self.derived)
            .filter(|(derived, _)| helpers || !derived.helper)
            .filter_map(|(derived, value)| Some((derived.name.as_str(), value.clone()?)))
            .collect()
    }

    fn field(&self, slot: usize) -> Value {
        self.request
            .values
            .get(slot)
            .cloned()
            .unwrap_or(Value::Absent)
    }

    fn missing_paths(&mut self) -> Result<Value> {
        let schema = &self.policy.schema;
        let paths: Vec<Value> = self
            .missing()?
            .iter()
            .map(|missing| Value::string(&missing.path(schema)))
            .collect();
        Ok(Value::List(Arc::from(paths)))
    }

    fn local(&self, binding: usize, member: Option<usize>) -> Value {
        let Some(bound) = self.locals.get(binding) else {
            return Value::Absent;
        };
        match (member, bound) {
            (None, value) => value.clone(),
            (Some(slot), Value::Record(item)) => item.member(slot).clone(),
            (Some(_), _) => Value::Absent,
        }
    }

    /// The value of `expr`. Its less common arms (lists, calls, arithmetic,
    /// aggregates) are functions of their own, never inlined, so that this
    /// function, which recurses at every node, keeps a small stack frame.
    pub(crate) fn eval(&mut self, expr: &Checked) -> Result<Value> {
        if let Some(value) = &expr.folded {
            return Ok(value.clone());
        }
        match &expr.node {
            Node::Constant(value) => Ok(value.clone()),
            Node::Field(slot) => Ok(self.field(*slot)),
            Node::Derived(index) => self.derived_value(*index),
            Node::Not(_) | Node::And(..) | Node::Or(..) | Node::Compare(..) | Node::In { .. } => {
                Ok(truth_value(self.truth(expr)?))
            }
            Node::Negate(inner) => negate(self.eval(inner)?, expr),
            Node::Arithmetic(op, left, right) => {
                let (left, right) = (self.eval(left)?, self.eval(right)?);
                arithmetic(*op, left, right, expr)
            }
            Node::List(items) => self.list(items, expr),
            Node::Call(function, args) => self.call(*function, args, expr),
            Node::If {
                condition,
                then,
                otherwise,
            } => match self.truth(condition)? {
                Some(true) => Ok(self.eval(then)?.fitted_to(&expr.ty)),
                Some(false) => Ok(self.eval(otherwise)?.fitted_to(&expr.ty)),
                None => Ok(Value::Absent),
            },
            Node::Local { binding, member } => Ok(self.local(*binding, *member)),
            Node::Aggregate(aggregate) => self.aggregate(aggregate, expr),
        }
    }

    #[inline(never)]
    fn list(&mut self, items: &[Checked], expr: &Checked) -> Result<Value> {
        let values = items
            .iter()
            .map(|item| self.eval(item))
            .collect::<Result<Vec<_>>>()?;
        Ok(Value::List(Arc::from(values)).fitted_to(&expr.ty))
    }

    /// The value of `expr`: borrowed when [`Self::borrowed`] finds it, so
    /// that comparing it copies nothing; else computed into `slot`. A plain
    /// reference, not a `Cow`: moving a `Result<Cow<Value>>` through `?`
    /// costs a stalled store on every node.
    fn value_in<'e>(&mut self, expr: &'e Checked, slot: &'e mut Value) -> Result<&'e Value>
    where
        'a: 'e,
    {
        if let Some(value) = self.borrowed(expr) {
            return Ok(value);
        }
        *slot = self.eval(expr)?;
        Ok(slot)
    }

    /// The value of `expr` when it is already in the policy or the request:
    /// a constant, a field, or `trim`, `lower` or `upper` of such a value
    /// that they leave as it is (`lower(trim(email))` of an address written
    /// in lower case without spaces); `None` when it must be computed.
    fn borrowed<'e>(&self, expr: &'e Checked) -> Option<&'e Value>
    where
        'a: 'e,
    {
        if let Some(value) = &expr.folded {
            return Some(value);
        }
        match &expr.node {
            Node::Constant(value) => Some(value),
            Node::Field(slot) => {
                let request: &'a Request = self.request;
                Some(request.values.get(*slot).unwrap_or(&ABSENT))
            }
            Node::Call(function, args) => {
                let [arg] = args.as_slice() else {
                    return None;
                };
                let value = self.borrowed(arg)?;
                leaves_unchanged(*function, value).then_some(value)
            }
            _ => None,
        }
    }

    fn derived_value(&mut self, index: usize) -> Result<Value> {
        if let Some(Some(value)) = self.derived.get(index) {
            return Ok(value.clone());
        }
        let policy = self.policy;
        let Some(derived) = policy.derived.get(index) else {
            return Ok(Value::Absent);
        };
        let value = self.eval(&derived.value)?;
        if let Some(slot) = self.derived.get_mut(index) {
            *slot = Some(value.clone());
        }
        Ok(value)
    }

    /// The value of a condition, `None` when it is unknown. Conditions are
    /// evaluated as `Option<bool>`, which travels in registers, rather than
    /// as a [`Value`], which is written to memory and read back at every
    /// node.
    pub(crate) fn truth(&mut self, expr: &Checked) -> Result<Option<bool>> {
        if let Some(value) = &expr.folded {
            return Ok(truth_of(value));
        }
        match &expr.node {
            Node::Not(inner) => Ok(self.truth(inner)?.map(|holds| !holds)),
            Node::And(left, right) => self.and(left, right),
            Node::Or(left, right) => self.or(left, right),
            Node::Compare(op, left, right) => {
                let (mut left_slot, mut right_slot) = (Value::Absent, Value::Absent);
                let left = self.value_in(left, &mut left_slot)?;
                let right = self.value_in(right, &mut right_slot)?;
                Ok(compare(*op, left, right))
            }
            Node::In {
                value,
                list,
                negated,
            } => {
                let (mut value_slot, mut list_slot) = (Value::Absent, Value::Absent);
                let value = self.value_in(value, &mut value_slot)?;
                let list = self.value_in(list, &mut list_slot)?;
                Ok(membership(value, list, *negated))
            }
            Node::Constant(value) => Ok(truth_of(value)),
            Node::Field(slot) => Ok(self.request.values.get(*slot).and_then(truth_of)),
            _ => Ok(truth_of(&self.eval(expr)?)),
        }
    }

    fn and(&mut self, left: &Checked, right: &Checked) -> Result<Option<bool>> {
        let left = self.truth(left)?;
        if left == Some(false) {
            return Ok(left);
        }
        Ok(both(left, self.truth(right)?))
    }

    fn or(&mut self, left: &Checked, right: &Checked) -> Result<Option<bool>> {
        let left = self.truth(left)?;
        if left == Some(true) {
            return Ok(left);
        }
        Ok(either(left, self.truth(right)?))
    }

    #[inline(never)]
    fn call(&mut self, function: Function, args: &[Checked], expr: &Checked) -> Result<Value> {
        match function {
            Function::AnyMissing => return Ok(Value::Bool(!self.missing()?.is_empty())),
            Function::MissingFields => return self.missing_paths(),
            _ if function.setting().is_some() => {
                return self.call_with_setting(function, args, expr);
            }
            _ => {}
        }
        // Functions take at most two arguments: evaluate them without a Vec,
        // borrowing fields and constants.
        let mut slots = [Value::Absent, Value::Absent];
        let (first, second) = self.arguments(args, &mut slots)?;
        match function {
            Function::Present => return Ok(Value::Bool(is_given(first))),
            Function::Blank => return Ok(Value::Bool(!is_given(first))),
            _ => {}
        }
        let given = [first, second];
        if given
            .get(..args.len())
            .unwrap_or_default()
            .iter()
            .any(|value| value.is_absent())
        {
            return Ok(Value::Absent);
        }
        let timezone = self.policy.meta.timezone;
        call_on_values(function, first, second, timezone, expr)
    }

    /// The first two of `args`, absent where not given, each borrowed or
    /// computed into its slot as [`Self::value_in`] does.
    fn arguments<'e>(
        &mut self,
        args: &'e [Checked],
        slots: &'e mut [Value; 2],
    ) -> Result<(&'e Value, &'e Value)>
    where
        'a: 'e,
    {
        let [first_slot, second_slot] = slots;
        let first = match args.first() {
            Some(arg) => self.value_in(arg, first_slot)?,
            None => &ABSENT,
        };
        let second = match args.get(1) {
            Some(arg) => self.value_in(arg, second_slot)?,
            None => &ABSENT,
        };
        Ok((first, second))
    }

    /// Calls a function whose last argument names a setting (a time zone
    /// or a calendar), a text the checker made sure of; the other arguments,
    /// at most two, are values.
    fn call_with_setting(
        &mut self,
        function: Function,
        args: &[Checked],
        expr: &Checked,
    ) -> Result<Value> {
        let Some((Some(Value::String(name)), values)) = args
            .split_last()
            .map(|(setting, values)| (setting.constant(), values))
        else {
            return Ok(Value::Absent);
        };
        let mut slots = [Value::Absent, Value::Absent];
        let (first, second) = self.arguments(values, &mut slots)?;
        if first.is_absent() || (values.len() > 1 && second.is_absent()) {
            return Ok(Value::Absent);
        }
        let policy = self.policy;
        match function.setting() {
            Some(Setting::Zone) => {
                Ok(Zone::parse(name).map_or(Value::Absent, |zone| in_zone(function, first, zone)))
            }
            Some(Setting::Calendar) => match policy.calendar(name) {
                Some(calendar) => {
                    let timezone = policy.meta.timezone;
                    business_days(function, first, second, calendar, timezone, expr)
                }
                None => Ok(Value::Absent),
            },
            None => Ok(Value::Absent),
        }
    }
}

/// Given: known, and not a blank text.
fn is_given(value: &Value) -> bool {
    match value {
        Value::Absent => false,
        Value::String(text) => !text.trim().is_empty(),
        _ => true,
    }
}

pub(crate) fn negate(value: Value, expr: &Checked) -> Result<Value> {
    value
        .negated()
        .ok_or_else(|| EvalError::new(format!("`{}` is too large to negate", expr.text), expr))
}

/// `left and right` in three-valued logic: false when either is false,
/// unknown when neither is and one is unknown.
fn both(left: Option<bool>, right: Option<bool>) -> Option<bool> {
    match (left, right) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// `left or right` in three-valued logic: true when either is true,
/// unknown when neither is and one is unknown.
fn either(left: Option<bool>, right: Option<bool>) -> Option<bool> {
    both(left.map(|holds| !holds), right.map(|holds| !holds)).map(|holds| !holds)
}

/// A boolean value as a truth, `None` for unknown (or, never after
/// checking, a value of another type).
fn truth_of(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(holds) => Some(*holds),
        _ => None,
    }
}

fn truth_value(truth: Option<bool>) -> Value {
    truth.map_or(Value::Absent, Value::Bool)
}

fn compare(op: Comparison, left: &Value, right: &Value) -> Option<bool> {
    if left.is_absent() || right.is_absent() {
        return None;
    }
    // Texts of different lengths differ: no need to order them byte by byte.
    if let (Value::String(a), Value::String(b), Comparison::Eq | Comparison::NotEq) =
        (left, right, op)
    {
        return Some((a == b) == (op == Comparison::Eq));
    }
    let order = left.compare(right)?;
    Some(match op {
        Comparison::Eq => order == Ordering::Equal,
        Comparison::NotEq => order != Ordering::Equal,
        Comparison::Less => order == Ordering::Less,
        Comparison::LessEq => order != Ordering::Greater,
        Comparison::Greater => order == Ordering::Greater,
        Comparison::GreaterEq => order != Ordering::Less,
    })
}

fn membership(value: &Value, list: &Value, negated: bool) -> Option<bool> {
    let (Value::List(items), false) = (list, value.is_absent()) else {
        return None;
    };
    let found = items
        .iter()
        .any(|item| item.compare(value) == Some(Ordering::Equal));
    if !found && items.iter().any(Value::is_absent) {
        return None;
    }
    Some(found != negated)
}

#[inline(never)]
fn arithmetic(op: Arithmetic, left: Value, right: Value, expr: &Checked) -> Result<Value> {
    use Value::{Date, DateTime, Decimal as Dec, Duration, Integer};
    let overflow = || EvalError::new(format!("`{}` overflows", expr.text), expr);
    Ok(match (op, left, right) {
        (_, Value::Absent, _) | (_, _, Value::Absent) => Value::Absent,
        (Arithmetic::Div, a, b) => divide(&a, &b, expr)?,
        (Arithmetic::Add, Integer(a), Integer(b)) => {
            Integer(a.checked_add(b).ok_or_else(overflow)?)
        }
        (Arithmetic::Sub, Integer(a), Integer(b)) => {
            Integer(a.checked_sub(b).ok_or_else(overflow)?)
        }
        (Arithmetic::Mul, Integer(a), Integer(b)) => {
            Integer(a.checked_mul(b).ok_or_else(overflow)?)
        }
        (Arithmetic::Rem, Integer(_), Integer(0)) => return Err(division_by_zero(expr)),
        (Arithmetic::Rem, Integer(a), Integer(b)) => {
            Integer(a.checked_rem_euclid(b).ok_or_else(overflow)?)
        }
        (Arithmetic::Sub, Date(a), Date(b)) => {
            Duration(TimeDelta::days(a.signed_duration_since(b).num_days()))
        }
        (Arithmetic::Sub, DateTime(a), DateTime(b)) => Duration(a.signed_duration_since(b)),
        (op, Date(date), Duration(d)) | (op @ Arithmetic::Add, Duration(d), Date(date)) => {
            Date(shift_date(date, op, d, expr)?)
        }
        (op, DateTime(t), Duration(d)) | (op @ Arithmetic::Add, Duration(d), DateTime(t)) => {
            let moved = if op == Arithmetic::Sub {
                t.checked_sub_signed(d)
            } else {
                t.checked_add_signed(d)
            };
            DateTime(moved.ok_or_else(overflow)?)
        }
        (Arithmetic::Add, Duration(a), Duration(b)) => {
            Duration(a.checked_add(&b).ok_or_else(overflow)?)
        }
        (Arithmetic::Sub, Duration(a), Duration(b)) => {
            Duration(a.checked_sub(&b).ok_or_else(overflow)?)
        }
        (Arithmetic::Mul, Duration(d), Integer(n)) | (Arithmetic::Mul, Integer(n), Duration(d)) => {
            let factor = i32::try_from(n).map_err(|_| overflow())?;
            Duration(d.checked_mul(factor).ok_or_else(overflow)?)
        }
        (Arithmetic::Add, Value::String(a), Value::String(b)) => {
            Value::String(Arc::from(format!("{a}{b}")))
        }
        (op, a, b) => {
            let (Some(x), Some(y)) = (a.as_decimal(), b.as_decimal()) else {
                return Ok(Value::Absent);
            };
            let (result, scale) = match op {
                Arithmetic::Add => (x.checked_add(y), scale_of(&a).max(scale_of(&b))),
                Arithmetic::Sub => (x.checked_sub(y), scale_of(&a).max(scale_of(&b))),
                Arithmetic::Mul => (x.checked_mul(y), scale_of(&a) + scale_of(&b)),
                Arithmetic::Div | Arithmetic::Rem => return Ok(Value::Absent),
            };
            Dec(with_scale(result.ok_or_else(overflow)?, scale))
        }
    })
}

fn division_by_zero(expr: &Checked) -> EvalError {
    EvalError::new(format!("`{}` divides by zero", expr.text), expr)
}

fn divide(a: &Value, b: &Value, expr: &Checked) -> Result<Value> {
    let (Some(a), Some(b)) = (a.as_decimal(), b.as_decimal()) else {
        return Ok(Value::Absent);
    };
    if b.is_zero() {
        return Err(division_by_zero(expr));
    }
    a.checked_div(b)
        .map(|quotient| Value::Decimal(unsigned_zero(quotient.normalize())))
        .ok_or_else(|| EvalError::new(format!("`{}` overflows", expr.text), expr))
}

fn shift_date(
    date: NaiveDate,
    op: Arithmetic,
    duration: TimeDelta,
    expr: &Checked,
) -> Result<NaiveDate> {
    if duration.num_seconds() % 86_400 != 0 || duration.subsec_nanos() != 0 {
        return Err(EvalError::new(
            format!(
                "`{}` moves a date by a part of a day; dates move by whole days",
                expr.text
            ),
            expr,
        ));
    }
    let days = if op == Arithmetic::Sub {
        -duration.num_days()
    } else {
        duration.num_days()
    };
    date.checked_add_signed(TimeDelta::days(days))
        .ok_or_else(|| EvalError::new(format!("`{}` leaves the calendar", expr.text), expr))
}

fn call_on_values(
    function: Function,
    first: &Value,
    second: &Value,
    timezone: Zone,
    expr: &Checked,
) -> Result<Value> {
    Ok(match function {
        Function::DaysBetween => match (
            calendar_date(first, timezone),
            calendar_date(second, timezone),
        ) {
            (Some(from), Some(to)) => Value::Integer(to.signed_duration_since(from).num_days()),
            _ => Value::Absent,
        },
        Function::MonthsBetween => match (
            calendar_date(first, timezone),
            calendar_date(second, timezone),
        ) {
            (Some(from), Some(to)) => {
                Value::Integer(months_between(from, to).ok_or_else(|| {
                    EvalError::new(format!("`{}` leaves the calendar", expr.text), expr)
                })?)
            }
            _ => Value::Absent,
        },
        Function::HoursBetween => match (instant(first, timezone), instant(second, timezone)) {
            (Some(from), Some(to)) => {
                Value::Decimal(seconds_in(to.signed_duration_since(from), 3_600))
            }
            _ => Value::Absent,
        },
        Function::Date => calendar_date(first, timezone).map_or(Value::Absent, Value::Date),
        Function::Lower | Function::Upper | Function::Trim if leaves_unchanged(function, first) => {
            first.clone()
        }
        Function::Lower => map_text(first, str::to_lowercase),
        Function::Upper => map_text(first, str::to_uppercase),
        Function::Trim => map_text(first, |text| text.trim().to_owned()),
        Function::Length => match first {
            Value::String(text) => {
                Value::Integer(i64::try_from(text.chars().count()).unwrap_or(i64::MAX))
            }
            Value::List(items) => Value::Integer(i64::try_from(items.len()).unwrap_or(i64::MAX)),
            _ => Value::Absent,
        },
        Function::Contains => match (first, second) {
            (Value::String(text), Value::String(part)) => Value::Bool(text.contains(&**part)),
            (Value::List(_), item) => truth_value(membership(item, first, false)),
            _ => Value::Absent,
        },
        Function::ContainsAny => match (first, second) {
            (Value::List(_), Value::List(wanted)) => {
                let found = wanted
                    .iter()
                    .map(|item| membership(item, first, false))
                    .collect::<Vec<_>>();
                if found.contains(&Some(true)) {
                    Value::Bool(true)
                } else if found.contains(&None) {
                    Value::Absent
                } else {
                    Value::Bool(false)
                }
            }
            _ => Value::Absent,
        },
        Function::StartsWith => text_test(first, second, |text, part| text.starts_with(part)),
        Function::EndsWith => text_test(first, second, |text, part| text.ends_with(part)),
        Function::Min => extremum(first, second, Ordering::Less),
        Function::Max => extremum(first, second, Ordering::Greater),
        Function::Abs => match first {
            Value::Integer(n) => Value::Integer(
                n.checked_abs()
                    .ok_or_else(|| EvalError::new(format!("`{}` overflows", expr.text), expr))?,
            ),
            Value::Decimal(d) => Value::Decimal(d.abs()),
            Value::Duration(d) => Value::Duration(d.abs()),
            _ => Value::Absent,
        },
        Function::Round => round(first, second, expr)?,
        Function::Floor => whole(first, Decimal::floor, expr)?,
        Function::Ceil => whole(first, Decimal::ceil, expr)?,
        Function::Days => duration_in(first, 86_400),
        Function::Hours => duration_in(first, 3_600),
        Function::Weekday => calendar_date(first, timezone).map_or(Value::Absent, |date| {
            Value::string(weekday_name(date.weekday()))
        }),
        Function::Present
        | Function::Blank
        | Function::AnyMissing
        | Function::MissingFields
        | Function::LocalDate
        | Function::LocalTime
        | Function::IsBusinessDay
        | Function::AddBusinessDays
        | Function::BusinessDaysBetween => Value::Absent,
    })
}

/// `is_business_day`, `add_business_days` and `business_days_between` in
/// `calendar`; datetimes count as their date in the policy's time zone.
fn business_days(
    function: Function,
    first: &Value,
    second: &Value,
    calendar: &Calendar,
    timezone: Zone,
    expr: &Checked,
) -> Result<Value> {
    let Some(date) = calendar_date(first, timezone) else {
        return Ok(Value::Absent);
    };
    Ok(match (function, second) {
        (Function::IsBusinessDay, _) => Value::Bool(calendar.is_business_day(date)),
        (Function::AddBusinessDays, Value::Integer(count)) => {
            Value::Date(calendar.add_business_days(date, *count).ok_or_else(|| {
                EvalError::new(format!("`{}` leaves the calendar", expr.text), expr)
            })?)
        }
        (Function::BusinessDaysBetween, to) => match calendar_date(to, timezone) {
            Some(to) => Value::Integer(calendar.business_days_between(date, to)),
            None => Value::Absent,
        },
        _ => Value::Absent,
    })
}

/// `local_date` and `local_time`: what a clock in `zone` shows at an instant.
fn in_zone(function: Function, value: &Value, zone: Zone) -> Value {
    let Value::DateTime(time) = value else {
        return Value::Absent;
    };
    match function {
        Function::LocalDate => Value::Date(zone.date_of(time)),
        Function::LocalTime => {
            let clock = zone.time_of(time);
            Value::Duration(
                TimeDelta::seconds(i64::from(clock.num_seconds_from_midnight()))
                    + TimeDelta::nanoseconds(i64::from(clock.nanosecond())),
            )
        }
        _ => Value::Absent,
    }
}

fn calendar_date(value: &Value, timezone: Zone) -> Option<NaiveDate> {
    match value {
        Value::Date(date) => Some(*date),
        Value::DateTime(time) => Some(timezone.date_of(time)),
        _ => None,
    }
}

/// A datetime, or the first instant of a date in the policy's time zone.
fn instant(value: &Value, timezone: Zone) -> Option<DateTime<FixedOffset>> {
    match value {
        Value::DateTime(time) => Some(*time),
        Value::Date(date) => timezone.start_of_day(*date),
        _ => None,
    }
}

fn seconds_in(duration: TimeDelta, unit: i64) -> Decimal {
    let millis = Decimal::from(duration.num_milliseconds());
    (millis / Decimal::from(unit.saturating_mul(1_000))).normalize()
}

fn duration_in(value: &Value, unit: i64) -> Value {
    match value {
        Value::Duration(duration) => Value::Decimal(seconds_in(*duration, unit)),
        _ => Value::Absent,
    }
}

/// Whether the text function `function` returns `value` as it is: then it
/// is returned without allocating. Unknown stays unknown.
fn leaves_unchanged(function: Function, value: &Value) -> bool {
    let Value::String(text) = value else {
        return value.is_absent()
            && matches!(function, Function::Lower | Function::Upper | Function::Trim);
    };
    // Folds without an early exit test many bytes per instruction.
    let ascii_without = |range: std::ops::RangeInclusive<u8>| {
        let (wide, found) = text.bytes().fold((false, false), |(wide, found), byte| {
            (wide | !byte.is_ascii(), found | range.contains(&byte))
        });
        (!wide).then_some(!found)
    };
    match function {
        Function::Lower => {
            ascii_without(b'A'..=b'Z').unwrap_or_else(|| !text.chars().any(char::is_uppercase))
        }
        Function::Upper => {
            ascii_without(b'a'..=b'z').unwrap_or_else(|| !text.chars().any(char::is_lowercase))
        }
        Function::Trim => {
            !text.starts_with(char::is_whitespace) && !text.ends_with(char::is_whitespace)
        }
        _ => false,
    }
}

fn map_text(value: &Value, map: impl Fn(&str) -> String) -> Value {
    match value {
        Value::String(text) => Value::String(Arc::from(map(text))),
        _ => Value::Absent,
    }
}

fn text_test(text: &Value, part: &Value, test: impl Fn(&str, &str) -> bool) -> Value {
    match (text, part) {
        (Value::String(text), Value::String(part)) => Value::Bool(test(text, part)),
        _ => Value::Absent,
    }
}

/// The smaller or larger of two values. A decimal result has the larger
/// scale of the two, as `+` does: `max(0, x)` is `0.00` or `x` for an
/// amount `x`, never the integer `0`.
fn extremum(a: &Value, b: &Value, keep: Ordering) -> Value {
    let Some(order) = a.compare(b) else {
        return Value::Absent;
    };
    let chosen = if order == keep { a } else { b };
    match (a, b) {
        (Value::Integer(_) | Value::Decimal(_), Value::Decimal(_))
        | (Value::Decimal(_), Value::Integer(_)) => {
            chosen.as_decimal().map_or(Value::Absent, |value| {
                Value::Decimal(with_scale(value, scale_of(a).max(scale_of(b))))
            })
        }
        _ => chosen.clone(),
    }
}

/// A number made whole by `rounding` (`floor` or `ceil`), as an integer.
fn whole(value: &Value, rounding: fn(&Decimal) -> Decimal, expr: &Checked) -> Result<Value> {
    Ok(match value {
        Value::Integer(n) => Value::Integer(*n),
        Value::Decimal(d) => Value::Integer(rounding(d).to_i64().ok_or_else(|| {
            EvalError::new(format!("`{}` is too large for an integer", expr.text), expr)
        })?),
        _ => Value::Absent,
    })
}

/// Whole calendar months from `from` to `to`, negative when `to` is
/// earlier: the most months that can be added to `from` (a month after
/// January 31 being the last day of February) without passing `to`.
fn months_between(from: NaiveDate, to: NaiveDate) -> Option<i64> {
    let months = |date: NaiveDate| i64::from(date.year()) * 12 + i64::from(date.month0());
    let mut count = months(to) - months(from);
    let shifted = |count: i64| {
        let span = Months::new(u32::try_from(count.unsigned_abs()).ok()?);
        if count >= 0 {
            from.checked_add_months(span)
        } else {
            from.checked_sub_months(span)
        }
    };
    if count > 0 && shifted(count)? > to {
        count -= 1;
    } else if count < 0 && shifted(count)? < to {
        count += 1;
    }
    Some(count)
}

fn round(value: &Value, places: &Value, expr: &Checked) -> Result<Value> {
    let (Some(number), Value::Integer(places)) = (value.as_decimal(), places) else {
        return Ok(Value::Absent);
    };
    let places = u32::try_from(*places)
        .ok()
        .filter(|places| *places <= 28)
        .ok_or_else(|| {
            EvalError::new(
                format!("`{}` rounds to {places} places; use 0 to 28", expr.text),
                expr,
            )
        })?;
    let mut rounded = number.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    // Written with exactly `places` decimals, so that amounts read alike:
    // `round(50, 2)` is `50.00`, as `round(49.999, 2)` is.
    rounded.rescale(places);
    Ok(Value::Decimal(unsigned_zero(rounded)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::policy::load::load;
    use crate::request::decode;

    const FIELDS: &str = r#"
format = 1
[policy]
id = "test"
version = "1"
title = "Test"
effective_date = 2025-01-01
timezone = "+02:00"

[[field]]
path = "a.date"
type = "date"
description = "a date"

[[field]]
path = "a.at"
type = "datetime"
description = "a time"

[[field]]
path = "a.count"
type = "integer"
description = "a count"

[[field]]
path = "a.amount"
type = "decimal"
description = "an amount"

[[field]]
path = "a.flag"
type = "bool"
description = "a flag"

[[field]]
path = "a.kind"
type = "enum"
values = ["x", "y"]
description = "a kind"

[default]
id = "otherwise"
clause = "§0"
outcome = "deny"
reason = "no"
"#;

    /// Evaluates `expr` as a derived value over `request`.
    fn eval_with(expr: &str, request: &str) -> Result<Value> {
        let text = format!("{FIELDS}\n[derived]\nresult = '{expr}'\n");
        let policy = load(SourceFile::new("test.toml", text))
            .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
        let request = decode(&policy.schema, policy.meta.timezone, request.as_bytes()).unwrap();
        let mut evaluator = Evaluator::new(&policy, &request);
        evaluator.eval(&policy.derived[0].value)
    }

    fn eval(expr: &str) -> Value {
        eval_with(expr, r#"{"a": {"date": "2025-03-01", "at": "2025-03-01T23:30:00Z", "count": 3, "amount": "59.99", "kind": "x"}}"#)
            .unwrap()
    }

    #[test]
    fn unknown_values_follow_three_valued_logic() {
        let empty = r#"{"a": {}}"#;
        assert_eq!(eval_with("a.count > 1", empty).unwrap(), Value::Absent);
        assert_eq!(
            eval_with("a.count > 1 and false", empty).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            eval_with("a.count > 1 or true", empty).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            eval_with("not (a.count > 1)", empty).unwrap(),
            Value::Absent
        );
        assert_eq!(
            eval_with("present(a.count)", empty).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            eval_with("a.flag", empty).unwrap(),
            Value::Bool(false),
            "an absent bool is false"
        );
    }

    #[test]
    fn calendar_days_use_the_policy_time_zone() {
        assert_eq!(
            eval("days_between(a.date, a.at)"),
            Value::Integer(1),
            "23:30Z is the next day at +02:00"
        );
        assert_eq!(
            eval("date(a.at)"),
            Value::Date(NaiveDate::from_ymd_opt(2025, 3, 2).unwrap())
        );
    }

    /// `date`, `days_between` and dates given as datetimes take the offset a
    /// named zone has at each instant: New York is UTC-5 in winter, UTC-4
    /// in summer.
    #[test]
    fn a_named_policy_zone_follows_daylight_saving() {
        let text = format!(
            "{}\n[derived]\nday = 'date(a.at)'\nspan = 'days_between(a.date, a.at)'\nhours = 'hours_between(a.date, a.at)'\n",
            FIELDS.replace(r#"timezone = "+02:00""#, r#"timezone = "America/New_York""#)
        );
        let policy = load(SourceFile::new("test.toml", text)).unwrap();
        let values = |json: &str| {
            let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
            let mut evaluator = Evaluator::new(&policy, &request);
            policy
                .derived
                .iter()
                .map(|derived| evaluator.eval(&derived.value).unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            values(r#"{"a": {"date": "2025-01-14", "at": "2025-01-15T04:30:00Z"}}"#),
            ["2025-01-14", "0", "23.5"],
            "23:30 EST"
        );
        assert_eq!(
            values(r#"{"a": {"date": "2025-07-04", "at": "2025-07-05T04:30:00Z"}}"#),
            ["2025-07-05", "1", "24.5"],
            "00:30 EDT the next day"
        );
        assert_eq!(
            values(r#"{"a": {"date": "2025-03-09", "at": "2025-03-10T04:00:00Z"}}"#),
            ["2025-03-10", "1", "23"],
            "the day clocks spring forward has 23 hours"
        );
    }

    #[test]
    fn local_date_and_time_read_a_clock_in_the_named_zone() {
        let at = |time: &str| format!(r#"{{"a": {{"at": "{time}"}}}}"#);
        let eval_at = |expr: &str, time: &str| eval_with(expr, &at(time)).unwrap().to_string();
        let new_york_time = r#"local_time(a.at, "America/New_York")"#;
        // Spring forward: 01:59:59 EST is followed by 03:00:00 EDT.
        assert_eq!(eval_at(new_york_time, "2025-03-09T06:59:59Z"), "1h 59m 59s");
        assert_eq!(eval_at(new_york_time, "2025-03-09T07:00:00Z"), "3h");
        // Fall back: 01:59:59 EDT is followed by 01:00:00 EST.
        assert_eq!(eval_at(new_york_time, "2025-11-02T05:59:59Z"), "1h 59m 59s");
        assert_eq!(eval_at(new_york_time, "2025-11-02T06:00:00Z"), "1h");
        assert_eq!(
            eval_at(&format!("{new_york_time} < 17h"), "2025-07-04T20:59:00Z"),
            "true"
        );
        assert_eq!(
            eval_at(&format!("{new_york_time} < 17h"), "2025-07-04T21:00:00Z"),
            "false",
            "17:00 EDT"
        );
        let paris_date = r#"local_date(a.at, "Europe/Paris")"#;
        assert_eq!(eval_at(paris_date, "2025-03-29T22:59:59Z"), "2025-03-29");
        assert_eq!(eval_at(paris_date, "2025-03-29T23:00:00Z"), "2025-03-30");
        assert_eq!(eval_at(paris_date, "2025-06-30T21:59:59Z"), "2025-06-30");
        assert_eq!(eval_at(paris_date, "2025-06-30T22:00:00Z"), "2025-07-01");
        assert_eq!(
            eval_at(r#"local_date(a.at, "+05:30")"#, "2025-06-30T18:30:00Z"),
            "2025-07-01"
        );
        assert_eq!(
            eval_with(paris_date, r#"{"a": {}}"#).unwrap(),
            Value::Absent,
            "an unknown datetime has an unknown date"
        );
    }

    /// A calendar with Christmas observed on the nearest weekday, in a
    /// policy whose dates are taken at UTC+2.
    fn eval_in_calendar(expr: &str, request: &str) -> Result<Value> {
        let calendar = r#"
[calendar.us]
holidays = [{ name = "Christmas Day", date = "12-25", observed = "nearest_weekday" }]
"#;
        let text = format!("{FIELDS}{calendar}\n[derived]\nresult = '{expr}'\n");
        let policy = load(SourceFile::new("test.toml", text))
            .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
        let request = decode(&policy.schema, policy.meta.timezone, request.as_bytes()).unwrap();
        Evaluator::new(&policy, &request).eval(&policy.derived[0].value)
    }

    #[test]
    fn calendar_functions_count_business_days() {
        let request = r#"{"a": {"date": "2026-12-23", "at": "2026-12-24T22:30:00Z", "count": 3}}"#;
        let eval = |expr: &str| eval_in_calendar(expr, request).unwrap().to_string();
        // Christmas 2026 is a Friday; a.at is 00:30 on December 25 at UTC+2.
        assert_eq!(eval(r#"is_business_day(a.date, "us")"#), "true");
        assert_eq!(eval(r#"is_business_day(a.at, "us")"#), "false");
        assert_eq!(
            eval(r#"add_business_days(a.date, a.count, "us")"#),
            "2026-12-29"
        );
        assert_eq!(eval(r#"add_business_days(a.date, -3, "us")"#), "2026-12-18");
        assert_eq!(eval(r#"add_business_days(a.date, 0, "us")"#), "2026-12-23");
        assert_eq!(eval(r#"business_days_between(a.date, a.at, "us")"#), "1");
        // Back from Friday: Thursday and Wednesday.
        assert_eq!(eval(r#"business_days_between(a.at, a.date, "us")"#), "-2");
        assert_eq!(eval("weekday(a.date)"), "wednesday");
        assert_eq!(eval("weekday(a.at)"), "friday");
        assert_eq!(eval(r#"weekday(a.at) in ["saturday", "sunday"]"#), "false");
    }

    #[test]
    fn calendar_functions_of_unknown_values_are_unknown() {
        let empty = r#"{"a": {"date": "2026-12-23"}}"#;
        for expr in [
            r#"is_business_day(a.at, "us")"#,
            r#"add_business_days(a.date, a.count, "us")"#,
            r#"business_days_between(a.date, a.at, "us")"#,
            r#"business_days_between(a.at, a.date, "us")"#,
            "weekday(a.at)",
        ] {
            assert_eq!(
                eval_in_calendar(expr, empty).unwrap(),
                Value::Absent,
                "{expr}"
            );
        }
    }

    #[test]
    fn counting_past_the_end_of_the_calendar_is_an_error_at_its_span() {
        let error = eval_in_calendar(
            r#"add_business_days(a.date, a.count, "us")"#,
            r#"{"a": {"date": "2026-12-23", "count": 9223372036854775807}}"#,
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            r#"`add_business_days(a.date, a.count, "us")` leaves the calendar"#
        );
    }

    #[test]
    fn date_arithmetic() {
        assert_eq!(
            eval("a.date + 7d"),
            Value::Date(NaiveDate::from_ymd_opt(2025, 3, 8).unwrap())
        );
        assert_eq!(
            eval("(a.date + 2d) - a.date"),
            Value::Duration(TimeDelta::days(2))
        );
        assert_eq!(eval("a.at + 48h > a.at"), Value::Bool(true));
        assert!(eval_with("a.date + 36h", r#"{"a": {"date": "2025-03-01"}}"#).is_err());
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(eval("a.amount * 3"), Value::Decimal(Decimal::new(17997, 2)));
        assert_eq!(
            eval("round(a.amount / 3, 2)"),
            Value::Decimal(Decimal::new(2000, 2))
        );
        assert_eq!(eval("round(a.amount / 3, 2)").to_string(), "20.00");
        assert_eq!(eval("round(50, 2)").to_string(), "50.00");
        assert_eq!(eval("round(2.5, 0)").to_string(), "3");
        assert_eq!(eval("0.1 + 0.2 == 0.3"), Value::Bool(true));
        assert_eq!(eval("a.amount == 59.990"), Value::Bool(true));
    }

    #[test]
    fn overflow_and_division_by_zero_are_errors_with_spans() {
        let error = eval_with("a.count / 0", r#"{"a": {"count": 1}}"#).unwrap_err();
        assert_eq!(error.message, "`a.count / 0` divides by zero");
        assert!(error.span.start > 0, "the span points into the file");
        let error =
            eval_with("a.count * 9223372036854775807", r#"{"a": {"count": 2}}"#).unwrap_err();
        assert!(error.message.contains("overflows"), "{}", error.message);
        let error =
            eval_with("a.count % -1", r#"{"a": {"count": -9223372036854775808}}"#).unwrap_err();
        assert!(error.message.contains("overflows"), "{}", error.message);
        let error = eval_with("a.count % 0", r#"{"a": {"count": 1}}"#).unwrap_err();
        assert_eq!(error.message, "`a.count % 0` divides by zero");
    }

    #[test]
    fn text_functions() {
        assert_eq!(
            eval(r#"lower(trim("  AnA@Example.com "))"#),
            Value::string("ana@example.com")
        );
        assert_eq!(eval(r#"length("añb")"#), Value::Integer(3));
        assert_eq!(eval(r#"contains(["x", "y"], a.kind)"#), Value::Bool(true));
        assert_eq!(eval(r#"a.kind not in ["y"]"#), Value::Bool(true));
        assert_eq!(
            eval(r#"if a.count > 2 then "many" else "few""#),
            Value::string("many")
        );
    }

    /// `trim`, `lower` and `upper` read a text in place when they would not
    /// change it, and compute a new one when they would: either way their
    /// values, and comparisons of them, are the functions' own.
    #[test]
    fn text_functions_of_fields_that_change_them_or_not() {
        let cases = [
            ("lower(a.text)", "ana@example.com", "ana@example.com"),
            ("lower(a.text)", "Ana", "ana"),
            ("lower(a.text)", "ÄRGER", "ärger"),
            ("lower(a.text)", "été", "été"),
            ("upper(a.text)", "abc", "ABC"),
            ("upper(a.text)", "ÉTÉ", "ÉTÉ"),
            ("upper(a.text)", "été", "ÉTÉ"),
            ("trim(a.text)", "x\u{a0}", "x"),
            ("trim(a.text)", "\u{2003}x", "x"),
            ("trim(a.text)", "x y", "x y"),
            ("lower(trim(a.text))", " A ", "a"),
            ("lower(trim(a.text))", "a", "a"),
        ];
        let policy = FIELDS.replace(
            "[default]",
            "[[field]]\npath = \"a.text\"\ntype = \"string\"\ndescription = \"a text\"\n\n[default]",
        );
        for (expr, given, expected) in cases {
            let text = format!("{policy}\n[derived]\nresult = '{expr} == \"{expected}\"'\n");
            let policy = load(SourceFile::new("test.toml", text)).unwrap();
            let request = serde_json::json!({"a": {"text": given}}).to_string();
            let request = decode(&policy.schema, policy.meta.timezone, request.as_bytes()).unwrap();
            let mut evaluator = Evaluator::new(&policy, &request);
            let value = evaluator.eval(&policy.derived[0].value).unwrap();
            assert_eq!(value, Value::Bool(true), "{expr} of {given:?}");
        }
    }

    /// Only a bool that may be left out counts as `false`: a required one,
    /// always or sometimes, is missing when not given.
    #[test]
    fn a_required_bool_not_given_is_missing_not_false() {
        let text = FIELDS.replace(
            "[default]",
            "[[field]]\npath = \"b.always\"\ntype = \"bool\"\ndescription = \"d\"\nrequired = true\n\n\
             [[field]]\npath = \"b.sometimes\"\ntype = \"bool\"\ndescription = \"d\"\nrequired_when = 'a.kind == \"x\"'\n\n\
             [[rule]]\nid = \"m\"\nclause = \"§1\"\nsection = \"requirement\"\nwhen = \"any_missing()\"\noutcome = \"needs_info\"\nreason = \"r\"\n\n[default]",
        );
        let policy = load(SourceFile::new("test.toml", text))
            .unwrap_or_else(|error| panic!("{:?}", error.diagnostics));
        let slot = |path: &str| {
            policy
                .schema
                .fields
                .iter()
                .position(|field| field.path == path)
                .unwrap()
        };
        for json in [
            r#"{"a": {"kind": "x"}}"#,
            r#"{"a": {"kind": "x"}, "b": {"always": null, "sometimes": null}}"#,
        ] {
            let request = decode(&policy.schema, policy.meta.timezone, json.as_bytes()).unwrap();
            let mut evaluator = Evaluator::new(&policy, &request);
            assert_eq!(
                evaluator.missing().unwrap(),
                [
                    Missing::Field(slot("b.always")),
                    Missing::Field(slot("b.sometimes"))
                ],
                "{json}"
            );
            assert_eq!(request.values[slot("b.always")], Value::Absent);
            assert_eq!(
                request.values[slot("a.flag")],
                Value::Bool(false),
                "optional"
            );
        }
    }

    #[test]
    fn months_between_counts_whole_calendar_months() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        for (from, to, months) in [
            ("2025-01-15", "2025-04-14", 2),
            ("2025-01-15", "2025-04-15", 3),
            ("2025-01-31", "2025-02-27", 0),
            ("2025-01-31", "2025-02-28", 1),
            ("2024-01-31", "2024-02-29", 1),
            ("2025-03-01", "2025-03-01", 0),
            ("2024-02-29", "2025-02-28", 12),
            ("2025-04-15", "2025-01-15", -3),
            ("2025-04-14", "2025-01-15", -2),
        ] {
            assert_eq!(
                months_between(day(from), day(to)),
                Some(months),
                "{from} → {to}"
            );
        }
        assert_eq!(eval("months_between(a.date, a.at)"), Value::Integer(0));
    }

    #[test]
    fn contains_any_holds_when_one_item_is_in_the_list() {
        assert_eq!(
            eval(r#"contains_any(["a", "b"], ["c", "b"])"#),
            Value::Bool(true)
        );
        assert_eq!(
            eval(r#"contains_any(["a", "b"], ["c"])"#),
            Value::Bool(false)
        );
        assert_eq!(eval(r#"contains_any(["a"], [])"#), Value::Bool(false));
        assert_eq!(eval("contains_any([1, 2], [2.0])"), Value::Bool(true));
        assert_eq!(eval(r#"contains_any([a.kind], ["x"])"#), Value::Bool(true));
    }

    #[test]
    fn derived_values_are_computed_once() {
        let text = format!("{FIELDS}\n[derived]\nbase = 'a.count * 2'\nresult = 'base + base'\n");
        let policy = load(SourceFile::new("test.toml", text)).unwrap();
        let request = decode(
            &policy.schema,
            policy.meta.timezone,
            br#"{"a": {"count": 5}}"#,
        )
        .unwrap();
        let mut evaluator = Evaluator::new(&policy, &request);
        let result = policy
            .derived
            .iter()
            .find(|derived| derived.name == "result")
            .unwrap();
        assert_eq!(evaluator.eval(&result.value).unwrap(), Value::Integer(20));
        let base = policy
            .derived
            .iter()
            .position(|derived| derived.name == "base")
            .unwrap();
        assert_eq!(
            evaluator.derived[base],
            Some(Value::Integer(10)),
            "`base` is cached after its first use"
        );
        let unused = Evaluator::new(&policy, &request);
        assert!(
            unused.derived.iter().all(Option::is_none),
            "nothing is computed before it is used"
        );
    }

    #[test]
    fn trace_flattens_chains_and_marks_skipped_terms() {
        let text =
            format!("{FIELDS}\n[derived]\nresult = 'a.count > 5 and a.flag and a.kind == \"x\"'\n");
        let policy = load(SourceFile::new("test.toml", text)).unwrap();
        let request = decode(
            &policy.schema,
            policy.meta.timezone,
            br#"{"a": {"count": 1}}"#,
        )
        .unwrap();
        let mut evaluator = Evaluator::new(&policy, &request);
        let trace = evaluator.trace(&policy.derived[0].value).unwrap();
        assert_eq!(trace.op, Some("and"));
        assert_eq!(trace.terms.len(), 3);
        assert_eq!(trace.terms[0].value, Some(Value::Bool(false)));
        assert_eq!(trace.terms[0].operands[0].value, Value::Integer(1));
        assert_eq!(trace.terms[1].value, None, "short-circuited");
        assert_eq!(trace.terms[2].value, None, "short-circuited");
    }
}
