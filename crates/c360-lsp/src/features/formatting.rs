//! Formatting: the same canonical layout as `c360 fmt`, as one edit of the whole document.

use c360_diagnostics::Span;
use c360_syntax::format::{format_file, FormatError};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{MessageType, TextEdit, Uri};

use crate::state::State;

/// `textDocument/formatting`. A file with syntax errors is left alone (the diagnostics already
/// say why) and the reason goes to the log.
pub fn format(state: &mut State, uri: &Uri) -> Result<Option<Vec<TextEdit>>> {
    let (formatted, edit) = {
        let f = super::file(state, uri)?;
        if !super::is_c360(&f) {
            return Ok(None);
        }
        let text = f.text.as_str();
        let formatted = format_file(&f.file, text);
        let whole = f.text.range(Span::new(0, text.len()));
        let edit = match &formatted {
            Ok(new) if new != text => Some(TextEdit::new(whole, new.clone())),
            _ => None,
        };
        (formatted, edit)
    };
    match formatted {
        Ok(_) => Ok(Some(edit.into_iter().collect())),
        Err(e @ (FormatError::Syntax(_) | FormatError::Internal(_))) => {
            state.log(
                MessageType::INFO,
                format!("`{}` was not formatted: {e}", uri.as_str()),
            );
            Ok(None)
        }
    }
}
