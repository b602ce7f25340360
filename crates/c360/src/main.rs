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
    /// Print the long explanation of a diagnostic code, e.g. `c360 explain E0108`.
    Explain {
        /// The code.
        code: String,
    },
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
    }
}
