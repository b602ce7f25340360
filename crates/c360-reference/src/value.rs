//! Values, their order, and their canonical text.
//!
//! The canonical text is what differential tests compare: both the reference's outputs and the
//! rows read back from a database are turned into [`Value`]s and rendered by
//! [`Value::canonical`], so a difference in text is a difference in value:
//!
//! | value | canonical text |
//! |---|---|
//! | null | `null` (an empty, unquoted field in canonical CSV) |
//! | bool | `true`, `false` |
//! | int | digits, `-` when negative |
//! | decimal | exact, no trailing zeros in the fraction, no `.` for whole numbers: `10.5`, `42`, `-0.25` |
//! | float | rounded to 12 significant digits, trailing zeros dropped; plain notation when the decimal exponent is between -7 and 20 (`3`, `0.15`, `1.625`), else `1.5e-8`, `2e21`; `NaN`, `inf`, `-inf` |
//! | string | as is (quoted in canonical CSV) |
//! | date | `YYYY-MM-DD` |
//! | timestamp | `YYYY-MM-DD HH:MM:SS`, then `.` and the fraction of a second without trailing zeros when it is not zero |
//! | duration | its length in seconds, rendered as a float (`259200`, `1.5`) |
//! | list | `[` items separated by `,` `]`, each item rendered as JSON: strings, dates and timestamps as JSON strings of their canonical text, null as `null`, numbers and bools bare |
//!
//! Floats are rounded because engines sum and divide in different orders; 12 digits hide that
//! noise and nothing else.

use std::cmp::Ordering;
use std::fmt;

use c360_sema::Type;

use crate::decimal::Decimal;
use crate::time::{
    format_date, format_timestamp, parse_date, parse_timestamp, MICROS_PER_DAY, MICROS_PER_SECOND,
};

/// A value of a source column, a feature or an output column.
///
/// `==` compares by [`Value::total_cmp`]: numbers of different kinds are equal when their
/// values are (`Int(1) == Float(1.0)`); use [`Value::same_as`] to compare as tests do.
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// A double-precision float.
    Float(f64),
    /// UTF-8 text, ordered by bytes.
    String(String),
    /// Days since 1970-01-01.
    Date(i64),
    /// Microseconds since 1970-01-01 00:00:00, without time zone.
    Timestamp(i64),
    /// A length of time in seconds (as the warehouses store it: a float).
    Duration(f64),
    /// A list of values of one type.
    List(Vec<Value>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Self {
        Value::Decimal(d)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl Value {
    /// A decimal from its text (`"10.5"`); `None` when it is not a decimal number.
    pub fn decimal(text: &str) -> Option<Value> {
        Decimal::parse(text).map(Value::Decimal)
    }

    /// A timestamp from `YYYY-MM-DD HH:MM:SS[.ffffff]` or a bare date.
    pub fn timestamp(text: &str) -> Option<Value> {
        parse_timestamp(text).map(Value::Timestamp)
    }

    /// A date from `YYYY-MM-DD`.
    pub fn date(text: &str) -> Option<Value> {
        parse_date(text).map(Value::Date)
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Decimal(_) => "decimal",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Date(_) => "date",
            Value::Timestamp(_) => "timestamp",
            Value::Duration(_) => "duration",
            Value::List(_) => "list",
        }
    }

    /// The canonical text (see the module documentation).
    pub fn canonical(&self) -> String {
        match self {
            Value::Null => "null".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Float(x) | Value::Duration(x) => format_float(*x),
            Value::String(s) => s.clone(),
            Value::Date(d) => format_date(*d),
            Value::Timestamp(t) => format_timestamp(*t),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(Value::json_item).collect();
                format!("[{}]", items.join(","))
            }
        }
    }

    /// The value as an item of a rendered list.
    fn json_item(&self) -> String {
        match self {
            Value::String(_) | Value::Date(_) | Value::Timestamp(_) => {
                json_string(&self.canonical())
            }
            _ => self.canonical(),
        }
    }

    /// The number as a float, for numbers and durations.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(*n as f64),
            Value::Decimal(d) => Some(d.to_f64()),
            Value::Float(x) | Value::Duration(x) => Some(*x),
            _ => None,
        }
    }

    /// A time as microseconds since the epoch (a date is its midnight).
    pub fn as_micros(&self) -> Option<i64> {
        match self {
            Value::Timestamp(t) => Some(*t),
            Value::Date(d) => d.checked_mul(MICROS_PER_DAY),
            _ => None,
        }
    }

    /// A total order over all values: null first, numbers by value across int, decimal and
    /// float, strings by bytes, then by kind for values that never meet in a checked project.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        use Value as V;
        match (self, other) {
            (V::Null, V::Null) => Ordering::Equal,
            (V::Null, _) => Ordering::Less,
            (_, V::Null) => Ordering::Greater,
            (V::Bool(a), V::Bool(b)) => a.cmp(b),
            (V::String(a), V::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (V::Date(a), V::Date(b)) => a.cmp(b),
            (V::Timestamp(a), V::Timestamp(b)) => a.cmp(b),
            (V::Duration(a), V::Duration(b)) => float_cmp(*a, *b),
            (V::List(a), V::List(b)) => a
                .iter()
                .zip(b)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len())),
            _ => match numeric_cmp(self, other) {
                Some(o) => o,
                None => self.rank().cmp(&other.rank()),
            },
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) | Value::Decimal(_) | Value::Float(_) => 2,
            Value::String(_) => 3,
            Value::Date(_) => 4,
            Value::Timestamp(_) => 5,
            Value::Duration(_) => 6,
            Value::List(_) => 7,
        }
    }

    /// The value widened to `ty`: ints to decimals or floats, decimals to floats, list
    /// items likewise. Anything else is returned as it is.
    pub fn widen(self, ty: &Type) -> Value {
        match (self, ty) {
            (Value::Int(n), Type::Decimal) => Value::Decimal(Decimal::from_i64(n)),
            (Value::Int(n), Type::Float) => Value::Float(n as f64),
            (Value::Decimal(d), Type::Float) => Value::Float(d.to_f64()),
            (Value::List(items), Type::List(t)) => {
                Value::List(items.into_iter().map(|v| v.widen(t)).collect())
            }
            (v, _) => v,
        }
    }

    /// The value as a value of column type `ty`: text is parsed (as a CSV reader would),
    /// numbers widen, a date becomes a timestamp at midnight, any scalar becomes its text for
    /// a string column. The error says what was expected.
    pub fn conform(self, ty: &Type) -> Result<Value, String> {
        let mismatch = |v: &Value| {
            format!(
                "expected {}, found the {} `{}`",
                ty.a(),
                v.kind(),
                v.canonical()
            )
        };
        match (self, ty) {
            (Value::Null, _) | (_, Type::Null | Type::Error) => Ok(Value::Null),
            (Value::String(s), Type::String) => Ok(Value::String(s)),
            (Value::String(s), t) => {
                parse_as(&s, t).ok_or_else(|| format!("`{s}` is not {}: {}", t.a(), type_hint(t)))
            }
            (v @ Value::List(_), Type::String) => Err(mismatch(&v)),
            (v, Type::String) => Ok(Value::String(v.canonical())),
            (Value::Date(d), Type::Timestamp) => d
                .checked_mul(MICROS_PER_DAY)
                .map(Value::Timestamp)
                .ok_or_else(|| format!("the date `{}` is out of range", format_date(d))),
            (v @ (Value::Int(_) | Value::Decimal(_) | Value::Float(_)), Type::Duration) => {
                Ok(Value::Duration(v.as_f64().unwrap_or(f64::NAN)))
            }
            (Value::List(items), Type::List(t)) => items
                .into_iter()
                .map(|v| v.conform(t))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            (v, t) => {
                let ok = matches!(
                    (&v, t),
                    (Value::Bool(_), Type::Bool)
                        | (Value::Int(_), Type::Int | Type::Decimal | Type::Float)
                        | (Value::Decimal(_), Type::Decimal | Type::Float)
                        | (Value::Float(_), Type::Float)
                        | (Value::Date(_), Type::Date)
                        | (Value::Timestamp(_), Type::Timestamp)
                        | (Value::Duration(_), Type::Duration)
                );
                if ok {
                    Ok(v.widen(t))
                } else {
                    Err(mismatch(&v))
                }
            }
        }
    }

    /// True when the two values are the same for a test's purposes: decimals and ints
    /// exactly, floats and durations to a relative 1e-9, lists item by item.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (Value::Float(_) | Value::Duration(_), _)
            | (_, Value::Float(_) | Value::Duration(_)) => match (self.as_f64(), other.as_f64()) {
                (Some(a), Some(b)) => floats_close(a, b),
                _ => false,
            },
            _ => self.total_cmp(other) == Ordering::Equal && self.rank() == other.rank(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// True when `a` and `b` agree to a relative 1e-9 (or both are within 1e-12 of zero).
pub fn floats_close(a: f64, b: f64) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    let scale = a.abs().max(b.abs());
    (a - b).abs() <= 1e-9 * scale || scale < 1e-12
}

fn float_cmp(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b).unwrap_or_else(|| a.total_cmp(&b))
}

/// Compares two numbers of any numeric kind; `None` when either is not a number.
pub(crate) fn numeric_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    use Value as V;
    Some(match (a, b) {
        (V::Int(x), V::Int(y)) => x.cmp(y),
        (V::Int(x), V::Decimal(y)) => Decimal::from_i64(*x).cmp(y),
        (V::Decimal(x), V::Int(y)) => x.cmp(&Decimal::from_i64(*y)),
        (V::Decimal(x), V::Decimal(y)) => x.cmp(y),
        (V::Int(_) | V::Decimal(_) | V::Float(_), V::Int(_) | V::Decimal(_) | V::Float(_)) => {
            float_cmp(a.as_f64()?, b.as_f64()?)
        }
        _ => return None,
    })
}

/// A float rounded to 12 significant digits (see the module documentation).
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{x:.11e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    let body = if (-7..=20).contains(&exponent) {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                format!("{digits}{}", "0".repeat(int_len - digits.len()))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
        }
    } else if digits.len() == 1 {
        format!("{digits}e{exponent}")
    } else {
        format!("{}.{}e{exponent}", &digits[..1], &digits[1..])
    };
    format!("{sign}{body}")
}

/// `s` as a JSON string.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses `text` as a value of column type `ty`, the way CSV values are read.
pub(crate) fn parse_as(text: &str, ty: &Type) -> Option<Value> {
    let t = text.trim();
    match ty {
        Type::String => Some(Value::String(text.to_string())),
        Type::Int => t
            .strip_prefix('+')
            .unwrap_or(t)
            .parse()
            .ok()
            .map(Value::Int),
        Type::Decimal => Decimal::parse(t).map(Value::Decimal),
        Type::Float => t.parse().ok().map(Value::Float),
        Type::Duration => t.parse().ok().map(Value::Duration),
        Type::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" => Some(Value::Bool(true)),
            "false" | "f" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        Type::Timestamp => parse_timestamp(t).map(Value::Timestamp),
        Type::Date => parse_date(t).map(Value::Date),
        Type::List(_) | Type::Null | Type::Error => None,
    }
}

/// How a value of type `t` is written.
pub(crate) fn type_hint(t: &Type) -> &'static str {
    match t {
        Type::Int => "write an `int` as digits with an optional sign, like `42` or `-7`",
        Type::Float | Type::Duration => "write a `float` like `3.5`, `-0.25` or `1e-3`",
        Type::Decimal => "write a `decimal` like `10.5` or `-3`, with `.` as the decimal point",
        Type::Bool => "write a `bool` as `true` or `false`",
        Type::Timestamp => {
            "write a `timestamp` as `YYYY-MM-DD HH:MM:SS`, optionally with up to six fractional digits"
        }
        Type::Date => "write a `date` as `YYYY-MM-DD`",
        Type::String | Type::List(_) | Type::Null | Type::Error => "any text is a `string`",
    }
}

/// Seconds of a duration as whole microseconds, rounded half away from zero.
pub(crate) fn duration_micros(seconds: f64) -> Option<i64> {
    let micros = (seconds * MICROS_PER_SECOND as f64).round();
    (micros.is_finite() && micros.abs() < 9.2e18).then_some(micros as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_with_twelve_significant_digits() {
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(0.15), "0.15");
        assert_eq!(format_float(1.625), "1.625");
        assert_eq!(format_float(259_200.0), "259200");
        assert_eq!(format_float(-2.5), "-2.5");
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(1.0 / 3.0), "0.333333333333");
        assert_eq!(format_float(1.5e-8), "1.5e-8");
        assert_eq!(format_float(2e21), "2e21");
        assert_eq!(format_float(123_456_789_012_345.0), "123456789012000");
        assert_eq!(format_float(-0.0), "0");
        assert_eq!(format_float(0.000_000_1), "0.0000001");
    }

    #[test]
    fn lists_render_as_json() {
        let list = Value::List(vec![
            Value::from("a\"b"),
            Value::Null,
            Value::timestamp("2026-06-01 10:00:00").unwrap(),
        ]);
        assert_eq!(list.canonical(), r#"["a\"b",null,"2026-06-01 10:00:00"]"#);
        let nums = Value::List(vec![Value::Int(1), Value::Float(2.5)]);
        assert_eq!(nums.canonical(), "[1,2.5]");
        assert_eq!(Value::List(vec![]).canonical(), "[]");
    }

    #[test]
    fn conform_parses_text_and_widens_numbers() {
        assert_eq!(
            Value::from("10.50")
                .conform(&Type::Decimal)
                .unwrap()
                .canonical(),
            "10.5"
        );
        assert!(matches!(
            Value::Int(3).conform(&Type::Float),
            Ok(Value::Float(x)) if x == 3.0
        ));
        assert_eq!(
            Value::Int(42).conform(&Type::String).unwrap(),
            Value::from("42")
        );
        assert!(Value::from("soon").conform(&Type::Timestamp).is_err());
        assert!(Value::Float(1.5).conform(&Type::Int).is_err());
    }

    #[test]
    fn strings_order_by_bytes_and_numbers_across_kinds() {
        assert_eq!(
            Value::from("Z").total_cmp(&Value::from("a")),
            Ordering::Less
        );
        assert_eq!(
            Value::from("é").total_cmp(&Value::from("z")),
            Ordering::Greater
        );
        assert_eq!(
            Value::Int(2).total_cmp(&Value::decimal("1.5").unwrap()),
            Ordering::Greater
        );
        assert!(Value::Float(0.1 + 0.2).same_as(&Value::Float(0.3)));
        assert!(!Value::decimal("0.3")
            .unwrap()
            .same_as(&Value::decimal("0.30001").unwrap()));
    }
}
