//! The run summary: per entity its identity graph in numbers, rows per output, time per
//! step, and the first rows of each 360 table. Read from the staged outputs just before
//! they are published, so it describes exactly what the run publishes.

use std::time::Duration;

use c360_sql::{EntityTables, RunTables};
use serde::{Serialize, Serializer};

use crate::db::{self, Database, Failure};
use crate::error::{EngineError, ErrorKind};
use crate::sql::{ident, literal};

/// How many over-linked identifiers the summary lists by name.
const TOP_OVERLINKED: usize = 5;

/// How many rows of each 360 table the summary shows.
pub const PREVIEW_ROWS: usize = 10;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunSummary {
    /// Each entity's identity graph, in declaration order.
    pub entities: Vec<EntitySummary>,
    /// Rows of each output table, in publishing order.
    pub outputs: Vec<OutputRows>,
    /// Each step of the compiled SQL, in order.
    pub steps: Vec<StepTime>,
    /// The first rows of each entity's 360 table.
    pub previews: Vec<Rows>,
    /// The whole run.
    #[serde(serialize_with = "millis", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

/// One entity's identity graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntitySummary {
    /// The entity.
    pub entity: String,
    /// Stitched instances (connected components).
    pub instances: u64,
    /// Identifiers (nodes) kept.
    pub nodes: u64,
    /// Links between two kept identifiers.
    pub edges: u64,
    /// The largest instance, if there is any.
    pub largest: Option<Component>,
    /// Identifiers dropped for exceeding their id type's `max_links`.
    pub overlinked: OverLinked,
    /// Rounds the stitch loop took.
    pub rounds: u32,
}

/// One stitched instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    /// Its entity key.
    pub id: String,
    /// Its number of identifiers.
    pub size: u64,
    /// Identifiers per id type, most first.
    pub id_types: Vec<IdTypeCount>,
}

/// How many identifiers of one id type.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IdTypeCount {
    /// The id type.
    pub id_type: String,
    /// The count.
    pub count: u64,
}

/// Over-linked identifiers of an entity.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OverLinked {
    /// How many were dropped.
    pub count: u64,
    /// The most linked ones, most first.
    pub top: Vec<OverLinkedId>,
}

/// One over-linked identifier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverLinkedId {
    /// Its id type.
    pub id_type: String,
    /// Its value.
    pub id_value: String,
    /// How many distinct identifiers it was linked to.
    pub neighbours: u64,
}

/// Rows of one output table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputRows {
    /// The output's name, e.g. `customer_360`.
    pub name: String,
    /// The table, as SQL.
    pub table: String,
    /// Its rows.
    pub rows: u64,
}

/// How long one step took.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepTime {
    /// The step's name.
    pub step: String,
    /// Its duration.
    #[serde(serialize_with = "millis", rename = "elapsed_ms")]
    pub elapsed: Duration,
    /// Rounds, for a loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<u32>,
}

/// Rows of a table as text (`null` for SQL NULL), in a stable order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rows {
    /// The table's name, e.g. `customer_360`.
    pub table: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Each row's values: decimals without trailing zeros, lists as `[a, b]`, timestamps as
    /// `YYYY-MM-DD HH:MM:SS`.
    pub rows: Vec<Vec<Option<String>>>,
}

/// Serializes a duration as milliseconds with one decimal.
pub(crate) fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 10_000.0).round() / 10.0)
}

fn fail(e: Failure) -> EngineError {
    EngineError::new(ErrorKind::Run, e.message)
}

fn count(db: &mut dyn Database, sql: &str) -> Result<u64, EngineError> {
    db::count(db, sql).map_err(fail)
}

/// The text of column `i` of a row, empty for NULL.
fn cell(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// A count read as text.
fn number(row: &[Option<String>], i: usize) -> u64 {
    cell(row, i)
        .trim()
        .parse::<i64>()
        .map_or(0, |n| n.max(0) as u64)
}

/// The summary of entity `e`, from its staged outputs and work tables.
pub(crate) fn entity(
    db: &mut dyn Database,
    tables: &RunTables,
    e: &EntityTables,
    rounds: u32,
) -> Result<EntitySummary, EngineError> {
    let graph = &tables.outputs[e.id_graph].staged;
    let key = &e.key_column;
    let totals = db
        .query(&format!(
            "SELECT CAST(COUNT(DISTINCT g.{key}) AS VARCHAR), CAST(COUNT(*) AS VARCHAR) FROM {graph} AS g"
        ))
        .map_err(fail)?;
    let (instances, nodes) = totals
        .first()
        .map_or((0, 0), |r| (number(r, 0), number(r, 1)));
    let edges = count(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS VARCHAR) FROM {edges} AS e WHERE e.a < e.b \
             AND NOT EXISTS (SELECT 1 FROM {over} AS o WHERE o.c360_node = e.a OR o.c360_node = e.b)",
            edges = e.edges,
            over = e.overlinked
        ),
    )?;
    let key_order = db.sort_key(&format!("g.{key}"), "VARCHAR");
    let biggest = db
        .query(&format!(
            "SELECT CAST(g.{key} AS VARCHAR), CAST(COUNT(*) AS VARCHAR) AS n FROM {graph} AS g \
             GROUP BY g.{key} ORDER BY COUNT(*) DESC, {key_order} LIMIT 1"
        ))
        .map_err(fail)?;
    let largest = match biggest.first() {
        Some(row) => {
            let id = cell(row, 0);
            let type_order = db.sort_key("g.id_type", "VARCHAR");
            let id_types = db
                .query(&format!(
                    "SELECT CAST(g.id_type AS VARCHAR), CAST(COUNT(*) AS VARCHAR) FROM {graph} AS g \
                     WHERE g.{key} = {} GROUP BY g.id_type ORDER BY COUNT(*) DESC, {type_order}",
                    literal(&id)
                ))
                .map_err(fail)?
                .iter()
                .map(|r| IdTypeCount {
                    id_type: cell(r, 0),
                    count: number(r, 1),
                })
                .collect();
            Some(Component {
                id,
                size: number(row, 1),
                id_types,
            })
        }
        None => None,
    };
    let overlinked = {
        let over = &e.overlinked;
        let count = count(db, &format!("SELECT CAST(COUNT(*) AS VARCHAR) FROM {over}"))?;
        let type_order = db.sort_key("o.id_type", "VARCHAR");
        let value_order = db.sort_key("o.id_value", "VARCHAR");
        let top = db
            .query(&format!(
                "SELECT CAST(o.id_type AS VARCHAR), CAST(o.id_value AS VARCHAR), CAST(o.neighbours AS VARCHAR) \
                 FROM {over} AS o ORDER BY o.neighbours DESC, {type_order}, {value_order} LIMIT {TOP_OVERLINKED}"
            ))
            .map_err(fail)?
            .iter()
            .map(|r| OverLinkedId {
                id_type: cell(r, 0),
                id_value: cell(r, 1),
                neighbours: number(r, 2),
            })
            .collect();
        OverLinked { count, top }
    };
    Ok(EntitySummary {
        entity: e.entity.clone(),
        instances,
        nodes,
        edges,
        largest,
        overlinked,
        rounds,
    })
}

/// Rows of every staged output.
pub(crate) fn outputs(
    db: &mut dyn Database,
    tables: &RunTables,
) -> Result<Vec<OutputRows>, EngineError> {
    tables
        .outputs
        .iter()
        .map(|o| {
            Ok(OutputRows {
                name: o.name.clone(),
                table: o.table.clone(),
                rows: count(
                    db,
                    &format!("SELECT CAST(COUNT(*) AS VARCHAR) FROM {}", o.staged),
                )?,
            })
        })
        .collect()
}

/// The rows of `table` (SQL), ordered by every column, at most `limit` of them.
pub(crate) fn read_table(
    db: &mut dyn Database,
    name: &str,
    table: &str,
    limit: Option<usize>,
) -> Result<Rows, EngineError> {
    let columns = db.columns(table).map_err(fail)?;
    if columns.is_empty() {
        return Ok(Rows {
            table: name.to_owned(),
            columns: Vec::new(),
            rows: Vec::new(),
        });
    }
    let select: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (c, ty))| {
            format!(
                "{} AS c360_c{i}",
                db.as_text(&format!("t.{}", ident(c)), ty)
            )
        })
        .collect();
    let order: Vec<String> = columns
        .iter()
        .map(|(c, ty)| db.sort_key(&format!("t.{}", ident(c)), ty))
        .collect();
    let sql = format!(
        "SELECT {} FROM {table} AS t ORDER BY {}{}",
        select.join(", "),
        order.join(", "),
        limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default()
    );
    let rows = db
        .query(&sql)
        .map_err(fail)?
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(&columns)
                .map(|(v, (_, ty))| v.map(|v| tidy(ty, v)))
                .collect()
        })
        .collect();
    Ok(Rows {
        table: name.to_owned(),
        columns: columns.into_iter().map(|(c, _)| c).collect(),
        rows,
    })
}

/// A value's text for people: databases write `DECIMAL(38,9)` with all nine decimals.
fn tidy(ty: &str, text: String) -> String {
    let ty = ty.to_ascii_uppercase();
    if !ty.starts_with("DECIMAL") && !ty.starts_with("NUMERIC") {
        return text;
    }
    if ty.ends_with("[]") {
        let inner = text.trim_start_matches('[').trim_end_matches(']');
        if inner.is_empty() {
            return text;
        }
        let items: Vec<String> = inner.split(", ").map(trim_decimal).collect();
        return format!("[{}]", items.join(", "));
    }
    trim_decimal(&text)
}

/// `10.500000000` → `10.5`, `3.000000000` → `3`.
fn trim_decimal(text: &str) -> String {
    if !text.contains('.')
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return text.to_owned();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_lose_trailing_zeros_only() {
        assert_eq!(tidy("DECIMAL(38,9)", "10.500000000".into()), "10.5");
        assert_eq!(tidy("DECIMAL(38,9)", "-3.000000000".into()), "-3");
        assert_eq!(tidy("DECIMAL(38,9)", "100".into()), "100");
        assert_eq!(
            tidy(
                "DECIMAL(38,9)[]",
                "[1.500000000, NULL, 20.000000000]".into()
            ),
            "[1.5, NULL, 20]"
        );
        assert_eq!(tidy("DECIMAL(38,9)[]", "[]".into()), "[]");
        assert_eq!(tidy("numeric[]", "[2.500000000]".into()), "[2.5]");
        assert_eq!(tidy("DOUBLE", "10.50".into()), "10.50");
    }
}
