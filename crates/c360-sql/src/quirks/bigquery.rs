//! BigQuery (GoogleSQL): backtick names, `DATETIME`, `ARRAY_AGG … LIMIT`, scripting.

use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{
    ArrayElemTypeDef, BinaryOperator, DataType, DateTimeField, ExactNumberInfo, Expr, Ident,
    Interval, TypedString, Value,
};

use super::{
    backslash_escaped, FailCheck, Form, LoopScript, Ordered, Piece, Quirks, Seconds, Windows,
};
use crate::ast::{bin, cast, func, index, keyword, num, Call};

/// BigQuery.
pub(crate) struct BigQuery;

impl Quirks for BigQuery {
    fn title(&self) -> &'static str {
        "BigQuery"
    }

    fn quirks(&self) -> &dyn Quirks {
        self
    }

    fn quote(&self) -> char {
        '`'
    }

    fn ident(&self, name: &str) -> Ident {
        // Names with a backtick or a backslash are refused by `ident_problem`.
        if self.needs_quotes(name) {
            Ident::with_quote('`', name)
        } else {
            Ident::new(name)
        }
    }

    fn max_ident_bytes(&self) -> Option<usize> {
        Some(300)
    }

    fn ident_problem(&self, name: &str) -> Option<String> {
        if name.contains(['`', '\\']) || name.chars().any(char::is_control) {
            return Some(format!(
                "BigQuery names cannot contain backticks, backslashes or control characters, and `{}` does",
                name.escape_debug()
            ));
        }
        if name.is_empty() {
            return Some("an identifier cannot be empty".to_owned());
        }
        (name.len() > 300).then(|| {
            format!(
                "identifiers are limited to 300 bytes and `{name}` has {}",
                name.len()
            )
        })
    }

    fn string(&self, text: &str) -> Expr {
        // Backslash escapes; `''` is not an escaped quote, and raw newlines are not allowed.
        Expr::Value(Value::SingleQuotedString(backslash_escaped(text, "\\'", true)).into())
    }

    fn decimal(&self, text: &str) -> Expr {
        // A bare `10.5` is a FLOAT64 in BigQuery; `NUMERIC '10.5'` is exact.
        Expr::TypedString(TypedString {
            data_type: self.decimal_type(),
            value: Value::SingleQuotedString(text.to_owned()).into(),
            uses_odbc_syntax: false,
        })
    }

    fn string_type(&self) -> DataType {
        DataType::String(None)
    }

    fn int_type(&self) -> DataType {
        DataType::Int64
    }

    fn decimal_type(&self) -> DataType {
        // NUMERIC is exactly DECIMAL(38, 9).
        DataType::Numeric(ExactNumberInfo::None)
    }

    fn float_type(&self) -> DataType {
        DataType::Float64
    }

    fn bool_type(&self) -> DataType {
        DataType::Bool
    }

    fn timestamp_type(&self) -> DataType {
        // BigQuery's TIMESTAMP is an instant in UTC; DATETIME has no time zone.
        DataType::Datetime(None)
    }

    fn node_key_type(&self) -> DataType {
        DataType::Int64
    }

    fn list_type(&self, elem: DataType) -> Result<DataType, String> {
        Ok(DataType::Array(ArrayElemTypeDef::AngleBracket(Box::new(
            elem,
        ))))
    }

    fn list(&self, items: Vec<Expr>, elem: &Type) -> Result<Expr, String> {
        let array = Expr::Array(sqlparser::ast::Array {
            elem: items,
            named: false,
        });
        Ok(cast(array, self.ty(&Type::List(Box::new(elem.clone())))?))
    }

    fn node_hash(&self, e: Expr) -> Expr {
        func("FARM_FINGERPRINT", vec![e])
    }

    fn bool_aggregates(&self) -> (&'static str, &'static str) {
        ("LOGICAL_AND", "LOGICAL_OR")
    }

    fn md5_hex(&self, e: Expr) -> Expr {
        func("TO_HEX", vec![func("MD5", vec![e])])
    }

    fn modulo(&self, a: Expr, b: Expr) -> Expr {
        func("MOD", vec![a, b])
    }

    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[
            (Function::Trim, Form::TrimSpaces),
            (Function::Contains, Form::Found("STRPOS")),
            (Function::Size, Form::Call("ARRAY_LENGTH")),
            (Function::Has, Form::InUnnest),
        ]
    }

    fn add_seconds(&self, ts: Expr, secs: Seconds) -> Expr {
        let (value, field) = match secs {
            Seconds::Const(n) => (num(n), DateTimeField::Second),
            Seconds::Expr(s) => (self.micros(*s), DateTimeField::Microsecond),
        };
        let interval = Expr::Interval(Interval {
            value: Box::new(value),
            leading_field: Some(field),
            leading_precision: None,
            last_field: None,
            fractional_seconds_precision: None,
        });
        func("DATETIME_ADD", vec![ts, interval])
    }

    fn seconds_between(&self, later: Expr, earlier: Expr) -> Expr {
        bin(
            cast(
                func(
                    "DATETIME_DIFF",
                    vec![later, earlier, keyword("MICROSECOND")],
                ),
                self.float_type(),
            ),
            BinaryOperator::Divide,
            num(1_000_000),
        )
    }

    fn first_last(&self, a: &Ordered, _w: &mut dyn Windows) -> Result<Expr, String> {
        let agg = Call::new("ARRAY_AGG", vec![a.when_value()])
            .ignore_nulls()
            .order_by(a.keys(self))
            .limit(1)
            .build();
        Ok(index(agg, func("SAFE_OFFSET", vec![num(0)])))
    }

    fn first_last_n(&self, a: &Ordered, n: u64, _w: &mut dyn Windows) -> Result<Expr, String> {
        Ok(Call::new("ARRAY_AGG", vec![a.when_value()])
            .ignore_nulls()
            .order_by(a.keys(self))
            .limit(n)
            .build())
    }

    fn distinct_list(&self, value: Expr, cond: Option<Expr>, _ty: &Type) -> Result<Expr, String> {
        let v = crate::ast::when(cond.as_ref(), value);
        Ok(Call::new("ARRAY_AGG", vec![v.clone()])
            .distinct()
            .ignore_nulls()
            .order_by(vec![crate::ast::order(v, false)])
            .build())
    }

    fn fail_when(&self, check: &FailCheck) -> Result<Vec<Piece>, String> {
        Ok(vec![Piece::sql(format!(
            "ASSERT NOT EXISTS (\n{:#}\n) AS {}",
            check.query,
            self.string(check.message)
        ))])
    }

    fn loop_script(&self, l: &LoopScript) -> Result<Option<Vec<Piece>>, String> {
        let mut text = format!(
            "BEGIN\nDECLARE c360_round INT64 DEFAULT 0;\nDECLARE c360_left INT64 DEFAULT 0;\nLOOP\n  SET c360_round = c360_round + 1;\n  IF c360_round > {} THEN\n    RAISE USING MESSAGE = {};\n  END IF;\n",
            l.max_rounds,
            self.string(&l.message())
        );
        for stmt in l.body {
            text.push_str(stmt);
            text.push_str(";\n");
        }
        text.push_str(&format!(
            "SET c360_left = (SELECT c360_q.c360_n FROM (\n{:#}\n) AS c360_q);\n",
            l.changed
        ));
        text.push_str("IF c360_left = 0 THEN\n  LEAVE;\nEND IF;\nEND LOOP;\nEND");
        Ok(Some(vec![Piece::script(text)]))
    }
}
