//! Loading a policy: the TOML document is read, every expression parsed and
//! type-checked against the declared fields, and all problems reported at
//! once. Only a policy without problems comes out.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use toml::de::DeValue;

use crate::ast::{Expr, ExprKind};
use crate::check::{Scope, check, check_typed};
use crate::compiled::Checked;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::document::{self, Node, Table, Text, boolean, kind_name, tables, wrong_kind};
use crate::parser::parse_expression;
use crate::policy::{
    Constraint, Derived, Effect, Metadata, Outcome, Policy, Rule, Section, Template, TemplatePart,
};
use crate::schema::{Field, Member, Object, Requirement, Schema};
use crate::span::{Origin, Span};
use crate::suggest::{did_you_mean, list_names};
use crate::types::Type;
use crate::value::Value;

/// The policy file format this version of `ruling` reads.
pub const FORMAT: i64 = 1;

/// A policy file with problems: every diagnostic found, and the file they
/// point into.
#[derive(Debug, thiserror::Error)]
#[error("`{}` has {} problem(s)", file.name, diagnostics.len())]
pub struct LoadError {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads and checks a policy from its source text.
pub fn load(file: SourceFile) -> Result<Policy, LoadError> {
    let mut errors = Vec::new();
    let policy = Loader {
        text: &file.text,
        errors: &mut errors,
    }
    .policy(&file);
    match policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(LoadError {
            file,
            diagnostics: errors,
        }),
    }
}

const TOP_KEYS: &[&str] = &[
    "format",
    "policy",
    "field",
    "derived",
    "constraint",
    "rule",
    "default",
    "effects",
];
const POLICY_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "effective_date",
    "effective_date_field",
    "timezone",
    "source",
];
const FIELD_KEYS: &[&str] = &[
    "path",
    "type",
    "values",
    "items",
    "description",
    "required",
    "required_when",
    "default",
];
const CONSTRAINT_KEYS: &[&str] = &["id", "must", "message"];
const RULE_KEYS: &[&str] = &[
    "id", "clause", "section", "when", "outcome", "reason", "effects",
];
const DEFAULT_KEYS: &[&str] = &["id", "clause", "section", "outcome", "reason", "effects"];

struct Loader<'f, 'e> {
    text: &'f str,
    errors: &'e mut Vec<Diagnostic>,
}

/// What the rules of a policy can see, built up as the file is read.
struct Names {
    schema: Schema,
    derived: Vec<(String, Option<Type>)>,
}

impl Names {
    fn scope(&self, missing_allowed: bool) -> Scope<'_> {
        Scope {
            schema: &self.schema,
            derived: &self.derived,
            missing_allowed,
        }
    }
}

impl<'f> Loader<'f, '_> {
    fn policy(&mut self, file: &SourceFile) -> Option<Policy> {
        let root = match document::parse(self.text) {
            Ok(root) => root,
            Err(errors) => {
                self.errors.extend(errors);
                return None;
            }
        };
        let top = Table::new(
            root.get_ref(),
            self.text,
            Span::empty(0),
            "the policy file",
            TOP_KEYS,
        );
        top.check_keys(self.errors);
        self.format(&top);
        let meta_table = self.section(&top, "policy");
        let (schema, requirements) = self.fields(&top);
        let mut names = Names {
            schema,
            derived: Vec::new(),
        };
        let derived = self.derived(&top, &mut names);
        self.requirements(requirements, &mut names);
        let meta = meta_table.and_then(|table| self.metadata(&table, &names.schema));
        let constraints = self.constraints(&top, &names);
        let rules = self.rules(&top, &names);
        let default = self.default_rule(&top, &names);
        let outcome_effects = self.outcome_effects(&top, &names);
        self.require_missing_check(&names.schema, &rules, &top);
        Some(Policy {
            meta: meta?,
            file: file.clone(),
            sha256: hex_sha256(file.text.as_bytes()),
            schema: names.schema,
            derived,
            constraints,
            rules,
            default: default?,
            outcome_effects,
        })
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }

    fn format(&mut self, top: &Table) {
        let Some(node) = top.get("format") else {
            self.push(
                Diagnostic::new(
                    "missing-key",
                    "the policy file has no `format`",
                    Span::empty(0),
                )
                .with_label("expected `format = 1` at the top")
                .with_help(
                    "start the file with `format = 1`, the version of the policy file format",
                ),
            );
            return;
        };
        match node.get_ref() {
            DeValue::Integer(number) if number.as_str() == FORMAT.to_string() => {}
            DeValue::Integer(number) => self.push(
                Diagnostic::new(
                    "unsupported-format",
                    format!("format `{}` is not supported", number.as_str()),
                    node.span().into(),
                )
                .with_label("unknown format version")
                .with_help(format!("this version of ruling reads `format = {FORMAT}`")),
            ),
            other => self.push(wrong_kind(node, other, "the format version number", "1")),
        }
    }

    fn section<'t, 'i>(&mut self, top: &Table<'t, 'i>, key: &'static str) -> Option<Table<'t, 'i>>
    where
        'f: 't,
    {
        let Some(node) = top.get(key) else {
            self.push(
                Diagnostic::new(
                    "missing-key",
                    format!("the policy file has no `[{key}]` table"),
                    Span::empty(0),
                )
                .with_label(format!("`[{key}]` is missing"))
                .with_help(format!(
                    "add a `[{key}]` table; see docs/policy-language.md"
                )),
            );
            return None;
        };
        let table = document::table(node, self.errors)?;
        Some(Table::new(
            table,
            self.text,
            node.span().into(),
            format!("`[{key}]`"),
            POLICY_KEYS,
        ))
    }

    fn metadata(&mut self, table: &Table, schema: &Schema) -> Option<Metadata> {
        table.check_keys(self.errors);
        let id = table.required_text("id", "\"refund-policy\"", self.errors);
        let version = table.required_text("version", "\"2025-01-22\"", self.errors);
        let title = table.required_text("title", "\"Refund policy\"", self.errors);
        let effective_date = table.required("effective_date", "2025-01-22", date, self.errors);
        let field = table.optional_text("effective_date_field", self.errors);
        let timezone = table.optional_text("timezone", self.errors);
        let source = table.optional_text("source", self.errors);
        let id = id.filter(|id| self.identifier(id, "policy id"))?;
        let version = version.filter(|version| self.version(version))?;
        let (timezone, timezone_name) = match timezone {
            Some(text) => (self.timezone(&text)?, text.value),
            None => (FixedOffset::east_opt(0)?, "UTC".to_owned()),
        };
        let effective_date_field = match field {
            Some(field) => Some(self.date_field(&field, schema)?),
            None => None,
        };
        Some(Metadata {
            id: id.value,
            version: version.value,
            title: title?.value,
            effective_date: effective_date?,
            effective_date_field,
            timezone,
            timezone_name,
            source: source.map(|source| source.value).unwrap_or_default(),
        })
    }

    fn identifier(&mut self, text: &Text, what: &str) -> bool {
        let valid = !text.value.is_empty()
            && text
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            self.push(
                Diagnostic::new(
                    "invalid-id",
                    format!("`{}` is not a valid {what}", text.value),
                    text.span,
                )
                .with_label("use lowercase letters, digits and `-`")
                .with_help(format!("for example `{}`", kebab(&text.value))),
            );
        }
        valid
    }

    fn version(&mut self, text: &Text) -> bool {
        let valid = !text.value.is_empty()
            && !text
                .value
                .chars()
                .any(|c| c.is_whitespace() || c == '/' || c == '\\');
        if !valid {
            self.push(
                Diagnostic::new(
                    "invalid-version",
                    format!("`{}` is not a valid version", text.value),
                    text.span,
                )
                .with_label("a version is a word without spaces or slashes")
                .with_help("for example the effective date: `\"2025-01-22\"`"),
            );
        }
        valid
    }

    fn timezone(&mut self, text: &Text) -> Option<FixedOffset> {
        let offset = parse_timezone(&text.value);
        if offset.is_none() {
            self.push(
                Diagnostic::new("invalid-timezone", format!("`{}` is not a time zone ruling understands", text.value), text.span)
                    .with_label("expected `UTC` or an offset")
                    .with_help("write `\"UTC\"` or a fixed offset such as `\"+02:00\"`; named zones are not supported"),
            );
        }
        offset
    }

    fn date_field(&mut self, text: &Text, schema: &Schema) -> Option<usize> {
        let slot = schema.slot(&text.value);
        match slot.and_then(|slot| schema.field(slot)) {
            Some(field) if matches!(field.ty, Type::Date | Type::DateTime) => slot,
            Some(field) => {
                self.push(
                    Diagnostic::new(
                        "type-mismatch",
                        format!("`{}` must be a date or datetime field, but it is {}", text.value, field.ty),
                        text.span,
                    )
                    .with_label("not a date")
                    .with_help("name the request field whose date selects the policy version, such as the purchase date"),
                );
                None
            }
            None => {
                let help = did_you_mean(
                    &text.value,
                    schema.fields.iter().map(|field| field.path.as_str()),
                )
                .unwrap_or_else(|| {
                    "name a `date` or `datetime` field declared with `[[field]]`".to_owned()
                });
                self.push(
                    Diagnostic::new(
                        "unknown-name",
                        format!("unknown field `{}`", text.value),
                        text.span,
                    )
                    .with_label("not a field of this policy")
                    .with_help(help),
                );
                None
            }
        }
    }

    /// Reads `[[field]]` entries into a schema; `required_when` conditions
    /// come back separately, to be checked once all fields are known.
    fn fields(&mut self, top: &Table) -> (Schema, Vec<(usize, Text)>) {
        let mut schema = Schema::default();
        let mut conditions = Vec::new();
        let Some(node) = top.get("field") else {
            return (schema, conditions);
        };
        for (table, span) in tables(node, "field", self.errors) {
            let table = Table::new(table, self.text, span, "`[[field]]`", FIELD_KEYS);
            table.check_keys(self.errors);
            let Some((field, condition)) = self.field(&table) else {
                continue;
            };
            if let (Some(slot), Some(condition)) =
                (self.place_field(&mut schema, field, &table), condition)
            {
                conditions.push((slot, condition));
            }
        }
        (schema, conditions)
    }

    fn field(&mut self, table: &Table) -> Option<(Field, Option<Text>)> {
        let path = table.required_text("path", "\"purchase.date\"", self.errors);
        let ty = self.field_type(table);
        let description =
            table.required_text("description", "\"When the purchase was made\"", self.errors);
        let required = table.optional("required", boolean, self.errors);
        let required_when = table.optional_text("required_when", self.errors);
        let path = path.filter(|path| self.field_path(path))?;
        let ty = ty?;
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
                    node.span().into(),
                )
                .with_label("the default would never be used")
                .with_help("remove `default`, or make the field optional"),
            );
        }
        let default = default.unwrap_or(if ty == Type::Bool {
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
            path: path.value,
            ty,
            description: description?.value,
            requirement,
            default,
            span: table.span,
        };
        Some((field, required_when))
    }

    fn field_path(&mut self, path: &Text) -> bool {
        let bad_part = path.value.split('.').find(|part| !is_identifier(part));
        if let Some(part) = bad_part {
            self.push(
                Diagnostic::new("invalid-path", format!("`{}` is not a valid field path", path.value), path.span)
                    .with_label(if part.is_empty() { "empty part".to_owned() } else { format!("`{part}` is not a name") })
                    .with_help("write a dotted path of names made of letters, digits and `_`, such as `purchase.date`"),
            );
        }
        bad_part.is_none()
    }

    fn field_type(&mut self, table: &Table) -> Option<Type> {
        let keyword = table.required_text("type", "\"string\"", self.errors)?;
        match keyword.value.as_str() {
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

    fn scalar_type(&mut self, keyword: &Text, table: &Table) -> Option<Type> {
        let ty = match keyword.value.as_str() {
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

    fn enum_values(&mut self, table: &Table) -> Option<Type> {
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
        let DeValue::Array(items) = node.get_ref() else {
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
                DeValue::String(text) if values.iter().any(|seen| seen == text.as_ref()) => self
                    .push(
                        Diagnostic::new(
                            "duplicate-value",
                            format!("`{text}` is listed twice"),
                            item.span().into(),
                        )
                        .with_label("listed again here")
                        .with_help("remove one of them"),
                    ),
                DeValue::String(text) if text.trim().is_empty() => self.push(
                    Diagnostic::new(
                        "invalid-value",
                        "an enum value cannot be blank",
                        item.span().into(),
                    )
                    .with_label("blank value"),
                ),
                DeValue::String(text) => values.push(text.to_string()),
                other => self.push(wrong_kind(item, other, "a string", "\"game\"")),
            }
        }
        if values.is_empty() {
            self.push(
                Diagnostic::new(
                    "invalid-value",
                    "an enum needs at least one value",
                    node.span().into(),
                )
                .with_label("no values")
                .with_help("list the allowed values, for example `values = [\"game\", \"dlc\"]`"),
            );
            return None;
        }
        Some(Type::Enum(Arc::from(values)))
    }

    /// Adds a field to the schema's object tree; `None` when its path clashes.
    fn place_field(&mut self, schema: &mut Schema, field: Field, table: &Table) -> Option<usize> {
        let slot = schema.fields.len();
        let parts: Vec<String> = field.path.split('.').map(str::to_owned).collect();
        let (leaf, parents) = parts.split_last()?;
        let mut object = &mut schema.root;
        for (depth, part) in parents.iter().enumerate() {
            let position = object.members.iter().position(|(name, _)| name == part);
            let index = match position {
                Some(index) => index,
                None => {
                    object
                        .members
                        .push((part.clone(), Member::Object(Object::default())));
                    object.members.len() - 1
                }
            };
            match object.members.get_mut(index) {
                Some((_, Member::Object(inner))) => object = inner,
                _ => {
                    let parent = parts.get(..=depth).unwrap_or_default().join(".");
                    self.clash(&field, &parent, schema_span(&schema.fields, &parent), table);
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
            self.clash(&field, &field.path, earlier, table);
            return None;
        }
        object.members.push((leaf.clone(), Member::Field(slot)));
        schema.fields.push(field);
        Some(slot)
    }

    fn clash(&mut self, field: &Field, other: &str, earlier: Option<Span>, table: &Table) {
        let message = if other == field.path {
            format!("field `{}` is declared twice", field.path)
        } else {
            format!(
                "`{}` is a field, so `{}` cannot be inside it",
                other, field.path
            )
        };
        let mut diagnostic = Diagnostic::new("duplicate-field", message, table.span)
            .with_label("declared here")
            .with_help("each JSON path is declared once; objects are implied by dotted paths");
        if let Some(span) = earlier {
            diagnostic = diagnostic.with_secondary(span, "first declared here");
        }
        self.push(diagnostic);
    }

    fn requirements(&mut self, conditions: Vec<(usize, Text)>, names: &mut Names) {
        for (slot, text) in conditions {
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

    fn expression(&mut self, text: &Text) -> Option<Expr> {
        match parse_expression(&text.value, &text.origin) {
            Ok(expr) => Some(expr),
            Err(errors) => {
                self.errors.extend(errors);
                None
            }
        }
    }

    /// Reads `[derived]`, checking the values in the order they depend on
    /// each other.
    fn derived(&mut self, top: &Table, names: &mut Names) -> Vec<Derived> {
        let Some(node) = top.get("derived") else {
            return Vec::new();
        };
        let Some(table) = document::table(node, self.errors) else {
            return Vec::new();
        };
        let table = Table::new(table, self.text, node.span().into(), "`[derived]`", &[]);
        let mut parsed: Vec<(String, Span, Option<Expr>)> = Vec::new();
        for (name, key_span, value) in table.keys() {
            let Some(text) = document::text(value, self.text, self.errors) else {
                continue;
            };
            if !is_identifier(name) {
                self.push(
                    Diagnostic::new(
                        "invalid-name",
                        format!("`{name}` is not a valid name for a derived value"),
                        key_span,
                    )
                    .with_label("use letters, digits and `_`")
                    .with_help("for example `days_since_purchase`"),
                );
                continue;
            }
            if names.schema.root.member(name).is_some() {
                self.push(
                    Diagnostic::new(
                        "duplicate-name",
                        format!("`{name}` is already the name of a request field"),
                        key_span,
                    )
                    .with_label("clashes with a field")
                    .with_help("give the derived value another name"),
                );
                continue;
            }
            let expr = self.expression(&text);
            parsed.push((name.to_owned(), key_span, expr));
        }
        names.derived = parsed
            .iter()
            .map(|(name, _, _)| (name.clone(), None))
            .collect();
        let order = self.dependency_order(&parsed);
        let mut checked: Vec<Option<Checked>> = parsed.iter().map(|_| None).collect();
        for index in order {
            let Some((_, _, Some(expr))) = parsed.get(index) else {
                continue;
            };
            let result = check(expr, &names.scope(false), self.errors);
            if let Some(result) = result {
                if let Some(entry) = names.derived.get_mut(index) {
                    entry.1 = Some(result.ty.clone());
                }
                if let Some(slot) = checked.get_mut(index) {
                    *slot = Some(result);
                }
            }
        }
        parsed
            .into_iter()
            .zip(checked)
            .filter_map(|((name, _, _), value)| {
                Some(Derived {
                    name,
                    value: value?,
                })
            })
            .collect()
    }

    /// Indexes of the derived values, each after the ones it uses; cycles
    /// are reported and left out.
    fn dependency_order(&mut self, parsed: &[(String, Span, Option<Expr>)]) -> Vec<usize> {
        let uses: Vec<Vec<usize>> = parsed
            .iter()
            .map(|(_, _, expr)| {
                let mut used = Vec::new();
                if let Some(expr) = expr {
                    collect_names(expr, &mut |name| {
                        if let Some(index) = parsed.iter().position(|(other, _, _)| other == name) {
                            used.push(index);
                        }
                    });
                }
                used
            })
            .collect();
        let mut state = vec![Visit::New; parsed.len()];
        let mut order = Vec::new();
        for start in 0..parsed.len() {
            if let Some(cycle) = visit(start, &uses, &mut state, &mut order, &mut Vec::new()) {
                let names: Vec<&str> = cycle
                    .iter()
                    .filter_map(|index| parsed.get(*index).map(|(name, _, _)| name.as_str()))
                    .collect();
                let span = cycle
                    .first()
                    .and_then(|index| parsed.get(*index))
                    .map_or(Span::empty(0), |(_, span, _)| *span);
                self.push(
                    Diagnostic::new(
                        "cycle",
                        format!("derived values depend on each other: {}", names.join(" → ")),
                        span,
                    )
                    .with_label("part of a cycle")
                    .with_help("a derived value cannot use itself, directly or through others"),
                );
            }
        }
        order
    }

    fn constraints(&mut self, top: &Table, names: &Names) -> Vec<Constraint> {
        let Some(node) = top.get("constraint") else {
            return Vec::new();
        };
        let mut constraints = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (table, span) in tables(node, "constraint", self.errors) {
            let table = Table::new(table, self.text, span, "`[[constraint]]`", CONSTRAINT_KEYS);
            table.check_keys(self.errors);
            let id = table.required_text("id", "\"request-after-purchase\"", self.errors);
            let must =
                table.required_text("must", "\"request.date >= purchase.date\"", self.errors);
            let message = table.required_text(
                "message",
                "\"the request is dated before the purchase\"",
                self.errors,
            );
            let id = id.filter(|id| {
                self.identifier(id, "constraint id") && self.unique(id, &mut seen, "constraint")
            });
            let must = must.and_then(|must| {
                let expr = self.expression(&must)?;
                check_typed(
                    &expr,
                    &Type::Bool,
                    "`must`",
                    &names.scope(false),
                    self.errors,
                )
            });
            if let (Some(id), Some(must), Some(message)) = (id, must, message) {
                constraints.push(Constraint {
                    id: id.value,
                    must,
                    message: message.value,
                });
            }
        }
        constraints
    }

    fn unique(&mut self, id: &Text, seen: &mut Vec<(String, Span)>, what: &str) -> bool {
        if let Some((_, first)) = seen.iter().find(|(other, _)| *other == id.value) {
            self.push(
                Diagnostic::new(
                    "duplicate-id",
                    format!("two {what}s have the id `{}`", id.value),
                    id.span,
                )
                .with_label("used again here")
                .with_secondary(*first, "first used here")
                .with_help(format!(
                    "give each {what} its own id; ids name {what}s in traces and tests"
                )),
            );
            return false;
        }
        seen.push((id.value.clone(), id.span));
        true
    }

    fn rules(&mut self, top: &Table, names: &Names) -> Vec<Rule> {
        let Some(node) = top.get("rule") else {
            return Vec::new();
        };
        let mut rules = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (table, span) in tables(node, "rule", self.errors) {
            let table = Table::new(table, self.text, span, "`[[rule]]`", RULE_KEYS);
            table.check_keys(self.errors);
            if let Some(rule) = self.rule(&table, names, &mut seen, true) {
                rules.push(rule);
            }
        }
        rules
    }

    fn default_rule(&mut self, top: &Table, names: &Names) -> Option<Rule> {
        let Some(node) = top.get("default") else {
            self.push(
                Diagnostic::new("missing-key", "the policy file has no `[default]`", Span::empty(0))
                    .with_label("`[default]` is missing")
                    .with_help("add a `[default]` table with `id`, `clause`, `outcome` and `reason`: it decides when no rule applies"),
            );
            return None;
        };
        let table = document::table(node, self.errors)?;
        let table = Table::new(
            table,
            self.text,
            node.span().into(),
            "`[default]`",
            DEFAULT_KEYS,
        );
        table.check_keys(self.errors);
        self.rule(&table, names, &mut Vec::new(), false)
    }

    fn rule(
        &mut self,
        table: &Table,
        names: &Names,
        seen: &mut Vec<(String, Span)>,
        conditional: bool,
    ) -> Option<Rule> {
        let id = table.required_text("id", "\"within-window\"", self.errors);
        let clause = table.required_text("clause", "\"Eligibility §1\"", self.errors);
        let outcome = table.required_text("outcome", "\"approve\"", self.errors);
        let reason = table.required_text(
            "reason",
            "\"Your request is within the refund window.\"",
            self.errors,
        );
        let section = if conditional {
            table.required_text("section", "\"eligibility\"", self.errors)
        } else {
            table.optional_text("section", self.errors)
        };
        let when = if conditional {
            table.required_text("when", "\"days_since_purchase <= 7\"", self.errors)
        } else {
            None
        };
        let id = id.filter(|id| self.identifier(id, "rule id") && self.unique(id, seen, "rule"));
        let outcome = outcome.and_then(|text| self.outcome(&text));
        let section = match section {
            Some(text) => Some(self.section_name(&text)?),
            None => None,
        };
        let when = when.and_then(|text| {
            let expr = self.expression(&text)?;
            check_typed(
                &expr,
                &Type::Bool,
                "a rule's `when`",
                &names.scope(true),
                self.errors,
            )
        });
        let reason = reason.and_then(|text| self.template(&text, names));
        let effects = match table.get("effects") {
            Some(node) => self.effects(node, "`[rule.effects]`", names)?,
            None => Vec::new(),
        };
        if conditional && when.is_none() {
            return None;
        }
        Some(Rule {
            id: id?.value,
            clause: clause?.value,
            section,
            when,
            outcome: outcome?,
            reason: reason?,
            effects,
            span: table.span,
        })
    }

    fn outcome(&mut self, text: &Text) -> Option<Outcome> {
        let outcome = Outcome::from_keyword(&text.value);
        if outcome.is_none() {
            let keywords = Outcome::ALL.map(Outcome::keyword);
            let hint = match text.value.to_lowercase().as_str() {
                "approved" | "accept" | "refund" | "allow" => {
                    Some("did you mean `approve`?".to_owned())
                }
                "denied" | "reject" | "refuse" => Some("did you mean `deny`?".to_owned()),
                "needs-info" | "needsinfo" | "need_info" | "more_info" => {
                    Some("did you mean `needs_info`?".to_owned())
                }
                "manual" | "manual_review" | "escalate" => {
                    Some("did you mean `review`?".to_owned())
                }
                _ => did_you_mean(&text.value, keywords),
            };
            let help =
                hint.unwrap_or_else(|| format!("the outcomes are {}", list_names(keywords, 4)));
            self.push(
                Diagnostic::new(
                    "unknown-outcome",
                    format!("unknown outcome `{}`", text.value),
                    text.span,
                )
                .with_label("not an outcome")
                .with_help(help),
            );
        }
        outcome
    }

    fn section_name(&mut self, text: &Text) -> Option<Section> {
        let section = Section::from_keyword(&text.value);
        if section.is_none() {
            let keywords = Section::ALL.map(Section::keyword);
            let help = did_you_mean(&text.value, keywords)
                .unwrap_or_else(|| format!("the sections are {}", list_names(keywords, 4)));
            self.push(
                Diagnostic::new(
                    "unknown-section",
                    format!("unknown section `{}`", text.value),
                    text.span,
                )
                .with_label("not a section")
                .with_help(help),
            );
        }
        section
    }

    /// Splits a reason into text and `{expression}` placeholders.
    fn template(&mut self, text: &Text, names: &Names) -> Option<Template> {
        let pieces = match split_template(&text.value) {
            Ok(pieces) => pieces,
            Err(at) => {
                let span = text.origin.span(Span::new(at, at + 1));
                self.push(
                    Diagnostic::new("unclosed-placeholder", "this `{` is never closed", span)
                        .with_label("opened here")
                        .with_help(
                            "close the placeholder with `}`, or write `{{` for a literal brace",
                        ),
                );
                return None;
            }
        };
        let mut parts = Vec::new();
        let mut valid = true;
        for piece in pieces {
            match piece {
                Piece::Text(literal) => parts.push(TemplatePart::Text(literal)),
                Piece::Placeholder(start, source) => {
                    let origin = text.origin.slice(start);
                    let checked = parse_expression(&source, &origin)
                        .map_err(|errors| self.errors.extend(errors))
                        .ok()
                        .and_then(|expr| check(&expr, &names.scope(true), self.errors));
                    match checked {
                        Some(checked) => parts.push(TemplatePart::Value(checked)),
                        None => valid = false,
                    }
                }
            }
        }
        valid.then_some(Template { parts })
    }

    fn effects(&mut self, node: &Node, name: &str, names: &Names) -> Option<Vec<Effect>> {
        let table = document::table(node, self.errors)?;
        let mut effects = Vec::new();
        let mut valid = true;
        for (key, value) in table.iter() {
            let key_name = key.get_ref().to_string();
            if !is_identifier(&key_name) {
                self.push(
                    Diagnostic::new(
                        "invalid-name",
                        format!("`{key_name}` is not a valid effect name in {name}"),
                        key.span().into(),
                    )
                    .with_label("use letters, digits and `_`")
                    .with_help("for example `refund_amount`"),
                );
                valid = false;
                continue;
            }
            let checked = match value.get_ref() {
                DeValue::String(_) => {
                    document::text(value, self.text, self.errors).and_then(|text| {
                        let expr = self.expression(&text)?;
                        check(&expr, &names.scope(true), self.errors)
                    })
                }
                _ => self
                    .constant(value, None)
                    .map(|(constant, ty)| constant_checked(constant, ty, value)),
            };
            match checked {
                Some(value) => effects.push(Effect {
                    name: key_name,
                    value,
                }),
                None => valid = false,
            }
        }
        valid.then_some(effects)
    }

    fn outcome_effects(&mut self, top: &Table, names: &Names) -> Vec<(Outcome, Vec<Effect>)> {
        let Some(node) = top.get("effects") else {
            return Vec::new();
        };
        let Some(table) = document::table(node, self.errors) else {
            return Vec::new();
        };
        let mut result = Vec::new();
        for (key, value) in table.iter() {
            let text = Text {
                value: key.get_ref().to_string(),
                span: key.span().into(),
                origin: Origin::Whole(key.span().into()),
            };
            let Some(outcome) = self.outcome(&text) else {
                continue;
            };
            if let Some(effects) =
                self.effects(value, &format!("`[effects.{}]`", text.value), names)
            {
                result.push((outcome, effects));
            }
        }
        result
    }

    /// A TOML value used as a constant: a default or a constant effect.
    /// With `expected`, it must fit that type.
    fn constant(&mut self, node: &Node, expected: Option<&Type>) -> Option<(Value, Type)> {
        let (value, ty) = self.toml_value(node)?;
        match expected {
            Some(expected) if !expected.accepts(&ty) => {
                self.push(
                    Diagnostic::new(
                        "type-mismatch",
                        format!("expected {expected}, found {ty}"),
                        node.span().into(),
                    )
                    .with_label(format!("this is {ty}"))
                    .with_help(format!("write a {} value here", expected.keyword())),
                );
                None
            }
            Some(Type::Enum(values)) => match &value {
                Value::String(text)
                    if !values.iter().any(|allowed| allowed.as_str() == &**text) =>
                {
                    self.push(
                        Diagnostic::new(
                            "unknown-enum-value",
                            format!("`{text}` is not one of the field's values"),
                            node.span().into(),
                        )
                        .with_label("not listed in `values`")
                        .with_help(format!(
                            "the values are {}",
                            list_names(values.iter().map(String::as_str), 12)
                        )),
                    );
                    None
                }
                _ => Some((value, Type::Enum(Arc::clone(values)))),
            },
            Some(Type::Decimal) => Some((
                value.as_decimal().map_or(value, Value::Decimal),
                Type::Decimal,
            )),
            _ => Some((value, ty)),
        }
    }

    fn toml_value(&mut self, node: &Node) -> Option<(Value, Type)> {
        Some(match node.get_ref() {
            DeValue::String(text) => (Value::string(text), Type::String),
            DeValue::Boolean(b) => (Value::Bool(*b), Type::Bool),
            DeValue::Integer(number) => {
                match i64::from_str_radix(&number.as_str().replace('_', ""), number.radix()) {
                    Ok(n) => (Value::Integer(n), Type::Integer),
                    Err(_) => return self.bad_number(node),
                }
            }
            DeValue::Float(number) => {
                match Decimal::from_str_exact(&number.as_str().replace('_', "")) {
                    Ok(d) => (Value::Decimal(d), Type::Decimal),
                    Err(_) => return self.bad_number(node),
                }
            }
            DeValue::Datetime(datetime) => return self.toml_datetime(node, datetime),
            DeValue::Array(items) => {
                let mut values = Vec::new();
                let mut item_type = Type::Nothing;
                for item in items.iter() {
                    let (value, ty) = self.toml_value(item)?;
                    if !item_type.accepts(&ty) {
                        self.push(
                            Diagnostic::new(
                                "type-mismatch",
                                format!("an array holds values of one type, but this is {ty}"),
                                item.span().into(),
                            )
                            .with_label(format!("this is {ty}")),
                        );
                        return None;
                    }
                    item_type = ty;
                    values.push(value);
                }
                (
                    Value::List(Arc::from(values)),
                    Type::List(Box::new(item_type)),
                )
            }
            other @ DeValue::Table(_) => {
                self.push(
                    Diagnostic::new(
                        "wrong-kind",
                        format!("expected a value, found {}", kind_name(other)),
                        node.span().into(),
                    )
                    .with_label("a table cannot be a value here")
                    .with_help(
                        "write a string expression, a number, a boolean, a date or an array",
                    ),
                );
                return None;
            }
        })
    }

    fn bad_number(&mut self, node: &Node) -> Option<(Value, Type)> {
        self.push(
            Diagnostic::new(
                "invalid-number",
                "this number cannot be represented exactly",
                node.span().into(),
            )
            .with_label("too large, too precise, or not finite")
            .with_help("use at most 28 significant digits"),
        );
        None
    }

    fn toml_datetime(
        &mut self,
        node: &Node,
        datetime: &toml::value::Datetime,
    ) -> Option<(Value, Type)> {
        let text = datetime.to_string();
        if datetime.time.is_none()
            && let Ok(date) = NaiveDate::from_str(&text)
        {
            return Some((Value::Date(date), Type::Date));
        }
        match chrono::DateTime::parse_from_rfc3339(&text) {
            Ok(time) => Some((Value::DateTime(time), Type::DateTime)),
            Err(_) => {
                self.push(
                    Diagnostic::new(
                        "invalid-datetime",
                        format!("`{text}` has no time zone offset"),
                        node.span().into(),
                    )
                    .with_label("a local time is ambiguous")
                    .with_help(format!("add the offset, for example `{text}Z` for UTC")),
                );
                None
            }
        }
    }

    /// When any field is required, some rule must react to missing fields.
    fn require_missing_check(&mut self, schema: &Schema, rules: &[Rule], top: &Table) {
        let any_required = schema
            .fields
            .iter()
            .any(|field| !matches!(field.requirement, Requirement::Optional));
        let checked = rules
            .iter()
            .any(|rule| rule.when.as_ref().is_some_and(Checked::uses_missing));
        if any_required && !checked && !rules.is_empty() {
            let span = top.key_span("rule").unwrap_or(Span::empty(0));
            self.push(
                Diagnostic::new("missing-check", "no rule handles missing required fields", span)
                    .with_label("the rules start here")
                    .with_help(
                        "add a rule with `when = \"any_missing()\"` and `outcome = \"needs_info\"` where missing information should be reported (usually first)",
                    ),
            );
        }
    }
}

fn date(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<NaiveDate> {
    match node.get_ref() {
        DeValue::Datetime(datetime) if datetime.time.is_none() && datetime.offset.is_none() => {
            NaiveDate::from_str(&datetime.to_string()).ok()
        }
        DeValue::String(text) => {
            let help = if NaiveDate::from_str(text).is_ok() {
                format!("write the date without quotes: `{text}`")
            } else {
                "write the date as YYYY-MM-DD without quotes, for example `2025-01-22`".to_owned()
            };
            errors.push(
                Diagnostic::new(
                    "wrong-kind",
                    "expected a date, found a string",
                    node.span().into(),
                )
                .with_label("this is a string")
                .with_help(help),
            );
            None
        }
        other => {
            errors.push(wrong_kind(node, other, "a date", "2025-01-22"));
            None
        }
    }
}

fn constant_checked(value: Value, ty: Type, node: &Node) -> Checked {
    let text = match &value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    };
    Checked {
        node: crate::compiled::Node::Constant(value),
        ty,
        span: node.span().into(),
        text,
    }
}

fn schema_span(fields: &[Field], path: &str) -> Option<Span> {
    fields
        .iter()
        .find(|field| field.path == path)
        .map(|field| field.span)
}

pub fn parse_timezone(text: &str) -> Option<FixedOffset> {
    if matches!(text, "UTC" | "Z" | "utc" | "Etc/UTC") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, text.get(1..)?),
        Some(b'-') => (-1, text.get(1..)?),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let seconds = hours.parse::<i32>().ok()? * 3_600 + minutes.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * seconds)
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn kebab(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Calls `found` with every single-name path in `expr`.
fn collect_names(expr: &Expr, found: &mut impl FnMut(&str)) {
    match &expr.kind {
        ExprKind::Path(parts) => {
            if let [single] = parts.as_slice() {
                found(&single.name);
            }
        }
        ExprKind::Literal(_) => {}
        ExprKind::Unary(_, inner) => collect_names(inner, found),
        ExprKind::Binary(_, a, b)
        | ExprKind::In {
            value: a, list: b, ..
        } => {
            collect_names(a, found);
            collect_names(b, found);
        }
        ExprKind::List(items) | ExprKind::Call(_, items) => {
            items.iter().for_each(|item| collect_names(item, found))
        }
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => {
            collect_names(condition, found);
            collect_names(then, found);
            collect_names(otherwise, found);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Active,
    Done,
}

/// Depth-first visit for the dependency order; returns a cycle when found.
fn visit(
    index: usize,
    uses: &[Vec<usize>],
    state: &mut [Visit],
    order: &mut Vec<usize>,
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    match state.get(index) {
        Some(Visit::Done) | None => return None,
        Some(Visit::Active) => {
            let start = path
                .iter()
                .position(|entry| *entry == index)
                .unwrap_or_default();
            let mut cycle = path.get(start..).unwrap_or_default().to_vec();
            cycle.push(index);
            return Some(cycle);
        }
        Some(Visit::New) => {}
    }
    if let Some(entry) = state.get_mut(index) {
        *entry = Visit::Active;
    }
    path.push(index);
    let mut cycle = None;
    for used in uses.get(index).map(Vec::as_slice).unwrap_or_default() {
        if let Some(found) = visit(*used, uses, state, order, path) {
            cycle = Some(found);
            break;
        }
    }
    path.pop();
    if let Some(entry) = state.get_mut(index) {
        *entry = Visit::Done;
    }
    if cycle.is_none() {
        order.push(index);
    }
    cycle
}

enum Piece {
    Text(String),
    /// A placeholder's expression and the byte offset where it starts.
    Placeholder(usize, String),
}

/// Splits `{expr}` placeholders from text; `Err` holds the offset of an
/// unclosed `{`.
fn split_template(text: &str) -> Result<Vec<Piece>, usize> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|(_, next)| *next) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|(_, next)| *next) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let start = at + 1;
                let end = placeholder_end(text, start).ok_or(at)?;
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Placeholder(
                    start,
                    text.get(start..end).unwrap_or_default().to_owned(),
                ));
                while chars.peek().is_some_and(|(next, _)| *next <= end) {
                    chars.next();
                }
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

/// The offset of the `}` closing a placeholder, skipping braces in strings.
fn placeholder_end(text: &str, start: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (offset, c) in text.get(start..)?.char_indices() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '}') => return Some(start + offset),
            _ => {}
        }
    }
    None
}
