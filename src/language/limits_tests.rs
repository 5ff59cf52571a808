//! Limits of the expression language: the length of an expression, its
//! nesting, and the functions it can reach (moved here from the
//! integration tests, as they read the parser and the function list).

use crate::diagnostic::SourceFile;
use crate::diagnostic::span::Origin;
use crate::language::compiled::Function;
use crate::language::parser::parse_expression;
use crate::limits::MAX_EXPRESSION_CHARS;
use crate::policy::load::load;

const HEADER: &str = "format = 1\n\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01\n";

const DEFAULT: &str =
    "\n[default]\nid = \"d\"\nclause = \"§1\"\noutcome = \"deny\"\nreason = \"No.\"\n";

fn field(path: &str, ty: &str) -> String {
    format!("\n[[field]]\npath = \"{path}\"\ntype = \"{ty}\"\ndescription = \"{path}\"\n")
}

fn rule(id: &str, when: &str) -> String {
    format!(
        "\n[[rule]]\nid = \"{id}\"\nclause = \"§2\"\nsection = \"eligibility\"\nwhen = '{when}'\noutcome = \"approve\"\nreason = \"Yes.\"\n"
    )
}

fn load_codes(text: &str) -> Vec<&'static str> {
    match load(SourceFile::new("p.toml", text)) {
        Ok(_) => Vec::new(),
        Err(error) => error.diagnostics.iter().map(|d| d.code).collect(),
    }
}

#[test]
fn an_expression_past_the_length_limit_is_refused() {
    // A string literal makes a long expression of a single node.
    let literal = |chars: usize| format!("\"{}\" == \"y\"", "x".repeat(chars - 9));
    let at_limit = literal(MAX_EXPRESSION_CHARS);
    assert_eq!(at_limit.chars().count(), MAX_EXPRESSION_CHARS);
    assert!(parse_expression(&at_limit, &Origin::Identity).is_ok());
    let errors = parse_expression(&literal(MAX_EXPRESSION_CHARS + 1), &Origin::Identity)
        .expect_err("one character too many");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "the expression is 10001 characters long, more than the limit of 10000"
    );
    // Characters count, not bytes: `é` is two bytes.
    let accents = format!("\"{}\" == \"y\"", "é".repeat(MAX_EXPRESSION_CHARS - 9));
    assert!(parse_expression(&accents, &Origin::Identity).is_ok());
    // From a policy file, the error points at the expression.
    let long = format!("note == \"{}\"", "x".repeat(MAX_EXPRESSION_CHARS));
    let text = format!(
        "{HEADER}{}{}{DEFAULT}",
        field("note", "string"),
        rule("r", &long)
    );
    assert_eq!(load_codes(&text), ["syntax"]);
}

/// The functions of the expression language, pinned: a new one must be
/// pure (no files, environment, clock, network or randomness), and this
/// list is where a reviewer sees it.
#[test]
fn the_expression_language_has_only_pure_functions() {
    let names: Vec<_> = Function::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        [
            "days_between",
            "months_between",
            "hours_between",
            "date",
            "lower",
            "upper",
            "trim",
            "length",
            "contains",
            "contains_any",
            "starts_with",
            "ends_with",
            "present",
            "blank",
            "min",
            "max",
            "abs",
            "round",
            "days",
            "hours",
            "any_missing",
            "missing_fields",
            "floor",
            "ceil",
            // The IANA database is compiled into the binary, never read.
            "local_date",
            "local_time",
            // Calendars are declared in the policy file itself.
            "weekday",
            "is_business_day",
            "add_business_days",
            "business_days_between",
        ]
    );
    for call in [
        "now()",
        "today()",
        "env(\"HOME\")",
        "read(\"/etc/passwd\")",
        "file(\"/etc/passwd\")",
        "include(\"other.toml\")",
        "http(\"http://example.com\")",
        "fetch(\"http://example.com\")",
        "random()",
        "exec(\"ls\")",
    ] {
        let text = format!(
            "{HEADER}{}{}{DEFAULT}",
            field("a", "string"),
            rule("r", &format!("a == {call}"))
        );
        assert_eq!(load_codes(&text), ["unknown-function"], "{call}");
    }
}

#[test]
fn the_parser_limits_are_the_documented_ones() {
    assert_eq!(crate::language::parser::MAX_NESTING, 64);
    assert_eq!(crate::language::parser::MAX_HEIGHT, 256);
}
