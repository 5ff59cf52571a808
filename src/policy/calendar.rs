//! Business-day calendars: a weekend and holidays, each observed on a day
//! its rule gives, and the counting of business days over them.
//!
//! A business day is a working day (not a weekend day) on which no holiday
//! is observed. Holidays that recur every year (a month and day, or the
//! nth weekday of a month) repeat exactly every 400 years, since the
//! Gregorian calendar does, weekdays included (146,097 days are 20,871
//! weeks). So a calendar computes the observed holidays of one 400-year
//! cycle when the policy loads, plus the differences that one-off dates
//! make to the years around them, and answers every question for any date
//! with a binary search: no work grows with the distance between dates.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};

/// Days in a cycle of the Gregorian calendar: 400 years, 20,871 weeks.
const CYCLE_DAYS: i64 = 146_097;
const CYCLE_FIRST_YEAR: i32 = 2000;
const CYCLE_YEARS: i32 = 400;
const CYCLE_START: NaiveDate = match NaiveDate::from_ymd_opt(CYCLE_FIRST_YEAR, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// How far `next_weekday` looks for a working day that is not already a
/// holiday, before settling on the first working day.
const MAX_SUBSTITUTE_DAYS: i64 = 14;

/// One holiday of a calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Holiday {
    pub(crate) name: String,
    pub(crate) date: HolidayDate,
    pub(crate) observed: Observance,
}

/// When a holiday falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HolidayDate {
    /// The same month and day every year: `"12-25"`. February 29 falls in
    /// leap years only.
    Yearly { month: u32, day: u32 },
    /// The nth (or last) weekday of a month: `"third monday of january"`.
    /// A fifth weekday falls only in the years the month has one.
    Nth {
        nth: Nth,
        weekday: Weekday,
        month: u32,
    },
    /// One date: `2025-12-26`.
    Once(NaiveDate),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nth {
    /// First to fifth: 1 to 5.
    Number(u8),
    Last,
}

/// Where a holiday that falls on a weekend day is observed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Observance {
    /// On its date: on a weekend day, no business day is lost.
    #[default]
    None,
    /// On the nearest working day, the later one of two at the same
    /// distance: Saturday → Friday, Sunday → Monday.
    NearestWeekday,
    /// On the first later working day that is not already a holiday:
    /// Saturday or Sunday → Monday, or Tuesday when Monday is one.
    NextWeekday,
}

impl Observance {
    pub(crate) const ALL: [(Observance, &'static str); 3] = [
        (Observance::None, "none"),
        (Observance::NearestWeekday, "nearest_weekday"),
        (Observance::NextWeekday, "next_weekday"),
    ];
}

/// A checked calendar, ready to count business days.
#[derive(Debug)]
pub(crate) struct Calendar {
    pub(crate) name: String,
    /// Indexed by `Weekday::num_days_from_monday`.
    weekend: [bool; 7],
    /// How many of the first `n` weekdays, Monday first, are working days.
    working_before: [i64; 8],
    /// Observed holidays on working days in the years of the cycle, as days
    /// after January 1 of [`CYCLE_FIRST_YEAR`]; sorted, each once.
    cycle: Vec<i64>,
    /// Day numbers where one-off dates add a holiday to the cycle's, or
    /// take one away (by moving where another is observed); sorted.
    added: Vec<i64>,
    removed: Vec<i64>,
}

impl Calendar {
    /// `weekend` is indexed by `Weekday::num_days_from_monday`; the loader
    /// makes sure that at least one day is a working day.
    pub(crate) fn new(name: String, weekend: [bool; 7], holidays: &[Holiday]) -> Self {
        let mut working_before = [0; 8];
        for (index, off) in weekend.iter().enumerate() {
            let before = working_before.get(index).copied().unwrap_or_default();
            if let Some(next) = working_before.get_mut(index + 1) {
                *next = before + i64::from(!off);
            }
        }
        let mut calendar = Self {
            name,
            weekend,
            working_before,
            cycle: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
        };
        let recurring: Vec<Holiday> = holidays
            .iter()
            .filter(|holiday| !matches!(holiday.date, HolidayDate::Once(_)))
            .cloned()
            .collect();
        let cycle_years = CYCLE_FIRST_YEAR..=CYCLE_FIRST_YEAR + CYCLE_YEARS - 1;
        calendar.cycle = calendar
            .observed(&recurring, cycle_years)
            .into_iter()
            .map(|date| day_number(date) - day_number(CYCLE_START))
            .collect();
        calendar.add_one_off_dates(holidays);
        calendar
    }

    /// Whether `date` is a business day: a working day without a holiday.
    pub(crate) fn is_business_day(&self, date: NaiveDate) -> bool {
        let day = day_number(date);
        self.is_working(day) && !self.is_holiday(day)
    }

    /// Business days after `from` up to and including `to`; when `to` is
    /// earlier, minus the business days before `from` down to and
    /// including `to`.
    pub(crate) fn business_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (from, to) = (day_number(from), day_number(to));
        if to >= from {
            self.business_upto(to) - self.business_upto(from)
        } else {
            self.business_upto(to - 1) - self.business_upto(from - 1)
        }
    }

    /// The `count`th business day after `date` (before it when `count` is
    /// negative); `date` itself for 0. `None` past the end of the calendar.
    pub(crate) fn add_business_days(&self, date: NaiveDate, count: i64) -> Option<NaiveDate> {
        let start = day_number(date);
        let (first, last) = (day_number(NaiveDate::MIN), day_number(NaiveDate::MAX));
        let found = match count {
            0 => start,
            1.. => {
                let wanted = self.business_upto(start).checked_add(count)?;
                if self.business_upto(last) < wanted {
                    return None;
                }
                first_where(start, last, start, |day| self.business_upto(day) >= wanted)
            }
            _ => {
                // The day sought has `-count` business days from it up to
                // the day before `date`: it is the first day whose count
                // from the origin passes `wanted`.
                let wanted = self.business_upto(start - 1).checked_add(count)?;
                if self.business_upto(first - 1) > wanted {
                    return None;
                }
                first_where(first, start, start, |day| self.business_upto(day) > wanted)
            }
        };
        date_of(found)
    }

    /// Whether every 400 years have business days: a calendar whose
    /// holidays cover every working day would never reach one.
    pub(crate) fn has_business_days(&self) -> bool {
        self.working_before[7] * (CYCLE_DAYS / 7) > self.cycle.len() as i64
    }

    fn is_working(&self, day: i64) -> bool {
        !self
            .weekend
            .get(weekday_index(day))
            .copied()
            .unwrap_or_default()
    }

    fn is_holiday(&self, day: i64) -> bool {
        let in_cycle = self.cycle.binary_search(&self.cycle_offset(day).1).is_ok();
        (in_cycle && self.removed.binary_search(&day).is_err())
            || self.added.binary_search(&day).is_ok()
    }

    /// The cycle `day` is in, counted from the one that starts on January 1
    /// of [`CYCLE_FIRST_YEAR`], and its offset in it.
    fn cycle_offset(&self, day: i64) -> (i64, i64) {
        let from_start = day - day_number(CYCLE_START);
        (
            from_start.div_euclid(CYCLE_DAYS),
            from_start.rem_euclid(CYCLE_DAYS),
        )
    }

    /// Business days up to and including `day`, counted from a fixed
    /// origin: only differences mean anything.
    fn business_upto(&self, day: i64) -> i64 {
        self.working_upto(day) - self.holidays_upto(day)
    }

    /// Working days up to and including `day`, from day 0 (a Sunday).
    fn working_upto(&self, day: i64) -> i64 {
        let weeks = day.div_euclid(7);
        let rest = day.rem_euclid(7) as usize;
        weeks * self.working_before[7] + self.working_before.get(rest).copied().unwrap_or_default()
    }

    /// Observed holidays on working days up to and including `day`.
    fn holidays_upto(&self, day: i64) -> i64 {
        let (cycles, offset) = self.cycle_offset(day);
        let in_cycle = self.cycle.partition_point(|holiday| *holiday <= offset);
        let count = |days: &[i64]| days.partition_point(|holiday| *holiday <= day) as i64;
        cycles * self.cycle.len() as i64 + in_cycle as i64 + count(&self.added)
            - count(&self.removed)
    }

    /// The cycle's holidays differ from the real ones only in the years
    /// around one-off dates: those years are computed in full, and the
    /// differences kept.
    fn add_one_off_dates(&mut self, holidays: &[Holiday]) {
        let mut years: Vec<i32> = holidays
            .iter()
            .filter_map(|holiday| match holiday.date {
                HolidayDate::Once(date) => Some(date.year()),
                _ => None,
            })
            .collect();
        years.sort_unstable();
        years.dedup();
        let mut spans: Vec<RangeInclusive<i32>> = Vec::new();
        for year in years {
            let span = year.saturating_sub(1)..=year.saturating_add(1);
            match spans.last_mut() {
                Some(last) if *span.start() <= last.end().saturating_add(1) => {
                    *last = *last.start()..=*span.end();
                }
                _ => spans.push(span),
            }
        }
        let mut added = BTreeSet::new();
        let mut removed = BTreeSet::new();
        for span in spans {
            let (Some(first), Some(last)) = (
                NaiveDate::from_ymd_opt(*span.start(), 1, 1),
                NaiveDate::from_ymd_opt(*span.end(), 12, 31),
            ) else {
                continue;
            };
            let exact: BTreeSet<i64> = self
                .observed(holidays, span)
                .into_iter()
                .map(day_number)
                .collect();
            let periodic = self.cycle_holidays_between(day_number(first), day_number(last));
            added.extend(exact.difference(&periodic).copied());
            removed.extend(periodic.difference(&exact).copied());
        }
        self.added = added.into_iter().collect();
        self.removed = removed.into_iter().collect();
    }

    /// The cycle's holidays from day `first` to day `last`, both included.
    fn cycle_holidays_between(&self, first: i64, last: i64) -> BTreeSet<i64> {
        let (first_cycle, _) = self.cycle_offset(first);
        let (last_cycle, _) = self.cycle_offset(last);
        (first_cycle..=last_cycle)
            .flat_map(|cycle| {
                let base = day_number(CYCLE_START) + cycle * CYCLE_DAYS;
                let from = self.cycle.partition_point(|offset| base + offset < first);
                let to = self.cycle.partition_point(|offset| base + offset <= last);
                let offsets = self.cycle.get(from..to).unwrap_or_default();
                offsets.iter().map(move |offset| base + offset)
            })
            .collect()
    }

    /// The days on which `holidays` are observed in `years`, on working
    /// days only (a holiday on a weekend day without observance costs no
    /// business day). Holidays of the year before and after count too,
    /// since observance can move a holiday across New Year.
    fn observed(&self, holidays: &[Holiday], years: RangeInclusive<i32>) -> Vec<NaiveDate> {
        let first_year = years.start().saturating_sub(1);
        let last_year = years.end().saturating_add(1);
        let mut falling: Vec<(NaiveDate, usize)> = Vec::new();
        for (order, holiday) in holidays.iter().enumerate() {
            match holiday.date {
                HolidayDate::Once(date) => {
                    if (first_year..=last_year).contains(&date.year()) {
                        falling.push((date, order));
                    }
                }
                recurring => falling.extend(
                    (first_year..=last_year)
                        .filter_map(|year| date_in_year(recurring, year))
                        .map(|date| (date, order)),
                ),
            }
        }
        falling.sort_unstable();
        // Holidays that stay on a working day, or move to the nearest one,
        // are placed first: substitutes then avoid them all.
        let mut taken = BTreeSet::new();
        let mut substitutes = Vec::new();
        for (date, order) in falling {
            let observance = holidays
                .get(order)
                .map_or(Observance::None, |holiday| holiday.observed);
            if self.is_working(day_number(date)) {
                taken.insert(date);
                continue;
            }
            match observance {
                Observance::None => {}
                Observance::NearestWeekday => {
                    taken.extend(self.nearest_working_day(date));
                }
                Observance::NextWeekday => substitutes.push(date),
            }
        }
        for date in substitutes {
            taken.extend(self.substitute_day(date, &taken));
        }
        taken
            .into_iter()
            .filter(|date| years.contains(&date.year()))
            .collect()
    }

    /// The nearest working day to `date`, the later of two at the same
    /// distance; within three days, since a week has a working day.
    fn nearest_working_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        (1..=3).find_map(|distance| {
            [distance, -distance]
                .into_iter()
                .filter_map(|shift| date.checked_add_signed(TimeDelta::days(shift)))
                .find(|day| self.is_working(day_number(*day)))
        })
    }

    /// The first working day after `date` that is not already taken, or
    /// the first working day after it when the next two weeks are full.
    fn substitute_day(&self, date: NaiveDate, taken: &BTreeSet<NaiveDate>) -> Option<NaiveDate> {
        let working_after = (1..=MAX_SUBSTITUTE_DAYS)
            .filter_map(|shift| date.checked_add_signed(TimeDelta::days(shift)))
            .filter(|day| self.is_working(day_number(*day)));
        working_after
            .clone()
            .find(|day| !taken.contains(day))
            .or_else(|| working_after.clone().next())
    }
}

/// The date `recurring` falls on in `year`, if it falls that year.
pub(crate) fn date_in_year(recurring: HolidayDate, year: i32) -> Option<NaiveDate> {
    match recurring {
        HolidayDate::Yearly { month, day } => NaiveDate::from_ymd_opt(year, month, day),
        HolidayDate::Nth {
            nth: Nth::Number(n),
            weekday,
            month,
        } => NaiveDate::from_weekday_of_month_opt(year, month, weekday, n),
        HolidayDate::Nth {
            nth: Nth::Last,
            weekday,
            month,
        } => {
            let last_day = if month == 12 {
                NaiveDate::from_ymd_opt(year, 12, 31)?
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?
            };
            let back = (7 + last_day.weekday().num_days_from_monday()
                - weekday.num_days_from_monday())
                % 7;
            last_day.checked_sub_signed(TimeDelta::days(i64::from(back)))
        }
        HolidayDate::Once(date) => (date.year() == year).then_some(date),
    }
}

/// The smallest day in `first..=last` for which `holds` is true, `holds`
/// being false and then true along the days, and true on `last`. The
/// search starts at `near`, where the answer usually is, in steps that
/// double, then halves the interval found: a few dozen steps at most.
fn first_where(first: i64, last: i64, near: i64, holds: impl Fn(i64) -> bool) -> i64 {
    let near = near.clamp(first, last);
    let mut step: i64 = 8;
    let (low, high) = if holds(near) {
        let mut high = near;
        loop {
            let probe = near.saturating_sub(step).max(first);
            if probe == first || !holds(probe) {
                break (probe, high);
            }
            high = probe;
            step = step.saturating_mul(2);
        }
    } else {
        let mut low = near.saturating_add(1);
        loop {
            let probe = near.saturating_add(step).min(last);
            if probe == last || holds(probe) {
                break (low, probe);
            }
            low = probe.saturating_add(1);
            step = step.saturating_mul(2);
        }
    };
    bisect(low, high, holds)
}

/// The smallest day in `low..=high` for which `holds` is true, `holds`
/// being false and then true along the days; `high` when it never is.
fn bisect(mut low: i64, mut high: i64, holds: impl Fn(i64) -> bool) -> i64 {
    while low < high {
        let middle = low + (high - low) / 2;
        if holds(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    high
}

/// Days since the start of the common era: January 1 of year 1 is day 1,
/// a Monday.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

fn date_of(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()?)
}

/// Monday is 0: day 1 is a Monday.
fn weekday_index(day: i64) -> usize {
    (day - 1).rem_euclid(7) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn yearly(name: &str, month: u32, day: u32, observed: Observance) -> Holiday {
        Holiday {
            name: name.to_owned(),
            date: HolidayDate::Yearly { month, day },
            observed,
        }
    }

    const SATURDAY_SUNDAY: [bool; 7] = [false, false, false, false, false, true, true];

    fn us_like() -> Calendar {
        let holidays = [
            yearly("New Year's Day", 1, 1, Observance::NearestWeekday),
            Holiday {
                name: "Memorial Day".to_owned(),
                date: HolidayDate::Nth {
                    nth: Nth::Last,
                    weekday: Weekday::Mon,
                    month: 5,
                },
                observed: Observance::None,
            },
            yearly("Independence Day", 7, 4, Observance::NearestWeekday),
            yearly("Christmas Day", 12, 25, Observance::NearestWeekday),
        ];
        Calendar::new("us".to_owned(), SATURDAY_SUNDAY, &holidays)
    }

    #[test]
    fn day_one_is_a_monday() {
        assert_eq!(day("0001-01-01").weekday(), Weekday::Mon);
        assert_eq!(weekday_index(day_number(day("2025-03-03"))), 0);
        assert_eq!(weekday_index(day_number(day("2025-03-09"))), 6);
    }

    #[test]
    fn a_new_year_on_saturday_is_observed_the_friday_before_in_the_old_year() {
        let us = us_like();
        assert!(
            !us.is_business_day(day("2021-12-31")),
            "New Year's Day 2022"
        );
        assert!(!us.is_business_day(day("2022-01-01")), "a Saturday");
        assert!(us.is_business_day(day("2022-01-03")));
        // 2023-01-01 is a Sunday: observed on Monday, January 2.
        assert!(!us.is_business_day(day("2023-01-02")));
        assert!(us.is_business_day(day("2022-12-30")));
        // Independence Day 2026 is a Saturday: Friday, July 3.
        assert!(!us.is_business_day(day("2026-07-03")));
        assert!(!us.is_business_day(day("2025-05-26")), "last Monday of May");
    }

    #[test]
    fn counting_steps_over_weekends_and_holidays() {
        let us = us_like();
        // Wednesday, December 24, 2025: Christmas is Thursday.
        assert_eq!(
            us.add_business_days(day("2025-12-24"), 1),
            Some(day("2025-12-26"))
        );
        assert_eq!(
            us.add_business_days(day("2025-12-24"), 2),
            Some(day("2025-12-29"))
        );
        assert_eq!(
            us.add_business_days(day("2025-12-27"), 0),
            Some(day("2025-12-27"))
        );
        assert_eq!(
            us.add_business_days(day("2025-12-27"), -1),
            Some(day("2025-12-26"))
        );
        assert_eq!(
            us.add_business_days(day("2025-12-29"), -2),
            Some(day("2025-12-24"))
        );
        assert_eq!(
            us.business_days_between(day("2025-12-24"), day("2025-12-29")),
            2
        );
        assert_eq!(
            us.business_days_between(day("2025-12-29"), day("2025-12-24")),
            -2
        );
        assert_eq!(
            us.business_days_between(day("2025-12-27"), day("2025-12-28")),
            0
        );
        // From a Saturday back to the Friday: one step.
        assert_eq!(
            us.business_days_between(day("2025-12-27"), day("2025-12-26")),
            -1
        );
        assert_eq!(
            us.business_days_between(day("2025-12-26"), day("2025-12-27")),
            0
        );
    }

    #[test]
    fn next_weekday_substitutes_skip_days_already_taken() {
        let holidays = [
            yearly("Christmas Day", 12, 25, Observance::NextWeekday),
            yearly("Boxing Day", 12, 26, Observance::NextWeekday),
        ];
        let uk = Calendar::new("uk".to_owned(), SATURDAY_SUNDAY, &holidays);
        // 2021: Saturday and Sunday, substituted on Monday and Tuesday.
        assert!(!uk.is_business_day(day("2021-12-27")));
        assert!(!uk.is_business_day(day("2021-12-28")));
        assert!(uk.is_business_day(day("2021-12-29")));
        // 2022: Christmas on Sunday; Boxing Day keeps Monday, so Tuesday.
        assert!(!uk.is_business_day(day("2022-12-26")));
        assert!(!uk.is_business_day(day("2022-12-27")));
        assert!(uk.is_business_day(day("2022-12-28")));
    }

    #[test]
    fn nearest_working_day_follows_the_weekend() {
        // Friday and Saturday off: a holiday on Friday moves to Thursday,
        // on Saturday to Sunday.
        let weekend = [false, false, false, false, true, true, false];
        let holidays = [yearly("National Day", 12, 2, Observance::NearestWeekday)];
        let calendar = Calendar::new("ae".to_owned(), weekend, &holidays);
        // 2022-12-02 is a Friday; 2023-12-02 a Saturday.
        assert!(!calendar.is_business_day(day("2022-12-01")));
        assert!(!calendar.is_business_day(day("2023-12-03")));
        assert!(calendar.is_business_day(day("2023-11-30")));
    }

    #[test]
    fn one_off_dates_count_and_move_substitutes() {
        let holidays = [
            yearly("Christmas Day", 12, 25, Observance::NextWeekday),
            Holiday {
                name: "Office closed".to_owned(),
                date: HolidayDate::Once(day("2022-12-26")),
                observed: Observance::None,
            },
        ];
        let calendar = Calendar::new("office".to_owned(), SATURDAY_SUNDAY, &holidays);
        // Christmas 2022 is a Sunday; Monday is taken by the closure.
        assert!(!calendar.is_business_day(day("2022-12-26")));
        assert!(!calendar.is_business_day(day("2022-12-27")));
        assert!(calendar.is_business_day(day("2022-12-28")));
        // Other years follow the rule alone: 2033-12-25 is a Sunday too.
        assert!(!calendar.is_business_day(day("2033-12-26")));
        assert!(calendar.is_business_day(day("2033-12-27")));
        assert_eq!(
            calendar.business_days_between(day("2022-12-23"), day("2022-12-28")),
            1
        );
    }

    #[test]
    fn a_fifth_weekday_falls_only_when_the_month_has_one() {
        let fifth = HolidayDate::Nth {
            nth: Nth::Number(5),
            weekday: Weekday::Mon,
            month: 2,
        };
        assert_eq!(date_in_year(fifth, 2016), Some(day("2016-02-29")));
        assert_eq!(date_in_year(fifth, 2026), None);
        let last_sunday = HolidayDate::Nth {
            nth: Nth::Last,
            weekday: Weekday::Sun,
            month: 12,
        };
        assert_eq!(date_in_year(last_sunday, 2025), Some(day("2025-12-28")));
    }

    #[test]
    fn counting_works_at_the_ends_of_the_calendar() {
        let us = us_like();
        assert_eq!(us.add_business_days(NaiveDate::MAX, 1), None);
        assert_eq!(us.add_business_days(NaiveDate::MIN, -1), None);
        assert_eq!(us.add_business_days(NaiveDate::MIN, i64::MAX), None);
        assert_eq!(us.add_business_days(NaiveDate::MAX, i64::MIN), None);
        let span = us.business_days_between(NaiveDate::MIN, NaiveDate::MAX);
        // 524,286 years of about 261 working days less 4 holidays.
        assert!(span > 134_000_000 && span < 135_000_000, "{span}");
        let far = us.add_business_days(day("2025-01-01"), 50_000_000).unwrap();
        assert_eq!(us.business_days_between(day("2025-01-01"), far), 50_000_000);
    }

    #[test]
    fn holidays_covering_every_working_day_leave_no_business_day() {
        let weekend = [false, true, true, true, true, true, true];
        let mondays: Vec<Holiday> = (1..=12)
            .flat_map(|month| {
                [
                    Nth::Number(1),
                    Nth::Number(2),
                    Nth::Number(3),
                    Nth::Number(4),
                    Nth::Number(5),
                ]
                .into_iter()
                .map(move |nth| Holiday {
                    name: format!("{month}-{nth:?}"),
                    date: HolidayDate::Nth {
                        nth,
                        weekday: Weekday::Mon,
                        month,
                    },
                    observed: Observance::None,
                })
            })
            .collect();
        let calendar = Calendar::new("never".to_owned(), weekend, &mondays);
        assert!(!calendar.has_business_days());
        assert!(us_like().has_business_days());
    }
}
