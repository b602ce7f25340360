//! The engine's error: what went wrong, where, and what to do about it.

use std::fmt;

/// What kind of problem stopped the engine; decides the command's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be served as asked: a target without an engine, an engine this
    /// build cannot drive, an option out of range.
    Usage,
    /// A file or the database could not be opened, read or written.
    Io,
    /// The data does not fit the project: a value of the wrong type, a missing column or
    /// table, a check of the compiled SQL that failed.
    Data,
    /// A step of the run failed or did not converge.
    Run,
}

/// An error of the engine, with a location and a hint where there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineError {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// One sentence naming the things involved.
    pub message: String,
    /// Where it is, e.g. `c360.toml:17` or `data/orders.csv:3`.
    pub location: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl EngineError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EngineError {
            kind,
            message: message.into(),
            location: None,
            help: None,
        }
    }

    /// The same error at `location`.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// The same error with a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(location) = &self.location {
            write!(f, "\n  --> {location}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EngineError {}

/// The text of a DuckDB error, without the trailing blank lines and option dump DuckDB adds
/// to CSV errors, and starting at `c360:` for the run's own checks.
pub(crate) fn duckdb_message(err: &duckdb::Error) -> String {
    let text = err.to_string();
    if let Some(at) = text.find("c360: ") {
        return text[at + "c360: ".len()..].trim().to_owned();
    }
    text.split("\n\n").next().unwrap_or(&text).trim().to_owned()
}
