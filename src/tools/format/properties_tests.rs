//! Property tests: invariants checked over generated inputs. Case counts
//! stay modest so that `cargo test` stays fast; `PROPTEST_CASES` raises
//! them for a longer run.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::Policy;
use crate::SourceFile;
use crate::Value;
use crate::decision_json;
use crate::diagnostic::span::Origin;
use crate::language::parser::{parse_expression, print};
use crate::policy::folder::{Choice, PolicySet, load_set, policy_files};
use crate::tools::format::format_policy;
use proptest::prelude::*;
use proptest::test_runner::Config;
use rust_decimal::Decimal;

/// The crate's root folder, where `policies/` is.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Expressions print and parse back to the same tree.

fn word() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range('a', 'e'), 0..4)
        .prop_map(|chars| chars.into_iter().collect())
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["a", "b", "purchase.amount", "flag", "any_missing()"])
            .prop_map(str::to_owned),
        (0i64..100_000).prop_map(|n| n.to_string()),
        (0u32..100_000).prop_map(|n| format!("{}.{:02}", n / 100, n % 100)),
        word().prop_map(|w| format!("\"{w}\"")),
        prop::sample::select(vec!["true", "false", "3d", "48h", "90m", "2w"])
            .prop_map(str::to_owned),
    ]
}

const BINARY: &[&str] = &[
    "and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%",
];

/// Expression text over the whole grammar; most of it parses, and every
/// piece that parses must print and parse back to the same tree.
fn expression() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 48, 3, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(BINARY), inner.clone())
                .prop_map(|(l, op, r)| format!("{l} {op} {r}")),
            (inner.clone(), prop::sample::select(BINARY), inner.clone())
                .prop_map(|(l, op, r)| format!("({l}) {op} ({r})")),
            inner.clone().prop_map(|e| format!("not {e}")),
            inner.clone().prop_map(|e| format!("-{e}")),
            inner.clone().prop_map(|e| format!("-({e})")),
            inner.clone().prop_map(|e| format!("({e})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, t, e)| format!("if {c} then {t} else {e}")),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            (
                prop::sample::select(vec!["lower", "min", "days_between", "length", "round"]),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
        ]
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn expressions_print_and_parse_back_to_the_same_tree(text in expression()) {
        let Ok(parsed) = parse_expression(&text, &Origin::Identity) else {
            return Ok(());
        };
        let printed = print(&parsed);
        let again = parse_expression(&printed, &Origin::Identity)
            .unwrap_or_else(|errors| panic!("`{printed}` (from `{text}`) does not parse: {errors:?}"));
        prop_assert_eq!(&again, &parsed, "`{}` printed as `{}`", text, printed);
        prop_assert_eq!(print(&again), printed);
    }
}

// ---------------------------------------------------------------------------
// `ruling fmt` is idempotent and never changes a decision, on conditions
// short and long.

const FIELDS: &str = r#"
[[field]]
path = "days"
type = "integer"
description = "Days since the purchase"

[[field]]
path = "amount"
type = "decimal"
description = "Price paid"

[[field]]
path = "reason"
type = "enum"
values = ["broken", "changed_mind", "billing"]
description = "Why"

[[field]]
path = "contacted"
type = "bool"
description = "Whether support was contacted"

[[field]]
path = "prices"
type = "list"
items = "decimal"
description = "Prices of the items returned"
"#;

/// One generated rule: its condition, outcome and layout choices.
#[derive(Clone, Debug)]
struct GeneratedRule {
    when: String,
    outcome: &'static str,
    spaces: usize,
    comment: bool,
    effect: bool,
}

fn short_condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..30).prop_map(|n| format!("days <= {n}")),
        (0u32..10_000).prop_map(|n| format!("amount > {}.{:02}", n / 100, n % 100)),
        prop::sample::select(vec!["broken", "changed_mind", "billing"])
            .prop_map(|r| format!("reason == \"{r}\"")),
        (0i64..30).prop_map(|n| format!("contacted and days > {n}")),
        (0i64..30).prop_map(|n| format!("not contacted   or days<{n}")),
    ]
}

/// A condition of up to several hundred characters: conditions joined by
/// `and` and `or`, in parentheses and negated, with aggregates over a
/// list; `ruling fmt` lays the long ones out over several lines.
fn long_condition() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        short_condition(),
        (0u32..2_000).prop_map(|n| format!(
            "sum(p for p in prices if p > 1.00) > {}.{:02}",
            n / 100,
            n % 100
        )),
        (0u32..2_000).prop_map(|n| format!("any(p > {}.{:02} for p in prices)", n / 100, n % 100)),
        (0i64..4).prop_map(|n| format!("count(p > 2.00 for p in prices) >= {n}")),
        Just("reason in [\"broken\", \"billing\"]".to_owned()),
    ];
    atom.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..7).prop_map(|parts| parts.join(" and ")),
            prop::collection::vec(inner.clone(), 2..7)
                .prop_map(|parts| format!("({})", parts.join("\n  or "))),
            inner.prop_map(|condition| format!("not ({condition})")),
        ]
    })
}

fn generated_rule() -> impl Strategy<Value = GeneratedRule> {
    let when = prop_oneof![short_condition(), long_condition()];
    (
        when,
        prop::sample::select(vec!["approve", "deny", "review", "needs_info"]),
        0usize..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(when, outcome, spaces, comment, effect)| GeneratedRule {
            when,
            outcome,
            spaces,
            comment,
            effect,
        })
}

fn policy_text(rules: &[GeneratedRule], blank_lines: usize) -> String {
    let mut text = String::from(
        "format = 1\n\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01\n",
    );
    text.push_str(FIELDS);
    for (index, rule) in rules.iter().enumerate() {
        let pad = " ".repeat(rule.spaces);
        text.push_str(&"\n".repeat(blank_lines + 1));
        if rule.comment {
            text.push_str(&format!("# rule {index}, as the owners wrote it\n"));
        }
        text.push_str(&format!(
            "[[rule]]\nid{pad}= \"r{index}\"\nsection = \"eligibility\"\nclause = \"§{index}\"\nwhen ={pad}'''{}'''\noutcome = \"{}\"\nreason = \"Rule {index}: {{days}} days.\"{}\n",
            rule.when,
            rule.outcome,
            if rule.comment { "  # why" } else { "" },
        ));
        if rule.effect && rule.outcome == "approve" {
            text.push_str("\n[rule.effects]\nrefund_amount = \"amount\"\n");
        }
    }
    text.push_str(
        "\n[default]\nid = \"d\"\nclause = \"§0\"\noutcome = \"review\"\nreason = \"Someone will look.\"\n",
    );
    text
}

fn request() -> impl Strategy<Value = String> {
    (
        prop::option::of(0i64..40),
        prop::option::of(0u32..20_000),
        prop::option::of(prop::sample::select(vec![
            "broken",
            "changed_mind",
            "billing",
        ])),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(0u32..2_000, 0..4)),
    )
        .prop_map(|(days, amount, reason, contacted, prices)| {
            let mut members = Vec::new();
            if let Some(days) = days {
                members.push(format!("\"days\": {days}"));
            }
            if let Some(cents) = amount {
                members.push(format!(
                    "\"amount\": \"{}.{:02}\"",
                    cents / 100,
                    cents % 100
                ));
            }
            if let Some(reason) = reason {
                members.push(format!("\"reason\": \"{reason}\""));
            }
            if let Some(contacted) = contacted {
                members.push(format!("\"contacted\": {contacted}"));
            }
            if let Some(prices) = prices {
                let prices: Vec<String> = prices
                    .iter()
                    .map(|cents| format!("\"{}.{:02}\"", cents / 100, cents % 100))
                    .collect();
                members.push(format!("\"prices\": [{}]", prices.join(", ")));
            }
            format!("{{{}}}", members.join(", "))
        })
}

/// What a decision says, without the policy's hash (formatting changes the
/// file's bytes) and the trace (which names lines).
fn verdict(policy: &Policy, json: &str) -> String {
    match crate::decide_json(policy, json.as_bytes()) {
        Ok(d) => format!(
            "{} {} {:?} {} {:?}",
            d.outcome, d.rule.id, d.effects, d.reason, d.missing
        ),
        Err(error) => format!("error: {error}"),
    }
}

fn load(text: &str) -> Policy {
    crate::load(SourceFile::new("p.toml", text)).unwrap_or_else(|error| panic!("{error:?}\n{text}"))
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn fmt_is_idempotent_and_keeps_every_decision(
        rules in prop::collection::vec(generated_rule(), 1..8).prop_shuffle(),
        blank_lines in 0usize..3,
        requests in prop::collection::vec(request(), 1..8),
    ) {
        let text = policy_text(&rules, blank_lines);
        let formatted = format_policy(&SourceFile::new("p.toml", text.as_str()))
            .unwrap_or_else(|error| panic!("{error:?}\n{text}"));
        let again = format_policy(&SourceFile::new("p.toml", formatted.as_str())).unwrap();
        prop_assert_eq!(&again, &formatted);
        // The generated names are short: every line fits.
        let widest = formatted.lines().map(|line| line.chars().count()).max();
        prop_assert!(widest <= Some(100), "{}", formatted);
        let (before, after) = (load(&text), load(&formatted));
        for json in &requests {
            prop_assert_eq!(verdict(&before, json), verdict(&after, json), "{}", json);
        }
    }
}

// ---------------------------------------------------------------------------
// Exact decimal arithmetic never loses a cent.

const SUMS: &str = r#"format = 1

[policy]
id = "p"
version = "1"
title = "P"
effective_date = 2025-01-01

[[field]]
path = "a"
type = "decimal"
description = "A"

[[field]]
path = "b"
type = "decimal"
description = "B"

[[field]]
path = "c"
type = "decimal"
description = "C"

[[rule]]
id = "r"
clause = "§1"
section = "eligibility"
when = "a + b + c >= 0"
outcome = "approve"
reason = "Yes."

[rule.effects]
total = "a + b + c"
net = "a * 3 - b - c"

[default]
id = "d"
clause = "§2"
outcome = "deny"
reason = "No."
"#;

fn amount() -> impl Strategy<Value = Decimal> {
    // Up to ten billion, in cents or in thousandths.
    (0i64..1_000_000_000_000, 2u32..=3).prop_map(|(units, scale)| Decimal::new(units, scale))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn decimal_effects_equal_the_exact_sum(a in amount(), b in amount(), c in amount()) {
        let policy = load(SUMS);
        let json = format!(r#"{{"a": "{a}", "b": "{b}", "c": "{c}"}}"#);
        let decision = crate::decide_json(&policy, json.as_bytes()).unwrap();
        let effect = |name: &str| {
            decision
                .effects
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        prop_assert_eq!(effect("total"), Some(Value::Decimal(a + b + c)));
        prop_assert_eq!(effect("net"), Some(Value::Decimal(a * Decimal::from(3) - b - c)));
    }
}

// ---------------------------------------------------------------------------
// Decisions over the shipped cases: deterministic, with an outcome the
// policy can produce, and blind to members the policy does not declare.

struct Shipped {
    set: PolicySet,
    requests: Vec<serde_json::Value>,
}

/// Loaded once: the property tests below decide hundreds of requests.
fn shipped() -> &'static [Shipped] {
    static SHIPPED: std::sync::OnceLock<Vec<Shipped>> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(load_shipped)
}

fn load_shipped() -> Vec<Shipped> {
    [
        "best-buy-returns",
        "dot-airline-refunds",
        "iptv-smarters-pro",
        "steam",
    ]
    .iter()
    .map(|id| {
        let folder: PathBuf = root().join("policies").join(id);
        let set = load_set(&folder).unwrap();
        let mut requests = Vec::new();
        for entry in std::fs::read_dir(folder.join("cases")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "json") {
                let case: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                requests.push(case["request"].clone());
            }
        }
        requests.sort_by_key(|request| request.to_string());
        assert!(!policy_files(&folder).unwrap().is_empty());
        Shipped { set, requests }
    })
    .collect()
}

/// Decides `request` by the version in effect, as `ruling decide` does.
fn decide(
    set: &PolicySet,
    request: &serde_json::Value,
) -> Option<(String, &'static str, BTreeSet<&'static str>)> {
    let text = request.to_string();
    let selected = set.select(text.as_bytes(), &Choice::ByRequest).ok()?;
    let policy = selected.policy;
    let outcomes: BTreeSet<_> = policy
        .rules
        .iter()
        .chain(std::iter::once(&policy.default))
        .map(|rule| rule.outcome.keyword())
        .collect();
    let bytes = serde_json::to_vec(request).unwrap();
    let decided = crate::decide_json(policy, &bytes).ok()?;
    Some((decision_json(&decided), decided.outcome.keyword(), outcomes))
}

/// Inserts `name: value` into the `nth` object of `json` (counting
/// depth-first from the root, modulo the number of objects).
fn insert_member(json: &mut serde_json::Value, nth: usize, name: &str, value: serde_json::Value) {
    fn count(json: &serde_json::Value) -> usize {
        match json {
            serde_json::Value::Object(map) => 1 + map.values().map(count).sum::<usize>(),
            _ => 0,
        }
    }
    fn walk(
        json: &mut serde_json::Value,
        index: &mut usize,
        nth: usize,
        name: &str,
        value: &serde_json::Value,
    ) -> bool {
        let serde_json::Value::Object(map) = json else {
            return false;
        };
        if *index == nth {
            map.insert(name.to_owned(), value.clone());
            return true;
        }
        *index += 1;
        map.values_mut()
            .any(|child| walk(child, index, nth, name, value))
    }
    let objects = count(json).max(1);
    walk(json, &mut 0, nth % objects, name, &value);
}

fn unknown_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        word().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
            prop::collection::vec((word(), inner), 0..3)
                .prop_map(|members| { serde_json::Value::Object(members.into_iter().collect()) }),
        ]
    })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn an_unknown_member_anywhere_changes_no_decision(
        policy in 0usize..2,
        case in any::<prop::sample::Index>(),
        nth in 0usize..8,
        name in word(),
        value in unknown_value(),
    ) {
        let shipped = &shipped()[policy];
        let request = case.get(&shipped.requests);
        // Names no shipped policy declares at any level.
        let name = format!("x_unknown_{name}");
        let mut changed = request.clone();
        insert_member(&mut changed, nth, &name, value);
        let before = decide(&shipped.set, request);
        let after = decide(&shipped.set, &changed);
        prop_assert_eq!(before.map(|d| d.0), after.map(|d| d.0));
    }
}

#[test]
fn every_shipped_case_decides_deterministically_with_an_outcome_its_policy_has() {
    for shipped in shipped() {
        for request in &shipped.requests {
            let Some((json, outcome, outcomes)) = decide(&shipped.set, request) else {
                continue;
            };
            assert!(outcomes.contains(outcome), "{outcome} not in {outcomes:?}");
            // Fresh policies, the same bytes: nothing depends on state.
            let reloaded = load_set(
                &root()
                    .join("policies")
                    .join(&shipped.set.versions[0].meta.id),
            )
            .unwrap();
            assert_eq!(decide(&reloaded, request).map(|d| d.0), Some(json.clone()));
            assert_eq!(decide(&shipped.set, request).map(|d| d.0), Some(json));
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Generated requests against the generated-policy template: every
    /// decision comes out the same twice, with an outcome the policy has.
    #[test]
    fn generated_decisions_are_deterministic_and_possible(
        rules in prop::collection::vec(generated_rule(), 1..8),
        json in request(),
    ) {
        let policy = load(&policy_text(&rules, 0));
        let outcomes: BTreeSet<_> = policy
            .rules
            .iter()
            .chain(std::iter::once(&policy.default))
            .map(|rule| rule.outcome.keyword())
            .collect();
        match (crate::decide_json(&policy, json.as_bytes()), crate::decide_json(&policy, json.as_bytes())) {
            (Ok(first), Ok(second)) => {
                prop_assert_eq!(decision_json(&first), decision_json(&second));
                prop_assert!(outcomes.contains(first.outcome.keyword()));
            }
            (Err(first), Err(second)) => prop_assert_eq!(first.to_string(), second.to_string()),
            _ => prop_assert!(false, "the same request decided once and failed once"),
        }
    }
}
