//! An independent, in-memory implementation of c360's semantics, written from the language
//! specification (identity graph §5.1–5.2, time §5.3, features §4 and §5.4, outputs §6) and
//! the **Decision** notes of the language reference — not from the SQL the compiler writes.
//!
//! It is the oracle of the differential tests: run a project's SQL on a database, run
//! [`evaluate`] on the same data, and compare the two as canonical CSV
//! ([`Outputs::to_canonical_csv`], [`canonical_csv`] for the database's rows).
//!
//! ```text
//! Tables (CSV files, test `given` rows, or code) ─┐
//! Model (checked .c360 project) ──────────────────┼─▶ evaluate(model, tables, as_of) ─▶ Outputs
//! as_of ──────────────────────────────────────────┘
//! ```
//!
//! Everything is plain and direct: union-find for the components, a scan of an instance's
//! rows per pipeline, features computed on demand and remembered per `(instance, as_of)`.

mod aggregate;
mod csv_text;
mod decimal;
mod error;
mod eval;
mod expect;
mod features;
mod identity;
mod outputs;
mod pattern;
mod prepare;
mod project;
mod tables;
mod time;
mod value;

use std::collections::BTreeMap;

use c360_sema::model::TrainingSetDef;
use c360_sema::{Model, Type};

pub use decimal::Decimal;
pub use error::Error;
pub use expect::{run_test, TestFailure};
pub use identity::{clean_id, node_key, OverlinkedId};
pub use outputs::{canonical_csv, csv_cell, EntityOutput, OutputTable, Outputs};
pub use project::{load_project, LoadedProject};
pub use tables::{literal_value, Table, Tables};
pub use time::Timestamp;
pub use value::{floats_close, format_float, Value};

use features::{EntityData, Spine};
use identity::{Cleaner, Graph};
use pattern::Patterns;
use prepare::SourceRows;

/// Runs the project `model` on `tables` as of `as_of`: every entity's identity graph and 360
/// table, and every training set. Relations missing from `tables` are empty.
pub fn evaluate(model: &Model, tables: &Tables, as_of: Timestamp) -> Result<Outputs, Error> {
    let mut run = Run::new(model, tables, as_of)?;
    let mut entities = Vec::with_capacity(model.entities.len());
    for entity in &model.entities {
        let graph = graph_of(&run.graphs, &entity.name)?;
        entities.push(entity_output(
            entity,
            &run.sources,
            graph,
            as_of,
            &mut run.patterns,
        )?);
    }
    let mut training_sets = Vec::with_capacity(model.training_sets.len());
    for set in &model.training_sets {
        let graph = graph_of(&run.graphs, &set.entity)?;
        training_sets.push(training_set(
            model,
            set,
            tables,
            &run.sources,
            graph,
            &mut run.cleaner,
            &mut run.patterns,
        )?);
    }
    Ok(Outputs {
        entities,
        training_sets,
    })
}

/// The shared state of one run: every source's rows and every entity's graph.
pub(crate) struct Run {
    pub sources: BTreeMap<String, SourceRows>,
    pub graphs: BTreeMap<String, Graph>,
    pub cleaner: Cleaner,
    pub patterns: Patterns,
}

impl Run {
    /// Reads the sources and builds every entity's identity graph.
    pub fn new(model: &Model, tables: &Tables, as_of: Timestamp) -> Result<Run, Error> {
        let sources = prepare::sources(model, tables)?;
        let mut cleaner = Cleaner::default();
        let mut graphs = BTreeMap::new();
        for entity in &model.entities {
            let graph = identity::build(model, entity, &sources, as_of.micros(), &mut cleaner)?;
            graphs.insert(entity.name.clone(), graph);
        }
        Ok(Run {
            sources,
            graphs,
            cleaner,
            patterns: Patterns::default(),
        })
    }
}

/// The identity graph of entity `name`.
pub(crate) fn graph_of<'g>(
    graphs: &'g BTreeMap<String, Graph>,
    name: &str,
) -> Result<&'g Graph, Error> {
    graphs
        .get(name)
        .ok_or_else(|| Error::new(format!("there is no entity `{name}`")))
}

fn entity_output(
    entity: &c360_sema::model::EntityDef,
    sources: &BTreeMap<String, SourceRows>,
    graph: &Graph,
    as_of: Timestamp,
    patterns: &mut Patterns,
) -> Result<EntityOutput, Error> {
    let key_column = entity.key_column();
    let id_graph = OutputTable {
        name: format!("{}_id_graph", entity.name),
        columns: vec![key_column.clone(), "id_type".into(), "id_value".into()],
        rows: graph
            .instances
            .iter()
            .flat_map(|inst| {
                inst.nodes.iter().map(|&n| {
                    let (t, v) = &graph.nodes[n];
                    vec![
                        Value::String(inst.key.clone()),
                        Value::String(t.clone()),
                        Value::String(v.clone()),
                    ]
                })
            })
            .collect(),
    };

    let visible: Vec<&c360_sema::model::FeatureDef> =
        entity.features.iter().filter(|f| !f.hidden).collect();
    let mut columns = vec![key_column];
    columns.extend(entity.ids.iter().map(|t| format!("{t}_ids")));
    columns.extend(visible.iter().map(|f| f.name.clone()));

    let data = EntityData::new(entity, sources, graph);
    let mut rows = Vec::with_capacity(graph.instances.len());
    for (i, inst) in graph.instances.iter().enumerate() {
        let mut row = Vec::with_capacity(columns.len());
        row.push(Value::String(inst.key.clone()));
        for t in &entity.ids {
            // Nodes are sorted by (type, value), so each type's values are ascending by bytes.
            let values = inst
                .nodes
                .iter()
                .map(|&n| &graph.nodes[n])
                .filter(|(nt, _)| nt == t)
                .map(|(_, v)| Value::String(v.clone()))
                .collect();
            row.push(Value::List(values));
        }
        let mut spine = Spine::new(&data, Some(i), Some(as_of.micros()), patterns);
        for f in &visible {
            row.push(spine.feature_value(&f.name)?.widen(&f.ty));
        }
        rows.push(row);
    }
    let keys = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            (
                node.clone(),
                graph.instances[graph.instance_of[n]].key.clone(),
            )
        })
        .collect();
    Ok(EntityOutput {
        name: entity.name.clone(),
        table_360: OutputTable {
            name: format!("{}_360", entity.name),
            columns,
            rows,
        },
        id_graph,
        overlinked: graph.overlinked.clone(),
        keys,
    })
}

/// One row per label row: its columns, the entity key its identifiers resolve to (in the
/// entity's priority order, then column order; null when none is a node), and each listed
/// feature computed as of the label's time.
fn training_set(
    model: &Model,
    set: &TrainingSetDef,
    tables: &Tables,
    sources: &BTreeMap<String, SourceRows>,
    graph: &Graph,
    cleaner: &mut Cleaner,
    patterns: &mut Patterns,
) -> Result<OutputTable, Error> {
    let Some(entity) = model.entity(&set.entity) else {
        return Err(Error::new(format!(
            "training set `{}` is for `{}`, which is not an entity",
            set.name, set.entity
        )));
    };
    let relation = set.labels_table.join(".");
    let labels = prepare::read(
        tables,
        &relation,
        &set.labels_columns,
        &format!("the labels of training set `{}`", set.name),
    )?;
    let mut id_columns: Vec<(usize, usize, &c360_sema::model::IdTypeDef)> = set
        .labels_columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let t = c.id_type.as_deref()?;
            let rank = entity.ids.iter().position(|x| x == t)?;
            Some((rank, i, model.id_types.get(t)?))
        })
        .collect();
    id_columns.sort_by_key(|&(rank, i, _)| (rank, i));

    let mut columns: Vec<String> = set.labels_columns.iter().map(|c| c.name.clone()).collect();
    columns.push(entity.key_column());
    columns.extend(set.features.iter().cloned());
    let data = EntityData::new(entity, sources, graph);
    let mut rows = Vec::with_capacity(labels.rows.len());
    for (r, label) in labels.rows.iter().enumerate() {
        let mut instance = None;
        for &(_, i, def) in &id_columns {
            let cleaned = cleaner
                .clean(def, &label[i])
                .map_err(|e| e.at(labels.row_location(r)))?;
            if let Some(n) = cleaned.and_then(|v| graph.instance(&def.name, &v)) {
                instance = Some(n);
                break;
            }
        }
        let mut row = label.clone();
        row.push(instance.map_or(Value::Null, |i| {
            Value::String(graph.instances[i].key.clone())
        }));
        let mut spine = Spine::new(&data, instance, labels.times[r], patterns);
        for name in &set.features {
            let ty = entity.feature(name).map_or(Type::Null, |f| f.ty.clone());
            let value = spine
                .feature_value(name)
                .map_err(|e| e.context(|| format!("label {}", labels.row_location(r))))?;
            row.push(value.widen(&ty));
        }
        rows.push(row);
    }
    Ok(OutputTable {
        name: set.name.clone(),
        columns,
        rows,
    })
}
