//! Snapshots of every example project compiled for every dialect: the files `c360 compile`
//! writes, or the diagnostics when the dialect cannot express the project.

mod common;

use c360_sql::{compile, AsOf, Dialect};

#[test]
fn every_example_in_every_dialect() {
    let as_of = AsOf::parse("2026-06-30 00:00:00");
    for (name, dir) in common::examples() {
        let (model, plan) = common::load_dir(&dir);
        for &d in Dialect::all() {
            let content = match compile(&model, &plan, d, "analytics_c360", as_of.as_ref()) {
                Ok(compiled) => compiled
                    .files
                    .iter()
                    .map(|f| format!("==== {}\n{}", f.name, f.sql))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Err(diags) => diags
                    .iter()
                    .map(|d| {
                        format!(
                            "{} {}:{:?}: {}\n  help: {}\n",
                            d.code,
                            d.primary.file.as_str(),
                            d.primary.span,
                            d.message,
                            d.help.as_deref().unwrap_or("")
                        )
                    })
                    .collect(),
            };
            insta::assert_snapshot!(format!("{name}__{}", d.name()), content);
        }
    }
}

#[test]
fn compiling_twice_gives_identical_output() {
    let as_of = AsOf::parse("2026-06-30 00:00:00");
    for (_, dir) in common::examples() {
        let (model, plan) = common::load_dir(&dir);
        for &d in Dialect::all() {
            let a = compile(&model, &plan, d, "c360", as_of.as_ref());
            let b = compile(&model, &plan, d, "c360", as_of.as_ref());
            assert_eq!(a, b, "{d} output differs between two runs");
        }
    }
}
