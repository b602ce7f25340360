//! Inlay hints: the inferred type of every feature that declares none.

use c360_syntax::ast::ItemKind;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, Range, Uri};

use crate::state::State;

/// `textDocument/inlayHint` for the features inside `range`.
pub fn hints(state: &State, uri: &Uri, range: Range) -> Result<Option<Vec<InlayHint>>> {
    let f = super::file(state, uri)?;
    let ws = &f.project.workspace;
    let Some(parse) = ws.parse(&f.file) else {
        return Ok(None);
    };
    let model = &ws.check().model;
    let mut out = Vec::new();
    for item in &parse.file.items {
        let ItemKind::Features(block) = &item.kind else {
            continue;
        };
        let Some(entity) = model.entity(&block.entity.name) else {
            continue;
        };
        for feature in block.features.iter().filter(|f| f.ty.is_none()) {
            let Some(def) = entity.feature(&feature.name.name) else {
                continue;
            };
            if def.ty.is_error() || def.location.file != f.file {
                continue;
            }
            let position = f.text.position(feature.name.span.end as usize);
            if position < range.start || position > range.end {
                continue;
            }
            out.push(InlayHint {
                position,
                label: InlayHintLabel::String(format!(": {}", def.ty)),
                kind: Some(InlayHintKind::TYPE),
                text_edits: None,
                tooltip: None,
                padding_left: None,
                padding_right: None,
                data: None,
            });
        }
    }
    Ok(Some(out))
}
