//! Loading local tables: declared types enforced, clear errors naming file, line, column
//! and value, extra columns ignored, and nothing changed when a load fails.

mod common;

use c360_engine::ErrorKind;
use common::{project, write, Project};

const PROJECT: &str = r#"
id_type email {
  normalize = lower(trim(value))
}

entity customer {
  ids = [email]
}

source orders from "shop.orders" {
  order_id:   string
  email:      string    @id(email) @column("EMAIL")
  amount:     decimal
  paid:       bool
  created_at: timestamp @time
}

features customer {
  revenue = orders | sum(amount)
}
"#;

fn config(file: &str) -> String {
    format!(
        "[targets.dev]\nengine = \"duckdb\"\npath = \"target/shop.duckdb\"\nschema = \"c360\"\n\n\
         [targets.dev.tables]\n\"shop.orders\" = \"{file}\"\n"
    )
}

fn orders(name: &str, file: &str, data: &str) -> Project {
    let config = config(file);
    project(
        name,
        &[
            ("project.c360", PROJECT),
            ("c360.toml", &config),
            (file, data),
        ],
    )
}

#[test]
fn loads_declared_columns_with_their_types_and_ignores_the_rest() {
    let p = orders(
        "loads_declared_columns",
        "data/orders.csv",
        "note,order_id,EMAIL,amount,paid,created_at,extra\n\
         x,o1,A@x.com,10.5,true,2026-01-01 10:00:00,1\n\
         y,o2,\"b@x.com\",,false,2026-01-02 11:30:00,2\n",
    );
    let mut engine = p.engine();
    let report = p.load(&mut engine).expect("the file loads");
    assert_eq!(report.tables.len(), 1);
    assert_eq!(report.tables[0].table, "shop.orders");
    assert_eq!(report.tables[0].rows, 2);
    let rows = engine
        .read_table("shop.orders", None)
        .expect("the table is there");
    assert_eq!(
        rows.columns,
        ["order_id", "EMAIL", "amount", "paid", "created_at"]
    );
    assert_eq!(
        common::show(&rows),
        [
            "o1 | A@x.com | 10.5 | true | 2026-01-01 10:00:00",
            "o2 | b@x.com | null | false | 2026-01-02 11:30:00",
        ]
    );
}

#[test]
fn a_value_of_the_wrong_type_names_file_line_column_and_value() {
    let p = orders(
        "wrong_type",
        "data/orders.csv",
        "order_id,EMAIL,amount,paid,created_at\n\
         o1,a@x.com,10.5,true,2026-01-01 10:00:00\n\
         o2,b@x.com,12.3O,true,2026-01-01 10:00:00\n\
         o3,c@x.com,abc,true,2026-01-01 10:00:00\n",
    );
    let err = p
        .load(&mut p.engine())
        .expect_err("a bad decimal fails the load");
    assert_eq!(err.kind, ErrorKind::Data);
    assert!(err.message.contains("line 3 of `"), "{err}");
    assert!(err.message.contains("orders.csv`"), "{err}");
    assert!(err.message.contains("`12.3O`"), "{err}");
    assert!(err.message.contains("column `amount`"), "{err}");
    assert!(err.message.contains("`decimal`"), "{err}");
    assert!(err.message.contains("source `orders`"), "{err}");
    assert!(err.message.contains("1 more bad value"), "{err}");
    assert!(
        err.location
            .as_deref()
            .is_some_and(|l| l.ends_with("orders.csv:3")),
        "{err}"
    );
    assert!(
        err.help
            .as_deref()
            .is_some_and(|h| h.contains("decimal point")),
        "{err}"
    );
}

#[test]
fn bad_timestamps_and_bools_in_gzip_files_are_reported_too() {
    let p = orders("wrong_timestamp_gz", "data/orders.csv.gz", "");
    let gz = gzip(
        "order_id,EMAIL,amount,paid,created_at\n\
         o1,a@x.com,1,true,2026-01-01 10:00:00\n\
         o2,a@x.com,2,true,01/02/2026\n",
    );
    std::fs::write(p.dir.join("data/orders.csv.gz"), gz).expect("written");
    let err = p
        .load(&mut p.engine())
        .expect_err("a bad timestamp fails the load");
    assert!(err.message.contains("line 3"), "{err}");
    assert!(err.message.contains("`01/02/2026`"), "{err}");
    assert!(err.message.contains("column `created_at`"), "{err}");
    assert!(
        err.help
            .as_deref()
            .is_some_and(|h| h.contains("YYYY-MM-DD HH:MM:SS")),
        "{err}"
    );

    let gz = gzip("order_id,EMAIL,amount,paid,created_at\no1,a@x.com,1,yes please,\n");
    std::fs::write(p.dir.join("data/orders.csv.gz"), gz).expect("written");
    let err = p
        .load(&mut p.engine())
        .expect_err("a bad bool fails the load");
    assert!(err.message.contains("line 2"), "{err}");
    assert!(
        err.message.contains("`yes please` in column `paid`"),
        "{err}"
    );
}

#[test]
fn the_physical_column_name_is_the_one_looked_up() {
    let p = orders(
        "missing_column",
        "data/orders.csv",
        "order_id,email,amount,created_at\no1,a@x.com,1,2026-01-01 10:00:00\n",
    );
    // `email` matches `@column("EMAIL")` ignoring case; `paid` is missing.
    let err = p
        .load(&mut p.engine())
        .expect_err("a missing column fails the load");
    assert_eq!(err.kind, ErrorKind::Data);
    assert!(err.message.contains("has no column `paid`"), "{err}");
    assert!(err.message.contains("source `orders`"), "{err}");
    assert!(
        err.help
            .as_deref()
            .is_some_and(|h| h.contains("`order_id`, `email`, `amount`, `created_at`")),
        "{err}"
    );
}

#[test]
fn a_missing_file_names_the_config_entry() {
    let p = orders("missing_file", "data/orders.csv", "order_id\n");
    std::fs::remove_file(p.dir.join("data/orders.csv")).expect("removed");
    let err = p
        .load(&mut p.engine())
        .expect_err("a missing file fails the load");
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.message.contains("`shop.orders`"), "{err}");
    assert!(err.message.contains("data/orders.csv` "), "{err}");
    assert!(err.message.contains("does not exist"), "{err}");
    // The entry is on line 7 of c360.toml.
    assert!(
        err.location
            .as_deref()
            .is_some_and(|l| l.ends_with("c360.toml:7")),
        "{err}"
    );
    assert!(
        err.help
            .as_deref()
            .is_some_and(|h| h.contains("\"shop.orders\" = \"data/orders.csv\"")),
        "{err}"
    );
}

#[test]
fn an_empty_file_and_a_relation_nobody_provides_are_errors() {
    let p = orders("empty_file", "data/orders.csv", "");
    let err = p
        .load(&mut p.engine())
        .expect_err("an empty file fails the load");
    assert!(err.message.contains("is empty"), "{err}");

    let p = project(
        "no_relation",
        &[
            ("project.c360", PROJECT),
            ("c360.toml", "[targets.dev]\nengine = \"duckdb\"\n"),
        ],
    );
    let err = p
        .load(&mut p.engine())
        .expect_err("nothing provides shop.orders");
    assert!(
        err.message
            .contains("source `orders` reads `shop.orders`, which is neither in the database"),
        "{err}"
    );
    assert!(
        err.help
            .as_deref()
            .is_some_and(|h| h.contains("[targets.dev.tables]")),
        "{err}"
    );
}

#[test]
fn a_failed_load_leaves_the_previous_tables_as_they_were() {
    let p = orders(
        "failed_load_keeps_tables",
        "data/orders.csv",
        "order_id,EMAIL,amount,paid,created_at\no1,a@x.com,1,true,2026-01-01 10:00:00\n",
    );
    p.load(&mut p.engine()).expect("the first load works");
    write(
        &p.dir,
        &[(
            "data/orders.csv",
            "order_id,EMAIL,amount,paid,created_at\no2,b@x.com,2,true,2026-01-01 10:00:00\no3,c@x.com,x,true,\n",
        )],
    );
    let mut engine = p.engine();
    p.load(&mut engine).expect_err("the second load fails");
    let rows = engine.read_table("shop.orders", None).expect("still there");
    assert_eq!(
        common::show(&rows),
        ["o1 | a@x.com | 1 | true | 2026-01-01 10:00:00"]
    );
}

#[test]
fn parquet_files_are_cast_to_the_declared_types() {
    let p = orders("parquet", "data/orders.parquet", "");
    let path = p.dir.join("data/orders.parquet");
    write_parquet(
        &path,
        "SELECT 'o1' AS order_id, 'a@x.com' AS EMAIL, '10.25' AS amount, true AS paid, \
         TIMESTAMP '2026-01-01 10:00:00' AS created_at, 42 AS extra",
    );
    let mut engine = p.engine();
    p.load(&mut engine).expect("the parquet file loads");
    let rows = engine.read_table("shop.orders", None).expect("loaded");
    assert_eq!(
        common::show(&rows),
        ["o1 | a@x.com | 10.25 | true | 2026-01-01 10:00:00"]
    );

    write_parquet(
        &path,
        "SELECT * FROM (VALUES ('o1', 'a@x.com', '1', true, TIMESTAMP '2026-01-01 10:00:00'), \
         ('o2', 'a@x.com', 'ten', true, TIMESTAMP '2026-01-01 10:00:00')) \
         AS t(order_id, EMAIL, amount, paid, created_at)",
    );
    let err = p.load(&mut p.engine()).expect_err("`ten` is no decimal");
    assert!(err.message.contains("row 2 of `"), "{err}");
    assert!(err.message.contains("`ten` in column `amount`"), "{err}");
}

/// Writes the rows of `query` to a Parquet file.
fn write_parquet(path: &std::path::Path, query: &str) {
    let conn = duckdb::Connection::open_in_memory().expect("DuckDB starts");
    let target = path.to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!("COPY ({query}) TO '{target}' (FORMAT parquet)"))
        .expect("the Parquet file is written");
}

/// `text` gzip-compressed.
fn gzip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).expect("compressed");
    encoder.finish().expect("compressed")
}
