//! `c360-datagen`: the deterministic generator of the examples' sample data.
//!
//! `cargo run -p c360-datagen -- examples` rewrites `examples/ecommerce/data/*.csv` and
//! `examples/saas/data/*.csv`. Each example has a *story* (a module of this crate, whose
//! header tells it): who the people or companies are, what they do over the first half of
//! 2026, and which anomalies of real data the files contain on purpose.
//!
//! How the files are made:
//!
//! 1. The example project is read and checked as `c360 check` does ([`load_project`]); each
//!    source and each training set's labels relation is paired with its file in the default
//!    target's `[targets.dev.tables]`.
//! 2. The story generates rows whose cells are named by the columns' `.c360` names, from a
//!    fixed seed with the workspace's own PRNG (`c360_rng::Rng`); nothing reads the wall clock and
//!    every collection is ordered, so the output is byte-identical on every run and machine.
//! 3. Each table is written as CSV ([`csv::render`]): the header is the physical column names
//!    (`@column`), each value is checked against the declared type, timestamps are
//!    `YYYY-MM-DD HH:MM:SS`, dates `YYYY-MM-DD`, booleans `true`/`false`, decimals have two
//!    digits, and an empty field is null.

pub mod csv;
pub mod ecommerce;
pub mod error;
pub mod names;
pub mod saas;
pub mod schema;
pub mod time;
pub mod value;

use std::path::{Path, PathBuf};

pub use error::Error;
pub use schema::{load_project, ProjectSpec, TableSpec};
pub use value::{Dataset, Row, TableKey, Value};

/// An example with sample data: its directory under `examples/` and its story.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// The directory name, e.g. `ecommerce`.
    pub dir: &'static str,
    /// The seed the story runs with.
    pub seed: u64,
    /// The story: every table's rows from a seed.
    pub generate: fn(u64) -> Dataset,
}

/// The examples whose data this crate generates.
pub const EXAMPLES: &[Example] = &[
    Example {
        dir: "ecommerce",
        seed: ecommerce::SEED,
        generate: ecommerce::generate,
    },
    Example {
        dir: "saas",
        seed: saas::SEED,
        generate: saas::generate,
    },
];

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// The relation it stands in for.
    pub relation: String,
    /// Its path relative to the project directory, as `c360.toml` writes it.
    pub path: String,
    /// The number of data rows (the header excluded).
    pub rows: usize,
    /// The CSV text.
    pub text: String,
}

/// The files of `example`, whose project is in `project_dir`; nothing is written.
pub fn render_example(example: &Example, project_dir: &Path) -> Result<Vec<OutputFile>, Error> {
    let project = load_project(project_dir)?;
    let data = (example.generate)(example.seed);
    let story = example.dir;
    if let Some(key) = data
        .tables
        .keys()
        .find(|k| !project.tables.iter().any(|t| &t.key == *k))
    {
        return Err(Error::new(format!(
            "the {story} story generates rows for {key}, which the project does not declare"
        ))
        .at(project_dir.display().to_string())
        .with_hint(format!(
            "declare it in the project, or remove it from the {story} story"
        )));
    }
    let mut files = Vec::new();
    for table in &project.tables {
        let rows = data.rows(&table.key);
        if rows.is_empty() {
            return Err(Error::new(format!(
                "the {story} story generates no rows for {} (`{}`)",
                table.key, table.relation
            ))
            .at(project_dir.display().to_string())
            .with_hint(format!(
                "add {} to the {story} story in crates/c360-datagen",
                table.key
            )));
        }
        files.push(OutputFile {
            relation: table.relation.clone(),
            path: table.file.clone(),
            rows: rows.len(),
            // Locations in the story's errors are relative to the project: anchor them.
            text: csv::render(table, rows, story).map_err(|mut e| {
                e.location = e
                    .location
                    .map(|l| project_dir.join(l).display().to_string());
                e
            })?,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// A file written by [`write_examples`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Where it was written.
    pub path: PathBuf,
    /// The relation it stands in for.
    pub relation: String,
    /// Data rows.
    pub rows: usize,
    /// Bytes.
    pub bytes: usize,
}

/// Generates every example found in `examples_dir` and writes its files under
/// `out_dir/<example>/`, creating directories as needed. With `out_dir == examples_dir` this
/// refreshes the committed data.
pub fn write_examples(examples_dir: &Path, out_dir: &Path) -> Result<Vec<Written>, Error> {
    let mut written = Vec::new();
    for example in EXAMPLES {
        let project_dir = examples_dir.join(example.dir);
        if !project_dir.is_dir() {
            return Err(Error::new(format!(
                "there is no example `{}` in `{}`",
                example.dir,
                examples_dir.display()
            ))
            .with_hint("pass the repository's `examples` directory"));
        }
        for file in render_example(example, &project_dir)? {
            let path = out_dir.join(example.dir).join(&file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Error::new(format!("cannot create `{}`: {e}", parent.display()))
                })?;
            }
            std::fs::write(&path, &file.text)
                .map_err(|e| Error::new(format!("cannot write `{}`: {e}", path.display())))?;
            written.push(Written {
                path,
                relation: file.relation,
                rows: file.rows,
                bytes: file.text.len(),
            });
        }
    }
    Ok(written)
}
