//! The run's table names handed to engines are the ones the compiled statements write.

mod common;

use c360_sql::{compile, Compiled, Dialect, Statement};

fn ecommerce(d: Dialect, schema: &str) -> Compiled {
    let (model, plan) = common::load_dir(&common::examples_dir().join("ecommerce"));
    compile(&model, &plan, d, schema, None).unwrap_or_else(|e| panic!("{d}: {e:#?}"))
}

/// Every statement's text, in order, loop bodies included.
fn sql(c: &Compiled) -> Vec<&str> {
    let mut out = Vec::new();
    for s in &c.statements {
        match s {
            Statement::Sql { sql, .. } => out.push(sql.as_str()),
            Statement::Loop { body, changed, .. } => {
                out.extend(body.iter().map(String::as_str));
                out.push(changed.as_str());
            }
        }
    }
    out
}

#[test]
fn entity_tables_name_what_the_statements_create() {
    // Redshift cannot express `last(e, N)`, which the example uses.
    let dialects = Dialect::all().iter().filter(|&&d| d != Dialect::Redshift);
    for &d in dialects {
        let c = ecommerce(d, "analytics_c360");
        let t = &c.tables;
        assert_eq!(t.schema, "analytics_c360", "{d}");
        assert_eq!(t.entities.len(), 1, "{d}");
        let e = &t.entities[0];
        assert_eq!(e.entity, "customer");
        assert_eq!(e.key_column, "customer_id", "{d}");
        let all = sql(&c).join("\n");
        for table in [&e.edges, &e.overlinked] {
            assert!(
                all.contains(table.as_str()),
                "{d}: {table} is never written"
            );
        }
        assert!(
            c.statements
                .iter()
                .any(|s| matches!(s, Statement::Loop { name, .. } if *name == e.stitch_step)),
            "{d}: no loop named {}",
            e.stitch_step
        );
        let names: Vec<&str> = t.outputs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["customer_id_graph", "customer_360", "churn_labels"]);
        assert_eq!(t.outputs[e.id_graph].name, "customer_id_graph");
        assert_eq!(t.outputs[e.table_360].name, "customer_360");
        for o in &t.outputs {
            assert!(
                all.contains(o.staged.as_str()),
                "{d}: {} is never built",
                o.staged
            );
            assert!(o.table.contains(&o.name), "{d}: {}", o.table);
        }
    }
}

#[test]
fn names_are_quoted_and_qualified_per_dialect() {
    let c = ecommerce(Dialect::DuckDb, "Analytics.C360");
    assert_eq!(c.tables.schema, r#""Analytics"."C360""#);
    assert_eq!(
        c.tables.outputs[1].table,
        r#""Analytics"."C360".customer_360"#
    );
    assert_eq!(
        c.tables.outputs[1].staged,
        r#""Analytics"."C360".customer_360__new"#
    );
    let unqualified = ecommerce(Dialect::DuckDb, "");
    assert_eq!(unqualified.tables.schema, "");
    assert_eq!(unqualified.tables.outputs[0].table, "customer_id_graph");
}
