//! Reading a relation's rows as a source or a labels relation declares them: each logical
//! column from its physical column, as its declared type, with the row's time.

use std::collections::BTreeMap;
use std::sync::Arc;

use c360_sema::model::{ColumnDef, SourceDef};
use c360_sema::Model;

use crate::error::Error;
use crate::tables::{Table, Tables};
use crate::value::Value;

/// Rows of a relation, by logical column.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rows {
    /// Each row's values, in the declaration's column order.
    pub rows: Vec<Vec<Value>>,
    /// Each row's time in microseconds (`None`: a null time, or no `@time` column).
    pub times: Vec<Option<i64>>,
    /// Where each row is: its line in a file, else its 1-based row number.
    ordinals: Vec<u64>,
    /// The file the rows were read from, or the relation's name.
    origin: String,
    from_file: bool,
}

impl Rows {
    /// Where row `i` is, for messages.
    pub fn row_location(&self, i: usize) -> String {
        let n = self.ordinals.get(i).copied().unwrap_or(0);
        if self.from_file {
            format!("{}:{n}", self.origin)
        } else {
            format!("row {n} of `{}`", self.origin)
        }
    }
}

/// A source's rows.
pub(crate) struct SourceRows {
    /// The source.
    pub def: Arc<SourceDef>,
    /// All its rows; each reader keeps those its `as_of` allows.
    pub data: Rows,
}

impl std::ops::Deref for SourceRows {
    type Target = Rows;
    fn deref(&self) -> &Rows {
        &self.data
    }
}

/// Reads `relation` as `columns` declare it. A relation absent from `tables` is empty.
pub(crate) fn read(
    tables: &Tables,
    relation: &str,
    columns: &[ColumnDef],
    reader: &str,
) -> Result<Rows, Error> {
    let empty = Table::default();
    let table = tables.get(relation).unwrap_or(&empty);
    let mut at = Vec::with_capacity(columns.len());
    for c in columns {
        match table.column_index(&c.physical) {
            Some(i) => at.push(i),
            None if table.rows.is_empty() && table.columns.is_empty() => at.push(usize::MAX),
            None => {
                let known: Vec<String> = table.columns.iter().map(|c| format!("`{c}`")).collect();
                return Err(Error::new(format!(
                    "`{relation}` has no column `{}`, which {reader} declares as `{}: {}`",
                    c.physical, c.name, c.ty
                ))
                .at(table.origin.clone().unwrap_or_else(|| relation.to_string()))
                .with_help(format!(
                    "its columns are {}; add the column, or name it with `@column(\"…\")`",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
    }
    let time = columns.iter().position(|c| c.is_time);
    let mut out = Rows {
        origin: table.origin.clone().unwrap_or_else(|| relation.to_string()),
        from_file: table.origin.is_some() && !table.lines.is_empty(),
        ..Rows::default()
    };
    for (r, raw) in table.rows.iter().enumerate() {
        if raw.len() != table.columns.len() {
            return Err(Error::new(format!(
                "this row of `{relation}` has {} values for {} columns",
                raw.len(),
                table.columns.len()
            ))
            .at(table.row_location(relation, r)));
        }
        let mut row = Vec::with_capacity(columns.len());
        for (c, &i) in columns.iter().zip(&at) {
            let value = raw.get(i).cloned().unwrap_or(Value::Null);
            let value = value.conform(&c.ty).map_err(|e| {
                Error::new(format!(
                    "column `{}` ({} reads it as `{}`): {e}",
                    c.physical, reader, c.name
                ))
                .at(table.row_location(relation, r))
            })?;
            row.push(value);
        }
        out.times.push(time.and_then(|i| row[i].as_micros()));
        out.rows.push(row);
        out.ordinals.push(match table.lines.get(r) {
            Some(&line) => line,
            None => r as u64 + 1,
        });
    }
    Ok(out)
}

/// Every source's rows.
pub(crate) fn sources(
    model: &Model,
    tables: &Tables,
) -> Result<BTreeMap<String, SourceRows>, Error> {
    model
        .sources
        .iter()
        .map(|(name, def)| {
            let data = read(
                tables,
                &def.table.join("."),
                &def.columns,
                &format!("source `{name}`"),
            )?;
            Ok((
                name.clone(),
                SourceRows {
                    def: def.clone(),
                    data,
                },
            ))
        })
        .collect()
}
