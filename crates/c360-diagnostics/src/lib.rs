//! Spans, diagnostics, the diagnostic code registry and their rendering.
//!
//! This crate is the shared vocabulary of every stage: the lexer and parser, the checker, the
//! command line and the language server all report [`Diagnostic`]s with stable [`Code`]s.

pub mod codes;
mod diagnostic;
mod line_index;
pub mod render;
mod span;

pub use codes::{Code, CodeInfo, REGISTRY};
pub use diagnostic::{sort_diagnostics, Diagnostic, Fix, Label, Severity, TextEdit};
pub use line_index::{LineCol, LineIndex, PositionEncoding};
pub use render::{
    render_github, render_human, render_json, render_summary, NoSources, SourceLookup,
};
pub use span::{FileId, Span};
