//! The diagnostic value every stage reports.

use crate::codes::Code;
use crate::span::{FileId, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Stops compilation; `c360 check` exits 1.
    Error,
    /// Reported, but the project still compiles.
    Warning,
}

impl Severity {
    /// The lowercase name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a file with an optional message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    /// The file the span is in.
    pub file: FileId,
    /// The bytes the label points at.
    pub span: Span,
    /// What the label says about those bytes (may be empty).
    pub message: String,
}

impl Label {
    /// A label on `span` of `file` saying `message`.
    pub fn new(file: FileId, span: Span, message: impl Into<String>) -> Self {
        Label {
            file,
            span,
            message: message.into(),
        }
    }
}

/// One text replacement of a fix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TextEdit {
    /// The file to edit.
    pub file: FileId,
    /// The bytes to replace.
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// A machine-applicable fix (editors offer it as a quick fix).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    /// What applying the fix does, e.g. "replace with `amount`".
    pub message: String,
    /// The edits, applied together.
    pub edits: Vec<TextEdit>,
}

/// A problem found in a project, with a stable code and a primary location.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The stable code (`E0001`, `W0001`, …); `c360 explain CODE` describes it.
    pub code: Code,
    /// Error or warning; fixed by the code.
    pub severity: Severity,
    /// One sentence naming the things involved.
    pub message: String,
    /// Where the problem is.
    pub primary: Label,
    /// Other places that explain it (the first definition of a duplicate, the rest of a cycle, …).
    pub secondary: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// Extra context.
    pub note: Option<String>,
    /// An edit that resolves it, when one is certain enough to offer.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic of `code` at `span` in `file`; the severity comes from the code.
    pub fn new(code: Code, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: Label::new(file, span, String::new()),
            secondary: Vec::new(),
            help: None,
            note: None,
            fix: None,
        }
    }

    /// Sets the message of the primary label.
    pub fn with_primary_message(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label::new(file, span, message));
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Attaches a fix that replaces `span` in the primary file with `replacement`.
    pub fn with_replacement(
        mut self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some(Fix {
            message: message.into(),
            edits: vec![TextEdit {
                file: self.primary.file.clone(),
                span,
                replacement: replacement.into(),
            }],
        });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The order diagnostics are printed in: by file, position, then code.
    pub fn sort_key(&self) -> (FileId, u32, u32, &'static str, String) {
        (
            self.primary.file.clone(),
            self.primary.span.start,
            self.primary.span.end,
            self.code.as_str(),
            self.message.clone(),
        )
    }
}

/// Sorts diagnostics into printing order and removes exact duplicates.
pub fn sort_diagnostics(diags: &mut Vec<Diagnostic>) {
    diags.sort_by_cached_key(|d| d.sort_key());
    diags.dedup();
}
