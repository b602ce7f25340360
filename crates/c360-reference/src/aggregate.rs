//! Aggregates, the last step of a pipeline (spec §4.1 and the **Decision** on ties).
//!
//! Nulls are ignored by every aggregate except `count()`. `count`, `count_distinct` and `sum`
//! are 0 over no values, list aggregates `[]`, the others null. Ties in time are broken by
//! the value, ascending, for `first` and `last` alike.

use std::cmp::Ordering;

use c360_sema::model::Aggregate;
use c360_sema::Type;
use c360_syntax::ast::BinaryOp;

use crate::decimal::Decimal;
use crate::error::Error;
use crate::eval::numeric;
use crate::time::MICROS_PER_SECOND;
use crate::value::Value;

/// One row that passed the pipeline's filters: its time (`None` on a snapshot source) and
/// the aggregate's argument (null when it has none).
pub(crate) struct Item {
    pub time: Option<i64>,
    pub value: Value,
}

/// The zero of a sum of type `ty`.
fn zero(ty: &Type) -> Value {
    match ty {
        Type::Decimal => Value::Decimal(Decimal::ZERO),
        Type::Float => Value::Float(0.0),
        _ => Value::Int(0),
    }
}

/// Sorted ascending by value, duplicates (equal values) removed.
fn distinct(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by(Value::total_cmp);
    values.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
    values
}

/// The non-null values with their times, ordered earliest-first (`latest` false) or
/// latest-first, ties by value ascending.
fn by_time(items: Vec<Item>, latest: bool) -> Vec<Value> {
    let mut timed: Vec<(Option<i64>, Value)> = items
        .into_iter()
        .filter(|i| !i.value.is_null())
        .map(|i| (i.time, i.value))
        .collect();
    timed.sort_by(|(ta, va), (tb, vb)| {
        let by_time = if latest { tb.cmp(ta) } else { ta.cmp(tb) };
        by_time.then_with(|| va.total_cmp(vb))
    });
    timed.into_iter().map(|(_, v)| v).collect()
}

/// Computes `aggregate` over `items` (the rows that passed the filters); `ty` is the
/// aggregate's result type.
pub(crate) fn compute(
    aggregate: Aggregate,
    ty: &Type,
    limit: Option<u64>,
    items: Vec<Item>,
) -> Result<Value, Error> {
    let values = |items: Vec<Item>| -> Vec<Value> {
        items
            .into_iter()
            .map(|i| i.value)
            .filter(|v| !v.is_null())
            .collect()
    };
    Ok(match aggregate {
        Aggregate::Count => Value::Int(items.len() as i64),
        Aggregate::CountDistinct => Value::Int(distinct(values(items)).len() as i64),
        Aggregate::Sum => {
            let mut total = zero(ty);
            for v in values(items) {
                total = numeric(BinaryOp::Add, &total, &v)
                    .map_err(|e| Error::new(format!("`sum`: {}", e.message)))?;
            }
            total.widen(ty)
        }
        Aggregate::Avg => {
            let values = values(items);
            if values.is_empty() {
                return Ok(Value::Null);
            }
            let n = values.len() as f64;
            // Ints and decimals are summed exactly; only the division is inexact.
            let mut exact = Some(Decimal::ZERO);
            let mut float = 0.0;
            for v in &values {
                match v {
                    Value::Int(x) => {
                        exact = exact.and_then(|t| t.checked_add(Decimal::from_i64(*x)))
                    }
                    Value::Decimal(d) => exact = exact.and_then(|t| t.checked_add(*d)),
                    _ => exact = None,
                }
                float += v.as_f64().unwrap_or(f64::NAN);
            }
            Value::Float(match exact {
                Some(total) => total.to_f64() / n,
                None => float / n,
            })
        }
        Aggregate::Min => values(items)
            .into_iter()
            .min_by(Value::total_cmp)
            .unwrap_or(Value::Null),
        Aggregate::Max => values(items)
            .into_iter()
            .max_by(|a, b| a.total_cmp(b))
            .unwrap_or(Value::Null),
        Aggregate::First => by_time(items, false)
            .into_iter()
            .next()
            .unwrap_or(Value::Null),
        Aggregate::Last => by_time(items, true)
            .into_iter()
            .next()
            .unwrap_or(Value::Null),
        Aggregate::FirstN | Aggregate::LastN => {
            let n = usize::try_from(limit.unwrap_or(1)).unwrap_or(usize::MAX);
            let latest = aggregate == Aggregate::LastN;
            Value::List(by_time(items, latest).into_iter().take(n).collect())
        }
        Aggregate::Distinct => Value::List(distinct(values(items))),
        Aggregate::AvgInterval => {
            let times: Vec<i64> = items.iter().filter_map(|i| i.time).collect();
            match (times.iter().min(), times.iter().max()) {
                (Some(min), Some(max)) if times.len() >= 2 => {
                    let span = (*max as i128 - *min as i128) as f64 / MICROS_PER_SECOND as f64;
                    Value::Duration(span / (times.len() - 1) as f64)
                }
                _ => Value::Null,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(rows: &[(i64, Value)]) -> Vec<Item> {
        rows.iter()
            .map(|(t, v)| Item {
                time: Some(*t),
                value: v.clone(),
            })
            .collect()
    }

    #[test]
    fn ties_in_time_take_the_smallest_value_both_ways() {
        let rows = [
            (5, Value::from("b")),
            (5, Value::from("a")),
            (1, Value::from("z")),
            (9, Value::Null),
        ];
        let first = compute(Aggregate::First, &Type::String, None, items(&rows)).unwrap();
        let last = compute(Aggregate::Last, &Type::String, None, items(&rows)).unwrap();
        assert_eq!(first, Value::from("z"));
        assert_eq!(last, Value::from("a"));
        let last2 = compute(
            Aggregate::LastN,
            &Type::List(Box::new(Type::String)),
            Some(2),
            items(&rows),
        )
        .unwrap();
        assert_eq!(last2.canonical(), r#"["a","b"]"#);
    }

    #[test]
    fn empty_inputs() {
        for (agg, expected) in [
            (Aggregate::Count, "0"),
            (Aggregate::CountDistinct, "0"),
            (Aggregate::Sum, "0"),
            (Aggregate::Avg, "null"),
            (Aggregate::Min, "null"),
            (Aggregate::First, "null"),
            (Aggregate::AvgInterval, "null"),
            (Aggregate::Distinct, "[]"),
            (Aggregate::LastN, "[]"),
        ] {
            let v = compute(agg, &Type::Decimal, Some(3), Vec::new()).unwrap();
            assert_eq!(v.canonical(), expected, "{agg:?}");
        }
    }

    #[test]
    fn avg_of_decimals_is_exact_until_the_division() {
        let rows = [
            (1, Value::decimal("0.1").unwrap()),
            (2, Value::decimal("0.2").unwrap()),
            (3, Value::Null),
        ];
        let v = compute(Aggregate::Avg, &Type::Float, None, items(&rows)).unwrap();
        assert_eq!(v, Value::Float(0.15));
    }
}
