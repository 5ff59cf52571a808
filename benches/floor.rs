//! The floor to compare against: the IPTV Smarters Pro rules written by hand
//! over a serde struct, with the same outputs as the policy (outcome,
//! deciding rule, missing fields, effects). Kept in the benchmark only.

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;

/// A request parsed into the floor's struct, its texts borrowed from the JSON.
#[derive(Deserialize)]
pub struct Request<'a> {
    #[serde(borrow, default)]
    purchase: Purchase<'a>,
    #[serde(borrow, default)]
    request: Asked<'a>,
    #[serde(default)]
    support: Support,
    #[serde(default)]
    customer: Customer,
}

#[derive(Deserialize, Default)]
struct Purchase<'a> {
    invoice_number: Option<&'a str>,
    date: Option<&'a str>,
    email: Option<&'a str>,
    amount: Option<Amount<'a>>,
    currency: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Amount<'a> {
    Text(&'a str),
    Number(f64),
}

#[derive(Deserialize, Default)]
struct Asked<'a> {
    date: Option<&'a str>,
    email: Option<&'a str>,
    invoice_number: Option<&'a str>,
    explanation: Option<&'a str>,
    reason: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct Support {
    #[serde(default)]
    contacted: bool,
    #[serde(default)]
    issue_resolved: bool,
}

#[derive(Deserialize, Default)]
struct Customer {
    #[serde(default)]
    terms_violated: bool,
}

/// What the hand-written rules decide.
pub struct Decided {
    pub outcome: &'static str,
    pub rule: &'static str,
    pub missing: Vec<&'static str>,
    pub refund: Option<Decimal>,
}

fn given(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

/// `YYYY-MM-DD` read by hand (chrono's format-string parser would make the
/// floor slower than a careful hand-written decoder), else an RFC 3339 time.
fn date(text: &str) -> Option<NaiveDate> {
    plain_date(text.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|time| time.date_naive())
    })
}

fn plain_date(text: &[u8]) -> Option<NaiveDate> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *text else {
        return None;
    };
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |total, digit| {
            digit
                .is_ascii_digit()
                .then(|| total * 10 + u32::from(digit - b'0'))
        })
    };
    let year = i32::try_from(number(&[y1, y2, y3, y4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&[m1, m2])?, number(&[d1, d2])?)
}

fn amount(amount: &Amount) -> Option<Decimal> {
    match amount {
        Amount::Text(text) => text.parse().ok(),
        Amount::Number(number) => Decimal::try_from(*number).ok(),
    }
}

/// Whether `json` parses into the floor's serde struct: the yardstick for
/// decoding alone.
pub fn parses(json: &str) -> bool {
    serde_json::from_str::<Request>(json).is_ok()
}

/// The request in the floor's struct; `None` when it does not parse.
pub fn parse(json: &str) -> Option<Request<'_>> {
    serde_json::from_str(json).ok()
}

pub fn decide(json: &str) -> Option<Decided> {
    decide_parsed(&parse(json)?)
}

/// The floor's decision logic alone, on a request already parsed: the
/// yardstick for deciding pre-decoded requests.
pub fn decide_parsed(request: &Request) -> Option<Decided> {
    let purchase = &request.purchase;
    let asked = &request.request;
    let mut missing = Vec::new();
    let checks: [(&'static str, bool); 10] = [
        (
            "purchase.invoice_number",
            given(purchase.invoice_number).is_some(),
        ),
        ("purchase.date", given(purchase.date).is_some()),
        ("purchase.email", given(purchase.email).is_some()),
        ("purchase.amount", purchase.amount.is_some()),
        ("purchase.currency", given(purchase.currency).is_some()),
        ("request.date", given(asked.date).is_some()),
        (
            "request.invoice_number",
            given(asked.invoice_number).is_some(),
        ),
        ("request.email", given(asked.email).is_some()),
        ("request.explanation", given(asked.explanation).is_some()),
        ("request.reason", given(asked.reason).is_some()),
    ];
    for (path, present) in checks {
        if !present {
            missing.push(path);
        }
    }
    // The decision lists the missing fields whatever the outcome.
    if request.customer.terms_violated {
        return Some(Decided {
            outcome: "deny",
            rule: "terms-violated",
            missing,
            refund: None,
        });
    }
    if !missing.is_empty() {
        return Some(Decided {
            outcome: "needs_info",
            rule: "required-information-missing",
            missing,
            refund: None,
        });
    }
    let decided = |outcome, rule| {
        Some(Decided {
            outcome,
            rule,
            missing: Vec::new(),
            refund: None,
        })
    };
    let (purchased, requested) = (date(purchase.date?)?, date(asked.date?)?);
    let price = amount(purchase.amount.as_ref()?)?;
    if requested < purchased || price <= Decimal::ZERO {
        return None;
    }
    if asked.email?.trim().to_lowercase() != purchase.email?.trim().to_lowercase() {
        return decided("needs_info", "email-mismatch");
    }
    if asked.invoice_number?.trim() != purchase.invoice_number?.trim() {
        return decided("needs_info", "invoice-number-mismatch");
    }
    let reason = asked.reason?;
    if reason == "unauthorized_transaction" {
        return decided("review", "unauthorized-transaction");
    }
    let days = (requested - purchased).num_days();
    let support = &request.support;
    if days <= 7 && support.contacted {
        return Some(Decided {
            outcome: "approve",
            rule: "within-window-support-contacted",
            missing,
            refund: Some(price),
        });
    }
    if days <= 7 {
        return decided("needs_info", "within-window-support-not-contacted");
    }
    match reason {
        "billing_error" => decided("review", "billing-error"),
        "technical_failure" if support.contacted && !support.issue_resolved => {
            decided("review", "technical-failure-unresolved")
        }
        "change_of_mind" => decided("deny", "change-of-mind-after-window"),
        "unused_portion" => decided("deny", "unused-portion-after-window"),
        _ => decided("deny", "outside-window"),
    }
}
