//! Runs compiled c360 projects.
//!
//! An [`Engine`] is opened for a target, loads the target's local tables
//! ([`Engine::load_tables`]), then runs the statements of a [`c360_sql::Compiled`] project
//! ([`Engine::run`]): plain statements in order, the stitch loops driven to convergence, and
//! the statements that publish the outputs in one transaction, so a failed, killed or
//! interrupted run leaves the previous outputs as they were. The result is a
//! [`RunSummary`].
//!
//! Two engines: the embedded DuckDB, linked as DuckDB's prebuilt shared library (see
//! `build.rs`), and a PostgreSQL server reached through its URL. Both run the same driver
//! (`driver.rs`) and summary (`summary.rs`) through the `Database` trait (`db.rs`); what
//! differs between them is in `duck.rs` and `pg.rs`.

mod db;
mod driver;
mod duck;
mod error;
mod load;
mod pg;
mod progress;
mod sql;
mod summary;

use std::path::Path;

use c360_project::{Engine as EngineKind, Target};
use c360_sema::Model;
use c360_sql::Compiled;

pub use error::{EngineError, ErrorKind};
pub use load::{LoadReport, LoadedTable};
pub use progress::{Progress, Silent};
pub use summary::{
    Component, EntitySummary, IdTypeCount, OutputRows, OverLinked, OverLinkedId, Rows, RunSummary,
    StepTime, PREVIEW_ROWS,
};

/// A database a compiled project runs on.
pub enum Engine {
    /// The embedded DuckDB.
    DuckDb(Box<DuckDbEngine>),
    /// A PostgreSQL server.
    Postgres(Box<PostgresEngine>),
}

/// The embedded DuckDB engine; created through [`Engine::duckdb`] or [`Engine::open`].
pub struct DuckDbEngine(duck::DuckDb);

/// A connection to a PostgreSQL server; created through [`Engine::postgres`] or
/// [`Engine::open`].
pub struct PostgresEngine(pg::Postgres);

impl Engine {
    /// The engine of `target`, connected: for `duckdb`, its database file (created with its
    /// directory when missing), relative paths resolved against `project_dir`; for
    /// `postgres`, the server at its `url`.
    pub fn open(target: &Target, project_dir: &Path) -> Result<Engine, EngineError> {
        match target.engine {
            Some(EngineKind::DuckDb) => {
                let path = target.database_path(project_dir).unwrap_or_else(|| {
                    project_dir.join(format!("target/{}.duckdb", target.name))
                });
                Engine::duckdb(&path)
            }
            Some(EngineKind::Postgres) => match &target.url {
                Some(url) => Engine::postgres(url, &target.name),
                None => Err(EngineError::new(
                    ErrorKind::Usage,
                    format!("target `{}` uses engine postgres but has no `url`", target.name),
                )
                .with_help(format!(
                    "add `url = \"postgres://user@host:5432/database\"` under `[targets.{}]` in c360.toml",
                    target.name
                ))),
            },
            Some(kind @ EngineKind::Spark) => Err(EngineError::new(
                ErrorKind::Usage,
                format!(
                    "target `{}` uses engine {kind}; `c360 run` drives the duckdb and postgres engines",
                    target.name
                ),
            )
            .with_help(format!(
                "run a duckdb target, or write the SQL with `c360 compile --dialect {}` and run it on the server",
                kind.dialect()
            ))),
            None => Err(EngineError::new(
                ErrorKind::Usage,
                format!(
                    "target `{}` is compile-only: it names the dialect {} and no engine",
                    target.name, target.dialect
                ),
            )
            .with_help(format!(
                "write its SQL with `c360 compile --dialect {}`, or run a target with an `engine`",
                target.dialect
            ))),
        }
    }

    /// The embedded DuckDB with its database in the file `path`.
    pub fn duckdb(path: &Path) -> Result<Engine, EngineError> {
        Ok(Engine::DuckDb(Box::new(DuckDbEngine(duck::DuckDb::open(
            path,
        )?))))
    }

    /// The PostgreSQL server at `url` (`postgres://user[:password]@host[:port]/database`), for
    /// the target named `target` (used in messages). Fails when the server cannot be reached.
    pub fn postgres(url: &str, target: &str) -> Result<Engine, EngineError> {
        Ok(Engine::Postgres(Box::new(PostgresEngine(
            pg::Postgres::connect(url, target)?,
        ))))
    }

    /// The embedded DuckDB with its database in memory.
    pub fn duckdb_in_memory() -> Result<Engine, EngineError> {
        Ok(Engine::DuckDb(Box::new(DuckDbEngine(
            duck::DuckDb::in_memory()?,
        ))))
    }

    /// The database, as shown in messages: a file path, `:memory:`, or a URL without its
    /// password.
    pub fn database(&self) -> &str {
        match self {
            Engine::DuckDb(d) => &d.0.database,
            Engine::Postgres(p) => &p.0.database,
        }
    }

    /// The engine as the [`db::Database`] the shared driver, loader and summary work on.
    fn db(&mut self) -> &mut dyn db::Database {
        match self {
            Engine::DuckDb(d) => &mut d.0,
            Engine::Postgres(p) => &mut p.0,
        }
    }

    /// Loads the local tables of `target` (its `tables`: CSV, CSV.gz or Parquet files; CSV
    /// only on PostgreSQL) as the relations the project's sources and training sets read,
    /// with the columns and types they declare, and checks that every other relation they
    /// read exists. One transaction: on an error nothing changes.
    pub fn load_tables(
        &mut self,
        model: &Model,
        target: &Target,
        project_dir: &Path,
        progress: &mut dyn Progress,
    ) -> Result<LoadReport, EngineError> {
        load::load_tables(self.db(), model, target, project_dir, progress)
    }

    /// Runs the statements of `compiled` (compiled for this engine's dialect) in order,
    /// driving each loop until it converges; fails past a loop's `max_rounds`. The outputs
    /// are built under staging names and published together in one transaction at the end.
    pub fn run(
        &mut self,
        compiled: &Compiled,
        progress: &mut dyn Progress,
    ) -> Result<RunSummary, EngineError> {
        driver::run(self.db(), compiled, progress)
    }

    /// Every row of `table` (a relation as SQL, e.g. `main.customer_360`) as text, ordered
    /// by every column; at most `limit` rows.
    pub fn read_table(&mut self, table: &str, limit: Option<usize>) -> Result<Rows, EngineError> {
        summary::read_table(self.db(), table, table, limit)
    }
}
