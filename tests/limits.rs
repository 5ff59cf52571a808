//! Resource limits (`src/limits.rs`), arithmetic errors from a policy file,
//! and what the expression language cannot reach.

use ruling::SourceFile;
use ruling::limits::{
    MAX_EXPRESSION_CHARS, MAX_POLICY_BYTES, MAX_REQUEST_BYTES, MAX_RULES, MAX_STRING_BYTES,
    RequestLimits,
};
use ruling::{DecideError, Policy, RequestFailure, decide_json, decide_json_with, load};

use crate::cli::ruling;

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

fn policy(text: &str) -> Policy {
    load(SourceFile::new("p.toml", text)).unwrap_or_else(|error| panic!("{error:?}"))
}

fn load_codes(text: &str) -> Vec<&'static str> {
    match load(SourceFile::new("p.toml", text)) {
        Ok(_) => Vec::new(),
        Err(error) => error.diagnostics.iter().map(|d| d.code).collect(),
    }
}

fn request_codes(policy: &Policy, json: &[u8], limits: RequestLimits) -> Vec<String> {
    match decide_json_with(policy, json, limits) {
        Ok(_) => Vec::new(),
        Err(RequestFailure::Invalid(error)) => error
            .problems
            .iter()
            .map(|problem| format!("{} {}", problem.code(), problem.path))
            .collect(),
        Err(other) => vec![other.to_string()],
    }
}

fn text_policy() -> Policy {
    policy(&format!(
        "{HEADER}{}{}{}{DEFAULT}",
        field("note", "string"),
        "\n[[field]]\npath = \"tags\"\ntype = \"list\"\nitems = \"string\"\ndescription = \"Tags\"\n",
        rule("r", "length(note) > 3")
    ))
}

#[test]
fn the_defaults_are_the_documented_ones() {
    assert_eq!(MAX_POLICY_BYTES, 1_048_576);
    assert_eq!(MAX_REQUEST_BYTES, 1_048_576);
    assert_eq!(MAX_STRING_BYTES, 65_536);
    assert_eq!(MAX_EXPRESSION_CHARS, 10_000);
    assert_eq!(MAX_RULES, 10_000);
    assert_eq!(ruling::limits::MAX_JSON_DEPTH, 128);
}

#[test]
fn a_request_past_the_byte_limit_is_refused_unread() {
    let policy = text_policy();
    let limits = RequestLimits::default();
    // Whitespace pads the request to exactly the limit: accepted.
    let mut json = br#"{"note": "abcd"}"#.to_vec();
    json.resize(MAX_REQUEST_BYTES, b' ');
    assert_eq!(request_codes(&policy, &json, limits), Vec::<String>::new());
    json.push(b' ');
    assert_eq!(
        request_codes(&policy, &json, limits),
        ["request-too-large "]
    );
    // Even bytes that are not JSON at all are refused for their size.
    let small = RequestLimits {
        max_bytes: 4,
        ..limits
    };
    let Err(RequestFailure::Invalid(error)) =
        decide_json_with(&policy, b"\xff\xff\xff\xff\xff", small)
    else {
        panic!("a request past the limit must be refused");
    };
    assert_eq!(
        error.to_string(),
        "the request is larger than the limit of 4 bytes\n  help: send only the fields the policy declares; a program deciding larger requests can raise the limit (`ruling decide --max-request-bytes`)"
    );
}

#[test]
fn a_string_past_the_length_limit_is_refused_with_its_path() {
    let policy = text_policy();
    let limits = RequestLimits::default();
    let at_limit = "x".repeat(MAX_STRING_BYTES);
    let json = format!(r#"{{"note": "{at_limit}"}}"#);
    assert!(decide_json(&policy, json.as_bytes()).is_ok());
    let json = format!(r#"{{"note": "{at_limit}y", "tags": ["a", "{at_limit}z"]}}"#);
    assert_eq!(
        request_codes(&policy, json.as_bytes(), limits),
        ["string-too-long note", "string-too-long tags[1]"]
    );
    // Escapes count as the bytes they stand for.
    let escaped = "\\u00e9".repeat(MAX_STRING_BYTES / 2 + 1);
    let json = format!(r#"{{"note": "{escaped}"}}"#);
    assert_eq!(
        request_codes(&policy, json.as_bytes(), limits),
        ["string-too-long note"]
    );
}

/// serde_json's recursion limit (128) guards only the declared objects,
/// which nest no deeper than the schema; field values and members the
/// policy does not declare are scanned without recursion, at any depth.
#[test]
fn deep_json_is_refused_or_skipped_without_recursion() {
    let policy = text_policy();
    let limits = RequestLimits::default();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let json = format!(r#"{{"tags": {deep}}}"#);
    assert_eq!(
        request_codes(&policy, json.as_bytes(), limits),
        ["wrong-type tags[0]"]
    );
    let unknown = format!(
        r#"{{"x": {deep}, "y": {}1{}, "note": "abcd"}}"#,
        "{\"z\":".repeat(100_000),
        "}".repeat(100_000)
    );
    assert!(decide_json(&policy, unknown.as_bytes()).is_ok());
}

#[test]
fn a_policy_past_the_size_limit_is_refused() {
    let base = format!("{HEADER}{}{DEFAULT}", field("a", "integer"));
    let mut text = base.clone();
    text.push_str(&"#".repeat(MAX_POLICY_BYTES - base.len()));
    assert_eq!(load_codes(&text), Vec::<&str>::new());
    text.push('#');
    assert_eq!(load_codes(&text), ["policy-too-large"]);
    // Read from a file, it is refused before it is read.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("p.toml");
    std::fs::write(&path, &text).unwrap();
    let Err(ruling::PolicyError::Invalid(error)) = ruling::read_policy(&path) else {
        panic!("a file past the limit must be refused");
    };
    assert_eq!(
        error.diagnostics[0].message,
        "the policy file is 1048577 bytes, more than the limit of 1048576 bytes"
    );
}

#[test]
fn a_policy_past_the_rule_limit_is_refused() {
    let rules: String = (0..=MAX_RULES)
        .map(|n| format!("[[rule]]\nid=\"r{n}\"\nclause=\"c\"\nsection=\"eligibility\"\nwhen=\"a>1\"\noutcome=\"deny\"\nreason=\"n\"\n"))
        .collect();
    let text = format!("{HEADER}{}{DEFAULT}{rules}", field("a", "integer"));
    assert!(text.len() < MAX_POLICY_BYTES);
    let error = load(SourceFile::new("p.toml", text)).expect_err("too many rules");
    let codes: Vec<_> = error.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["too-many-rules"]);
    assert_eq!(
        error.diagnostics[0].message,
        "the policy has 10001 rules, more than the limit of 10000"
    );
}

const ARITHMETIC: &str = r#"format = 1

[policy]
id = "p"
version = "1"
title = "P"
effective_date = 2025-01-01

[[field]]
path = "a"
type = "integer"
description = "A"

[[field]]
path = "b"
type = "integer"
description = "B"

[[rule]]
id = "r"
clause = "§1"
section = "eligibility"
when = "a * a > 0 and 10 / b > 1"
outcome = "approve"
reason = "Yes."

[default]
id = "d"
clause = "§2"
outcome = "deny"
reason = "No."
"#;

fn evaluation_error(json: &str) -> (String, std::ops::Range<usize>) {
    let policy = policy(ARITHMETIC);
    match decide_json(&policy, json.as_bytes()) {
        Err(RequestFailure::Undecidable(DecideError::Evaluation(error))) => {
            let diagnostic = error.to_diagnostic();
            let range = diagnostic.range();
            (diagnostic.message, range)
        }
        other => panic!("expected an evaluation error, got {other:?}"),
    }
}

#[test]
fn overflow_and_division_by_zero_in_a_policy_file_are_errors_at_their_span() {
    let (message, span) = evaluation_error(r#"{"a": 5000000000, "b": 1}"#);
    assert!(message.contains("overflow"), "{message}");
    assert_eq!(&ARITHMETIC[span], "a * a");
    let (message, span) = evaluation_error(r#"{"a": 1, "b": 0}"#);
    assert!(message.contains("zero"), "{message}");
    assert_eq!(&ARITHMETIC[span], "10 / b");
}

#[test]
fn overflow_on_the_command_line_exits_3_with_nothing_on_stdout() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("p.toml");
    std::fs::write(&path, ARITHMETIC).unwrap();
    let run = ruling(
        &["decide", path.to_str().unwrap(), "-"],
        Some(br#"{"a": 1, "b": 0}"#),
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("10 / b"), "{}", run.stderr);
}

/// The largest string a request may give, through every string function
/// and a long `in` list: linear work, so far under a second even in a
/// debug build (quadratic work on 64 KiB would take seconds).
#[test]
fn the_largest_inputs_decide_in_linear_time() {
    let list: Vec<String> = (0..1_000).map(|n| format!("\"v{n}\"")).collect();
    let when = format!(
        "contains(lower(trim(note)), \"zzz\") or starts_with(upper(note), \"Q\") or ends_with(note, \"q\") or length(note) < 3 or note in [{}]",
        list.join(", ")
    );
    assert!(when.chars().count() < MAX_EXPRESSION_CHARS);
    let text = format!(
        "{HEADER}{}{}{DEFAULT}",
        field("note", "string"),
        rule("r", &when)
    );
    let policy = policy(&text);
    let note = "ab".repeat(MAX_STRING_BYTES / 2);
    let json = format!(r#"{{"note": "{note}"}}"#);
    let started = std::time::Instant::now();
    for _ in 0..10 {
        let decision = decide_json(&policy, json.as_bytes()).unwrap();
        assert_eq!(decision.outcome.keyword(), "deny");
    }
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 5, "10 decisions took {elapsed:?}");
}
