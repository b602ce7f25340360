//! Loading a project from disk: its checked model, its `c360.toml`, and its local tables.

use std::path::{Path, PathBuf};

use c360_diagnostics::render_human;
use c360_project::{discover, Config, Target};
use c360_sema::{Model, Workspace};

use crate::error::Error;
use crate::tables::Tables;

/// A project read from disk and checked without errors.
pub struct LoadedProject {
    /// The project root (the directory holding `c360.toml`).
    pub root: PathBuf,
    /// The checked model.
    pub model: Model,
    /// `c360.toml` (the default configuration when there is none).
    pub config: Config,
}

/// Reads and checks the project at `dir`; fails with the rendered diagnostics when it has
/// errors.
pub fn load_project(dir: &Path) -> Result<LoadedProject, Error> {
    let files = discover(dir).map_err(|e| Error::new(e.to_string()))?;
    let mut workspace = Workspace::default();
    for file in &files.files {
        if let Ok(text) = &file.text {
            workspace.set_file(file.id.clone(), text.clone());
        }
    }
    workspace.set_config(files.config.as_ref().and_then(|c| c.text.clone().ok()));
    let mut diagnostics = files.read_diagnostics();
    let checked = workspace.check();
    diagnostics.extend(checked.diagnostics.iter().cloned());
    if diagnostics.iter().any(|d| d.is_error()) {
        let errors: Vec<_> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
        return Err(Error::new(format!(
            "the project at `{}` has errors:\n{}",
            dir.display(),
            render_human(&errors, &workspace, false)
        ))
        .with_help("run `c360 check` on it and fix the errors"));
    }
    if files.files.is_empty() {
        return Err(Error::new(format!(
            "no `.c360` files in `{}`",
            dir.display()
        )));
    }
    let (config, _) = files.load_config();
    let config = config.ok_or_else(|| {
        Error::new(format!(
            "`{}` cannot be read as a project file",
            files.root.join(c360_project::CONFIG_FILE).display()
        ))
    })?;
    Ok(LoadedProject {
        root: files.root.clone(),
        model: checked.model.clone(),
        config,
    })
}

impl LoadedProject {
    /// The target called `name`, or the default target.
    pub fn target(&self, name: Option<&str>) -> Result<&Target, Error> {
        self.config.target(name).map_err(Error::new)
    }

    /// The local tables of target `name` (default: the default target), read from its CSV
    /// files.
    pub fn tables(&self, target: Option<&str>) -> Result<Tables, Error> {
        Tables::load(&self.model, self.target(target)?, &self.root)
    }
}
