//! One module per kind of request.

pub mod actions;
pub mod compiled_sql;
pub mod completion;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod inlay;
pub mod navigation;
pub mod signature;
pub mod symbols;
pub mod tokens;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Position, TextDocumentPositionParams, Uri};

use crate::server::invalid;
use crate::state::{FileRef, State};

/// The file at `uri`, or an LSP error naming it.
pub fn file<'a>(state: &'a State, uri: &Uri) -> Result<FileRef<'a>> {
    state.file(uri).map_err(invalid)
}

/// The file and byte offset of a request's position; an error when the position is past the
/// end of the document.
pub fn at<'a>(state: &'a State, p: &TextDocumentPositionParams) -> Result<(FileRef<'a>, usize)> {
    let f = file(state, &p.text_document.uri)?;
    let offset = offset(&f, p.position)?;
    Ok((f, offset))
}

/// False for `c360.toml`, which only gets diagnostics and their quick fixes.
pub fn is_c360(f: &FileRef<'_>) -> bool {
    f.file.as_str() != c360_project::CONFIG_FILE
}

fn offset(f: &FileRef<'_>, pos: Position) -> Result<usize> {
    f.text.offset(pos).ok_or_else(|| {
        invalid(format!(
            "position {}:{} is past the end of `{}`",
            pos.line, pos.character, f.file
        ))
    })
}

/// True when the letters of `query` appear in `name` in order, ignoring case (how editors
/// filter completions and symbols, so the server never drops a name the editor would show).
pub fn fuzzy_matches(name: &str, query: &str) -> bool {
    let mut chars = name.chars().map(|c| c.to_ascii_lowercase());
    query
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .all(|q| chars.any(|c| c == q))
}

#[cfg(test)]
mod tests {
    #[test]
    fn fuzzy_matching_keeps_letter_order() {
        assert!(super::fuzzy_matches("revenue_30d", "rev30"));
        assert!(super::fuzzy_matches("revenue_30d", ""));
        assert!(super::fuzzy_matches("Revenue_30d", "rEV"));
        assert!(!super::fuzzy_matches("revenue_30d", "30rev"));
    }
}
