//! Amazon Redshift: PostgreSQL-derived, but without arrays and without `DO` blocks.

use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{BinaryOperator, DataType, Expr, ObjectName, Query, Value};

use super::{
    backslash_escaped, varchar_max, FailCheck, Form, LoopScript, Ordered, Piece, Quirks, Seconds,
    Windows,
};
use crate::ast::{bin, cast, concat, func, keyword, num, Call};

/// Amazon Redshift.
pub(crate) struct Redshift;

/// Why list-valued features cannot be compiled for Redshift.
const NO_LISTS: &str = "it has no array type for table columns and no ordered array aggregate";

/// Procedure bodies are quoted with `$$`.
const DELIMITER: &str = "$$";

impl Quirks for Redshift {
    fn title(&self) -> &'static str {
        "Redshift"
    }

    fn quirks(&self) -> &dyn Quirks {
        self
    }

    fn max_ident_bytes(&self) -> Option<usize> {
        Some(127)
    }

    fn string(&self, text: &str) -> Expr {
        Expr::Value(Value::SingleQuotedString(backslash_escaped(text, "''", false)).into())
    }

    fn string_type(&self) -> DataType {
        // A bare VARCHAR is VARCHAR(256) and would cut longer values.
        varchar_max()
    }

    fn float_type(&self) -> DataType {
        DataType::DoublePrecision
    }

    fn list_type(&self, _elem: DataType) -> Result<DataType, String> {
        Err("it has no array type for table columns".to_owned())
    }

    fn list(&self, _items: Vec<Expr>, _elem: &Type) -> Result<Expr, String> {
        Err("it has no array type for table columns".to_owned())
    }

    fn node_hash(&self, e: Expr) -> Expr {
        func("FNV_HASH", vec![e])
    }

    fn first_last_n(&self, _a: &Ordered, _n: u64, _w: &mut dyn Windows) -> Result<Expr, String> {
        Err(NO_LISTS.to_owned())
    }

    fn distinct_list(&self, _value: Expr, _cond: Option<Expr>, _ty: &Type) -> Result<Expr, String> {
        Err(NO_LISTS.to_owned())
    }

    fn regex_match(&self, s: Expr, re: Expr) -> Expr {
        bin(s, BinaryOperator::PGRegexMatch, re)
    }

    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[
            (Function::Contains, Form::Found("STRPOS")),
            (Function::StartsWith, Form::Prefix),
            (Function::EndsWith, Form::Suffix),
            (
                Function::Size,
                Form::Unsupported("it has no array type for table columns"),
            ),
            (
                Function::Has,
                Form::Unsupported("it has no array type for table columns"),
            ),
        ]
    }

    fn add_seconds(&self, ts: Expr, secs: Seconds) -> Expr {
        match secs {
            Seconds::Const(n) => func("DATEADD", vec![keyword("second"), num(n), ts]),
            Seconds::Expr(s) => {
                let s = *s;
                // DATEADD takes a 32-bit amount: whole seconds, then the microseconds left.
                let whole = func("FLOOR", vec![s.clone()]);
                let rest = func(
                    "ROUND",
                    vec![bin(
                        bin(s, BinaryOperator::Minus, whole.clone()),
                        BinaryOperator::Multiply,
                        num(1_000_000),
                    )],
                );
                let int = DataType::Integer(None);
                func(
                    "DATEADD",
                    vec![
                        keyword("microsecond"),
                        cast(rest, int.clone()),
                        func("DATEADD", vec![keyword("second"), cast(whole, int), ts]),
                    ],
                )
            }
        }
    }

    fn seconds_between(&self, later: Expr, earlier: Expr) -> Expr {
        bin(
            cast(
                func("DATEDIFF", vec![keyword("microsecond"), earlier, later]),
                self.float_type(),
            ),
            BinaryOperator::Divide,
            num(1_000_000),
        )
    }

    /// `T_ids` as a SUPER array: `JSON_PARSE('[' || LISTAGG(json, ',') … || ']')`. Every
    /// `LISTAGG` of the statement orders by the same value, as Redshift requires; each value
    /// is JSON-escaped by serialising a one-element SUPER array and dropping its brackets.
    fn id_list(&self, value: Expr, cond: Expr) -> Result<Expr, String> {
        let json = func("JSON_SERIALIZE", vec![func("ARRAY", vec![value.clone()])]);
        let element = func(
            "SUBSTRING",
            vec![
                json.clone(),
                num(2),
                bin(func("LEN", vec![json]), BinaryOperator::Minus, num(2)),
            ],
        );
        let listed = Call::new(
            "LISTAGG",
            vec![crate::ast::when(Some(&cond), element), self.string(",")],
        )
        .within_group(vec![crate::ast::order(value, false)])
        .build();
        let array = concat(concat(self.string("["), listed), self.string("]"));
        Ok(func(
            "COALESCE",
            vec![
                func("JSON_PARSE", vec![array]),
                func("JSON_PARSE", vec![self.string("[]")]),
            ],
        ))
    }

    fn create_table_as(&self, name: &ObjectName, q: &Query) -> Vec<Piece> {
        vec![
            Piece::sql(super::drop_table(name)),
            Piece::sql(format!("CREATE TABLE {name} AS\n{q:#}")),
        ]
    }

    fn fail_when(&self, check: &FailCheck) -> Result<Vec<Piece>, String> {
        let body = format!(
            "BEGIN\nIF EXISTS (\n{:#}\n) THEN\nRAISE EXCEPTION {};\nEND IF;\nEND;",
            check.query,
            self.string(check.message)
        );
        procedure(check.procedure, &body)
    }

    fn loop_script(&self, l: &LoopScript) -> Result<Option<Vec<Piece>>, String> {
        let mut body = format!(
            "DECLARE\n  c360_round INTEGER := 0;\n  c360_left BIGINT;\nBEGIN\nLOOP\n  c360_round := c360_round + 1;\n  IF c360_round > {} THEN\n    RAISE EXCEPTION {};\n  END IF;\n",
            l.max_rounds,
            self.string(&l.message())
        );
        for stmt in l.body {
            body.push_str(stmt);
            body.push_str(";\n");
        }
        body.push_str(&format!(
            "SELECT INTO c360_left c360_q.c360_n FROM (\n{:#}\n) AS c360_q;\n",
            l.changed
        ));
        body.push_str("EXIT WHEN c360_left = 0;\nEND LOOP;\nEND;");
        procedure(l.procedure, &body).map(Some)
    }
}

/// Creates, calls and drops a stored procedure running `body`.
fn procedure(name: &ObjectName, body: &str) -> Result<Vec<Piece>, String> {
    if body.contains(DELIMITER) {
        return Err(format!(
            "a stored procedure body cannot contain `{DELIMITER}`, which delimits it"
        ));
    }
    Ok(vec![
        Piece::script(format!(
            "CREATE OR REPLACE PROCEDURE {name}()\nAS {DELIMITER}\n{body}\n{DELIMITER} LANGUAGE plpgsql"
        )),
        Piece::sql(format!("CALL {name}()")),
        Piece::sql(format!("DROP PROCEDURE {name}()")),
    ])
}
