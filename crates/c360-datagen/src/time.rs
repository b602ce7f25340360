//! Calendar arithmetic for the stories: timestamps and dates without time zones, as the
//! `.c360` types are, written `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD`.
//!
//! The conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for the
//! proleptic Gregorian calendar; nothing reads the wall clock.

use std::fmt;

/// Seconds in a minute, an hour and a day.
pub const MINUTE: i64 = 60;
/// Seconds in an hour.
pub const HOUR: i64 = 60 * MINUTE;
/// Seconds in a day.
pub const DAY: i64 = 24 * HOUR;

/// A calendar day, counted from 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

/// A moment to the second, counted from 1970-01-01 00:00:00; no time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    next - days_from_civil(year, month, 1)
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Date {
    /// The day `year-month-day`; the parts must form a real date.
    pub const fn ymd(year: i64, month: i64, day: i64) -> Date {
        Date(days_from_civil(year, month, day))
    }

    /// `(year, month, day)`.
    pub fn parts(self) -> (i64, i64, i64) {
        civil_from_days(self.0)
    }

    /// The day `n` days later (earlier when negative).
    pub fn plus_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }

    /// Days from `self` to `later`.
    pub fn days_until(self, later: Date) -> i64 {
        later.0 - self.0
    }

    /// Monday is 0, Sunday is 6.
    pub fn weekday(self) -> i64 {
        // 1970-01-01 was a Thursday.
        (self.0 + 3).rem_euclid(7)
    }

    /// The moment `hour:minute:second` of this day.
    pub const fn at(self, hour: i64, minute: i64, second: i64) -> Timestamp {
        Timestamp(self.0 * DAY + hour * HOUR + minute * MINUTE + second)
    }

    /// Midnight at the start of this day.
    pub const fn start(self) -> Timestamp {
        self.at(0, 0, 0)
    }

    /// The same day of the month `n` months later, clamped to the month's last day.
    pub fn plus_months(self, n: i64) -> Date {
        let (y, m, d) = self.parts();
        let index = y * 12 + (m - 1) + n;
        let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
        Date::ymd(year, month, d.min(days_in_month(year, month)))
    }
}

impl Timestamp {
    /// `year-month-day hour:minute:second`.
    pub const fn at(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> Self {
        Date::ymd(year, month, day).at(hour, minute, second)
    }

    /// The moment `seconds` later (earlier when negative).
    pub fn plus(self, seconds: i64) -> Timestamp {
        Timestamp(self.0 + seconds)
    }

    /// Seconds from `self` to `later`.
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.0 - self.0
    }

    /// The day this moment falls on.
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(DAY))
    }

    /// Seconds since midnight.
    pub fn second_of_day(self) -> i64 {
        self.0.rem_euclid(DAY)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.parts();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.second_of_day();
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            self.date(),
            s / HOUR,
            s % HOUR / MINUTE,
            s % MINUTE
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_moments() {
        assert_eq!(Timestamp::at(1970, 1, 1, 0, 0, 0).0, 0);
        assert_eq!(
            Timestamp::at(2026, 6, 30, 23, 59, 7).to_string(),
            "2026-06-30 23:59:07"
        );
        assert_eq!(Date::ymd(2024, 2, 29).to_string(), "2024-02-29");
        assert_eq!(Date::ymd(1969, 12, 31).to_string(), "1969-12-31");
        // 1 000 000 000 seconds after the epoch, a well-known instant.
        assert_eq!(Timestamp(1_000_000_000).to_string(), "2001-09-09 01:46:40");
    }

    #[test]
    fn round_trips_every_day_of_several_years() {
        let mut day = Date::ymd(2023, 1, 1);
        while day < Date::ymd(2029, 1, 1) {
            let (y, m, d) = day.parts();
            assert_eq!(Date::ymd(y, m, d), day);
            let next = day.plus_days(1);
            assert!(next.to_string() > day.to_string());
            day = next;
        }
    }

    #[test]
    fn weekdays_and_months() {
        // 2026-06-29 is a Monday.
        assert_eq!(Date::ymd(2026, 6, 29).weekday(), 0);
        assert_eq!(Date::ymd(2026, 7, 5).weekday(), 6);
        assert_eq!(
            Date::ymd(2026, 1, 31).plus_months(1),
            Date::ymd(2026, 2, 28)
        );
        assert_eq!(
            Date::ymd(2025, 11, 15).plus_months(3),
            Date::ymd(2026, 2, 15)
        );
        assert_eq!(
            Date::ymd(2026, 3, 31).plus_months(-1),
            Date::ymd(2026, 2, 28)
        );
    }
}
