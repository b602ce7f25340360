//! Databricks SQL (Spark): backtick names, `TIMESTAMP_NTZ`, higher-order array functions,
//! SQL scripting for the loop.

use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{ArrayElemTypeDef, DataType, Expr, Value};

use super::{
    backslash_escaped, double_quotes, FailCheck, Form, LoopScript, Ordered, Piece, Quirks, Windows,
};
use crate::ast::{and_all, bin, cast, func, lambda, num, qualified, Call};

/// Databricks.
pub(crate) struct Databricks;

impl Quirks for Databricks {
    fn title(&self) -> &'static str {
        "Databricks"
    }

    fn quirks(&self) -> &dyn Quirks {
        self
    }

    fn quote(&self) -> char {
        '`'
    }

    fn ident(&self, name: &str) -> sqlparser::ast::Ident {
        if self.needs_quotes(name) {
            sqlparser::ast::Ident::with_quote('`', double_quotes(name, '`'))
        } else {
            sqlparser::ast::Ident::new(name)
        }
    }

    fn max_ident_bytes(&self) -> Option<usize> {
        Some(255)
    }

    fn string(&self, text: &str) -> Expr {
        // Spark reads `''` as two adjacent literals, so quotes are escaped with a backslash.
        Expr::Value(Value::SingleQuotedString(backslash_escaped(text, "\\'", false)).into())
    }

    fn string_type(&self) -> DataType {
        DataType::String(None)
    }

    fn timestamp_type(&self) -> DataType {
        DataType::TimestampNtz(None)
    }

    fn list_type(&self, elem: DataType) -> Result<DataType, String> {
        Ok(DataType::Array(ArrayElemTypeDef::AngleBracket(Box::new(
            elem,
        ))))
    }

    fn list(&self, items: Vec<Expr>, elem: &Type) -> Result<Expr, String> {
        Ok(cast(
            func("ARRAY", items),
            self.ty(&Type::List(Box::new(elem.clone())))?,
        ))
    }

    fn node_hash(&self, e: Expr) -> Expr {
        func("XXHASH64", vec![e])
    }

    fn regex_match(&self, s: Expr, re: Expr) -> Expr {
        // `RLIKE` finds the pattern anywhere (Java's `find`).
        Expr::RLike {
            negated: false,
            expr: Box::new(crate::ast::paren(s)),
            pattern: Box::new(crate::ast::paren(re)),
            regexp: false,
        }
    }

    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[
            (Function::StartsWith, Form::Call("STARTSWITH")),
            (Function::EndsWith, Form::Call("ENDSWITH")),
        ]
    }

    fn first_last_n(&self, a: &Ordered, n: u64, w: &mut dyn Windows) -> Result<Expr, String> {
        // Rank the rows, collect (rank, value) of the first n that count, sort by rank.
        let flag = a.flag();
        let mut keys = vec![crate::ast::order(
            crate::ast::case(vec![(flag.clone(), num(0))], Some(num(1))),
            false,
        )];
        keys.extend(a.keys(self));
        let rank = w.rank(keys);
        let keep = and_all(vec![
            bin(rank.clone(), sqlparser::ast::BinaryOperator::LtEq, num(n)),
            flag,
        ])
        .unwrap_or_else(|| crate::ast::boolean(true));
        let pair = func(
            "NAMED_STRUCT",
            vec![self.string("r"), rank, self.string("v"), a.value.clone()],
        );
        let collected = func(
            "COLLECT_LIST",
            vec![crate::ast::case(vec![(keep, pair)], None)],
        );
        let s = self.ident("c360_s");
        Ok(func(
            "TRANSFORM",
            vec![
                func("ARRAY_SORT", vec![collected]),
                lambda(
                    vec![s.clone()],
                    qualified(vec![s, sqlparser::ast::Ident::new("v")]),
                ),
            ],
        ))
    }

    fn distinct_list(&self, value: Expr, cond: Option<Expr>, _ty: &Type) -> Result<Expr, String> {
        let v = crate::ast::when(cond.as_ref(), value);
        Ok(func("ARRAY_SORT", vec![func("COLLECT_SET", vec![v])]))
    }

    fn rename_keeps_schema(&self) -> bool {
        true
    }

    fn fail_when(&self, check: &FailCheck) -> Result<Vec<Piece>, String> {
        let raise = Call::new("RAISE_ERROR", vec![self.string(check.message)]).build();
        let select = crate::ast::Sel::new(
            vec![crate::ast::item(raise, self.ident("c360_failed"))],
            crate::ast::derived(check.query.clone(), self.ident("c360_check")),
        );
        Ok(vec![Piece::sql(format!("{:#}", select.query()))])
    }

    fn loop_script(&self, l: &LoopScript) -> Result<Option<Vec<Piece>>, String> {
        let mut text = format!(
            "BEGIN\nDECLARE c360_round INT DEFAULT 0;\nDECLARE c360_left BIGINT DEFAULT 1;\nWHILE c360_left > 0 DO\n  SET c360_round = c360_round + 1;\n  IF c360_round > {} THEN\n    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {};\n  END IF;\n",
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
        text.push_str("END WHILE;\nEND");
        Ok(Some(vec![Piece::script(text)]))
    }
}
