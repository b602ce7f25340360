//! The whole run in order: the parameters, each entity's identity graph, features and
//! outputs, the training sets, then publishing the outputs and dropping the work tables.

use c360_ir::{EntityPlan, Plan, TrainingSetPlan};
use sqlparser::ast::{ObjectName, Query};

use crate::ast::{
    cast, concat, cross_join, eq, func, is_null, item, left_join, null, num, order, table, Call,
    Sel,
};
use crate::features::{node_key, program, Spine};
use crate::gen::{feature_col, Gen, Site, AS_OF, ID, NODE, ROW, SET};
use crate::identity::{identity, IdentityTables};
use crate::quirks::Piece;
use crate::report;
use crate::{AsOf, PUBLISH};

/// Reports names the dialect cannot use, at their declarations, before anything is generated.
pub(crate) fn check_names(g: &mut Gen, plan: &Plan) {
    let check = |g: &mut Gen, site: Site, name: &str, what: &str| {
        if let Some(reason) = g.q.ident_problem(name) {
            g.site = site;
            g.bad_name(format!("{what} `{}`", name.escape_debug()), reason);
        }
    };
    for e in &plan.entities {
        let site = Site::Entity(e.name.clone());
        // The longest names derived from the entity's name.
        check(
            g,
            site.clone(),
            &report::work_table("overlinked", &e.name),
            "the work table",
        );
        check(
            g,
            site.clone(),
            &report::staged(&report::id_graph_output(&e.name)),
            "the output table",
        );
        for t in &e.id_types {
            check(g, site.clone(), &format!("{}_ids", t.name), "the column");
        }
        for f in &e.program.features {
            let site = Site::Feature(e.name.clone(), f.name.clone());
            check(g, site.clone(), &f.name, "the column");
            check(g, site, &feature_col(&f.name), "the column");
        }
        for s in &e.sources {
            let site = Site::Source(s.source.clone());
            for part in &s.table {
                check(g, site.clone(), part, "the table name part");
            }
            let columns = s
                .ids
                .iter()
                .map(|(c, _)| c)
                .chain(&s.columns)
                .chain(s.time.as_ref());
            for c in columns {
                check(g, site.clone(), &c.physical, "the column");
            }
        }
    }
    for ts in &plan.training_sets {
        let site = Site::TrainingSet(ts.name.clone());
        check(
            g,
            site.clone(),
            &report::staged(&ts.name),
            "the output table",
        );
        for part in &ts.table {
            check(g, site.clone(), part, "the table name part");
        }
        for c in &ts.columns {
            check(g, site.clone(), &c.physical, "the column");
            check(g, site.clone(), &set_label_col(99, &c.name), "the column");
        }
    }
}

/// Generates every step of the project.
pub(crate) fn project(g: &mut Gen, plan: &Plan, as_of: Option<&AsOf>) {
    let params = g.table("c360_params");
    let ts_type = g.q.timestamp_type();
    let value = match as_of {
        Some(a) => g.q.timestamp(a.as_str()),
        None => cast(null(), ts_type),
    };
    let params_query = Sel::bare(vec![item(value, g.id("as_of"))]).query();
    g.create_step(
        "params".to_owned(),
        "The run's as_of: the one place it is set; every later step reads it from here.".to_owned(),
        &params,
        &params_query,
    );
    let unset = Sel::new(
        vec![item(g.col("p", "as_of"), g.id("as_of"))],
        table(params.clone(), Some(g.id("p"))),
    )
    .filter(Some(is_null(g.col("p", "as_of"))))
    .query();
    g.check_step(
        "params_check".to_owned(),
        "Fails the run when as_of is not set.".to_owned(),
        &unset,
        "c360: as_of is not set; set it in the `params` step (table c360_params) or pass --as-of",
    );

    let mut outputs: Vec<String> = Vec::new();
    for e in &plan.entities {
        let tables = identity(g, e, &params);
        let sets: Vec<&TrainingSetPlan> = plan
            .training_sets
            .iter()
            .filter(|ts| ts.entity == e.name)
            .collect();
        entity_outputs(g, e, &tables, &params, &sets, &mut outputs);
    }
    publish(g, &outputs);
}

/// The label column `name` of the `k`-th training set of an entity, on the shared spine.
fn set_label_col(k: usize, name: &str) -> String {
    format!("l{k}_{name}")
}

/// One spine for the 360 table and the entity's training sets: every entity as of the run
/// (`c360_set` 0), then every label row as of its own time (`c360_set` k for the k-th
/// training set). Features are computed once over it, so each source is scanned once per
/// step for all of them.
fn entity_outputs(
    g: &mut Gen,
    e: &EntityPlan,
    tables: &IdentityTables,
    params: &ObjectName,
    sets: &[&TrainingSetPlan],
    outputs: &mut Vec<String>,
) {
    let name = &e.name;
    g.site = Site::Entity(name.clone());
    let label_columns: Vec<(usize, &c360_ir::ColumnRef)> = sets
        .iter()
        .enumerate()
        .flat_map(|(k, ts)| ts.columns.iter().map(move |c| (k + 1, c)))
        .collect();
    let mut parts = Vec::new();
    let mut items = vec![
        item(g.col("i", ID), g.id(ROW)),
        item(num(0), g.id(SET)),
        item(g.col("i", ID), g.id(ID)),
        item(g.col("p", "as_of"), g.id(AS_OF)),
    ];
    for (k, c) in &label_columns {
        let t = g.ty(&c.ty);
        items.push(item(cast(null(), t), g.id(&set_label_col(*k, &c.name))));
    }
    parts.push(
        Sel::new(items, table(tables.ids.clone(), Some(g.id("i"))))
            .join(cross_join(table(params.clone(), Some(g.id("p")))))
            .into_set(),
    );
    for (k, ts) in sets.iter().enumerate() {
        parts.push(label_rows(g, k + 1, ts, e, tables, &label_columns));
    }
    let spine = g.table(&format!("c360_spine__{name}"));
    let about = if sets.is_empty() {
        format!("Features of `{name}`: the spine, every entity as of the run's as_of.")
    } else {
        format!(
            "Features of `{name}`: the spine, every entity as of the run's as_of, then every label row of {} as of its own time.",
            sets.iter().map(|t| format!("`{}`", t.name)).collect::<Vec<_>>().join(", ")
        )
    };
    g.create_step(
        format!("{name}_spine"),
        about,
        &spine,
        &crate::ast::query(Vec::new(), crate::ast::union_all(parts)),
    );
    g.work_tables.push(spine.clone());
    let layer = |n: usize| format!("c360_layer{n}__{name}");
    let step = |n: usize| format!("{name}_features_{n}");
    let last = program(
        g,
        &e.program,
        &Spine {
            entity: e,
            table: spine,
            graph: tables.graph.clone(),
            layer: &layer,
            step: &step,
            what: format!("`{name}`"),
        },
    );
    g.site = Site::Entity(name.clone());

    let graph_name = report::id_graph_output(name);
    let graph_query = Sel::new(
        vec![
            item(g.col("g", ID), g.id(&e.key_column)),
            item(g.col("g", "id_type"), g.id("id_type")),
            item(g.col("g", "id_value"), g.id("id_value")),
        ],
        table(tables.graph.clone(), Some(g.id("g"))),
    )
    .query();
    let new = g.table(&report::staged(&graph_name));
    g.create_step(
        graph_name.clone(),
        format!(
            "Output: `{graph_name}`, one row per identifier of a `{name}` (published at the end)."
        ),
        &new,
        &graph_query,
    );
    outputs.push(graph_name);

    let table_name = report::entity_output(name);
    let mut items = vec![item(g.col("s", ID), g.id(&e.key_column))];
    for t in &e.id_types {
        let col = format!("{}_ids", t.name);
        items.push(item(g.col("i", &col), g.id(&col)));
    }
    for &i in &e.outputs {
        let f = &e.program.features[i];
        items.push(item(g.col("s", &feature_col(&f.name)), g.id(&f.name)));
    }
    let q = Sel::new(items, table(last.clone(), Some(g.id("s"))))
        .join(left_join(
            table(tables.ids.clone(), Some(g.id("i"))),
            eq(g.col("i", ID), g.col("s", ID)),
        ))
        .filter(Some(eq(g.col("s", SET), num(0))))
        .query();
    let new = g.table(&report::staged(&table_name));
    g.create_step(
        table_name.clone(),
        format!("Output: `{table_name}`, one row per `{name}` with its identifiers and features (published at the end)."),
        &new,
        &q,
    );
    outputs.push(table_name);

    for (k, ts) in sets.iter().enumerate() {
        g.site = Site::TrainingSet(ts.name.clone());
        let mut items = Vec::new();
        for c in &ts.columns {
            items.push(item(
                g.col("s", &set_label_col(k + 1, &c.name)),
                g.id(&c.name),
            ));
        }
        items.push(item(g.col("s", ID), g.id(&e.key_column)));
        for &i in &ts.outputs {
            let f = &ts.program.features[i];
            items.push(item(g.col("s", &feature_col(&f.name)), g.id(&f.name)));
        }
        let q: Query = Sel::new(items, table(last.clone(), Some(g.id("s"))))
            .filter(Some(eq(g.col("s", SET), num(k + 1))))
            .query();
        let new = g.table(&report::staged(&ts.name));
        g.create_step(
            ts.name.clone(),
            format!(
                "Output: training set `{}`, one row per label row (published at the end).",
                ts.name
            ),
            &new,
            &q,
        );
        outputs.push(ts.name.clone());
    }
}

/// The spine rows of the `k`-th training set: one per label row, keyed `'k:' || row number`,
/// with the entity key of its identifiers (by the entity's priority, then column order; null
/// when none is known) and the label's time as `as_of`.
fn label_rows(
    g: &mut Gen,
    k: usize,
    ts: &TrainingSetPlan,
    e: &EntityPlan,
    tables: &IdentityTables,
    label_columns: &[(usize, &c360_ir::ColumnRef)],
) -> sqlparser::ast::SetExpr {
    g.site = Site::TrainingSet(ts.name.clone());
    let mut ids: Vec<(usize, &c360_ir::ColumnRef)> = ts
        .ids
        .iter()
        .filter_map(|(c, t)| Some((e.id_types.iter().position(|r| &r.name == t)?, c)))
        .collect();
    ids.sort_by_key(|(rank, _)| *rank);
    let mut lookups = Vec::new();
    let mut joins = Vec::new();
    for (n, (rank, col)) in ids.iter().enumerate() {
        let alias = format!("g{n}");
        let key = node_key(g, &e.id_types[*rank], g.col("l", &col.physical));
        g.site = Site::TrainingSet(ts.name.clone());
        lookups.push(g.col(&alias, ID));
        joins.push(left_join(
            table(tables.graph.clone(), Some(g.id(&alias))),
            eq(g.col(&alias, NODE), key),
        ));
    }
    let id = match lookups.len() {
        0 => cast(null(), g.q.string_type()),
        1 => lookups.remove(0),
        _ => func("COALESCE", lookups),
    };
    let number = Call::new("ROW_NUMBER", Vec::new())
        .over(
            Vec::new(),
            vec![order(g.col("l", &ts.time.physical), false)],
        )
        .build();
    let key = concat(g.string(&format!("{k}:")), cast(number, g.q.string_type()));
    let time = g.to_timestamp(g.col("l", &ts.time.physical), &ts.time.ty);
    let mut items = vec![
        item(key, g.id(ROW)),
        item(num(k), g.id(SET)),
        item(id, g.id(ID)),
        item(time, g.id(AS_OF)),
    ];
    for (set, c) in label_columns {
        let value = if *set == k {
            g.col("l", &c.physical)
        } else {
            let t = g.ty(&c.ty);
            cast(null(), t)
        };
        items.push(item(value, g.id(&set_label_col(*set, &c.name))));
    }
    let mut sel = Sel::new(items, table(g.relation(&ts.table), Some(g.id("l"))));
    for j in joins {
        sel = sel.join(j);
    }
    sel.into_set()
}

/// Swaps every new output in, then drops the work tables.
fn publish(g: &mut Gen, outputs: &[String]) {
    let mut pieces = Vec::new();
    for name in outputs {
        let target = g.table(name);
        let new = g.table(&report::staged(name));
        let to = if g.q.rename_keeps_schema() {
            target.clone()
        } else {
            ObjectName::from(vec![g.id(name)])
        };
        pieces.push(Piece::sql(crate::quirks::drop_table(&target)));
        pieces.push(Piece::sql(rename(&new, to)));
    }
    if !pieces.is_empty() {
        g.sql_step(
            PUBLISH.to_owned(),
            "Publishes the outputs: each replaces the previous run's (one transaction where the engine supports it).".to_owned(),
            pieces,
        );
    }
    let drops = g
        .work_tables
        .iter()
        .map(|t| Piece::sql(crate::quirks::drop_table(t)))
        .collect::<Vec<_>>();
    if !drops.is_empty() {
        g.sql_step(
            "cleanup".to_owned(),
            "Drops the work tables (c360_params and the over-linked identifiers stay for the run report).".to_owned(),
            drops,
        );
    }
}

/// `ALTER TABLE from RENAME TO to`
fn rename(from: &ObjectName, to: ObjectName) -> String {
    use sqlparser::ast::{AlterTable, AlterTableOperation, RenameTableNameKind, Statement};
    Statement::AlterTable(AlterTable {
        name: from.clone(),
        if_exists: false,
        only: false,
        operations: vec![AlterTableOperation::RenameTable {
            table_name: RenameTableNameKind::To(to),
        }],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
    })
    .to_string()
}
