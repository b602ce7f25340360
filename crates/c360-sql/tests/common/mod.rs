//! Loading projects for the tests: from an example directory or from inline files.

#![allow(dead_code)]

pub mod parse;

use std::path::{Path, PathBuf};

use c360_diagnostics::FileId;
use c360_ir::Plan;
use c360_sema::{Model, Workspace};

/// The examples directory of the repository.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every example project, sorted by name.
pub fn examples() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(examples_dir())
        .expect("the examples directory exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// Loads, checks and lowers the project at `dir`; panics on errors (examples are valid).
pub fn load_dir(dir: &Path) -> (Model, Plan) {
    let files = c360_project::discover(dir).expect("the project can be discovered");
    let mut ws = Workspace::default();
    for f in &files.files {
        let text = f.text.clone().expect("example files are readable");
        ws.set_file(f.id.clone(), text);
    }
    ws.set_config(files.config.as_ref().and_then(|c| c.text.clone().ok()));
    checked(&ws)
}

/// Loads, checks and lowers a project given as `(path, text)` pairs.
pub fn load(files: &[(&str, &str)]) -> (Model, Plan) {
    let mut ws = Workspace::default();
    for (path, text) in files {
        ws.set_file(FileId::new(*path), (*text).to_owned());
    }
    checked(&ws)
}

fn checked(ws: &Workspace) -> (Model, Plan) {
    let checked = ws.check();
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "project has errors: {errors:#?}");
    let plan = c360_ir::lower(&checked.model);
    (checked.model.clone(), plan)
}
