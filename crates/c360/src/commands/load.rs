//! Loading a project from disk into a workspace.

use std::path::{Path, PathBuf};

use c360_diagnostics::{codes, Diagnostic, FileId, Span};
use c360_project::discover;
use c360_sema::Workspace;

/// A project read from disk: the workspace plus what could not be read.
pub struct Loaded {
    /// The checked files and `c360.toml`.
    pub workspace: Workspace,
    /// Files that could not be read, non-UTF-8 files, and an empty project.
    pub read_diagnostics: Vec<Diagnostic>,
}

/// Reads the project at `dir` (default: the current directory); `Err` is a usage or I/O
/// problem for which the command exits 2.
pub fn load(dir: Option<PathBuf>) -> Result<Loaded, String> {
    let root = dir.unwrap_or_else(|| PathBuf::from("."));
    let files = discover(&root).map_err(|e| e.to_string())?;
    let mut workspace = Workspace::default();
    for file in &files.files {
        if let Ok(text) = &file.text {
            workspace.set_file(file.id.clone(), text.clone());
        }
    }
    workspace.set_config(files.config.as_ref().and_then(|c| c.text.clone().ok()));
    let mut read_diagnostics = files.read_diagnostics();
    if files.files.is_empty() {
        read_diagnostics.push(no_files(&root));
    }
    Ok(Loaded {
        workspace,
        read_diagnostics,
    })
}

fn no_files(root: &Path) -> Diagnostic {
    Diagnostic::new(
        codes::E0014,
        FileId::new(root.display().to_string()),
        Span::default(),
        format!("no `.c360` files in `{}`", root.display()),
    )
    .with_help("run c360 in a project directory, or pass one: `c360 check examples/ecommerce`")
}
