//! The named quirks of each dialect: one trait with defaults, one implementation per dialect.
//!
//! Generator code asks the trait ("how does this dialect quote an identifier?", "how does it
//! aggregate an ordered, limited list?") and never tests which dialect it is writing for.
//! Defaults follow the most common behaviour; each dialect overrides what differs. A quirk that
//! returns `Err(reason)` marks a construct the dialect cannot express: the caller turns the
//! reason into an `E0300` diagnostic naming the feature and the dialect.

mod bigquery;
mod databricks;
mod duckdb;
mod postgres;
mod redshift;
mod snowflake;

use c360_project::Dialect;
use c360_sema::model::Function;
use c360_sema::Type;
use sqlparser::ast::{
    BinaryOperator, CharacterLength, DataType, ExactNumberInfo, Expr, Ident, ObjectName,
    OrderByExpr, Query, TimezoneInfo, Value,
};

use crate::ast::{and_all, bin, case, cast, eq, func, is_not_null, num, order, Call};

/// The quirks of `dialect`.
pub(crate) fn quirks(dialect: Dialect) -> &'static dyn Quirks {
    match dialect {
        Dialect::DuckDb => &duckdb::DuckDb,
        Dialect::Postgres => &postgres::Postgres,
        Dialect::Snowflake => &snowflake::Snowflake,
        Dialect::BigQuery => &bigquery::BigQuery,
        Dialect::Redshift => &redshift::Redshift,
        Dialect::Databricks => &databricks::Databricks,
    }
}

/// How a function of the language is written in a dialect (the function table's entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// `NAME(args…)`
    Call(&'static str),
    /// `NAME(s, sub) > 0`: a position function, found when positive.
    Found(&'static str),
    /// `LEFT(s, LENGTH(p)) = p`
    Prefix,
    /// `RIGHT(s, LENGTH(p)) = p`
    Suffix,
    /// `TRIM(s, ' ')`: trims spaces only, where bare `TRIM` trims all whitespace.
    TrimSpaces,
    /// `NAME(CAST(x AS VARIANT), list)`: membership with the value first.
    ValueFirst(&'static str),
    /// `x = ANY(list)`
    AnyEq,
    /// `x IN UNNEST(list)`
    InUnnest,
    /// Not expressible; the text is the reason.
    Unsupported(&'static str),
}

/// The function table every dialect starts from: `(function, form)`.
const FUNCTIONS: &[(Function, Form)] = &[
    (Function::Lower, Form::Call("LOWER")),
    (Function::Upper, Form::Call("UPPER")),
    (Function::Trim, Form::Call("TRIM")),
    (Function::Length, Form::Call("LENGTH")),
    (Function::Contains, Form::Call("CONTAINS")),
    (Function::StartsWith, Form::Call("STARTS_WITH")),
    (Function::EndsWith, Form::Call("ENDS_WITH")),
    (Function::Abs, Form::Call("ABS")),
    (Function::Floor, Form::Call("FLOOR")),
    (Function::Ceil, Form::Call("CEIL")),
    (Function::Size, Form::Call("ARRAY_SIZE")),
    (Function::Has, Form::Call("ARRAY_CONTAINS")),
];

/// A duration added to a timestamp.
pub(crate) enum Seconds {
    /// A whole number of seconds known when compiling (`within 30 days`, `now() - 7 days`).
    Const(i64),
    /// A `float` number of seconds computed by the query.
    Expr(Box<Expr>),
}

/// An aggregate over rows ordered by time: `first`, `last`, `first(e, N)`, `last(e, N)`.
pub(crate) struct Ordered<'a> {
    /// The value aggregated.
    pub(crate) value: Expr,
    /// Its type.
    pub(crate) ty: &'a Type,
    /// The rows' filter (`where` and `within`), if any.
    pub(crate) cond: Option<Expr>,
    /// The row's time, as a timestamp.
    pub(crate) time: Expr,
    /// `last`: latest time first. Ties in time are broken by the value, ascending, either way.
    pub(crate) latest_first: bool,
}

impl Ordered<'_> {
    /// The filter plus `value IS NOT NULL`: the rows that count.
    pub(crate) fn flag(&self) -> Expr {
        flag(self.cond.clone(), &self.value)
    }

    /// `CASE WHEN cond THEN value END` (the value itself without a filter).
    pub(crate) fn when_value(&self) -> Expr {
        crate::ast::when(self.cond.as_ref(), self.value.clone())
    }

    /// The ordering: time (ascending, or descending for `last`), then the value ascending.
    pub(crate) fn keys(&self, q: &dyn Quirks) -> Vec<OrderByExpr> {
        vec![
            order(self.time.clone(), self.latest_first),
            order(q.byte_order(self.value.clone(), self.ty), false),
        ]
    }
}

/// Window columns a scan computes before grouping (for dialects that pick the first row by rank).
pub(crate) trait Windows {
    /// A `ROW_NUMBER()` over the spine row's source rows in `keys` order; returns a reference
    /// to it usable in the grouped select.
    fn rank(&mut self, keys: Vec<OrderByExpr>) -> Expr;
}

/// The stitch loop, as the dialect's scripting renders it.
pub(crate) struct LoopScript<'a> {
    /// The entity being stitched (for the error message).
    pub(crate) entity: &'a str,
    /// The statements of one round, rendered, without a trailing `;`.
    pub(crate) body: &'a [String],
    /// A query returning one integer column `c360_n`: rows left to settle; 0 = converged.
    pub(crate) changed: &'a Query,
    /// Rounds allowed before the run fails.
    pub(crate) max_rounds: u32,
    /// A procedure name for dialects that need one (schema-qualified).
    pub(crate) procedure: &'a ObjectName,
}

impl LoopScript<'_> {
    /// The error raised past the last round.
    pub(crate) fn message(&self) -> String {
        format!(
            "c360: stitching the identity graph of `{}` did not converge within {} rounds",
            self.entity, self.max_rounds
        )
    }
}

/// A check that fails the run: its query returns a row exactly when something is wrong.
pub(crate) struct FailCheck<'a> {
    /// Rows when the check fails.
    pub(crate) query: &'a Query,
    /// The error message.
    pub(crate) message: &'a str,
    /// A procedure name for dialects that need one (schema-qualified).
    pub(crate) procedure: &'a ObjectName,
}

/// One rendered SQL statement, without a trailing `;`.
#[derive(Clone, Debug)]
pub(crate) struct Piece {
    /// The text.
    pub(crate) sql: String,
}

impl Piece {
    /// A plain statement.
    pub(crate) fn sql(sql: String) -> Self {
        Piece { sql }
    }

    /// A procedural script (PL/pgSQL, Snowflake Scripting, …), which sqlparser cannot parse;
    /// [`crate::Statement::is_script`] recognises it by how it begins.
    pub(crate) fn script(sql: String) -> Self {
        Piece { sql }
    }
}

/// True for `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_simple(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True when sqlparser knows `name` as a keyword (in any dialect): such names are quoted.
pub(crate) fn is_keyword(name: &str) -> bool {
    // The list is sorted upper-case; compare without allocating an upper-case copy.
    let upper = name.bytes().map(|b| b.to_ascii_uppercase());
    sqlparser::keywords::ALL_KEYWORDS
        .binary_search_by(|k| k.bytes().cmp(upper.clone()))
        .is_ok()
}

/// `text` with every `quote` doubled: the standard SQL escape inside a quoted identifier or
/// literal. sqlparser prints an already-doubled quote as is, so the text is printed verbatim.
pub(crate) fn double_quotes(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        out.push(c);
        if c == quote {
            out.push(c);
        }
    }
    out
}

/// `text` for a single-quoted literal of a dialect where backslash is an escape character:
/// backslashes doubled, quotes written `quote_escape`, newlines escaped when `escape_newlines`.
pub(crate) fn backslash_escaped(text: &str, quote_escape: &str, escape_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str(quote_escape),
            '\n' if escape_newlines => out.push_str("\\n"),
            '\r' if escape_newlines => out.push_str("\\r"),
            '\t' if escape_newlines => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// The named quirks of a dialect. Every method has the most common behaviour as its default.
pub(crate) trait Quirks: Sync {
    /// The dialect's name in messages, e.g. "PostgreSQL".
    fn title(&self) -> &'static str;

    // ---- identifiers -------------------------------------------------------------------

    /// The character that quotes identifiers.
    fn quote(&self) -> char {
        '"'
    }

    /// True when `name` must be quoted to mean exactly itself.
    fn needs_quotes(&self, name: &str) -> bool {
        !is_simple(name) || name.bytes().any(|b| b.is_ascii_uppercase()) || is_keyword(name)
    }

    /// `name` as an identifier of this dialect (quoted when needed, escaped).
    fn ident(&self, name: &str) -> Ident {
        if self.needs_quotes(name) {
            Ident::with_quote(self.quote(), double_quotes(name, self.quote()))
        } else {
            Ident::new(name)
        }
    }

    /// The longest identifier in bytes, if the dialect truncates or rejects longer ones.
    fn max_ident_bytes(&self) -> Option<usize> {
        None
    }

    /// Why `name` cannot be an identifier of this dialect, if it cannot.
    fn ident_problem(&self, name: &str) -> Option<String> {
        if name.is_empty() {
            return Some("an identifier cannot be empty".to_owned());
        }
        if name.contains('\0') {
            return Some("identifiers cannot contain a NUL character".to_owned());
        }
        match self.max_ident_bytes() {
            Some(max) if name.len() > max => Some(format!(
                "identifiers are limited to {max} bytes and `{name}` has {}",
                name.len()
            )),
            _ => None,
        }
    }

    // ---- literals ----------------------------------------------------------------------

    /// A string literal holding exactly `text`.
    fn string(&self, text: &str) -> Expr {
        Expr::Value(Value::SingleQuotedString(double_quotes(text, '\'')).into())
    }

    /// Why `text` cannot be a string literal of this dialect, if it cannot.
    fn string_problem(&self, text: &str) -> Option<String> {
        text.contains('\0')
            .then(|| "text values cannot contain a NUL character".to_owned())
    }

    /// An exact decimal literal written as in the source (`10.5`).
    fn decimal(&self, text: &str) -> Expr {
        num(text)
    }

    /// A timestamp literal (`YYYY-MM-DD HH:MM:SS[.ffffff]`).
    fn timestamp(&self, text: &str) -> Expr {
        cast(self.string(text), self.timestamp_type())
    }

    /// A date literal (`YYYY-MM-DD`).
    fn date(&self, text: &str) -> Expr {
        cast(self.string(text), DataType::Date)
    }

    // ---- types -------------------------------------------------------------------------

    /// `string`
    fn string_type(&self) -> DataType {
        DataType::Varchar(None)
    }

    /// `int`
    fn int_type(&self) -> DataType {
        DataType::BigInt(None)
    }

    /// `decimal`
    fn decimal_type(&self) -> DataType {
        DataType::Decimal(ExactNumberInfo::PrecisionAndScale(38, 9))
    }

    /// `float` (and durations, in seconds)
    fn float_type(&self) -> DataType {
        DataType::Double(ExactNumberInfo::None)
    }

    /// `bool`
    fn bool_type(&self) -> DataType {
        DataType::Boolean
    }

    /// `timestamp`, without time zone.
    fn timestamp_type(&self) -> DataType {
        DataType::Timestamp(None, TimezoneInfo::None)
    }

    /// `list<T>` given the element's type.
    fn list_type(&self, elem: DataType) -> Result<DataType, String> {
        Ok(DataType::Array(
            sqlparser::ast::ArrayElemTypeDef::SquareBracket(Box::new(elem), None),
        ))
    }

    /// The SQL type of a c360 type.
    fn ty(&self, t: &Type) -> Result<DataType, String> {
        Ok(match t {
            Type::String => self.string_type(),
            Type::Int => self.int_type(),
            Type::Decimal => self.decimal_type(),
            Type::Float | Type::Duration => self.float_type(),
            Type::Bool => self.bool_type(),
            Type::Timestamp => self.timestamp_type(),
            Type::Date => DataType::Date,
            Type::List(e) => self.list_type(self.ty(e)?)?,
            // Only a bare `null` has no type of its own; any type will hold it.
            Type::Null | Type::Error => self.string_type(),
        })
    }

    /// The type of node keys (64-bit hashes).
    fn node_key_type(&self) -> DataType {
        DataType::BigInt(None)
    }

    // ---- lists -------------------------------------------------------------------------

    /// A list literal of `elem`-typed values.
    fn list(&self, items: Vec<Expr>, elem: &Type) -> Result<Expr, String> {
        let array = Expr::Array(sqlparser::ast::Array {
            elem: items,
            named: true,
        });
        Ok(cast(array, self.ty(&Type::List(Box::new(elem.clone())))?))
    }

    // ---- strings -----------------------------------------------------------------------

    /// `e` compared and sorted by byte order (UTF-8), when the dialect's default differs.
    fn byte_order(&self, e: Expr, _ty: &Type) -> Expr {
        e
    }

    /// `s ~ re`: true when the regex matches anywhere in `s`.
    fn regex_match(&self, s: Expr, re: Expr) -> Expr {
        func("REGEXP_CONTAINS", vec![s, re])
    }

    /// `regexp_replace(s, re, repl)`, replacing every match.
    fn regex_replace(&self, s: Expr, re: Expr, repl: Expr) -> Expr {
        func("REGEXP_REPLACE", vec![s, re, repl])
    }

    /// The lowercase hex MD5 of a string.
    fn md5_hex(&self, e: Expr) -> Expr {
        func("MD5", vec![e])
    }

    /// A 64-bit hash of a string: the key of an identity-graph node.
    fn node_hash(&self, e: Expr) -> Expr;

    /// How `f` is written; consults [`Quirks::function_overrides`], then the shared table.
    fn function(&self, f: Function) -> Form {
        self.function_overrides()
            .iter()
            .chain(FUNCTIONS)
            .find(|(g, _)| *g == f)
            .map(|(_, form)| *form)
            .unwrap_or(Form::Unsupported("the function has no SQL form"))
    }

    /// Entries of the function table that differ from the shared one.
    fn function_overrides(&self) -> &'static [(Function, Form)] {
        &[]
    }

    /// True when `LEAST`/`GREATEST` already ignore nulls (otherwise they are rewritten).
    fn least_greatest_ignore_nulls(&self) -> bool {
        false
    }

    // ---- numbers -----------------------------------------------------------------------

    /// `a % b` on ints.
    fn modulo(&self, a: Expr, b: Expr) -> Expr {
        bin(a, BinaryOperator::Modulo, b)
    }

    /// `round(x[, digits])` keeping `x`'s type.
    fn round(&self, x: Expr, digits: Option<Expr>, _ty: &Type) -> Expr {
        let mut args = vec![x];
        args.extend(digits);
        func("ROUND", args)
    }

    // ---- time --------------------------------------------------------------------------

    /// `ts + seconds`.
    fn add_seconds(&self, ts: Expr, secs: Seconds) -> Expr {
        match secs {
            Seconds::Const(n) => func(
                "TIMESTAMPADD",
                vec![crate::ast::keyword("SECOND"), num(n), ts],
            ),
            Seconds::Expr(s) => func(
                "TIMESTAMPADD",
                vec![crate::ast::keyword("MICROSECOND"), self.micros(*s), ts],
            ),
        }
    }

    /// A float number of seconds as a whole number of microseconds.
    fn micros(&self, secs: Expr) -> Expr {
        cast(
            func(
                "ROUND",
                vec![bin(secs, BinaryOperator::Multiply, num(1_000_000))],
            ),
            self.int_type(),
        )
    }

    /// `later - earlier` in seconds, as a float.
    fn seconds_between(&self, later: Expr, earlier: Expr) -> Expr {
        bin(
            cast(
                func(
                    "TIMESTAMPDIFF",
                    vec![crate::ast::keyword("MICROSECOND"), earlier, later],
                ),
                self.float_type(),
            ),
            BinaryOperator::Divide,
            num(1_000_000),
        )
    }

    // ---- aggregates --------------------------------------------------------------------

    /// `min(e)` / `max(e)` with byte-order strings; on booleans (false < true) "all true" and
    /// "any true", which every dialect has, where `MIN`/`MAX` of a boolean is not portable.
    fn min_max(&self, max: bool, e: Expr, ty: &Type) -> Expr {
        match ty {
            Type::Bool => {
                let (all, any) = self.bool_aggregates();
                func(if max { any } else { all }, vec![e])
            }
            _ => func(
                if max { "MAX" } else { "MIN" },
                vec![self.byte_order(e, ty)],
            ),
        }
    }

    /// The names of the "all true" and "any true" aggregates.
    fn bool_aggregates(&self) -> (&'static str, &'static str) {
        ("BOOL_AND", "BOOL_OR")
    }

    /// `first(e)` / `last(e)`. The default ranks the rows with a window function and keeps the
    /// value of rank 1, which every dialect can express.
    fn first_last(&self, a: &Ordered, w: &mut dyn Windows) -> Result<Expr, String> {
        let flag = a.flag();
        let mut keys = vec![order(
            case(vec![(flag.clone(), num(0))], Some(num(1))),
            false,
        )];
        keys.extend(a.keys(self.quirks()));
        let rank = w.rank(keys);
        let picked =
            and_all(vec![eq(rank, num(1)), flag]).unwrap_or_else(|| crate::ast::boolean(true));
        Ok(self.min_max(true, case(vec![(picked, a.value.clone())], None), a.ty))
    }

    /// `first(e, N)` / `last(e, N)`: a list of up to `n` values in order.
    fn first_last_n(&self, _a: &Ordered, _n: u64, _w: &mut dyn Windows) -> Result<Expr, String> {
        Err("it has no ordered array aggregate".to_owned())
    }

    /// An empty list of `elem` values.
    fn empty_list(&self, elem: &Type) -> Result<Expr, String> {
        self.list(Vec::new(), elem)
    }

    /// `distinct(e)`: the distinct non-null values, ascending.
    fn distinct_list(&self, _value: Expr, _cond: Option<Expr>, _ty: &Type) -> Result<Expr, String> {
        Err("it has no array aggregate".to_owned())
    }

    /// The `T_ids` column of a 360 table: the distinct values of one id type, ascending.
    fn id_list(&self, value: Expr, cond: Expr) -> Result<Expr, String> {
        let list = self.distinct_list(value, Some(cond), &Type::String)?;
        Ok(func(
            "COALESCE",
            vec![list, self.empty_list(&Type::String)?],
        ))
    }

    /// This object as the trait (for defaults that pass `self` on).
    fn quirks(&self) -> &dyn Quirks;

    // ---- statements --------------------------------------------------------------------

    /// Statements that (re)create table `name` from query `q`.
    fn create_table_as(&self, name: &ObjectName, q: &Query) -> Vec<Piece> {
        vec![Piece::sql(format!(
            "CREATE OR REPLACE TABLE {name} AS\n{q:#}"
        ))]
    }

    /// True when `ALTER TABLE … RENAME TO` takes a schema-qualified new name.
    fn rename_keeps_schema(&self) -> bool {
        false
    }

    /// Statements that fail the run with the check's message when its query returns a row.
    fn fail_when(&self, check: &FailCheck) -> Result<Vec<Piece>, String> {
        let raise = func("ERROR", vec![self.string(check.message)]);
        let select = crate::ast::Sel::new(
            vec![crate::ast::item(raise, self.ident("c360_failed"))],
            crate::ast::derived(check.query.clone(), self.ident("c360_check")),
        );
        Ok(vec![Piece::sql(format!("{:#}", select.query()))])
    }

    /// The loop as one script of the dialect, or `None` when the engine drives it (the file
    /// then holds the body and the change query, with a header saying how it is driven).
    fn loop_script(&self, l: &LoopScript) -> Result<Option<Vec<Piece>>, String>;
}

/// `least`/`greatest` ignoring nulls where the dialect's own do not:
/// `LEAST(COALESCE(a, b, c), COALESCE(b, a, c), COALESCE(c, a, b))`; each term is its own
/// argument or, when that is null, another one, so nulls never win and all-null stays null.
pub(crate) fn null_ignoring(name: &'static str, args: Vec<Expr>) -> Expr {
    if args.len() < 2 {
        return args.into_iter().next().unwrap_or_else(crate::ast::null);
    }
    let terms = (0..args.len())
        .map(|i| {
            let mut ordered = vec![args[i].clone()];
            ordered.extend(
                args.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, a)| a.clone()),
            );
            func("COALESCE", ordered)
        })
        .collect();
    func(name, terms)
}

/// `cond AND value IS NOT NULL`: the rows an aggregate of `value` counts.
pub(crate) fn flag(cond: Option<Expr>, value: &Expr) -> Expr {
    let mut terms: Vec<Expr> = cond.into_iter().collect();
    terms.push(is_not_null(value.clone()));
    and_all(terms).unwrap_or_else(|| crate::ast::boolean(true))
}

/// `DROP TABLE IF EXISTS name`
pub(crate) fn drop_table(name: &ObjectName) -> String {
    sqlparser::ast::Statement::Drop {
        object_type: sqlparser::ast::ObjectType::Table,
        if_exists: true,
        names: vec![name.clone()],
        cascade: false,
        restrict: false,
        purge: false,
        temporary: false,
        table: None,
    }
    .to_string()
}

/// `VARCHAR(MAX)`-style helper for dialects whose bare `VARCHAR` is short.
pub(crate) fn varchar_max() -> DataType {
    DataType::Varchar(Some(CharacterLength::Max))
}

/// A `ROW_NUMBER() OVER (PARTITION BY part ORDER BY keys)` expression.
pub(crate) fn row_number(part: Expr, keys: Vec<OrderByExpr>) -> Expr {
    Call::new("ROW_NUMBER", Vec::new())
        .over(vec![part], keys)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{col_for_tests as col, num};

    fn all() -> Vec<&'static dyn Quirks> {
        Dialect::all().iter().map(|&d| quirks(d)).collect()
    }

    fn render(e: &Expr) -> String {
        e.to_string()
    }

    #[test]
    fn quotes_are_doubled_and_print_verbatim() {
        assert_eq!(double_quotes(r#"a"b""c"#, '"'), r#"a""b""""c"#);
        // sqlparser prints an identifier whose quotes are already doubled as is.
        let q = quirks(Dialect::Postgres);
        assert_eq!(q.ident(r#"we"ird"#).to_string(), r#""we""ird""#);
        assert_eq!(q.ident(r#"a\"b"#).to_string(), r#""a\""b""#);
        assert_eq!(q.ident("email").to_string(), "email");
        assert_eq!(q.ident("Email").to_string(), r#""Email""#);
        assert_eq!(q.ident("select").to_string(), r#""select""#);
    }

    #[test]
    fn string_literals_escape_per_dialect() {
        let text = "it's a \\ and ''\nline";
        let expect = [
            (Dialect::DuckDb, "'it''s a \\ and ''''\nline'"),
            (Dialect::Postgres, "'it''s a \\ and ''''\nline'"),
            (Dialect::Snowflake, "'it''s a \\\\ and ''''\nline'"),
            (Dialect::BigQuery, "'it\\'s a \\\\ and \\'\\'\\nline'"),
            (Dialect::Redshift, "'it''s a \\\\ and ''''\nline'"),
            (Dialect::Databricks, "'it\\'s a \\\\ and \\'\\'\nline'"),
        ];
        for (d, want) in expect {
            assert_eq!(render(&quirks(d).string(text)), want, "{d}");
        }
        // A backslash right before a quote must not escape the closing quote.
        assert_eq!(render(&quirks(Dialect::Postgres).string("\\'")), "'\\'''");
        assert_eq!(
            render(&quirks(Dialect::BigQuery).string("\\'")),
            "'\\\\\\''"
        );
    }

    #[test]
    fn snowflake_folds_simple_names_and_quotes_the_rest_exactly() {
        let q = quirks(Dialect::Snowflake);
        assert_eq!(q.ident("email").to_string(), "email");
        assert_eq!(q.ident("Email").to_string(), "Email");
        assert_eq!(q.ident("order").to_string(), r#""ORDER""#);
        assert_eq!(q.ident("first name").to_string(), r#""first name""#);
        assert_eq!(q.ident("Se\"lect").to_string(), r#""Se""lect""#);
    }

    #[test]
    fn backtick_dialects() {
        assert_eq!(
            quirks(Dialect::Databricks).ident("a`b").to_string(),
            "`a``b`"
        );
        assert_eq!(
            quirks(Dialect::BigQuery).ident("first name").to_string(),
            "`first name`"
        );
        assert!(quirks(Dialect::BigQuery).ident_problem("a`b").is_some());
        assert!(quirks(Dialect::BigQuery).ident_problem("a\\b").is_some());
        assert!(quirks(Dialect::Databricks).ident_problem("a`b").is_none());
    }

    #[test]
    fn identifier_limits() {
        let long = "x".repeat(64);
        assert!(quirks(Dialect::Postgres).ident_problem(&long).is_some());
        assert!(quirks(Dialect::Postgres)
            .ident_problem(&long[..63])
            .is_none());
        assert!(quirks(Dialect::DuckDb).ident_problem(&long).is_none());
        for q in all() {
            assert!(q.ident_problem("a\0b").is_some());
            assert!(q.ident_problem("").is_some());
            assert!(q.string_problem("a\0b").is_some());
        }
    }

    #[test]
    fn regex_match_finds_anywhere() {
        let forms: Vec<String> = all()
            .iter()
            .map(|q| render(&q.regex_match(col("s"), q.string("a+"))))
            .collect();
        assert_eq!(
            forms,
            [
                "REGEXP_MATCHES(s, 'a+')",
                "s ~ 'a+'",
                "REGEXP_INSTR(s, 'a+') > 0",
                "REGEXP_CONTAINS(s, 'a+')",
                "s ~ 'a+'",
                "s RLIKE 'a+'",
            ]
        );
    }

    #[test]
    fn regex_replace_replaces_every_match() {
        for q in all() {
            let r = render(&q.regex_replace(col("s"), q.string("a"), q.string("b")));
            let global = r.contains("'g'");
            let needs_flag = matches!(q.title(), "DuckDB" | "PostgreSQL");
            assert_eq!(global, needs_flag, "{}: {r}", q.title());
        }
    }

    #[test]
    fn node_keys_are_64_bit_hashes() {
        let forms: Vec<String> = all()
            .iter()
            .map(|q| render(&q.node_hash(col("s"))))
            .collect();
        assert_eq!(
            forms,
            [
                "HASH(s)",
                "CAST(CAST('x' || SUBSTR(MD5(s), 1, 16) AS BIT(64)) AS BIGINT)",
                "HASH(s)",
                "FARM_FINGERPRINT(s)",
                "FNV_HASH(s)",
                "XXHASH64(s)",
            ]
        );
    }

    #[test]
    fn md5_is_lowercase_hex_everywhere() {
        let forms: Vec<String> = all().iter().map(|q| render(&q.md5_hex(col("s")))).collect();
        assert_eq!(forms[3], "TO_HEX(MD5(s))");
        assert!(
            forms
                .iter()
                .enumerate()
                .all(|(i, f)| i == 3 || f == "MD5(s)"),
            "{forms:?}"
        );
    }

    #[test]
    fn least_and_greatest_ignore_nulls() {
        let rewritten = render(&null_ignoring("LEAST", vec![col("a"), col("b"), col("c")]));
        assert_eq!(
            rewritten,
            "LEAST(COALESCE(a, b, c), COALESCE(b, a, c), COALESCE(c, a, b))"
        );
        let native: Vec<bool> = all()
            .iter()
            .map(|q| q.least_greatest_ignore_nulls())
            .collect();
        assert_eq!(native, [true, true, false, false, false, false]);
    }

    #[test]
    fn timestamp_arithmetic_is_exact_to_the_microsecond() {
        let add: Vec<String> = all()
            .iter()
            .map(|q| render(&q.add_seconds(col("t"), Seconds::Const(-60))))
            .collect();
        assert_eq!(
            add,
            [
                "t - INTERVAL 60 SECOND",
                "t + INTERVAL '-60 seconds'",
                "TIMESTAMPADD(SECOND, -60, t)",
                "DATETIME_ADD(t, INTERVAL -60 SECOND)",
                "DATEADD(second, -60, t)",
                "TIMESTAMPADD(SECOND, -60, t)",
            ]
        );
        let diff = render(&quirks(Dialect::BigQuery).seconds_between(col("a"), col("b")));
        assert_eq!(
            diff,
            "CAST(DATETIME_DIFF(a, b, MICROSECOND) AS FLOAT64) / 1000000"
        );
        let micros = render(&quirks(Dialect::DuckDb).micros(num("1.5")));
        assert_eq!(micros, "CAST(ROUND(1.5 * 1000000) AS BIGINT)");
    }

    #[test]
    fn byte_order_collates_strings_only_where_needed() {
        let pg = quirks(Dialect::Postgres);
        assert_eq!(
            render(&pg.byte_order(col("s"), &Type::String)),
            "s COLLATE \"C\""
        );
        assert_eq!(render(&pg.byte_order(col("n"), &Type::Int)), "n");
        assert_eq!(
            render(&quirks(Dialect::DuckDb).byte_order(col("s"), &Type::String)),
            "s"
        );
    }

    #[test]
    fn types_per_dialect() {
        let ts: Vec<String> = all()
            .iter()
            .map(|q| q.timestamp_type().to_string())
            .collect();
        assert_eq!(
            ts,
            [
                "TIMESTAMP",
                "TIMESTAMP",
                "TIMESTAMP_NTZ",
                "DATETIME",
                "TIMESTAMP",
                "TIMESTAMP_NTZ"
            ]
        );
        let dec: Vec<String> = all().iter().map(|q| q.decimal_type().to_string()).collect();
        assert_eq!(dec[3], "NUMERIC");
        assert!(
            dec.iter()
                .enumerate()
                .all(|(i, d)| i == 3 || d == "DECIMAL(38,9)"),
            "{dec:?}"
        );
        let list = Type::List(Box::new(Type::String));
        let lists: Vec<String> = all()
            .iter()
            .map(|q| {
                q.ty(&list)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|e| format!("error: {e}"))
            })
            .collect();
        assert_eq!(lists[0], "VARCHAR[]");
        assert_eq!(lists[1], "TEXT[]");
        assert_eq!(lists[2], "ARRAY");
        assert_eq!(lists[3], "ARRAY<STRING>");
        assert!(lists[4].starts_with("error:"));
        assert_eq!(lists[5], "ARRAY<STRING>");
    }

    #[test]
    fn the_function_table_has_an_entry_for_every_table_function() {
        for q in all() {
            for (f, _) in FUNCTIONS {
                assert_ne!(
                    q.function(*f),
                    Form::Unsupported("the function has no SQL form")
                );
            }
        }
        assert_eq!(
            quirks(Dialect::BigQuery).function(Function::Trim),
            Form::TrimSpaces
        );
        assert_eq!(
            quirks(Dialect::Postgres).function(Function::Has),
            Form::AnyEq
        );
    }
}
