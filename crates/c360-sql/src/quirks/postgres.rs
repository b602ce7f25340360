//! PostgreSQL: arrays, `FILTER`, PL/pgSQL `DO` blocks for the loop and the checks.

use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{
    BinaryOperator, DataType, DateTimeField, ExactNumberInfo, Expr, ExtractSyntax, Ident, Interval,
    ObjectName, Query,
};

use super::{FailCheck, Form, LoopScript, Ordered, Piece, Quirks, Seconds, Windows};
use crate::ast::{bin, cast, func, num, slice, Call};

/// PostgreSQL.
pub(crate) struct Postgres;

/// The dollar-quote tag of `DO` blocks; a body containing it cannot be quoted.
const TAG: &str = "$c360$";

impl Quirks for Postgres {
    fn title(&self) -> &'static str {
        "PostgreSQL"
    }

    fn quirks(&self) -> &dyn Quirks {
        self
    }

    fn max_ident_bytes(&self) -> Option<usize> {
        // Longer names are silently truncated, which could merge two columns.
        Some(63)
    }

    fn string_type(&self) -> DataType {
        DataType::Text
    }

    fn float_type(&self) -> DataType {
        DataType::DoublePrecision
    }

    fn node_hash(&self, e: Expr) -> Expr {
        // The first 16 hex digits of the MD5, read as a signed 64-bit integer.
        let hex = bin(
            self.string("x"),
            BinaryOperator::StringConcat,
            func("SUBSTR", vec![func("MD5", vec![e]), num(1), num(16)]),
        );
        cast(cast(hex, DataType::Bit(Some(64))), DataType::BigInt(None))
    }

    fn byte_order(&self, e: Expr, ty: &Type) -> Expr {
        if *ty == Type::String {
            Expr::Collate {
                expr: Box::new(crate::ast::paren(e)),
                collation: ObjectName::from(vec![Ident::with_quote('"', "C")]),
            }
        } else {
            e
        }
    }

    fn regex_match(&self, s: Expr, re: Expr) -> Expr {
        bin(s, BinaryOperator::PGRegexMatch, re)
    }

    fn regex_replace(&self, s: Expr, re: Expr, repl: Expr) -> Expr {
        func("REGEXP_REPLACE", vec![s, re, repl, self.string("g")])
    }

    fn least_greatest_ignore_nulls(&self) -> bool {
        true
    }

    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[
            (Function::Contains, Form::Found("STRPOS")),
            (Function::EndsWith, Form::Suffix),
            (Function::Size, Form::Call("CARDINALITY")),
            (Function::Has, Form::AnyEq),
        ]
    }

    fn round(&self, x: Expr, digits: Option<Expr>, ty: &Type) -> Expr {
        match (digits, ty) {
            // `round(double precision, int)` does not exist and `round(double precision)`
            // rounds half to even: round the exact value, half away from zero.
            (digits, Type::Float) => {
                let mut args = vec![cast(x, DataType::Numeric(ExactNumberInfo::None))];
                args.extend(digits);
                cast(func("ROUND", args), self.float_type())
            }
            (digits, _) => {
                let mut args = vec![x];
                args.extend(digits);
                func("ROUND", args)
            }
        }
    }

    fn add_seconds(&self, ts: Expr, secs: Seconds) -> Expr {
        let interval = |text: String| {
            Expr::Interval(Interval {
                value: Box::new(self.string(&text)),
                leading_field: None,
                leading_precision: None,
                last_field: None,
                fractional_seconds_precision: None,
            })
        };
        match secs {
            Seconds::Const(n) => bin(ts, BinaryOperator::Plus, interval(format!("{n} seconds"))),
            Seconds::Expr(s) => bin(
                ts,
                BinaryOperator::Plus,
                bin(
                    *s,
                    BinaryOperator::Multiply,
                    interval("1 second".to_owned()),
                ),
            ),
        }
    }

    fn seconds_between(&self, later: Expr, earlier: Expr) -> Expr {
        cast(
            Expr::Extract {
                field: DateTimeField::Epoch,
                syntax: ExtractSyntax::From,
                expr: Box::new(bin(later, BinaryOperator::Minus, earlier)),
            },
            self.float_type(),
        )
    }

    fn first_last_n(&self, a: &Ordered, n: u64, _w: &mut dyn Windows) -> Result<Expr, String> {
        let agg = Call::new("ARRAY_AGG", vec![a.value.clone()])
            .order_by(a.keys(self))
            .filter(Some(a.flag()))
            .build();
        Ok(slice(agg, num(1), num(n)))
    }

    fn distinct_list(&self, value: Expr, cond: Option<Expr>, ty: &Type) -> Result<Expr, String> {
        let flag = super::flag(cond, &value);
        let sorted = self.byte_order(value, ty);
        Ok(Call::new("ARRAY_AGG", vec![sorted.clone()])
            .distinct()
            .order_by(vec![crate::ast::order(sorted, false)])
            .filter(Some(flag))
            .build())
    }

    fn create_table_as(&self, name: &ObjectName, q: &Query) -> Vec<Piece> {
        vec![
            Piece::sql(super::drop_table(name)),
            Piece::sql(format!("CREATE TABLE {name} AS\n{q:#}")),
        ]
    }

    fn fail_when(&self, check: &FailCheck) -> Result<Vec<Piece>, String> {
        let body = format!(
            "BEGIN\nIF EXISTS (\n{:#}\n) THEN\nRAISE EXCEPTION {};\nEND IF;\nEND",
            check.query,
            self.string(check.message)
        );
        Ok(vec![Piece::script(dollar_quoted("DO ", &body)?)])
    }

    fn loop_script(&self, l: &LoopScript) -> Result<Option<Vec<Piece>>, String> {
        let mut body = String::from(
            "DECLARE\n  c360_round INTEGER := 0;\n  c360_left BIGINT;\nBEGIN\nLOOP\n  c360_round := c360_round + 1;\n",
        );
        body.push_str(&format!(
            "  IF c360_round > {} THEN\n    RAISE EXCEPTION {};\n  END IF;\n",
            l.max_rounds,
            self.string(&l.message())
        ));
        for stmt in l.body {
            body.push_str(stmt);
            body.push_str(";\n");
        }
        body.push_str(&format!(
            "SELECT c360_q.c360_n INTO c360_left FROM (\n{:#}\n) AS c360_q;\n",
            l.changed
        ));
        body.push_str("EXIT WHEN c360_left = 0;\nEND LOOP;\nEND");
        Ok(Some(vec![Piece::script(dollar_quoted("DO ", &body)?)]))
    }
}

/// `prefix$c360$\nbody\n$c360$`, refusing a body that contains the tag.
fn dollar_quoted(prefix: &str, body: &str) -> Result<String, String> {
    if body.contains(TAG) {
        return Err(format!(
            "a PL/pgSQL block cannot contain `{TAG}`, which delimits it"
        ));
    }
    Ok(format!("{prefix}{TAG}\n{body}\n{TAG}"))
}
