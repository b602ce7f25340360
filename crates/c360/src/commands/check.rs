//! `c360 check [DIR] [--format human|json|github]`

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use c360_diagnostics::render::{render_github, render_human, render_json};
use c360_diagnostics::{sort_diagnostics, Diagnostic};

use super::load::load;
use crate::Format;

/// Checks the project at `dir` and prints its diagnostics; exit 0 clean or warnings only,
/// 1 errors, 2 usage or I/O problems.
pub fn run(dir: Option<PathBuf>, format: Format) -> ExitCode {
    let loaded = match load(dir) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut diags: Vec<Diagnostic> = loaded.read_diagnostics.clone();
    diags.extend(loaded.workspace.check().diagnostics.iter().cloned());
    sort_diagnostics(&mut diags);
    let sources = &loaded.workspace;
    match format {
        Format::Human => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let out = render_human(&diags, sources, color);
            let _ = std::io::stderr().write_all(out.as_bytes());
        }
        Format::Json => {
            let value = render_json(&diags, sources);
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_else(|_| "[]".into())
            );
        }
        Format::Github => print!("{}", render_github(&diags, sources)),
    }
    if diags.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
