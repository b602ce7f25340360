//! SQL generation for c360: a checked project's plan rendered for each warehouse dialect.
//!
//! [`compile`] walks the dialect-neutral [`c360_ir::Plan`] and builds every statement through
//! sqlparser's AST; the dialect's differences live in one trait of named quirks with one
//! implementation per dialect (`quirks/`). The result has two forms of the same steps:
//! [`Compiled::files`], what `c360 compile` writes (one file per step, loops rendered in the
//! dialect's own scripting), and [`Compiled::statements`], what an engine executes (loops as
//! [`Statement::Loop`], driven by the engine).
//!
//! Output is deterministic: the same model, plan, dialect, schema and `as_of` give
//! byte-identical SQL.

mod ast;
mod features;
mod gen;
mod identity;
mod manifest;
mod outputs;
mod project;
mod quirks;
mod report;

use std::fmt::Write as _;

pub use c360_project::Dialect;
pub use manifest::{
    fingerprints, manifest, Catalog, ColumnEntry, EntityEntry, FeatureEntry, IdTypeEntry, Manifest,
    SourceEntry, TrainingSetEntry,
};
pub use project::{compile_model, schema_for};
pub use report::{EntityTables, OutputTable, RunTables};

use c360_diagnostics::{codes, Diagnostic, FileId, Span};
use c360_ir::Plan;
use c360_sema::Model;

use crate::gen::{Gen, Problem, Site, StepKind};

/// The `as_of` time written into the parameters step: `YYYY-MM-DD HH:MM:SS` with up to six
/// fractional digits, or a bare date `YYYY-MM-DD` (midnight).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AsOf(String);

impl AsOf {
    /// Parses `text`; `None` unless it has one of the two accepted shapes and a valid date.
    pub fn parse(text: &str) -> Option<AsOf> {
        let text = text.trim();
        let (date, time) = match text.split_once(' ') {
            Some((d, t)) => (d, Some(t)),
            None => (text, None),
        };
        let d: Vec<&str> = date.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if d.len() != 3 || !digits(d[0], 4) || !digits(d[1], 2) || !digits(d[2], 2) {
            return None;
        }
        let (year, month, day): (u32, u32, u32) =
            (d[0].parse().ok()?, d[1].parse().ok()?, d[2].parse().ok()?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days {
            return None;
        }
        let Some(time) = time else {
            return Some(AsOf(format!("{date} 00:00:00")));
        };
        let (hms, fraction) = match time.split_once('.') {
            Some((hms, f)) => (hms, Some(f)),
            None => (time, None),
        };
        let t: Vec<&str> = hms.split(':').collect();
        if t.len() != 3 || !t.iter().all(|p| digits(p, 2)) {
            return None;
        }
        let (h, m, s): (u32, u32, u32) =
            (t[0].parse().ok()?, t[1].parse().ok()?, t[2].parse().ok()?);
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        if let Some(f) = fraction {
            if f.is_empty() || f.len() > 6 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
        }
        Some(AsOf(text.to_owned()))
    }

    /// The timestamp as written, `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A project compiled for one dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    /// The dialect.
    pub dialect: Dialect,
    /// What `c360 compile` writes: one file per step, in execution order.
    pub files: Vec<SqlFile>,
    /// What an engine executes, in order.
    pub statements: Vec<Statement>,
    /// The tables the run writes, for an engine's run report.
    pub tables: RunTables,
}

/// One file of compiled SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlFile {
    /// The file name, e.g. `010_customer_id_links.sql`; the number gives the order.
    pub name: String,
    /// Its text: statements ending in `;`, with a comment saying what the step does.
    pub sql: String,
}

/// One executable step. Statements of one step share its name; the statements named
/// [`PUBLISH`] swap the new outputs in and belong in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// One SQL statement (without a trailing `;`).
    Sql {
        /// The step's name, e.g. `customer_id_nodes`.
        name: String,
        /// The statement.
        sql: String,
    },
    /// A loop the engine drives: run `body`, then `changed`; repeat until it returns 0. Past
    /// `max_rounds` rounds the run fails; a partial result is never used.
    Loop {
        /// The step's name, e.g. `customer_stitch`.
        name: String,
        /// One round's statements, in order.
        body: Vec<String>,
        /// A query returning one integer: how many rows are still changing (0 = converged).
        changed: String,
        /// The most rounds allowed.
        max_rounds: u32,
    },
}

impl Statement {
    /// The step this statement belongs to.
    pub fn name(&self) -> &str {
        match self {
            Statement::Sql { name, .. } | Statement::Loop { name, .. } => name,
        }
    }

    /// True for procedural scripts (a PL/pgSQL `DO` block, Snowflake Scripting, a Redshift
    /// procedure), which sqlparser does not parse; every other statement is plain SQL.
    pub fn is_script(&self) -> bool {
        match self {
            Statement::Sql { sql, .. } => SCRIPT_OPENERS.iter().any(|o| sql.starts_with(o)),
            Statement::Loop { .. } => false,
        }
    }
}

/// How procedural scripts begin.
const SCRIPT_OPENERS: &[&str] = &[
    "DO ",
    "EXECUTE IMMEDIATE ",
    "CREATE OR REPLACE PROCEDURE ",
    "BEGIN\n",
];

/// The name of the step that swaps the new outputs in (one transaction where the engine can).
pub const PUBLISH: &str = "publish";

/// Compiles a checked project's plan for `dialect`, writing into `schema` (`"schema"` or
/// `"database.schema"`; empty for unqualified names). `as_of` is written into the first step,
/// the only place it is set; `None` leaves it null there, and the next step fails the run
/// until it is set (edit `c360_params`' step, or pass `--as-of`), so compiled files are the
/// same on every run. Constructs the dialect cannot express are `E0300` diagnostics.
pub fn compile(
    model: &Model,
    plan: &Plan,
    dialect: Dialect,
    schema: &str,
    as_of: Option<&AsOf>,
) -> Result<Compiled, Vec<Diagnostic>> {
    let q = quirks::quirks(dialect);
    let parts: Vec<&str> = if schema.is_empty() {
        Vec::new()
    } else {
        schema.split('.').collect()
    };
    let mut g = Gen::new(q, parts.iter().map(|p| q.ident(p)).collect());
    for p in &parts {
        if let Some(reason) = q.ident_problem(p) {
            g.site = Site::Schema;
            g.bad_name(format!("the schema `{schema}`"), reason);
        }
    }
    outputs::check_names(&mut g, plan);
    outputs::project(&mut g, plan, as_of);
    if !g.problems.is_empty() {
        return Err(diagnostics(model, dialect, q.title(), schema, &g.problems));
    }
    let tables = report::run_tables(&g, plan);
    Ok(assemble(dialect, g, tables))
}

/// Compiles for every dialect in [`Dialect::all`] order (the benchmark's `--dialect all`).
pub fn compile_all(
    model: &Model,
    plan: &Plan,
    schema: &str,
    as_of: Option<&AsOf>,
) -> Vec<Result<Compiled, Vec<Diagnostic>>> {
    Dialect::all()
        .iter()
        .map(|&d| compile(model, plan, d, schema, as_of))
        .collect()
}

fn assemble(dialect: Dialect, g: Gen, tables: RunTables) -> Compiled {
    let width = ((g.steps.len().saturating_sub(1)) * 10)
        .to_string()
        .len()
        .max(3);
    let mut files = Vec::with_capacity(g.steps.len());
    let mut statements = Vec::new();
    for (i, step) in g.steps.into_iter().enumerate() {
        let mut sql = String::new();
        let _ = writeln!(sql, "-- {}", step.about);
        match step.kind {
            StepKind::Sql(pieces) => {
                for p in pieces {
                    let _ = write!(sql, "\n{};\n", p.sql);
                    statements.push(Statement::Sql {
                        name: step.name.clone(),
                        sql: p.sql,
                    });
                }
            }
            StepKind::Loop {
                entity,
                body,
                changed,
                script,
                max_rounds,
            } => {
                match script {
                    Some(pieces) => {
                        let _ = writeln!(
                            sql,
                            "-- The loop repeats until no edge is left to settle and fails after {max_rounds} rounds."
                        );
                        for p in pieces {
                            let _ = write!(sql, "\n{};\n", p.sql);
                        }
                    }
                    None => {
                        let _ = writeln!(
                            sql,
                            "-- One round of the stitch loop of `{entity}`. `c360 run` repeats these statements\n-- until the last query returns 0 (every component settled) and fails after {max_rounds} rounds."
                        );
                        for s in &body {
                            let _ = write!(sql, "\n{s};\n");
                        }
                        let _ = write!(
                            sql,
                            "\n-- Edges left to settle (0 = converged):\n{changed};\n"
                        );
                    }
                }
                statements.push(Statement::Loop {
                    name: step.name.clone(),
                    body,
                    changed,
                    max_rounds,
                });
            }
        }
        files.push(SqlFile {
            name: format!("{:0width$}_{}.sql", i * 10, step.name),
            sql,
        });
    }
    Compiled {
        dialect,
        files,
        statements,
        tables,
    }
}

/// The diagnostics of the constructs `dialect` cannot express, at their declarations.
fn diagnostics(
    model: &Model,
    dialect: Dialect,
    title: &str,
    schema: &str,
    problems: &[Problem],
) -> Vec<Diagnostic> {
    let config = || (FileId::new(c360_project::CONFIG_FILE), Span::default());
    let mut out: Vec<Diagnostic> = problems
        .iter()
        .map(|p| {
            let (where_, (file, span)) = match &p.site {
                Site::Schema => (format!("the target schema `{schema}`"), config()),
                Site::Entity(e) => (
                    format!("entity `{e}`"),
                    model
                        .entity(e)
                        .map(|d| (d.location.file.clone(), d.location.span))
                        .unwrap_or_else(config),
                ),
                Site::IdType(t) => (
                    format!("the rules of id type `{t}`"),
                    model
                        .id_types
                        .get(t)
                        .map(|d| (d.location.file.clone(), d.location.span))
                        .unwrap_or_else(config),
                ),
                Site::Source(s) => (
                    format!("source `{s}`"),
                    model
                        .sources
                        .get(s)
                        .map(|d| (d.location.file.clone(), d.location.span))
                        .unwrap_or_else(config),
                ),
                Site::Feature(e, f) => (
                    format!("feature `{f}`"),
                    model
                        .entity(e)
                        .and_then(|d| d.feature(f))
                        .map(|d| (d.location.file.clone(), d.location.span))
                        .unwrap_or_else(config),
                ),
                Site::Aggregate { entity, features } => (
                    match features.as_slice() {
                        [] => format!("a pipeline of `{entity}`"),
                        [f] => format!("feature `{f}`"),
                        fs => format!(
                            "features {}",
                            fs.iter()
                                .map(|f| format!("`{f}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                    features
                        .first()
                        .and_then(|f| model.entity(entity).and_then(|d| d.feature(f)))
                        .map(|d| (d.location.file.clone(), d.location.span))
                        .unwrap_or_else(config),
                ),
                Site::TrainingSet(t) => (
                    format!("training set `{t}`"),
                    model
                        .training_sets
                        .iter()
                        .find(|d| &d.name == t)
                        .map(|d| (d.location.file.clone(), d.location.span))
                        .unwrap_or_else(config),
                ),
            };
            let page = format!(
                "`docs/dialects/{}.md` lists what {title} supports",
                dialect.name()
            );
            match (&p.site, p.name) {
                (Site::Schema, _) => Diagnostic::new(
                    codes::E0300,
                    file,
                    span,
                    format!(
                        "{title} cannot use the target schema `{schema}`: {}",
                        p.reason
                    ),
                )
                .with_help(format!("give the target a schema name {title} accepts")),
                (_, true) => Diagnostic::new(
                    codes::E0300,
                    file,
                    span,
                    format!(
                        "{where_} needs {}, which {title} cannot hold: {}",
                        p.what, p.reason
                    ),
                )
                .with_help(format!(
                    "rename it (a column can keep its warehouse name with `@column(\"…\")`); {page}"
                )),
                (_, false) => Diagnostic::new(
                    codes::E0300,
                    file,
                    span,
                    format!(
                        "{where_} uses {}, which {title} cannot express: {}",
                        p.what, p.reason
                    ),
                )
                .with_help(format!(
                    "rewrite {where_} without {}, or compile for another dialect; {page}",
                    p.what
                )),
            }
        })
        .collect();
    // One diagnostic per declaration: the first construct found is the one to fix first.
    let mut seen: Vec<(FileId, Span)> = Vec::new();
    out.retain(|d| {
        let key = (d.primary.file.clone(), d.primary.span);
        let first = !seen.contains(&key) || key.1 == Span::default();
        seen.push(key);
        first
    });
    c360_diagnostics::sort_diagnostics(&mut out);
    out
}
