//! Small projects written to a scratch directory, checked, compiled and run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use c360_diagnostics::FileId;
use c360_engine::{Engine, EngineError, LoadReport, RunSummary, Silent};
use c360_project::{parse_config, Config, Target};
use c360_sema::{Model, Workspace};
use c360_sql::{AsOf, Compiled};

/// A project on disk, checked without errors.
pub struct Project {
    pub dir: PathBuf,
    pub model: Model,
    pub config: Config,
}

/// A fresh scratch directory for test `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("c360-engine")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// Writes `files` (path, text) under `dir`, creating directories.
pub fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a file has a directory"))
            .expect("directories can be created");
        std::fs::write(&path, text).expect("the file can be written");
    }
}

/// Writes `files` into a fresh directory for test `name` and checks the project in it: the
/// `.c360` files and `c360.toml` among them.
pub fn project(name: &str, files: &[(&str, &str)]) -> Project {
    let dir = scratch(name);
    write(&dir, files);
    let mut ws = Workspace::default();
    let mut config = None;
    for (path, text) in files {
        if path.ends_with(".c360") {
            ws.set_file(FileId::new(*path), (*text).to_owned());
        } else if *path == "c360.toml" {
            config = Some((*text).to_owned());
        }
    }
    ws.set_config(config.clone());
    let checked = ws.check();
    assert!(
        !checked.has_errors(),
        "the test project has errors: {:#?}",
        checked.diagnostics
    );
    let config = config.and_then(|t| parse_config(&t).0).unwrap_or_default();
    Project {
        dir,
        model: checked.model.clone(),
        config,
    }
}

impl Project {
    /// The default target.
    pub fn target(&self) -> &Target {
        self.config.default_target()
    }

    /// The project compiled for the default target as of `as_of`.
    pub fn compile(&self, as_of: &str) -> Compiled {
        let as_of = AsOf::parse(as_of).expect("a valid as_of");
        let target = self.target();
        c360_sql::compile_model(
            &self.model,
            Some(&self.config),
            target.dialect,
            Some(target),
            Some(&as_of),
        )
        .unwrap_or_else(|d| panic!("the test project compiles: {d:#?}"))
    }

    /// The default target's engine.
    pub fn engine(&self) -> Engine {
        Engine::open(self.target(), &self.dir).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Loads the local tables into `engine`.
    pub fn load(&self, engine: &mut Engine) -> Result<LoadReport, EngineError> {
        engine.load_tables(&self.model, self.target(), &self.dir, &mut Silent)
    }

    /// Loads the local tables and runs `compiled`.
    pub fn run_compiled(
        &self,
        engine: &mut Engine,
        compiled: &Compiled,
    ) -> Result<RunSummary, EngineError> {
        self.load(engine)?;
        engine.run(compiled, &mut Silent)
    }

    /// Loads the local tables and runs the project as of `as_of` on a fresh connection.
    pub fn run(&self, as_of: &str) -> Result<RunSummary, EngineError> {
        let mut engine = self.engine();
        self.run_compiled(&mut engine, &self.compile(as_of))
    }
}

/// The values of `rows`, `None` shown as `null`, one row per line.
pub fn show(rows: &c360_engine::Rows) -> Vec<String> {
    rows.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.as_deref().unwrap_or("null"))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}
