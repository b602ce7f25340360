//! Validation of timestamp and date text (`"2026-06-30 00:00:00"`).

/// True when `text` is a valid `YYYY-MM-DD` calendar date.
pub fn is_date(text: &str) -> bool {
    parse_date(text).is_some()
}

/// True when `text` is `YYYY-MM-DD HH:MM:SS` with an optional fraction of up to 6 digits
/// (`.123456`), or a bare date (midnight).
pub fn is_timestamp(text: &str) -> bool {
    if text.len() == 10 {
        return is_date(text);
    }
    let Some((date, time)) = text.split_once(' ') else {
        return false;
    };
    if parse_date(date).is_none() {
        return false;
    }
    let (hms, fraction) = match time.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (time, None),
    };
    if let Some(f) = fraction {
        if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.len() != 2) {
        return false;
    }
    let nums: Option<Vec<u32>> = parts.iter().map(|p| digits(p)).collect();
    matches!(nums.as_deref(), Some([h, m, s]) if *h < 24 && *m < 60 && *s < 60)
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_date(text: &str) -> Option<(u32, u32, u32)> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1 && (1..=days_in_month).contains(&day)).then_some((year, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_calendar_times_only() {
        assert!(is_timestamp("2026-06-30 00:00:00"));
        assert!(is_timestamp("2024-02-29 23:59:59.123456"));
        assert!(is_timestamp("2026-06-30"));
        assert!(!is_timestamp("2025-02-29 00:00:00"));
        assert!(!is_timestamp("2026-13-01 00:00:00"));
        assert!(!is_timestamp("2026-06-30T00:00:00"));
        assert!(!is_timestamp("2026-06-30 24:00:00"));
        assert!(!is_timestamp("2026-06-30 10:00"));
        assert!(!is_timestamp("2026-06-30 10:00:00.1234567"));
        assert!(is_date("1999-12-31"));
        assert!(!is_date("1999-12-31 00:00:00"));
    }
}
