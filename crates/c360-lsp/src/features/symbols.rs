//! Document symbols (the outline) and workspace symbols (go to symbol by name).

use c360_diagnostics::Span;
use c360_syntax::ast::{Item, ItemKind};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolResponse, Location, OneOf, SymbolKind, Uri, WorkspaceSymbol,
    WorkspaceSymbolResponse,
};

use crate::convert::Text;
use crate::state::State;

/// One declaration: name, kind, whole span, name span, children.
struct Decl {
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<Decl>,
}

fn decls(item: &Item) -> Option<Decl> {
    let leaf = |name: &str, kind, span, name_span, detail: Option<String>| Decl {
        name: name.to_string(),
        detail,
        kind,
        span,
        name_span,
        children: Vec::new(),
    };
    let d = match &item.kind {
        ItemKind::IdType(t) => leaf(
            &t.name.name,
            SymbolKind::ENUM,
            item.span,
            t.name.span,
            Some("id_type".into()),
        ),
        ItemKind::Entity(e) => leaf(
            &e.name.name,
            SymbolKind::CLASS,
            item.span,
            e.name.span,
            Some("entity".into()),
        ),
        ItemKind::Source(s) => Decl {
            children: s
                .columns
                .iter()
                .map(|c| {
                    leaf(
                        &c.name.name,
                        SymbolKind::FIELD,
                        c.span,
                        c.name.span,
                        Some(c.ty.name.name.clone()),
                    )
                })
                .collect(),
            ..leaf(
                &s.name.name,
                SymbolKind::STRUCT,
                item.span,
                s.name.span,
                Some(format!("source from \"{}\"", s.table.value)),
            )
        },
        ItemKind::Features(b) => Decl {
            children: b
                .features
                .iter()
                .map(|f| {
                    leaf(
                        &f.name.name,
                        SymbolKind::PROPERTY,
                        f.span,
                        f.name.span,
                        f.ty.as_ref().map(|t| t.name.name.clone()),
                    )
                })
                .collect(),
            ..leaf(
                &format!("features {}", b.entity.name),
                SymbolKind::NAMESPACE,
                item.span,
                b.entity.span,
                None,
            )
        },
        ItemKind::TrainingSet(t) => leaf(
            &t.name.name,
            SymbolKind::CLASS,
            item.span,
            t.name.span,
            Some(format!("training_set for {}", t.entity.name)),
        ),
        ItemKind::Test(t) => leaf(
            &t.name.value,
            SymbolKind::METHOD,
            item.span,
            t.name.span,
            Some("test".into()),
        ),
        ItemKind::Error => return None,
    };
    Some(d)
}

fn to_document_symbol(d: Decl, text: &Text<'_>) -> DocumentSymbol {
    let range = text.range(d.span.to(d.name_span));
    #[allow(deprecated)]
    DocumentSymbol {
        name: if d.name.is_empty() {
            "(unnamed)".into()
        } else {
            d.name
        },
        detail: d.detail,
        kind: d.kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: text.range(d.name_span),
        children: (!d.children.is_empty()).then(|| {
            d.children
                .into_iter()
                .map(|c| to_document_symbol(c, text))
                .collect()
        }),
    }
}

/// `textDocument/documentSymbol`.
pub fn document(state: &State, uri: &Uri) -> Result<Option<DocumentSymbolResponse>> {
    let f = super::file(state, uri)?;
    let Some(parse) = f.project.workspace.parse(&f.file) else {
        return Ok(None);
    };
    let symbols = parse
        .file
        .items
        .iter()
        .filter_map(decls)
        .map(|d| to_document_symbol(d, &f.text))
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(symbols)))
}

/// `workspace/symbol` over every project.
pub fn workspace(state: &State, query: &str) -> WorkspaceSymbolResponse {
    const LIMIT: usize = 500;
    let mut out = Vec::new();
    for project in state.projects() {
        let ws = &project.workspace;
        for file in ws.paths() {
            let (Some(parse), Some(text), Some(uri)) = (
                ws.parse(file),
                project.text(file, state.encoding),
                project.uri(file),
            ) else {
                continue;
            };
            let mut push = |d: &Decl, container: Option<String>| {
                if out.len() < LIMIT && super::fuzzy_matches(&d.name, query) {
                    out.push(WorkspaceSymbol {
                        name: d.name.clone(),
                        kind: d.kind,
                        tags: None,
                        container_name: container,
                        location: OneOf::Left(Location::new(uri.clone(), text.range(d.name_span))),
                        data: None,
                    });
                }
            };
            for d in parse.file.items.iter().filter_map(decls) {
                push(&d, None);
                for c in &d.children {
                    push(c, Some(d.name.clone()));
                }
            }
        }
    }
    WorkspaceSymbolResponse::Nested(out)
}
