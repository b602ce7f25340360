//! The one error type of the reference implementation: a message, where it happened and what
//! to do about it.

use std::fmt;

/// Why loading data or evaluating a project failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, naming the things involved.
    pub message: String,
    /// Where: `file:line`, `file:line:column`, or the feature being computed.
    pub location: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// What was being done: the feature, entity and `as_of` being computed.
    pub note: Option<String>,
}

impl Error {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            location: None,
            help: None,
            note: None,
        }
    }

    /// The same error, located at `location`.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// The same error, saying what was being done (kept when one is already set: the
    /// innermost context is the most precise).
    pub fn context(mut self, note: impl FnOnce() -> String) -> Self {
        if self.note.is_none() {
            self.note = Some(note());
        }
        self
    }

    /// The same error, with a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(note) = &self.note {
            write!(f, "\n  note: {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
