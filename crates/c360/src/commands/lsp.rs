//! `c360 lsp`: the language server over stdio.

use std::process::ExitCode;

/// Serves the language server until the client exits; exit 2 when stdio cannot be used.
pub fn run() -> ExitCode {
    match c360_lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot start the language server: {e}");
            ExitCode::from(2)
        }
    }
}
