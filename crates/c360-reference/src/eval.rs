//! Expressions (spec §4.2): operators with SQL's three-valued logic, numeric widening, time
//! arithmetic and the built-in functions.
//!
//! Names are resolved through a [`Scope`]: `value` inside id type rules, a column of the row a
//! pipeline step is looking at, a feature of the entity being computed, the run's `now()`.

use std::cmp::Ordering;

use c360_sema::model::{Expr, ExprKind, Function, Literal, Pipeline};
use c360_sema::Type;
use c360_syntax::ast::BinaryOp;

use crate::decimal::Decimal;
use crate::error::Error;
use crate::pattern::Patterns;
use crate::time::{MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::value::{duration_micros, numeric_cmp, Value};

/// What names mean where an expression is evaluated.
pub(crate) trait Scope {
    /// The compiled-regex cache.
    fn patterns(&mut self) -> &mut Patterns;
    /// `value` inside an id type's rules.
    fn value(&self) -> Result<Value, Error> {
        Err(Error::new(
            "`value` is only defined inside the rules of an id type",
        ))
    }
    /// A column of the current row.
    fn column(&self, source: &str, column: &str) -> Result<Value, Error> {
        Err(Error::new(format!(
            "the column `{source}.{column}` is only defined inside a pipeline over `{source}`"
        )))
    }
    /// A feature of the entity being computed.
    fn feature(&mut self, entity: &str, feature: &str) -> Result<Value, Error> {
        Err(Error::new(format!(
            "the feature `{entity}.{feature}` cannot be read here"
        )))
    }
    /// A pipeline's value for the entity being computed.
    fn pipeline(&mut self, _pipeline: &Pipeline, _ty: &Type) -> Result<Value, Error> {
        Err(Error::new("a pipeline cannot be evaluated here"))
    }
    /// The `as_of` time (`now()`); `None` when it is null.
    fn now(&self) -> Result<Option<i64>, Error> {
        Err(Error::new(
            "`now()` is not defined inside the rules of an id type",
        ))
    }
}

fn overflow(what: &str) -> Error {
    Error::new(format!("{what} overflows"))
        .with_help("the value is outside the range of its type; check the data, or use a `float`")
}

/// The value of a literal of type `ty`.
pub(crate) fn literal(l: &Literal, ty: &Type) -> Result<Value, Error> {
    crate::tables::literal_value(l, ty).map_err(Error::new)
}

/// Evaluates `e` in `scope`; the result is widened to the expression's type.
pub(crate) fn eval(scope: &mut dyn Scope, e: &Expr) -> Result<Value, Error> {
    let v = match &e.kind {
        ExprKind::Literal(l) => literal(l, &e.ty)?,
        ExprKind::List(items) => Value::List(
            items
                .iter()
                .map(|i| eval(scope, i))
                .collect::<Result<_, _>>()?,
        ),
        ExprKind::Value => scope.value()?,
        ExprKind::Column { source, column } => scope.column(source, column)?,
        ExprKind::Feature { entity, feature } => scope.feature(entity, feature)?,
        ExprKind::Call { func, args } => call(scope, *func, args)?,
        ExprKind::Neg(x) => negate(eval(scope, x)?)?,
        ExprKind::Not(x) => match eval(scope, x)? {
            Value::Bool(b) => Value::Bool(!b),
            Value::Null => Value::Null,
            other => return Err(type_error("not", &[&other])),
        },
        ExprKind::Binary { op, lhs, rhs } => binary(scope, *op, lhs, rhs)?,
        ExprKind::IsNull { expr, negated } => Value::Bool(eval(scope, expr)?.is_null() != *negated),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => match eval(scope, cond)? {
            Value::Bool(true) => eval(scope, then)?,
            _ => eval(scope, otherwise)?,
        },
        ExprKind::Pipeline(p) => scope.pipeline(p, &e.ty)?,
        ExprKind::Error => {
            return Err(Error::new("the project has errors")
                .with_help("run `c360 check` and fix the errors before evaluating"))
        }
    };
    Ok(v.widen(&e.ty))
}

fn type_error(what: &str, values: &[&Value]) -> Error {
    let kinds: Vec<&str> = values.iter().map(|v| v.kind()).collect();
    Error::new(format!(
        "`{what}` cannot be applied to {}",
        kinds.join(" and ")
    ))
    .with_help("the project's types and the data disagree; run `c360 check`")
}

fn negate(v: Value) -> Result<Value, Error> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(n) => Value::Int(n.checked_neg().ok_or_else(|| overflow("`-`"))?),
        Value::Decimal(d) => Value::Decimal(d.checked_neg().ok_or_else(|| overflow("`-`"))?),
        Value::Float(x) => Value::Float(-x),
        Value::Duration(x) => Value::Duration(-x),
        other => return Err(type_error("-", &[&other])),
    })
}

/// SQL `and`: false wins over null.
fn and(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
        (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
        _ => Value::Null,
    }
}

/// SQL `or`: true wins over null.
fn or(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
        (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Compares two non-null values of comparable types; `None` when they are not comparable.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    if let Some(o) = numeric_cmp(a, b) {
        return Some(o);
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Timestamp(x), Value::Timestamp(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) => x.partial_cmp(y),
        _ => None,
    }
}

/// `a == b` with SQL nulls.
fn equals(a: &Value, b: &Value) -> Result<Value, Error> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    compare(a, b)
        .map(|o| Value::Bool(o == Ordering::Equal))
        .ok_or_else(|| type_error("==", &[a, b]))
}

fn binary(scope: &mut dyn Scope, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Result<Value, Error> {
    // Both sides are always evaluated: evaluation has no side effects, and a data error on
    // one side should not depend on the value of the other.
    let a = eval(scope, lhs)?;
    let b = eval(scope, rhs)?;
    match op {
        BinaryOp::And => Ok(and(&a, &b)),
        BinaryOp::Or => Ok(or(&a, &b)),
        BinaryOp::Eq => equals(&a, &b),
        BinaryOp::Ne => Ok(match equals(&a, &b)? {
            Value::Bool(x) => Value::Bool(!x),
            other => other,
        }),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            if a.is_null() || b.is_null() {
                return Ok(Value::Null);
            }
            let o = compare(&a, &b).ok_or_else(|| type_error(op.symbol(), &[&a, &b]))?;
            Ok(Value::Bool(match op {
                BinaryOp::Lt => o == Ordering::Less,
                BinaryOp::Le => o != Ordering::Greater,
                BinaryOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
        BinaryOp::In => {
            if a.is_null() {
                return Ok(Value::Null);
            }
            let Value::List(items) = &b else {
                return Ok(match b {
                    Value::Null => Value::Null,
                    other => return Err(type_error("in", &[&a, &other])),
                });
            };
            let mut saw_null = false;
            for item in items {
                match equals(&a, item)? {
                    Value::Bool(true) => return Ok(Value::Bool(true)),
                    Value::Null => saw_null = true,
                    _ => {}
                }
            }
            Ok(if saw_null {
                Value::Null
            } else {
                Value::Bool(false)
            })
        }
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
            arithmetic(op, a, b)
        }
        BinaryOp::Match => match (&a, &b) {
            (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
            (Value::String(s), Value::String(p)) => {
                let re = scope.patterns().get(p).map_err(Error::new)?;
                Ok(Value::Bool(re.is_match(s)))
            }
            _ => Err(type_error("~", &[&a, &b])),
        },
    }
}

/// The common numeric kind of two numbers: 0 int, 1 decimal, 2 float.
fn numeric_rank(v: &Value) -> Option<u8> {
    match v {
        Value::Int(_) => Some(0),
        Value::Decimal(_) => Some(1),
        Value::Float(_) => Some(2),
        _ => None,
    }
}

fn as_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Int(n) => Some(Decimal::from_i64(*n)),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

/// `a op b` for two numbers of any kinds (widened to the wider one).
pub(crate) fn numeric(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, Error> {
    let (Some(ra), Some(rb)) = (numeric_rank(a), numeric_rank(b)) else {
        return Err(type_error(op.symbol(), &[a, b]));
    };
    let what = format!("`{}`", op.symbol());
    if op == BinaryOp::Div {
        let (x, y) = (
            a.as_f64().unwrap_or(f64::NAN),
            b.as_f64().unwrap_or(f64::NAN),
        );
        return Ok(if y == 0.0 {
            Value::Null
        } else {
            Value::Float(x / y)
        });
    }
    match ra.max(rb) {
        0 => {
            let (Value::Int(x), Value::Int(y)) = (a, b) else {
                return Err(type_error(op.symbol(), &[a, b]));
            };
            let r = match op {
                BinaryOp::Add => x.checked_add(*y),
                BinaryOp::Sub => x.checked_sub(*y),
                BinaryOp::Mul => x.checked_mul(*y),
                BinaryOp::Rem => {
                    if *y == 0 {
                        return Ok(Value::Null);
                    }
                    // i64::MIN % -1 is 0; only the machine instruction overflows.
                    Some(x.checked_rem(*y).unwrap_or(0))
                }
                _ => None,
            };
            r.map(Value::Int).ok_or_else(|| overflow(&what))
        }
        1 => {
            let (Some(x), Some(y)) = (as_decimal(a), as_decimal(b)) else {
                return Err(type_error(op.symbol(), &[a, b]));
            };
            let r = match op {
                BinaryOp::Add => x.checked_add(y),
                BinaryOp::Sub => x.checked_sub(y),
                BinaryOp::Mul => x.checked_mul(y),
                _ => return Err(type_error(op.symbol(), &[a, b])),
            };
            r.map(Value::Decimal).ok_or_else(|| overflow(&what))
        }
        _ => {
            let (x, y) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            Ok(Value::Float(match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::Rem => {
                    if y == 0.0 {
                        return Ok(Value::Null);
                    }
                    x % y
                }
                _ => return Err(type_error(op.symbol(), &[a, b])),
            }))
        }
    }
}

/// A timestamp moved by a duration in seconds (rounded to whole microseconds).
fn shift(micros: i64, seconds: f64, what: &str) -> Result<Value, Error> {
    duration_micros(seconds)
        .and_then(|d| micros.checked_add(d))
        .map(Value::Timestamp)
        .ok_or_else(|| overflow(what))
}

fn arithmetic(op: BinaryOp, a: Value, b: Value) -> Result<Value, Error> {
    use Value as V;
    if a.is_null() || b.is_null() {
        return Ok(V::Null);
    }
    let what = format!("`{}`", op.symbol());
    match (op, &a, &b) {
        (BinaryOp::Sub, V::Timestamp(x), V::Timestamp(y)) => {
            let d = x.checked_sub(*y).ok_or_else(|| overflow(&what))?;
            Ok(V::Duration(d as f64 / MICROS_PER_SECOND as f64))
        }
        (BinaryOp::Sub, V::Date(x), V::Date(y)) => Ok(V::Duration((x - y) as f64 * 86_400.0)),
        (BinaryOp::Add, t @ (V::Timestamp(_) | V::Date(_)), V::Duration(d))
        | (BinaryOp::Add, V::Duration(d), t @ (V::Timestamp(_) | V::Date(_))) => {
            shift(t.as_micros().ok_or_else(|| overflow(&what))?, *d, &what)
        }
        (BinaryOp::Sub, t @ (V::Timestamp(_) | V::Date(_)), V::Duration(d)) => {
            shift(t.as_micros().ok_or_else(|| overflow(&what))?, -*d, &what)
        }
        (BinaryOp::Add, V::Duration(x), V::Duration(y)) => Ok(V::Duration(x + y)),
        (BinaryOp::Sub, V::Duration(x), V::Duration(y)) => Ok(V::Duration(x - y)),
        (BinaryOp::Mul, V::Duration(d), n) | (BinaryOp::Mul, n, V::Duration(d)) => n
            .as_f64()
            .filter(|_| numeric_rank(n).is_some())
            .map(|n| V::Duration(d * n))
            .ok_or_else(|| type_error("*", &[&a, &b])),
        _ => numeric(op, &a, &b),
    }
}

fn string_arg<'v>(name: &str, v: &'v Value) -> Result<Option<&'v str>, Error> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(type_error(name, &[other])),
    }
}

/// Rounds a float to `digits` decimal places, half away from zero, on its shortest decimal
/// text (so `round(2.675, 2)` is 2.68, as written, not 2.67 as stored in binary).
fn round_float(x: f64, digits: i64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    match Decimal::from_f64(x).and_then(|d| d.round(digits)) {
        Some(d) => d.to_f64(),
        None => {
            let p = 10f64.powi(digits.clamp(-300, 300) as i32);
            (x * p).round() / p
        }
    }
}

fn round(v: Value, digits: i64, name: &str) -> Result<Value, Error> {
    let what = format!("`{name}`");
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(n) if digits >= 0 => Value::Int(n),
        Value::Int(n) => {
            let d = Decimal::from_i64(n)
                .round(digits)
                .ok_or_else(|| overflow(&what))?;
            let m = d.mantissa();
            Value::Int(i64::try_from(m).map_err(|_| overflow(&what))?)
        }
        Value::Decimal(d) => Value::Decimal(d.round(digits).ok_or_else(|| overflow(&what))?),
        Value::Float(x) => Value::Float(round_float(x, digits)),
        other => return Err(type_error(name, &[&other])),
    })
}

/// `least`/`greatest`: the extreme non-null argument.
fn extreme(values: Vec<Value>, want: Ordering, name: &str) -> Result<Value, Error> {
    let mut best: Option<Value> = None;
    for v in values.into_iter().filter(|v| !v.is_null()) {
        best = Some(match best {
            None => v,
            Some(b) => {
                let o = compare(&v, &b).ok_or_else(|| type_error(name, &[&v, &b]))?;
                if o == want {
                    v
                } else {
                    b
                }
            }
        });
    }
    Ok(best.unwrap_or(Value::Null))
}

fn call(scope: &mut dyn Scope, func: Function, args: &[Expr]) -> Result<Value, Error> {
    use Function as F;
    let name = function_name(func);
    if func == F::Now {
        return Ok(scope.now()?.map_or(Value::Null, Value::Timestamp));
    }
    let mut values = Vec::with_capacity(args.len());
    for a in args {
        values.push(eval(scope, a)?);
    }
    let arg = |i: usize| values.get(i).cloned().unwrap_or(Value::Null);
    let arity = |n: usize| -> Result<(), Error> {
        if values.len() < n {
            Err(Error::new(format!("`{name}` needs {n} arguments")))
        } else {
            Ok(())
        }
    };
    arity(match func {
        F::Contains | F::StartsWith | F::EndsWith | F::Has => 2,
        F::RegexpReplace => 3,
        F::Now => 0,
        _ => 1,
    })?;
    Ok(match func {
        F::Lower | F::Upper | F::Trim | F::Length => match string_arg(name, &values[0])? {
            None => Value::Null,
            Some(s) => match func {
                F::Lower => Value::String(s.to_lowercase()),
                F::Upper => Value::String(s.to_uppercase()),
                F::Trim => Value::String(s.trim_matches(' ').to_string()),
                _ => Value::Int(s.chars().count() as i64),
            },
        },
        F::Concat => {
            let mut out = String::new();
            for v in &values {
                match string_arg(name, v)? {
                    Some(s) => out.push_str(s),
                    None => return Ok(Value::Null),
                }
            }
            Value::String(out)
        }
        F::Contains | F::StartsWith | F::EndsWith => {
            match (string_arg(name, &values[0])?, string_arg(name, &values[1])?) {
                (Some(s), Some(p)) => Value::Bool(match func {
                    F::Contains => s.contains(p),
                    F::StartsWith => s.starts_with(p),
                    _ => s.ends_with(p),
                }),
                _ => Value::Null,
            }
        }
        F::RegexpReplace => {
            let (s, p, r) = (
                string_arg(name, &values[0])?.map(str::to_string),
                string_arg(name, &values[1])?.map(str::to_string),
                string_arg(name, &values[2])?.map(str::to_string),
            );
            match (s, p, r) {
                (Some(s), Some(p), Some(r)) => {
                    let re = scope.patterns().get(&p).map_err(Error::new)?;
                    Value::String(re.replace_all(&s, regex::NoExpand(&r)).into_owned())
                }
                _ => Value::Null,
            }
        }
        F::Coalesce => values
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null),
        F::Least => extreme(values, Ordering::Less, name)?,
        F::Greatest => extreme(values, Ordering::Greater, name)?,
        F::Abs => match arg(0) {
            Value::Null => Value::Null,
            Value::Int(n) => Value::Int(n.checked_abs().ok_or_else(|| overflow("`abs`"))?),
            Value::Decimal(d) => Value::Decimal(d.checked_abs().ok_or_else(|| overflow("`abs`"))?),
            Value::Float(x) => Value::Float(x.abs()),
            other => return Err(type_error(name, &[&other])),
        },
        F::Floor | F::Ceil => match arg(0) {
            Value::Null => Value::Null,
            Value::Int(n) => Value::Int(n),
            Value::Decimal(d) => {
                let r = if func == F::Floor {
                    d.floor()
                } else {
                    d.ceil()
                };
                Value::Decimal(r.ok_or_else(|| overflow(name))?)
            }
            Value::Float(x) => Value::Float(if func == F::Floor {
                x.floor()
            } else {
                x.ceil()
            }),
            other => return Err(type_error(name, &[&other])),
        },
        F::Round => {
            let digits = match values.get(1) {
                None => 0,
                Some(Value::Int(d)) => *d,
                Some(Value::Null) => return Ok(Value::Null),
                Some(other) => return Err(type_error(name, &[other])),
            };
            round(arg(0), digits, name)?
        }
        F::Date => match arg(0) {
            Value::Null => Value::Null,
            Value::Date(d) => Value::Date(d),
            Value::Timestamp(t) => Value::Date(t.div_euclid(MICROS_PER_DAY)),
            other => return Err(type_error(name, &[&other])),
        },
        F::Days | F::Hours | F::Minutes | F::Seconds => match arg(0) {
            Value::Null => Value::Null,
            Value::Duration(s) => Value::Float(
                s / match func {
                    F::Days => 86_400.0,
                    F::Hours => 3_600.0,
                    F::Minutes => 60.0,
                    _ => 1.0,
                },
            ),
            other => return Err(type_error(name, &[&other])),
        },
        F::Size => match arg(0) {
            Value::Null => Value::Null,
            Value::List(items) => Value::Int(items.len() as i64),
            other => return Err(type_error(name, &[&other])),
        },
        F::Has => match (arg(0), arg(1)) {
            (Value::Null, _) | (_, Value::Null) => Value::Null,
            (Value::List(items), x) => Value::Bool(
                items
                    .iter()
                    .any(|i| compare(i, &x) == Some(Ordering::Equal)),
            ),
            (other, _) => return Err(type_error(name, &[&other])),
        },
        F::Now => scope.now()?.map_or(Value::Null, Value::Timestamp),
    })
}

/// The function's name as written in `.c360` files.
fn function_name(f: Function) -> &'static str {
    use Function as F;
    match f {
        F::Lower => "lower",
        F::Upper => "upper",
        F::Trim => "trim",
        F::Length => "length",
        F::Concat => "concat",
        F::Contains => "contains",
        F::StartsWith => "starts_with",
        F::EndsWith => "ends_with",
        F::RegexpReplace => "regexp_replace",
        F::Coalesce => "coalesce",
        F::Least => "least",
        F::Greatest => "greatest",
        F::Abs => "abs",
        F::Round => "round",
        F::Floor => "floor",
        F::Ceil => "ceil",
        F::Date => "date",
        F::Days => "days",
        F::Hours => "hours",
        F::Minutes => "minutes",
        F::Seconds => "seconds",
        F::Size => "size",
        F::Has => "has",
        F::Now => "now",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_valued_logic() {
        let (t, f, n) = (Value::Bool(true), Value::Bool(false), Value::Null);
        assert_eq!(and(&n, &f), f);
        assert!(and(&n, &t).is_null());
        assert_eq!(or(&n, &t), t);
        assert!(or(&n, &f).is_null());
    }

    #[test]
    fn numbers_widen_and_divide_by_zero_to_null() {
        let d = Value::decimal("1.5").unwrap();
        assert_eq!(
            numeric(BinaryOp::Add, &Value::Int(1), &d)
                .unwrap()
                .canonical(),
            "2.5"
        );
        assert!(numeric(BinaryOp::Div, &Value::Int(1), &Value::Int(0))
            .unwrap()
            .is_null());
        assert!(numeric(BinaryOp::Rem, &Value::Int(1), &Value::Int(0))
            .unwrap()
            .is_null());
        assert_eq!(
            numeric(BinaryOp::Div, &Value::Int(1), &Value::Int(4)).unwrap(),
            Value::Float(0.25)
        );
        assert!(numeric(BinaryOp::Add, &Value::Int(i64::MAX), &Value::Int(1)).is_err());
        assert_eq!(
            numeric(BinaryOp::Rem, &Value::Int(-7), &Value::Int(3)).unwrap(),
            Value::Int(-1)
        );
    }

    #[test]
    fn floats_round_on_their_decimal_text() {
        assert_eq!(round_float(2.675, 2), 2.68);
        assert_eq!(round_float(-2.5, 0), -3.0);
        assert_eq!(round_float(1234.5, -2), 1200.0);
    }
}
