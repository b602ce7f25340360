//! What an example project says its local tables look like: for every source and every
//! training set's labels, the warehouse relation, the CSV file `c360.toml` maps it to, and
//! the columns (physical names and declared types) in declaration order.
//!
//! The project is read exactly as `c360 check` reads it, so the generated files follow the
//! `.c360` declarations instead of a second copy of them.

use std::path::{Path, PathBuf};

use c360_diagnostics::Diagnostic;
use c360_project::{discover, TableFormat};
use c360_sema::model::ColumnDef;
use c360_sema::{Type, Workspace};

use crate::error::Error;
use crate::value::TableKey;

/// A column of a local table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The name used in `.c360` expressions, which stories set.
    pub name: String,
    /// The column name in the file's header (`@column`, else the name).
    pub physical: String,
    /// The declared type.
    pub ty: Type,
}

/// A relation read from a local CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// The declaration that reads it.
    pub key: TableKey,
    /// The warehouse relation, e.g. `shop.orders`.
    pub relation: String,
    /// The file as `c360.toml` writes it, relative to the project directory.
    pub file: String,
    /// The columns in declaration order.
    pub columns: Vec<ColumnSpec>,
}

/// An example project as the generator needs it.
#[derive(Clone, Debug)]
pub struct ProjectSpec {
    /// The project directory (where `c360.toml` is).
    pub dir: PathBuf,
    /// Every source relation, then every labels relation, in name order.
    pub tables: Vec<TableSpec>,
}

/// Reads and checks the project in `dir`, and pairs each relation it reads with its file in
/// the default target's `tables`.
pub fn load_project(dir: &Path) -> Result<ProjectSpec, Error> {
    let files = discover(dir).map_err(|e| {
        Error::new(e.to_string()).with_hint("pass the directory that holds the examples")
    })?;
    let shown = dir.display().to_string();
    if let Some(problem) = files.read_diagnostics().first() {
        return Err(diagnostic_error(&shown, problem, None));
    }
    let mut workspace = Workspace::default();
    for file in &files.files {
        if let Ok(text) = &file.text {
            workspace.set_file(file.id.clone(), text.clone());
        }
    }
    workspace.set_config(files.config.as_ref().and_then(|c| c.text.clone().ok()));
    let (config, config_problems) = files.load_config();
    if let Some(problem) = config_problems.iter().find(|d| d.is_error()) {
        return Err(diagnostic_error(&shown, problem, Some(&workspace)));
    }
    let checked = workspace.check();
    if let Some(problem) = checked.diagnostics.iter().find(|d| d.is_error()) {
        return Err(diagnostic_error(&shown, problem, Some(&workspace)));
    }
    let config = config.ok_or_else(|| {
        Error::new("c360.toml cannot be read")
            .at(format!("{shown}/c360.toml"))
            .with_hint(format!("run `c360 check {shown}`"))
    })?;
    let target = config.default_target();

    let model = &checked.model;
    let mut relations: Vec<(TableKey, Vec<String>, &[ColumnDef])> = Vec::new();
    for source in model.sources.values() {
        relations.push((
            TableKey::Source(source.name.clone()),
            source.table.clone(),
            &source.columns,
        ));
    }
    for set in &model.training_sets {
        relations.push((
            TableKey::Labels(set.name.clone()),
            set.labels_table.clone(),
            &set.labels_columns,
        ));
    }

    let mut tables = Vec::new();
    for (key, parts, columns) in relations {
        let relation = parts.join(".");
        // Relations match case-insensitively, as the engine matches them.
        let local = target
            .tables
            .iter()
            .find(|t| t.table.eq_ignore_ascii_case(&relation))
            .ok_or_else(|| {
                Error::new(format!(
                    "{key} reads `{relation}`, which has no file under `[targets.{}.tables]`",
                    target.name
                ))
                .at(format!("{shown}/c360.toml"))
                .with_hint(format!(
                    "add `\"{relation}\" = \"data/{}.csv\"` to `[targets.{}.tables]`",
                    parts.last().map(String::as_str).unwrap_or("table"),
                    target.name
                ))
            })?;
        if local.format != TableFormat::Csv || local.path.to_ascii_lowercase().ends_with(".gz") {
            return Err(Error::new(format!(
                "`{relation}` is mapped to `{}`, but sample data is written as plain CSV",
                local.path
            ))
            .at(format!("{shown}/c360.toml"))
            .with_hint(format!(
                "map it to a `.csv` file, e.g. `data/{}.csv`",
                parts.last().map(String::as_str).unwrap_or("table")
            )));
        }
        tables.push(TableSpec {
            key,
            relation,
            file: local.path.clone(),
            columns: columns
                .iter()
                .map(|c| ColumnSpec {
                    name: c.name.clone(),
                    physical: c.physical.clone(),
                    ty: c.ty.clone(),
                })
                .collect(),
        });
    }
    Ok(ProjectSpec {
        dir: files.root.clone(),
        tables,
    })
}

/// An error for a diagnostic of the project, located by file and line.
fn diagnostic_error(dir: &str, d: &Diagnostic, workspace: Option<&Workspace>) -> Error {
    let file = &d.primary.file;
    let line = workspace.and_then(|w| w.text(file)).map(|text| {
        let end = (d.primary.span.start as usize).min(text.len());
        text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    });
    let location = match line {
        Some(line) => format!("{dir}/{file}:{line}"),
        None => format!("{dir}/{file}"),
    };
    Error::new(format!(
        "the project does not check: {}: {}",
        d.code, d.message
    ))
    .at(location)
    .with_hint(format!(
        "run `c360 check {dir}` and fix its errors; sample data follows the declarations"
    ))
}
