//! Semantic tokens (full document): keywords, literals and comments from the lexer; names
//! classified by what they refer to.

use std::collections::HashMap;

use c360_diagnostics::Span;
use c360_syntax::ast::CommentKind;
use c360_syntax::{lex, Token};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensResult,
    Uri,
};

use crate::builtins::COLUMN_TYPES;
use crate::convert::{len_in, Text};
use crate::index::{self, Names, Symbol};
use crate::state::State;

/// The token types, indexed by [`Kind`].
pub const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM,
    SemanticTokenType::CLASS,
    SemanticTokenType::STRUCT,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::REGEXP,
];

/// The token modifiers, as bits in this order.
pub const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DOCUMENTATION,
];

/// Indexes into [`TYPES`].
#[derive(Clone, Copy)]
pub enum Kind {
    /// Reserved words.
    Keyword = 0,
    /// Column types.
    Type,
    /// Id types.
    IdType,
    /// Entities and training sets.
    Entity,
    /// Sources.
    Source,
    /// Columns.
    Column,
    /// Features.
    Feature,
    /// Functions and aggregates.
    Function,
    /// Strings.
    String,
    /// Numbers.
    Number,
    /// Comments.
    Comment,
    /// Annotations.
    Annotation,
    /// Raw strings (regexes).
    Regex,
}

const DECLARATION: u32 = 1;
const DOCUMENTATION: u32 = 2;

fn symbol_kind(symbol: &Symbol) -> Kind {
    match symbol {
        Symbol::IdType(_) => Kind::IdType,
        Symbol::Entity(_) | Symbol::TrainingSet(_) => Kind::Entity,
        Symbol::Source(_) => Kind::Source,
        Symbol::Column { .. } => Kind::Column,
        Symbol::Feature { .. } => Kind::Feature,
        Symbol::Function(_) | Symbol::Aggregate(_) => Kind::Function,
    }
}

/// `textDocument/semanticTokens/full`.
pub fn full(state: &State, uri: &Uri) -> Result<Option<SemanticTokensResult>> {
    let f = super::file(state, uri)?;
    if !super::is_c360(&f) {
        return Ok(None);
    }
    let text = f.text.as_str();
    let names = Names::of(&f.project.workspace);
    let occurrences = index::occurrences(&f.project.workspace, &names, &f.file);
    let by_start: HashMap<u32, &index::Occurrence> =
        occurrences.iter().map(|o| (o.span.start, o)).collect();
    let (tokens, comments, _) = lex(&f.file, text);
    let mut marks: Vec<(Span, Kind, u32)> = Vec::with_capacity(tokens.len() + comments.len());
    for (i, (t, span)) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| &tokens[j].0);
        let kind = match t {
            Token::Ident(name) => {
                if let Some(o) = by_start.get(&span.start) {
                    let modifiers = if o.decl { DECLARATION } else { 0 };
                    marks.push((*span, symbol_kind(&o.symbol), modifiers));
                    continue;
                }
                match prev {
                    Some(Token::At) => Kind::Annotation,
                    Some(Token::Colon) if COLUMN_TYPES.contains(name) => Kind::Type,
                    _ => continue,
                }
            }
            Token::At => Kind::Annotation,
            Token::Int(_) | Token::Decimal(_) => Kind::Number,
            Token::Str(_) => Kind::String,
            Token::RawStr(_) => Kind::Regex,
            t if t.keyword().is_some() => Kind::Keyword,
            _ => continue,
        };
        marks.push((*span, kind, 0));
    }
    for c in &comments {
        let modifiers = if c.kind == CommentKind::Doc {
            DOCUMENTATION
        } else {
            0
        };
        marks.push((c.span, Kind::Comment, modifiers));
    }
    marks.sort_by_key(|(s, _, _)| s.start);
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: encode(&f.text, state.encoding, &marks),
    })))
}

/// Relative encoding of the marks; tokens spanning lines are split per line, since not every
/// client supports multi-line tokens.
fn encode(
    text: &Text<'_>,
    encoding: c360_diagnostics::PositionEncoding,
    marks: &[(Span, Kind, u32)],
) -> Vec<SemanticToken> {
    let src = text.as_str();
    let mut out = Vec::with_capacity(marks.len());
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for &(span, kind, modifiers) in marks {
        let mut start = span.start as usize;
        let end = (span.end as usize).min(src.len());
        while start < end {
            let line_end = src[start..end].find('\n').map_or(end, |i| start + i);
            let piece = src[start..line_end].trim_end_matches('\r');
            if !piece.is_empty() {
                let pos = text.position(start);
                let delta_line = pos.line.saturating_sub(last_line);
                let delta_start = if delta_line == 0 {
                    pos.character.saturating_sub(last_col)
                } else {
                    pos.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: len_in(piece, encoding),
                    token_type: kind as u32,
                    token_modifiers_bitset: modifiers,
                });
                last_line = pos.line;
                last_col = pos.character;
            }
            start = line_end + 1;
        }
    }
    out
}
