//! Named time zones end to end: a policy in `America/New_York` decides by
//! New York dates and clocks across daylight saving changes, and a folder
//! of versions picks the version by the New York date.

use ruling::SourceFile;
use ruling::{Choice, load_set};

/// A policy in New York time: requests sent before 17:00 on the day of
/// the purchase are refunded.
fn policy_text(version: &str, effective_date: &str) -> String {
    format!(
        r#"format = 1

[policy]
id = "shop"
version = "{version}"
title = "Shop"
effective_date = {effective_date}
effective_date_field = "purchase.at"
timezone = "America/New_York"

[[field]]
path = "purchase.at"
type = "datetime"
description = "When the purchase was made"
required = true

[[field]]
path = "request.at"
type = "datetime"
description = "When the request was sent"
required = true

[derived]
same_day = "date(purchase.at) == date(request.at)"
before_closing = 'local_time(request.at, "America/New_York") < 17h'

[[rule]]
id = "incomplete"
clause = "§0"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "Tell us when."

[[rule]]
id = "same-day"
clause = "§1"
section = "eligibility"
when = "same_day and before_closing"
outcome = "approve"
reason = "Sent on the day of the purchase, before 17:00 New York time."

[default]
id = "late"
clause = "§2"
outcome = "deny"
reason = "Too late."
"#
    )
}

fn outcome(purchase: &str, request: &str) -> String {
    let policy =
        ruling::load(SourceFile::new("shop.toml", policy_text("1", "2025-01-01"))).unwrap();
    let json =
        format!(r#"{{"purchase": {{"at": "{purchase}"}}, "request": {{"at": "{request}"}}}}"#);
    ruling::decide_json(&policy, json.as_bytes())
        .unwrap()
        .outcome
        .to_string()
}

#[test]
fn decisions_follow_new_york_clocks_across_daylight_saving() {
    // Winter, UTC-5: 16:59 and 17:00 EST.
    assert_eq!(
        outcome("2025-01-15T14:00:00Z", "2025-01-15T21:59:00Z"),
        "approve"
    );
    assert_eq!(
        outcome("2025-01-15T14:00:00Z", "2025-01-15T22:00:00Z"),
        "deny"
    );
    // Summer, UTC-4: 16:59 and 17:00 EDT.
    assert_eq!(
        outcome("2025-07-15T14:00:00Z", "2025-07-15T20:59:00Z"),
        "approve"
    );
    assert_eq!(
        outcome("2025-07-15T14:00:00Z", "2025-07-15T21:00:00Z"),
        "deny"
    );
    // 23:30 EDT on July 14 is July 15 in UTC: not the same New York day as
    // a purchase on the morning of July 15.
    assert_eq!(
        outcome("2025-07-15T14:00:00Z", "2025-07-15T03:30:00Z"),
        "deny"
    );
    // And 23:30 EDT on July 14 is the New York day of 11:00 EDT that day.
    assert_eq!(
        outcome("2025-07-15T03:30:00Z", "2025-07-14T15:00:00Z"),
        "approve"
    );
    // The day clocks spring forward: 00:30 EST and 16:30 EDT are one day.
    assert_eq!(
        outcome("2025-03-09T05:30:00Z", "2025-03-09T20:30:00Z"),
        "approve"
    );
}

#[test]
fn a_folder_picks_the_version_in_effect_on_the_new_york_date() {
    let folder = tempfile::tempdir().unwrap();
    for (version, effective_date) in [("old", "2025-01-01"), ("new", "2025-07-05")] {
        std::fs::write(
            folder.path().join(format!("{version}.toml")),
            policy_text(version, effective_date),
        )
        .unwrap();
    }
    let set = load_set(folder.path()).unwrap();
    let version = |purchase: &str| {
        let json = format!(r#"{{"purchase": {{"at": "{purchase}"}}}}"#);
        set.select(json.as_bytes(), &Choice::ByRequest)
            .unwrap()
            .policy
            .version()
            .to_owned()
    };
    assert_eq!(
        version("2025-07-05T03:59:59Z"),
        "old",
        "23:59:59 EDT on July 4"
    );
    assert_eq!(
        version("2025-07-05T04:00:00Z"),
        "new",
        "00:00 EDT on July 5"
    );
}
