//! Time zones: `UTC`, fixed offsets such as `+02:00`, and IANA names such
//! as `America/New_York`, whose offset changes with daylight saving time.
//!
//! The IANA database is the one compiled into the binary by `chrono-tz`
//! ([`TZDB_VERSION`]): a decision never reads the machine's zone files, so
//! the same policy and request give the same decision on every machine.

use chrono::{
    DateTime, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone,
};
use chrono_tz::Tz;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::diagnostic::suggest::closest;

/// The release of the IANA time zone database that decides named zones.
pub(crate) const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;

/// A time zone a policy can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Zone {
    Fixed(FixedOffset),
    Named(Tz),
}

/// Why a text is not a time zone, for the help of the diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ZoneError {
    /// Not a zone at all; perhaps a misspelling of one.
    Unknown { closest: Option<&'static str> },
    /// An IANA name kept only for compatibility: an abbreviation such as
    /// `CET` or `EST`, or a country such as `Japan`.
    Legacy,
    /// `Etc/GMT+5`, whose sign is the opposite of what it reads: it is the
    /// offset written here.
    EtcOffset { offset: String },
}

impl ZoneError {
    /// The diagnostic for `text`, written at `span`.
    pub(crate) fn diagnostic(&self, text: &str, span: Span) -> Diagnostic {
        Diagnostic::new(
            "invalid-timezone",
            format!("`{text}` is not a time zone ruling understands"),
            span,
        )
        .with_label("expected `UTC`, an offset or an IANA zone name")
        .with_help(self.help(text))
    }

    /// What to write instead.
    fn help(&self, text: &str) -> String {
        match self {
            ZoneError::Unknown {
                closest: Some(name),
            } => format!("did you mean `{name}`?"),
            ZoneError::Unknown { closest: None } => format!(
                "write `\"UTC\"`, a fixed offset such as `\"+02:00\"`, or an IANA zone name such as `\"Europe/Paris\"` (IANA database {TZDB_VERSION})"
            ),
            ZoneError::Legacy => format!(
                "`{text}` is an old IANA name kept for compatibility; name the zone by region and city, such as `\"Europe/Paris\"` or `\"America/New_York\"`, or write a fixed offset such as `\"+01:00\"`"
            ),
            ZoneError::EtcOffset { offset } => format!(
                "`{text}` is the offset `{offset}` (IANA's `Etc/GMT` names have the opposite sign); write `\"{offset}\"`"
            ),
        }
    }
}

/// The offset of a [`Zone`] at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ZoneOffset {
    zone: Zone,
    fixed: FixedOffset,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl Zone {
    pub(crate) const UTC: Zone = match FixedOffset::east_opt(0) {
        Some(utc) => Zone::Fixed(utc),
        None => Zone::Named(Tz::UTC),
    };

    /// Reads `UTC`, a fixed offset `±HH:MM`, or an IANA name `Area/City`.
    pub(crate) fn parse(text: &str) -> Result<Zone, ZoneError> {
        if matches!(text, "UTC" | "Z" | "utc" | "Etc/UTC") {
            return Ok(Zone::UTC);
        }
        if let Some(offset) = fixed_offset(text) {
            return Ok(Zone::Fixed(offset));
        }
        if let Some(offset) = etc_offset(text) {
            return Err(ZoneError::EtcOffset { offset });
        }
        match text.parse::<Tz>() {
            Ok(tz) if is_region(tz.name()) => Ok(Zone::Named(tz)),
            Ok(_) => Err(ZoneError::Legacy),
            Err(_) => Err(ZoneError::Unknown {
                closest: closest(text, names()),
            }),
        }
    }

    /// The calendar date of `time` in this zone.
    pub(crate) fn date_of(self, time: &DateTime<FixedOffset>) -> NaiveDate {
        time.with_timezone(&self).date_naive()
    }

    /// The time of day that a clock in this zone shows at `time`.
    pub(crate) fn time_of(self, time: &DateTime<FixedOffset>) -> NaiveTime {
        time.with_timezone(&self).time()
    }

    /// The instant at which clocks in this zone show `local`. A time shown
    /// twice (when clocks go back) is its first showing; a time never shown
    /// (when clocks go forward) is the moment the clocks changed.
    pub(crate) fn instant(self, local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        match self.from_local_datetime(&local) {
            MappedLocalTime::Single(time) | MappedLocalTime::Ambiguous(time, _) => {
                Some(time.fixed_offset())
            }
            MappedLocalTime::None => self.end_of_gap(local),
        }
    }

    /// The first instant of `date` in this zone.
    pub(crate) fn start_of_day(self, date: NaiveDate) -> Option<DateTime<FixedOffset>> {
        self.instant(date.and_time(NaiveTime::MIN))
    }

    /// The first instant at which the clocks show a time after `local`, a
    /// time they skip: found by halving the interval between the two
    /// offsets in force a day before and a day after.
    fn end_of_gap(self, local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
        let day = TimeDelta::days(1);
        let offset_at = |utc: NaiveDateTime| {
            TimeDelta::seconds(i64::from(
                self.offset_from_utc_datetime(&utc).fixed.local_minus_utc(),
            ))
        };
        let before = offset_at(local.checked_sub_signed(day)?);
        let after = offset_at(local.checked_add_signed(day)?);
        let shows_later = |utc: NaiveDateTime| {
            utc.checked_add_signed(offset_at(utc))
                .is_some_and(|shown| shown > local)
        };
        let mut earlier = local.checked_sub_signed(after)?;
        let mut later = local.checked_sub_signed(before)?;
        if shows_later(earlier) || !shows_later(later) {
            // No gap between the two offsets: the one before stands.
            return Some(self.from_utc_datetime(&later).fixed_offset());
        }
        let second = TimeDelta::seconds(1);
        while later - earlier > second {
            let middle = earlier + (later - earlier) / 2;
            if shows_later(middle) {
                later = middle;
            } else {
                earlier = middle;
            }
        }
        Some(self.from_utc_datetime(&later).fixed_offset())
    }

    fn offset(self, fixed: FixedOffset) -> ZoneOffset {
        ZoneOffset { zone: self, fixed }
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Self {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        match self {
            Zone::Fixed(fixed) => MappedLocalTime::Single(self.offset(*fixed)),
            Zone::Named(tz) => tz
                .offset_from_local_datetime(local)
                .map(|offset| self.offset(offset.fix())),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        match self {
            Zone::Fixed(fixed) => self.offset(*fixed),
            Zone::Named(tz) => self.offset(tz.offset_from_utc_datetime(utc).fix()),
        }
    }
}

/// The IANA names a policy may use, for "did you mean".
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    std::iter::once("UTC").chain(
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|name| is_region(name)),
    )
}

/// `Area/City` names; not `Etc/…` (written as offsets) nor the bare names
/// IANA keeps for compatibility (`CET`, `EST5EDT`, `Japan`).
fn is_region(name: &str) -> bool {
    name.contains('/') && !name.starts_with("Etc/")
}

/// `+02:00`, `-05:30`.
fn fixed_offset(text: &str) -> Option<FixedOffset> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, text.get(1..)?),
        Some(b'-') => (-1, text.get(1..)?),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    let digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(hours) || !digits(minutes) {
        return None;
    }
    let seconds = hours.parse::<i32>().ok()? * 3_600 + minutes.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * seconds)
}

/// The offset an `Etc/GMT±N` name stands for: `Etc/GMT+5` is `-05:00`.
fn etc_offset(text: &str) -> Option<String> {
    let rest = text
        .strip_prefix("Etc/GMT")
        .or_else(|| text.strip_prefix("GMT"))?;
    let (sign, hours) = match rest.as_bytes().first() {
        Some(b'+') => ('-', rest.get(1..)?),
        Some(b'-') => ('+', rest.get(1..)?),
        _ => return None,
    };
    let hours: u8 = hours.parse().ok().filter(|hours| *hours <= 14)?;
    Some(format!("{sign}{hours:02}:00"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    #[test]
    fn reads_utc_offsets_and_region_names() {
        assert_eq!(zone("UTC"), Zone::UTC);
        assert_eq!(
            zone("+05:30"),
            Zone::Fixed(FixedOffset::east_opt(19_800).unwrap())
        );
        assert_eq!(zone("America/New_York"), Zone::Named(Tz::America__New_York));
        assert_eq!(
            Zone::parse("Europe/Pari"),
            Err(ZoneError::Unknown {
                closest: Some("Europe/Paris")
            })
        );
        assert_eq!(
            Zone::parse("europe/paris"),
            Err(ZoneError::Unknown {
                closest: Some("Europe/Paris")
            })
        );
        assert_eq!(Zone::parse("CET"), Err(ZoneError::Legacy));
        assert_eq!(Zone::parse("EST"), Err(ZoneError::Legacy));
        assert_eq!(
            Zone::parse("Etc/GMT+5"),
            Err(ZoneError::EtcOffset {
                offset: "-05:00".to_owned()
            })
        );
        assert!(Zone::parse("+5:00").is_err());
        assert!(Zone::parse("+25:00").is_err());
    }

    /// New York springs forward on 2025-03-09 at 02:00 EST (07:00Z) and
    /// falls back on 2025-11-02 at 02:00 EDT (06:00Z).
    #[test]
    fn new_york_dates_and_times_follow_daylight_saving() {
        let new_york = zone("America/New_York");
        let clock = |text: &str| {
            let time = at(text);
            (new_york.date_of(&time), new_york.time_of(&time))
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let hms = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
        assert_eq!(
            clock("2025-03-09T06:59:59Z"),
            (day(2025, 3, 9), hms(1, 59, 59))
        );
        assert_eq!(
            clock("2025-03-09T07:00:00Z"),
            (day(2025, 3, 9), hms(3, 0, 0))
        );
        assert_eq!(
            clock("2025-11-02T05:59:59Z"),
            (day(2025, 11, 2), hms(1, 59, 59))
        );
        assert_eq!(
            clock("2025-11-02T06:00:00Z"),
            (day(2025, 11, 2), hms(1, 0, 0))
        );
        // 23:30 EST on New Year's Eve is already January 1 in UTC.
        assert_eq!(
            clock("2026-01-01T04:30:00Z"),
            (day(2025, 12, 31), hms(23, 30, 0))
        );
        // Summer: 20:30 EDT on July 4 is 00:30Z on July 5.
        assert_eq!(
            clock("2025-07-05T00:30:00Z"),
            (day(2025, 7, 4), hms(20, 30, 0))
        );
    }

    /// Paris springs forward on 2025-03-30 at 02:00 CET (01:00Z) and falls
    /// back on 2025-10-26 at 03:00 CEST (01:00Z).
    #[test]
    fn paris_dates_and_times_follow_daylight_saving() {
        let paris = zone("Europe/Paris");
        let hms = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
        assert_eq!(paris.time_of(&at("2025-03-30T00:59:59Z")), hms(1, 59, 59));
        assert_eq!(paris.time_of(&at("2025-03-30T01:00:00Z")), hms(3, 0, 0));
        assert_eq!(paris.time_of(&at("2025-10-26T00:59:59Z")), hms(2, 59, 59));
        assert_eq!(paris.time_of(&at("2025-10-26T01:00:00Z")), hms(2, 0, 0));
        assert_eq!(
            paris.date_of(&at("2025-06-30T22:30:00Z")),
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()
        );
    }

    #[test]
    fn local_times_map_back_to_instants() {
        let new_york = zone("America/New_York");
        let local = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            new_york.instant(local("2025-03-09 02:30:00")),
            Some(at("2025-03-09T03:00:00-04:00")),
            "a skipped time is the moment the clocks changed"
        );
        assert_eq!(
            new_york.instant(local("2025-11-02 01:30:00")),
            Some(at("2025-11-02T01:30:00-04:00")),
            "a time shown twice is its first showing"
        );
        assert_eq!(
            new_york.start_of_day(NaiveDate::from_ymd_opt(2025, 7, 4).unwrap()),
            Some(at("2025-07-04T00:00:00-04:00"))
        );
        // Santiago springs forward at midnight: 2024-09-08 starts at 01:00.
        let santiago = zone("America/Santiago");
        assert_eq!(
            santiago.start_of_day(NaiveDate::from_ymd_opt(2024, 9, 8).unwrap()),
            Some(at("2024-09-08T01:00:00-03:00"))
        );
    }

    #[test]
    fn the_database_version_is_a_release_name() {
        assert_eq!(TZDB_VERSION.len(), 5);
        assert!(TZDB_VERSION.starts_with("20"));
    }
}
