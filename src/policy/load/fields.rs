//! `[[field]]`: the declared request fields, built into the schema's object tree.

use super::{Loader, Names, is_identifier};
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::diagnostic::suggest::{did_you_mean, list_names};
use crate::language::check::{check_for_item, check_typed};
use crate::language::parser::{parse_expression, print};
use crate::language::schema::{Field, Member, Object, Requirement, Schema};
use crate::language::types::{Record, Type};
use crate::language::value::Value;
use crate::policy::document::{Table, Text, TomlValue, boolean, tables, wrong_kind};
use crate::policy::keys;
use std::sync::Arc;

impl<'f> Loader<'f, '_> {
    /// Reads `[[field]]` entries into a schema; `required_when` conditions
    /// come back separately, to be checked once all fields are known.
    pub(super) fn fields(&mut self, top: &Table<'_, 'f>) -> (Schema, Requirements<'f>) {
        let mut declared = Vec::new();
        if let Some(node) = top.get("field") {
            for (table, span) in tables(node, "field", self.errors) {
                let table = Table::new(table, self.text, span, "`[[field]]`", keys::FIELD);
                table.check_keys(self.errors);
                if let Some((field, condition)) = self.field(&table) {
                    declared.push(Some(Declared {
                        field,
                        condition,
                        span: table.span,
                    }));
                }
            }
        }
        let mut requirements = Requirements::default();
        let (schema, conditions) = self.build_schema(&mut declared, "", &mut requirements);
        requirements.fields = conditions;
        for orphan in declared.into_iter().flatten() {
            self.orphan_member(&orphan);
        }
        (schema, requirements)
    }

    /// Builds the schema of the fields whose paths start with `prefix` and
    /// run through no further `[]`: the request's own (`prefix` empty), or
    /// the members of one list's items (`order.items[].`). A list of
    /// objects among them gets its items' schema built the same way.
    fn build_schema(
        &mut self,
        declared: &mut [Option<Declared<'f>>],
        prefix: &str,
        requirements: &mut Requirements<'f>,
    ) -> (Schema, Vec<(usize, Text<'f>)>) {
        let mut schema = Schema::default();
        let mut conditions = Vec::new();
        for index in 0..declared.len() {
            let own = declared
                .get(index)
                .and_then(Option::as_ref)
                .is_some_and(|entry| {
                    entry
                        .field
                        .path
                        .strip_prefix(prefix)
                        .is_some_and(|rest| !rest.contains("[]"))
                });
            let Some(Declared {
                mut field,
                condition,
                span,
            }) = declared
                .get_mut(index)
                .and_then(|entry| own.then(|| entry.take()).flatten())
            else {
                continue;
            };
            if field.ty.items_record().is_some() {
                field.ty = self.record_type(declared, &field.path, requirements);
            }
            // The schema of a list's items names its members without the
            // list's path; `own` checked that the path starts with it.
            if field.path.is_char_boundary(prefix.len()) {
                field.path.drain(..prefix.len());
            }
            if let (Some(slot), Some(condition)) =
                (self.place_field(&mut schema, field, span), condition)
            {
                conditions.push((slot, condition));
            }
        }
        (schema, conditions)
    }

    /// The type of a list of objects declared at `path`, its members read
    /// from the fields `path[].member`.
    fn record_type(
        &mut self,
        declared: &mut [Option<Declared<'f>>],
        path: &str,
        requirements: &mut Requirements<'f>,
    ) -> Type {
        let (mut schema, conditions) =
            self.build_schema(declared, &format!("{path}[]."), requirements);
        let mut indexes = Vec::new();
        for (slot, text) in conditions {
            if let Some(member) = schema.fields.get_mut(slot) {
                let index = requirements.next_item_index;
                requirements.next_item_index += 1;
                // Printed on one line, like a field's condition; one that
                // does not parse is reported when it is checked.
                let printed = parse_expression(&text.value, &text.origin).map(|expr| print(&expr));
                member.requirement = Requirement::WhenItem {
                    index,
                    text: printed.unwrap_or_else(|_| text.value.to_string()),
                };
                indexes.push((index, text));
            }
        }
        let record = Arc::new(Record {
            path: path.to_owned(),
            schema,
        });
        for (index, text) in indexes {
            requirements
                .items
                .push((index, text, Type::Record(Arc::clone(&record))));
        }
        Type::List(Box::new(Type::Record(record)))
    }

    /// A member declared for a list that is not declared as a list of
    /// objects.
    fn orphan_member(&mut self, orphan: &Declared<'_>) {
        let list = orphan
            .field
            .path
            .rsplit_once("[]")
            .map_or("", |(list, _)| list);
        self.push(
            Diagnostic::new(
                "undeclared-list",
                format!(
                    "`{}` is a member of the items of `{list}`, which is not declared as a list of objects",
                    orphan.field.path
                ),
                orphan.span,
            )
            .with_label("member of an undeclared list")
            .with_help(format!(
                "declare the list itself: a `[[field]]` with `path = \"{list}\"`, `type = \"list\"` and `items = \"object\"`"
            )),
        );
    }

    pub(super) fn field(&mut self, table: &Table<'_, 'f>) -> Option<(Field, Option<Text<'f>>)> {
        let path = table.required_text("path", "\"purchase.date\"", self.errors);
        let ty = self.field_type(table);
        let description =
            table.required_text("description", "\"What this field means\"", self.errors);
        let required = table.optional("required", boolean, self.errors);
        let required_when = table.optional_text("required_when", self.errors);
        let path = self.field_path(path?)?;
        // A field whose type or description is wrong still counts as
        // declared, so that the expressions using it report nothing more.
        let ty = ty.unwrap_or(Type::Nothing);
        let default = table
            .get("default")
            .and_then(|node| self.constant(node, Some(&ty)))
            .map(|(value, _)| value);
        if required == Some(true) && required_when.is_some() {
            self.push(
                Diagnostic::new(
                    "conflicting-keys",
                    "a field cannot have both `required` and `required_when`",
                    table.span,
                )
                .with_label("this field")
                .with_help("keep `required = true` for always, or `required_when` for sometimes"),
            );
        }
        let is_required = required == Some(true) || required_when.is_some();
        if let (true, Some(node)) = (is_required, table.get("default")) {
            self.push(
                Diagnostic::new(
                    "conflicting-keys",
                    "a required field cannot have a `default`",
                    node.span(),
                )
                .with_label("the default would never be used")
                .with_help("remove `default`, or make the field optional"),
            );
        }
        // Only a bool that may be left out counts as `false` when not given:
        // a required one not given is missing, whatever its type.
        let default = default.unwrap_or(if ty == Type::Bool && !is_required {
            Value::Bool(false)
        } else {
            Value::Absent
        });
        let requirement = if required == Some(true) {
            Requirement::Always
        } else {
            Requirement::Optional
        };
        let field = Field {
            path: path.value.into_owned(),
            ty,
            description: description
                .map(|text| text.value.into_owned())
                .unwrap_or_default(),
            requirement,
            default,
            span: table.span,
        };
        Some((field, required_when))
    }

    /// Checks a field path. A path that is only wrong by an empty part
    /// (`purchase..date`) comes back repaired, so that its uses report
    /// nothing more; `None` when it cannot be used at all.
    pub(super) fn field_path(&mut self, mut path: Text<'f>) -> Option<Text<'f>> {
        if path.value.ends_with("[]") {
            self.push(
                Diagnostic::new("invalid-path", format!("`{}` ends with `[]`", path.value), path.span)
                    .with_label("a list, not a member of its items")
                    .with_help(format!(
                        "declare the list as `{}` with `type = \"list\"` and `items = \"object\"`, and each member of its items as `{}.member`",
                        path.value.trim_end_matches("[]"),
                        path.value
                    )),
            );
            return None;
        }
        let is_part = |part: &str| is_identifier(part.strip_suffix("[]").unwrap_or(part));
        let Some(bad_part) = path.value.split('.').find(|part| !is_part(part)) else {
            return Some(path);
        };
        let label = if bad_part.is_empty() {
            "empty part".to_owned()
        } else if bad_part.starts_with(|c: char| c.is_ascii_digit()) {
            format!("`{bad_part}` starts with a digit")
        } else {
            format!("`{bad_part}` is not a name")
        };
        self.push(
            Diagnostic::new("invalid-path", format!("`{}` is not a valid field path", path.value), path.span)
                .with_label(label)
                .with_help("write a dotted path of names made of letters (a to z, A to Z), digits and `_`, each starting with a letter or `_`, such as `purchase.date` or `item_2.price`"),
        );
        let repaired: Vec<&str> = path
            .value
            .split('.')
            .filter(|part| !part.is_empty())
            .collect();
        if !repaired.iter().all(|part| is_part(part)) || repaired.is_empty() {
            return None;
        }
        path.value = repaired.join(".").into();
        Some(path)
    }

    pub(super) fn field_type(&mut self, table: &Table) -> Option<Type> {
        let keyword = table.required_text("type", "\"string\"", self.errors)?;
        match keyword.value.as_ref() {
            "list" => {
                let items = table.required_text("items", "\"string\"", self.errors)?;
                if items.value == "list" {
                    self.push(
                        Diagnostic::new("invalid-type", "a list cannot hold lists", items.span)
                            .with_label("nested list")
                            .with_help("use a list of strings, numbers, dates or enums"),
                    );
                    return None;
                }
                if items.value == "object" {
                    return Some(Type::List(Box::new(Type::Record(Arc::new(Record {
                        path: String::new(),
                        schema: Schema::default(),
                    })))));
                }
                let item = self.scalar_type(&items, table)?;
                Some(Type::List(Box::new(item)))
            }
            _ => {
                if let Some(span) = table.key_span("items") {
                    self.push(
                        Diagnostic::new(
                            "conflicting-keys",
                            "`items` is only for fields of type `list`",
                            span,
                        )
                        .with_label("not a list field")
                        .with_help("remove `items`, or write `type = \"list\"`"),
                    );
                }
                self.scalar_type(&keyword, table)
            }
        }
    }

    pub(super) fn scalar_type(&mut self, keyword: &Text, table: &Table) -> Option<Type> {
        let ty = match keyword.value.as_ref() {
            "string" => Type::String,
            "bool" => Type::Bool,
            "integer" => Type::Integer,
            "decimal" => Type::Decimal,
            "date" => Type::Date,
            "datetime" => Type::DateTime,
            "enum" => return self.enum_values(table),
            other => {
                let hint = match other {
                    "boolean" => Some("did you mean `bool`?".to_owned()),
                    "number" | "float" | "money" => {
                        Some("use `decimal` for exact amounts, or `integer`".to_owned())
                    }
                    "int" => Some("did you mean `integer`?".to_owned()),
                    "text" | "str" => Some("did you mean `string`?".to_owned()),
                    _ => did_you_mean(other, Type::FIELD_KEYWORDS),
                };
                let help = hint.unwrap_or_else(|| {
                    format!("the types are {}", list_names(Type::FIELD_KEYWORDS, 8))
                });
                self.push(
                    Diagnostic::new(
                        "unknown-type",
                        format!("unknown type `{other}`"),
                        keyword.span,
                    )
                    .with_label("not a field type")
                    .with_help(help),
                );
                return None;
            }
        };
        if let Some(span) = table.key_span("values") {
            self.push(
                Diagnostic::new(
                    "conflicting-keys",
                    "`values` is only for fields of type `enum`",
                    span,
                )
                .with_label("not an enum field")
                .with_help("remove `values`, or write `type = \"enum\"`"),
            );
        }
        Some(ty)
    }

    pub(super) fn enum_values(&mut self, table: &Table) -> Option<Type> {
        let Some(node) = table.get("values") else {
            self.push(
                Diagnostic::new(
                    "missing-key",
                    "an enum field needs its `values`",
                    table.span,
                )
                .with_label("`values` is missing")
                .with_help("list the allowed values, for example `values = [\"game\", \"dlc\"]`"),
            );
            return None;
        };
        let TomlValue::Array(items) = node.get_ref() else {
            self.push(wrong_kind(
                node,
                node.get_ref(),
                "an array of strings",
                "[\"game\", \"dlc\"]",
            ));
            return None;
        };
        let mut values: Vec<String> = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                TomlValue::String(text) if values.iter().any(|seen| seen == text.as_ref()) => self
                    .push(
                        Diagnostic::new(
                            "duplicate-value",
                            format!("`{text}` is listed twice"),
                            item.span(),
                        )
                        .with_label("listed again here")
                        .with_help("remove one of them"),
                    ),
                TomlValue::String(text) if text.trim().is_empty() => self.push(
                    Diagnostic::new(
                        "invalid-value",
                        "an enum value cannot be blank",
                        item.span(),
                    )
                    .with_label("blank value"),
                ),
                TomlValue::String(text) => values.push(text.to_string()),
                other => self.push(wrong_kind(item, other, "a string", "\"game\"")),
            }
        }
        if values.is_empty() {
            self.push(
                Diagnostic::new(
                    "invalid-value",
                    "an enum needs at least one value",
                    node.span(),
                )
                .with_label("no values")
                .with_help("list the allowed values, for example `values = [\"game\", \"dlc\"]`"),
            );
            return None;
        }
        Some(Type::Enum(
            values
                .iter()
                .map(|value| Arc::from(value.as_str()))
                .collect(),
        ))
    }

    /// Adds a field to the schema's object tree; `None` when its path clashes.
    pub(super) fn place_field(
        &mut self,
        schema: &mut Schema,
        field: Field,
        span: Span,
    ) -> Option<usize> {
        let slot = schema.fields.len();
        let parts: Vec<&str> = field.path.split('.').collect();
        let (leaf, parents) = parts.split_last()?;
        let mut object = &mut schema.root;
        for (depth, part) in parents.iter().enumerate() {
            let position = object.members.iter().position(|(name, _)| name == part);
            let index = match position {
                Some(index) => index,
                None => {
                    object
                        .members
                        .push(((*part).to_owned(), Member::Object(Object::default())));
                    object.members.len() - 1
                }
            };
            match object.members.get_mut(index) {
                Some((_, Member::Object(inner))) => object = inner,
                _ => {
                    let parent = parts.get(..=depth).unwrap_or_default().join(".");
                    self.clash(&field, &parent, schema_span(&schema.fields, &parent), span);
                    return None;
                }
            }
        }
        if let Some((_, existing)) = object.members.iter().find(|(name, _)| name == leaf) {
            let earlier = match existing {
                Member::Field(slot) => schema.fields.get(*slot).map(|field| field.span),
                Member::Object(_) => schema
                    .fields
                    .iter()
                    .find(|other| other.path.starts_with(&format!("{}.", field.path)))
                    .map(|other| other.span),
            };
            self.clash(&field, &field.path, earlier, span);
            return None;
        }
        object
            .members
            .push(((*leaf).to_owned(), Member::Field(slot)));
        schema.fields.push(field);
        Some(slot)
    }

    pub(super) fn clash(&mut self, field: &Field, other: &str, earlier: Option<Span>, span: Span) {
        let mut diagnostic = if other == field.path {
            Diagnostic::new(
                "duplicate-field",
                format!("field `{}` is declared twice", field.path),
                span,
            )
            .with_label("declared again here")
            .with_help("declare each field once")
        } else {
            Diagnostic::new(
                "field-inside-field",
                format!(
                    "`{other}` is a value, so `{}` cannot be inside it",
                    field.path
                ),
                span,
            )
            .with_label("declared inside a value")
            .with_help(format!(
                "only objects have parts; declare `{other}` as a field, or its parts, not both"
            ))
        };
        if let Some(span) = earlier {
            let label = if other == field.path {
                "first declared here"
            } else {
                "declared as a value here"
            };
            diagnostic = diagnostic.with_secondary(span, label);
        }
        self.push(diagnostic);
    }

    pub(super) fn requirements(&mut self, requirements: Requirements<'_>, names: &mut Names) {
        // Indexes were handed out in order, so the conditions line up with
        // them; one that fails to check fails the whole policy.
        let mut item_conditions = Vec::new();
        for (index, text, item) in requirements.items {
            let Some(expr) = self.expression(&text) else {
                continue;
            };
            let scope = names.scope(false);
            if let Some(checked) = check_for_item(&expr, item, &scope, self.errors) {
                item_conditions.push((index, checked));
            }
        }
        item_conditions.sort_by_key(|(index, _)| *index);
        names
            .schema
            .item_conditions
            .extend(item_conditions.into_iter().map(|(_, checked)| checked));
        for (slot, text) in requirements.fields {
            let Some(expr) = self.expression(&text) else {
                continue;
            };
            let scope = names.scope(false);
            let checked = check_typed(&expr, &Type::Bool, "`required_when`", &scope, self.errors);
            if let (Some(checked), Some(field)) = (checked, names.schema.fields.get_mut(slot)) {
                field.requirement = Requirement::When(checked);
            }
        }
    }
}

/// A `[[field]]` as read, before it is placed in the request's schema or
/// in the schema of a list's items.
struct Declared<'f> {
    field: Field,
    condition: Option<Text<'f>>,
    span: Span,
}

/// The `required_when` conditions of the fields and of the members of list
/// items, checked once the derived values are known.
#[derive(Default)]
pub(super) struct Requirements<'f> {
    fields: Vec<(usize, Text<'f>)>,
    /// The index in `Schema::item_conditions`, the condition, and the type
    /// of the item it is checked for.
    items: Vec<(usize, Text<'f>, Type)>,
    next_item_index: usize,
}

fn schema_span(fields: &[Field], path: &str) -> Option<Span> {
    fields
        .iter()
        .find(|field| field.path == path)
        .map(|field| field.span)
}
