//! The example projects: their `test` blocks hold on the reference implementation, and, when
//! their `data/` directories exist, a run over that data keeps the invariants of the outputs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use c360_reference::{
    evaluate, load_project, node_key, run_test, LoadedProject, Outputs, Tables, Timestamp, Value,
};
use c360_sema::model::{Aggregate, ExprKind};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn load(name: &str) -> LoadedProject {
    load_project(&example(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_tests_hold(name: &str) {
    let project = load(name);
    assert!(!project.model.tests.is_empty(), "{name} has no tests");
    let mut failures = Vec::new();
    for test in &project.model.tests {
        let result = run_test(&project.model, test)
            .unwrap_or_else(|e| panic!("{name}: test \"{}\": {e}", test.name));
        failures.extend(
            result
                .iter()
                .map(|f| format!("{name}: test \"{}\": {f}", test.name)),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ecommerce_tests_hold() {
    assert_tests_hold("ecommerce");
}

#[test]
fn saas_tests_hold() {
    assert_tests_hold("saas");
}

/// The latest event time in the project's sources, so a run reads every row.
fn latest_time(project: &LoadedProject, tables: &Tables) -> Timestamp {
    let mut latest = None;
    for source in project.model.sources.values() {
        let Some(time) = source.time_column() else {
            continue;
        };
        let Some(table) = tables.get(&source.table.join(".")) else {
            continue;
        };
        let Some(i) = table.column_index(&time.physical) else {
            continue;
        };
        for row in &table.rows {
            if let Some(t) = row[i].as_micros() {
                latest = latest.max(Some(t));
            }
        }
    }
    Timestamp(latest.unwrap_or(0))
}

/// Checks what must hold of any run's outputs.
fn assert_invariants(project: &LoadedProject, out: &Outputs, as_of: Timestamp) {
    let model = &project.model;
    for entity in &model.entities {
        let e = out.entity(&entity.name).expect("every entity has outputs");
        let graph = &e.id_graph;
        assert_eq!(
            graph.columns,
            [entity.key_column(), "id_type".into(), "id_value".into()]
        );

        // Each node belongs to exactly one instance.
        let mut nodes = BTreeSet::new();
        let mut by_key: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for row in &graph.rows {
            let [Value::String(k), Value::String(t), Value::String(v)] = row.as_slice() else {
                panic!("id graph row {row:?} is not three strings");
            };
            assert!(!v.is_empty(), "an empty identifier is a node");
            assert!(
                nodes.insert((t.clone(), v.clone())),
                "node {t}:{v} is in two instances"
            );
            by_key
                .entry(k.clone())
                .or_default()
                .push((t.clone(), v.clone()));
        }
        for id in &e.overlinked {
            assert!(
                !nodes.contains(&(id.id_type.clone(), id.value.clone())),
                "over-linked {}:{} is still a node",
                id.id_type,
                id.value
            );
            assert!(id.neighbours as u64 > id.max_links);
        }

        // The key is the MD5 of the anchor.
        for (k, members) in &by_key {
            let anchor = members
                .iter()
                .map(|(t, v)| {
                    let rank = entity
                        .ids
                        .iter()
                        .position(|x| x == t)
                        .expect("a listed type");
                    (rank, node_key(t, v))
                })
                .min()
                .map(|(_, md5)| md5);
            assert_eq!(anchor.as_deref(), Some(k.as_str()));
        }

        // One 360 row per instance, with the id lists of the graph and every visible feature.
        let t360 = &e.table_360;
        let mut expected_columns = vec![entity.key_column()];
        expected_columns.extend(entity.ids.iter().map(|t| format!("{t}_ids")));
        expected_columns.extend(
            entity
                .features
                .iter()
                .filter(|f| !f.hidden)
                .map(|f| f.name.clone()),
        );
        assert_eq!(t360.columns, expected_columns);
        assert_eq!(t360.rows.len(), by_key.len());
        for row in &t360.rows {
            let Value::String(k) = &row[0] else {
                panic!("a key is not a string: {:?}", row[0]);
            };
            let members = &by_key[k];
            for (i, t) in entity.ids.iter().enumerate() {
                let mut values: Vec<&str> = members
                    .iter()
                    .filter(|(mt, _)| mt == t)
                    .map(|(_, v)| v.as_str())
                    .collect();
                values.sort_unstable();
                let listed: Vec<String> = match &row[1 + i] {
                    Value::List(items) => items.iter().map(Value::canonical).collect(),
                    other => panic!("`{t}_ids` is not a list: {other:?}"),
                };
                assert_eq!(listed, values, "`{t}_ids` of {k}");
            }
            // Counts are never negative or null.
            for f in entity.features.iter().filter(|f| !f.hidden) {
                if let ExprKind::Pipeline(p) = &f.body.kind {
                    if matches!(p.aggregate, Aggregate::Count | Aggregate::CountDistinct) {
                        let v = &row[t360.column(&f.name).expect("a visible feature")];
                        assert!(matches!(v, Value::Int(n) if *n >= 0), "{}: {v:?}", f.name);
                    }
                }
            }
        }
    }

    // Training sets: one row per label; a lifetime count as of a label time is at most the
    // count as of the run's as_of.
    for set in &model.training_sets {
        let t = out
            .table(&set.name)
            .expect("every training set has a table");
        let entity = model.entity(&set.entity).expect("a declared entity");
        let e = out.entity(&entity.name).expect("entity outputs");
        let key_col = t.column(&entity.key_column()).expect("the key column");
        let time_col = set
            .labels_columns
            .iter()
            .position(|c| c.is_time)
            .expect("a @time column");
        for row in &t.rows {
            let Value::String(k) = &row[key_col] else {
                continue;
            };
            assert!(e.row(k).is_some(), "label resolved to unknown key {k}");
            let Some(label_time) = row[time_col].as_micros() else {
                continue;
            };
            if label_time > as_of.micros() {
                continue;
            }
            for f in &set.features {
                let def = entity.feature(f).expect("a listed feature");
                let ExprKind::Pipeline(p) = &def.body.kind else {
                    continue;
                };
                let lifetime_count = p.aggregate == Aggregate::Count
                    && p.windows.is_empty()
                    && p.filters.iter().all(|x| {
                        let mut reads_feature = false;
                        x.walk(&mut |e| {
                            reads_feature |= matches!(e.kind, ExprKind::Feature { .. });
                        });
                        !reads_feature
                    });
                if !lifetime_count || def.hidden {
                    continue;
                }
                let (Value::Int(then), Some(Value::Int(now))) =
                    (&row[t.column(f).expect("feature column")], e.value(k, f))
                else {
                    panic!("`{f}` is not an int count");
                };
                assert!(
                    then <= now,
                    "`{f}` of {k}: {then} at the label, {now} at as_of"
                );
            }
        }
    }
}

/// The outputs of every `test` block's data keep the invariants too.
fn assert_test_data_invariants(name: &str) {
    let project = load(name);
    for test in &project.model.tests {
        let tables = Tables::from_test(&project.model, test).expect("given rows");
        let as_of = Timestamp::parse(&test.as_of).expect("a valid as_of");
        let out = evaluate(&project.model, &tables, as_of)
            .unwrap_or_else(|e| panic!("{name}: test \"{}\": {e}", test.name));
        assert_invariants(&project, &out, as_of);
    }
}

#[test]
fn ecommerce_test_data_keeps_the_invariants() {
    assert_test_data_invariants("ecommerce");
}

#[test]
fn saas_test_data_keeps_the_invariants() {
    assert_test_data_invariants("saas");
}

fn assert_data_invariants(name: &str) {
    let project = load(name);
    if !project.root.join("data").is_dir() {
        eprintln!("{name}: no data/ directory; skipping the run over its data");
        return;
    }
    let tables = project
        .tables(None)
        .unwrap_or_else(|e| panic!("{name}: loading data: {e}"));
    let as_of = latest_time(&project, &tables);
    let out = evaluate(&project.model, &tables, as_of).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_invariants(&project, &out, as_of);
    for set in &project.model.training_sets {
        let labels = tables
            .get(&set.labels_table.join("."))
            .map_or(0, |t| t.rows.len());
        assert_eq!(out.table(&set.name).map(|t| t.rows.len()), Some(labels));
    }
    // Runs are deterministic.
    let again = evaluate(&project.model, &tables, as_of).expect("second run");
    assert_eq!(out.to_canonical_csv(), again.to_canonical_csv());
}

#[test]
fn ecommerce_data_keeps_the_invariants() {
    assert_data_invariants("ecommerce");
}

#[test]
fn saas_data_keeps_the_invariants() {
    assert_data_invariants("saas");
}
