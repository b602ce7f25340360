//! The generator's error: what went wrong, where, and what to do about it.

use std::fmt;

/// A problem that stops generation: a project that does not check, a table the story and
/// the project disagree on, a file that cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, naming the things involved.
    pub message: String,
    /// Where: a file, optionally with a line.
    pub location: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Error {
    /// An error with `message` and no location or hint.
    pub fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    /// Sets where the problem is.
    pub fn at(mut self, location: impl Into<String>) -> Error {
        self.location = Some(location.into());
        self
    }

    /// Sets what to do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  help: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
