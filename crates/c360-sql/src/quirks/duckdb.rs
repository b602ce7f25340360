//! DuckDB: the embedded engine. `c360 run` drives the stitch loop itself.

use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{BinaryOperator, DataType, DateTimeField, Expr, Interval};

use super::{Form, LoopScript, Ordered, Piece, Quirks, Seconds, Windows};
use crate::ast::{bin, cast, func, num, Call};

/// DuckDB.
pub(crate) struct DuckDb;

impl Quirks for DuckDb {
    fn title(&self) -> &'static str {
        "DuckDB"
    }

    fn quirks(&self) -> &dyn Quirks {
        self
    }

    fn node_key_type(&self) -> DataType {
        // `hash()` is a 64-bit unsigned integer; keeping it unsigned keeps all 64 bits.
        DataType::UBigInt
    }

    fn node_hash(&self, e: Expr) -> Expr {
        func("HASH", vec![e])
    }

    fn regex_match(&self, s: Expr, re: Expr) -> Expr {
        // `regexp_matches` finds the pattern anywhere (it is not anchored).
        func("REGEXP_MATCHES", vec![s, re])
    }

    fn regex_replace(&self, s: Expr, re: Expr, repl: Expr) -> Expr {
        // Without the `g` option only the first match is replaced.
        func("REGEXP_REPLACE", vec![s, re, repl, self.string("g")])
    }

    fn least_greatest_ignore_nulls(&self) -> bool {
        true
    }

    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[
            (Function::Size, Form::Call("LEN")),
            (Function::Has, Form::Call("LIST_CONTAINS")),
        ]
    }

    fn add_seconds(&self, ts: Expr, secs: Seconds) -> Expr {
        match secs {
            Seconds::Const(n) => {
                let op = if n < 0 {
                    BinaryOperator::Minus
                } else {
                    BinaryOperator::Plus
                };
                let interval = Expr::Interval(Interval {
                    value: Box::new(num(n.unsigned_abs())),
                    leading_field: Some(DateTimeField::Second),
                    leading_precision: None,
                    last_field: None,
                    fractional_seconds_precision: None,
                });
                bin(ts, op, interval)
            }
            Seconds::Expr(s) => bin(
                ts,
                BinaryOperator::Plus,
                func("TO_MICROSECONDS", vec![self.micros(*s)]),
            ),
        }
    }

    fn seconds_between(&self, later: Expr, earlier: Expr) -> Expr {
        bin(
            cast(
                bin(
                    func("EPOCH_US", vec![later]),
                    BinaryOperator::Minus,
                    func("EPOCH_US", vec![earlier]),
                ),
                self.float_type(),
            ),
            BinaryOperator::Divide,
            num(1_000_000),
        )
    }

    fn first_last(&self, a: &Ordered, _w: &mut dyn Windows) -> Result<Expr, String> {
        Ok(Call::new("FIRST", vec![a.value.clone()])
            .order_by(a.keys(self))
            .filter(Some(a.flag()))
            .build())
    }

    fn first_last_n(&self, a: &Ordered, n: u64, _w: &mut dyn Windows) -> Result<Expr, String> {
        let agg = Call::new("ARRAY_AGG", vec![a.value.clone()])
            .order_by(a.keys(self))
            .filter(Some(a.flag()))
            .build();
        Ok(func("LIST_SLICE", vec![agg, num(1), num(n)]))
    }

    fn distinct_list(&self, value: Expr, cond: Option<Expr>, _ty: &Type) -> Result<Expr, String> {
        let flag = super::flag(cond, &value);
        let agg = Call::new("ARRAY_AGG", vec![value])
            .distinct()
            .filter(Some(flag))
            .build();
        Ok(func("LIST_SORT", vec![agg]))
    }

    fn loop_script(&self, _l: &LoopScript) -> Result<Option<Vec<Piece>>, String> {
        Ok(None)
    }
}
