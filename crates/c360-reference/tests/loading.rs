//! Reading a project and its CSV tables from disk, and running `test` blocks.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use c360_reference::{evaluate, load_project, run_test, TestFailure, Value};
use common::*;

const FEATURES: &str = r#"
features person {
  n     = events | count()
  total = events | sum(amount)
  items = events | distinct(item)
  first_qty = events | first(qty)
}
"#;

/// A fresh project directory holding the base project, `FEATURES`, and `files`.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &[u8])]) -> Dir {
        let root =
            std::env::temp_dir().join(format!("c360-reference-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("data")).expect("temp dir");
        let base: [(&str, &[u8]); 2] = [
            ("base.c360", BASE.as_bytes()),
            ("features.c360", FEATURES.as_bytes()),
        ];
        for (path, bytes) in base.iter().chain(files) {
            fs::write(root.join(path), bytes).expect("write a project file");
        }
        Dir(root)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const CONFIG: &[u8] = br#"
[project]
name = "t"

[targets.dev]
engine = "duckdb"

[targets.dev.tables]
"app.events"     = "data/events.csv"
"APP.identifies" = "data/identifies.csv.gz"
"#;

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

#[test]
fn csv_files_are_read_with_declared_types_and_physical_names() {
    let identifies = gzip("anon,user_id,email_address,at\na1,u1,A@X.com,2026-05-01\n");
    let dir = Dir::new(
        "csv",
        &[
            ("c360.toml", CONFIG),
            (
                "data/events.csv",
                b"ANON,user_id,Kind,item,amount,qty,at,extra\n\
                  ,u1,buy,p1,10.50,2,2026-06-01 10:00:00,x\n\
                  ,u1,view,\"\",,,2026-06-02 10:00:00,y\n\
                  a1,,view,\"p,2\",1e1,3,2026-06-03T10:00:00,z\n",
            ),
            ("data/identifies.csv.gz", &identifies),
        ],
    );
    let project = load_project(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let tables = project.tables(None).unwrap_or_else(|e| panic!("{e}"));
    let events = tables
        .get("APP.EVENTS")
        .expect("relations match ignoring case");
    assert_eq!(
        events.columns,
        ["anon", "user_id", "kind", "item", "amount", "qty", "at"]
    );
    assert_eq!(events.lines, [2, 3, 4]);
    // An empty unquoted field is null; `""` is the empty string.
    assert_eq!(events.rows[1][3], Value::from(""));
    assert!(!events.rows[1][3].is_null());
    assert!(events.rows[0][0].is_null());
    let out = evaluate(&project.model, &tables, ts("2026-06-30 00:00:00")).expect("a run");
    let u1 = |c: &str| feature(&out, "person", "email", "a@x.com", c);
    assert_eq!(u1("n"), Value::Int(3));
    assert_eq!(u1("total").canonical(), "20.5");
    assert_eq!(u1("items"), strings(&["", "p,2", "p1"]));
    assert_eq!(u1("first_qty"), Value::Int(2));
}

#[test]
fn a_bad_value_names_the_file_line_column_and_type() {
    let dir = Dir::new(
        "bad",
        &[
            ("c360.toml", CONFIG),
            (
                "data/events.csv",
                b"anon,user_id,kind,item,amount,qty,at\n\
                  ,u1,buy,p1,1,2,2026-06-01 10:00:00\n\
                  ,u1,buy,p1,1,two,2026-06-01 10:00:00\n",
            ),
            (
                "data/identifies.csv.gz",
                &gzip("anon,user_id,email_address,at\n"),
            ),
        ],
    );
    let project = load_project(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let err = project.tables(None).expect_err("`two` is not an int");
    let location = err.location.clone().unwrap_or_default();
    assert!(location.ends_with("events.csv:3:6"), "{location}");
    assert_eq!(
        err.message,
        "`two` in column `qty` is not an `int`, which source `events` declares"
    );
    assert!(err.help.unwrap_or_default().contains("digits"));
}

#[test]
fn a_missing_column_or_file_mapping_is_explained() {
    let dir = Dir::new(
        "missing",
        &[
            ("c360.toml", CONFIG),
            ("data/events.csv", b"anon,user_id,kind\n,u1,buy\n"),
            (
                "data/identifies.csv.gz",
                &gzip("anon,user_id,email_address,at\n"),
            ),
        ],
    );
    let project = load_project(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let err = project.tables(None).expect_err("`item` is missing");
    assert!(
        err.message.contains("has no column `item`"),
        "{}",
        err.message
    );
    assert!(err
        .help
        .unwrap_or_default()
        .contains("`anon`, `user_id`, `kind`"));

    let unmapped = Dir::new(
        "unmapped",
        &[(
            "c360.toml",
            b"[targets.dev]\nengine = \"duckdb\"\n\n[targets.dev.tables]\n\"app.events\" = \"data/events.csv\"\n",
        )],
    );
    let project = load_project(unmapped.path()).unwrap_or_else(|e| panic!("{e}"));
    let err = project.tables(None).expect_err("identifies has no file");
    assert!(err.message.contains("`app.identifies`"), "{}", err.message);
    assert!(err
        .help
        .unwrap_or_default()
        .contains("[targets.dev.tables]"));
}

#[test]
fn run_test_reports_expectations_that_do_not_hold() {
    let m = model(&[
        ("base.c360", BASE),
        ("features.c360", FEATURES),
        (
            "tests.c360",
            r#"
test "two orders" {
  as_of = "2026-06-30 00:00:00"
  given events = [
    { user_id: "u1", kind: "buy", amount: 1.5, qty: 4, at: "2026-06-01 00:00:00" },
    { user_id: "u1", kind: "buy", amount: 2,   qty: 5, at: "2026-06-02 00:00:00" },
  ]
  expect person(user_id: "u1") {
    n         = 2
    total     = 3.5
    first_qty = 5
  }
  expect person(user_id: "nobody") {
    n = 0
  }
}
"#,
        ),
    ]);
    let failures = run_test(&m, &m.tests[0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        failures,
        vec![
            TestFailure::Mismatch {
                entity: "person".into(),
                id_type: "user_id".into(),
                id_value: "u1".into(),
                feature: "first_qty".into(),
                expected: Value::Int(5),
                actual: Value::Int(4),
            },
            TestFailure::NoInstance {
                entity: "person".into(),
                id_type: "user_id".into(),
                id_value: "nobody".into(),
            },
        ]
    );
    assert_eq!(
        failures[0].to_string(),
        "person(user_id: \"u1\").first_qty: expected 5, computed 4"
    );
}
