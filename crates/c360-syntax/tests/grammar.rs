//! `grammar/c360.ebnf` names every token the lexer knows, and its example shapes parse.

use std::path::Path;

use c360_diagnostics::FileId;
use c360_syntax::Token;

fn grammar() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../grammar/c360.ebnf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_keyword_and_punctuation_is_in_the_grammar() {
    let grammar = grammar();
    let words = "id_type entity source from features training_set for labels test given expect \
                 where within and or not in is null true false if then else second seconds \
                 minute minutes hour hours day days week weeks";
    let puncts = "{ } ( ) [ ] , : = == != < <= > >= ~ + - * / % | @ .";
    let file = FileId::new("g.c360");
    for word in words.split_whitespace().chain(puncts.split_whitespace()) {
        let (tokens, _, diags) = c360_syntax::lex(&file, word);
        assert!(diags.is_empty(), "`{word}` lexes cleanly");
        assert_eq!(tokens.len(), 1, "`{word}` is one token");
        assert!(
            !matches!(tokens[0].0, Token::Ident(_)),
            "`{word}` is reserved, not an identifier"
        );
        assert!(
            grammar.contains(&format!("\"{word}\"")),
            "the grammar mentions \"{word}\""
        );
    }
}

#[test]
fn every_rule_used_is_defined() {
    let grammar = grammar();
    // Drop comments, then collect `name =` definitions and every lower-case name used.
    let mut text = String::new();
    let mut rest = grammar.as_str();
    while let Some(start) = rest.find("(*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*)")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut strings_removed = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '?' => quote = Some('?'),
            None => strings_removed.push(c),
        }
    }
    let defined: Vec<&str> = strings_removed
        .split(';')
        .filter_map(|rule| rule.split_once('=').map(|(name, _)| name.trim()))
        .collect();
    for word in strings_removed
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    {
        assert!(defined.contains(&word), "`{word}` is used but not defined");
    }
}
