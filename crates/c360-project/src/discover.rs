//! Finding a project's files on disk.
//!
//! A project root is a directory. Its files are `c360.toml` at the root (optional) and every
//! `*.c360` file below it, except under:
//!
//! - `target/` at the root (build output),
//! - hidden directories (`.git`, `.vscode`, …) at any depth,
//! - `node_modules/` at any depth.
//!
//! Hidden files (`.name.c360`, editor lock files) are skipped too. Symbolic links to files are
//! followed; symbolic links to directories are not, so link loops cannot hang discovery.
//!
//! The root may also be a single `.c360` file: the project is then that file alone, with its
//! directory as the project root (its `c360.toml` is used when present). This is what a data
//! engineer expects from `c360 check one.c360`.
//!
//! Files are sorted by their `/`-separated path relative to the root; this is the "path order"
//! of the language (the order of output columns). A file that cannot be read (E0013) or is not
//! UTF-8 (E0008) is listed with a diagnostic instead of its text.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use c360_diagnostics::{codes, Diagnostic, FileId, Span};

use crate::config::{parse_config, Config, CONFIG_FILE};

/// One file of the project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// The path relative to the project root, `/`-separated.
    pub id: FileId,
    /// The absolute path.
    pub path: PathBuf,
    /// The text, or the diagnostic saying why there is none (E0008, E0013).
    pub text: Result<String, Diagnostic>,
}

/// The files of a project, as found by [`discover`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProjectFiles {
    /// The project root: an absolute, canonical directory holding `c360.toml` if there is one.
    pub root: PathBuf,
    /// `c360.toml`, when present.
    pub config: Option<SourceFile>,
    /// The `.c360` files in path order.
    pub files: Vec<SourceFile>,
    /// Directories below the root that could not be listed (E0013).
    pub diagnostics: Vec<Diagnostic>,
}

impl ProjectFiles {
    /// Every problem met while reading the project: unlisted directories, then unreadable or
    /// non-UTF-8 files, `c360.toml` first.
    pub fn read_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = self.diagnostics.clone();
        out.extend(
            self.config
                .iter()
                .chain(&self.files)
                .filter_map(|f| f.text.as_ref().err().cloned()),
        );
        out
    }

    /// The project's configuration and the diagnostics of `c360.toml`.
    ///
    /// Without `c360.toml` this is the default configuration (the built-in DuckDB target).
    /// It is `None` when `c360.toml` exists but cannot be read or is not valid TOML; the read
    /// problem is in [`ProjectFiles::read_diagnostics`], the TOML problems are returned here.
    pub fn load_config(&self) -> (Option<Config>, Vec<Diagnostic>) {
        match &self.config {
            None => (Some(Config::default()), Vec::new()),
            Some(SourceFile { text: Ok(text), .. }) => parse_config(text),
            Some(SourceFile { text: Err(_), .. }) => (None, Vec::new()),
        }
    }

    /// The directory that relative paths in `c360.toml` are relative to: the root.
    pub fn project_dir(&self) -> &Path {
        &self.root
    }
}

/// Why a project root could not be used at all (the command line exits with status 2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DiscoverError {
    /// The root does not exist.
    NotFound(PathBuf),
    /// The root is neither a directory nor a `.c360` file.
    NotAProject(PathBuf),
    /// The root could not be inspected or listed.
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's explanation.
        message: String,
    },
}

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoverError::NotFound(path) => {
                write!(f, "project directory `{}` does not exist", path.display())
            }
            DiscoverError::NotAProject(path) => write!(
                f,
                "`{}` is neither a directory nor a `.c360` file",
                path.display()
            ),
            DiscoverError::Io { path, message } => {
                write!(f, "cannot read `{}`: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for DiscoverError {}

fn io_error(path: &Path, error: &io::Error) -> DiscoverError {
    DiscoverError::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Finds the project at `root` (a directory, or a single `.c360` file) and reads its files.
pub fn discover(root: &Path) -> Result<ProjectFiles, DiscoverError> {
    let meta = match fs::metadata(root) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(DiscoverError::NotFound(root.to_path_buf()))
        }
        Err(e) => return Err(io_error(root, &e)),
    };
    let canonical = fs::canonicalize(root).map_err(|e| io_error(root, &e))?;

    if meta.is_file() {
        let is_c360 = canonical.extension().is_some_and(|ext| ext == "c360");
        let (Some(dir), Some(name), true) = (canonical.parent(), canonical.file_name(), is_c360)
        else {
            return Err(DiscoverError::NotAProject(root.to_path_buf()));
        };
        let id = FileId::new(name.to_string_lossy());
        return Ok(ProjectFiles {
            root: dir.to_path_buf(),
            config: read_config(dir),
            files: vec![read_source(id, canonical.clone())],
            diagnostics: Vec::new(),
        });
    }
    if !meta.is_dir() {
        return Err(DiscoverError::NotAProject(root.to_path_buf()));
    }

    // The root itself must be listable; deeper directories that are not become diagnostics.
    let top = fs::read_dir(&canonical).map_err(|e| io_error(root, &e))?;
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    // Directories still to list; each is opened only when its turn comes, so a wide tree does
    // not hold one open handle per pending directory.
    let mut pending: Vec<(String, PathBuf)> = Vec::new();
    let mut listing = Some((String::new(), top));
    while let Some((rel_dir, entries)) = listing.take() {
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    diagnostics.push(unreadable(&dir_id(&rel_dir), "directory", &e));
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let skipped = name == "node_modules" || (rel_dir.is_empty() && name == "target");
                if !skipped {
                    pending.push((rel, entry.path()));
                }
            } else if name.ends_with(".c360") {
                // `metadata` follows a symbolic link: a link to a directory is left alone, a
                // broken link is kept so that reading it reports the problem.
                let path = entry.path();
                let target = if kind.is_symlink() {
                    fs::metadata(&path).ok().map(|m| m.file_type())
                } else {
                    Some(kind)
                };
                match target {
                    Some(t) if t.is_dir() => {}
                    Some(t) => found.push((rel, path, t.is_file())),
                    None => found.push((rel, path, true)),
                }
            }
        }
        while listing.is_none() {
            let Some((rel, path)) = pending.pop() else {
                break;
            };
            match fs::read_dir(&path) {
                Ok(entries) => listing = Some((rel, entries)),
                Err(e) => diagnostics.push(unreadable(&FileId::new(&rel), "directory", &e)),
            }
        }
    }

    found.sort_by(|a, b| a.0.cmp(&b.0));
    let files = found
        .into_iter()
        .map(|(rel, path, regular)| {
            let id = FileId::new(rel);
            if regular {
                read_source(id, path)
            } else {
                not_regular(id, path)
            }
        })
        .collect();
    diagnostics.sort_by_key(|d| d.sort_key());
    Ok(ProjectFiles {
        config: read_config(&canonical),
        root: canonical,
        files,
        diagnostics,
    })
}

/// The `FileId` of a directory for diagnostics (`.` for the root).
fn dir_id(rel: &str) -> FileId {
    FileId::new(if rel.is_empty() { "." } else { rel })
}

fn read_config(dir: &Path) -> Option<SourceFile> {
    let path = dir.join(CONFIG_FILE);
    let id = FileId::new(CONFIG_FILE);
    if fs::symlink_metadata(&path).is_err() {
        return None;
    }
    match fs::metadata(&path) {
        Ok(meta) if !meta.is_file() => Some(not_regular(id, path)),
        // A regular file, or a broken link whose read reports the problem.
        _ => Some(read_source(id, path)),
    }
}

/// E0013 for a directory, pipe or device where a file was expected; such a file is never
/// read, since reading a pipe could block forever.
fn not_regular(id: FileId, path: PathBuf) -> SourceFile {
    let what = if path.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    };
    let diag = Diagnostic::new(
        codes::E0013,
        id.clone(),
        Span::empty(0),
        format!("`{id}` is {what}"),
    )
    .with_help("replace it with a regular text file, or rename it");
    SourceFile {
        id,
        path,
        text: Err(diag),
    }
}

fn read_source(id: FileId, path: PathBuf) -> SourceFile {
    let text = match fs::read(&path) {
        Ok(bytes) => {
            String::from_utf8(bytes).map_err(|e| not_utf8(&id, e.as_bytes(), e.utf8_error()))
        }
        Err(e) => Err(unreadable(&id, "file", &e)),
    };
    SourceFile { id, path, text }
}

/// E0013 for a file or directory that cannot be read.
fn unreadable(id: &FileId, what: &str, error: &io::Error) -> Diagnostic {
    let help = match error.kind() {
        io::ErrorKind::NotFound => {
            "the file disappeared or is a broken symbolic link; restore it or remove the link"
        }
        io::ErrorKind::PermissionDenied => "give yourself read permission on it",
        _ => "check that it exists and that you may read it",
    };
    Diagnostic::new(
        codes::E0013,
        id.clone(),
        Span::empty(0),
        format!("cannot read {what} `{id}`: {error}"),
    )
    .with_help(help)
}

/// E0008 for a file that is not UTF-8, naming the first bad byte.
fn not_utf8(id: &FileId, bytes: &[u8], error: std::str::Utf8Error) -> Diagnostic {
    let offset = error.valid_up_to();
    let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    let help = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8".to_string()
    } else {
        match (error.error_len(), bytes.get(offset)) {
            (None, _) => format!(
                "the file ends inside a multi-byte character at byte offset {offset} (line {line}); \
                 save it as UTF-8"
            ),
            (Some(_), Some(byte)) => format!(
                "byte 0x{byte:02X} at byte offset {offset} (line {line}) is not UTF-8, which \
                 suggests another encoding such as Latin-1 or Windows-1252; save the file as UTF-8"
            ),
            (Some(_), None) => format!(
                "invalid UTF-8 at byte offset {offset} (line {line}); save the file as UTF-8"
            ),
        }
    };
    Diagnostic::new(
        codes::E0008,
        id.clone(),
        Span::empty(0),
        format!("`{id}` is not valid UTF-8"),
    )
    .with_help(help)
}

#[cfg(test)]
mod tests;
