//! Every generated statement that is not a procedural script parses back with sqlparser in
//! its own dialect, for every example project.

mod common;

use c360_sql::{compile, AsOf, Dialect};
use common::parse::{parse_one, plain_statements};

#[test]
fn every_example_statement_parses_in_its_dialect() {
    let as_of = AsOf::parse("2026-06-30 00:00:00");
    let mut failures = Vec::new();
    let mut parsed = 0;
    for (name, dir) in common::examples() {
        let (model, plan) = common::load_dir(&dir);
        for &d in Dialect::all() {
            let Ok(compiled) = compile(&model, &plan, d, "analytics_c360", as_of.as_ref()) else {
                continue;
            };
            for (step, sql) in plain_statements(&compiled) {
                parsed += 1;
                if let Err(e) = parse_one(d, &step, &sql) {
                    failures.push(format!("{name}: {e}"));
                }
            }
        }
    }
    assert!(parsed > 0, "no statement was checked");
    assert!(
        failures.is_empty(),
        "{} statements do not parse:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
