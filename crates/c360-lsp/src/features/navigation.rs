//! Go to definition, find references and rename.

use std::collections::HashMap;

use c360_diagnostics::{FileId, Span};
use c360_syntax::ast::ItemKind;
use c360_syntax::{lex, Token};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    GotoDefinitionResponse, Location, PrepareRenameResponse, TextDocumentPositionParams, TextEdit,
    Uri, WorkspaceEdit,
};

use crate::index::{self, Names, Occurrence, Symbol};
use crate::server::invalid;
use crate::state::{FileRef, Project, State};

/// The occurrence under the cursor with the project's names.
fn target<'a>(
    state: &'a State,
    p: &TextDocumentPositionParams,
) -> Result<Option<(FileRef<'a>, Names, Occurrence)>> {
    let (f, offset) = super::at(state, p)?;
    let names = Names::of(&f.project.workspace);
    let occurrences = index::occurrences(&f.project.workspace, &names, &f.file);
    let found = index::at(&occurrences, offset).cloned();
    Ok(found.map(|o| (f, names, o)))
}

fn location(project: &Project, file: &FileId, span: Span, state: &State) -> Option<Location> {
    let text = project.text(file, state.encoding)?;
    Some(Location::new(project.uri(file)?, text.range(span)))
}

/// `textDocument/definition`.
pub fn definition(
    state: &State,
    p: &TextDocumentPositionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let Some((f, names, o)) = target(state, p)? else {
        return Ok(None);
    };
    let locations: Vec<Location> = index::find_all(&f.project.workspace, &names, &o.symbol)
        .into_iter()
        .filter(|(_, o)| o.decl)
        .filter_map(|(file, o)| location(f.project, &file, o.span, state))
        .collect();
    Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
}

/// `textDocument/references`.
pub fn references(
    state: &State,
    p: &TextDocumentPositionParams,
    include_declaration: bool,
) -> Result<Option<Vec<Location>>> {
    let Some((f, names, o)) = target(state, p)? else {
        return Ok(None);
    };
    let locations = index::find_all(&f.project.workspace, &names, &o.symbol)
        .into_iter()
        .filter(|(_, o)| include_declaration || !o.decl)
        .filter_map(|(file, o)| location(f.project, &file, o.span, state))
        .collect();
    Ok(Some(locations))
}

fn renamable(o: &Occurrence) -> Result<()> {
    match &o.symbol {
        Symbol::Function(n) | Symbol::Aggregate(n) => Err(invalid(format!(
            "`{n}` is built into the language and cannot be renamed"
        ))),
        _ => Ok(()),
    }
}

/// `textDocument/prepareRename`.
pub fn prepare_rename(
    state: &State,
    p: &TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let Some((f, _, o)) = target(state, p)? else {
        return Ok(None);
    };
    renamable(&o)?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: f.text.range(o.span),
        placeholder: o.symbol.name().to_string(),
    }))
}

/// Checks that `new_name` is an identifier and not a keyword.
fn valid_identifier(new_name: &str) -> Result<()> {
    let (tokens, comments, diags) = lex(&FileId::new("rename"), new_name);
    match tokens.as_slice() {
        [(Token::Ident(n), _)] if *n == new_name && comments.is_empty() && diags.is_empty() => {
            Ok(())
        }
        [(t, _)] if t.keyword().is_some() => Err(invalid(format!(
            "`{new_name}` is a keyword and cannot be used as a name"
        ))),
        _ => Err(invalid(format!(
            "`{new_name}` is not a valid name: use letters, digits and `_`, not starting with a digit"
        ))),
    }
}

/// The declared name `new_name` would clash with, if any.
fn clash(names: &Names, symbol: &Symbol, new_name: &str) -> Option<String> {
    let taken = match symbol {
        Symbol::IdType(_) => names.id_types.contains(new_name),
        Symbol::Entity(_) => names.entities.contains(new_name),
        Symbol::Source(_) => names.sources.contains_key(new_name),
        Symbol::TrainingSet(_) => names.training_sets.contains(new_name),
        Symbol::Column { source, .. } => names
            .sources
            .get(source)
            .is_some_and(|c| c.contains(new_name)),
        Symbol::Feature { entity, .. } => names
            .features
            .get(entity)
            .is_some_and(|f| f.contains(new_name)),
        Symbol::Function(_) | Symbol::Aggregate(_) => false,
    };
    taken.then(|| match symbol {
        Symbol::Column { source, .. } => {
            format!("source `{source}` already has a column `{new_name}`")
        }
        Symbol::Feature { entity, .. } => {
            format!("entity `{entity}` already has a feature `{new_name}`")
        }
        _ => format!("`{new_name}` is already declared"),
    })
}

/// `textDocument/rename`: every occurrence in the project. Renaming a column without
/// `@column` also adds `@column("old")`, so the warehouse column read stays the same.
pub fn rename(
    state: &State,
    p: &TextDocumentPositionParams,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>> {
    let Some((f, names, o)) = target(state, p)? else {
        return Err(invalid("there is no name to rename here"));
    };
    renamable(&o)?;
    valid_identifier(new_name)?;
    let old = o.symbol.name().to_string();
    if old == new_name {
        return Ok(Some(WorkspaceEdit::default()));
    }
    if let Some(message) = clash(&names, &o.symbol, new_name) {
        return Err(invalid(message));
    }
    let ws = &f.project.workspace;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    let mut add = |file: &FileId, span: Span, text: String| {
        if let (Some(uri), Some(t)) = (f.project.uri(file), f.project.text(file, state.encoding)) {
            changes
                .entry(uri)
                .or_default()
                .push(TextEdit::new(t.range(span), text));
        }
    };
    for (file, o) in index::find_all(ws, &names, &o.symbol) {
        add(&file, o.span, new_name.to_string());
    }
    if let Symbol::Column { source, column } = &o.symbol {
        for file in ws.paths() {
            let Some(parse) = ws.parse(file) else {
                continue;
            };
            for item in &parse.file.items {
                let ItemKind::Source(s) = &item.kind else {
                    continue;
                };
                if &s.name.name != source {
                    continue;
                }
                for c in s.columns.iter().filter(|c| &c.name.name == column) {
                    if !c.annotations.iter().any(|a| a.name.name == "column") {
                        let at = Span::empty(c.span.end as usize);
                        add(file, at, format!(" @column(\"{column}\")"));
                    }
                }
            }
        }
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_bad_names_are_refused() {
        assert!(valid_identifier("revenue_7d").is_ok());
        let keyword = valid_identifier("where").expect_err("keyword");
        assert!(keyword.message.contains("keyword"), "{}", keyword.message);
        assert!(valid_identifier("days").is_err());
        assert!(valid_identifier("7d").is_err());
        assert!(valid_identifier("a b").is_err());
        assert!(valid_identifier("").is_err());
    }
}
