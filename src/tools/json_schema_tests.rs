//! The JSON Schemas `ruling schema` prints: the policy schema is the
//! committed one and agrees with the loader, and each policy's request
//! schema accepts its complete cases (moved here from the integration
//! tests, as they call the schema writers and the scaffold directly).

use std::path::{Path, PathBuf};

use crate::policy::folder::{Choice, load_set, read_policy};
use crate::tools::json_schema::{policy_schema, request_schema};

/// The crate's root folder, where `policies/` and `schema/` are.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the crate root, with `/` separators.
fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    relative.to_string_lossy().replace('\\', "/")
}

#[test]
fn the_committed_policy_schema_is_current() {
    let committed = std::fs::read_to_string(root().join(COMMITTED)).unwrap();
    assert!(
        committed == policy_schema().to_json_text(),
        "{COMMITTED} is out of date; refresh it with `{REFRESH}`"
    );
}

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

#[test]
fn request_schemas_of_the_shipped_policies() {
    for policy in [
        "best-buy-returns/2019-11-05.toml",
        "dot-airline-refunds/2024-10-28.toml",
        "iptv-smarters-pro/2025-01-22.toml",
        "steam/2024-04-23.toml",
    ] {
        let policy = read_policy(&root().join("policies").join(policy)).unwrap();
        let schema = request_schema(&policy);
        Validator::new(serde_json::to_value(&schema).unwrap());
        insta::assert_snapshot!(policy.meta.id.clone(), schema.to_json_text());
    }
}

/// A case whose decision lists no missing field is a complete, valid
/// request: its policy's request schema must accept it.
#[test]
fn every_complete_case_request_validates_against_its_request_schema() {
    let mut checked = 0;
    for folder in [
        "best-buy-returns",
        "dot-airline-refunds",
        "iptv-smarters-pro",
        "steam",
    ] {
        let folder = root().join("policies").join(folder);
        let set = load_set(&folder).unwrap();
        for entry in std::fs::read_dir(folder.join("cases")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let case = crate::tools::suite::read_case(&path).unwrap();
            let request: serde_json::Value = serde_json::from_str(case.request.get()).unwrap();
            let choice = case
                .version
                .clone()
                .map_or(Choice::ByRequest, Choice::Version);
            let policy = set
                .select(case.request.get().as_bytes(), &choice)
                .unwrap()
                .policy;
            let decision = crate::decide_json(policy, case.request.get().as_bytes()).unwrap();
            if !decision.missing.is_empty() {
                continue;
            }
            let validator = Validator::new(serde_json::to_value(request_schema(policy)).unwrap());
            if let Err(problems) = validator.validate(&request) {
                panic!("{} does not validate:\n{problems}", relative(&path));
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 40,
        "most cases are complete requests ({checked})"
    );
}

#[test]
fn a_request_of_the_wrong_shape_fails_the_request_schema() {
    let policy = read_policy(&root().join("policies/iptv-smarters-pro/2025-01-22.toml")).unwrap();
    let validator = Validator::new(serde_json::to_value(request_schema(&policy)).unwrap());
    let wrong = serde_json::json!({
        "purchase": {"invoice_number": "INV-1", "date": "03/01/2025", "email": "a@example.com",
                     "amount": "59,99", "currency": "EUR"},
        "request": {"date": "2025-03-02", "invoice_number": "INV-1", "email": "a@example.com",
                    "explanation": "broken", "reason": "refund_now"},
    });
    let problems = validator.validate(&wrong).unwrap_err();
    for path in ["/purchase/date", "/purchase/amount", "/request/reason"] {
        assert!(problems.contains(path), "{path} is reported:\n{problems}");
    }
}

#[test]
fn a_new_policy_validates_against_the_committed_schema() {
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let json = toml_to_json(&crate::tools::scaffold::policy_text(
        "policies/demo",
        "demo",
        date,
    ))
    .unwrap();
    Validator::committed().validate(&json).unwrap();
}

/// The schema takes the field paths the loader takes: `[]` after a part
/// reaches into the items of a list of objects, but does not end a path.
#[test]
fn the_schema_takes_member_paths_of_lists_of_objects() {
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let scaffold = crate::tools::scaffold::policy_text("policies/demo", "demo", date);
    let validator = Validator::committed();
    let path_problem = |path: &str| {
        let mut json = toml_to_json(&scaffold).unwrap();
        json["field"][0]["path"] = serde_json::json!(path);
        validator
            .validate(&json)
            .err()
            .filter(|problems| problems.contains("/field/0/path"))
    };
    for valid in ["order.items[].price", "order.items[].parts[].shipping.date"] {
        assert_eq!(path_problem(valid), None, "{valid}");
    }
    for invalid in [
        "order.items[]",
        "order[].items[]",
        "order.[].price",
        "order.items[0].price",
    ] {
        assert!(path_problem(invalid).is_some(), "{invalid} is refused");
    }
}

/// The lines of a TOML text, split into sections at each table header: the
/// name of the header (empty before the first), and the lines.
fn sections(text: &str) -> Vec<(String, Vec<&str>)> {
    let mut sections = vec![(String::new(), Vec::new())];
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let name = trimmed.trim_matches(['[', ']']).to_owned();
            sections.push((name, Vec::new()));
        }
        sections.last_mut().unwrap().1.push(line);
    }
    sections
}

fn is_key_line(line: &str, key: &str) -> bool {
    line.trim_start()
        .strip_prefix(key)
        .is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// `text` without `key` in the first table named `table` (`None`: at the
/// top), whether the key is a line or a table of its own; `None` when the
/// text does not have it.
fn without_key(text: &str, table: Option<&str>, key: &str) -> Option<String> {
    let mut sections = sections(text);
    let owner = match table {
        None => 0,
        Some(table) => sections.iter().position(|(name, _)| name == table)?,
    };
    let lines = &mut sections[owner].1;
    if let Some(at) = lines.iter().position(|line| is_key_line(line, key)) {
        lines.remove(at);
    } else if let Some(table) = table {
        // A key written as a table of its own: `[rule.effects]` right
        // after its `[[rule]]`.
        let next = sections.get(owner + 1)?;
        if next.0 != format!("{table}.{key}") {
            return None;
        }
        sections.remove(owner + 1);
    } else {
        let before = sections.len();
        sections.retain(|(name, _)| name != key && !name.starts_with(&format!("{key}.")));
        if sections.len() == before {
            return None;
        }
    }
    let lines: Vec<&str> = sections.into_iter().flat_map(|(_, lines)| lines).collect();
    Some(lines.join("\n") + "\n")
}

/// The `required` marks of keys.rs say what the loader does: removing a
/// required key from a valid policy reports it missing, and removing an
/// optional key does not.
#[test]
fn keys_marked_required_are_the_keys_the_loader_requires() {
    use crate::policy::keys::{self, Key};
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let policy = crate::tools::scaffold::policy_text("policies/demo", "demo", date);
    let tables: [(Option<&str>, &[Key]); 6] = [
        (None, keys::TOP),
        (Some("policy"), keys::POLICY),
        (Some("field"), keys::FIELD),
        (Some("constraint"), keys::CONSTRAINT),
        (Some("rule"), keys::RULE),
        (Some("default"), keys::DEFAULT),
    ];
    let mut required_checked = 0;
    for (table, keys) in tables {
        for key in keys {
            let Some(text) = without_key(&policy, table, key.name) else {
                assert!(!key.required, "the new policy has every required key");
                continue;
            };
            let messages: Vec<String> = match crate::load(crate::SourceFile::new("p.toml", text)) {
                Ok(_) => Vec::new(),
                Err(error) => error.diagnostics.into_iter().map(|d| d.message).collect(),
            };
            let reported = messages.iter().any(|message| {
                message.contains(&format!("has no `{}`", key.name))
                    || message.contains(&format!("has no `[{}]`", key.name))
            });
            let place = table.unwrap_or("the top");
            assert_eq!(
                reported, key.required,
                "`{}` in {place}: required is {}, but without it the loader says {messages:?}",
                key.name, key.required
            );
            required_checked += usize::from(key.required);
        }
    }
    assert!(
        required_checked >= 20,
        "{required_checked} required keys checked"
    );
}

#[test]
fn a_policy_with_calendars_and_a_named_zone_validates_against_the_committed_schema() {
    let json = toml_to_json(crate::policy::calendar_tests::POLICY).unwrap();
    Validator::committed().validate(&json).unwrap();
}

/// A condition written over several lines is described on one line, the
/// way `ruling` prints it, for a field and for a member of list items alike.
#[test]
fn conditions_written_over_several_lines_are_described_on_one_line() {
    let text = "format = 1\n\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01\n\n\
        [[field]]\npath = \"gift\"\ntype = \"bool\"\ndescription = \"A gift\"\n\n\
        [[field]]\npath = \"note\"\ntype = \"string\"\ndescription = \"Why\"\nrequired_when = '''\n  gift\n  and   true\n'''\n\n\
        [[field]]\npath = \"items\"\ntype = \"list\"\nitems = \"object\"\ndescription = \"Items\"\n\n\
        [[field]]\npath = \"items[].price\"\ntype = \"decimal\"\ndescription = \"Price\"\n\n\
        [[field]]\npath = \"items[].opened\"\ntype = \"bool\"\ndescription = \"Opened\"\nrequired_when = '''\n  item.price > 10\n    or gift\n'''\n\n\
        [[rule]]\nid = \"missing\"\nclause = \"§1\"\nsection = \"requirement\"\nwhen = \"any_missing()\"\noutcome = \"needs_info\"\nreason = \"More.\"\n\n\
        [default]\nid = \"d\"\nclause = \"§2\"\noutcome = \"review\"\nreason = \"Someone looks.\"\n";
    let policy = crate::load(crate::SourceFile::new("p.toml", text)).unwrap();
    let schema = request_schema(&policy).to_json_text();
    assert!(
        schema.contains("Why. Required when `gift and true`."),
        "{schema}"
    );
    assert!(
        schema.contains("Opened. Required when `item.price > 10 or gift`."),
        "{schema}"
    );
}
