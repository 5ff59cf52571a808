//! Checked expressions: names resolved to request slots and derived values,
//! every node typed, ready to evaluate without looking anything up.

use std::sync::{Arc, OnceLock};

use crate::diagnostic::span::Span;
use crate::language::types::Type;
use crate::language::value::Value;

#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) node: Node,
    pub(crate) ty: Type,
    /// Where the expression is written in the policy file.
    pub(crate) span: Span,
    /// The expression as written, for traces.
    pub(crate) text: Arc<str>,
    /// The value of a list or a negation of constants, computed once at
    /// load so that evaluation does not rebuild it; the node stays as
    /// written, for traces and explanations.
    pub(crate) folded: Option<Value>,
    /// How a traced batch line starts this expression's entry, made the
    /// first time one is written, then copied: expression texts are most
    /// of such a line. See [`Checked::trace_head`].
    pub(crate) trace_head: OnceLock<(Box<str>, usize)>,
}

impl Checked {
    /// How a traced batch line starts this expression's entry, made by
    /// `write` the first time it is asked for: the whole text starts it as
    /// a node, the text up to the given length as an operand.
    pub(crate) fn trace_head(
        &self,
        write: impl FnOnce(&Checked) -> (Box<str>, usize),
    ) -> (&str, usize) {
        let (head, operand_len) = self.trace_head.get_or_init(|| write(self));
        (head, *operand_len)
    }
}

#[derive(Debug)]
pub(crate) enum Node {
    Constant(Value),
    Field(usize),
    Derived(usize),
    Not(Box<Checked>),
    Negate(Box<Checked>),
    And(Box<Checked>, Box<Checked>),
    Or(Box<Checked>, Box<Checked>),
    Compare(Comparison, Box<Checked>, Box<Checked>),
    Arithmetic(Arithmetic, Box<Checked>, Box<Checked>),
    In {
        value: Box<Checked>,
        list: Box<Checked>,
        negated: bool,
    },
    List(Vec<Checked>),
    Call(Function, Vec<Checked>),
    If {
        condition: Box<Checked>,
        then: Box<Checked>,
        otherwise: Box<Checked>,
    },
    /// The item bound by an enclosing aggregate (`item`), at this depth of
    /// the evaluator's stack of items, or one of its members (`item.price`).
    Local {
        binding: usize,
        member: Option<usize>,
    },
    /// `sum(item.price for item in order.items if item.opened)`.
    Aggregate(Box<Aggregate>),
}

/// An aggregate over the items of a list: each item is bound to `binder`,
/// kept when `filter` holds, and contributes `value`.
#[derive(Debug)]
pub(crate) struct Aggregate {
    pub(crate) kind: AggregateKind,
    pub(crate) binder: String,
    /// The depth of the binding: how many aggregates enclose this one.
    pub(crate) binding: usize,
    pub(crate) list: Checked,
    pub(crate) value: Checked,
    pub(crate) filter: Option<Checked>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AggregateKind {
    Any,
    All,
    Count,
    Sum,
    Min,
    Max,
    /// `[value for item in list]`: the values, as a list.
    List,
}

impl AggregateKind {
    pub(crate) const ALL: [AggregateKind; 7] = [
        AggregateKind::Any,
        AggregateKind::All,
        AggregateKind::Count,
        AggregateKind::Sum,
        AggregateKind::Min,
        AggregateKind::Max,
        AggregateKind::List,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            AggregateKind::Any => "any",
            AggregateKind::All => "all",
            AggregateKind::Count => "count",
            AggregateKind::Sum => "sum",
            AggregateKind::Min => "min",
            AggregateKind::Max => "max",
            AggregateKind::List => "list",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the value of each item is a condition (`any`, `all`,
    /// `count`) rather than a quantity.
    pub(crate) const fn counts_conditions(self) -> bool {
        matches!(
            self,
            AggregateKind::Any | AggregateKind::All | AggregateKind::Count
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Comparison {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
}

impl Comparison {
    pub(crate) const fn symbol(self) -> &'static str {
        match self {
            Comparison::Eq => "==",
            Comparison::NotEq => "!=",
            Comparison::Less => "<",
            Comparison::LessEq => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterEq => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arithmetic {
    Add,
    Sub,
    Mul,
    Div,
    /// The remainder of integer division, never negative.
    Rem,
}

/// The built-in functions. Their names and signatures are checked in
/// `check.rs`; they are evaluated in `evaluate/mod.rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Function {
    DaysBetween,
    MonthsBetween,
    HoursBetween,
    Date,
    Lower,
    Upper,
    Trim,
    Length,
    Contains,
    ContainsAny,
    StartsWith,
    EndsWith,
    Present,
    Blank,
    Min,
    Max,
    Abs,
    Round,
    Days,
    Hours,
    AnyMissing,
    MissingFields,
    Floor,
    Ceil,
    LocalDate,
    LocalTime,
    Weekday,
    IsBusinessDay,
    AddBusinessDays,
    BusinessDaysBetween,
}

/// What the last argument of some functions names: a text written in the
/// policy, resolved and checked when it loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// A time zone: `"Europe/Paris"`.
    Zone,
    /// A calendar of the policy: `"us"` for `[calendar.us]`.
    Calendar,
}

impl Function {
    pub(crate) const ALL: [Function; 30] = [
        Function::DaysBetween,
        Function::MonthsBetween,
        Function::HoursBetween,
        Function::Date,
        Function::Lower,
        Function::Upper,
        Function::Trim,
        Function::Length,
        Function::Contains,
        Function::ContainsAny,
        Function::StartsWith,
        Function::EndsWith,
        Function::Present,
        Function::Blank,
        Function::Min,
        Function::Max,
        Function::Abs,
        Function::Round,
        Function::Days,
        Function::Hours,
        Function::AnyMissing,
        Function::MissingFields,
        Function::Floor,
        Function::Ceil,
        Function::LocalDate,
        Function::LocalTime,
        Function::Weekday,
        Function::IsBusinessDay,
        Function::AddBusinessDays,
        Function::BusinessDaysBetween,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Function::DaysBetween => "days_between",
            Function::MonthsBetween => "months_between",
            Function::HoursBetween => "hours_between",
            Function::Date => "date",
            Function::Lower => "lower",
            Function::Upper => "upper",
            Function::Trim => "trim",
            Function::Length => "length",
            Function::Contains => "contains",
            Function::ContainsAny => "contains_any",
            Function::StartsWith => "starts_with",
            Function::EndsWith => "ends_with",
            Function::Present => "present",
            Function::Blank => "blank",
            Function::Min => "min",
            Function::Max => "max",
            Function::Abs => "abs",
            Function::Round => "round",
            Function::Days => "days",
            Function::Hours => "hours",
            Function::AnyMissing => "any_missing",
            Function::MissingFields => "missing_fields",
            Function::Floor => "floor",
            Function::Ceil => "ceil",
            Function::LocalDate => "local_date",
            Function::LocalTime => "local_time",
            Function::Weekday => "weekday",
            Function::IsBusinessDay => "is_business_day",
            Function::AddBusinessDays => "add_business_days",
            Function::BusinessDaysBetween => "business_days_between",
        }
    }

    /// How it is called, for help texts.
    pub(crate) const fn signature(self) -> &'static str {
        match self {
            Function::DaysBetween => "days_between(from, to)",
            Function::MonthsBetween => "months_between(from, to)",
            Function::HoursBetween => "hours_between(from, to)",
            Function::Date => "date(datetime)",
            Function::Lower => "lower(text)",
            Function::Upper => "upper(text)",
            Function::Trim => "trim(text)",
            Function::Length => "length(text or list)",
            Function::Contains => "contains(text or list, part)",
            Function::ContainsAny => "contains_any(list, items)",
            Function::StartsWith => "starts_with(text, prefix)",
            Function::EndsWith => "ends_with(text, suffix)",
            Function::Present => "present(value)",
            Function::Blank => "blank(value)",
            Function::Min => "min(a, b)",
            Function::Max => "max(a, b)",
            Function::Abs => "abs(number or duration)",
            Function::Round => "round(number, places)",
            Function::Days => "days(duration)",
            Function::Hours => "hours(duration)",
            Function::AnyMissing => "any_missing()",
            Function::MissingFields => "missing_fields()",
            Function::Floor => "floor(number)",
            Function::Ceil => "ceil(number)",
            Function::LocalDate => "local_date(datetime, \"Europe/Paris\")",
            Function::LocalTime => "local_time(datetime, \"Europe/Paris\")",
            Function::Weekday => "weekday(date)",
            Function::IsBusinessDay => "is_business_day(date, \"us\")",
            Function::AddBusinessDays => "add_business_days(date, days, \"us\")",
            Function::BusinessDaysBetween => "business_days_between(from, to, \"us\")",
        }
    }

    /// What argument `index` must be, for error messages.
    pub(crate) const fn expects(self, index: usize) -> &'static str {
        match (self, index) {
            (
                Function::DaysBetween
                | Function::MonthsBetween
                | Function::HoursBetween
                | Function::Date,
                _,
            ) => "a date or datetime",
            (
                Function::Lower
                | Function::Upper
                | Function::Trim
                | Function::StartsWith
                | Function::EndsWith,
                _,
            ) => "a text",
            (Function::Length, _) | (Function::Contains, 0) => "a text or a list",
            (Function::Contains, _) => "an item of the list",
            (Function::ContainsAny, _) => "a list",
            (Function::Min | Function::Max, _) => "two numbers, dates or durations of one kind",
            (Function::Abs, _) => "a number or a duration",
            (Function::Round, 0) => "a number",
            (Function::Round, _) => "a whole number of decimal places",
            (Function::Days | Function::Hours, _) => "a duration",
            (
                Function::Present
                | Function::Blank
                | Function::AnyMissing
                | Function::MissingFields,
                _,
            ) => "a value",
            (Function::Floor | Function::Ceil, _) => "a number",
            (Function::LocalDate | Function::LocalTime, 0) => "a datetime",
            (Function::LocalDate | Function::LocalTime, _) => {
                "a time zone name in quotes, such as `\"Europe/Paris\"`"
            }
            (Function::Weekday, _)
            | (Function::IsBusinessDay | Function::AddBusinessDays, 0)
            | (Function::BusinessDaysBetween, 0 | 1) => "a date or datetime",
            (Function::AddBusinessDays, 1) => "a whole number of business days",
            (
                Function::IsBusinessDay | Function::AddBusinessDays | Function::BusinessDaysBetween,
                _,
            ) => "a calendar name in quotes, such as `\"us\"`",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|function| function.name() == name)
    }

    pub(crate) const fn arity(self) -> usize {
        match self {
            Function::AnyMissing | Function::MissingFields => 0,
            Function::DaysBetween
            | Function::MonthsBetween
            | Function::HoursBetween
            | Function::Contains
            | Function::ContainsAny
            | Function::StartsWith
            | Function::EndsWith
            | Function::Min
            | Function::Max
            | Function::Round
            | Function::LocalDate
            | Function::LocalTime
            | Function::IsBusinessDay => 2,
            Function::AddBusinessDays | Function::BusinessDaysBetween => 3,
            _ => 1,
        }
    }

    /// What the last argument names, for the functions whose last argument
    /// is a setting of the policy rather than a value.
    pub(crate) const fn setting(self) -> Option<Setting> {
        match self {
            Function::LocalDate | Function::LocalTime => Some(Setting::Zone),
            Function::IsBusinessDay | Function::AddBusinessDays | Function::BusinessDaysBetween => {
                Some(Setting::Calendar)
            }
            _ => None,
        }
    }
}

impl Checked {
    /// The value of the expression when it does not depend on the request.
    pub(crate) fn constant(&self) -> Option<&Value> {
        match &self.node {
            Node::Constant(value) => Some(value),
            _ => self.folded.as_ref(),
        }
    }

    /// Whether the expression calls `any_missing()` or `missing_fields()`.
    pub(crate) fn uses_missing(&self) -> bool {
        let mut found = false;
        self.visit(&mut |checked| {
            found |= matches!(
                checked.node,
                Node::Call(Function::AnyMissing | Function::MissingFields, _)
            );
        });
        found
    }

    /// Calls `visit` on this expression and every expression inside it.
    pub(crate) fn visit(&self, visit: &mut impl FnMut(&Checked)) {
        visit(self);
        match &self.node {
            Node::Constant(_) | Node::Field(_) | Node::Derived(_) | Node::Local { .. } => {}
            Node::Not(inner) | Node::Negate(inner) => inner.visit(visit),
            Node::And(a, b)
            | Node::Or(a, b)
            | Node::Compare(_, a, b)
            | Node::Arithmetic(_, a, b) => {
                a.visit(visit);
                b.visit(visit);
            }
            Node::In { value, list, .. } => {
                value.visit(visit);
                list.visit(visit);
            }
            Node::List(items) | Node::Call(_, items) => {
                items.iter().for_each(|item| item.visit(visit))
            }
            Node::If {
                condition,
                then,
                otherwise,
            } => {
                condition.visit(visit);
                then.visit(visit);
                otherwise.visit(visit);
            }
            Node::Aggregate(aggregate) => {
                aggregate.list.visit(visit);
                aggregate.value.visit(visit);
                if let Some(filter) = &aggregate.filter {
                    filter.visit(visit);
                }
            }
        }
    }
}
