//! The server's state: one [`Workspace`] per project, the open documents, and what was last
//! published.
//!
//! A workspace folder holds one project rooted at the folder, plus one per directory below it
//! that has its own `c360.toml` (each is a separate namespace, as `c360 check DIR` sees it).
//! A file belongs to the deepest project root above it. A `.c360` file outside every folder is
//! a project of its own. All mutation happens in message order on the reader task
//! ([`crate::server`]); handlers read under the same lock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use c360_diagnostics::{codes, Diagnostic, FileId, LineIndex, PositionEncoding, Severity, Span};
use c360_project::CONFIG_FILE;
use c360_sema::Workspace;
use tower_lsp_server::ls_types::{
    self as lsp, DiagnosticRelatedInformation, MessageType, NumberOrString, Position, Range,
    TextDocumentContentChangeEvent, Uri,
};

use crate::convert::Text;

/// One project: a root directory and its checked files.
pub struct Project {
    /// The directory holding `c360.toml` (or the folder root, or a lone file's directory).
    pub root: PathBuf,
    /// The database and the path → input table.
    pub workspace: Workspace,
    /// Line indexes of the files' current texts.
    indexes: HashMap<FileId, Arc<LineIndex>>,
    /// Files that could not be read (not UTF-8, unreadable), with the reason.
    read_errors: BTreeMap<FileId, Diagnostic>,
    /// The workspace folder it came from; `None` for a lone file.
    folder: Option<PathBuf>,
}

impl Project {
    fn new(root: PathBuf, folder: Option<PathBuf>) -> Self {
        Project {
            root,
            workspace: Workspace::default(),
            indexes: HashMap::new(),
            read_errors: BTreeMap::new(),
            folder,
        }
    }

    /// Sets the text of `file` (`c360.toml` included) and refreshes its line index.
    pub fn set_text(&mut self, file: &FileId, text: String) {
        self.read_errors.remove(file);
        self.indexes
            .insert(file.clone(), Arc::new(LineIndex::new(&text)));
        if file.as_str() == CONFIG_FILE {
            self.workspace.set_config(Some(text));
        } else {
            self.workspace.set_file(file.clone(), text);
        }
    }

    /// Removes `file`; returns whether it was known.
    pub fn remove(&mut self, file: &FileId) -> bool {
        self.indexes.remove(file);
        let had_error = self.read_errors.remove(file).is_some();
        if file.as_str() == CONFIG_FILE {
            let had = self.workspace.text(file).is_some();
            self.workspace.set_config(None);
            return had || had_error;
        }
        self.workspace.remove_file(file) || had_error
    }

    /// The text of `file` with its line index, for conversions in `encoding`.
    pub fn text(&self, file: &FileId, encoding: PositionEncoding) -> Option<Text<'_>> {
        let text = self.workspace.text(file)?;
        let index = self.indexes.get(file)?;
        Some(Text::new(text, index, encoding))
    }

    /// The absolute path of `file`.
    pub fn path(&self, file: &FileId) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(file.as_str().split('/'));
        path
    }

    /// The URI of `file`.
    pub fn uri(&self, file: &FileId) -> Option<Uri> {
        Uri::from_file_path(self.path(file))
    }

    /// Reads `file` from disk; a file that is not UTF-8 or cannot be read is removed from the
    /// project and reported instead.
    fn load(&mut self, file: &FileId) {
        match std::fs::read(self.path(file)) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => self.set_text(file, text),
                Err(_) => {
                    self.remove(file);
                    let d = Diagnostic::new(
                        codes::E0008,
                        file.clone(),
                        Span::empty(0),
                        format!("`{file}` is not valid UTF-8"),
                    )
                    .with_help("save the file as UTF-8");
                    self.read_errors.insert(file.clone(), d);
                }
            },
            Err(_) => {
                self.remove(file);
            }
        }
    }

    /// Every diagnostic of the project (the checker's and unreadable files'), by file.
    pub fn diagnostics(&self) -> BTreeMap<FileId, Vec<&Diagnostic>> {
        let mut out: BTreeMap<FileId, Vec<&Diagnostic>> = BTreeMap::new();
        for d in self
            .workspace
            .check()
            .diagnostics
            .iter()
            .chain(self.read_errors.values())
        {
            out.entry(d.primary.file.clone()).or_default().push(d);
        }
        out
    }
}

/// An open document.
struct Document {
    version: i32,
    project: PathBuf,
    file: FileId,
}

/// Everything the server knows.
pub struct State {
    /// The negotiated position encoding.
    pub encoding: PositionEncoding,
    /// Whether the client accepts snippets in completions.
    pub snippets: bool,
    /// Whether the client lets the server register file watchers.
    pub can_watch: bool,
    /// Projects by root (a lone file's project is keyed by the file's path).
    projects: BTreeMap<PathBuf, Project>,
    folders: Vec<PathBuf>,
    documents: HashMap<Uri, Document>,
    /// Projects whose diagnostics must be recomputed.
    dirty: BTreeSet<PathBuf>,
    /// What each URI last received, so only changes are sent and stale files are cleared.
    published: HashMap<Uri, (PathBuf, Vec<lsp::Diagnostic>)>,
    /// Log messages waiting for the publisher.
    logs: Vec<(MessageType, String)>,
}

/// Diagnostics to send for one URI.
pub struct Publication {
    /// The document.
    pub uri: Uri,
    /// Its version, when open.
    pub version: Option<i32>,
    /// The diagnostics (empty clears them).
    pub diagnostics: Vec<lsp::Diagnostic>,
}

/// A file resolved to its project.
pub struct FileRef<'a> {
    /// The project.
    pub project: &'a Project,
    /// The file's project-relative id.
    pub file: FileId,
    /// Its text and line index.
    pub text: Text<'a>,
}

/// True when discovery would include `rel` (a `/`-separated path below a project root): no
/// hidden component, no `node_modules`, not under the root's `target/` (the rules of
/// `c360_project::discover`).
fn discoverable(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    !parts
        .iter()
        .any(|p| p.starts_with('.') || *p == "node_modules")
        && parts.first() != Some(&"target")
}

fn rel_id(root: &Path, path: &Path) -> Option<FileId> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| FileId::new(parts.join("/")))
}

impl Default for State {
    fn default() -> Self {
        State {
            encoding: PositionEncoding::Utf16,
            snippets: false,
            can_watch: false,
            projects: BTreeMap::new(),
            folders: Vec::new(),
            documents: HashMap::new(),
            dirty: BTreeSet::new(),
            published: HashMap::new(),
            logs: Vec::new(),
        }
    }
}

impl State {
    /// Queues a message for the client's log.
    pub fn log(&mut self, level: MessageType, message: impl Into<String>) {
        self.logs.push((level, message.into()));
    }

    /// Takes the queued log messages.
    pub fn take_logs(&mut self) -> Vec<(MessageType, String)> {
        std::mem::take(&mut self.logs)
    }

    /// Adds a workspace folder: finds its projects and reads their files.
    pub fn add_folder(&mut self, folder: &Path) {
        // Paths stay as the client wrote them (not canonical), so the URIs published match
        // the ones the client uses for its documents.
        let folder = folder.to_path_buf();
        if self.folders.contains(&folder) {
            return;
        }
        self.folders.push(folder.clone());
        let found = match c360_project::discover(&folder) {
            Ok(found) => found,
            Err(e) => {
                self.log(MessageType::WARNING, format!("cannot read folder: {e}"));
                return;
            }
        };
        // Discovery reports canonical paths; map them back below the folder as given.
        let in_folder = |path: &Path| match path.strip_prefix(&found.root) {
            Ok(rel) => folder.join(rel),
            Err(_) => path.to_path_buf(),
        };
        let files: Vec<(PathBuf, &c360_project::SourceFile)> = found
            .files
            .iter()
            .map(|f| (in_folder(&f.path), f))
            .collect();
        // Every directory holding `c360.toml` is a project root; the folder always is one.
        let mut roots: BTreeSet<PathBuf> = BTreeSet::from([folder.clone()]);
        for (path, _) in &files {
            let mut dir = path.parent();
            while let Some(d) = dir {
                if !d.starts_with(&folder) || d == folder {
                    break;
                }
                if d.join(CONFIG_FILE).is_file() {
                    roots.insert(d.to_path_buf());
                }
                dir = d.parent();
            }
        }
        for root in &roots {
            let mut project = Project::new(root.clone(), Some(folder.clone()));
            if root.join(CONFIG_FILE).is_file() {
                project.load(&FileId::new(CONFIG_FILE));
            }
            self.dirty.insert(root.clone());
            self.projects.insert(root.clone(), project);
        }
        for (path, file) in &files {
            if let Some((root, id)) = self.locate(path) {
                if let Some(project) = self.projects.get_mut(&root) {
                    match &file.text {
                        Ok(text) => project.set_text(&id, text.clone()),
                        Err(d) => {
                            let mut d = d.clone();
                            d.primary.file = id.clone();
                            project.read_errors.insert(id, d);
                        }
                    }
                }
            }
        }
        // Documents opened as lone files before the folder was known move into it.
        let moved: Vec<Uri> = self
            .documents
            .iter()
            .filter(|(uri, d)| {
                self.projects
                    .get(&d.project)
                    .is_some_and(|p| p.folder.is_none())
                    && uri_path(uri).is_some_and(|p| self.locate(&p).is_some())
            })
            .map(|(u, _)| u.clone())
            .collect();
        for uri in moved {
            self.reattach(&uri);
        }
    }

    /// The current text of an open document.
    fn document_text(&self, doc: &Document) -> String {
        self.projects
            .get(&doc.project)
            .and_then(|p| p.workspace.text(&doc.file))
            .unwrap_or_default()
            .to_string()
    }

    /// Moves an open document to the project its path now belongs to, keeping its text.
    fn reattach(&mut self, uri: &Uri) {
        let Some(doc) = self.documents.remove(uri) else {
            return;
        };
        let text = self.document_text(&doc);
        self.close_in_project(&doc);
        self.open(uri.clone(), doc.version, text);
    }

    /// Removes a workspace folder and its projects (clearing their diagnostics).
    pub fn remove_folder(&mut self, folder: &Path) {
        let folder = folder.to_path_buf();
        self.folders.retain(|f| f != &folder);
        let roots: Vec<PathBuf> = self
            .projects
            .iter()
            .filter(|(_, p)| p.folder.as_deref() == Some(folder.as_path()))
            .map(|(r, _)| r.clone())
            .collect();
        let orphans: Vec<(Uri, i32, String)> = self
            .documents
            .iter()
            .filter(|(_, d)| roots.contains(&d.project))
            .map(|(u, d)| (u.clone(), d.version, self.document_text(d)))
            .collect();
        for root in roots {
            self.projects.remove(&root);
            self.dirty.insert(root);
        }
        for (uri, version, text) in orphans {
            self.documents.remove(&uri);
            self.open(uri, version, text);
        }
    }

    /// The project root and file id of `path` within the folders' projects.
    fn locate(&self, path: &Path) -> Option<(PathBuf, FileId)> {
        let root = self
            .projects
            .iter()
            .filter(|(root, p)| p.folder.is_some() && path.starts_with(root))
            .map(|(root, _)| root)
            .max_by_key(|root| root.components().count())?;
        let id = rel_id(root, path)?;
        let name = id.as_str();
        let in_project = name == CONFIG_FILE || (name.ends_with(".c360") && discoverable(name));
        in_project.then(|| (root.clone(), id))
    }

    /// `textDocument/didOpen`.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        let Some(path) = uri_path(&uri) else {
            self.log(
                MessageType::WARNING,
                format!("ignoring `{}`: not a file URI", uri.as_str()),
            );
            return;
        };
        let (root, file) = match self.locate(&path) {
            Some(found) => found,
            None => {
                // A file outside every folder is a project of its own.
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "untitled.c360".to_string());
                let file = FileId::new(name);
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                self.projects.insert(path.clone(), Project::new(dir, None));
                (path.clone(), file)
            }
        };
        if let Some(project) = self.projects.get_mut(&root) {
            project.set_text(&file, text);
        }
        self.dirty.insert(root.clone());
        self.documents.insert(
            uri,
            Document {
                version,
                project: root,
                file,
            },
        );
    }

    /// `textDocument/didChange`: applies the changes in order.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) {
        let encoding = self.encoding;
        let Some(doc) = self.documents.get_mut(uri) else {
            self.log(
                MessageType::WARNING,
                format!("ignoring a change to `{}`, which is not open", uri.as_str()),
            );
            return;
        };
        doc.version = version;
        let (root, file) = (doc.project.clone(), doc.file.clone());
        let Some(project) = self.projects.get_mut(&root) else {
            return;
        };
        let mut text = project
            .workspace
            .text(&file)
            .unwrap_or_default()
            .to_string();
        let mut clamped = false;
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let index = LineIndex::new(&text);
                    let t = Text::new(&text, &index, encoding);
                    let start = t.offset(range.start);
                    let end = t.offset(range.end);
                    clamped |= start.is_none() || end.is_none();
                    let start = start.unwrap_or(text.len());
                    let end = end.unwrap_or(text.len()).max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
        }
        project.set_text(&file, text);
        self.dirty.insert(root);
        if clamped {
            self.log(
                MessageType::WARNING,
                format!(
                    "a change to `{}` was out of range and was applied at the end",
                    uri.as_str()
                ),
            );
        }
    }

    /// `textDocument/didClose`: the file goes back to its text on disk, or away if it is a
    /// lone file.
    pub fn close(&mut self, uri: &Uri) {
        let Some(doc) = self.documents.remove(uri) else {
            return;
        };
        self.close_in_project(&doc);
    }

    fn close_in_project(&mut self, doc: &Document) {
        self.dirty.insert(doc.project.clone());
        let Some(project) = self.projects.get_mut(&doc.project) else {
            return;
        };
        if project.folder.is_none() {
            self.projects.remove(&doc.project);
            return;
        }
        project.load(&doc.file);
        self.dirty.insert(doc.project.clone());
    }

    /// A file changed, appeared or disappeared on disk (file watching, file operations).
    pub fn disk_changed(&mut self, uri: &Uri, deleted: bool) {
        let Some(path) = uri_path(uri) else {
            return;
        };
        if path.file_name().is_some_and(|n| n == CONFIG_FILE) {
            let dir = path.parent().unwrap_or(&path).to_path_buf();
            let known_root = self.projects.get(&dir).is_some_and(|p| p.folder.is_some());
            let folder_root = self.folders.contains(&dir);
            // A `c360.toml` appearing or vanishing below a folder's root changes which project
            // each file belongs to: read that folder again.
            if known_root == deleted && !folder_root {
                if let Some(folder) = self.folders.iter().find(|f| dir.starts_with(f)).cloned() {
                    self.rescan(&folder);
                }
                return;
            }
        }
        if self.documents.contains_key(uri) && !deleted {
            // The editor's text wins while the document is open.
            return;
        }
        let Some((root, file)) = self.locate(&path) else {
            return;
        };
        if let Some(project) = self.projects.get_mut(&root) {
            if deleted {
                project.remove(&file);
            } else {
                project.load(&file);
            }
            self.dirty.insert(root);
        }
    }

    /// Rereads a folder from scratch, keeping open documents' texts.
    fn rescan(&mut self, folder: &Path) {
        self.remove_folder(folder);
        self.add_folder(folder);
    }

    /// The diagnostics that changed since the last call, with clears for files that lost
    /// theirs. Computes (checks) every dirty project.
    pub fn take_publications(&mut self) -> Vec<Publication> {
        let mut out = Vec::new();
        let dirty = std::mem::take(&mut self.dirty);
        // Open documents receive their diagnostics under the exact URI the client used.
        let open: HashMap<(&Path, &FileId), &Uri> = self
            .documents
            .iter()
            .map(|(uri, d)| ((d.project.as_path(), &d.file), uri))
            .collect();
        let mut fresh: HashMap<Uri, (PathBuf, Vec<lsp::Diagnostic>)> = HashMap::new();
        for root in &dirty {
            let Some(project) = self.projects.get(root) else {
                continue;
            };
            for (file, diags) in project.diagnostics() {
                let uri = match open.get(&(root.as_path(), &file)) {
                    Some(uri) => (*uri).clone(),
                    None => match project.uri(&file) {
                        Some(uri) => uri,
                        None => continue,
                    },
                };
                let converted = diags
                    .iter()
                    .map(|d| to_lsp_diagnostic(project, d, self.encoding))
                    .collect();
                fresh.insert(uri, (root.clone(), converted));
            }
        }
        // Files of a dirty project that had diagnostics and now have none are cleared.
        let stale: Vec<Uri> = self
            .published
            .iter()
            .filter(|(u, (owner, _))| dirty.contains(owner) && !fresh.contains_key(*u))
            .map(|(u, _)| u.clone())
            .collect();
        for uri in stale {
            self.published.remove(&uri);
            out.push(Publication {
                version: self.documents.get(&uri).map(|d| d.version),
                uri,
                diagnostics: Vec::new(),
            });
        }
        for (uri, (owner, diags)) in fresh {
            if self.published.get(&uri).map(|(_, d)| d) == Some(&diags) {
                continue;
            }
            self.published.insert(uri.clone(), (owner, diags.clone()));
            out.push(Publication {
                version: self.documents.get(&uri).map(|d| d.version),
                uri,
                diagnostics: diags,
            });
        }
        out.sort_by(|a, b| a.uri.cmp(&b.uri));
        out
    }

    /// The project and id of the document at `uri`: an open document, or a file of a folder.
    pub fn file(&self, uri: &Uri) -> Result<FileRef<'_>, String> {
        let (root, file) = match self.documents.get(uri) {
            Some(doc) => (doc.project.clone(), doc.file.clone()),
            None => uri_path(uri).and_then(|p| self.locate(&p)).ok_or_else(|| {
                format!(
                    "`{}` is not open and is not part of a workspace folder",
                    uri.as_str()
                )
            })?,
        };
        let project = self
            .projects
            .get(&root)
            .ok_or_else(|| format!("`{}` has no project", uri.as_str()))?;
        let text = project
            .text(&file, self.encoding)
            .ok_or_else(|| format!("`{}` is not part of its project", uri.as_str()))?;
        Ok(FileRef {
            project,
            file,
            text,
        })
    }

    /// Every project, for workspace-wide requests.
    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.projects.values()
    }
}

/// The path of a `file:` URI.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// Converts one diagnostic; help and note lines follow the message.
pub fn to_lsp_diagnostic(
    project: &Project,
    d: &Diagnostic,
    encoding: PositionEncoding,
) -> lsp::Diagnostic {
    let range = |file: &FileId, span: Span| -> Range {
        project
            .text(file, encoding)
            .map(|t| t.range(span))
            .unwrap_or_else(|| Range::new(Position::new(0, 0), Position::new(0, 0)))
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    if let Some(note) = &d.note {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: lsp::Location::new(project.uri(&l.file)?, range(&l.file, l.span)),
                message: if l.message.is_empty() {
                    "related".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    lsp::Diagnostic {
        range: range(&d.primary.file, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("c360".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_rules_skip_hidden_target_and_node_modules() {
        assert!(discoverable("a/b.c360"));
        assert!(!discoverable("target/b.c360"));
        assert!(discoverable("x/target/b.c360"));
        assert!(!discoverable(".git/b.c360"));
        assert!(!discoverable("a/node_modules/b.c360"));
    }
}
