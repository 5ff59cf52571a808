//! The required values a request does not give: fields, and the members of
//! list items, each required always or when its condition holds.

use std::sync::Arc;

use super::{Evaluator, Result};
use crate::language::schema::{Requirement, Schema};
use crate::language::value::{Item, Value};

/// A required value the request does not give.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Missing {
    /// A field, by its slot.
    Field(usize),
    /// A member of a list item, by its full path: `order.items[2].price`.
    Member(String),
}

impl Missing {
    /// The path the decision lists.
    pub(crate) fn path(&self, schema: &Schema) -> String {
        self.path_in(schema).to_owned()
    }

    /// The path the decision lists, borrowed.
    pub(crate) fn path_in<'s>(&'s self, schema: &'s Schema) -> &'s str {
        match self {
            Missing::Field(slot) => schema.field(*slot).map_or("", |field| field.path.as_str()),
            Missing::Member(path) => path,
        }
    }
}

impl Evaluator<'_> {
    pub(super) fn find_missing(&mut self) -> Result<Vec<Missing>> {
        let policy = self.policy;
        let request = self.request;
        let mut missing = Vec::new();
        for (slot, field) in policy.schema.fields.iter().enumerate() {
            let value = request.values.get(slot).unwrap_or(&super::ABSENT);
            if value.is_absent() && self.is_required(&field.requirement, None)? {
                missing.push(Missing::Field(slot));
            }
            if let Value::List(items) = value {
                self.missing_in_items(&field.path, items, &mut missing)?;
            }
        }
        Ok(missing)
    }

    /// The members missing from items of a list of objects, nested lists
    /// included.
    fn missing_in_items(
        &mut self,
        path: &str,
        items: &[Value],
        missing: &mut Vec<Missing>,
    ) -> Result<()> {
        for (index, item) in items.iter().enumerate() {
            let Value::Record(record) = item else {
                continue;
            };
            self.missing_in_item(&format!("{path}[{index}]"), record, item, missing)?;
        }
        Ok(())
    }

    fn missing_in_item(
        &mut self,
        path: &str,
        record: &Arc<Item>,
        item: &Value,
        missing: &mut Vec<Missing>,
    ) -> Result<()> {
        for (slot, member) in record.record.schema.fields.iter().enumerate() {
            let value = record.member(slot);
            let member_path = format!("{path}.{}", member.path);
            if value.is_absent() && self.is_required(&member.requirement, Some(item))? {
                missing.push(Missing::Member(member_path.clone()));
            }
            if let Value::List(inner) = value {
                self.missing_in_items(&member_path, inner, missing)?;
            }
        }
        Ok(())
    }

    /// Whether a value with this requirement must be given; `item` is the
    /// list item a member belongs to.
    fn is_required(&mut self, requirement: &Requirement, item: Option<&Value>) -> Result<bool> {
        let condition = match requirement {
            Requirement::Optional => return Ok(false),
            Requirement::Always => return Ok(true),
            Requirement::When(condition) => condition,
            Requirement::WhenItem { index, .. } => {
                let policy = self.policy;
                let Some(condition) = policy.schema.item_conditions.get(*index) else {
                    return Ok(false);
                };
                // The condition binds the item at depth 0, whatever
                // aggregate is being evaluated when the question comes up.
                let outer = std::mem::take(&mut self.locals);
                self.locals.extend(item.cloned());
                let holds = self.eval(condition);
                self.locals = outer;
                return Ok(matches!(holds?, Value::Bool(true)));
            }
        };
        Ok(self.truth(condition)? == Some(true))
    }
}
