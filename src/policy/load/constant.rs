//! TOML values used as constants: defaults and constant effects.

use super::Loader;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::suggest::list_names;
use crate::language::types::Type;
use crate::language::value::Value;
use crate::policy::document::{Node, TomlValue, kind_name};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::Arc;

impl Loader<'_, '_> {
    /// A TOML value used as a constant: a default or a constant effect.
    /// With `expected`, it must fit that type.
    pub(super) fn constant(
        &mut self,
        node: &Node,
        expected: Option<&Type>,
    ) -> Option<(Value, Type)> {
        let (value, ty) = self.toml_value(node)?;
        match expected {
            Some(expected) if !expected.accepts(&ty) => {
                let help = match (&value, expected) {
                    (Value::String(text), Type::Decimal | Type::Integer)
                        if Decimal::from_str(text.trim()).is_ok() =>
                    {
                        format!("write the number without quotes: `{}`", text.trim())
                    }
                    _ => format!(
                        "write {}, for example `{}`",
                        expected.with_article(),
                        example(expected)
                    ),
                };
                self.push(
                    Diagnostic::new(
                        "type-mismatch",
                        format!(
                            "expected {}, found {}",
                            expected.with_article(),
                            ty.with_article()
                        ),
                        node.span(),
                    )
                    .with_label(format!("this is {}", ty.with_article()))
                    .with_help(help),
                );
                None
            }
            Some(Type::Enum(values)) => match &value {
                Value::String(text) if !values.iter().any(|allowed| **allowed == **text) => {
                    self.push(
                        Diagnostic::new(
                            "unknown-enum-value",
                            format!("`{text}` is not one of the field's values"),
                            node.span(),
                        )
                        .with_label("not listed in `values`")
                        .with_help(format!(
                            "the values are {}",
                            list_names(values.iter().map(|value| &**value), 12)
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

    pub(super) fn toml_value(&mut self, node: &Node) -> Option<(Value, Type)> {
        Some(match node.get_ref() {
            TomlValue::String(text) => (Value::string(text), Type::String),
            TomlValue::Boolean(b) => (Value::Bool(*b), Type::Bool),
            TomlValue::Integer(number) => {
                match i64::from_str_radix(&number.as_str().replace('_', ""), number.radix()) {
                    Ok(n) => (Value::Integer(n), Type::Integer),
                    Err(_) => return self.bad_number(node),
                }
            }
            TomlValue::Float(number) => {
                match Decimal::from_str_exact(&number.as_str().replace('_', "")) {
                    Ok(d) => (Value::Decimal(d), Type::Decimal),
                    Err(_) => return self.bad_number(node),
                }
            }
            TomlValue::Datetime(datetime) => return self.toml_datetime(node, datetime),
            TomlValue::Array(items) => {
                let mut values = Vec::new();
                let mut item_type = Type::Nothing;
                for item in items.iter() {
                    let (value, ty) = self.toml_value(item)?;
                    if !item_type.accepts(&ty) {
                        self.push(
                            Diagnostic::new(
                                "type-mismatch",
                                format!("an array holds values of one type, but this is {ty}"),
                                item.span(),
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
            other @ TomlValue::Table(_) => {
                self.push(
                    Diagnostic::new(
                        "wrong-kind",
                        format!("expected a value, found {}", kind_name(other)),
                        node.span(),
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

    pub(super) fn bad_number(&mut self, node: &Node) -> Option<(Value, Type)> {
        self.push(
            Diagnostic::new(
                "invalid-number",
                "this number cannot be represented exactly",
                node.span(),
            )
            .with_label("too large, too precise, or not finite")
            .with_help("use at most 28 significant digits"),
        );
        None
    }

    pub(super) fn toml_datetime(
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
                        node.span(),
                    )
                    .with_label("a local time is ambiguous")
                    .with_help(format!("add the offset, for example `{text}Z` for UTC")),
                );
                None
            }
        }
    }
}

/// A TOML value of the type, for help texts.
fn example(ty: &Type) -> String {
    match ty {
        Type::Bool => "false".to_owned(),
        Type::Integer => "0".to_owned(),
        Type::Decimal => "0.00".to_owned(),
        Type::Date => "2025-01-01".to_owned(),
        Type::DateTime => "2025-01-01T00:00:00Z".to_owned(),
        Type::Enum(values) => format!("\"{}\"", values.first().map_or("", |value| &**value)),
        Type::List(_) => "[]".to_owned(),
        Type::Record(_) => "{}".to_owned(),
        Type::String | Type::Duration | Type::Nothing => "\"…\"".to_owned(),
    }
}
