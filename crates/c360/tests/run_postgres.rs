//! `c360 run` on a PostgreSQL target: the hand-computed shop case, the examples equal to
//! DuckDB's outputs, a server that is down, and a failed run leaving the outputs as they were.
//!
//! The tests that need a server read `C360_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`; `scripts/test` starts one) and fail when it
//! is unset, unless `C360_SKIP_POSTGRES=1` says to skip them. Each test works in a database of
//! its own, so they run in parallel.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use c360_engine::{Engine, Rows};
use serde_json::Value;

const AS_OF: &str = "2026-03-01 00:00:00";

fn c360(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c360"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the c360 binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The test server's URL; `None` only when `C360_SKIP_POSTGRES=1` asks to skip.
fn server_url() -> Option<String> {
    match std::env::var("C360_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("C360_SKIP_POSTGRES").as_deref() == Ok("1") => {
            eprintln!("C360_SKIP_POSTGRES=1: skipping a PostgreSQL test");
            None
        }
        _ => panic!(
            "C360_TEST_POSTGRES_URL is not set: point it at a PostgreSQL server \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres; scripts/test starts one), \
             or set C360_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
        ),
    }
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

/// A fresh, empty database for test `name` on the server at `url`; its URL.
fn fresh_database(url: &str, name: &str) -> String {
    let database = format!("c360_test_{name}");
    let mut admin = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to C360_TEST_POSTGRES_URL ({url}): {e}"));
    // One statement at a time: a multi-statement query is a transaction, which these refuse.
    for sql in [
        format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        format!("CREATE DATABASE {database}"),
    ] {
        admin.batch_execute(&sql).unwrap_or_else(|e| {
            panic!(
                "{sql}: {}",
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned())
            )
        });
    }
    with_database(url, &database)
}

/// A fresh scratch directory for test `name`.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("c360-run-postgres")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// Copies the project at `from` into a scratch directory, leaving out `target/`, and adds a
/// target `pg` on `url` with the schema and local tables of its `dev` target.
fn copy_project(from: &Path, name: &str, url: &str) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("directory created");
        for entry in std::fs::read_dir(from).expect("readable").flatten() {
            let path = entry.path();
            let dest = to.join(entry.file_name());
            if path.is_dir() {
                if entry.file_name() != "target" {
                    copy(&path, &dest);
                }
            } else {
                std::fs::copy(&path, &dest).expect("copied");
            }
        }
    }
    let dir = scratch(name);
    copy(from, &dir);
    let config = std::fs::read_to_string(dir.join("c360.toml")).expect("c360.toml");
    let section = |header: &str| -> Vec<String> {
        config
            .lines()
            .skip_while(|l| l.trim() != header)
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with('['))
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let schema = section("[targets.dev]")
        .into_iter()
        .find(|l| l.trim_start().starts_with("schema"))
        .unwrap_or_default();
    let tables = section("[targets.dev.tables]").join("\n");
    let pg = format!(
        "{config}\n[targets.pg]\nengine = \"postgres\"\nurl = \"{url}\"\n{schema}\n\n[targets.pg.tables]\n{tables}\n"
    );
    std::fs::write(dir.join("c360.toml"), pg).expect("c360.toml written");
    dir
}

/// Runs target `target` of the project in `dir`; the JSON summary.
fn run(dir: &Path, target: &str) -> Value {
    let out = c360(&[
        "run",
        dir.to_str().unwrap(),
        "--target",
        target,
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The output tables a run published, as SQL.
fn outputs(summary: &Value) -> Vec<String> {
    summary["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|o| o["table"].as_str().expect("a table").to_owned())
        .collect()
}

/// A value's canonical form: decimals without trailing zeros, lists item by item.
fn canonical(value: &Option<String>) -> Vec<String> {
    let Some(v) = value else {
        return vec!["NULL".to_owned()];
    };
    match v.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        Some("") => vec!["[]".to_owned()],
        Some(items) => std::iter::once("[".to_owned())
            .chain(items.split(", ").map(str::to_owned))
            .collect(),
        None => vec![v.clone()],
    }
}

/// True when two rendered values are the same: equal text, or numbers within 1e-9 relative.
fn same_value(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(f64::MIN_POSITIVE),
        _ => false,
    }
}

/// A table's rows, sorted, each value canonical.
fn canonical_rows(rows: &Rows) -> Vec<Vec<Vec<String>>> {
    let mut out: Vec<Vec<Vec<String>>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(canonical).collect())
        .collect();
    out.sort();
    out
}

/// Fails unless `a` and `b` hold the same rows.
fn assert_same_table(table: &str, a: &Rows, b: &Rows) {
    assert_eq!(a.columns, b.columns, "{table}: columns");
    let (x, y) = (canonical_rows(a), canonical_rows(b));
    assert_eq!(x.len(), y.len(), "{table}: rows");
    for (i, (rx, ry)) in x.iter().zip(&y).enumerate() {
        let same = rx.len() == ry.len()
            && rx.iter().zip(ry).all(|(vx, vy)| {
                vx.len() == vy.len() && vx.iter().zip(vy).all(|(p, q)| same_value(p, q))
            });
        assert!(
            same,
            "{table}: row {i} differs:\n  duckdb:   {rx:?}\n  postgres: {ry:?}"
        );
    }
}

/// Runs the example `name` on DuckDB and on PostgreSQL and compares every output table.
fn example_matches_duckdb(name: &str) {
    let Some(url) = server_url() else { return };
    let db = fresh_database(&url, name);
    let dir = copy_project(&repo(&format!("examples/{name}")), name, &db);
    let duck = run(&dir, "dev");
    let pg = run(&dir, "pg");
    assert_eq!(duck["outputs"], pg["outputs"], "rows per output");
    // The rounds a loop takes depend on the order a database visits rows in; the graph does not.
    let graph = |summary: &Value| {
        let mut entities = summary["entities"].clone();
        for e in entities.as_array_mut().expect("entities") {
            e.as_object_mut().expect("an entity").remove("rounds");
        }
        entities
    };
    assert_eq!(graph(&duck), graph(&pg), "identity graphs");
    let database = duck["database"].as_str().map(PathBuf::from);
    let mut duckdb =
        Engine::duckdb(&database.unwrap_or_else(|| dir.join(format!("target/{name}.duckdb"))))
            .expect("the DuckDB database opens");
    let mut postgres = Engine::postgres(&db, "pg").expect("the server accepts connections");
    for table in outputs(&duck) {
        let a = duckdb.read_table(&table, None).expect("DuckDB table");
        let b = postgres.read_table(&table, None).expect("PostgreSQL table");
        assert!(!a.rows.is_empty(), "{table} is empty");
        assert_same_table(&table, &a, &b);
    }
}

#[test]
fn the_ecommerce_example_on_postgres_equals_duckdb() {
    example_matches_duckdb("ecommerce");
}

#[test]
fn the_saas_example_on_postgres_equals_duckdb() {
    example_matches_duckdb("saas");
}

/// A CSV file as rows of fields; an empty field is null (no quoted line breaks).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let text = std::fs::read_to_string(path).expect("the expected file exists");
    let mut lines = text.lines().map(fields);
    let header = lines
        .next()
        .expect("a header")
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    (header, lines.collect())
}

/// The fields of one CSV line (`"` quoting, no line breaks inside values).
fn fields(line: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (_, '"') => quoted = !quoted,
            (false, ',') => out.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    out.push(field);
    out.into_iter()
        .map(|f| if f.is_empty() { None } else { Some(f) })
        .collect()
}

#[test]
fn the_shop_case_on_postgres_publishes_the_hand_computed_outputs() {
    let Some(url) = server_url() else { return };
    let db = fresh_database(&url, "shop");
    let dir = copy_project(&repo("tests/run/shop"), "shop", &db);
    let summary = run(&dir, "pg");
    assert_eq!(summary["target"], "pg");
    let e = &summary["entities"][0];
    assert_eq!(e["instances"], 7);
    assert_eq!(e["nodes"], 10);
    assert_eq!(e["largest"]["id"], "be7c2f78d22f84a92914d69db587abde");
    let mut engine = Engine::postgres(&db, "pg").expect("the server accepts connections");
    for name in ["customer_360", "churn"] {
        let table = format!("c360.{name}");
        let rows = engine.read_table(&table, None).expect("published");
        let (header, want) = read_csv(&repo(&format!("tests/run/shop/expected/{name}.csv")));
        assert_eq!(rows.columns, header, "{table}: columns");
        let expected = Rows {
            table: table.clone(),
            columns: header,
            rows: want,
        };
        assert_same_table(&table, &expected, &rows);
    }
}

#[test]
fn a_failed_run_on_postgres_leaves_the_previous_outputs_intact() {
    let Some(url) = server_url() else { return };
    let db = fresh_database(&url, "failed");
    let dir = copy_project(&repo("tests/run/shop"), "failed", &db);
    run(&dir, "pg");
    let mut engine = Engine::postgres(&db, "pg").expect("the server accepts connections");
    let before = engine
        .read_table("c360.customer_360", None)
        .expect("published");

    // A bad value in the orders fails the load, after the previous run published.
    let orders = dir.join("data/orders.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        b"order_id,EMAIL_ADDRESS,amount,status,created_at\no1,a@x.com,12x,completed,2026-02-25 12:00:00\n",
    )
    .expect("compressed");
    std::fs::write(&orders, gz.finish().expect("compressed")).expect("written");

    let out = c360(&[
        "run",
        dir.to_str().unwrap(),
        "--target",
        "pg",
        "--as-of",
        AS_OF,
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("orders.csv.gz"), "{stderr}");
    assert!(stderr.contains("`12x`"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");

    let after = engine
        .read_table("c360.customer_360", None)
        .expect("still there");
    assert_eq!(before, after);
}

#[test]
fn a_server_that_is_down_is_a_clear_error() {
    // Port 1 on the loopback: nothing listens there, the connection is refused at once.
    let dir = scratch("down");
    std::fs::write(
        dir.join("c360.toml"),
        "[targets.pg]\nengine = \"postgres\"\nurl = \"postgres://postgres@127.0.0.1:1/postgres\"\n",
    )
    .expect("written");
    for file in ["sources.c360", "identity.c360", "features.c360"] {
        std::fs::copy(repo(&format!("tests/run/shop/{file}")), dir.join(file)).expect("copied");
    }
    let out = c360(&["run", dir.to_str().unwrap(), "--as-of", AS_OF]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot connect to the PostgreSQL server of target `pg` at 127.0.0.1:1"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
    assert!(!dir.join("target").exists(), "nothing is written");
}
