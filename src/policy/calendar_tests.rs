//! Business-day calendars, checked against references written the long
//! way: every day from 1990 to 2100 (and around the ends of the 400-year
//! cycle the calendars repeat on) for US-federal and UK-style rules, then
//! properties over dates anywhere in the calendar, and the whole path
//! through a policy: deciding, explaining and formatting.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use crate::Policy;
use crate::SourceFile;
use crate::policy::calendar::Calendar;
use crate::tools::format::format_policy;
use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// The policy the tests read their calendars from: the holidays as a
/// policy owner writes them.
pub(crate) const POLICY: &str = r#"format = 1

[policy]
id = "shop"
version = "1"
title = "Shop"
effective_date = 2025-01-01
timezone = "America/New_York"

[calendar.us]
weekend = ["saturday", "sunday"]
holidays = [
  { name = "New Year's Day", date = "01-01", observed = "nearest_weekday" },
  { name = "Martin Luther King Jr. Day", rule = "third monday of january" },
  { name = "Washington's Birthday", rule = "third monday of february" },
  { name = "Memorial Day", rule = "last monday of may" },
  { name = "Juneteenth", date = "06-19", observed = "nearest_weekday" },
  { name = "Independence Day", date = "07-04", observed = "nearest_weekday" },
  { name = "Labor Day", rule = "first monday of september" },
  { name = "Columbus Day", rule = "second monday of october" },
  { name = "Veterans Day", date = "11-11", observed = "nearest_weekday" },
  { name = "Thanksgiving Day", rule = "fourth thursday of november" },
  { name = "Christmas Day", date = "12-25", observed = "nearest_weekday" },
]

[calendar.uk]
holidays = [
  { name = "New Year's Day", date = "01-01", observed = "next_weekday" },
  { name = "Early May bank holiday", rule = "first monday of may" },
  { name = "Spring bank holiday", rule = "last monday of may" },
  { name = "Summer bank holiday", rule = "last monday of august" },
  { name = "Christmas Day", date = "12-25", observed = "next_weekday" },
  { name = "Boxing Day", date = "12-26", observed = "next_weekday" },
  { name = "State funeral", date = 2022-09-19 },
  { name = "Company day", date = 2021-12-27 },
  { name = "Closed 27", date = 2027-12-27 },
  { name = "Closed 28", date = 2027-12-28 },
  { name = "Closed 29", date = 2027-12-29 },
  { name = "Closed 30", date = 2027-12-30 },
  { name = "Closed 31", date = 2027-12-31 },
]

[[field]]
path = "purchase.date"
type = "date"
description = "Date of the purchase"
required = true

[[field]]
path = "request.at"
type = "datetime"
description = "When the request was sent"
required = true

[derived]
business_days = 'business_days_between(purchase.date, request.at, "us")'
deadline = 'add_business_days(purchase.date, 7, "us")'

[[rule]]
id = "incomplete"
clause = "§0"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "Tell us when."

[[rule]]
id = "within-seven-business-days"
clause = "§1"
section = "eligibility"
when = 'business_days <= 7 and is_business_day(request.at, "us")'
outcome = "approve"
reason = "Sent {business_days} business days after the purchase; the deadline is {deadline}."

[default]
id = "late"
clause = "§2"
outcome = "deny"
reason = "The deadline was {deadline}."
"#;

static POLICY_LOADED: LazyLock<Policy> =
    LazyLock::new(|| crate::load(SourceFile::new("shop.toml", POLICY)).unwrap());

fn calendar(name: &str) -> &'static Calendar {
    POLICY_LOADED.calendar(name).unwrap()
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th (1-based) `weekday` of a month, or the last with `n = 0`,
/// found by walking the month's days.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: usize) -> NaiveDate {
    let days: Vec<NaiveDate> = (1..=31)
        .filter_map(|day| NaiveDate::from_ymd_opt(year, month, day))
        .filter(|day| day.weekday() == weekday)
        .collect();
    if n == 0 {
        *days.last().unwrap()
    } else {
        days[n - 1]
    }
}

/// Saturday → Friday, Sunday → Monday.
fn federal_observance(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - TimeDelta::days(1),
        Weekday::Sun => day + TimeDelta::days(1),
        _ => day,
    }
}

fn us_federal_holidays(year: i32) -> Vec<NaiveDate> {
    vec![
        federal_observance(date(year, 1, 1)),
        nth_weekday(year, 1, Weekday::Mon, 3),
        nth_weekday(year, 2, Weekday::Mon, 3),
        nth_weekday(year, 5, Weekday::Mon, 0),
        federal_observance(date(year, 6, 19)),
        federal_observance(date(year, 7, 4)),
        nth_weekday(year, 9, Weekday::Mon, 1),
        nth_weekday(year, 10, Weekday::Mon, 2),
        federal_observance(date(year, 11, 11)),
        nth_weekday(year, 11, Weekday::Thu, 4),
        federal_observance(date(year, 12, 25)),
    ]
}

/// England's substitute days, case by case: a holiday on a weekend moves
/// to the next weekday not already a holiday.
fn uk_holidays(year: i32) -> Vec<NaiveDate> {
    let mut days = vec![
        nth_weekday(year, 5, Weekday::Mon, 1),
        nth_weekday(year, 5, Weekday::Mon, 0),
        nth_weekday(year, 8, Weekday::Mon, 0),
    ];
    let new_year = date(year, 1, 1);
    days.push(match new_year.weekday() {
        Weekday::Sat => date(year, 1, 3),
        Weekday::Sun => date(year, 1, 2),
        _ => new_year,
    });
    let (christmas, boxing) = match date(year, 12, 25).weekday() {
        Weekday::Fri => (25, 28),
        Weekday::Sat => (27, 28),
        Weekday::Sun => (27, 26),
        _ => (25, 26),
    };
    days.extend([date(year, 12, christmas), date(year, 12, boxing)]);
    if year == 2022 {
        days.push(date(2022, 9, 19));
    }
    if year == 2021 {
        // The company day takes Monday the 27th: Christmas (a Saturday)
        // moves to Tuesday, Boxing Day (a Sunday) to Wednesday.
        days.retain(|day| day.month() != 12);
        days.extend([date(2021, 12, 27), date(2021, 12, 28), date(2021, 12, 29)]);
    }
    if year == 2027 {
        // Closed from Monday the 27th to Friday the 31st: Christmas (a
        // Saturday) and Boxing Day move into 2028.
        days.retain(|day| day.month() != 12);
        days.extend((27..=31).map(|day| date(2027, 12, day)));
    }
    if year == 2028 {
        // Christmas and Boxing Day 2027 take January 3 and 4, so New
        // Year's Day (a Saturday) moves to Wednesday the 5th.
        days.retain(|day| *day != date(2028, 1, 3));
        days.extend([date(2028, 1, 3), date(2028, 1, 4), date(2028, 1, 5)]);
    }
    days
}

/// Checks `calendar` against the reference for every day of `years`:
/// whether it is a business day, the business days to each of the next
/// and previous 15 days, and where counting 10 business days either way
/// from it lands.
fn compare(calendar: &Calendar, holidays: fn(i32) -> Vec<NaiveDate>, years: (i32, i32)) {
    let (first_year, last_year) = years;
    let observed: BTreeSet<NaiveDate> = (first_year - 1..=last_year + 1)
        .flat_map(holidays)
        .collect();
    let start = date(first_year - 1, 1, 1);
    let end = date(last_year + 1, 12, 31);
    let days: Vec<NaiveDate> = start.iter_days().take_while(|day| *day <= end).collect();
    let business: Vec<bool> = days
        .iter()
        .map(|day| !is_weekend(*day) && !observed.contains(day))
        .collect();
    // before[i]: business days among days[..i].
    let mut before = vec![0i64];
    for is_business in &business {
        before.push(before.last().unwrap() + i64::from(*is_business));
    }
    let index = |day: NaiveDate| usize::try_from((day - start).num_days()).unwrap();
    let mut mismatches = Vec::new();
    for day in date(first_year, 1, 1).iter_days() {
        if day.year() > last_year {
            break;
        }
        let i = index(day);
        if calendar.is_business_day(day) != business[i] {
            mismatches.push(format!("is_business_day({day})"));
        }
        for shift in -15i64..=15 {
            let j = (i as i64 + shift) as usize;
            let expected = if shift >= 0 {
                before[j + 1] - before[i + 1]
            } else {
                -(before[i] - before[j])
            };
            let other = days[j];
            if calendar.business_days_between(day, other) != expected {
                mismatches.push(format!("business_days_between({day}, {other})"));
            }
        }
        for count in [-10i64, -3, -1, 0, 1, 2, 10] {
            let mut at = i;
            let mut left = count.abs();
            while left > 0 {
                at = if count > 0 { at + 1 } else { at - 1 };
                left -= i64::from(business[at]);
            }
            if calendar.add_business_days(day, count) != Some(days[at]) {
                mismatches.push(format!("add_business_days({day}, {count})"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
}

#[test]
fn us_federal_days_match_a_day_by_day_reference_from_1990_to_2100() {
    compare(calendar("us"), us_federal_holidays, (1990, 2100));
}

/// The calendar computes one 400-year cycle and repeats it: the years
/// around the cycle's ends, and far from it, must agree too.
#[test]
fn us_federal_days_match_the_reference_across_cycles() {
    for years in [(2395, 2405), (1595, 1605), (9995, 10005), (-5, 5)] {
        compare(calendar("us"), us_federal_holidays, years);
    }
}

#[test]
fn uk_substitute_days_and_one_off_dates_match_a_reference_from_1990_to_2100() {
    compare(calendar("uk"), uk_holidays, (1990, 2100));
}

/// Dates anywhere from year -100,000 to 100,000.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let first = date(-100_000, 1, 1).num_days_from_ce();
    let last = date(100_000, 12, 31).num_days_from_ce();
    (first..=last).prop_map(|day| NaiveDate::from_num_days_from_ce_opt(day).unwrap())
}

fn config() -> Config {
    Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn counting_business_days_and_adding_them_agree(
        from in any_date(),
        to in any_date(),
        count in -1_000_000i64..=1_000_000,
        name in prop::sample::select(vec!["us", "uk"]),
    ) {
        let calendar = calendar(name);
        let landed = calendar.add_business_days(from, count).unwrap();
        prop_assert_eq!(calendar.business_days_between(from, landed), count);
        if count != 0 {
            prop_assert!(calendar.is_business_day(landed));
            prop_assert_eq!(landed > from, count > 0);
        }
        let between = calendar.business_days_between(from, to);
        if calendar.is_business_day(to) {
            prop_assert_eq!(calendar.add_business_days(from, between), Some(to));
        }
        if calendar.is_business_day(from) && calendar.is_business_day(to) {
            prop_assert_eq!(calendar.business_days_between(to, from), -between);
        }
        let next = to.succ_opt().unwrap();
        let step = calendar.business_days_between(from, next) - between;
        prop_assert_eq!(step, i64::from(calendar.is_business_day(if next > from { next } else { to })));
    }
}

/// The monotonic step above: moving `to` one day later adds one when the
/// day entering the count is a business day. Spelled out on a week.
#[test]
fn moving_the_end_one_day_adds_the_day_that_enters_the_count() {
    let us = calendar("us");
    let friday = date(2025, 3, 7);
    let counts: Vec<i64> = (-7..=7)
        .map(|shift| us.business_days_between(friday, friday + TimeDelta::days(shift)))
        .collect();
    assert_eq!(counts, [-5, -4, -4, -4, -3, -2, -1, 0, 0, 0, 1, 2, 3, 4, 5]);
}

fn decide(purchase: &str, request: &str) -> crate::Decision {
    let json =
        format!(r#"{{"purchase": {{"date": "{purchase}"}}, "request": {{"at": "{request}"}}}}"#);
    crate::decide_json(&POLICY_LOADED, json.as_bytes()).unwrap()
}

#[test]
fn a_policy_decides_by_business_days_in_its_time_zone() {
    // Monday, December 22, 2025: Christmas on Thursday, New Year's Day on
    // the next Thursday; the seventh business day is Friday, January 2.
    let decision = decide("2025-12-22", "2026-01-02T21:00:00Z");
    assert_eq!(decision.outcome.to_string(), "approve");
    assert_eq!(
        decision.reason,
        "Sent 7 business days after the purchase; the deadline is 2026-01-02."
    );
    // 01:00 on January 3 in UTC is still January 2 in New York.
    let decision = decide("2025-12-22", "2026-01-03T01:00:00Z");
    assert_eq!(decision.outcome.to_string(), "approve");
    // Monday, January 5: the eighth business day.
    let decision = decide("2025-12-22", "2026-01-05T15:00:00Z");
    assert_eq!(decision.outcome.to_string(), "deny");
}

#[test]
fn explain_turns_a_business_day_count_into_a_date() {
    let json =
        br#"{"purchase": {"date": "2025-12-22"}, "request": {"at": "2026-01-05T15:00:00Z"}}"#;
    let explanation = crate::explain(&POLICY_LOADED, json, None).unwrap();
    let text = format!("{explanation:?}");
    assert!(
        text.contains("`request.at` on or before 2026-01-02"),
        "{text}"
    );
    // Sent on Saturday, December 20: Monday the 22nd is a business day,
    // the sixth after the purchase.
    let json =
        br#"{"purchase": {"date": "2025-12-15"}, "request": {"at": "2025-12-20T15:00:00Z"}}"#;
    let explanation = crate::explain(&POLICY_LOADED, json, None).unwrap();
    let text = format!("{explanation:?}");
    assert!(text.contains("`request.at` on 2025-12-22"), "{text}");
}

#[test]
fn formatting_a_policy_with_calendars_keeps_them_and_is_stable() {
    let formatted = format_policy(&SourceFile::new("shop.toml", POLICY)).unwrap();
    let again = format_policy(&SourceFile::new("shop.toml", formatted.as_str())).unwrap();
    assert_eq!(formatted, again);
    let reloaded = crate::load(SourceFile::new("shop.toml", formatted)).unwrap();
    assert_eq!(
        reloaded
            .calendar("uk")
            .unwrap()
            .business_days_between(date(2021, 12, 24), date(2021, 12, 30)),
        1
    );
}

/// The table of examples in docs/policy-language.md holds for the calendar
/// shown above it there.
#[test]
fn the_documented_examples_hold() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy-language.md"),
    )
    .unwrap();
    let section = docs.split("## Calendars and business days").nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    let calendar = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("[derived]")
        .next()
        .unwrap();
    let examples: Vec<(&str, &str)> = section
        .split("| expression | value |\n|---|---|\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('`').collect();
            (cells[1], cells[3])
        })
        .collect();
    assert!(examples.len() >= 8, "{examples:?}");
    let derived: String = examples
        .iter()
        .enumerate()
        .map(|(index, (expr, _))| format!("e{index} = '{expr}'\n"))
        .collect();
    let text = format!(
        "format = 1\n[policy]\nid = \"docs\"\nversion = \"1\"\ntitle = \"Docs\"\neffective_date = 2025-01-01\n\n{calendar}\n[derived]\n{derived}\n[default]\nid = \"d\"\nclause = \"§0\"\noutcome = \"deny\"\nreason = \"r\"\n"
    );
    let policy = crate::load(SourceFile::new("docs.toml", text)).unwrap();
    let request = crate::request::decode(&policy.schema, policy.meta.timezone, b"{}").unwrap();
    let mut evaluator = crate::evaluate::Evaluator::new(&policy, &request);
    for (derived, (expr, expected)) in policy.derived.iter().zip(&examples) {
        let value = evaluator.eval(&derived.value).unwrap();
        assert_eq!(value.to_string(), expected.trim_matches('"'), "{expr}");
    }
}
