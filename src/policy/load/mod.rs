//! Loading a policy: the TOML document is read, every expression parsed and
//! type-checked against the declared fields, and all problems reported at
//! once. Only a policy without problems comes out.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::diagnostic::span::Span;
use crate::diagnostic::suggest::did_you_mean;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::language::ast::Expr;
use crate::language::check::{Scope, WrittenText};
use crate::language::parser::parse_expression;
use crate::language::schema::Schema;
use crate::language::types::Type;
use crate::language::zone::Zone;
use crate::limits::MAX_POLICY_BYTES;
use crate::policy::document::{self, Node, Table, Text, TomlValue, wrong_kind};
use crate::policy::folder::BeforeFirstVersion;
use crate::policy::keys;
use crate::policy::{Metadata, Policy};

mod calendars;
mod constant;
mod derived;
mod fields;
mod rules;
mod template;

/// The policy file format this version of `ruling` reads.
pub(crate) const FORMAT: i64 = 1;

/// A policy file with problems: every diagnostic found, and the file they
/// point into.
#[derive(Debug, thiserror::Error)]
///
/// ```
/// let text = std::fs::read_to_string("tests/fixtures/policies/enum-typo-in-equals.toml")?;
/// let error = ruling::load(ruling::SourceFile::new("p.toml", text)).unwrap_err();
/// assert!(!error.diagnostics.is_empty());
/// eprint!("{}", ruling::render_diagnostics(&error.diagnostics, &error.file, false, 80));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[error("`{}` has {} problem(s)", file.name, diagnostics.len())]
pub struct LoadError {
    /// The policy file.
    pub file: SourceFile,
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads and checks a policy from its source text: every problem is
/// reported, not only the first.
///
/// ```
/// let text = std::fs::read_to_string("policies/iptv-smarters-pro/2025-01-22.toml")?;
/// let policy = ruling::load(ruling::SourceFile::new("iptv.toml", text))?;
/// assert_eq!(policy.version(), "2025-01-22");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(file: SourceFile) -> Result<Policy, LoadError> {
    if file.text.len() > MAX_POLICY_BYTES {
        let size = file.text.len();
        return Err(too_large(file, size));
    }
    let mut errors = Vec::new();
    let policy = Loader {
        text: &file.text,
        errors: &mut errors,
    }
    .policy(&file);
    errors.sort_by_key(|diagnostic| diagnostic.span.start);
    errors.dedup_by(|later, earlier| {
        later.span.range() == earlier.span.range() && later.code == earlier.code
    });
    match policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(LoadError {
            file,
            diagnostics: errors,
        }),
    }
}

/// The error for a policy file of `size` bytes, past [`MAX_POLICY_BYTES`];
/// `file` may hold none of its text, when it was not read.
pub(crate) fn too_large(file: SourceFile, size: usize) -> LoadError {
    let diagnostic = Diagnostic::new(
        "policy-too-large",
        format!("the policy file is {size} bytes, more than the limit of {MAX_POLICY_BYTES} bytes"),
        Span::empty(0),
    )
    .with_label("the file starts here")
    .with_help("split the policy into smaller ones; a real policy is a few kilobytes");
    LoadError {
        file,
        diagnostics: vec![diagnostic],
    }
}

struct Loader<'f, 'e> {
    text: &'f str,
    errors: &'e mut Vec<Diagnostic>,
}

/// What the rules of a policy can see, built up as the file is read.
struct Names {
    schema: Schema,
    derived: Vec<(String, Option<Type>)>,
    /// The texts each derived value may be, once checked.
    derived_texts: Vec<Vec<WrittenText>>,
    /// The names of the calendars declared, with problems or not.
    calendars: Vec<String>,
}

impl Names {
    fn scope(&self, missing_allowed: bool) -> Scope<'_> {
        Scope {
            schema: &self.schema,
            derived: &self.derived,
            calendars: &self.calendars,
            missing_allowed,
            placeholder: false,
            derived_texts: &self.derived_texts,
        }
    }

    /// The scope of a reason's `{placeholder}`.
    fn placeholder_scope(&self) -> Scope<'_> {
        Scope {
            placeholder: true,
            ..self.scope(true)
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
        if root.is_empty() {
            self.push(
                Diagnostic::new("empty-policy", "the policy file is empty", Span::empty(0))
                    .with_label("nothing but comments or blank lines")
                    .with_help("start from a complete example: docs/policy-language.md, or a policy under policies/"),
            );
            return None;
        }
        let top = Table::new(
            &root,
            self.text,
            Span::empty(0),
            "the policy file",
            keys::TOP,
        );
        top.check_keys(self.errors);
        self.format(&top);
        let meta_table = self.section(&top, "policy");
        let (calendars, calendar_names) = self.calendars(&top);
        let (schema, requirements) = self.fields(&top);
        let mut names = Names {
            schema,
            derived: Vec::new(),
            derived_texts: Vec::new(),
            calendars: calendar_names,
        };
        let derived = self.derived(&top, &mut names);
        self.requirements(requirements, &mut names);
        let meta = meta_table.and_then(|table| self.metadata(&table, &names.schema));
        let constraints = self.constraints(&top, &names);
        let rules = self.rules(&top, &names);
        let default = self.default_rule(&top, &names);
        let outcome_effects = self.outcome_effects(&top, &names);
        self.effect_types(
            rules
                .iter()
                .chain(&default)
                .flat_map(|rule| &rule.effects)
                .chain(outcome_effects.iter().flat_map(|(_, effects)| effects)),
        );
        self.require_missing_check(&names.schema, &rules, &top);
        let mut warnings = crate::policy::warnings::rule_warnings(&rules, &derived, &names.schema);
        warnings.extend(crate::policy::warnings::effect_warnings(
            rules.iter().chain(&default),
            &outcome_effects,
            &derived,
            &names.schema,
        ));
        Some(Policy {
            meta: meta?,
            file: file.clone(),
            sha256: std::sync::OnceLock::new(),
            schema: names.schema,
            derived,
            constraints,
            rules,
            default: default?,
            outcome_effects,
            warnings,
            calendars,
            traced_ref: std::sync::OnceLock::new(),
        })
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.errors.push(diagnostic);
    }

    fn format(&mut self, top: &Table) {
        let Some(node) = top.get("format") else {
            // Written below `[policy]`, it is reported there as misplaced.
            let below_a_header = top.get("policy").is_some_and(|node| {
                matches!(node.get_ref(), TomlValue::Table(table) if table.contains_key("format"))
            });
            if top.misspelled("format") || below_a_header {
                return;
            }
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
            TomlValue::Integer(number) if number.as_str() == FORMAT.to_string() => {}
            TomlValue::Integer(number) => self.push(
                Diagnostic::new(
                    "unsupported-format",
                    format!("format `{}` is not supported", number.as_str()),
                    node.span(),
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
            if top.misspelled(key) {
                return None;
            }
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
            node.span(),
            format!("`[{key}]`"),
            keys::POLICY,
        ))
    }

    fn metadata(&mut self, table: &Table, schema: &Schema) -> Option<Metadata> {
        table.check_keys(self.errors);
        let id = table.required_text("id", "\"refund-policy\"", self.errors);
        let version = table.required_text("version", "\"2025-01-22\"", self.errors);
        let title = table.required_text("title", "\"Refund policy\"", self.errors);
        let effective_date = table.optional("effective_date", date, self.errors);
        let field = table.optional_text("effective_date_field", self.errors);
        let before_first = table.optional_text("before_first_version", self.errors);
        let timezone = table.optional_text("timezone", self.errors);
        let source = table.optional_text("source", self.errors);
        let id = id.filter(|id| self.identifier(id, "policy id"))?;
        let version = version.filter(|version| self.version(version))?;
        let (timezone, timezone_name) = match timezone {
            Some(text) => (self.timezone(&text)?, text.value.into_owned()),
            None => (Zone::UTC, "UTC".to_owned()),
        };
        let effective_date_field = match field {
            Some(field) => Some(self.date_field(&field, schema)?),
            None => None,
        };
        let before_first_version = match before_first {
            Some(text) => self.before_first_version(&text)?,
            None => BeforeFirstVersion::default(),
        };
        Some(Metadata {
            id: id.value.into_owned(),
            version: version.value.into_owned(),
            title: title?.value.into_owned(),
            effective_date: effective_date.unwrap_or(Metadata::ALWAYS_IN_EFFECT),
            effective_date_field,
            before_first_version,
            timezone,
            timezone_name,
            source: source
                .map(|source| source.value.into_owned())
                .unwrap_or_default(),
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

    fn before_first_version(&mut self, text: &Text) -> Option<BeforeFirstVersion> {
        let choice = BeforeFirstVersion::from_keyword(&text.value);
        if choice.is_none() {
            let keywords = BeforeFirstVersion::KEYWORDS;
            let help = did_you_mean(&text.value, keywords).unwrap_or_else(|| {
                "write `\"reject\"` (the default: such a request is rejected) or `\"earliest\"` (the earliest version decides it)".to_owned()
            });
            self.push(
                Diagnostic::new(
                    "invalid-before-first-version",
                    format!(
                        "`{}` is not a choice for a request dated before the earliest version",
                        text.value
                    ),
                    text.span,
                )
                .with_label("expected `reject` or `earliest`")
                .with_help(help),
            );
        }
        choice
    }

    fn timezone(&mut self, text: &Text) -> Option<Zone> {
        Zone::parse(&text.value)
            .map_err(|error| self.push(error.diagnostic(&text.value, text.span)))
            .ok()
    }

    fn date_field(&mut self, text: &Text, schema: &Schema) -> Option<usize> {
        let slot = schema.slot(&text.value);
        match slot.and_then(|slot| schema.field(slot)) {
            Some(field) if matches!(field.ty, Type::Date | Type::DateTime) => slot,
            Some(field) => {
                self.push(
                    Diagnostic::new(
                        "type-mismatch",
                        format!(
                            "`{}` must be a date or datetime field, but it is {}",
                            text.value,
                            field.ty.with_article()
                        ),
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

    fn expression(&mut self, text: &Text) -> Option<Expr> {
        match parse_expression(&text.value, &text.origin) {
            Ok(expr) => Some(expr),
            Err(errors) => {
                self.errors.extend(errors);
                None
            }
        }
    }

    fn unique(&mut self, id: &Text, seen: &mut HashMap<String, Span>, what: &str) -> bool {
        if let Some(first) = seen.get(id.value.as_ref()) {
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
        seen.insert(id.value.to_string(), id.span);
        true
    }
}

fn date(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<NaiveDate> {
    match node.get_ref() {
        TomlValue::Datetime(datetime) if datetime.time.is_none() && datetime.offset.is_none() => {
            NaiveDate::from_str(&datetime.to_string()).ok()
        }
        TomlValue::String(text) => {
            let help = if NaiveDate::from_str(text).is_ok() {
                format!("write the date without quotes: `{text}`")
            } else {
                "write the date as YYYY-MM-DD without quotes, for example `2025-01-22`".to_owned()
            };
            errors.push(
                Diagnostic::new("wrong-kind", "expected a date, found a string", node.span())
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
