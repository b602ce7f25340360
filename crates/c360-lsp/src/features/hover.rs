//! Hover: what a name is, its type, documentation and catalog metadata.

use c360_sema::model::Meta;
use c360_sema::Model;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    Hover, HoverContents, MarkupContent, MarkupKind, TextDocumentPositionParams,
};

use crate::builtins;
use crate::index::{self, Names, Symbol};
use crate::state::State;

/// `textDocument/hover`.
pub fn hover(state: &State, p: &TextDocumentPositionParams) -> Result<Option<Hover>> {
    let (f, offset) = super::at(state, p)?;
    let ws = &f.project.workspace;
    let names = Names::of(ws);
    let occurrences = index::occurrences(ws, &names, &f.file);
    let Some(o) = index::at(&occurrences, offset) else {
        return Ok(None);
    };
    let text = describe(&ws.check().model, &o.symbol);
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(f.text.range(o.span)),
    }))
}

fn code(line: String) -> String {
    format!("```c360\n{line}\n```")
}

fn meta(out: &mut Vec<String>, meta: &Meta) {
    if let Some(doc) = &meta.doc {
        out.push(doc.clone());
    }
    let mut tags = Vec::new();
    if let Some(owner) = &meta.owner {
        tags.push(format!("owner: `{owner}`"));
    }
    if !meta.tags.is_empty() {
        let list: Vec<String> = meta.tags.iter().map(|t| format!("`{t}`")).collect();
        tags.push(format!("tags: {}", list.join(", ")));
    }
    if !tags.is_empty() {
        out.push(tags.join(" · "));
    }
}

/// Markdown describing `symbol`, from the typed model when it has the declaration.
pub fn describe(model: &Model, symbol: &Symbol) -> String {
    let mut out = Vec::new();
    match symbol {
        Symbol::Feature { entity, feature } => {
            match model.entity(entity).and_then(|e| e.feature(feature)) {
                Some(f) => {
                    out.push(code(format!("{}: {}", f.name, f.ty)));
                    out.push(format!("feature of entity `{entity}`"));
                    meta(&mut out, &f.meta);
                    if let Some(reason) = &f.deprecated {
                        out.push(if reason.is_empty() {
                            "**deprecated**".to_string()
                        } else {
                            format!("**deprecated**: {reason}")
                        });
                    }
                    if let Some(v) = f.version {
                        out.push(format!("version {v}"));
                    }
                    if f.hidden {
                        out.push("hidden: computed, not written to the 360 table".into());
                    }
                }
                None => {
                    out.push(code(feature.clone()));
                    out.push(format!("feature of entity `{entity}`"));
                }
            }
        }
        Symbol::Column { source, column } => {
            let def = model.sources.get(source);
            match def.and_then(|s| s.column(column).map(|c| (s, c))) {
                Some((s, c)) => {
                    out.push(code(format!("{}: {}", c.name, c.ty)));
                    let mut line = format!(
                        "column of source `{source}` (table `{}`), physical column `{}`",
                        s.table.join("."),
                        c.physical
                    );
                    if let Some(id) = &c.id_type {
                        line.push_str(&format!(" · id type `{id}`"));
                    }
                    if c.is_time {
                        line.push_str(" · event time");
                    }
                    out.push(line);
                    if let Some(doc) = &c.doc {
                        out.push(doc.clone());
                    }
                }
                None => {
                    out.push(code(column.clone()));
                    out.push(format!("column of source `{source}`"));
                }
            }
        }
        Symbol::Source(name) => match model.sources.get(name) {
            Some(s) => {
                out.push(code(format!(
                    "source {name} from \"{}\"",
                    s.table.join(".")
                )));
                meta(&mut out, &s.meta);
                out.push(match s.time_column() {
                    Some(t) => format!("{} columns · event time `{}`", s.columns.len(), t.name),
                    None => format!("{} columns · snapshot source (no `@time`)", s.columns.len()),
                });
            }
            None => out.push(code(format!("source {name}"))),
        },
        Symbol::Entity(name) => match model.entity(name) {
            Some(e) => {
                out.push(code(format!("entity {name}")));
                meta(&mut out, &e.meta);
                out.push(format!(
                    "ids (by priority): {} · {} features",
                    e.ids.join(", "),
                    e.features.len()
                ));
            }
            None => out.push(code(format!("entity {name}"))),
        },
        Symbol::IdType(name) => {
            out.push(code(format!("id_type {name}")));
            if let Some(t) = model.id_types.get(name) {
                meta(&mut out, &t.meta);
                if let Some(n) = t.max_links {
                    out.push(format!("max_links: {n}"));
                }
            }
        }
        Symbol::TrainingSet(name) => match model.training_sets.iter().find(|t| &t.name == name) {
            Some(t) => {
                out.push(code(format!("training_set {name} for {}", t.entity)));
                meta(&mut out, &t.meta);
                out.push(format!("{} features", t.features.len()));
            }
            None => out.push(code(format!("training_set {name}"))),
        },
        Symbol::Function(name) | Symbol::Aggregate(name) => {
            if let Some(b) = builtins::function(name).or_else(|| builtins::aggregate(name)) {
                out.push(code(b.signature()));
                out.push(b.doc.to_string());
            }
        }
    }
    out.join("\n\n")
}
