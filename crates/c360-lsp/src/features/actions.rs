//! Code actions: the machine-applicable fixes of diagnostics ("did you mean").

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionResponse, Range, TextEdit, Uri,
    WorkspaceEdit,
};

use crate::state::{to_lsp_diagnostic, State};

/// `textDocument/codeAction`: quick fixes of the diagnostics overlapping `range`.
pub fn quick_fixes(state: &State, uri: &Uri, range: Range) -> Result<Option<CodeActionResponse>> {
    let f = super::file(state, uri)?;
    let Some(span) = f.text.span(range) else {
        return Ok(None);
    };
    let project = f.project;
    let mut out = Vec::new();
    for d in &project.workspace.check().diagnostics {
        let Some(fix) = &d.fix else { continue };
        let p = d.primary.span;
        if d.primary.file != f.file || p.end < span.start || p.start > span.end {
            continue;
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for edit in &fix.edits {
            let (Some(uri), Some(text)) = (
                project.uri(&edit.file),
                project.text(&edit.file, state.encoding),
            ) else {
                continue;
            };
            changes.entry(uri).or_default().push(TextEdit::new(
                text.range(edit.span),
                edit.replacement.clone(),
            ));
        }
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.message.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp_diagnostic(project, d, state.encoding)]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: Some(true),
            ..Default::default()
        }));
    }
    Ok(Some(out))
}
