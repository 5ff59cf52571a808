//! The JSON Schemas: the committed copy of the policy schema is current,
//! every shipped policy validates against it, it rejects the mistakes of
//! shape in the bad-policy catalogue, and every complete case request
//! validates against its policy's request schema.

use std::path::{Path, PathBuf};

use crate::cli::ruling;
use crate::support::{relative, root};

const COMMITTED: &str = "schema/policy.schema.json";
const REFRESH: &str = "cargo run -- schema policy > schema/policy.schema.json";

/// A compiled schema, checked against its draft's meta-schema on the way.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new(schema: serde_json::Value) -> Self {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("ruling.schema.json", schema).unwrap();
        let index = compiler
            .compile("ruling.schema.json", &mut schemas)
            .unwrap_or_else(|error| panic!("the schema is not valid: {error:#}"));
        Self { schemas, index }
    }

    fn committed() -> Self {
        let text = std::fs::read_to_string(root().join(COMMITTED)).unwrap();
        Self::new(serde_json::from_str(&text).unwrap())
    }

    /// `Err` with every problem, one a line.
    fn validate(&self, instance: &serde_json::Value) -> Result<(), String> {
        self.schemas
            .validate(instance, self.index)
            .map_err(|error| format!("{error}"))
    }
}

/// A TOML document as a JSON Schema validator sees it: dates and times
/// become their TOML text, as Taplo hands them over.
fn toml_to_json(text: &str) -> Result<serde_json::Value, toml::de::Error> {
    Ok(convert(toml::Value::Table(text.parse::<toml::Table>()?)))
}

fn convert(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(text) => text.into(),
        toml::Value::Integer(number) => number.into(),
        toml::Value::Float(number) => number.into(),
        toml::Value::Boolean(flag) => flag.into(),
        toml::Value::Datetime(datetime) => datetime.to_string().into(),
        toml::Value::Array(items) => items.into_iter().map(convert).collect(),
        toml::Value::Table(table) => table
            .into_iter()
            .map(|(key, value)| (key, convert(value)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// Every `*.toml` under `folder`, at any depth, sorted.
fn toml_files(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(toml_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(path);
        }
    }
    found.sort();
    found
}

#[test]
fn the_committed_policy_schema_is_current() {
    let committed = std::fs::read_to_string(root().join(COMMITTED)).unwrap();
    let run = ruling(&["schema", "policy"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout == committed,
        "`ruling schema policy` differs from {COMMITTED}; refresh it with `{REFRESH}`"
    );
}

#[test]
fn every_shipped_policy_validates_against_the_committed_schema() {
    let validator = Validator::committed();
    let files = toml_files(&root().join("policies"));
    assert!(files.len() >= 2, "the shipped policies are found");
    for path in files {
        let json = toml_to_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Err(problems) = validator.validate(&json) {
            panic!("{} does not validate:\n{problems}", relative(&path));
        }
    }
}

/// Mistakes the schema must catch in the editor, before `ruling check`.
const SHAPE_MISTAKES: &[&str] = &[
    "before-first-version-unknown",
    "calendar-holiday-date-and-rule",
    "calendar-holiday-rule-shape",
    "calendar-holiday-rule-typo",
    "calendar-not-a-table",
    "calendar-observed-typo",
    "calendar-weekend-typo",
    "default-decimal-in-quotes",
    "effect-inline-table",
    "effective-date-as-datetime",
    "enum-duplicate-value",
    "enum-without-values",
    "field-missing-path",
    "field-missing-type",
    "field-path-starts-with-digit",
    "field-type-boolean",
    "field-type-money",
    "format-2",
    "format-as-string",
    "invalid-policy-id",
    "items-on-non-list",
    "list-of-lists",
    "missing-description",
    "missing-format",
    "misspelled-key-in-constraint",
    "misspelled-key-in-field",
    "misspelled-key-in-rule",
    "misspelled-policy-table",
    "outcome-capitalized",
    "required-and-required-when",
    "required-as-string",
    "required-with-default",
    "rule-id-with-capitals",
    "rule-without-when",
    "unknown-outcome-in-shared-effects",
    "unknown-section",
    "unknown-timezone-region",
    "unknown-top-level-table",
    "values-on-non-enum",
    "when-as-toml-bool",
];

/// Each broken policy of the catalogue that is valid TOML, with whether the
/// schema rejects it: the snapshot shows which mistakes an editor catches
/// and which only `ruling check` finds (names, types, expressions).
#[test]
fn the_schema_rejects_mistakes_of_shape() {
    let validator = Validator::committed();
    let mut verdicts = String::new();
    let mut rejected = Vec::new();
    for path in toml_files(&root().join("tests/fixtures/policies")) {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let Ok(json) = toml_to_json(&std::fs::read_to_string(&path).unwrap()) else {
            continue;
        };
        let verdict = match validator.validate(&json) {
            Ok(()) => "valid shape, rejected by `ruling check` only",
            Err(_) => {
                rejected.push(name.clone());
                "rejected by the schema"
            }
        };
        verdicts.push_str(&format!("{name}: {verdict}\n"));
    }
    for mistake in SHAPE_MISTAKES {
        assert!(
            rejected.iter().any(|name| name == mistake),
            "the schema should reject tests/fixtures/policies/{mistake}.toml"
        );
    }
    insta::assert_snapshot!(verdicts);
}
