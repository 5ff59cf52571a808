//! The weekdays as the policy language names them: the values of
//! `weekday(date)` and of a calendar's `weekend`.

use std::sync::Arc;

use chrono::Weekday;

use crate::language::types::Type;

/// The weekdays, Monday first, as `Weekday::num_days_from_monday` numbers
/// them, with their names.
pub(crate) const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "monday"),
    (Weekday::Tue, "tuesday"),
    (Weekday::Wed, "wednesday"),
    (Weekday::Thu, "thursday"),
    (Weekday::Fri, "friday"),
    (Weekday::Sat, "saturday"),
    (Weekday::Sun, "sunday"),
];

/// The name of `weekday`: `"monday"`.
pub(crate) fn weekday_name(weekday: Weekday) -> &'static str {
    WEEKDAYS
        .get(weekday.num_days_from_monday() as usize)
        .map_or("", |(_, name)| name)
}

/// The type of `weekday(date)`: an enum of the names, so that a misspelled
/// one in a comparison is an error when the policy loads.
pub(crate) fn weekday_type() -> Type {
    Type::Enum(WEEKDAYS.iter().map(|(_, name)| Arc::from(*name)).collect())
}
