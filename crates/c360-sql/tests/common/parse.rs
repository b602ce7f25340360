//! Parsing compiled SQL back with sqlparser, in the dialect it was compiled for.

use c360_sql::{Compiled, Dialect, Statement};
use sqlparser::dialect::{
    BigQueryDialect, DatabricksDialect, Dialect as SqlDialect, DuckDbDialect, PostgreSqlDialect,
    RedshiftSqlDialect, SnowflakeDialect,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// sqlparser's dialect for ours.
pub fn sql_dialect(d: Dialect) -> Box<dyn SqlDialect> {
    match d {
        Dialect::DuckDb => Box::new(DuckDbDialect {}),
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Snowflake => Box::new(SnowflakeDialect {}),
        Dialect::BigQuery => Box::new(BigQueryDialect {}),
        Dialect::Redshift => Box::new(RedshiftSqlDialect {}),
        Dialect::Databricks => Box::new(DatabricksDialect {}),
    }
}

/// Every plain SQL statement of `c` (loop bodies and change queries included), with its name.
pub fn plain_statements(c: &Compiled) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &c.statements {
        match s {
            Statement::Sql { name, sql } if !s.is_script() => out.push((name.clone(), sql.clone())),
            Statement::Sql { .. } => {}
            Statement::Loop {
                name,
                body,
                changed,
                ..
            } => {
                for b in body {
                    out.push((name.clone(), b.clone()));
                }
                out.push((name.clone(), changed.clone()));
            }
        }
    }
    out
}

/// Parses `sql` as exactly one statement; the error names the statement.
pub fn parse_one(d: Dialect, name: &str, sql: &str) -> Result<(), String> {
    let dialect = sql_dialect(d);
    match Parser::parse_sql(dialect.as_ref(), sql) {
        Ok(stmts) if stmts.len() == 1 => Ok(()),
        Ok(stmts) => Err(format!(
            "{d} `{name}`: {} statements instead of one in\n{sql}",
            stmts.len()
        )),
        Err(e) => Err(format!("{d} `{name}`: {e}\n{sql}")),
    }
}

/// The string literals and identifiers of `sql` as the dialect's tokenizer reads them.
pub fn literals_and_idents(d: Dialect, sql: &str) -> (Vec<String>, Vec<(String, Option<char>)>) {
    let dialect = sql_dialect(d);
    let tokens = Tokenizer::new(dialect.as_ref(), sql)
        .tokenize()
        .unwrap_or_else(|e| panic!("{d}: cannot tokenize: {e}\n{sql}"));
    let mut strings = Vec::new();
    let mut idents = Vec::new();
    for t in tokens {
        match t {
            Token::SingleQuotedString(s) => strings.push(s),
            Token::Word(w) => idents.push((w.value, w.quote_style)),
            _ => {}
        }
    }
    (strings, idents)
}
