//! Local tables: the CSV and Parquet files a target's `tables` maps warehouse relations to,
//! loaded with the columns and types the sources and training sets declare. What is shared
//! by every engine is here, with DuckDB's loader; PostgreSQL's is in `pg.rs`.
//!
//! Every relation is (re)created from its file in one transaction, so a bad file leaves the
//! database as it was. A value that does not fit its declared type fails the load with the
//! file, line, column, value and the declaration that wants it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use c360_project::{LocalTable, TableFormat, Target, CONFIG_FILE};
use c360_sema::{Model, Type};
use duckdb::Connection;
use serde::Serialize;

use crate::db::Database;
use crate::error::{duckdb_message, EngineError, ErrorKind};
use crate::sql::{ident, literal, relation};
use crate::Progress;

/// Temporary tables DuckDB writes a CSV file's rejected rows to.
const REJECTS: &str = "c360_load_rejects";
const REJECT_SCANS: &str = "c360_load_scans";

/// What loading the local tables did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LoadReport {
    /// Each loaded table, in `c360.toml` order.
    pub tables: Vec<LoadedTable>,
    /// Relations in the target's `tables` that no source or training set reads; not loaded.
    pub unused: Vec<String>,
}

/// One loaded table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadedTable {
    /// The warehouse relation, as written in `c360.toml`.
    pub table: String,
    /// The file, as written in `c360.toml`.
    pub file: String,
    /// Rows loaded.
    pub rows: u64,
    /// How long it took.
    #[serde(serialize_with = "crate::summary::millis", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

/// A column some declaration expects a relation to have.
pub(crate) struct Column {
    /// The physical name.
    pub(crate) physical: String,
    /// The declared type.
    pub(crate) ty: Type,
    /// Who declares it, e.g. "source `orders`", and under which logical name.
    pub(crate) declared_by: String,
    pub(crate) logical: String,
}

/// A warehouse relation read by the project, with every column its readers declare.
pub(crate) struct Relation {
    pub(crate) parts: Vec<String>,
    /// The first reader, e.g. "source `orders`".
    reader: String,
    pub(crate) columns: Vec<Column>,
}

impl Relation {
    fn name(&self) -> String {
        self.parts.join(".")
    }
}

/// The relations the project reads, keyed by their lowercased dotted name (DuckDB resolves
/// names case-insensitively); two declarations of one column must agree on its type.
fn relations(model: &Model) -> Result<BTreeMap<String, Relation>, EngineError> {
    let mut out: BTreeMap<String, Relation> = BTreeMap::new();
    let readers = model
        .sources
        .values()
        .map(|s| (format!("source `{}`", s.name), &s.table, &s.columns))
        .chain(model.training_sets.iter().map(|t| {
            (
                format!("the labels of training set `{}`", t.name),
                &t.labels_table,
                &t.labels_columns,
            )
        }));
    for (reader, parts, columns) in readers {
        let key = parts.join(".").to_lowercase();
        let rel = out.entry(key).or_insert_with(|| Relation {
            parts: parts.clone(),
            reader: reader.clone(),
            columns: Vec::new(),
        });
        for c in columns {
            let known = rel
                .columns
                .iter()
                .find(|k| k.physical.eq_ignore_ascii_case(&c.physical));
            match known {
                Some(k) if k.ty != c.ty => {
                    return Err(EngineError::new(
                        ErrorKind::Data,
                        format!(
                            "column `{}` of `{}` is declared `{}` by {} and `{}` by {}",
                            c.physical,
                            rel.name(),
                            k.ty,
                            k.declared_by,
                            c.ty,
                            reader
                        ),
                    )
                    .with_help("declare the column with one type wherever it is read"));
                }
                Some(_) => {}
                None => rel.columns.push(Column {
                    physical: c.physical.clone(),
                    ty: c.ty.clone(),
                    declared_by: reader.clone(),
                    logical: c.name.clone(),
                }),
            }
        }
    }
    Ok(out)
}

/// The DuckDB type a column of c360 type `t` is loaded as (`docs/dialects/duckdb.md`).
fn duckdb_type(t: &Type) -> &'static str {
    match t {
        Type::Int => "BIGINT",
        Type::Float | Type::Duration => "DOUBLE",
        Type::Decimal => "DECIMAL(38,9)",
        Type::Bool => "BOOLEAN",
        Type::Timestamp => "TIMESTAMP",
        Type::Date => "DATE",
        // Columns are declared with scalar types only; text is the lossless fallback.
        Type::String | Type::List(_) | Type::Null | Type::Error => "VARCHAR",
    }
}

/// How a value of type `t` is written, for hints.
pub(crate) fn type_hint(t: &Type) -> &'static str {
    match t {
        Type::Int => "an `int` is written as digits with an optional sign, like `42` or `-7`",
        Type::Float | Type::Duration => "a `float` is written like `3.5`, `-0.25` or `1e-3`",
        Type::Decimal => {
            "a `decimal` is written like `10.5` or `-3`: a `.` for the decimal point and no thousands separators"
        }
        Type::Bool => "a `bool` is written `true` or `false`",
        Type::Timestamp => {
            "a `timestamp` is written `YYYY-MM-DD HH:MM:SS` (optionally with fractional seconds), without a time zone"
        }
        Type::Date => "a `date` is written `YYYY-MM-DD`",
        Type::String | Type::List(_) | Type::Null | Type::Error => "any text is a `string`",
    }
}

/// `c360.toml:LINE` for a span of the project file, for messages.
pub(crate) fn config_location(project_dir: &Path, table: &LocalTable) -> String {
    let path = project_dir.join(CONFIG_FILE);
    let line = std::fs::read_to_string(&path)
        .ok()
        .map(|text| {
            let end = (table.span.start as usize).min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        })
        .unwrap_or(1);
    format!("{}:{line}", path.display())
}

/// Loads every local table of `target` and checks that every other relation the project
/// reads exists; all in one transaction.
pub(crate) fn load_tables(
    db: &mut dyn Database,
    model: &Model,
    target: &Target,
    project_dir: &Path,
    progress: &mut dyn Progress,
) -> Result<LoadReport, EngineError> {
    let relations = relations(model)?;
    let mut report = LoadReport::default();
    let mut jobs: Vec<(&LocalTable, &Relation)> = Vec::new();
    for table in &target.tables {
        match relations.get(&table.table.to_lowercase()) {
            Some(rel) => jobs.push((table, rel)),
            None => report.unused.push(table.table.clone()),
        }
    }
    for (table, _) in &jobs {
        check_file(table, target, project_dir)?;
        if table.table.split('.').count() > 2 {
            return Err(EngineError::new(
                ErrorKind::Usage,
                format!(
                    "the local table `{}` names a database (`{}`), but local tables are created in the target's own database",
                    table.table,
                    table.table.split('.').next().unwrap_or_default()
                ),
            )
            .at(config_location(project_dir, table))
            .with_help("read it from a relation named `schema.table` or `table` in the source"));
        }
    }
    let local: Vec<String> = jobs.iter().map(|(t, _)| t.table.to_lowercase()).collect();
    for (key, rel) in &relations {
        if !local.contains(key) && !db.exists(&rel.parts)? {
            return Err(EngineError::new(
                ErrorKind::Data,
                format!(
                    "{} reads `{}`, which is neither in the database `{}` nor a local table of target `{}`",
                    rel.reader,
                    rel.name(),
                    db.database(),
                    target.name
                ),
            )
            .with_help(format!(
                "map it to a file under `[targets.{}.tables]` in c360.toml, e.g. `\"{}\" = \"data/{}.csv\"`, or create the table in the database",
                target.name,
                rel.name(),
                rel.parts.last().map(String::as_str).unwrap_or("table")
            )));
        }
    }

    db.execute("BEGIN TRANSACTION")
        .map_err(|e| EngineError::new(ErrorKind::Io, e.message))?;
    let loaded = jobs.iter().try_for_each(|(table, rel)| {
        let step = format!("load {}", table.table);
        progress.start(&step);
        let started = Instant::now();
        let rows = db
            .load(table, rel, project_dir)
            .inspect_err(|_| progress.fail(&step))?;
        let elapsed = started.elapsed();
        progress.finish(&step, elapsed);
        report.tables.push(LoadedTable {
            table: table.table.clone(),
            file: table.path.clone(),
            rows,
            elapsed,
        });
        Ok(())
    });
    let committed = loaded.and_then(|()| {
        db.execute("COMMIT")
            .map_err(|e| EngineError::new(ErrorKind::Io, e.message))
    });
    match committed {
        Ok(()) => Ok(report),
        Err(e) => {
            // The error that stopped the load is the one to report; a failed rollback only
            // means the database already aborted the transaction.
            let _ = db.execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Fails when the file of `table` is missing or not a file.
fn check_file(table: &LocalTable, target: &Target, project_dir: &Path) -> Result<(), EngineError> {
    let path = table.resolved_path(project_dir);
    if path.is_file() {
        return Ok(());
    }
    let what = if path.exists() {
        "is not a file"
    } else {
        "does not exist"
    };
    Err(EngineError::new(
        ErrorKind::Io,
        format!(
            "the file `{}` for the local table `{}` of target `{}` {what}",
            path.display(),
            table.table,
            target.name
        ),
    )
    .at(config_location(project_dir, table))
    .with_help(format!(
        "create the file, or fix `\"{}\" = \"{}\"` in c360.toml (paths are relative to the directory holding c360.toml)",
        table.table, table.path
    )))
}

/// True when the relation exists in the DuckDB database as a table or view.
pub(crate) fn duckdb_exists(conn: &Connection, parts: &[String]) -> Result<bool, EngineError> {
    let (catalog, schema, name) = match parts {
        [name] => (None, "main", name.as_str()),
        [schema, name] => (None, schema.as_str(), name.as_str()),
        [catalog, schema, name, ..] => (Some(catalog.as_str()), schema.as_str(), name.as_str()),
        [] => return Ok(false),
    };
    let sql = format!(
        "SELECT COUNT(*) FROM information_schema.tables WHERE lower(table_schema) = lower({}) \
         AND lower(table_name) = lower({}){}",
        literal(schema),
        literal(name),
        match catalog {
            Some(c) => format!(" AND lower(table_catalog) = lower({})", literal(c)),
            None => " AND table_catalog = current_database()".to_owned(),
        }
    );
    let n: i64 = conn
        .query_row(&sql, [], |r| r.get(0))
        .map_err(|e| EngineError::new(ErrorKind::Io, duckdb_message(&e)))?;
    Ok(n > 0)
}

fn exec(conn: &Connection, sql: &str) -> Result<(), EngineError> {
    conn.execute_batch(sql)
        .map_err(|e| EngineError::new(ErrorKind::Io, duckdb_message(&e)))
}

/// Creates the relation of `table` from its file in DuckDB; returns the number of rows.
pub(crate) fn duckdb_load(
    conn: &Connection,
    table: &LocalTable,
    rel: &Relation,
    project_dir: &Path,
) -> Result<u64, EngineError> {
    let path = table.resolved_path(project_dir);
    if rel.parts.len() == 2 {
        exec(
            conn,
            &format!("CREATE SCHEMA IF NOT EXISTS {}", ident(&rel.parts[0])),
        )?;
    }
    let file = File {
        shown: path.display().to_string(),
        sql: literal(&path.to_string_lossy()),
    };
    match table.format {
        TableFormat::Csv => load_csv(conn, &file, rel)?,
        TableFormat::Parquet => load_parquet(conn, &file, rel)?,
    }
    let rows: i64 = conn
        .query_row(
            &format!("SELECT COUNT(*) FROM {}", relation(&rel.parts)),
            [],
            |r| r.get(0),
        )
        .map_err(|e| EngineError::new(ErrorKind::Io, duckdb_message(&e)))?;
    Ok(rows.max(0) as u64)
}

/// A data file: its path for messages and as a SQL literal.
pub(crate) struct File {
    pub(crate) shown: String,
    pub(crate) sql: String,
}

/// Where each declared column is in a file's header; fails on a missing or repeated column.
pub(crate) fn locate(
    header: &[Option<String>],
    rel: &Relation,
    file: &File,
) -> Result<Vec<Option<usize>>, EngineError> {
    let names: Vec<&str> = header
        .iter()
        .map(|h| h.as_deref().unwrap_or("").trim())
        .collect();
    let mut at: Vec<Option<usize>> = vec![None; header.len()];
    for (ci, c) in rel.columns.iter().enumerate() {
        // An exact match wins; otherwise a unique match ignoring case, as DuckDB resolves names.
        let exact: Vec<usize> = (0..names.len())
            .filter(|&i| names[i] == c.physical)
            .collect();
        let found = if exact.is_empty() {
            (0..names.len())
                .filter(|&i| names[i].eq_ignore_ascii_case(&c.physical))
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [i] => at[*i] = Some(ci),
            [] => {
                let shown: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                return Err(EngineError::new(
                    ErrorKind::Data,
                    format!(
                        "`{}` has no column `{}`, which {} declares{}",
                        file.shown,
                        c.physical,
                        c.declared_by,
                        if c.logical == c.physical {
                            format!(" as `{}: {}`", c.logical, c.ty)
                        } else {
                            format!(" for `{}: {}`", c.logical, c.ty)
                        }
                    ),
                )
                .at(format!("{}:1", file.shown))
                .with_help(format!(
                    "the file's columns are {}; add the column, or name the file's column with `@column(\"…\")`",
                    shown.join(", ")
                )));
            }
            _ => {
                return Err(EngineError::new(
                    ErrorKind::Data,
                    format!(
                        "`{}` has {} columns named `{}`, which {} reads",
                        file.shown,
                        found.len(),
                        c.physical,
                        c.declared_by
                    ),
                )
                .at(format!("{}:1", file.shown))
                .with_help("give each column of the file a distinct name"));
            }
        }
    }
    Ok(at)
}

/// The CSV dialect c360 reads: comma-separated, `"` quotes doubled inside quoted values; an
/// empty unquoted field is null and `""` the empty string (DuckDB reads both as null by default).
const CSV_OPTIONS: &str = "delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false";

fn load_csv(conn: &Connection, file: &File, rel: &Relation) -> Result<(), EngineError> {
    let unreadable = |e: duckdb::Error| {
        EngineError::new(
            ErrorKind::Io,
            format!("cannot read `{}`: {}", file.shown, duckdb_message(&e)),
        )
        .with_help("c360 reads comma-separated files (optionally gzip-compressed, `.csv.gz`) whose first line names the columns")
    };
    let header: Vec<Option<String>> = {
        let sql = format!(
            "SELECT * FROM read_csv({}, header = false, all_varchar = true, skip = 0, {CSV_OPTIONS}) LIMIT 1",
            file.sql
        );
        let mut stmt = conn.prepare(&sql).map_err(unreadable)?;
        let mut rows = stmt.query([]).map_err(unreadable)?;
        match rows.next().map_err(unreadable)? {
            Some(row) => {
                let n = row.as_ref().column_count();
                (0..n)
                    .map(|i| row.get::<_, Option<String>>(i))
                    .collect::<Result<_, _>>()
                    .map_err(unreadable)?
            }
            None => Vec::new(),
        }
    };
    if header.is_empty() {
        return Err(
            EngineError::new(ErrorKind::Data, format!("`{}` is empty", file.shown))
                .with_help("a CSV file starts with a header line naming its columns"),
        );
    }
    let at = locate(&header, rel, file)?;
    // Every column of the file is listed (by position); the undeclared ones are read as text
    // under names of their own and not kept.
    let columns: Vec<String> = at
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Some(ci) => {
                let col = &rel.columns[*ci];
                format!(
                    "{}: {}",
                    literal(&col.physical),
                    literal(duckdb_type(&col.ty))
                )
            }
            None => format!("{}: 'VARCHAR'", literal(&format!("c360_unused_{i}"))),
        })
        .collect();
    let select: Vec<String> = rel.columns.iter().map(|c| ident(&c.physical)).collect();
    exec(
        conn,
        &format!("DROP TABLE IF EXISTS {REJECTS}; DROP TABLE IF EXISTS {REJECT_SCANS}"),
    )?;
    let sql = format!(
        "CREATE OR REPLACE TABLE {} AS SELECT {} FROM read_csv({}, header = true, auto_detect = false, \
         {CSV_OPTIONS}, columns = {{{}}}, store_rejects = true, rejects_table = '{REJECTS}', \
         rejects_scan = '{REJECT_SCANS}')",
        relation(&rel.parts),
        select.join(", "),
        file.sql,
        columns.join(", ")
    );
    conn.execute_batch(&sql).map_err(unreadable)?;
    rejected(conn, file, rel)
}

/// Fails with the first row DuckDB could not read, if any.
fn rejected(conn: &Connection, file: &File, rel: &Relation) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT line, column_idx, column_name, CAST(error_type AS VARCHAR), csv_line, error_message, \
         COUNT(*) OVER () FROM {REJECTS} ORDER BY line, column_idx LIMIT 1"
    );
    type Reject = (
        i64,
        Option<i64>,
        Option<String>,
        String,
        Option<String>,
        String,
        i64,
    );
    let found = conn.query_row(&sql, [], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    });
    let first: Option<Reject> = match found {
        Ok(reject) => Some(reject),
        Err(duckdb::Error::QueryReturnedNoRows) => None,
        Err(e) => return Err(EngineError::new(ErrorKind::Io, duckdb_message(&e))),
    };
    let Some((line, idx, column, kind, text, message, count)) = first else {
        return Ok(());
    };
    let more = match count - 1 {
        0 => String::new(),
        1 => " (and 1 more bad value in the file)".to_owned(),
        n => format!(" (and {n} more bad values in the file)"),
    };
    let location = format!("{}:{line}", file.shown);
    let declared = column.as_deref().and_then(|name| {
        rel.columns
            .iter()
            .find(|c| c.physical.eq_ignore_ascii_case(name))
    });
    match declared {
        Some(c) if kind == "CAST" => {
            let value = idx
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| text.as_deref().and_then(|t| csv_fields(t).into_iter().nth(i.checked_sub(1)?)))
                .or_else(|| quoted_value(&message))
                .unwrap_or_default();
            Err(bad_csv_value(&file.shown, line as u64, c, &value, count as u64))
        }
        _ => Err(EngineError::new(
            ErrorKind::Data,
            format!(
                "line {line} of `{}` cannot be read: {}{more}",
                file.shown,
                message.trim()
            ),
        )
        .at(location)
        .with_help("c360 reads comma-separated values with one header line, every line with as many fields as the header, and `\"` around values holding commas, quotes or line breaks")),
    }
}

/// The error for `value` on line `line` of the CSV file `shown`, which does not fit the type
/// declared for column `c`; `count` bad values in the file in all.
pub(crate) fn bad_csv_value(
    shown: &str,
    line: u64,
    c: &Column,
    value: &str,
    count: u64,
) -> EngineError {
    let more = match count.saturating_sub(1) {
        0 => String::new(),
        1 => " (and 1 more bad value in the file)".to_owned(),
        n => format!(" (and {n} more bad values in the file)"),
    };
    let named = if c.logical == c.physical {
        format!("`{}`", c.physical)
    } else {
        format!("`{}` (`{}`)", c.physical, c.logical)
    };
    EngineError::new(
        ErrorKind::Data,
        format!(
            "line {line} of `{shown}`: `{value}` in column {named} is not a valid `{}`, the type {} declares{more}",
            c.ty, c.declared_by
        ),
    )
    .at(format!("{shown}:{line}"))
    .with_help(format!(
        "{}; an empty field is null. Fix the value, or declare the column with the type it holds",
        type_hint(&c.ty)
    ))
}

/// The fields of one CSV line, unquoted.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, '\r' | '\n') if !quoted => {}
            (_, c) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The value in `Could not convert string "VALUE" to …`.
fn quoted_value(message: &str) -> Option<String> {
    let start = message.find("string \"")? + "string \"".len();
    let end = message[start..].rfind("\" to")? + start;
    Some(message[start..end].to_owned())
}

fn load_parquet(conn: &Connection, file: &File, rel: &Relation) -> Result<(), EngineError> {
    let unreadable = |e: duckdb::Error| {
        EngineError::new(
            ErrorKind::Io,
            format!("cannot read `{}`: {}", file.shown, duckdb_message(&e)),
        )
        .with_help("the file must be a Parquet file")
    };
    let schema: Vec<(String, String)> = {
        let sql = format!("DESCRIBE SELECT * FROM read_parquet({})", file.sql);
        let mut stmt = conn.prepare(&sql).map_err(unreadable)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(unreadable)?;
        rows.collect::<Result<_, _>>().map_err(unreadable)?
    };
    let header: Vec<Option<String>> = schema.iter().map(|(n, _)| Some(n.clone())).collect();
    let at = locate(&header, rel, file)?;
    let mut select = Vec::new();
    for (ci, c) in rel.columns.iter().enumerate() {
        let i = at.iter().position(|a| *a == Some(ci)).unwrap_or_default();
        let (name, ty) = &schema[i];
        let want = duckdb_type(&c.ty);
        let col = ident(name);
        if !ty.eq_ignore_ascii_case(want) {
            bad_parquet_value(conn, file, c, &col, want)?;
        }
        select.push(format!("CAST({col} AS {want}) AS {}", ident(&c.physical)));
    }
    let sql = format!(
        "CREATE OR REPLACE TABLE {} AS SELECT {} FROM read_parquet({})",
        relation(&rel.parts),
        select.join(", "),
        file.sql
    );
    exec(conn, &sql)
}

/// Fails with the first value of Parquet column `col` that does not convert to `want`.
fn bad_parquet_value(
    conn: &Connection,
    file: &File,
    c: &Column,
    col: &str,
    want: &str,
) -> Result<(), EngineError> {
    let sql = format!(
        "SELECT file_row_number + 1, CAST({col} AS VARCHAR), COUNT(*) OVER () \
         FROM read_parquet({}, file_row_number = true) \
         WHERE {col} IS NOT NULL AND TRY_CAST({col} AS {want}) IS NULL \
         ORDER BY file_row_number LIMIT 1",
        file.sql
    );
    let found = conn.query_row(&sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    match found {
        Err(duckdb::Error::QueryReturnedNoRows) => Ok(()),
        Err(e) => Err(EngineError::new(
            ErrorKind::Data,
            format!(
                "column `{}` of `{}` cannot be read as `{}`, the type {} declares: {}",
                c.physical,
                file.shown,
                c.ty,
                c.declared_by,
                duckdb_message(&e)
            ),
        )
        .with_help("declare the column with the type the file holds")),
        Ok((row, value, count)) => {
            let more = match count - 1 {
                0 => String::new(),
                1 => " (and 1 more bad value in the file)".to_owned(),
                n => format!(" (and {n} more bad values in the file)"),
            };
            Err(EngineError::new(
                ErrorKind::Data,
                format!(
                    "row {row} of `{}`: `{}` in column `{}` is not a valid `{}`, the type {} declares{more}",
                    file.shown,
                    value.unwrap_or_default(),
                    c.physical,
                    c.ty,
                    c.declared_by
                ),
            )
            .at(format!("{} (row {row})", file.shown))
            .with_help(format!(
                "{}. Fix the value, or declare the column with the type it holds",
                type_hint(&c.ty)
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_csv_lines_with_quotes() {
        assert_eq!(
            csv_fields("a,\"b, c\",\"say \"\"hi\"\"\",\r\n"),
            ["a", "b, c", "say \"hi\"", ""]
        );
    }

    #[test]
    fn finds_the_value_in_a_conversion_message() {
        assert_eq!(
            quoted_value("Error when converting column \"x\". Could not convert string \"a \"b\"\" to 'DECIMAL'"),
            Some("a \"b\"".to_owned())
        );
        assert_eq!(quoted_value("something else"), None);
    }
}
