//! `c360 fmt [PATH…] [--check]`

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use c360_diagnostics::render::render_human;
use c360_diagnostics::FileId;
use c360_project::discover;
use c360_syntax::format::{format_file, FormatError};

/// One `.c360` file to format: where it is and how to name it in output.
struct Target {
    /// The path to read and write.
    path: PathBuf,
    /// The path as shown: relative to the current directory when given relatively.
    shown: String,
    /// The text, or why it could not be read.
    text: Result<String, String>,
}

/// Formats the `.c360` files under `paths` (default: the current directory) in place, or with
/// `check` only lists the files that are not formatted. Exit 0 when everything is (or now is)
/// formatted, 1 when a file is unformatted under `--check` or has syntax errors, 2 for usage
/// and I/O problems.
pub fn run(paths: Vec<PathBuf>, check: bool) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    let mut targets = Vec::new();
    for path in &paths {
        match collect(path) {
            Ok(found) => targets.extend(found),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let color = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut io_failed = false;
    let mut failed = false;
    let mut stdout = io::stdout().lock();
    for target in targets {
        let text = match target.text {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: cannot read `{}`: {message}", target.shown);
                io_failed = true;
                continue;
            }
        };
        let file = FileId::new(&target.shown);
        match format_file(&file, &text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                if check {
                    let _ = writeln!(stdout, "{}", target.shown);
                    failed = true;
                } else if let Err(e) = write_atomically(&target.path, &formatted) {
                    eprintln!("error: cannot write `{}`: {e}", target.shown);
                    io_failed = true;
                }
            }
            Err(FormatError::Syntax(diags)) => {
                let sources = [(file.clone(), text.as_str())];
                let out = render_human(&diags, &sources, color);
                let _ = io::stderr().write_all(out.as_bytes());
                eprintln!(
                    "error: `{}` has syntax errors and was not formatted",
                    target.shown
                );
                failed = true;
            }
            Err(error @ FormatError::Internal(_)) => {
                eprintln!("error: `{}` was not formatted: {error}", target.shown);
                failed = true;
            }
        }
    }
    if io_failed {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `.c360` files of `path`: the file itself, or those a project at that directory has
/// (the discovery rules of `c360 check`).
fn collect(path: &Path) -> Result<Vec<Target>, String> {
    let files = discover(path).map_err(|e| e.to_string())?;
    let is_file = path.is_file();
    let mut out = Vec::new();
    for file in files.files {
        let shown = if is_file {
            path.display().to_string()
        } else if path == Path::new(".") {
            file.id.to_string()
        } else {
            let base = path.display().to_string();
            format!("{}/{}", base.trim_end_matches('/'), file.id)
        };
        let text = file.text.map_err(|d| d.message);
        out.push(Target {
            path: file.path,
            shown,
            text,
        });
    }
    Ok(out)
}

/// Replaces the file at `path` with `text` through a temporary file in the same directory
/// and a rename, so an interrupted run leaves either the old or the new text. A symbolic link
/// is resolved first, so the link stays a link.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let path = fs::canonicalize(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Hidden, so project discovery never picks up a leftover.
    let temp = dir.join(format!(".{name}.{}.fmt-tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(&path) {
            fs::set_permissions(&temp, meta.permissions())?;
        }
        fs::rename(&temp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
