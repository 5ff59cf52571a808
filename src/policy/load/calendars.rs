//! `[calendar.NAME]`: business-day calendars, their weekends and holidays,
//! every date and rule checked here so that counting never meets a bad one.

use chrono::{NaiveDate, Weekday};
use std::borrow::Cow;

use super::Loader;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::{Origin, Span};
use crate::diagnostic::suggest::{closest, list_names};
use crate::language::weekday::WEEKDAYS;
use crate::limits::MAX_HOLIDAYS;
use crate::policy::calendar::{Calendar, Holiday, HolidayDate, Nth, Observance};
use crate::policy::document::{self, Node, Table, Text, TomlValue, kind_name, wrong_kind};
use crate::policy::keys;

const ORDINALS: [(&str, Nth); 6] = [
    ("first", Nth::Number(1)),
    ("second", Nth::Number(2)),
    ("third", Nth::Number(3)),
    ("fourth", Nth::Number(4)),
    ("fifth", Nth::Number(5)),
    ("last", Nth::Last),
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const RULE_HELP: &str = "write the nth weekday of a month, such as `\"third monday of january\"` or `\"last monday of may\"`: first, second, third, fourth, fifth or last, a weekday, `of` and a month";

impl Loader<'_, '_> {
    /// Reads the `[calendar.NAME]` tables: the calendars without problems,
    /// and the names of all, so that an expression naming a calendar in
    /// error is not reported again.
    pub(super) fn calendars(&mut self, top: &Table) -> (Vec<Calendar>, Vec<String>) {
        let Some(node) = top.get("calendar") else {
            return (Vec::new(), Vec::new());
        };
        let Some(table) = document::table(node, self.errors) else {
            return (Vec::new(), Vec::new());
        };
        let table = Table::new(table, self.text, node.span(), "`[calendar]`", &[]);
        let mut calendars = Vec::new();
        let mut names = Vec::new();
        for (name, key_span, value) in table.keys() {
            let TomlValue::Table(inner) = value.get_ref() else {
                let help = if is_array_of_tables(value) && !keys::contains(keys::CALENDAR, name) {
                    format!(
                        "a calendar is one table: write `[calendar.{name}]`, with single brackets"
                    )
                } else {
                    format!(
                        "each calendar is a table with its name: `[calendar.us]`, with `weekend` and `holidays` below it; `{name}` is not a calendar"
                    )
                };
                self.push(
                    Diagnostic::new(
                        "wrong-kind",
                        format!("`{name}` in `[calendar]` must be a calendar table"),
                        key_span,
                    )
                    .with_label(format!("this is {}", kind_name(value.get_ref())))
                    .with_help(help),
                );
                continue;
            };
            names.push(name.to_owned());
            let name_text = Text {
                value: Cow::Borrowed(name),
                span: key_span,
                origin: Origin::Whole(key_span),
            };
            let valid_name = self.identifier(&name_text, "calendar name");
            let table = Table::new(
                inner,
                self.text,
                value.span(),
                format!("`[calendar.{name}]`"),
                keys::CALENDAR,
            );
            table.check_keys(self.errors);
            let weekend = self.weekend(&table);
            let holidays = self.holidays(&table);
            let (Some(weekend), Some(holidays), true) = (weekend, holidays, valid_name) else {
                continue;
            };
            let calendar = Calendar::new(name.to_owned(), weekend, &holidays);
            if calendar.has_business_days() {
                calendars.push(calendar);
            } else {
                self.push(
                    Diagnostic::new(
                        "no-business-days",
                        format!("calendar `{name}` has no business day"),
                        key_span,
                    )
                    .with_label("every working day is a holiday")
                    .with_help("a business day is a working day without a holiday: remove some holidays or weekend days"),
                );
            }
        }
        (calendars, names)
    }

    /// `weekend`, indexed Monday first; Saturday and Sunday when left out.
    fn weekend(&mut self, table: &Table) -> Option<[bool; 7]> {
        let Some(node) = table.get("weekend") else {
            return Some([false, false, false, false, false, true, true]);
        };
        let TomlValue::Array(items) = node.get_ref() else {
            self.push(wrong_kind(
                node,
                node.get_ref(),
                "a list of weekdays",
                "weekend = [\"saturday\", \"sunday\"]",
            ));
            return None;
        };
        let mut weekend = [false; 7];
        let mut valid = true;
        for item in items {
            let Some(text) = document::text(item, self.text, self.errors) else {
                valid = false;
                continue;
            };
            let Some(weekday) = self.weekday(&text.value, text.span) else {
                valid = false;
                continue;
            };
            let Some(off) = weekend.get_mut(weekday.num_days_from_monday() as usize) else {
                continue;
            };
            if *off {
                valid = false;
                self.push(
                    Diagnostic::new(
                        "duplicate-name",
                        format!("`{}` is listed twice", text.value),
                        text.span,
                    )
                    .with_label("listed again here")
                    .with_help("list each weekend day once"),
                );
            }
            *off = true;
        }
        if valid && weekend.iter().all(|off| *off) {
            self.push(
                Diagnostic::new(
                    "no-business-days",
                    "every day of the week is a weekend day",
                    node.span(),
                )
                .with_label("no working day is left")
                .with_help("list only the days that are not working days, such as `[\"saturday\", \"sunday\"]`"),
            );
            return None;
        }
        valid.then_some(weekend)
    }

    /// A weekday name, reported at `span` when it is not one.
    fn weekday(&mut self, text: &str, span: Span) -> Option<Weekday> {
        if let Some((weekday, _)) = WEEKDAYS.iter().find(|(_, name)| *name == text) {
            return Some(*weekday);
        }
        let names = WEEKDAYS.map(|(_, name)| name);
        self.push(
            Diagnostic::new(
                "invalid-weekday",
                format!("`{text}` is not a weekday"),
                span,
            )
            .with_label("not a weekday name")
            .with_help(suggestion(text, names, "the weekdays are")),
        );
        None
    }

    /// `holidays`: every one is read, and all problems reported.
    fn holidays(&mut self, table: &Table) -> Option<Vec<Holiday>> {
        let Some(node) = table.get("holidays") else {
            return Some(Vec::new());
        };
        let TomlValue::Array(items) = node.get_ref() else {
            self.push(wrong_kind(
                node,
                node.get_ref(),
                "a list of holidays",
                "holidays = [{ name = \"Christmas Day\", date = \"12-25\" }]",
            ));
            return None;
        };
        if items.len() > MAX_HOLIDAYS {
            self.push(
                Diagnostic::new(
                    "too-many-holidays",
                    format!(
                        "{} has {} holidays, more than the limit of {MAX_HOLIDAYS}",
                        table.name(),
                        items.len()
                    ),
                    node.span(),
                )
                .with_label("too many holidays")
                .with_help("a calendar lists the holidays of one place; a holiday that recurs is one `date` or `rule` for every year"),
            );
            return None;
        }
        let mut holidays = Vec::new();
        let mut seen: Vec<(String, Span)> = Vec::new();
        let mut valid = true;
        for item in items {
            let holiday = match item.get_ref() {
                TomlValue::Table(holiday) => self.holiday(
                    &Table::new(
                        holiday,
                        self.text,
                        item.span(),
                        format!("a holiday of {}", table.name()),
                        keys::HOLIDAY,
                    ),
                    &mut seen,
                ),
                other => {
                    self.push(wrong_kind(
                        item,
                        other,
                        "a holiday",
                        "{ name = \"Christmas Day\", date = \"12-25\" }",
                    ));
                    None
                }
            };
            match holiday {
                Some(holiday) => holidays.push(holiday),
                None => valid = false,
            }
        }
        valid.then_some(holidays)
    }

    fn holiday(&mut self, table: &Table, seen: &mut Vec<(String, Span)>) -> Option<Holiday> {
        table.check_keys(self.errors);
        let name = table.required_text("name", "\"Christmas Day\"", self.errors);
        let date = table.get("date").map(|node| self.holiday_date(node));
        let rule = table
            .optional_text("rule", self.errors)
            .map(|rule| self.holiday_rule(&rule));
        let observed = table
            .optional_text("observed", self.errors)
            .map(|observed| self.observance(&observed));
        let name = name.filter(|name| self.unique_holiday(name, seen));
        let date = match (date, rule) {
            (Some(date), None) => date,
            (None, Some(rule)) => rule,
            (Some(_), Some(_)) => {
                let span = table.key_span("rule").unwrap_or(table.span);
                self.push(
                    Diagnostic::new(
                        "invalid-holiday",
                        "a holiday has a `date` or a `rule`, not both",
                        span,
                    )
                    .with_label("a `date` is given too")
                    .with_help("keep `date` for a fixed day (`\"12-25\"`), or `rule` for the nth weekday of a month"),
                );
                None
            }
            (None, None) => {
                self.push(
                    Diagnostic::new(
                        "missing-key",
                        format!("{} has no `date` or `rule`", table.name()),
                        table.span,
                    )
                    .with_label("when is this holiday?")
                    .with_help("add `date = \"12-25\"` (every year), `date = 2025-12-26` (once), or `rule = \"third monday of january\"`"),
                );
                None
            }
        };
        Some(Holiday {
            name: name?.value.into_owned(),
            date: date?,
            observed: observed.unwrap_or(Some(Observance::None))?,
        })
    }

    fn unique_holiday(&mut self, name: &Text, seen: &mut Vec<(String, Span)>) -> bool {
        if let Some((_, first)) = seen.iter().find(|(other, _)| *other == name.value) {
            self.push(
                Diagnostic::new(
                    "duplicate-name",
                    format!("two holidays are named `{}`", name.value),
                    name.span,
                )
                .with_label("named again here")
                .with_secondary(*first, "first named here")
                .with_help("give each holiday of a calendar its own name, or remove the copy; a holiday that moves from year to year is written once a year, with the year in its name: `{ name = \"Good Friday 2026\", date = 2026-04-03 }`"),
            );
            return false;
        }
        seen.push((name.value.to_string(), name.span));
        true
    }

    /// `"MM-DD"` every year, or a TOML date once.
    fn holiday_date(&mut self, node: &Node) -> Option<HolidayDate> {
        match node.get_ref() {
            TomlValue::Datetime(datetime)
                if datetime.time.is_none() && datetime.offset.is_none() =>
            {
                datetime
                    .to_string()
                    .parse::<NaiveDate>()
                    .ok()
                    .map(HolidayDate::Once)
            }
            TomlValue::String(text) => {
                let parsed = month_day(text);
                if parsed.is_none() {
                    self.push(invalid_month_day(text, node.span()));
                }
                parsed
            }
            other => {
                self.push(wrong_kind(
                    node,
                    other,
                    "a month and day, or a date",
                    "\"12-25\"",
                ));
                None
            }
        }
    }

    /// `"third monday of january"`, each word checked and reported where
    /// it is written.
    fn holiday_rule(&mut self, rule: &Text) -> Option<HolidayDate> {
        let words = words_at(&rule.value);
        let [
            (nth_at, nth),
            (weekday_at, weekday),
            (_, "of"),
            (month_at, month),
        ] = words.as_slice()
        else {
            self.push(
                Diagnostic::new(
                    "invalid-holiday",
                    format!("`{}` is not a holiday rule", rule.value),
                    rule.span,
                )
                .with_label("not the nth weekday of a month")
                .with_help(RULE_HELP),
            );
            return None;
        };
        let span = |at: usize, word: &str| rule.origin.span(Span::new(at, at + word.len()));
        let nth_found = ORDINALS
            .iter()
            .find(|(name, _)| name == nth)
            .map(|(_, n)| *n);
        if nth_found.is_none() {
            self.push(
                Diagnostic::new(
                    "invalid-holiday",
                    format!("`{nth}` is not first, second, third, fourth, fifth or last"),
                    span(*nth_at, nth),
                )
                .with_label("which weekday of the month?")
                .with_help(suggestion(
                    nth,
                    ORDINALS.map(|(name, _)| name),
                    "write",
                )),
            );
        }
        let weekday = self.weekday(weekday, span(*weekday_at, weekday));
        let month_found = MONTHS.iter().position(|name| name == month);
        if month_found.is_none() {
            self.push(
                Diagnostic::new(
                    "invalid-holiday",
                    format!("`{month}` is not a month"),
                    span(*month_at, month),
                )
                .with_label("not a month name")
                .with_help(suggestion(month, MONTHS, "the months are")),
            );
        }
        Some(HolidayDate::Nth {
            nth: nth_found?,
            weekday: weekday?,
            month: u32::try_from(month_found? + 1).ok()?,
        })
    }

    fn observance(&mut self, text: &Text) -> Option<Observance> {
        let found = Observance::ALL
            .iter()
            .find(|(_, name)| *name == text.value)
            .map(|(observance, _)| *observance);
        if found.is_none() {
            self.push(
                Diagnostic::new(
                    "invalid-holiday",
                    format!("`{}` is not a way to observe a holiday", text.value),
                    text.span,
                )
                .with_label("expected none, nearest_weekday or next_weekday")
                .with_help(suggestion(
                    &text.value,
                    Observance::ALL.map(|(_, name)| name),
                    "write",
                )),
            );
        }
        found
    }
}

fn is_array_of_tables(node: &Node) -> bool {
    matches!(node.get_ref(), TomlValue::Array(items)
        if !items.is_empty() && items.iter().all(|item| matches!(item.get_ref(), TomlValue::Table(_))))
}

/// The words of `text`, separated by white space, each with its offset.
fn words_at(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, c.is_whitespace()) {
            (None, false) => start = Some(at),
            (Some(from), true) => {
                words.extend(text.get(from..at).map(|word| (from, word)));
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// `"12-25"`: a month and a day that the month has in some year (February
/// 29 included).
fn month_day(text: &str) -> Option<HolidayDate> {
    let (month, day) = text.split_once('-')?;
    let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(month) || !two_digits(day) {
        return None;
    }
    let (month, day) = (month.parse().ok()?, day.parse().ok()?);
    // 2000 is a leap year: February 29 is a day of the year.
    NaiveDate::from_ymd_opt(2000, month, day)?;
    Some(HolidayDate::Yearly { month, day })
}

fn invalid_month_day(text: &str, span: Span) -> Diagnostic {
    if text.parse::<NaiveDate>().is_ok() {
        return Diagnostic::new(
            "invalid-holiday",
            "a holiday on one date is written without quotes",
            span,
        )
        .with_label("a date in quotes")
        .with_help(format!(
            "write `date = {text}` for that day only, or `date = \"{}\"` for every year",
            text.get(5..).unwrap_or_default()
        ));
    }
    let help = if let Some((month, day)) = text
        .split_once('-')
        .and_then(|(month, day)| Some((month.parse::<u32>().ok()?, day.parse::<u32>().ok()?)))
        && (1..=12).contains(&month)
    {
        let last = (28..=31)
            .rev()
            .find(|day| NaiveDate::from_ymd_opt(2000, month, *day).is_some())
            .unwrap_or(28);
        let name = MONTHS.get(month as usize - 1).copied().unwrap_or_default();
        let mut letters = name.chars();
        let capitalized: String = letters
            .next()
            .map(|first| first.to_uppercase().chain(letters).collect())
            .unwrap_or_default();
        format!("{capitalized} has {last} days; day {day} is not one of them")
    } else {
        "write the month and day as MM-DD, for example `\"12-25\"`, or a date without quotes for one year only, `2025-12-26`".to_owned()
    };
    Diagnostic::new(
        "invalid-holiday",
        format!("`{text}` is not a day of the year"),
        span,
    )
    .with_label("expected a month and day, MM-DD")
    .with_help(help)
}

/// "did you mean" when a name is close, else the list of names.
fn suggestion<const N: usize>(text: &str, names: [&'static str; N], intro: &str) -> String {
    let prefixed = (text.len() >= 3)
        .then(|| {
            names
                .iter()
                .find(|name| name.starts_with(&text.to_lowercase()))
        })
        .flatten()
        .copied();
    match prefixed.or_else(|| closest(text, names)) {
        Some(name) => format!("did you mean `{name}`?"),
        None => format!("{intro} {}", list_names(names, 12)),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::SourceFile;
    use crate::policy::load::load;

    /// The messages and help texts of loading a policy with `calendar`.
    fn problems(calendar: &str) -> Vec<(String, String)> {
        let text = format!(
            "format = 1\n[policy]\nid = \"a\"\nversion = \"1\"\ntitle = \"t\"\neffective_date = 2025-01-01\n\n{calendar}\n\n[default]\nid = \"d\"\nclause = \"c\"\noutcome = \"deny\"\nreason = \"r\"\n"
        );
        match load(SourceFile::new("t.toml", text)) {
            Ok(_) => Vec::new(),
            Err(error) => error
                .diagnostics
                .into_iter()
                .map(|d| (d.message, d.help.unwrap_or_default()))
                .collect(),
        }
    }

    fn first(calendar: &str) -> (String, String) {
        problems(calendar).into_iter().next().unwrap_or_default()
    }

    #[test]
    fn a_valid_calendar_loads() {
        let calendar = r#"[calendar.us-federal]
weekend = []
holidays = [
  { name = "Leap", date = "02-29", observed = "next_weekday" },
  { name = "Fifth", rule = "  fifth   friday of march " },
  { name = "Once", date = 2025-12-26, observed = "none" },
]

[[calendar.uk.holidays]]
name = "Christmas Day"
date = "12-25"
"#;
        assert_eq!(problems(calendar), Vec::new());
    }

    #[test]
    fn names_are_suggested_or_listed() {
        assert_eq!(
            first("[calendar.us]\nweekend = [\"Saturday\"]"),
            (
                "`Saturday` is not a weekday".to_owned(),
                "did you mean `saturday`?".to_owned()
            )
        );
        assert_eq!(
            first("[calendar.us]\nholidays = [{ name = \"x\", rule = \"first monday of jan\" }]"),
            (
                "`jan` is not a month".to_owned(),
                "did you mean `january`?".to_owned()
            )
        );
        assert_eq!(
            first("[calendar.us]\nholidays = [{ name = \"x\", rule = \"first mon of june\" }]").1,
            "did you mean `monday`?"
        );
        assert_eq!(
            first("[calendar.US]").0,
            "`US` is not a valid calendar name"
        );
        assert_eq!(
            first("[[calendar.us]]\nweekend = []").1,
            "a calendar is one table: write `[calendar.us]`, with single brackets"
        );
        assert_eq!(
            first("[calendar.us]\nweekend = [\"sunday\", \"sunday\"]").0,
            "`sunday` is listed twice"
        );
    }

    #[test]
    fn month_days_are_checked() {
        assert_eq!(
            first("[calendar.us]\nholidays = [{ name = \"x\", date = \"04-31\" }]").1,
            "April has 30 days; day 31 is not one of them"
        );
        for text in ["13-01", "12/25", "1-5", "christmas"] {
            assert_eq!(
                first(&format!(
                    "[calendar.us]\nholidays = [{{ name = \"x\", date = \"{text}\" }}]"
                ))
                .0,
                format!("`{text}` is not a day of the year"),
            );
        }
        assert_eq!(
            first("[calendar.us]\nholidays = [{ name = \"x\", date = 2025-12-26T10:00:00 }]").0,
            "expected a month and day, or a date, found a date and time"
        );
        assert_eq!(
            first("[calendar.us]\nholidays = [{ name = \"x\" }]").0,
            "a holiday of `[calendar.us]` has no `date` or `rule`"
        );
    }

    #[test]
    fn a_calendar_has_at_most_the_limit_of_holidays() {
        let holidays: Vec<String> = (0..=crate::limits::MAX_HOLIDAYS)
            .map(|n| format!("{{ name = \"h{n}\", date = \"01-01\" }}"))
            .collect();
        let calendar = format!("[calendar.us]\nholidays = [{}]", holidays.join(", "));
        assert_eq!(
            first(&calendar).0,
            "`[calendar.us]` has 501 holidays, more than the limit of 500"
        );
    }
}
