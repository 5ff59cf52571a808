//! The types of the expression language and of request fields.

use std::fmt;
use std::sync::Arc;

use crate::language::schema::Schema;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Type {
    Bool,
    Integer,
    Decimal,
    String,
    Date,
    DateTime,
    Duration,
    Enum(Arc<[Arc<str>]>),
    List(Box<Type>),
    /// An item of a list of objects: the members declared under `path[]`.
    Record(Arc<Record>),
    /// Fits anything: the element type of an empty list literal, and the
    /// type of a field whose declaration is in error (so that its uses do
    /// not repeat the error).
    Nothing,
}

impl Type {
    pub(crate) const fn is_numeric(&self) -> bool {
        matches!(self, Type::Integer | Type::Decimal)
    }

    /// The name a policy owner writes in `type = "…"`.
    pub(crate) const fn keyword(&self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Integer => "integer",
            Type::Decimal => "decimal",
            Type::String => "string",
            Type::Date => "date",
            Type::DateTime => "datetime",
            Type::Duration => "duration",
            Type::Enum(_) => "enum",
            Type::List(_) => "list",
            Type::Record(_) => "object",
            Type::Nothing => "nothing",
        }
    }

    /// The field types a policy can declare, for help texts.
    pub(crate) const FIELD_KEYWORDS: [&'static str; 8] = [
        "string", "bool", "integer", "decimal", "date", "datetime", "enum", "list",
    ];

    /// Whether a value of type `other` can stand where `self` is expected.
    pub(crate) fn accepts(&self, other: &Type) -> bool {
        match (self, other) {
            (_, Type::Nothing) | (Type::Nothing, _) => true,
            (Type::Decimal, Type::Integer) => true,
            (Type::Enum(_), Type::String) | (Type::String, Type::Enum(_)) => true,
            (Type::Enum(a), Type::Enum(b)) => a == b,
            (Type::List(a), Type::List(b)) => a.accepts(b),
            (a, b) => a == b,
        }
    }
}

/// The shape of the items of a list of objects, declared as fields whose
/// paths run through `path[]`: `order.items[].price`. Record types are
/// nominal: two are the same when they belong to the same list.
#[derive(Debug)]
pub(crate) struct Record {
    /// The list's path as declared: `order.items`.
    pub(crate) path: String,
    /// The members, each a slot of the item, with paths relative to it.
    pub(crate) schema: Schema,
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for Record {}

impl Type {
    /// The record of a list of objects.
    pub(crate) fn items_record(&self) -> Option<&Arc<Record>> {
        match self {
            Type::List(item) => match item.as_ref() {
                Type::Record(record) => Some(record),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a value of this type is, or holds, an item of a list of
    /// objects, which has no JSON form of its own in a decision.
    pub(crate) fn holds_records(&self) -> bool {
        match self {
            Type::Record(_) => true,
            Type::List(item) => item.holds_records(),
            _ => false,
        }
    }

    /// The type with its article, as messages say it: "a date", "an enum".
    pub(crate) fn with_article(&self) -> String {
        match self {
            Type::Integer | Type::Enum(_) | Type::Record(_) => format!("an {self}"),
            Type::List(_) | Type::Nothing => self.to_string(),
            _ => format!("a {self}"),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::List(item) => match item.as_ref() {
                Type::Record(record) => write!(f, "list of objects (`{}`)", record.path),
                item => write!(f, "list of {item}"),
            },
            Type::Record(record) => write!(f, "item of `{}`", record.path),
            other => f.write_str(other.keyword()),
        }
    }
}
