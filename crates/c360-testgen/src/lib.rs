//! `c360-testgen`: seeded random c360 projects with data, for differential testing.
//!
//! [`generate`] turns a seed into a [`GeneratedProject`]: `.c360` files, a `c360.toml` whose
//! default target maps every relation to a CSV file, the CSV texts, and the `as_of` time to
//! run it at. The same seed gives byte-identical output on every machine (a PRNG written
//! here, ordered collections only, no clock). Every project checks clean, warnings included.
//!
//! A project is drawn in layers, each from its own fork of the seed's generator:
//!
//! 1. id types with random cleaning rules (`normalize`, `valid`, `exclude`, `max_links`), one
//!    or two entities over them, 1–4 sources from archetypes of warehouse tables (event
//!    sources with `@time`, snapshot sources without), and sometimes a training set;
//! 2. 3–15 features per entity: pipelines over every aggregate, with `where`, `within` and
//!    event-relative filters, and derived features over the functions of the language;
//! 3. the data: people with several identifiers spelled in several ways, chained across
//!    sources, plus junk, excluded and over-linked identifiers, ties, nulls, and event times
//!    on every window boundary, at `as_of` and after it. See `README.md` for the CSV
//!    convention.

pub mod csv;
mod data;
mod features;
mod ids;
mod model;
mod names;
mod render;
mod schema;
mod time;

use std::collections::BTreeSet;
use std::path::Path;

use c360_diagnostics::FileId;
use c360_sema::Workspace;

use crate::features::FeatureGen;
use crate::model::Plan;
use crate::names::Names;
use crate::time::{Date, Timestamp, DAY};
use c360_rng::Rng;

/// A generated project: everything needed to write it to disk and run it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedProject {
    /// The `.c360` files: project-relative path (`/`-separated) and text, in path order.
    pub files: Vec<(String, String)>,
    /// The text of `c360.toml`.
    pub config: String,
    /// One table per relation the project reads: relation, CSV path relative to the project
    /// root (as `c360.toml` names it), CSV text.
    pub tables: Vec<(String, String, String)>,
    /// The time to run the project as of, `YYYY-MM-DD HH:MM:SS`.
    pub as_of: String,
}

/// Generates the project of `seed`.
pub fn generate(seed: u64) -> GeneratedProject {
    let mut rng = Rng::new(seed);
    let plan = plan(seed, &mut rng.fork(1));
    let tables = data::tables(&plan, rng.fork(2));
    let files = render::files(&plan, &mut rng.fork(3));
    let config = render::config(&plan, &tables);
    GeneratedProject {
        files,
        config,
        tables: tables
            .into_iter()
            .map(|t| (t.relation, t.path, t.text))
            .collect(),
        as_of: plan.as_of.to_string(),
    }
}

/// Writes `project` under `dir`: the `.c360` files, `c360.toml` and the CSV files. `dir` is
/// created if needed and must not hold anything yet, so no stale file of another seed can
/// become part of the project.
pub fn write(project: &GeneratedProject, dir: &Path) -> std::io::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "`{}` is not empty; write a generated project into a new directory",
                dir.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let texts = project
        .files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .chain(std::iter::once(("c360.toml", project.config.as_str())))
        .chain(
            project
                .tables
                .iter()
                .map(|(_, p, t)| (p.as_str(), t.as_str())),
        );
    for (path, text) in texts {
        let full = dir.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(full, text)?;
    }
    Ok(())
}

/// The project loaded into a checker workspace, as `c360 check` would load it from disk.
pub fn workspace(project: &GeneratedProject) -> Workspace {
    let mut ws = Workspace::default();
    for (path, text) in &project.files {
        ws.set_file(FileId::new(path), text.clone());
    }
    ws.set_config(Some(project.config.clone()));
    ws
}

/// Draws every declaration of the project.
fn plan(seed: u64, rng: &mut Rng) -> Plan {
    let mut names = Names::default();
    let as_of = as_of(rng);
    let id_types = schema::id_types(&mut names, rng);
    let entities = schema::entities(id_types.len(), &mut names, rng);
    let mut relations = BTreeSet::new();
    for e in &entities {
        // Output columns and tables (spec §6) are never generated names.
        names.take_feature(&format!("{}_id", e.name));
        for &t in &e.ids {
            names.take_feature(&format!("{}_ids", id_types[t].name));
        }
        relations.insert(format!("{}_360", e.name).to_ascii_lowercase());
        relations.insert(format!("{}_id_graph", e.name).to_ascii_lowercase());
    }
    let sources = schema::sources(&id_types, &mut names, &mut relations, rng);
    for s in &sources {
        for c in &s.columns {
            names.take(&c.name);
        }
    }
    let mut training_sets = Vec::new();
    for (ei, e) in entities.iter().enumerate() {
        if rng.chance(45) {
            training_sets.push(schema::training_set_labels(
                ei,
                e,
                &id_types,
                &mut names,
                &mut relations,
                rng,
            ));
        }
    }
    let mut boundaries = BTreeSet::new();
    let mut features = Vec::new();
    for (ei, e) in entities.iter().enumerate() {
        let fork = rng.fork(100 + ei as u64);
        features.push(FeatureGen::new(e, &sources, &mut names, fork, &mut boundaries).generate());
    }
    training_sets.retain(|t| !features[t.entity].is_empty());
    for t in &mut training_sets {
        let n = features[t.entity].len();
        let k = rng.between(1, 5.min(n as i64)) as usize;
        t.features = rng.sample(&(0..n).collect::<Vec<_>>(), k);
    }
    for (ei, list) in features.iter_mut().enumerate() {
        let mut used: BTreeSet<usize> = list.iter().flat_map(|f| f.deps.iter().copied()).collect();
        for t in training_sets.iter().filter(|t| t.entity == ei) {
            used.extend(t.features.iter().copied());
        }
        for (i, f) in list.iter_mut().enumerate() {
            decorate(f, used.contains(&i), rng);
        }
    }
    Plan {
        seed,
        as_of,
        id_types,
        entities,
        sources,
        features,
        training_sets,
        boundaries: boundaries.into_iter().collect(),
    }
}

/// Annotations and documentation. Only features something uses may be `@hidden` (else
/// `W0003`), and only unused ones `@deprecated` (else `W0001`).
fn decorate(f: &mut model::Feature, used: bool, rng: &mut Rng) {
    f.hidden = used && rng.chance(35);
    if !used && rng.chance(6) {
        f.annotations
            .push("@deprecated(\"kept for old dashboards\")".into());
    }
    if rng.chance(12) {
        let team = *rng
            .pick(&["growth", "crm", "data-science"])
            .unwrap_or(&"growth");
        f.annotations.push(format!("@owner(\"{team}\")"));
    }
    if rng.chance(12) {
        f.annotations.push("@tags(\"generated\", \"v1\")".into());
    }
    if rng.chance(8) {
        f.annotations
            .push(format!("@version({})", rng.between(1, 4)));
    }
    if rng.chance(25) {
        f.doc = Some(format!("`{}`, computed from the generated data.", f.name));
    }
}

/// The run's `as_of`: a day in 2025–2027, at midnight or at some second of the day.
fn as_of(rng: &mut Rng) -> Timestamp {
    let start = Date::ymd(2025, 1, 1).0;
    let end = Date::ymd(2027, 12, 31).0;
    let day = Date(rng.between(start, end)).midnight();
    if rng.chance(60) {
        day
    } else {
        day.plus(rng.between(1, DAY - 1))
    }
}
