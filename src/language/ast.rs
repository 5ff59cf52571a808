//! The syntax tree of the expression language, as the parser builds it.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use rust_decimal::Decimal;

use crate::diagnostic::span::Span;
use crate::diagnostic::suggest::list_names;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ExprKind {
    Literal(Literal),
    /// A field path (`purchase.date`) or a derived value (`days_since_purchase`).
    Path(Path),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `value in list` or, with `negated`, `value not in list`.
    In {
        value: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    List(Vec<Expr>),
    Call(Ident, Vec<Expr>),
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `sum(item.price for item in order.items if item.opened)`: a call
    /// whose one argument runs over the items of a list.
    Aggregate {
        function: Ident,
        value: Box<Expr>,
        binder: Ident,
        list: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Ident {
    pub(crate) name: String,
    pub(crate) span: Span,
}

/// A path such as `purchase.date`: its names joined by dots, in one
/// string, which is how the schema and every message name it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Path {
    dotted: String,
}

impl Path {
    pub(crate) fn new(first: &str) -> Self {
        Self {
            dotted: first.to_owned(),
        }
    }

    /// Adds the name after a `.`.
    pub(crate) fn push(&mut self, name: &str) {
        self.dotted.push('.');
        self.dotted.push_str(name);
    }

    pub(crate) fn dotted(&self) -> &str {
        &self.dotted
    }

    pub(crate) fn names(&self) -> std::str::Split<'_, char> {
        self.dotted.split('.')
    }

    /// The first name, and the names after it joined by dots, if any.
    pub(crate) fn split_first(&self) -> (&str, Option<&str>) {
        match self.dotted.split_once('.') {
            Some((first, rest)) => (first, Some(rest)),
            None => (&self.dotted, None),
        }
    }

    /// The path's only name, when it has one.
    pub(crate) fn single(&self) -> Option<&str> {
        (!self.dotted.contains('.')).then_some(self.dotted.as_str())
    }

    /// The names but the last, joined by dots, and the last name.
    pub(crate) fn split_last(&self) -> (Option<&str>, &str) {
        match self.dotted.rsplit_once('.') {
            Some((rest, last)) => (Some(rest), last),
            None => (None, &self.dotted),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Literal {
    Bool(bool),
    Integer(i64),
    Decimal(Decimal),
    String(String),
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
    /// A duration and the unit it was written in (`w`, `d`, `h`, `m`, `s`),
    /// so that it prints as written: `48h` stays `48h`.
    Duration(TimeDelta, char),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    Not,
    Negate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    /// Loosest first.
    pub(crate) const ALL: [BinaryOp; 13] = [
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::NotEq,
        BinaryOp::Less,
        BinaryOp::LessEq,
        BinaryOp::Greater,
        BinaryOp::GreaterEq,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Rem,
    ];

    pub(crate) const fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessEq => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterEq => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }

    pub(crate) const fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Less
                | BinaryOp::LessEq
                | BinaryOp::Greater
                | BinaryOp::GreaterEq
        )
    }
}

/// Every operator of the language, in backticks, for help texts.
pub(crate) fn operator_list() -> String {
    let mut symbols: Vec<&str> = BinaryOp::ALL.iter().map(|op| op.symbol()).collect();
    symbols.extend(["not", "in", "not in"]);
    list_names(symbols.iter().copied(), symbols.len())
}

impl Expr {
    pub(crate) fn new(kind: ExprKind, span: Span) -> Self {
        Self { kind, span }
    }
}
