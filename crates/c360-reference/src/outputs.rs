//! The outputs of a run (spec §6) and their canonical CSV rendering.
//!
//! Canonical CSV: a header line with the column names, then one line per row, rows sorted by
//! their rendered line (byte order), `\n` after every line. A cell is the value's
//! [canonical text](crate::Value::canonical) with these CSV rules: null is an empty unquoted
//! field; a string or a list is always quoted (`"` doubled inside), so an empty string is
//! `""` and never confused with null; other values are never quoted (they hold no `,` or `"`).

use std::collections::BTreeMap;

use crate::identity::OverlinkedId;
use crate::value::Value;

/// One output table.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputTable {
    /// The table's name: `<entity>_id_graph`, `<entity>_360` or a training set's name.
    pub name: String,
    /// The column names, in order.
    pub columns: Vec<String>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl OutputTable {
    /// The index of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The rows whose column `column` holds `value`.
    pub fn rows_where<'t>(
        &'t self,
        column: &str,
        value: &'t Value,
    ) -> impl Iterator<Item = &'t [Value]> + 't {
        let i = self.column(column);
        self.rows
            .iter()
            .filter(move |r| i.is_some_and(|i| r.get(i) == Some(value)))
            .map(Vec::as_slice)
    }

    /// The table in canonical CSV (see the module documentation).
    pub fn to_canonical_csv(&self) -> String {
        canonical_csv(&self.columns, &self.rows)
    }
}

/// Renders `rows` under `columns` as canonical CSV (see the module documentation); use it on
/// rows read back from a database to compare them with [`OutputTable::to_canonical_csv`].
pub fn canonical_csv<S: AsRef<str>>(columns: &[S], rows: &[Vec<Value>]) -> String {
    let header: Vec<String> = columns.iter().map(|c| csv_text(c.as_ref())).collect();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|row| row.iter().map(csv_cell).collect::<Vec<_>>().join(","))
        .collect();
    lines.sort();
    let mut out = header.join(",");
    out.push('\n');
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A header name: quoted only when it needs to be.
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        quote(s)
    } else {
        s.to_string()
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// One value as a canonical CSV cell.
pub fn csv_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(_) | Value::List(_) => quote(&v.canonical()),
        _ => v.canonical(),
    }
}

/// The outputs of one entity.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityOutput {
    /// The entity.
    pub name: String,
    /// `<entity>_id_graph`: `<entity>_id, id_type, id_value`, one row per node, sorted.
    pub id_graph: OutputTable,
    /// `<entity>_360`: the key, one `<id_type>_ids` list per id type, then every non-hidden
    /// feature in declaration order; one row per instance, sorted by key.
    pub table_360: OutputTable,
    /// Identifiers removed for having more neighbours than their type's `max_links`.
    pub overlinked: Vec<OverlinkedId>,
    /// Node `(id_type, value)` → the entity key owning it.
    pub(crate) keys: BTreeMap<(String, String), String>,
}

impl EntityOutput {
    /// The entity key owning the node `(id_type, value)` (a normalised value).
    pub fn key_of(&self, id_type: &str, value: &str) -> Option<&str> {
        self.keys
            .get(&(id_type.to_string(), value.to_string()))
            .map(String::as_str)
    }

    /// The 360 row of the entity keyed `key`.
    pub fn row(&self, key: &str) -> Option<&[Value]> {
        // Rows are sorted by key, the first column.
        let rows = &self.table_360.rows;
        let i = rows
            .binary_search_by(|r| match r.first() {
                Some(Value::String(k)) => k.as_str().cmp(key),
                _ => std::cmp::Ordering::Less,
            })
            .ok()?;
        Some(rows[i].as_slice())
    }

    /// The value of column `column` in the 360 row of `key`.
    pub fn value(&self, key: &str, column: &str) -> Option<&Value> {
        let i = self.table_360.column(column)?;
        self.row(key)?.get(i)
    }

    /// The 360 value of `column` for the instance owning node `(id_type, value)`.
    pub fn value_of(&self, id_type: &str, value: &str, column: &str) -> Option<&Value> {
        self.value(self.key_of(id_type, value)?, column)
    }
}

/// Everything a run writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Outputs {
    /// Per entity, in declaration order.
    pub entities: Vec<EntityOutput>,
    /// One table per training set, in declaration order; rows in label order.
    pub training_sets: Vec<OutputTable>,
}

impl Outputs {
    /// The outputs of entity `name`.
    pub fn entity(&self, name: &str) -> Option<&EntityOutput> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// Every output table: per entity its id graph and 360 table, then the training sets.
    pub fn tables(&self) -> Vec<&OutputTable> {
        self.entities
            .iter()
            .flat_map(|e| [&e.id_graph, &e.table_360])
            .chain(&self.training_sets)
            .collect()
    }

    /// The output table called `name`.
    pub fn table(&self, name: &str) -> Option<&OutputTable> {
        self.tables().into_iter().find(|t| t.name == name)
    }

    /// Every output table in canonical CSV, by table name.
    pub fn to_canonical_csv(&self) -> BTreeMap<String, String> {
        self.tables()
            .into_iter()
            .map(|t| (t.name.clone(), t.to_canonical_csv()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_csv_sorts_rows_and_separates_null_from_empty() {
        let rows = vec![
            vec![Value::from("b"), Value::Null],
            vec![Value::from("a"), Value::from("")],
            vec![
                Value::from("c,\"d\""),
                Value::List(vec![Value::from("x"), Value::from("y")]),
            ],
        ];
        assert_eq!(
            canonical_csv(&["k", "v"], &rows),
            "k,v\n\"a\",\"\"\n\"b\",\n\"c,\"\"d\"\"\",\"[\"\"x\"\",\"\"y\"\"]\"\n"
        );
    }
}
