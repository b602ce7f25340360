//! The salsa database of c360: name resolution, type checking and the typed model.
//!
//! Inputs are one [`SourceText`] per `.c360` file and one [`Project`] listing them with the
//! text of `c360.toml`. Parsing is a query per file, so an edit re-parses only that file;
//! [`check`] turns every parsed file into the typed [`Model`] and the project's diagnostics.
//! [`Workspace`] keeps the path → input table that the CLI and the language server update.

mod annotations;
mod checker;
mod expr;
mod graph;
mod literal;
pub mod model;
mod regex;
mod suggest;
pub mod types;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use c360_diagnostics::{sort_diagnostics, Diagnostic, FileId};
use salsa::Setter;

pub use model::Model;
pub use suggest::closest;
pub use types::Type;

/// The text of one `.c360` file.
#[salsa::input(debug)]
pub struct SourceText {
    /// The file's project-relative path.
    #[returns(ref)]
    pub path: FileId,
    /// Its contents.
    #[returns(ref)]
    pub text: String,
}

/// The project: its files in path order and the text of `c360.toml`, if any.
#[salsa::input(debug)]
pub struct Project {
    /// Every `.c360` file, sorted by path.
    #[returns(ref)]
    pub files: Vec<SourceText>,
    /// The contents of `c360.toml`, when the project has one.
    #[returns(ref)]
    pub config: Option<String>,
}

/// Parses one file (lexing, parsing, recovery); re-runs only when that file changes.
#[salsa::tracked(returns(ref))]
pub fn parse(db: &dyn salsa::Database, file: SourceText) -> c360_syntax::Parse {
    c360_syntax::parse(file.path(db), file.text(db))
}

/// The result of checking a project.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Checked {
    /// The typed model; complete only when there are no errors.
    pub model: Model,
    /// Syntax, configuration and semantic diagnostics, in printing order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks the whole project. Nothing reads its result inside the database, so comparing old
/// and new results (to backdate) would only cost time.
#[salsa::tracked(returns(ref), no_eq)]
pub fn check(db: &dyn salsa::Database, project: Project) -> Checked {
    let files = project.files(db);
    let parses: Vec<(FileId, &c360_syntax::Parse)> = files
        .iter()
        .map(|f| (f.path(db).clone(), parse(db, *f)))
        .collect();
    let (model, mut diagnostics) = checker::check_project(&parses);
    for (_, p) in &parses {
        diagnostics.extend(p.diagnostics.iter().cloned());
    }
    diagnostics.extend(config_diagnostics(db, project).iter().cloned());
    sort_diagnostics(&mut diagnostics);
    Checked { model, diagnostics }
}

/// Diagnostics of `c360.toml`.
#[salsa::tracked(returns(ref))]
pub fn config_diagnostics(db: &dyn salsa::Database, project: Project) -> Vec<Diagnostic> {
    match project.config(db) {
        Some(text) => c360_project::parse_config(text).1,
        None => Vec::new(),
    }
}

/// The concrete salsa database.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// A database that appends a line to `log` for every query it executes
    /// (`"parse(path)"`, `"check"`), for observing incrementality.
    pub fn with_execution_log(log: Arc<Mutex<Vec<String>>>) -> Self {
        Database {
            storage: salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
                if let salsa::EventKind::WillExecute { database_key } = event.kind {
                    if let Ok(mut log) = log.lock() {
                        log.push(format!("{database_key:?}"));
                    }
                }
            }))),
        }
    }
}

/// The project as the tools see it: a database plus the table from path to file input.
/// Updates go through setters, so unchanged files keep their cached parse.
pub struct Workspace {
    db: Database,
    project: Project,
    files: BTreeMap<FileId, SourceText>,
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new(Database::default())
    }
}

impl Workspace {
    /// An empty workspace over `db`.
    pub fn new(db: Database) -> Self {
        let project = Project::new(&db, Vec::new(), None);
        Workspace {
            db,
            project,
            files: BTreeMap::new(),
        }
    }

    /// Sets the text of `path`, adding the file if it is new.
    pub fn set_file(&mut self, path: FileId, text: String) {
        match self.files.get(&path) {
            Some(file) => {
                if file.text(&self.db) != &text {
                    file.set_text(&mut self.db).to(text);
                }
            }
            None => {
                let file = SourceText::new(&self.db, path.clone(), text);
                self.files.insert(path, file);
                self.sync_files();
            }
        }
    }

    /// Removes `path` from the project; returns whether it was there.
    pub fn remove_file(&mut self, path: &FileId) -> bool {
        let removed = self.files.remove(path).is_some();
        if removed {
            self.sync_files();
        }
        removed
    }

    /// Sets the text of `c360.toml` (`None` when the project has none).
    pub fn set_config(&mut self, text: Option<String>) {
        if self.project.config(&self.db) != &text {
            self.project.set_config(&mut self.db).to(text);
        }
    }

    fn sync_files(&mut self) {
        let files: Vec<SourceText> = self.files.values().copied().collect();
        self.project.set_files(&mut self.db).to(files);
    }

    /// The paths of the project's files, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &FileId> {
        self.files.keys()
    }

    /// The text of `path`, if it is part of the project (`c360.toml` included).
    pub fn text(&self, path: &FileId) -> Option<&str> {
        if path.as_str() == c360_project::CONFIG_FILE {
            return self.project.config(&self.db).as_deref();
        }
        self.files.get(path).map(|f| f.text(&self.db).as_str())
    }

    /// The parse of `path`, if it is part of the project.
    pub fn parse(&self, path: &FileId) -> Option<&c360_syntax::Parse> {
        self.files.get(path).map(|f| parse(&self.db, *f))
    }

    /// Checks the project (cached until an input changes).
    pub fn check(&self) -> &Checked {
        check(&self.db, self.project)
    }

    /// The underlying database.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// The project input.
    pub fn project(&self) -> Project {
        self.project
    }
}

impl c360_diagnostics::render::SourceLookup for Workspace {
    fn text(&self, file: &FileId) -> Option<&str> {
        Workspace::text(self, file)
    }
}
