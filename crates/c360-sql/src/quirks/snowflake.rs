//! Snowflake: upper-case folding of unquoted names, `ARRAY` of variants, Snowflake Scripting.

use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{ArrayElemTypeDef, BinaryOperator, DataType, ExactNumberInfo, Expr, Ident};

use super::{
    backslash_escaped, double_quotes, is_simple, FailCheck, Form, LoopScript, Ordered, Piece,
    Quirks, Windows,
};
use crate::ast::{bin, func, num, Call};

/// Snowflake.
pub(crate) struct Snowflake;

/// Snowflake's reserved words: simple names that must still be quoted.
const RESERVED: &[&str] = &[
    "ACCOUNT",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONNECT",
    "CONNECTION",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DATABASE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXISTS",
    "FALSE",
    "FOLLOWING",
    "FOR",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "GSCLUSTER",
    "HAVING",
    "ILIKE",
    "IN",
    "INCREMENT",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISSUE",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MINUS",
    "NATURAL",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "ORGANIZATION",
    "QUALIFY",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SET",
    "SOME",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRIGGER",
    "TRUE",
    "TRY_CAST",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHENEVER",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Scripting blocks are quoted with `$$`, which has no escape.
const DELIMITER: &str = "$$";

impl Quirks for Snowflake {
    fn title(&self) -> &'static str {
        "Snowflake"
    }

    fn quirks(&self) -> &dyn Quirks {
        self
    }

    /// Simple names stay unquoted, so Snowflake folds them to upper case like the tables it
    /// created (`email` finds `EMAIL`); reserved simple names are quoted in that same upper
    /// case; every other name is quoted exactly as written.
    fn ident(&self, name: &str) -> Ident {
        if is_simple(name) {
            let upper = name.to_ascii_uppercase();
            if RESERVED.contains(&upper.as_str()) {
                Ident::with_quote('"', upper)
            } else {
                Ident::new(name)
            }
        } else {
            Ident::with_quote('"', double_quotes(name, '"'))
        }
    }

    fn max_ident_bytes(&self) -> Option<usize> {
        Some(255)
    }

    fn string(&self, text: &str) -> Expr {
        Expr::Value(
            sqlparser::ast::Value::SingleQuotedString(backslash_escaped(text, "''", false)).into(),
        )
    }

    fn float_type(&self) -> DataType {
        DataType::Float(ExactNumberInfo::None)
    }

    fn timestamp_type(&self) -> DataType {
        DataType::TimestampNtz(None)
    }

    fn list_type(&self, _elem: DataType) -> Result<DataType, String> {
        Ok(DataType::Array(ArrayElemTypeDef::None))
    }

    fn list(&self, items: Vec<Expr>, _elem: &Type) -> Result<Expr, String> {
        Ok(func("ARRAY_CONSTRUCT", items))
    }

    fn node_hash(&self, e: Expr) -> Expr {
        func("HASH", vec![e])
    }

    fn bool_aggregates(&self) -> (&'static str, &'static str) {
        ("BOOLAND_AGG", "BOOLOR_AGG")
    }

    fn regex_match(&self, s: Expr, re: Expr) -> Expr {
        // `REGEXP_LIKE` and `RLIKE` match the whole string; the position finds it anywhere.
        bin(
            func("REGEXP_INSTR", vec![s, re]),
            BinaryOperator::Gt,
            num(0),
        )
    }

    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[
            (Function::StartsWith, Form::Call("STARTSWITH")),
            (Function::EndsWith, Form::Call("ENDSWITH")),
            (Function::Has, Form::ValueFirst("ARRAY_CONTAINS")),
        ]
    }

    fn first_last_n(&self, a: &Ordered, n: u64, _w: &mut dyn Windows) -> Result<Expr, String> {
        // `ARRAY_AGG` skips nulls, so filtered-out rows (null) do not take a place.
        let agg = Call::new("ARRAY_AGG", vec![a.when_value()])
            .within_group(a.keys(self))
            .build();
        Ok(func("ARRAY_SLICE", vec![agg, num(0), num(n)]))
    }

    fn distinct_list(&self, value: Expr, cond: Option<Expr>, _ty: &Type) -> Result<Expr, String> {
        let v = crate::ast::when(cond.as_ref(), value);
        Ok(Call::new("ARRAY_AGG", vec![v.clone()])
            .distinct()
            .within_group(vec![crate::ast::order(v, false)])
            .build())
    }

    fn rename_keeps_schema(&self) -> bool {
        // An unqualified new name would move the table to the session's current schema.
        true
    }

    fn fail_when(&self, check: &FailCheck) -> Result<Vec<Piece>, String> {
        let body = format!(
            "DECLARE\n  c360_failed EXCEPTION (-20001, {});\nBEGIN\nIF (EXISTS (\n{:#}\n)) THEN\nRAISE c360_failed;\nEND IF;\nEND;",
            self.string(check.message),
            check.query
        );
        Ok(vec![Piece::script(execute_immediate(&body)?)])
    }

    fn loop_script(&self, l: &LoopScript) -> Result<Option<Vec<Piece>>, String> {
        let mut body = format!(
            "DECLARE\n  c360_round INTEGER DEFAULT 0;\n  c360_left INTEGER DEFAULT 0;\n  c360_no_convergence EXCEPTION (-20002, {});\nBEGIN\nLOOP\n  c360_round := c360_round + 1;\n  IF (c360_round > {}) THEN\n    RAISE c360_no_convergence;\n  END IF;\n",
            self.string(&l.message()),
            l.max_rounds
        );
        for stmt in l.body {
            body.push_str(stmt);
            body.push_str(";\n");
        }
        body.push_str(&format!(
            "SELECT c360_q.c360_n INTO :c360_left FROM (\n{:#}\n) AS c360_q;\n",
            l.changed
        ));
        body.push_str("IF (c360_left = 0) THEN\n  BREAK;\nEND IF;\nEND LOOP;\nEND;");
        Ok(Some(vec![Piece::script(execute_immediate(&body)?)]))
    }
}

/// `EXECUTE IMMEDIATE $$ body $$`, refusing a body that contains `$$`.
fn execute_immediate(body: &str) -> Result<String, String> {
    if body.contains(DELIMITER) {
        return Err(format!(
            "a Snowflake Scripting block cannot contain `{DELIMITER}`, which delimits it"
        ));
    }
    Ok(format!(
        "EXECUTE IMMEDIATE {DELIMITER}\n{body}\n{DELIMITER}"
    ))
}
