//! Calendar arithmetic on naive (zone-less) timestamps, as c360 compares them (spec §5.3).
//!
//! A timestamp is whole seconds since 1970-01-01 00:00:00; a date is days since that day.
//! Conversions use Howard Hinnant's `days_from_civil` algorithm, exact for every year here.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A timestamp, in seconds since 1970-01-01 00:00:00 (no time zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// A date, in days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `(year, month, day)` of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 {
        yoe + era * 400 + 1
    } else {
        yoe + era * 400
    };
    (year, month, day)
}

impl Date {
    /// The date of `year-month-day`.
    pub fn ymd(year: i64, month: i64, day: i64) -> Date {
        Date(days_from_civil(year, month, day))
    }

    /// Midnight at the start of this date.
    pub fn midnight(self) -> Timestamp {
        Timestamp(self.0 * DAY)
    }

    /// The date `n` days later (earlier when negative).
    pub fn plus_days(self, n: i64) -> Date {
        Date(self.0 + n)
    }
}

impl std::fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Timestamp {
    /// The date this timestamp falls on.
    pub fn date(self) -> Date {
        Date(self.0.div_euclid(DAY))
    }

    /// This timestamp moved by `secs` seconds.
    pub fn plus(self, secs: i64) -> Timestamp {
        Timestamp(self.0 + secs)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS`.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let b = text.as_bytes();
        if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let valid = (1..=12).contains(&mo)
            && (1..=31).contains(&d)
            && civil_from_days(days_from_civil(y, mo, d)) == (y, mo, d)
            && h < 24
            && mi < 60
            && s < 60;
        valid.then(|| Timestamp(days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + s))
    }
}

impl std::fmt::Display for Timestamp {
    /// `YYYY-MM-DD HH:MM:SS`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.rem_euclid(DAY);
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            self.date(),
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_across_leap_years_and_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(Date::ymd(1970, 1, 1), Date(0));
        assert_eq!(
            Date::ymd(2024, 2, 29).plus_days(1).to_string(),
            "2024-03-01"
        );
        assert_eq!(
            Date::ymd(2100, 2, 28).plus_days(1).to_string(),
            "2100-03-01"
        );
    }

    #[test]
    fn timestamps_format_and_parse() {
        let t = Timestamp::parse("2026-06-30 23:59:59").unwrap();
        assert_eq!(t.to_string(), "2026-06-30 23:59:59");
        assert_eq!(t.plus(1).to_string(), "2026-07-01 00:00:00");
        assert_eq!(t.date().to_string(), "2026-06-30");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31 23:59:59");
        assert_eq!(Timestamp::parse("2026-02-30 00:00:00"), None);
        assert_eq!(Timestamp::parse("2026-06-30T00:00:00"), None);
        assert_eq!(Timestamp::parse("2026-06-30 24:00:00"), None);
    }
}
