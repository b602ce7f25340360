//! Signature help for functions and aggregates: the innermost open call before the cursor.

use c360_syntax::{lex, Token};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    Documentation, ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation,
    TextDocumentPositionParams,
};

use crate::builtins;
use crate::state::State;

/// `textDocument/signatureHelp`.
pub fn help(state: &State, p: &TextDocumentPositionParams) -> Result<Option<SignatureHelp>> {
    let (f, offset) = super::at(state, p)?;
    if !super::is_c360(&f) {
        return Ok(None);
    }
    let (tokens, _, _) = lex(&f.file, f.text.as_str());
    let before: Vec<&Token<'_>> = tokens
        .iter()
        .filter(|(_, s)| (s.end as usize) <= offset)
        .map(|(t, _)| t)
        .collect();
    let mut depth = 0usize;
    let mut commas = 0u32;
    for i in (0..before.len()).rev() {
        match before[i] {
            Token::RParen | Token::RBracket => depth += 1,
            Token::LBracket if depth > 0 => depth -= 1,
            Token::LParen if depth > 0 => depth -= 1,
            Token::Comma if depth == 0 => commas += 1,
            Token::LBracket => return Ok(None),
            Token::LParen => {
                let Some(Token::Ident(name)) = i.checked_sub(1).map(|j| before[j]) else {
                    return Ok(None);
                };
                let Some(b) = builtins::function(name).or_else(|| builtins::aggregate(name)) else {
                    return Ok(None);
                };
                let params = b
                    .params
                    .iter()
                    .map(|p| ParameterInformation {
                        label: ParameterLabel::Simple(p.to_string()),
                        documentation: None,
                    })
                    .collect::<Vec<_>>();
                // Variadic functions keep highlighting their last parameter.
                let active = commas.min(params.len().saturating_sub(1) as u32);
                return Ok(Some(SignatureHelp {
                    signatures: vec![SignatureInformation {
                        label: b.signature(),
                        documentation: Some(Documentation::String(b.doc.to_string())),
                        parameters: Some(params),
                        active_parameter: Some(active),
                    }],
                    active_signature: Some(0),
                    active_parameter: Some(active),
                }));
            }
            Token::LBrace | Token::RBrace | Token::Assign if depth == 0 => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}
