//! The shape of the compiled steps: scans per source, one place for `as_of`, the stitch loop.

mod common;

use c360_sql::{compile, AsOf, Compiled, Dialect, Statement};

fn ecommerce(d: Dialect, as_of: Option<&AsOf>) -> Compiled {
    let (model, plan) = common::load_dir(&common::examples_dir().join("ecommerce"));
    compile(&model, &plan, d, "c360", as_of).unwrap_or_else(|e| panic!("{d}: {e:#?}"))
}

/// Every SQL text of the run, with its step name (loop bodies included).
fn texts(c: &Compiled) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in &c.statements {
        match s {
            Statement::Sql { name, sql } => out.push((name.clone(), sql.clone())),
            Statement::Loop {
                name,
                body,
                changed,
                ..
            } => {
                out.extend(body.iter().map(|b| (name.clone(), b.clone())));
                out.push((name.clone(), changed.clone()));
            }
        }
    }
    out
}

#[test]
fn each_source_is_read_at_most_twice_outside_the_stitching() {
    let sources = [
        "analytics.web_events",
        "analytics.identifies",
        "shop.orders",
        "crm.contacts",
    ];
    for &d in [
        Dialect::DuckDb,
        Dialect::Postgres,
        Dialect::Snowflake,
        Dialect::BigQuery,
        Dialect::Databricks,
    ]
    .iter()
    {
        let c = ecommerce(d, None);
        for source in sources {
            let reads = |stitching: bool| -> usize {
                texts(&c)
                    .iter()
                    .filter(|(name, _)| name.ends_with("_id_links") == stitching)
                    .map(|(_, sql)| sql.matches(&format!("{source} AS src")).count())
                    .sum()
            };
            assert_eq!(
                reads(true),
                1,
                "{d}: the identity graph reads `{source}` once"
            );
            assert!(
                reads(false) <= 2,
                "{d}: `{source}` is read {} times by the features and the training set",
                reads(false)
            );
        }
        // `web_events` needs a second scan: a filter reads `first_purchase_at`.
        let web: usize = texts(&c)
            .iter()
            .filter(|(name, _)| !name.ends_with("_id_links"))
            .map(|(_, sql)| sql.matches("analytics.web_events AS src").count())
            .sum();
        assert_eq!(web, 2, "{d}");
    }
}

#[test]
fn as_of_is_set_in_one_statement_and_never_read_from_the_clock() {
    let as_of = AsOf::parse("2026-06-30 12:34:56.5").expect("a valid as_of");
    for &d in Dialect::all() {
        let (model, plan) = common::load_dir(&common::examples_dir().join("saas"));
        let Ok(c) = compile(&model, &plan, d, "c360", Some(&as_of)) else {
            continue;
        };
        let with_literal: Vec<String> = texts(&c)
            .into_iter()
            .filter(|(_, sql)| sql.contains("2026-06-30 12:34:56.5"))
            .map(|(name, _)| name)
            .collect();
        assert_eq!(with_literal, ["params"], "{d}");
        for (name, sql) in texts(&c) {
            let upper = sql.to_ascii_uppercase();
            for clock in [
                "CURRENT_TIMESTAMP",
                "CURRENT_DATE",
                "NOW()",
                "GETDATE",
                "SYSDATE",
                "LOCALTIMESTAMP",
            ] {
                assert!(
                    !upper.contains(clock),
                    "{d} `{name}` reads the clock: {sql}"
                );
            }
        }
    }
}

#[test]
fn without_as_of_the_run_fails_until_it_is_set() {
    for &d in Dialect::all() {
        if d == Dialect::Redshift {
            continue;
        }
        let c = ecommerce(d, None);
        let names: Vec<&str> = c.statements.iter().map(Statement::name).collect();
        assert_eq!(names[0], "params", "{d}");
        assert!(names.contains(&"params_check"), "{d}");
        let params: Vec<String> = texts(&c)
            .into_iter()
            .filter(|(name, _)| name == "params")
            .map(|(_, sql)| sql)
            .collect();
        assert!(
            params
                .iter()
                .any(|sql| sql.to_ascii_uppercase().contains("CAST(NULL AS")),
            "{d}: {params:?}"
        );
    }
}

#[test]
fn the_stitch_loop_is_bounded_and_rendered_natively_where_the_dialect_can() {
    for &d in Dialect::all() {
        if d == Dialect::Redshift {
            continue;
        }
        let c = ecommerce(d, None);
        let loops: Vec<&Statement> = c
            .statements
            .iter()
            .filter(|s| matches!(s, Statement::Loop { .. }))
            .collect();
        assert_eq!(loops.len(), 1, "{d}: one loop per entity");
        let Statement::Loop {
            name,
            body,
            changed,
            max_rounds,
        } = loops[0]
        else {
            unreachable!()
        };
        assert_eq!(name, "customer_stitch");
        assert_eq!(*max_rounds, 64);
        assert!(!body.is_empty());
        assert!(changed.contains("COUNT(*)"), "{changed}");
        let file = c
            .files
            .iter()
            .find(|f| f.name.ends_with("_customer_stitch.sql"))
            .expect("a file for the loop");
        let marker = match d {
            Dialect::DuckDb => "`c360 run` repeats these statements",
            Dialect::Postgres => "DO $c360$",
            Dialect::Snowflake => "EXECUTE IMMEDIATE $$",
            Dialect::BigQuery => "LEAVE;",
            Dialect::Redshift => "LANGUAGE plpgsql",
            Dialect::Databricks => "END WHILE;",
        };
        assert!(file.sql.contains(marker), "{d}: {}", file.sql);
        if d != Dialect::DuckDb {
            assert!(file.sql.contains("64"), "{d}: the bound is in the script");
            assert!(
                file.sql.contains("did not converge within 64 rounds"),
                "{d}"
            );
        }
    }
}

#[test]
fn files_are_numbered_in_execution_order() {
    let c = ecommerce(Dialect::DuckDb, None);
    let names: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names[0], "000_params.sql");
    assert!(names.contains(&"020_customer_id_links.sql"), "{names:?}");
    assert!(
        names.last().is_some_and(|n| n.ends_with("_cleanup.sql")),
        "{names:?}"
    );
    let publish = names.iter().position(|n| n.ends_with("_publish.sql"));
    assert_eq!(publish, Some(names.len() - 2));
}

#[test]
fn redshift_reports_list_features_at_the_feature() {
    let (model, plan) = common::load_dir(&common::examples_dir().join("ecommerce"));
    let diags = compile(&model, &plan, Dialect::Redshift, "c360", None).expect_err("lists");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.code.as_str(), "E0300");
    assert_eq!(d.primary.file.as_str(), "features.c360");
    assert!(d.message.contains("`last_10_products`"), "{}", d.message);
    assert!(d.message.contains("Redshift"), "{}", d.message);
    assert!(d.message.contains("`last(e, N)`"), "{}", d.message);
}

#[test]
fn as_of_accepts_timestamps_and_dates_only() {
    assert_eq!(
        AsOf::parse("2026-02-28").map(|a| a.as_str().to_owned()),
        Some("2026-02-28 00:00:00".to_owned())
    );
    assert!(AsOf::parse("2026-06-30 23:59:59.123456").is_some());
    for bad in [
        "",
        "2026-02-30",
        "2026-13-01",
        "2026-06-30 24:00:00",
        "2026-06-30T00:00:00",
        "2026-06-30 00:00:00.1234567",
        "'; DROP TABLE x; --",
    ] {
        assert!(AsOf::parse(bad).is_none(), "{bad:?} is accepted");
    }
}

#[test]
fn the_schema_may_be_empty_or_qualified() {
    let (model, plan) = common::load_dir(&common::examples_dir().join("ecommerce"));
    let params = |schema: &str| -> String {
        let c = compile(&model, &plan, Dialect::DuckDb, schema, None).expect("compiles");
        c.files[0].sql.clone()
    };
    assert!(params("").contains("CREATE OR REPLACE TABLE c360_params AS"));
    assert!(params("shop.c360").contains("CREATE OR REPLACE TABLE shop.c360.c360_params AS"));
    let diags = compile(&model, &plan, Dialect::DuckDb, "a..b", None).expect_err("an empty part");
    assert_eq!(diags[0].primary.file.as_str(), "c360.toml");
    assert!(diags[0].message.contains("`a..b`"), "{}", diags[0].message);
}
