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
    /// Compile a project to SQL: print one dialect's script, or write files and a
    /// `manifest.json` per dialect under `--out`.
    Compile {
        /// The project root (default: the current directory).
        dir: Option<PathBuf>,
        /// The dialect; several (comma-separated) or `all` need `--out`. Default: the target's.
        #[arg(
            long,
            value_name = "DIALECT",
            value_delimiter = ',',
            value_parser = commands::compile::parse_dialect
        )]
        dialect: Vec<commands::compile::DialectChoice>,
        /// The target whose dialect and schema to use (default: the project's default target).
        #[arg(long)]
        target: Option<String>,
        /// The time compiled in as the run's `as_of`, `YYYY-MM-DD HH:MM:SS` (default: none;
        /// set it when running the SQL).
        #[arg(long, value_name = "TIMESTAMP", value_parser = commands::compile::parse_as_of)]
        as_of: Option<c360_sql::AsOf>,
        /// Write `OUT/<dialect>/*.sql` and `OUT/<dialect>/manifest.json` instead of printing.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
        /// Write nothing; show how `OUT` differs from what would be written, exit 1 if it does.
        #[arg(long, requires = "out")]
        check: bool,
        /// Output format of diagnostics.
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
    /// Compile and run a project on its target, write the outputs and print a summary.
    Run {
        /// The project root (default: the current directory).
        dir: Option<PathBuf>,
        /// The target to run on (default: the project's default target).
        #[arg(long)]
        target: Option<String>,
        /// The time features are computed as of, `YYYY-MM-DD HH:MM:SS` (default: now, UTC).
        #[arg(long, value_name = "TIMESTAMP")]
        as_of: Option<String>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = commands::run::RunFormat::Human)]
        format: commands::run::RunFormat,
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
        Command::Compile {
            dir,
            dialect,
            target,
            as_of,
            out,
            check,
            format,
        } => commands::compile::run(commands::compile::Options {
            dir,
            dialects: dialect,
            target,
            as_of,
            out,
            check,
            format,
        }),
        Command::Explain { code } => commands::explain::run(&code),
        Command::Fmt { paths, check } => commands::fmt::run(paths, check),
        Command::Lsp => commands::lsp::run(),
        Command::Run {
            dir,
            target,
            as_of,
            format,
        } => commands::run::run(commands::run::Options {
            dir,
            target,
            as_of,
            format,
        }),
    }
}
