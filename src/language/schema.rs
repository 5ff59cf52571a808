//! The input schema a policy declares: the fields of the JSON requests it
//! accepts, each resolved to a slot of the decoded request.

use crate::diagnostic::span::Span;
use crate::language::compiled::Checked;
use crate::language::types::Type;
use crate::language::value::Value;

#[derive(Debug, Default)]
pub(crate) struct Schema {
    /// Fields in declared order; a field's index is its slot.
    pub(crate) fields: Vec<Field>,
    /// The shape of the JSON object, for decoding.
    pub(crate) root: Object,
    /// The `required_when` conditions of list items' members, each checked
    /// with the item bound to `item` (see `Requirement::WhenItem`).
    pub(crate) item_conditions: Vec<Checked>,
}

#[derive(Debug)]
pub(crate) struct Field {
    /// The dotted JSON path, as written: `purchase.date`.
    pub(crate) path: String,
    pub(crate) ty: Type,
    pub(crate) description: String,
    pub(crate) requirement: Requirement,
    /// The value used when the request does not give one.
    pub(crate) default: Value,
    /// Where the `[[field]]` is declared.
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) enum Requirement {
    Optional,
    Always,
    When(Checked),
    /// For a member of a list item: required when the condition at `index`
    /// of the policy's `Schema::item_conditions` holds, the item bound to
    /// `item`; `text` is the condition as `ruling` prints it, on one line.
    WhenItem {
        index: usize,
        text: String,
    },
}

/// A JSON object of the request: named members, each a field or an object.
#[derive(Debug, Default)]
pub(crate) struct Object {
    pub(crate) members: Vec<(String, Member)>,
}

#[derive(Debug)]
pub(crate) enum Member {
    Field(usize),
    Object(Object),
}

impl Object {
    pub(crate) fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .iter()
            .find_map(|(member, node)| (member == name).then_some(node))
    }
}

impl Schema {
    /// How many `[[field]]` tables declare this schema: its fields, and
    /// the members of the items of its lists of objects.
    pub(crate) fn declared_count(&self) -> usize {
        self.fields
            .iter()
            .map(|field| {
                1 + field
                    .ty
                    .items_record()
                    .map_or(0, |record| record.schema.declared_count())
            })
            .sum()
    }

    pub(crate) fn slot(&self, path: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.path == path)
    }

    pub(crate) fn field(&self, slot: usize) -> Option<&Field> {
        self.fields.get(slot)
    }

    /// Finds the object at `parts`, the empty path being the root.
    pub(crate) fn object(&self, parts: &[&str]) -> Option<&Object> {
        parts
            .iter()
            .try_fold(&self.root, |object, part| match object.member(part)? {
                Member::Object(inner) => Some(inner),
                Member::Field(_) => None,
            })
    }
}
