//! The generator's contract: every project checks clean, a seed always gives the same bytes,
//! and across seeds every construct the differential tests need occurs, in the model and in
//! the data.

use std::collections::{BTreeMap, BTreeSet};

use c360_diagnostics::render::render_human;
use c360_sema::model::{ExprKind, Literal};
use c360_sema::{Model, Type};
use c360_testgen::{csv, generate, workspace, GeneratedProject};

const SEEDS: u64 = 300;

/// The checked model of a project, failing with the seed and rendered diagnostics.
fn checked_model(seed: u64, project: &GeneratedProject) -> Model {
    let ws = workspace(project);
    let checked = ws.check();
    assert!(
        checked.diagnostics.is_empty(),
        "seed {seed} does not check clean (reproduce: cargo run -p c360-testgen -- {seed} DIR):\n{}",
        render_human(&checked.diagnostics, &ws, false)
    );
    checked.model.clone()
}

#[test]
fn every_project_checks_clean_without_warnings() {
    for seed in 0..SEEDS {
        let project = generate(seed);
        let model = checked_model(seed, &project);
        assert!((1..=2).contains(&model.entities.len()), "seed {seed}");
        assert!((2..=5).contains(&model.id_types.len()), "seed {seed}");
        assert!((1..=4).contains(&model.sources.len()), "seed {seed}");
        for e in &model.entities {
            assert!(
                (3..=15).contains(&e.features.len()),
                "seed {seed}: {} has {} features",
                e.name,
                e.features.len()
            );
        }
    }
}

#[test]
fn a_seed_always_gives_the_same_bytes() {
    let first: Vec<GeneratedProject> = (0..40).map(generate).collect();
    let again = std::thread::spawn(|| (0..40).map(generate).collect::<Vec<_>>())
        .join()
        .expect("generation in another thread");
    assert_eq!(first, again);
    let distinct: BTreeSet<String> = first.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(
        distinct.len(),
        first.len(),
        "different seeds give different projects"
    );
}

#[test]
fn tables_match_the_declarations_and_the_csv_convention() {
    for seed in 0..SEEDS {
        let project = generate(seed);
        let model = checked_model(seed, &project);
        let readers = relations(&model);
        let tables: BTreeSet<String> = project.tables.iter().map(|(r, _, _)| r.clone()).collect();
        assert_eq!(
            tables,
            readers.keys().cloned().collect(),
            "seed {seed}: one table per relation read"
        );
        for (relation, path, text) in &project.tables {
            assert!(
                project
                    .config
                    .contains(&format!("\"{relation}\" = \"{path}\"")),
                "seed {seed}: c360.toml maps {relation} to {path}"
            );
            let records = csv::parse(text).unwrap_or_else(|e| panic!("seed {seed} {path}: {e}"));
            let (header, rows) = records.split_first().expect("a header");
            assert!(rows.len() <= 60, "seed {seed} {path}: {} rows", rows.len());
            assert!(header.len() >= 2, "seed {seed} {path}: one column only");
            let header: Vec<String> = header
                .iter()
                .map(|h| h.clone().unwrap_or_default())
                .collect();
            for (physical, ty) in &readers[relation] {
                let at = header
                    .iter()
                    .position(|h| h == physical)
                    .unwrap_or_else(|| panic!("seed {seed} {path}: no column {physical}"));
                for row in rows {
                    if let Some(v) = &row[at] {
                        assert!(
                            fits(v, ty),
                            "seed {seed} {path}: `{v}` in {physical} is not a {ty}"
                        );
                    }
                }
            }
        }
    }
}

/// Every relation the model reads, with its physical columns and their types.
fn relations(model: &Model) -> BTreeMap<String, Vec<(String, Type)>> {
    let mut out: BTreeMap<String, Vec<(String, Type)>> = BTreeMap::new();
    let readers = model
        .sources
        .values()
        .map(|s| (&s.table, &s.columns))
        .chain(
            model
                .training_sets
                .iter()
                .map(|t| (&t.labels_table, &t.labels_columns)),
        );
    for (table, columns) in readers {
        let cols = out.entry(table.join(".")).or_default();
        for c in columns {
            if !cols.iter().any(|(p, _)| p == &c.physical) {
                cols.push((c.physical.clone(), c.ty.clone()));
            }
        }
    }
    out
}

/// True when a non-null CSV field is a value of `ty` in the convention's form.
fn fits(v: &str, ty: &Type) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = v.strip_prefix('-').unwrap_or(v);
    match ty {
        Type::String => true,
        Type::Int => digits(unsigned),
        Type::Decimal => {
            matches!(unsigned.split_once('.'), Some((i, f)) if digits(i) && f.len() == 2 && digits(f))
        }
        Type::Float => match unsigned.split_once('.') {
            Some((i, f)) => digits(i) && ["25", "5", "75"].contains(&f),
            None => digits(unsigned),
        },
        Type::Bool => v == "true" || v == "false",
        Type::Date => v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-',
        Type::Timestamp => v.len() == 19 && v.as_bytes()[10] == b' ',
        _ => false,
    }
}

/// Counts of what occurs across seeds.
#[derive(Default)]
struct Tally(BTreeMap<String, usize>);

impl Tally {
    fn add(&mut self, what: impl Into<String>) {
        *self.0.entry(what.into()).or_default() += 1;
    }

    fn require(&self, what: &str) {
        assert!(
            self.0.get(what).copied().unwrap_or(0) > 0,
            "`{what}` never occurs in {SEEDS} seeds; seen: {:#?}",
            self.0
        );
    }
}

#[test]
fn every_construct_occurs_in_the_models() {
    let mut tally = Tally::default();
    for seed in 0..SEEDS {
        let model = checked_model(seed, &generate(seed));
        for t in model.id_types.values() {
            if t.max_links.is_some() {
                tally.add("max_links");
            }
            if t.normalize.is_some() {
                tally.add("normalize");
            }
            if t.valid.is_some() {
                tally.add("valid");
            }
            if !t.exclude.is_empty() {
                tally.add("exclude");
            }
        }
        if model.entities.len() == 2 {
            tally.add("two entities");
        }
        for s in model.sources.values() {
            tally.add(if s.time_column().is_some() {
                "event source"
            } else {
                "snapshot source"
            });
            for c in &s.columns {
                tally.add(format!("column {}", c.ty));
                if c.physical != c.name {
                    tally.add("@column");
                }
                if c.physical.chars().any(|ch| ch.is_ascii_uppercase()) {
                    tally.add("mixed-case physical name");
                }
                if ["order", "select", "group", "from", "table", "user", "limit"]
                    .contains(&c.physical.as_str())
                {
                    tally.add("reserved word as physical name");
                }
            }
            let mut physical: Vec<&str> = s.columns.iter().map(|c| c.physical.as_str()).collect();
            physical.sort_unstable();
            if physical.windows(2).any(|w| w[0] == w[1]) {
                tally.add("two columns over one physical column");
            }
        }
        if !model.training_sets.is_empty() {
            tally.add("training set");
        }
        for e in &model.entities {
            for f in &e.features {
                if f.hidden {
                    tally.add("hidden feature");
                }
                if f.deprecated.is_some() {
                    tally.add("deprecated feature");
                }
                if e.features
                    .iter()
                    .any(|g| g.name != f.name && g.depends_on.contains(&f.name))
                {
                    tally.add("feature used by a feature");
                }
                if model
                    .sources
                    .values()
                    .any(|s| s.columns.iter().any(|c| c.name == f.name))
                {
                    tally.add("feature named like a column");
                }
                f.body.walk(&mut |x| match &x.kind {
                    ExprKind::Pipeline(p) => {
                        tally.add(format!("aggregate {:?}", p.aggregate));
                        if !p.windows.is_empty() {
                            tally.add("within");
                        }
                        if !p.filters.is_empty() {
                            tally.add("where");
                        }
                        let relative = p.filters.iter().any(|flt| {
                            let mut reads_feature = false;
                            flt.walk(&mut |y| {
                                reads_feature |= matches!(y.kind, ExprKind::Feature { .. })
                            });
                            reads_feature
                        });
                        if relative {
                            tally.add("event-relative filter");
                        }
                        if model.sources[&p.source].time_column().is_none() {
                            tally.add("pipeline over a snapshot source");
                        }
                        if !std::ptr::eq(x, &f.body) {
                            tally.add("pipeline inside an expression");
                        }
                    }
                    ExprKind::Call { func, .. } => tally.add(format!("function {func:?}")),
                    ExprKind::Binary { op, .. } => tally.add(format!("operator {op:?}")),
                    ExprKind::If { .. } => tally.add("if/then/else"),
                    ExprKind::IsNull { .. } => tally.add("is null"),
                    ExprKind::Not(_) => tally.add("not"),
                    ExprKind::Neg(_) => tally.add("negation"),
                    ExprKind::Literal(Literal::Null) => tally.add("null literal"),
                    ExprKind::Literal(Literal::Duration(_)) => tally.add("duration literal"),
                    _ => {}
                });
                tally.add(format!("feature type {}", kind_of(&f.ty)));
            }
        }
    }
    for agg in [
        "Count",
        "CountDistinct",
        "Sum",
        "Avg",
        "Min",
        "Max",
        "First",
        "Last",
        "FirstN",
        "LastN",
        "Distinct",
        "AvgInterval",
    ] {
        tally.require(&format!("aggregate {agg}"));
    }
    for ty in [
        "string",
        "int",
        "decimal",
        "float",
        "bool",
        "date",
        "timestamp",
    ] {
        tally.require(&format!("column {ty}"));
    }
    for func in [
        "Lower",
        "Upper",
        "Trim",
        "Length",
        "Concat",
        "Contains",
        "StartsWith",
        "EndsWith",
        "RegexpReplace",
        "Coalesce",
        "Least",
        "Greatest",
        "Abs",
        "Round",
        "Floor",
        "Ceil",
        "Date",
        "Days",
        "Hours",
        "Minutes",
        "Seconds",
        "Size",
        "Has",
        "Now",
    ] {
        tally.require(&format!("function {func}"));
    }
    for op in [
        "Or", "And", "Eq", "Ne", "Lt", "Le", "Gt", "Ge", "Match", "In", "Add", "Sub", "Mul", "Div",
        "Rem",
    ] {
        tally.require(&format!("operator {op}"));
    }
    for ty in [
        "string",
        "int",
        "decimal",
        "float",
        "bool",
        "date",
        "timestamp",
        "duration",
        "list",
    ] {
        tally.require(&format!("feature type {ty}"));
    }
    for what in [
        "max_links",
        "normalize",
        "valid",
        "exclude",
        "two entities",
        "event source",
        "snapshot source",
        "@column",
        "mixed-case physical name",
        "reserved word as physical name",
        "two columns over one physical column",
        "training set",
        "hidden feature",
        "deprecated feature",
        "feature used by a feature",
        "feature named like a column",
        "within",
        "where",
        "event-relative filter",
        "pipeline over a snapshot source",
        "pipeline inside an expression",
        "if/then/else",
        "is null",
        "not",
        "negation",
        "null literal",
        "duration literal",
    ] {
        tally.require(what);
    }
}

fn kind_of(t: &Type) -> String {
    match t {
        Type::List(_) => "list".into(),
        t => t.to_string(),
    }
}
