//! Completion by context, decided from the tokens before the cursor (half-typed text rarely
//! parses, but it always lexes).

use std::collections::HashMap;

use c360_diagnostics::Span;
use c360_sema::model::FeatureDef;
use c360_syntax::{lex, Token};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionList, CompletionResponse, Documentation,
    InsertTextFormat, MarkupContent, MarkupKind, TextDocumentPositionParams,
};

use crate::builtins::{Builtin, AGGREGATES, COLUMN_TYPES, FUNCTIONS};
use crate::index::Names;
use crate::state::{Project, State};

/// The most features or sources one response lists. Those lists grow with the project (5,000
/// features make an 800 kB response that takes longer to encode and decode than to compute);
/// past the limit the response keeps the names that match the word typed so far, and says it
/// is incomplete so the editor asks again as the user types.
pub const LIST_LIMIT: usize = 100;

/// The declaration a block belongs to.
#[derive(Clone, Debug, PartialEq)]
enum Block {
    IdType,
    Entity,
    Source,
    Features(String),
    TrainingSet(String),
    Test,
}

/// `textDocument/completion`.
pub fn completion(
    state: &State,
    p: &TextDocumentPositionParams,
) -> Result<Option<CompletionResponse>> {
    let (f, offset) = super::at(state, p)?;
    if !super::is_c360(&f) {
        return Ok(None);
    }
    let text = f.text.as_str();
    let (tokens, comments, _) = lex(&f.file, text);
    if comments
        .iter()
        .any(|c| (c.span.start as usize) < offset && offset <= c.span.end as usize)
    {
        return Ok(None);
    }
    let in_string = tokens.iter().any(|(t, s)| {
        matches!(t, Token::Str(_) | Token::RawStr(_))
            && (s.start as usize) < offset
            && (offset < s.end as usize
                || (offset == s.end as usize && !text[s.range()].ends_with('"')))
    });
    if in_string {
        return Ok(None);
    }
    let word_start = text[..offset]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let before: Vec<&(Token<'_>, Span)> = tokens
        .iter()
        .filter(|(_, s)| (s.end as usize) <= word_start)
        .collect();
    let mut items = Items {
        project: f.project,
        names: Names::of(&f.project.workspace),
        snippets: state.snippets,
        typed: &text[word_start..offset],
        incomplete: false,
        out: Vec::new(),
    };
    context_items(&mut items, &before);
    Ok(Some(if items.incomplete {
        CompletionResponse::List(CompletionList {
            is_incomplete: true,
            items: items.out,
        })
    } else {
        CompletionResponse::Array(items.out)
    }))
}

struct Items<'a> {
    project: &'a Project,
    names: Names,
    snippets: bool,
    /// The part of the word before the cursor.
    typed: &'a str,
    /// Whether a list was cut at [`LIST_LIMIT`].
    incomplete: bool,
    out: Vec<CompletionItem>,
}

fn markdown(text: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text,
    })
}

/// The `names` that match `typed`, those that start with it first, at most [`LIST_LIMIT`] of
/// them; true when some were left out.
fn bounded<'n>(typed: &str, names: impl IntoIterator<Item = &'n String>) -> (Vec<String>, bool) {
    let typed = typed.to_ascii_lowercase();
    let (mut kept, mut others): (Vec<&String>, Vec<&String>) = names
        .into_iter()
        .filter(|n| super::fuzzy_matches(n, &typed))
        .partition(|n| n.to_ascii_lowercase().starts_with(&typed));
    kept.append(&mut others);
    let cut = kept.len() > LIST_LIMIT;
    kept.truncate(LIST_LIMIT);
    (kept.into_iter().cloned().collect(), cut)
}

impl Items<'_> {
    fn plain(&mut self, label: &str, kind: CompletionItemKind, detail: Option<String>) {
        self.out.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail,
            ..Default::default()
        });
    }

    fn snippet(&mut self, label: &str, kind: CompletionItemKind, snippet: String, detail: &str) {
        let (insert_text, format) = if self.snippets {
            (snippet, InsertTextFormat::SNIPPET)
        } else {
            (label.to_string(), InsertTextFormat::PLAIN_TEXT)
        };
        self.out.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: Some(detail.to_string()),
            insert_text: Some(insert_text),
            insert_text_format: Some(format),
            ..Default::default()
        });
    }

    fn builtin(&mut self, b: &Builtin, kind: CompletionItemKind) {
        let (insert_text, format) = if self.snippets {
            (b.snippet(), InsertTextFormat::SNIPPET)
        } else {
            (b.name.to_string(), InsertTextFormat::PLAIN_TEXT)
        };
        self.out.push(CompletionItem {
            label: b.name.to_string(),
            kind: Some(kind),
            detail: Some(b.signature()),
            documentation: Some(markdown(b.doc.to_string())),
            insert_text: Some(insert_text),
            insert_text_format: Some(format),
            ..Default::default()
        });
    }

    fn declarations(&mut self) {
        use CompletionItemKind as K;
        let decls = [
            ("id_type", "id_type ${1:name} {\n  normalize = ${2:lower(trim(value))}\n}", "an identifier type"),
            ("entity", "entity ${1:name} {\n  ids = [${2}]\n}", "an entity stitched from id types"),
            (
                "source",
                "source ${1:name} from \"${2:schema.table}\" {\n  ${3:user_id}: string @id(${4:user_id})\n  ${5:sent_at}: timestamp @time\n}",
                "a warehouse table",
            ),
            ("features", "features ${1:entity} {\n  ${0}\n}", "features of an entity"),
            (
                "training_set",
                "training_set ${1:name} for ${2:entity} {\n  labels from \"${3:schema.table}\" {\n    ${4}\n  }\n  features = [${5}]\n}",
                "features as of each label's time",
            ),
            (
                "test",
                "test \"${1:name}\" {\n  as_of = \"${2:2026-01-01 00:00:00}\"\n  ${0}\n}",
                "a test with given rows and expected values",
            ),
        ];
        for (label, snippet, detail) in decls {
            self.snippet(label, K::KEYWORD, snippet.to_string(), detail);
        }
    }

    fn steps(&mut self) {
        use CompletionItemKind as K;
        self.snippet(
            "where",
            K::KEYWORD,
            "where ${0}".into(),
            "keep rows matching a predicate",
        );
        self.snippet(
            "within",
            K::KEYWORD,
            "within ${1:30} ${2:days}".into(),
            "keep rows in a time window before as_of",
        );
        for a in AGGREGATES {
            self.builtin(a, K::FUNCTION);
        }
    }

    fn functions(&mut self) {
        for f in FUNCTIONS {
            self.builtin(f, CompletionItemKind::FUNCTION);
        }
    }

    fn id_types(&mut self) {
        let model = &self.project.workspace.check().model;
        let names: Vec<String> = self.names.id_types.iter().cloned().collect();
        for name in names {
            let doc = model.id_types.get(&name).and_then(|t| t.meta.doc.clone());
            self.out.push(CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                detail: Some("id type".into()),
                documentation: doc.map(markdown),
                ..Default::default()
            });
        }
    }

    fn entities(&mut self) {
        let names: Vec<String> = self.names.entities.iter().cloned().collect();
        for name in names {
            self.plain(&name, CompletionItemKind::CLASS, Some("entity".into()));
        }
    }

    fn sources(&mut self) {
        let model = &self.project.workspace.check().model;
        let (names, cut) = bounded(self.typed, self.names.sources.keys());
        self.incomplete |= cut;
        for name in names {
            let (detail, doc) = match model.sources.get(&name) {
                Some(s) => (
                    format!("source from \"{}\"", s.table.join(".")),
                    s.meta.doc.clone(),
                ),
                None => ("source".to_string(), None),
            };
            self.out.push(CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::STRUCT),
                detail: Some(detail),
                documentation: doc.map(markdown),
                ..Default::default()
            });
        }
    }

    fn columns(&mut self, source: &str) {
        let model = &self.project.workspace.check().model;
        if let Some(def) = model.sources.get(source) {
            for c in &def.columns {
                let mut detail = c.ty.to_string();
                if let Some(id) = &c.id_type {
                    detail.push_str(&format!(" @id({id})"));
                }
                if c.is_time {
                    detail.push_str(" @time");
                }
                self.out.push(CompletionItem {
                    label: c.name.clone(),
                    kind: Some(CompletionItemKind::FIELD),
                    detail: Some(format!("{detail} — column of {source}")),
                    documentation: c.doc.clone().map(markdown),
                    ..Default::default()
                });
            }
            return;
        }
        let columns: Vec<String> = self
            .names
            .sources
            .get(source)
            .map(|c| c.iter().cloned().collect())
            .unwrap_or_default();
        for c in columns {
            self.plain(
                &c,
                CompletionItemKind::FIELD,
                Some(format!("column of {source}")),
            );
        }
    }

    fn features(&mut self, entity: &str) {
        let model = &self.project.workspace.check().model;
        let (names, cut) = bounded(
            self.typed,
            self.names.features.get(entity).into_iter().flatten(),
        );
        self.incomplete |= cut;
        // 5,000-feature projects: look definitions up by name, not by scanning.
        let defs: HashMap<&str, &FeatureDef> = model
            .entity(entity)
            .map(|e| e.features.iter().map(|f| (f.name.as_str(), f)).collect())
            .unwrap_or_default();
        for name in names {
            let def = defs.get(name.as_str()).copied();
            let detail = match def {
                Some(d) if !d.ty.is_error() => {
                    format!("{}: {} — feature of {entity}", d.name, d.ty)
                }
                _ => format!("feature of {entity}"),
            };
            self.out.push(CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(detail),
                documentation: def.and_then(|d| d.meta.doc.clone()).map(markdown),
                deprecated: def.map(|d| d.deprecated.is_some()),
                ..Default::default()
            });
        }
    }

    fn keywords(&mut self, words: &[&str]) {
        for w in words {
            self.plain(w, CompletionItemKind::KEYWORD, None);
        }
    }
}

/// The enclosing block and brace depth at the end of `before`.
fn enclosing(before: &[&(Token<'_>, Span)]) -> (usize, Option<Block>, usize) {
    let mut depth = 0usize;
    let mut block = None;
    let mut bracket = 0usize;
    for (i, (t, _)) in before.iter().enumerate() {
        let ident_at = |j: usize| match before.get(j).map(|(t, _)| t) {
            Some(Token::Ident(n)) => n.to_string(),
            _ => String::new(),
        };
        match t {
            Token::LBrace => depth += 1,
            Token::RBrace => depth = depth.saturating_sub(1),
            Token::LBracket => bracket += 1,
            Token::RBracket => bracket = bracket.saturating_sub(1),
            _ if depth > 0 => {}
            Token::IdType => block = Some(Block::IdType),
            Token::Entity => block = Some(Block::Entity),
            Token::Source => block = Some(Block::Source),
            Token::Features => block = Some(Block::Features(ident_at(i + 1))),
            Token::TrainingSet => block = Some(Block::TrainingSet(ident_at(i + 3))),
            Token::Test => block = Some(Block::Test),
            _ => {}
        }
        if depth == 0 && matches!(t, Token::RBrace) {
            bracket = 0;
        }
    }
    (depth, block, bracket)
}

/// The source of the pipeline the cursor is in, if any: scanning back for the start of the
/// innermost expression that reads `SOURCE |`.
fn pipeline_source(before: &[&(Token<'_>, Span)]) -> Option<String> {
    let starts_pipeline = |b: usize| -> Option<String> {
        match (before.get(b).map(|t| &t.0), before.get(b + 1).map(|t| &t.0)) {
            (Some(Token::Ident(s)), Some(Token::Pipe)) => Some(s.to_string()),
            _ => None,
        }
    };
    let mut depth = 0usize;
    for i in (0..before.len()).rev() {
        match &before[i].0 {
            Token::RParen | Token::RBracket => depth += 1,
            Token::LParen | Token::LBracket => {
                if depth > 0 {
                    depth -= 1;
                } else if let Some(s) = starts_pipeline(i + 1) {
                    return Some(s);
                }
            }
            Token::Comma if depth == 0 => {
                if let Some(s) = starts_pipeline(i + 1) {
                    return Some(s);
                }
            }
            Token::Assign | Token::LBrace | Token::RBrace if depth == 0 => {
                return starts_pipeline(i + 1);
            }
            _ => {}
        }
    }
    starts_pipeline(0)
}

/// Fills `items` with what fits the context at the end of `before`.
fn context_items(items: &mut Items<'_>, before: &[&(Token<'_>, Span)]) {
    use CompletionItemKind as K;
    let tok = |back: usize| before.len().checked_sub(back).map(|i| &before[i].0);
    let (depth, block, bracket) = enclosing(before);
    match (tok(1), tok(2), tok(3)) {
        (Some(Token::At), ..) => {
            for (name, detail) in [
                ("id", "@id(ID_TYPE): the column carries identifiers"),
                ("time", "@time: the event time"),
                ("column", "@column(\"NAME\"): the physical column"),
                ("owner", "@owner(\"team\")"),
                ("tags", "@tags(\"a\", ...)"),
                ("version", "@version(N)"),
                ("deprecated", "@deprecated(\"reason\")"),
                ("hidden", "@hidden: not written to the 360 table"),
            ] {
                items.plain(name, K::PROPERTY, Some(detail.into()));
            }
            return;
        }
        (Some(Token::LParen), Some(Token::Ident("id")), Some(Token::At)) => {
            items.id_types();
            return;
        }
        (Some(Token::Features | Token::For), ..) => {
            items.entities();
            return;
        }
        // `SOURCE.column` and `ENTITY.feature`.
        (Some(Token::Dot), Some(Token::Ident(q)), _) => {
            let q = q.to_string();
            if items.names.sources.contains_key(&q) {
                items.columns(&q);
            } else if items.names.entities.contains(&q) {
                items.features(&q);
            }
            return;
        }
        // A new declaration's name: nothing to suggest.
        (Some(Token::IdType | Token::Entity | Token::Source | Token::TrainingSet), ..) => {
            return;
        }
        _ => {}
    }
    if depth == 0 {
        items.declarations();
        return;
    }
    match block {
        Some(Block::Source) => {
            if matches!(tok(1), Some(Token::Colon)) {
                for t in COLUMN_TYPES {
                    items.plain(t, K::TYPE_PARAMETER, Some("column type".into()));
                }
            }
        }
        Some(Block::Entity) => {
            if bracket > 0 {
                items.id_types();
            } else {
                items.plain(
                    "ids",
                    K::PROPERTY,
                    Some("id types in priority order".into()),
                );
            }
        }
        Some(Block::IdType) => {
            if matches!(tok(1), Some(Token::LBrace | Token::RBrace)) || tok(1).is_none() {
                for p in ["normalize", "valid", "exclude", "max_links"] {
                    items.plain(p, K::PROPERTY, None);
                }
            } else {
                items.plain(
                    "value",
                    K::VARIABLE,
                    Some("the raw identifier value".into()),
                );
                items.functions();
            }
        }
        Some(Block::TrainingSet(entity)) => {
            if bracket > 0 {
                items.features(&entity);
            } else {
                items.keywords(&["labels", "features"]);
            }
        }
        Some(Block::Test) => match tok(1) {
            Some(Token::Given) => items.sources(),
            Some(Token::Expect) => items.entities(),
            _ => items.keywords(&["as_of", "given", "expect"]),
        },
        Some(Block::Features(entity)) => {
            if matches!(tok(1), Some(Token::Pipe)) {
                items.steps();
                return;
            }
            match pipeline_source(before) {
                Some(source) => {
                    items.columns(&source);
                    items.features(&entity);
                    items.functions();
                    items.keywords(&["and", "or", "not", "in", "is", "null", "true", "false"]);
                }
                None => {
                    items.features(&entity);
                    items.sources();
                    items.functions();
                    items.keywords(&[
                        "if", "then", "else", "and", "or", "not", "null", "true", "false",
                    ]);
                }
            }
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use c360_diagnostics::FileId;

    fn source_at(text: &str) -> Option<String> {
        let (tokens, _, _) = lex(&FileId::new("t.c360"), text);
        let before: Vec<&(Token<'_>, Span)> = tokens.iter().collect();
        pipeline_source(&before)
    }

    #[test]
    fn long_lists_keep_the_names_matching_the_typed_word_starting_ones_first() {
        let names: Vec<String> = (0..500).map(|i| format!("f_{i}")).collect();
        let (all, cut) = bounded("", &names);
        assert!(cut);
        assert_eq!(all.len(), LIST_LIMIT);
        let (some, cut) = bounded("F_42", &names);
        assert!(!cut);
        // `f_42` and `f_42N` start with it; `f_142`, `f_402`, … only contain its letters in order.
        assert_eq!(some.len(), 23);
        assert_eq!(some[..2], ["f_42", "f_420"]);
        assert_eq!(some[10..12], ["f_429", "f_142"]);
        let mixed: Vec<String> = ["total_spend", "spend", "last_spend_at"]
            .map(String::from)
            .to_vec();
        let (ranked, cut) = bounded("sp", &mixed);
        assert!(!cut);
        assert_eq!(ranked, ["spend", "total_spend", "last_spend_at"]);
    }

    #[test]
    fn the_pipeline_source_is_found_through_calls_and_steps() {
        assert_eq!(source_at("x = orders | where "), Some("orders".into()));
        assert_eq!(
            source_at("x = orders | where lower(st"),
            Some("orders".into())
        );
        assert_eq!(
            source_at("x = days(logins | where a > "),
            Some("logins".into())
        );
        assert_eq!(source_at("x = orders | count()\n y = a + "), None);
        assert_eq!(source_at("x = orders | sum("), Some("orders".into()));
    }
}
