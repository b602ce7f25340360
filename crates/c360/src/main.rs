//! The `c360` command line. Thin: parses arguments and calls the crates.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// c360: customer-360 definitions compiled to warehouse SQL.
#[derive(Parser)]
#[command(name = "c360", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source excerpts with labels and help, for people.
    Human,
    /// A JSON array, for tools.
    Json,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check a project; print its diagnostics.
    Check {
        /// The project root (default: the current directory).
        dir: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Format `.c360` files in place, or list the unformatted ones with `--check`.
    Fmt {
        /// Files or project directories (default: the current directory).
        paths: Vec<PathBuf>,
        /// Write nothing; list the files that are not formatted and exit 1 if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Print the long explanation of a diagnostic code, e.g. `c360 explain E0108`.
    Explain {
        /// The code.
        code: String,
    },
    /// Run the language server over stdin/stdout (for editors).
    Lsp,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let usage = err.use_stderr();
            let _ = err.print();
            // clap's own --help/--version are successes; everything else is a usage error.
            return if usage {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check { dir, format } => commands::check::run(dir, format),
        Command::Explain { code } => commands::explain::run(&code),
        Command::Fmt { paths, check } => commands::fmt::run(paths, check),
        Command::Lsp => commands::lsp::run(),
    }
}
