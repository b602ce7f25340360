//! Lexer, parser and AST of the c360 language.
//!
//! No salsa and no I/O: [`parse`] turns one file's text into an [`ast::SourceFile`] and the
//! syntax [`Diagnostic`]s, recovering so that one broken declaration does not hide the rest.
//! The grammar is written down in `grammar/c360.ebnf` at the repository root.

pub mod ast;
mod docs;
pub mod format;
mod parser;
pub mod token;

use c360_diagnostics::{sort_diagnostics, Diagnostic, FileId};

pub use format::{format, FormatError};
pub use parser::{MAX_EXPR_DEPTH, MAX_NESTING};
pub use token::{lex, Token};

/// The result of parsing one file: the tree (always produced) and the syntax diagnostics.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Parse {
    /// The declarations that parsed, with `Error` nodes where they did not.
    pub file: ast::SourceFile,
    /// Lexical and syntax errors (`E0001`–`E0007`, `E0210`), in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parse {
    /// True when the file has syntax errors.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses the text of `file`. Never panics: every problem becomes a diagnostic and the tree
/// holds everything that could be recovered.
pub fn parse(file: &FileId, text: &str) -> Parse {
    let (tokens, comments, mut diagnostics) = lex(file, text);
    let items = parser::parse_tokens(file, text, tokens, &mut diagnostics);
    let mut tree = ast::SourceFile { items, comments };
    docs::attach_docs(text, &mut tree);
    sort_diagnostics(&mut diagnostics);
    Parse {
        file: tree,
        diagnostics,
    }
}
