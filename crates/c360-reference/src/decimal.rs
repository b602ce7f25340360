//! Exact decimals: an `i128` mantissa and a power-of-ten scale, always normalised (no trailing
//! zeros in the fraction), so equal numbers are equal values and render the same way.

use std::cmp::Ordering;
use std::fmt;

/// The largest scale kept; longer fractions (only from multiplying long fractions) are
/// rounded half away from zero to it.
pub const MAX_SCALE: u32 = 38;

/// An exact decimal number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

fn pow10(n: u32) -> Option<i128> {
    10_i128.checked_pow(n)
}

/// `n / d` rounded half away from zero (`d > 0`).
fn div_round(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if r.unsigned_abs() * 2 >= d.unsigned_abs() {
        q + n.signum()
    } else {
        q
    }
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`, normalised; `None` when the scale is beyond [`MAX_SCALE`] and
    /// rounding it down overflows.
    pub fn new(mantissa: i128, scale: u32) -> Option<Decimal> {
        let (mut m, mut s) = (mantissa, scale);
        if s > MAX_SCALE {
            let excess = s - MAX_SCALE;
            m = match pow10(excess) {
                Some(d) => div_round(m, d),
                None => 0,
            };
            s = MAX_SCALE;
        }
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        if m == 0 {
            s = 0;
        }
        Some(Decimal {
            mantissa: m,
            scale: s,
        })
    }

    /// The decimal of an integer.
    pub fn from_i64(n: i64) -> Decimal {
        Decimal {
            mantissa: i128::from(n),
            scale: 0,
        }
    }

    /// The mantissa (the digits as an integer).
    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The number of digits after the decimal point.
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// Parses `[+-]digits[.digits][e[+-]digits]`; `None` when it is not a number or does not
    /// fit 38 digits.
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (text, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        // Trailing zeros carry no value; dropping them keeps `42.000000000` within 38 digits.
        let frac = frac.trim_end_matches('0');
        let mut m: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            m = m.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        if negative {
            m = -m;
        }
        let mut scale = i64::try_from(frac.len()).ok()? - i64::from(exponent);
        if scale < 0 {
            m = m.checked_mul(pow10(u32::try_from(-scale).ok()?)?)?;
            scale = 0;
        }
        Decimal::new(m, u32::try_from(scale).ok()?)
    }

    /// Both mantissas at the larger of the two scales.
    fn aligned(self, other: Decimal) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        let a = self.mantissa.checked_mul(pow10(scale - self.scale)?)?;
        let b = other.mantissa.checked_mul(pow10(scale - other.scale)?)?;
        Some((a, b, scale))
    }

    /// `self + other`, `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other)?;
        Decimal::new(a.checked_add(b)?, s)
    }

    /// `self - other`, `None` on overflow.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other)?;
        Decimal::new(a.checked_sub(b)?, s)
    }

    /// `self × other`, `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        Decimal::new(
            self.mantissa.checked_mul(other.mantissa)?,
            self.scale + other.scale,
        )
    }

    /// `-self`.
    pub fn checked_neg(self) -> Option<Decimal> {
        Decimal::new(self.mantissa.checked_neg()?, self.scale)
    }

    /// `|self|`.
    pub fn checked_abs(self) -> Option<Decimal> {
        Decimal::new(self.mantissa.checked_abs()?, self.scale)
    }

    /// Rounded to `digits` after the point (negative: before it), half away from zero.
    pub fn round(self, digits: i64) -> Option<Decimal> {
        if digits >= i64::from(self.scale) {
            return Some(self);
        }
        let drop = u32::try_from(i64::from(self.scale) - digits).ok()?;
        let rounded = match pow10(drop) {
            Some(d) => div_round(self.mantissa, d),
            None => 0,
        };
        if digits >= 0 {
            Decimal::new(rounded, u32::try_from(digits).ok()?)
        } else {
            let up = pow10(u32::try_from(-digits).ok()?)?;
            Decimal::new(rounded.checked_mul(up)?, 0)
        }
    }

    /// The largest integer not above `self`.
    pub fn floor(self) -> Option<Decimal> {
        let d = pow10(self.scale)?;
        Decimal::new(self.mantissa.div_euclid(d), 0)
    }

    /// The smallest integer not below `self`.
    pub fn ceil(self) -> Option<Decimal> {
        let d = pow10(self.scale)?;
        let q = self.mantissa.div_euclid(d);
        let q = if self.mantissa.rem_euclid(d) == 0 {
            q
        } else {
            q + 1
        };
        Decimal::new(q, 0)
    }

    /// The nearest `f64` (through the decimal text, so it is correctly rounded).
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The decimal of a finite float, from its shortest round-trip text; `None` when that
    /// does not fit 38 digits.
    pub fn from_f64(x: f64) -> Option<Decimal> {
        if !x.is_finite() {
            return None;
        }
        Decimal::parse(&format!("{x}"))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        // Compare integer parts, then fractions at a common scale: neither step can overflow.
        let (da, db) = (
            pow10(self.scale).unwrap_or(i128::MAX),
            pow10(other.scale).unwrap_or(i128::MAX),
        );
        let (ia, fa) = (self.mantissa.div_euclid(da), self.mantissa.rem_euclid(da));
        let (ib, fb) = (other.mantissa.div_euclid(db), other.mantissa.rem_euclid(db));
        ia.cmp(&ib).then_with(|| {
            let s = self.scale.max(other.scale);
            let fa = fa * pow10(s - self.scale).unwrap_or(1);
            let fb = fb * pow10(s - other.scale).unwrap_or(1);
            fa.cmp(&fb)
        })
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn parses_and_normalises() {
        assert_eq!(d("10.50").to_string(), "10.5");
        assert_eq!(d("-0.000").to_string(), "0");
        assert_eq!(d("42").to_string(), "42");
        assert_eq!(d("-0.25").to_string(), "-0.25");
        assert_eq!(d("1.5e3").to_string(), "1500");
        assert_eq!(d("25e-4").to_string(), "0.0025");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(Decimal::parse("1.2.3"), None);
        assert_eq!(Decimal::parse(""), None);
        assert_eq!(Decimal::parse("abc"), None);
        assert_eq!(d("1.0"), d("1"));
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(d("0.1").checked_add(d("0.2")).unwrap(), d("0.3"));
        assert_eq!(d("20.25").checked_add(d("5")).unwrap().to_string(), "25.25");
        assert_eq!(d("1.1").checked_mul(d("1.1")).unwrap().to_string(), "1.21");
        assert_eq!(
            d("1").checked_sub(d("1.000001")).unwrap().to_string(),
            "-0.000001"
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(d("2.5").round(0).unwrap(), d("3"));
        assert_eq!(d("-2.5").round(0).unwrap(), d("-3"));
        assert_eq!(d("2.345").round(2).unwrap(), d("2.35"));
        assert_eq!(d("1250").round(-2).unwrap(), d("1300"));
        assert_eq!(d("-1.5").floor().unwrap(), d("-2"));
        assert_eq!(d("-1.5").ceil().unwrap(), d("-1"));
        assert_eq!(d("7").ceil().unwrap(), d("7"));
    }

    #[test]
    fn orders_across_scales() {
        assert!(d("1.05") < d("1.5"));
        assert!(d("-1.5") < d("-1.05"));
        assert!(d("-0.5") < d("0"));
        assert!(
            d("99999999999999999999999999999999999999")
                > d("0.00000000000000000000000000000000000001")
        );
    }
}
