//! Folding ranges: declarations, multi-line features and columns, comment blocks.

use c360_syntax::ast::{CommentKind, ItemKind};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind, Uri};

use crate::state::State;

/// `textDocument/foldingRange`.
pub fn ranges(state: &State, uri: &Uri) -> Result<Option<Vec<FoldingRange>>> {
    let f = super::file(state, uri)?;
    let Some(parse) = f.project.workspace.parse(&f.file) else {
        return Ok(None);
    };
    let line = |offset: u32| f.text.position(offset as usize).line;
    let mut out = Vec::new();
    let mut push = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        let (a, b) = (line(start), line(end));
        if b > a {
            out.push(FoldingRange {
                start_line: a,
                end_line: b,
                kind,
                ..Default::default()
            });
        }
    };
    for item in &parse.file.items {
        push(
            item.span.start,
            item.span.end,
            Some(FoldingRangeKind::Region),
        );
        if let ItemKind::Features(b) = &item.kind {
            for feature in &b.features {
                push(
                    feature.span.start,
                    feature.span.end,
                    Some(FoldingRangeKind::Region),
                );
            }
        }
    }
    // Runs of adjacent line comments fold together; block comments fold alone.
    let comments = &parse.file.comments;
    let mut i = 0;
    while i < comments.len() {
        let first = &comments[i];
        let mut last = first;
        if first.kind != CommentKind::Block {
            while let Some(next) = comments.get(i + 1) {
                if next.kind == CommentKind::Block
                    || line(next.span.start) != line(last.span.end) + 1
                {
                    break;
                }
                last = next;
                i += 1;
            }
        }
        push(
            first.span.start,
            last.span.end,
            Some(FoldingRangeKind::Comment),
        );
        i += 1;
    }
    Ok(Some(out))
}
