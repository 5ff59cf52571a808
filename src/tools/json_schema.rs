//! JSON Schemas (draft-07) of the policy file format and of the requests a
//! policy accepts, for editors and for the programs that send requests.
//!
//! The policy schema is generated from [`crate::policy::keys`], the lists the loader
//! reads, so it names exactly the keys `ruling check` accepts. It catches
//! the mistakes of shape (an unknown key, a misspelled outcome, a quoted
//! number); only `ruling check` type-checks the expressions. TOML dates
//! appear as strings, the way Taplo and other TOML tools hand a TOML
//! document to a JSON Schema validator.
//!
//! The request schema is generated from a checked policy's fields.

use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use crate::language::compiled::Checked;
use crate::language::schema::{Field, Member, Object, Requirement};
use crate::language::types::Type;
use crate::language::value::Value;
use crate::language::weekday::WEEKDAYS;
use crate::language::zone;
use crate::limits::MAX_LIST_ITEMS;
use crate::policy::calendar::Observance;
use crate::policy::keys::{self, Key, Kind};
use crate::policy::{Outcome, Policy, Section};

/// The dialect of both schemas: draft-07 is the one Taplo (Even Better
/// TOML) and most editors read best.
pub(crate) const DRAFT_07: &str = "http://json-schema.org/draft-07/schema#";

/// A JSON Schema, with the keywords `ruling` uses, serialized in a fixed
/// order so that the committed copy reads well and diffs stay small.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JsonSchema {
    #[serde(rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub(crate) dialect: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Types::is_empty")]
    pub(crate) types: Types,
    #[serde(rename = "const", skip_serializing_if = "Option::is_none")]
    pub(crate) constant: Option<Json>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub(crate) choices: Option<Vec<Json>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pattern: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) items: Option<Box<JsonSchema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) min_items: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_items: Option<usize>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) unique_items: bool,
    #[serde(skip_serializing_if = "Properties::is_empty")]
    pub(crate) properties: Properties,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) required: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) property_names: Option<Box<JsonSchema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) additional_properties: Option<Additional>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) all_of: Vec<JsonSchema>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) any_of: Vec<JsonSchema>,
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<Box<JsonSchema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) then: Option<Box<JsonSchema>>,
    #[serde(rename = "else", skip_serializing_if = "Option::is_none")]
    pub(crate) otherwise: Option<Box<JsonSchema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) not: Option<Box<JsonSchema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) default: Option<Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) examples: Vec<Json>,
}

/// The JSON types of `type`: one is written as a string, several as an array.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Types(pub Vec<&'static str>);

impl Types {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Types {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => serializer.serialize_str(one),
            many => many.serialize(serializer),
        }
    }
}

/// `properties`, in the order the keys or fields are declared.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Properties(pub Vec<(String, JsonSchema)>);

impl Properties {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, schema)| (name, schema)))
    }
}

/// `additionalProperties`: `false`, or the schema of every other member.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum Additional {
    Allowed(bool),
    Each(Box<JsonSchema>),
}

impl JsonSchema {
    fn of_type(ty: &'static str) -> Self {
        Self {
            types: Types(vec![ty]),
            ..Self::default()
        }
    }

    fn of_types(types: &[&'static str]) -> Self {
        Self {
            types: Types(types.to_vec()),
            ..Self::default()
        }
    }

    fn string_matching(pattern: &'static str) -> Self {
        Self {
            pattern: Some(pattern),
            ..Self::of_type("string")
        }
    }

    fn one_of_strings<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            choices: Some(values.into_iter().map(Json::from).collect()),
            ..Self::of_type("string")
        }
    }

    fn array_of(items: JsonSchema) -> Self {
        Self {
            items: Some(Box::new(items)),
            ..Self::of_type("array")
        }
    }

    /// An object whose members are all named by `names` and each follow
    /// `each`.
    fn map_of(names: JsonSchema, each: JsonSchema) -> Self {
        Self {
            property_names: Some(Box::new(names)),
            additional_properties: Some(Additional::Each(Box::new(each))),
            ..Self::of_type("object")
        }
    }

    /// A condition on one member: `{"properties": {name: schema}, "required": [name]}`.
    fn member_is(name: &str, schema: JsonSchema) -> Self {
        Self {
            properties: Properties(vec![(name.to_owned(), schema)]),
            required: vec![name.to_owned()],
            ..Self::default()
        }
    }

    fn constant(value: impl Into<Json>) -> Self {
        Self {
            constant: Some(value.into()),
            ..Self::default()
        }
    }

    fn requires(names: &[&str]) -> Self {
        Self {
            required: names.iter().map(|name| (*name).to_owned()).collect(),
            ..Self::default()
        }
    }

    fn negated(self) -> Self {
        Self {
            not: Some(Box::new(self)),
            ..Self::default()
        }
    }

    fn when(condition: JsonSchema, then: JsonSchema) -> Self {
        Self {
            condition: Some(Box::new(condition)),
            then: Some(Box::new(then)),
            ..Self::default()
        }
    }

    fn described(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    fn with_example(mut self, example: Option<&str>) -> Self {
        self.examples.extend(example.map(Json::from));
        self
    }

    /// The schema as JSON text, pretty-printed, ending with a newline.
    pub(crate) fn to_json_text(&self) -> String {
        // Serializing plain structs with string keys cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

// Patterns in the ECMA-262 subset that every JSON Schema validator reads.
const IDENTIFIER: &str = "^[a-z0-9-]+$";
const NAME: &str = "^[A-Za-z_][A-Za-z0-9_]*$";
/// Names joined by `.`; `[]` after any name but the last reaches into the
/// items of a list of objects (`order.items[].price`).
const FIELD_PATH: &str = "^([A-Za-z_][A-Za-z0-9_]*(\\[\\])?\\.)*[A-Za-z_][A-Za-z0-9_]*$";
const VERSION: &str = "^[^\\s/\\\\]+$";
/// `UTC` or a fixed offset; IANA names are listed, for completion.
const TIMEZONE: &str = "^(UTC|utc|Z|Etc/UTC|[+-][0-9]{2}:[0-9]{2})$";
const NOT_BLANK: &str = "\\S";
/// A month and day, `12-25`: the loader also refuses days a month never has.
const MONTH_DAY: &str = "^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";
const HOLIDAY_RULE: &str = "^\\s*(first|second|third|fourth|fifth|last)\\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\\s+of\\s+(january|february|march|april|may|june|july|august|september|october|november|december)\\s*$";
const DATE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const DATETIME: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$";
/// A date, or a datetime with an offset: what a `date` field accepts.
const DATE_OR_DATETIME: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$";
/// A decimal amount written as a string; spaces around it are ignored.
const DECIMAL: &str = "^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$";

/// The JSON Schema of the policy file format.
pub(crate) fn policy_schema() -> JsonSchema {
    JsonSchema {
        dialect: Some(DRAFT_07),
        title: Some("ruling policy file".to_owned()),
        ..table(keys::TOP)
    }
    .described(
        "A refund policy for ruling: the requests it accepts, the values it derives, \
         its constraints and its rules. `ruling check` type-checks what this schema cannot: \
         names, expressions and types. Reference: docs/policy-language.md.",
    )
}

/// A TOML table with exactly these keys.
fn table(keys: &[Key]) -> JsonSchema {
    JsonSchema {
        properties: Properties(
            keys.iter()
                .map(|key| (key.name.to_owned(), key_schema(key)))
                .collect(),
        ),
        required: keys
            .iter()
            .filter(|key| key.required)
            .map(|key| key.name.to_owned())
            .collect(),
        additional_properties: Some(Additional::Allowed(false)),
        ..JsonSchema::of_type("object")
    }
}

fn key_schema(key: &Key) -> JsonSchema {
    kind_schema(&key.kind)
        .described(key.description)
        .with_example(key.example)
}

fn kind_schema(kind: &Kind) -> JsonSchema {
    match kind {
        Kind::FormatVersion => JsonSchema {
            constant: Some(Json::from(crate::policy::load::FORMAT)),
            ..JsonSchema::of_type("integer")
        },
        Kind::Text => JsonSchema::of_type("string"),
        Kind::Identifier => JsonSchema::string_matching(IDENTIFIER),
        Kind::Version => JsonSchema::string_matching(VERSION),
        Kind::Date => JsonSchema {
            format: Some("date"),
            ..JsonSchema::string_matching(DATE)
        },
        Kind::FieldPath => JsonSchema::string_matching(FIELD_PATH),
        Kind::Timezone => timezone_schema(),
        Kind::Keyword(words) => JsonSchema::one_of_strings(words.iter().copied()),
        Kind::FieldType => JsonSchema::one_of_strings(Type::FIELD_KEYWORDS),
        Kind::ItemType => JsonSchema::one_of_strings(item_keywords()),
        Kind::EnumValues => JsonSchema {
            min_items: Some(1),
            unique_items: true,
            ..JsonSchema::array_of(JsonSchema::string_matching(NOT_BLANK))
        },
        Kind::Bool => JsonSchema::of_type("boolean"),
        Kind::Expression => JsonSchema::string_matching(NOT_BLANK),
        Kind::Template => JsonSchema::of_type("string"),
        Kind::Outcome => outcome_schema(),
        Kind::Section => JsonSchema::one_of_strings(Section::ALL.map(Section::keyword)),
        Kind::Constant => JsonSchema::of_types(&["string", "number", "boolean", "array"]),
        Kind::Effects => effects_schema(),
        Kind::OutcomeEffects => JsonSchema::map_of(outcome_schema(), effects_schema()),
        Kind::Derived => JsonSchema::map_of(
            JsonSchema::string_matching(NAME),
            JsonSchema::string_matching(NOT_BLANK)
                .described("An expression; its value can be used by name in every expression.")
                .with_example(Some("days_between(purchase.date, request.date)")),
        ),
        Kind::Table(keys) => table(keys),
        Kind::Tables(keys) => JsonSchema::array_of(table(keys)),
        Kind::Fields => JsonSchema::array_of(JsonSchema {
            all_of: field_rules(),
            ..table(keys::FIELD)
        }),
        Kind::Calendars => JsonSchema::map_of(
            JsonSchema::string_matching(IDENTIFIER),
            table(keys::CALENDAR).described(
                "A business-day calendar: its weekend and holidays. Its name is written in quotes in the calendar functions: `is_business_day(request.date, \"us\")`.",
            ),
        ),
        Kind::Weekdays => JsonSchema {
            unique_items: true,
            ..JsonSchema::array_of(JsonSchema::one_of_strings(
                WEEKDAYS.iter().map(|(_, name)| *name),
            ))
        },
        Kind::Holidays => JsonSchema::array_of(JsonSchema {
            all_of: vec![
                JsonSchema::requires(&["date", "rule"]).negated(),
                JsonSchema {
                    any_of: vec![
                        JsonSchema::requires(&["date"]),
                        JsonSchema::requires(&["rule"]),
                    ],
                    ..JsonSchema::default()
                },
            ],
            ..table(keys::HOLIDAY)
        }),
        Kind::HolidayDate => JsonSchema {
            any_of: vec![
                JsonSchema::string_matching(MONTH_DAY),
                JsonSchema {
                    format: Some("date"),
                    ..JsonSchema::string_matching(DATE)
                },
            ],
            ..JsonSchema::default()
        },
        Kind::HolidayRule => JsonSchema::string_matching(HOLIDAY_RULE),
        Kind::Observance => {
            JsonSchema::one_of_strings(Observance::ALL.iter().map(|(_, name)| *name))
        }
    }
}

/// `UTC`, a fixed offset, or one of the IANA names `ruling` accepts.
fn timezone_schema() -> JsonSchema {
    JsonSchema {
        any_of: vec![
            JsonSchema::string_matching(TIMEZONE),
            JsonSchema::one_of_strings(zone::names()),
        ],
        ..JsonSchema::default()
    }
}

fn item_keywords() -> impl Iterator<Item = &'static str> {
    Type::FIELD_KEYWORDS
        .into_iter()
        .filter(|keyword| *keyword != "list")
        .chain(["object"])
}

fn outcome_schema() -> JsonSchema {
    JsonSchema::one_of_strings(Outcome::ALL.map(Outcome::keyword))
}

/// Named effects: a string is an expression, anything but a table is a
/// constant (TOML dates arrive as strings).
fn effects_schema() -> JsonSchema {
    JsonSchema::map_of(
        JsonSchema::string_matching(NAME),
        JsonSchema {
            pattern: Some(NOT_BLANK),
            ..JsonSchema::of_types(&["string", "number", "boolean", "array"])
        }
        .described(
            "A TOML string is an expression; numbers, booleans, dates and arrays are constants.",
        ),
    )
}

/// What one key of a `[[field]]` implies for the others, as the loader
/// checks it: `values` for enums, `items` for lists, a required field
/// without a default, and a default of the field's type.
fn field_rules() -> Vec<JsonSchema> {
    let type_is = |keyword: &str| JsonSchema::member_is("type", JsonSchema::constant(keyword));
    let enum_list = JsonSchema {
        all_of: vec![
            type_is("list"),
            JsonSchema::member_is("items", JsonSchema::constant("enum")),
        ],
        ..JsonSchema::default()
    };
    let required = JsonSchema::member_is("required", JsonSchema::constant(true));
    let mut rules = vec![
        JsonSchema::when(type_is("enum"), JsonSchema::requires(&["values"])),
        JsonSchema::when(enum_list.clone(), JsonSchema::requires(&["values"])),
        JsonSchema {
            otherwise: Some(Box::new(JsonSchema::requires(&["items"]).negated())),
            ..JsonSchema::when(type_is("list"), JsonSchema::requires(&["items"]))
        },
        JsonSchema::when(
            JsonSchema::requires(&["values"]),
            JsonSchema {
                any_of: vec![type_is("enum"), enum_list],
                ..JsonSchema::default()
            },
        ),
        JsonSchema {
            all_of: vec![required.clone(), JsonSchema::requires(&["required_when"])],
            ..JsonSchema::default()
        }
        .negated(),
        JsonSchema::when(
            JsonSchema {
                any_of: vec![required, JsonSchema::requires(&["required_when"])],
                ..JsonSchema::default()
            },
            JsonSchema::requires(&["default"]).negated(),
        ),
    ];
    rules.extend(Type::FIELD_KEYWORDS.into_iter().map(|keyword| {
        let default = JsonSchema {
            properties: Properties(vec![("default".to_owned(), toml_constant(keyword))]),
            ..JsonSchema::default()
        };
        JsonSchema::when(type_is(keyword), default)
    }));
    rules
}

/// How a TOML constant of a field type looks once the file is JSON.
fn toml_constant(keyword: &str) -> JsonSchema {
    match keyword {
        "bool" => JsonSchema::of_type("boolean"),
        "integer" => JsonSchema::of_type("integer"),
        "decimal" => JsonSchema::of_type("number"),
        "date" => JsonSchema::string_matching(DATE),
        "datetime" => JsonSchema::string_matching(DATETIME),
        "list" => JsonSchema::of_type("array"),
        _ => JsonSchema::of_type("string"),
    }
}

/// The JSON Schema of the requests `policy` accepts.
///
/// It describes a complete request: fields with `required = true` are
/// required (a request without them is still decided, as incomplete, but
/// does not validate). Fields required only when a condition holds say so
/// in their description, since a schema cannot evaluate the condition.
/// Members the policy does not declare are allowed, as `ruling` ignores
/// them; optional fields may be `null`, which counts as not given.
pub(crate) fn request_schema(policy: &Policy) -> JsonSchema {
    let meta = &policy.meta;
    JsonSchema {
        dialect: Some(DRAFT_07),
        title: Some(format!(
            "Request to policy `{}` version `{}`",
            meta.id, meta.version
        )),
        ..object_schema(&policy.schema.root, &policy.schema.fields)
    }
    .described(format!(
        "A refund request that {} ({}) decides. A value that is absent, null or blank counts \
         as not given. Generated by `ruling schema request`.",
        meta.id, meta.title
    ))
}

fn object_schema(object: &Object, fields: &[Field]) -> JsonSchema {
    let mut properties = Vec::new();
    let mut required = Vec::new();
    for (name, member) in &object.members {
        let (schema, always) = match member {
            Member::Field(slot) => match fields.get(*slot) {
                Some(field) => (
                    field_schema(field),
                    matches!(field.requirement, Requirement::Always),
                ),
                None => continue,
            },
            Member::Object(inner) => (object_schema(inner, fields), requires_any(inner, fields)),
        };
        if always {
            required.push(name.clone());
        }
        properties.push((name.clone(), schema));
    }
    JsonSchema {
        properties: Properties(properties),
        required,
        ..JsonSchema::of_type("object")
    }
}

/// Whether an object holds a field that is always required, so that the
/// object itself must be given.
fn requires_any(object: &Object, fields: &[Field]) -> bool {
    object.members.iter().any(|(_, member)| match member {
        Member::Field(slot) => fields
            .get(*slot)
            .is_some_and(|field| matches!(field.requirement, Requirement::Always)),
        Member::Object(inner) => requires_any(inner, fields),
    })
}

fn field_schema(field: &Field) -> JsonSchema {
    let mut schema = value_schema(&field.ty);
    let mut description = field.description.clone();
    match &field.requirement {
        // A blank string would count as not given: no complete request has one.
        Requirement::Always if field.ty == Type::String => schema.pattern = Some(NOT_BLANK),
        Requirement::Always => {}
        Requirement::When(Checked { text, .. }) => {
            say_required_when(&mut description, text);
            allow_null(&mut schema);
        }
        Requirement::WhenItem { text, .. } => {
            say_required_when(&mut description, text);
            allow_null(&mut schema);
        }
        Requirement::Optional => allow_null(&mut schema),
    }
    if !matches!(field.default, Value::Absent) {
        schema.default = Some(field.default.to_json());
    }
    JsonSchema {
        description: Some(description),
        ..schema
    }
}

/// Ends a field's description with the condition that makes it required.
fn say_required_when(description: &mut String, condition: &str) {
    if !description.ends_with(['.', '!', '?']) {
        description.push('.');
    }
    description.push_str(&format!(" Required when `{condition}`."));
}

/// The JSON a field of type `ty` accepts, as `request::decode` reads it.
fn value_schema(ty: &Type) -> JsonSchema {
    match ty {
        Type::Bool => JsonSchema::of_type("boolean"),
        Type::Integer => JsonSchema::of_type("integer"),
        Type::Decimal => JsonSchema {
            pattern: Some(DECIMAL),
            ..JsonSchema::of_types(&["number", "string"])
        },
        Type::Date => JsonSchema {
            examples: vec![Json::from("2025-03-01")],
            ..JsonSchema::string_matching(DATE_OR_DATETIME)
        },
        Type::DateTime => JsonSchema {
            format: Some("date-time"),
            examples: vec![Json::from("2025-03-01T18:00:00Z")],
            ..JsonSchema::string_matching(DATETIME)
        },
        Type::Enum(values) => JsonSchema::one_of_strings(values.iter().map(|value| &**value)),
        Type::List(item) => JsonSchema {
            max_items: Some(MAX_LIST_ITEMS),
            ..JsonSchema::array_of(value_schema(item))
        },
        Type::Record(record) => object_schema(&record.schema.root, &record.schema.fields),
        Type::String | Type::Duration | Type::Nothing => JsonSchema::of_type("string"),
    }
}

/// An optional field may be `null`: `ruling` reads it as not given.
fn allow_null(schema: &mut JsonSchema) {
    schema.types.0.push("null");
    if let Some(choices) = &mut schema.choices {
        choices.push(Json::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(schema: &JsonSchema) -> Json {
        serde_json::to_value(schema).unwrap()
    }

    #[test]
    fn one_type_is_a_string_and_several_an_array() {
        assert_eq!(json(&JsonSchema::of_type("string"))["type"], "string");
        assert_eq!(
            json(&JsonSchema::of_types(&["number", "string"]))["type"],
            serde_json::json!(["number", "string"])
        );
        assert!(json(&JsonSchema::default()).get("type").is_none());
    }

    #[test]
    fn an_optional_enum_also_allows_null() {
        let mut schema = value_schema(&Type::Enum([std::sync::Arc::from("game")].into()));
        allow_null(&mut schema);
        let schema = json(&schema);
        assert_eq!(schema["type"], serde_json::json!(["string", "null"]));
        assert_eq!(schema["enum"], serde_json::json!(["game", null]));
    }

    #[test]
    fn properties_keep_the_order_of_the_keys() {
        let schema = json(&policy_schema());
        let names: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        // serde_json keeps the order of insertion (`preserve_order`).
        assert_eq!(names, keys::names(keys::TOP).collect::<Vec<_>>());
    }

    #[test]
    fn every_table_lists_each_key_once() {
        for table in [
            keys::TOP,
            keys::POLICY,
            keys::FIELD,
            keys::CONSTRAINT,
            keys::RULE,
            keys::DEFAULT,
        ] {
            let mut names: Vec<&str> = keys::names(table).collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "{names:?}");
        }
    }

    #[test]
    fn request_schema_of_lists_defaults_and_nested_required_fields() {
        let text = r#"
format = 1
[policy]
id = "p"
version = "1"
title = "P"
effective_date = 2025-01-01
[[field]]
path = "order.tags"
type = "list"
items = "enum"
values = ["gift", "sale"]
default = ["sale"]
description = "Labels"
[[field]]
path = "order.lines.count"
type = "integer"
required = true
description = "Lines"
[[rule]]
id = "missing"
clause = "1"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "r"
[default]
id = "d"
clause = "2"
outcome = "approve"
reason = "r"
"#;
        let policy = crate::load(crate::diagnostic::SourceFile::new("p.toml", text)).unwrap();
        let schema = json(&request_schema(&policy));
        let order = &schema["properties"]["order"];
        assert_eq!(schema["required"], serde_json::json!(["order"]));
        assert_eq!(order["required"], serde_json::json!(["lines"]));
        assert_eq!(
            order["properties"]["lines"]["required"],
            serde_json::json!(["count"])
        );
        let tags = &order["properties"]["tags"];
        assert_eq!(tags["type"], serde_json::json!(["array", "null"]));
        assert_eq!(tags["items"]["enum"], serde_json::json!(["gift", "sale"]));
        assert_eq!(tags["default"], serde_json::json!(["sale"]));
    }
}
