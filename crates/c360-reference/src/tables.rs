//! In-memory warehouse tables: relation name → rows of values.
//!
//! Tables are built in code ([`Table::new`], [`Table::row`]), read from the CSV files of a
//! target's `tables` ([`Tables::load`]) with the column types the sources and training sets
//! declare, or made from a `test` block's `given` rows ([`Tables::from_test`]).
//!
//! Relation and column names are matched like the warehouse does: relation names ignoring
//! case; a column by its exact physical name, else by the one name equal to it ignoring case.
//! A relation a project reads but the tables lack is empty.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use c360_project::{LocalTable, TableFormat, Target};
use c360_sema::model::{ColumnDef, Literal, TestDef};
use c360_sema::{Model, Type};

use crate::csv_text;
use crate::decimal::Decimal;
use crate::error::Error;
use crate::value::{parse_as, type_hint, Value};

/// One relation: named columns and rows of values, one per column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// The physical column names.
    pub columns: Vec<String>,
    /// The rows; each has one value per column (checked when the table is read).
    pub rows: Vec<Vec<Value>>,
    /// Where the rows come from, for messages (`data/orders.csv`).
    pub origin: Option<String>,
    /// The line of each row in its file, when it was read from one.
    pub lines: Vec<u64>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: AsRef<str>>(columns: &[S]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.as_ref().to_string()).collect(),
            ..Table::default()
        }
    }

    /// The table with one more row (values in column order; text is parsed as the column's
    /// declared type when the table is read).
    pub fn row<V: Into<Value>, I: IntoIterator<Item = V>>(mut self, values: I) -> Table {
        self.push(values);
        self
    }

    /// Appends a row.
    pub fn push<V: Into<Value>, I: IntoIterator<Item = V>>(&mut self, values: I) {
        self.rows.push(values.into_iter().map(Into::into).collect());
    }

    /// The index of the physical column `name`: exact, else the only one equal ignoring case.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        find_column(&self.columns, name)
    }

    /// Where row `i` is, for messages: `file:line`, or `row N of relation`.
    pub(crate) fn row_location(&self, relation: &str, i: usize) -> String {
        match (&self.origin, self.lines.get(i)) {
            (Some(origin), Some(line)) => format!("{origin}:{line}"),
            _ => format!("row {} of `{relation}`", i + 1),
        }
    }
}

fn find_column(columns: &[String], name: &str) -> Option<usize> {
    if let Some(i) = columns.iter().position(|c| c == name) {
        return Some(i);
    }
    let mut matches = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.eq_ignore_ascii_case(name));
    match (matches.next(), matches.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// Every relation's rows, by relation name (matched ignoring case).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tables {
    tables: BTreeMap<String, (String, Table)>,
}

impl Tables {
    /// No tables: every relation is empty.
    pub fn new() -> Tables {
        Tables::default()
    }

    /// Sets the rows of `relation` (`schema.table`), replacing earlier ones.
    pub fn insert(&mut self, relation: &str, table: Table) {
        self.tables
            .insert(relation.to_lowercase(), (relation.to_string(), table));
    }

    /// The tables with `relation` set.
    pub fn with(mut self, relation: &str, table: Table) -> Tables {
        self.insert(relation, table);
        self
    }

    /// The rows of `relation`, if it was given.
    pub fn get(&self, relation: &str) -> Option<&Table> {
        self.tables.get(&relation.to_lowercase()).map(|(_, t)| t)
    }

    /// The relations given, as written.
    pub fn relations(&self) -> impl Iterator<Item = &str> {
        self.tables.values().map(|(name, _)| name.as_str())
    }

    /// Reads every relation the project reads from the CSV files of `target`'s `tables`
    /// (relative paths from `project_dir`). Each declared column must be in the file's header;
    /// values are parsed as the declared type, an empty unquoted field is null and `""` the empty
    /// string. A relation the project
    /// reads that the target does not map to a file is an error.
    pub fn load(model: &Model, target: &Target, project_dir: &Path) -> Result<Tables, Error> {
        // Every relation needs a file; check them all before reading any.
        let mut jobs = Vec::new();
        for (key, rel) in relations(model)? {
            let Some(local) = target.tables.iter().find(|t| t.table.to_lowercase() == key) else {
                return Err(Error::new(format!(
                    "{} reads `{}`, which target `{}` does not map to a local file",
                    rel.reader, rel.name, target.name
                ))
                .with_help(format!(
                    "add `\"{}\" = \"data/{}.csv\"` under `[targets.{}.tables]` in c360.toml",
                    rel.name,
                    rel.name.rsplit('.').next().unwrap_or("table"),
                    target.name
                )));
            };
            jobs.push((local, rel));
        }
        let mut out = Tables::new();
        for (local, rel) in jobs {
            let table = read_csv(local, &rel, project_dir)?;
            out.insert(&rel.name, table);
        }
        Ok(out)
    }

    /// The rows of a `test` block: each `given` source's rows under its relation (columns a
    /// row does not set are null). Sources not given are empty.
    pub fn from_test(model: &Model, test: &TestDef) -> Result<Tables, Error> {
        let mut out = Tables::new();
        for given in &test.given {
            let Some(source) = model.sources.get(&given.source) else {
                return Err(Error::new(format!(
                    "test \"{}\" gives rows for `{}`, which is not a source",
                    test.name, given.source
                )));
            };
            let relation = source.table.join(".");
            let mut physical: Vec<String> = Vec::new();
            for c in &source.columns {
                if find_column(&physical, &c.physical).is_none() {
                    physical.push(c.physical.clone());
                }
            }
            let mut table = match out.get(&relation) {
                Some(t) if t.columns == physical => t.clone(),
                _ => Table::new(&physical),
            };
            for row in &given.rows {
                let mut values = vec![Value::Null; physical.len()];
                for c in &source.columns {
                    let Some(literal) = row.get(&c.name) else {
                        continue;
                    };
                    let value = literal_value(literal, &c.ty).map_err(|e| {
                        Error::new(format!(
                            "test \"{}\": column `{}` of `{}`: {e}",
                            test.name, c.name, given.source
                        ))
                    })?;
                    if let Some(i) = find_column(&physical, &c.physical) {
                        if values[i].is_null() {
                            values[i] = value;
                        }
                    }
                }
                table.rows.push(values);
            }
            out.insert(&relation, table);
        }
        Ok(out)
    }
}

/// The value of a constant of a `test` block, as type `ty`.
pub fn literal_value(literal: &Literal, ty: &Type) -> Result<Value, String> {
    let value = match literal {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(n) => Value::Int(*n),
        Literal::Decimal(text) => match ty {
            Type::Float => text
                .parse()
                .map(Value::Float)
                .map_err(|_| format!("`{text}` is not a number"))?,
            _ => Decimal::parse(text)
                .map(Value::Decimal)
                .ok_or_else(|| format!("`{text}` is not a decimal number that fits 38 digits"))?,
        },
        Literal::String(s) | Literal::Timestamp(s) | Literal::Date(s) => Value::String(s.clone()),
        Literal::Duration(seconds) => Value::Duration(*seconds as f64),
        Literal::List(items) => {
            let elem = ty.element().cloned().unwrap_or(Type::Null);
            Value::List(
                items
                    .iter()
                    .map(|l| literal_value(l, &elem))
                    .collect::<Result<_, _>>()?,
            )
        }
    };
    value.conform(ty)
}

/// A relation the project reads, with every column its readers declare.
struct Relation {
    name: String,
    reader: String,
    columns: Vec<(String, Type, String)>,
}

/// The relations read by sources and training sets, keyed by lowercased name; two
/// declarations of one physical column must agree on its type.
fn relations(model: &Model) -> Result<BTreeMap<String, Relation>, Error> {
    let mut out: BTreeMap<String, Relation> = BTreeMap::new();
    let readers = model
        .sources
        .values()
        .map(|s| (format!("source `{}`", s.name), &s.table, &s.columns))
        .chain(model.training_sets.iter().map(|t| {
            (
                format!("the labels of training set `{}`", t.name),
                &t.labels_table,
                &t.labels_columns,
            )
        }));
    for (reader, parts, columns) in readers {
        let name = parts.join(".");
        let rel = out.entry(name.to_lowercase()).or_insert_with(|| Relation {
            name: name.clone(),
            reader: reader.clone(),
            columns: Vec::new(),
        });
        for ColumnDef { physical, ty, .. } in columns.iter() {
            match rel
                .columns
                .iter()
                .find(|(p, _, _)| p.eq_ignore_ascii_case(physical))
            {
                Some((_, known, by)) if known != ty => {
                    return Err(Error::new(format!(
                        "column `{physical}` of `{name}` is declared `{known}` by {by} and `{ty}` by {reader}"
                    ))
                    .with_help("declare the column with one type wherever it is read"));
                }
                Some(_) => {}
                None => rel
                    .columns
                    .push((physical.clone(), ty.clone(), reader.clone())),
            }
        }
    }
    Ok(out)
}

fn open(path: &Path) -> Result<Box<dyn Read>, Error> {
    let file = File::open(path).map_err(|e| {
        Error::new(format!("cannot read `{}`: {e}", path.display()))
            .with_help("create the file, or fix its path under `[targets.NAME.tables]` in c360.toml (relative to the directory holding c360.toml)")
    })?;
    let lower = path.to_string_lossy().to_ascii_lowercase();
    Ok(if lower.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    })
}

fn read_csv(local: &LocalTable, rel: &Relation, project_dir: &Path) -> Result<Table, Error> {
    let path = local.resolved_path(project_dir);
    let shown = path.display().to_string();
    if local.format != TableFormat::Csv {
        return Err(Error::new(format!(
            "`{}` is a Parquet file; the reference implementation reads CSV files only",
            shown
        ))
        .with_help("give the differential test a CSV (or .csv.gz) copy of the table"));
    }
    let text = {
        let mut text = String::new();
        open(&path)?.read_to_string(&mut text).map_err(|e| {
            Error::new(format!("cannot read `{shown}`: {e}"))
                .with_help("c360 reads UTF-8 text files, optionally gzip-compressed (`.csv.gz`)")
        })?;
        text
    };
    let records = csv_text::records(text.strip_prefix('\u{feff}').unwrap_or(&text)).map_err(|e| {
        let at = match e.field {
            Some(field) => format!("{shown}:{}:{field}", e.line),
            None => format!("{shown}:{}", e.line),
        };
        Error::new(format!("cannot read `{shown}`: {}", e.message))
            .at(at)
            .with_help("c360 reads comma-separated files whose first line names the columns, with `\"` around values holding commas, quotes or line breaks and `\"` doubled inside")
    })?;
    let mut records = records.into_iter();
    let header: Vec<String> = records
        .next()
        .map(|r| {
            r.fields
                .into_iter()
                .map(|h| h.unwrap_or_default().trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    if header.iter().all(String::is_empty) {
        return Err(Error::new(format!("`{shown}` is empty"))
            .at(format!("{shown}:1"))
            .with_help("a CSV file starts with a header line naming its columns"));
    }
    let mut at = Vec::with_capacity(rel.columns.len());
    for (physical, ty, by) in &rel.columns {
        match find_column(&header, physical) {
            Some(i) => at.push(i),
            None => {
                let shown_cols: Vec<String> = header.iter().map(|h| format!("`{h}`")).collect();
                return Err(Error::new(format!(
                    "`{shown}` has no column `{physical}` (`{ty}`), which {by} reads"
                ))
                .at(format!("{shown}:1"))
                .with_help(format!(
                    "the file's columns are {}; add the column, or name the file's column with `@column(\"…\")`",
                    shown_cols.join(", ")
                )));
            }
        }
    }
    let mut table = Table::new(
        &rel.columns
            .iter()
            .map(|(p, _, _)| p.as_str())
            .collect::<Vec<_>>(),
    );
    table.origin = Some(shown.clone());
    for record in records {
        let line = record.line;
        if record.fields.len() != header.len() {
            return Err(Error::new(format!(
                "line {line} of `{shown}` has {} fields, the header {}",
                record.fields.len(),
                header.len()
            ))
            .at(format!("{shown}:{line}"))
            .with_help("give every line as many fields as the header names columns; put `\"` around values holding commas"));
        }
        let mut row = Vec::with_capacity(at.len());
        for (&i, (physical, ty, by)) in at.iter().zip(&rel.columns) {
            // An empty unquoted field is null; `""` is the empty string.
            let Some(field) = record.fields[i].as_deref() else {
                row.push(Value::Null);
                continue;
            };
            match parse_as(field, ty) {
                Some(v) => row.push(v),
                None => {
                    return Err(Error::new(format!(
                        "`{field}` in column `{physical}` is not {}, which {by} declares",
                        ty.a()
                    ))
                    .at(format!("{shown}:{line}:{}", i + 1))
                    .with_help(type_hint(ty)))
                }
            }
        }
        table.rows.push(row);
        table.lines.push(line);
    }
    Ok(table)
}
