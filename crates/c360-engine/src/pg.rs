//! PostgreSQL: a server reached through the target's URL (no TLS: a local or tunnelled
//! server). Local tables are sent with `COPY … FROM STDIN`; the shared driver runs the
//! compiled `postgres` SQL and drives the stitch loops itself.

use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use c360_project::{LocalTable, TableFormat};
use c360_sema::Type;
use flate2::read::MultiGzDecoder;
use postgres::config::Host;
use postgres::types::Kind;
use postgres::{Client, Config, NoTls, SimpleQueryMessage};

use crate::db::{Database, Failure, TextRow};
use crate::error::{EngineError, ErrorKind};
use crate::load::{bad_csv_value, config_location, locate, File, Relation};
use crate::sql::{ident, literal, relation};

/// How long connecting may take before the server counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The temporary table a CSV file is copied into, as text, before its values are cast.
const STAGING: &str = "pg_temp.c360_load";

/// A connected PostgreSQL database.
pub(crate) struct Postgres {
    client: Client,
    /// The URL without its password, for messages.
    pub(crate) database: String,
}

impl Postgres {
    /// Connects to the server at `url` for target `target`.
    pub(crate) fn connect(url: &str, target: &str) -> Result<Postgres, EngineError> {
        let mut config = Config::from_str(url).map_err(|e| {
            EngineError::new(
                ErrorKind::Usage,
                format!("the `url` of target `{target}` is not a PostgreSQL connection URL: {e}"),
            )
            .with_help("write it `postgres://user[:password]@host[:port]/database`")
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let server = server(&config);
        let database = format!(
            "postgres://{}{server}/{}",
            config
                .get_user()
                .map(|u| format!("{u}@"))
                .unwrap_or_default(),
            config.get_dbname().unwrap_or_default()
        );
        let mut client = config.connect(NoTls).map_err(|e| {
            let reason = match e.as_db_error() {
                Some(db) => db.message().to_owned(),
                None => std::error::Error::source(&e)
                    .map_or_else(|| e.to_string(), |s| s.to_string()),
            };
            EngineError::new(
                ErrorKind::Io,
                format!(
                    "cannot connect to the PostgreSQL server of target `{target}` at {server}: {reason}"
                ),
            )
            .with_help(format!(
                "start the server (`pg_isready -h {}` tells whether it accepts connections), or fix `url` under `[targets.{target}]` in c360.toml",
                server.replace(':', " -p ")
            ))
        })?;
        // The compiled SQL's timestamps have no time zone; UTC keeps `now()`-free SQL stable,
        // and notices (`DROP … IF EXISTS` of a missing table) are noise in a run.
        client
            .batch_execute("SET client_min_messages = warning; SET TimeZone = 'UTC'")
            .map_err(|e| {
                EngineError::new(
                    ErrorKind::Io,
                    format!(
                        "cannot set up the session on `{database}`: {}",
                        failure(&e).message
                    ),
                )
            })?;
        Ok(Postgres { client, database })
    }
}

/// `host:port` of the first server in `config`, for messages.
fn server(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

/// A PostgreSQL error as a [`Failure`]: the server's message, or the client's.
fn failure(e: &postgres::Error) -> Failure {
    match e.as_db_error() {
        Some(db) => {
            let mut failure = Failure::from_text(db.message());
            if let Some(detail) = db.detail().filter(|_| !failure.check) {
                failure.message = format!("{} ({detail})", failure.message);
            }
            failure
        }
        None => Failure::from_text(&e.to_string()),
    }
}

/// The PostgreSQL type a column of c360 type `t` is loaded as (`docs/dialects/postgres.md`).
fn postgres_type(t: &Type) -> &'static str {
    match t {
        Type::Int => "BIGINT",
        Type::Float | Type::Duration => "DOUBLE PRECISION",
        Type::Decimal => "DECIMAL(38,9)",
        Type::Bool => "BOOLEAN",
        Type::Timestamp => "TIMESTAMP",
        Type::Date => "DATE",
        // Columns are declared with scalar types only; text is the lossless fallback.
        Type::String | Type::List(_) | Type::Null | Type::Error => "TEXT",
    }
}

impl Database for Postgres {
    fn dialect(&self) -> &'static str {
        "postgres"
    }

    fn database(&self) -> &str {
        &self.database
    }

    fn execute(&mut self, sql: &str) -> Result<(), Failure> {
        self.client.batch_execute(sql).map_err(|e| failure(&e))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<TextRow>, Failure> {
        // The simple protocol returns every value as text, whatever its type.
        let messages = self.client.simple_query(sql).map_err(|e| failure(&e))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }

    fn columns(&mut self, relation: &str) -> Result<Vec<(String, String)>, Failure> {
        let statement = self
            .client
            .prepare(&format!("SELECT * FROM {relation}"))
            .map_err(|e| failure(&e))?;
        Ok(statement
            .columns()
            .iter()
            .map(|c| {
                let ty = match c.type_().kind() {
                    Kind::Array(element) => format!("{}[]", element.name()),
                    _ => c.type_().name().to_owned(),
                };
                (c.name().to_owned(), ty)
            })
            .collect())
    }

    fn as_text(&self, column: &str, ty: &str) -> String {
        if ty.ends_with("[]") {
            // Element by element so that booleans read `true`, as in DuckDB's `[a, b]`.
            format!(
                "CASE WHEN {column} IS NULL THEN NULL WHEN CARDINALITY({column}) = 0 THEN '[]' \
                 ELSE (SELECT '[' || STRING_AGG(COALESCE(CAST(u.x AS TEXT), 'NULL'), ', ' ORDER BY u.n) || ']' \
                 FROM UNNEST({column}) WITH ORDINALITY AS u(x, n)) END"
            )
        } else {
            format!("CAST({column} AS TEXT)")
        }
    }

    fn sort_key(&self, column: &str, ty: &str) -> String {
        if matches!(ty, "text" | "varchar" | "VARCHAR" | "bpchar" | "name") {
            // Byte order, as in DuckDB, whatever the database's collation.
            format!("{column} COLLATE \"C\"")
        } else {
            column.to_owned()
        }
    }

    fn exists(&mut self, parts: &[String]) -> Result<bool, EngineError> {
        let (catalog, name) = match parts {
            [] => return Ok(false),
            [catalog, rest @ ..] if parts.len() > 2 => (Some(catalog), relation(rest)),
            _ => (None, relation(parts)),
        };
        let found = format!("to_regclass({}) IS NOT NULL", literal(&name));
        let sql = match catalog {
            Some(c) => format!(
                "SELECT CASE WHEN current_database() = {} THEN {found} ELSE false END",
                literal(c)
            ),
            None => format!("SELECT {found}"),
        };
        let rows = self
            .query(&sql)
            .map_err(|e| EngineError::new(ErrorKind::Io, e.message))?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .cloned()
            .flatten()
            .as_deref()
            == Some("t"))
    }

    fn load(
        &mut self,
        table: &LocalTable,
        rel: &Relation,
        project_dir: &Path,
    ) -> Result<u64, EngineError> {
        let path = table.resolved_path(project_dir);
        let file = File {
            shown: path.display().to_string(),
            sql: literal(&path.to_string_lossy()),
        };
        if table.format == TableFormat::Parquet {
            return Err(EngineError::new(
                ErrorKind::Usage,
                format!(
                    "the local table `{}` is the Parquet file `{}`; PostgreSQL targets load local tables from CSV only",
                    table.table, table.path
                ),
            )
            .at(config_location(project_dir, table))
            .with_help("convert the file to CSV (`.csv` or `.csv.gz`), or run the project on a duckdb target"));
        }
        let data = read_csv_file(&path, &file)?;
        let shape = csv_shape(&data, &file)?;
        let at = locate(&shape.header, rel, &file)?;
        self.copy_to_staging(&data, shape.header.len(), &file)?;
        self.create_from_staging(rel, &at, &shape, &file)?;
        let rows = crate::db::count(
            self,
            &format!("SELECT COUNT(*) FROM {}", relation(&rel.parts)),
        )
        .map_err(|e| EngineError::new(ErrorKind::Io, e.message))?;
        Ok(rows)
    }
}

/// The bytes of a CSV file, decompressed when it ends in `.gz`, without a UTF-8 byte order
/// mark.
fn read_csv_file(path: &Path, file: &File) -> Result<Vec<u8>, EngineError> {
    let unreadable = |e: std::io::Error| {
        EngineError::new(
            ErrorKind::Io,
            format!("cannot read `{}`: {e}", file.shown),
        )
        .with_help("c360 reads comma-separated files (optionally gzip-compressed, `.csv.gz`) whose first line names the columns")
    };
    let raw = std::fs::read(path).map_err(unreadable)?;
    let gz = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    let mut data = if gz {
        let mut out = Vec::new();
        MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(unreadable)?;
        out
    } else {
        raw
    };
    if data.starts_with(b"\xEF\xBB\xBF") {
        data.drain(..3);
    }
    Ok(data)
}

/// A CSV file's header and where each of its records starts.
struct CsvShape {
    header: Vec<Option<String>>,
    /// The line each data record starts on (1 is the header's), in file order.
    lines: Vec<u64>,
}

impl CsvShape {
    /// The file line of data record `row` (1-based, as `c360_row` counts).
    fn line_of(&self, row: u64) -> u64 {
        usize::try_from(row)
            .ok()
            .and_then(|r| self.lines.get(r.checked_sub(1)?))
            .copied()
            .unwrap_or(row + 1)
    }
}

/// Reads the header and the record positions of CSV `data`, the way PostgreSQL's CSV format
/// splits it (quoted fields may hold commas, quotes and line breaks).
fn csv_shape(data: &[u8], file: &File) -> Result<CsvShape, EngineError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut header = None;
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if header.is_none() {
                    header = Some(
                        record
                            .iter()
                            .map(|f| Some(String::from_utf8_lossy(f).into_owned()))
                            .collect::<Vec<_>>(),
                    );
                } else {
                    lines.push(record.position().map_or(0, |p| p.line()));
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(EngineError::new(
                    ErrorKind::Data,
                    format!("line {line} of `{}` cannot be read: {e}", file.shown),
                )
                .at(format!("{}:{line}", file.shown)));
            }
        }
    }
    match header {
        Some(header) => Ok(CsvShape { header, lines }),
        None => Err(
            EngineError::new(ErrorKind::Data, format!("`{}` is empty", file.shown))
                .with_help("a CSV file starts with a header line naming its columns"),
        ),
    }
}

impl Postgres {
    /// Copies CSV `data` (with `width` columns) into [`STAGING`], every column as text and
    /// `c360_row` numbering the records in file order.
    fn copy_to_staging(
        &mut self,
        data: &[u8],
        width: usize,
        file: &File,
    ) -> Result<(), EngineError> {
        let columns: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        let create = format!(
            "DROP TABLE IF EXISTS {STAGING}; CREATE TEMPORARY TABLE c360_load \
             (c360_row BIGSERIAL, {}) ON COMMIT DROP",
            columns
                .iter()
                .map(|c| format!("{c} TEXT"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.execute(&create)
            .map_err(|e| EngineError::new(ErrorKind::Io, e.message))?;
        let copy = format!(
            "COPY {STAGING} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)",
            columns.join(", ")
        );
        let copied = self.client.copy_in(&copy).and_then(|mut writer| {
            // A failed write means the server ended the copy; `finish` reports why.
            let _ = writer.write_all(data);
            writer.finish()
        });
        if let Err(e) = copied {
            let failure = failure(&e);
            // PostgreSQL says where: `COPY c360_load, line 3, column c1: "…"`.
            let line = e
                .as_db_error()
                .and_then(|db| db.where_())
                .and_then(copy_line);
            let location = match line {
                Some(l) => format!("{}:{l}", file.shown),
                None => file.shown.clone(),
            };
            let line = line.map_or_else(String::new, |l| format!("line {l} of "));
            return Err(EngineError::new(
                ErrorKind::Data,
                format!("{line}`{}` cannot be read: {}", file.shown, failure.message),
            )
            .at(location)
            .with_help("c360 reads comma-separated values with one header line, every line with as many fields as the header, and `\"` around values holding commas, quotes or line breaks"));
        }
        Ok(())
    }

    /// (Re)creates `rel` with its declared types from [`STAGING`]; `at[i]` is the declared
    /// column file column `i` holds. A value that does not fit fails with its line.
    fn create_from_staging(
        &mut self,
        rel: &Relation,
        at: &[Option<usize>],
        shape: &CsvShape,
        file: &File,
    ) -> Result<(), EngineError> {
        let io = |e: Failure| EngineError::new(ErrorKind::Io, e.message);
        let target = relation(&rel.parts);
        if rel.parts.len() == 2 {
            self.execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                ident(&rel.parts[0])
            ))
            .map_err(io)?;
        }
        let declared: Vec<String> = rel
            .columns
            .iter()
            .map(|c| format!("{} {}", ident(&c.physical), postgres_type(&c.ty)))
            .collect();
        self.execute(&format!(
            "DROP TABLE IF EXISTS {target}; CREATE TABLE {target} ({})",
            declared.join(", ")
        ))
        .map_err(io)?;
        // Staging column of each declared column.
        let source: Vec<usize> = (0..rel.columns.len())
            .map(|ci| at.iter().position(|a| *a == Some(ci)).unwrap_or_default())
            .collect();
        let names: Vec<String> = rel.columns.iter().map(|c| ident(&c.physical)).collect();
        let values: Vec<String> = rel
            .columns
            .iter()
            .zip(&source)
            .map(|(c, i)| format!("CAST(s.c{i} AS {})", postgres_type(&c.ty)))
            .collect();
        self.execute("SAVEPOINT c360_cast").map_err(io)?;
        let inserted = self.execute(&format!(
            "INSERT INTO {target} ({}) SELECT {} FROM {STAGING} AS s ORDER BY s.c360_row",
            names.join(", "),
            values.join(", ")
        ));
        match inserted {
            Ok(()) => self.execute("RELEASE SAVEPOINT c360_cast").map_err(io),
            Err(failure) => {
                self.execute("ROLLBACK TO SAVEPOINT c360_cast")
                    .map_err(io)?;
                Err(self
                    .first_bad_value(rel, &source, shape, file)?
                    .unwrap_or_else(|| {
                        EngineError::new(
                            ErrorKind::Data,
                            format!("`{}` cannot be loaded: {}", file.shown, failure.message),
                        )
                        .at(file.shown.clone())
                        .with_help("fix the value, or declare the column with the type it holds")
                    }))
            }
        }
    }

    /// The error for the first value of the staged file that does not fit its declared type,
    /// with how many do not; `None` when every value fits.
    fn first_bad_value(
        &mut self,
        rel: &Relation,
        source: &[usize],
        shape: &CsvShape,
        file: &File,
    ) -> Result<Option<EngineError>, EngineError> {
        let io = |e: Failure| EngineError::new(ErrorKind::Io, e.message);
        // Trying a cast needs a block that catches its error; PostgreSQL 15 has no TRY_CAST.
        self.execute(
            "CREATE OR REPLACE FUNCTION pg_temp.c360_fits(v TEXT, t TEXT) RETURNS BOOLEAN \
             LANGUAGE plpgsql AS $c360$ BEGIN EXECUTE format('SELECT CAST(%L AS %s)', v, t); \
             RETURN true; EXCEPTION WHEN others THEN RETURN false; END $c360$",
        )
        .map_err(io)?;
        let mut first: Option<(u64, usize, String)> = None;
        let mut total = 0;
        for (ci, c) in rel.columns.iter().enumerate() {
            let ty = postgres_type(&c.ty);
            if ty == "TEXT" {
                continue;
            }
            let col = format!("s.c{}", source[ci]);
            let rows = self
                .query(&format!(
                    "SELECT CAST(s.c360_row AS TEXT), {col}, CAST(COUNT(*) OVER () AS TEXT) \
                     FROM {STAGING} AS s WHERE {col} IS NOT NULL AND NOT pg_temp.c360_fits({col}, {}) \
                     ORDER BY s.c360_row LIMIT 1",
                    literal(ty)
                ))
                .map_err(io)?;
            let Some(row) = rows.first() else { continue };
            let number = |i: usize| {
                row.get(i)
                    .cloned()
                    .flatten()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let at = number(0);
            total += number(2);
            if first.as_ref().is_none_or(|(r, _, _)| at < *r) {
                let value = row.get(1).cloned().flatten().unwrap_or_default();
                first = Some((at, ci, value));
            }
        }
        Ok(first.map(|(row, ci, value)| {
            bad_csv_value(
                &file.shown,
                shape.line_of(row),
                &rel.columns[ci],
                &value,
                total,
            )
        }))
    }
}

/// The line in `COPY c360_load, line 3, column c1: "…"`.
fn copy_line(context: &str) -> Option<u64> {
    let start = context.find("line ")? + "line ".len();
    let digits: String = context[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_a_copy_error() {
        assert_eq!(
            copy_line("COPY c360_load, line 3, column c1: \"x\""),
            Some(3)
        );
        assert_eq!(copy_line("COPY c360_load, line 12"), Some(12));
        assert_eq!(copy_line("somewhere else"), None);
    }

    #[test]
    fn records_keep_the_line_they_start_on() {
        let file = File {
            shown: "t.csv".into(),
            sql: "'t.csv'".into(),
        };
        let shape = csv_shape(b"a,b\n1,\"two\nlines\"\n3,4\n", &file).expect("reads");
        assert_eq!(shape.header, [Some("a".into()), Some("b".into())]);
        assert_eq!(shape.lines, [2, 4]);
        assert_eq!(shape.line_of(2), 4);
        assert!(csv_shape(b"", &file).is_err());
    }
}
