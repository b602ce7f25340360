//! The embedded DuckDB engine: one connection to a database file (or memory).

use std::path::Path;

use c360_project::LocalTable;
use duckdb::types::ValueRef;
use duckdb::Connection;

use crate::db::{Database, Failure, TextRow};
use crate::error::{duckdb_message, EngineError, ErrorKind};
use crate::load::{self, Relation};

/// A DuckDB database, in a file or in memory.
pub(crate) struct DuckDb {
    pub(crate) conn: Connection,
    /// The database file as shown in messages, or `:memory:`.
    pub(crate) database: String,
}

impl DuckDb {
    /// Opens (creating it and its directory if needed) the database file at `path`.
    pub(crate) fn open(path: &Path) -> Result<DuckDb, EngineError> {
        let database = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                EngineError::new(
                    ErrorKind::Io,
                    format!(
                        "cannot create the directory `{}` for the database: {e}",
                        dir.display()
                    ),
                )
            })?;
        }
        let conn = attach(&path.to_string_lossy()).map_err(|e| {
            let message = duckdb_message(&e);
            let err = EngineError::new(
                ErrorKind::Io,
                format!("cannot open the DuckDB database `{database}`: {message}"),
            );
            if message.contains("lock") {
                err.with_help("another process (another `c360 run`?) has the database open; wait for it to finish and run again")
            } else {
                err.with_help("check the target's `path` in c360.toml; the file must be a DuckDB database of version 1.5 or older")
            }
        })?;
        Ok(DuckDb { conn, database })
    }

    /// A database in memory, gone when dropped.
    pub(crate) fn in_memory() -> Result<DuckDb, EngineError> {
        let conn = attach(":memory:").map_err(|e| {
            EngineError::new(
                ErrorKind::Io,
                format!("cannot start DuckDB: {}", duckdb_message(&e)),
            )
        })?;
        Ok(DuckDb {
            conn,
            database: ":memory:".to_owned(),
        })
    }
}

/// The catalog name the database is attached under. DuckDB names a database file's catalog
/// after the file, and a schema of the same name makes every reference to it ambiguous
/// (`shop.orders` in `shop.duckdb`); no schema is called this.
const CATALOG: &str = "\"c360 database\"";

/// A connection whose only database is `location` (a file or `:memory:`), attached as
/// [`CATALOG`] and used by default.
fn attach(location: &str) -> Result<Connection, duckdb::Error> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(&format!(
        "ATTACH {} AS {CATALOG}; USE {CATALOG}; DETACH memory",
        crate::sql::literal(location)
    ))?;
    Ok(conn)
}

impl Database for DuckDb {
    fn dialect(&self) -> &'static str {
        "duckdb"
    }

    fn database(&self) -> &str {
        &self.database
    }

    fn execute(&mut self, sql: &str) -> Result<(), Failure> {
        self.conn.execute_batch(sql).map_err(|e| failure(&e))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<TextRow>, Failure> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| failure(&e))?;
        let mut rows = stmt.query([]).map_err(|e| failure(&e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| failure(&e))? {
            let n = row.as_ref().column_count();
            let values = (0..n)
                .map(|i| row.get_ref(i).map(text))
                .collect::<Result<TextRow, _>>()
                .map_err(|e| failure(&e))?;
            out.push(values);
        }
        Ok(out)
    }

    fn columns(&mut self, relation: &str) -> Result<Vec<(String, String)>, Failure> {
        let rows = self.query(&format!("DESCRIBE SELECT * FROM {relation}"))?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let mut r = r.into_iter();
                let name = r.next().flatten().unwrap_or_default();
                let ty = r.next().flatten().unwrap_or_default();
                (name, ty)
            })
            .collect())
    }

    fn as_text(&self, column: &str, _ty: &str) -> String {
        format!("CAST({column} AS VARCHAR)")
    }

    fn sort_key(&self, column: &str, _ty: &str) -> String {
        // DuckDB compares text by its bytes already.
        column.to_owned()
    }

    fn exists(&mut self, parts: &[String]) -> Result<bool, EngineError> {
        load::duckdb_exists(&self.conn, parts)
    }

    fn load(
        &mut self,
        table: &LocalTable,
        rel: &Relation,
        project_dir: &Path,
    ) -> Result<u64, EngineError> {
        load::duckdb_load(&self.conn, table, rel, project_dir)
    }
}

/// A DuckDB error as a [`Failure`].
fn failure(e: &duckdb::Error) -> Failure {
    let text = e.to_string();
    let check = text.contains("c360: ");
    Failure {
        message: duckdb_message(e),
        check,
    }
}

/// A value as text; the queries the engine reads cast to text, except counts.
fn text(value: ValueRef<'_>) -> Option<String> {
    Some(match value {
        ValueRef::Null => return None,
        ValueRef::Boolean(b) => b.to_string(),
        ValueRef::TinyInt(n) => n.to_string(),
        ValueRef::SmallInt(n) => n.to_string(),
        ValueRef::Int(n) => n.to_string(),
        ValueRef::BigInt(n) => n.to_string(),
        ValueRef::HugeInt(n) => n.to_string(),
        ValueRef::UTinyInt(n) => n.to_string(),
        ValueRef::USmallInt(n) => n.to_string(),
        ValueRef::UInt(n) => n.to_string(),
        ValueRef::UBigInt(n) => n.to_string(),
        ValueRef::Float(n) => n.to_string(),
        ValueRef::Double(n) => n.to_string(),
        ValueRef::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        other => format!("{other:?}"),
    })
}
