//! The differential test: every output table of a project run on a database must equal what
//! the in-memory reference implementation (`c360-reference`) computes from the same CSV files.
//!
//! Projects: the two examples at two `as_of` times each, and the random projects of
//! `c360-testgen` for seeds 0..200. Both sides are rendered as canonical CSV (rows sorted,
//! decimals exact, lists in order); rows that differ as text are compared again value by value
//! with floats to a relative 1e-9, so only real differences fail.
//!
//! Engines: the embedded DuckDB, and PostgreSQL at `C360_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`; `scripts/test` starts one), each run in a
//! database of its own. The test fails when that variable is unset, unless
//! `C360_SKIP_POSTGRES=1` says to skip PostgreSQL.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use c360_engine::{Engine, Silent};
use c360_project::{Dialect, Target};
use c360_reference::{canonical_csv, csv_cell, evaluate, load_project, Timestamp, Value};
use c360_sql::{AsOf, Compiled};

/// Random projects checked: seeds `0..SEEDS`.
const SEEDS: u64 = 200;

/// The `as_of` times the examples run at.
const EXAMPLE_AS_OFS: [&str; 2] = ["2026-06-30 00:00:00", "2026-03-15 12:00:00"];

/// Failures shown in full; the rest are listed by name.
const SHOWN_FAILURES: usize = 5;

/// Differing rows shown per table.
const SHOWN_ROWS: usize = 5;

/// A database the compiled SQL runs on.
#[derive(Clone, Debug)]
enum Backend {
    DuckDb,
    /// The server at this URL.
    Postgres(String),
}

impl Backend {
    /// Every backend the test runs: DuckDB, and PostgreSQL unless `C360_SKIP_POSTGRES=1`.
    fn all() -> Vec<Backend> {
        let mut all = vec![Backend::DuckDb];
        match std::env::var("C360_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => all.push(Backend::Postgres(url)),
            _ if std::env::var("C360_SKIP_POSTGRES").as_deref() == Ok("1") => {
                eprintln!("C360_SKIP_POSTGRES=1: PostgreSQL is skipped");
            }
            _ => panic!(
                "C360_TEST_POSTGRES_URL is not set: point it at a PostgreSQL server \
                 (e.g. postgres://postgres@127.0.0.1:5432/postgres; scripts/test starts one), \
                 or set C360_SKIP_POSTGRES=1 to skip the PostgreSQL runs"
            ),
        }
        all
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::DuckDb => "duckdb",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// One project to run at one `as_of`.
struct Case {
    /// Shown in messages: `seed 17`, `examples/saas @ 2026-06-30 00:00:00`.
    name: String,
    /// Where the project is (written there first for a seed).
    source: Source,
    as_of: String,
    /// How to get the project on disk to look at it.
    reproduce: String,
}

enum Source {
    Example(PathBuf),
    Seed(u64),
}

/// A table as rows of values, with its column names.
struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A fresh scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("c360-differential")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for example in ["examples/ecommerce", "examples/saas"] {
        for as_of in EXAMPLE_AS_OFS {
            cases.push(Case {
                name: format!("{example} @ {as_of}"),
                source: Source::Example(repo(example)),
                as_of: as_of.to_string(),
                reproduce: format!("c360 run {example} --as-of \"{as_of}\""),
            });
        }
    }
    for seed in 0..SEEDS {
        cases.push(Case {
            name: format!("seed {seed}"),
            source: Source::Seed(seed),
            as_of: c360_testgen::generate(seed).as_of,
            reproduce: format!("cargo run -p c360-testgen -- {seed} /tmp/seed-{seed}"),
        });
    }
    cases
}

#[test]
fn databases_agree_with_the_reference() {
    let started = Instant::now();
    let backends = Backend::all();
    let cases = cases();
    let next = AtomicUsize::new(0);
    let compared = Counts::default();
    let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    // Twice the cores: much of a run is spent waiting for a database to commit.
    let threads = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .saturating_mul(2)
        .clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                for backend in &backends {
                    if let Err(report) = check(i, case, backend, &compared) {
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, report));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort_by_key(|(i, _)| *i);
    eprintln!(
        "{} projects on {} engine(s): {} tables, {} rows compared in {:.1}s; {} runs differ",
        cases.len(),
        backends.len(),
        compared.tables.load(Ordering::Relaxed),
        compared.rows.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    // A comparison of empty tables would prove nothing.
    assert!(
        compared.rows.load(Ordering::Relaxed) > 20 * SEEDS,
        "too few rows were compared"
    );
    if failures.is_empty() {
        return;
    }
    let mut message = format!(
        "{} of {} runs differ from the reference:\n\n",
        failures.len(),
        cases.len() * backends.len()
    );
    for (_, report) in failures.iter().take(SHOWN_FAILURES) {
        message.push_str(report);
        message.push('\n');
    }
    if failures.len() > SHOWN_FAILURES {
        let rest: Vec<&str> = failures[SHOWN_FAILURES..]
            .iter()
            .map(|(i, _)| cases[*i].name.as_str())
            .collect();
        let _ = writeln!(message, "also failing: {}", rest.join(", "));
    }
    panic!("{message}");
}

/// What was compared, over every run.
#[derive(Default)]
struct Counts {
    tables: AtomicU64,
    rows: AtomicU64,
}

/// Runs `case` on `backend` and on the reference; `Err` is the report of what differs.
fn check(index: usize, case: &Case, backend: &Backend, compared: &Counts) -> Result<(), String> {
    let header = format!(
        "== {} on {} (as of {})\n   reproduce: {}\n",
        case.name,
        backend.name(),
        case.as_of,
        case.reproduce
    );
    let dir = scratch(&format!(
        "{}-{}",
        backend.name(),
        case.name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    let result = run_both(index, case, backend, &dir, compared);
    match result {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        }
        Err(report) => Err(format!("{header}{report}")),
    }
}

fn run_both(
    index: usize,
    case: &Case,
    backend: &Backend,
    scratch: &Path,
    compared: &Counts,
) -> Result<(), String> {
    let root = match &case.source {
        Source::Example(dir) => dir.clone(),
        Source::Seed(seed) => {
            let project = c360_testgen::generate(*seed);
            let dir = scratch.join("project");
            c360_testgen::write(&project, &dir)
                .map_err(|e| format!("   cannot write the project: {e}\n"))?;
            dir
        }
    };
    let project = load_project(&root).map_err(|e| format!("   reference: {e}\n"))?;
    let as_of = Timestamp::parse(&case.as_of)
        .ok_or_else(|| format!("   `{}` is not a timestamp\n", case.as_of))?;
    let tables = project
        .tables(None)
        .map_err(|e| format!("   reference cannot read the tables: {e}\n"))?;
    let expected = evaluate(&project.model, &tables, as_of)
        .map_err(|e| format!("   reference failed: {e}\n"))?;
    let actual = match backend {
        Backend::DuckDb => run_duckdb(&project, &case.as_of, scratch)?,
        Backend::Postgres(url) => run_postgres(&project, &case.as_of, url, index)?,
    };

    let mut report = String::new();
    let expected: BTreeMap<&str, Table> = expected
        .tables()
        .into_iter()
        .map(|t| {
            (
                t.name.as_str(),
                Table {
                    columns: t.columns.clone(),
                    rows: t.rows.clone(),
                },
            )
        })
        .collect();
    for name in actual.keys().filter(|n| !expected.contains_key(n.as_str())) {
        let _ = writeln!(
            report,
            "   table `{name}`: written by {} but not by the reference",
            backend.name()
        );
    }
    for (name, want) in &expected {
        match actual.get(*name) {
            None => {
                let _ = writeln!(
                    report,
                    "   table `{name}`: written by the reference but not by {}",
                    backend.name()
                );
            }
            Some(got) => {
                compared.tables.fetch_add(1, Ordering::Relaxed);
                compared
                    .rows
                    .fetch_add(want.rows.len() as u64, Ordering::Relaxed);
                if let Some(diff) = compare(want, got) {
                    let _ = write!(report, "   table `{name}`:\n{diff}");
                }
            }
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// The project's default target compiled for `dialect` as of `as_of`.
fn compile<'p>(
    project: &'p c360_reference::LoadedProject,
    as_of: &str,
    dialect: Dialect,
) -> Result<(&'p Target, Compiled), String> {
    let target = project
        .target(None)
        .map_err(|e| format!("   no target: {e}\n"))?;
    let as_of = AsOf::parse(as_of).ok_or_else(|| format!("   `{as_of}` is not an as_of\n"))?;
    let compiled = c360_sql::compile_model(
        &project.model,
        Some(&project.config),
        dialect,
        Some(target),
        Some(&as_of),
    )
    .map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|d| format!("{d:?}")).collect();
        format!("   compile failed:\n{}\n", messages.join("\n"))
    })?;
    Ok((target, compiled))
}

/// Loads the target's tables into `engine` and runs `compiled` on it.
fn load_and_run(
    engine: &mut Engine,
    project: &c360_reference::LoadedProject,
    target: &Target,
    compiled: &Compiled,
) -> Result<(), String> {
    engine
        .load_tables(&project.model, target, &project.root, &mut Silent)
        .map_err(|e| format!("   loading the tables failed: {e}\n"))?;
    engine
        .run(compiled, &mut Silent)
        .map_err(|e| format!("   the run failed: {e}\n"))?;
    Ok(())
}

/// Runs the project in a fresh DuckDB file and reads every output table back.
fn run_duckdb(
    project: &c360_reference::LoadedProject,
    as_of: &str,
    scratch: &Path,
) -> Result<BTreeMap<String, Table>, String> {
    let (target, compiled) = compile(project, as_of, Dialect::DuckDb)?;
    let database = scratch.join("run.duckdb");
    {
        let mut engine =
            Engine::duckdb(&database).map_err(|e| format!("   cannot open DuckDB: {e}\n"))?;
        load_and_run(&mut engine, project, target, &compiled)?;
    }
    let conn = duckdb::Connection::open(&database)
        .map_err(|e| format!("   cannot reopen `{}`: {e}\n", database.display()))?;
    let mut out = BTreeMap::new();
    for output in &compiled.tables.outputs {
        let table = read_duckdb(&conn, &output.table)
            .map_err(|e| format!("   cannot read `{}`: {e}\n", output.table))?;
        out.insert(output.name.clone(), table);
    }
    Ok(out)
}

/// Every row of `table`, typed.
fn read_duckdb(conn: &duckdb::Connection, table: &str) -> Result<Table, String> {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table}"))
        .map_err(|e| e.to_string())?;
    let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
    let columns = rows
        .as_ref()
        .map(|s| s.column_names())
        .ok_or("the statement has no columns")?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, name) in columns.iter().enumerate() {
            let v: duckdb::types::Value = row.get(i).map_err(|e| e.to_string())?;
            values.push(from_duckdb(v).map_err(|e| format!("column `{name}`: {e}"))?);
        }
        out.push(values);
    }
    Ok(Table { columns, rows: out })
}

/// A DuckDB value as a reference value.
fn from_duckdb(v: duckdb::types::Value) -> Result<Value, String> {
    use duckdb::types::{TimeUnit, Value as D};
    let micros = |unit: TimeUnit, n: i64| match unit {
        TimeUnit::Second => n * 1_000_000,
        TimeUnit::Millisecond => n * 1_000,
        TimeUnit::Microsecond => n,
        TimeUnit::Nanosecond => n.div_euclid(1_000),
    };
    Ok(match v {
        D::Null => Value::Null,
        D::Boolean(b) => Value::Bool(b),
        D::TinyInt(n) => Value::Int(n.into()),
        D::SmallInt(n) => Value::Int(n.into()),
        D::Int(n) => Value::Int(n.into()),
        D::BigInt(n) => Value::Int(n),
        D::UTinyInt(n) => Value::Int(n.into()),
        D::USmallInt(n) => Value::Int(n.into()),
        D::UInt(n) => Value::Int(n.into()),
        D::HugeInt(n) => Value::Int(
            i64::try_from(n).map_err(|_| format!("the integer {n} does not fit 64 bits"))?,
        ),
        D::UBigInt(n) => Value::Int(
            i64::try_from(n).map_err(|_| format!("the integer {n} does not fit 64 bits"))?,
        ),
        D::UHugeInt(n) => Value::Int(
            i64::try_from(n).map_err(|_| format!("the integer {n} does not fit 64 bits"))?,
        ),
        D::Float(x) => Value::Float(x.into()),
        D::Double(x) => Value::Float(x),
        D::Decimal(d) => {
            let text = d.to_string();
            Value::decimal(&text).ok_or_else(|| format!("`{text}` is not a decimal"))?
        }
        D::Timestamp(unit, n) => Value::Timestamp(micros(unit, n)),
        D::Date32(days) => Value::Date(days.into()),
        D::Interval {
            months,
            days,
            nanos,
        } => Value::Duration(
            f64::from(months) * 30.0 * 86_400.0 + f64::from(days) * 86_400.0 + nanos as f64 / 1e9,
        ),
        D::Text(s) | D::Enum(s) => Value::String(s),
        D::List(items) | D::Array(items) => Value::List(
            items
                .into_iter()
                .map(from_duckdb)
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("no c360 type holds the DuckDB value {other:?}")),
    })
}

/// `None` when the tables agree; else the differing columns or rows, side by side.
fn compare(want: &Table, got: &Table) -> Option<String> {
    if want.columns != got.columns {
        return Some(format!(
            "     columns differ\n     reference: {}\n     database:  {}\n",
            want.columns.join(", "),
            got.columns.join(", ")
        ));
    }
    let expected = canonical_csv(&want.columns, &want.rows);
    let actual = canonical_csv(&got.columns, &got.rows);
    if expected == actual {
        return None;
    }
    // Same text would have been equal; look value by value, floats to a relative 1e-9.
    let (want_rows, got_rows) = (sorted(&want.rows), sorted(&got.rows));
    let differing: Vec<usize> = (0..want_rows.len().max(got_rows.len()))
        .filter(|&i| match (want_rows.get(i), got_rows.get(i)) {
            (Some((_, a)), Some((_, b))) => {
                a.len() != b.len() || a.iter().zip(b.iter()).any(|(x, y)| !x.same_as(y))
            }
            _ => true,
        })
        .collect();
    if differing.is_empty() {
        return None;
    }
    let mut out = format!(
        "     {} rows in the reference, {} in the database; {} sorted rows differ; columns: {}\n",
        want_rows.len(),
        got_rows.len(),
        differing.len(),
        want.columns.join(",")
    );
    for &i in differing.iter().take(SHOWN_ROWS) {
        let _ = writeln!(out, "     row {i}");
        let _ = writeln!(out, "       reference: {}", show(want_rows.get(i)));
        let _ = writeln!(out, "       database:  {}", show(got_rows.get(i)));
        if let (Some((_, a)), Some((_, b))) = (want_rows.get(i), got_rows.get(i)) {
            for (c, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                if !x.same_as(y) {
                    let name = want.columns.get(c).map_or("?", String::as_str);
                    let _ = writeln!(out, "       `{name}`: reference {x:?}, database {y:?}");
                }
            }
        }
    }
    Some(out)
}

/// The rows with their canonical lines, sorted by them.
fn sorted(rows: &[Vec<Value>]) -> Vec<(String, &[Value])> {
    let mut rows: Vec<(String, &[Value])> = rows.iter().map(|r| (line(r), r.as_slice())).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// A sorted row's line, or a placeholder past the end of the table.
fn show<'r>(row: Option<&'r (String, &[Value])>) -> &'r str {
    row.map_or("(no row)", |(l, _)| l.as_str())
}

/// A row as a canonical CSV line.
fn line(row: &[Value]) -> String {
    row.iter().map(csv_cell).collect::<Vec<_>>().join(",")
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    format!("{}/{database}{query}", &base[..host_end])
}

fn pg_error(e: &postgres::Error) -> String {
    e.as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_owned())
}

/// Runs the project in a fresh database of the server at `url` and reads every output table
/// back; the database is dropped afterwards.
fn run_postgres(
    project: &c360_reference::LoadedProject,
    as_of: &str,
    url: &str,
    index: usize,
) -> Result<BTreeMap<String, Table>, String> {
    let (target, compiled) = compile(project, as_of, Dialect::Postgres)?;
    // The process id keeps two test runs on one server apart.
    let database = format!("c360_differential_{}_{index}", std::process::id());
    let mut admin = postgres::Client::connect(url, postgres::NoTls)
        .map_err(|e| format!("   cannot connect to C360_TEST_POSTGRES_URL ({url}): {e}\n"))?;
    // One statement at a time: CREATE DATABASE refuses to run in a transaction.
    for sql in [
        format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        format!("CREATE DATABASE {database}"),
    ] {
        admin
            .batch_execute(&sql)
            .map_err(|e| format!("   {sql}: {}\n", pg_error(&e)))?;
    }
    let db_url = with_database(url, &database);
    let result = (|| {
        {
            let mut engine = Engine::postgres(&db_url, "differential")
                .map_err(|e| format!("   cannot connect to PostgreSQL: {e}\n"))?;
            load_and_run(&mut engine, project, target, &compiled)?;
        }
        let mut client = postgres::Client::connect(&db_url, postgres::NoTls)
            .map_err(|e| format!("   cannot reconnect to `{database}`: {e}\n"))?;
        let mut out = BTreeMap::new();
        for output in &compiled.tables.outputs {
            let table = read_postgres(&mut client, &output.table)
                .map_err(|e| format!("   cannot read `{}`: {e}\n", output.table))?;
            out.insert(output.name.clone(), table);
        }
        Ok(out)
    })();
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
    result
}

/// Every row of `table`, each value read as text and parsed as its column's type (arrays as a
/// JSON array of their items' text, so items keep their order, nulls and commas).
fn read_postgres(client: &mut postgres::Client, table: &str) -> Result<Table, String> {
    let shape = client
        .prepare(&format!("SELECT * FROM {table} LIMIT 0"))
        .map_err(|e| pg_error(&e))?;
    let columns: Vec<(String, String)> = shape
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.type_().name().to_owned()))
        .collect();
    let select: Vec<String> = columns
        .iter()
        .map(|(name, ty)| {
            let col = format!("t.\"{}\"", name.replace('"', "\"\""));
            if ty.starts_with('_') {
                format!("to_json(CAST({col} AS text[]))::text")
            } else if ty == "interval" {
                format!("EXTRACT(EPOCH FROM {col})::text")
            } else {
                format!("CAST({col} AS text)")
            }
        })
        .collect();
    let rows = client
        .query(
            &format!("SELECT {} FROM {table} AS t", select.join(", ")),
            &[],
        )
        .map_err(|e| pg_error(&e))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(columns.len());
        for (i, (name, ty)) in columns.iter().enumerate() {
            let text: Option<String> = row.try_get(i).map_err(|e| e.to_string())?;
            let value = match text {
                None => Value::Null,
                Some(text) => match ty.strip_prefix('_') {
                    Some(item) => {
                        let items: Vec<Option<String>> = serde_json::from_str(&text)
                            .map_err(|e| format!("column `{name}`: `{text}`: {e}"))?;
                        Value::List(
                            items
                                .into_iter()
                                .map(|t| t.map_or(Ok(Value::Null), |t| from_postgres(item, &t)))
                                .collect::<Result<_, _>>()
                                .map_err(|e| format!("column `{name}`: {e}"))?,
                        )
                    }
                    None => {
                        from_postgres(ty, &text).map_err(|e| format!("column `{name}`: {e}"))?
                    }
                },
            };
            values.push(value);
        }
        out.push(values);
    }
    Ok(Table {
        columns: columns.into_iter().map(|(c, _)| c).collect(),
        rows: out,
    })
}

/// A PostgreSQL value's text as a reference value, by the name of its type.
fn from_postgres(ty: &str, text: &str) -> Result<Value, String> {
    let parsed = match ty {
        "bool" => match text {
            "t" | "true" => Some(Value::Bool(true)),
            "f" | "false" => Some(Value::Bool(false)),
            _ => None,
        },
        "int2" | "int4" | "int8" => text.parse().ok().map(Value::Int),
        "numeric" => Value::decimal(text),
        "float4" | "float8" => match text {
            "NaN" => Some(Value::Float(f64::NAN)),
            "Infinity" => Some(Value::Float(f64::INFINITY)),
            "-Infinity" => Some(Value::Float(f64::NEG_INFINITY)),
            _ => text.parse().ok().map(Value::Float),
        },
        "interval" => text.parse().ok().map(Value::Duration),
        "text" | "varchar" | "bpchar" | "name" => Some(Value::String(text.to_owned())),
        "date" => Value::date(text),
        "timestamp" => Value::timestamp(text),
        _ => {
            return Err(format!(
                "no c360 type is read from the PostgreSQL type `{ty}`"
            ))
        }
    };
    parsed.ok_or_else(|| format!("`{text}` is not a PostgreSQL `{ty}`"))
}
