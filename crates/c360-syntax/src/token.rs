//! The tokens of c360 (spec §2) and the lexer that produces them.
//!
//! [`lex`] never fails: every problem becomes a diagnostic (`E0001`–`E0004`, `E0006`) and the
//! lexer still yields the token the author most likely meant (an unterminated string is still a
//! string), so the parser can keep going. Comments are split out as trivia.

use std::borrow::Cow;
use std::fmt;

use c360_diagnostics::{codes, Diagnostic, FileId, Span};
use logos::Logos;

use crate::ast::{Comment, CommentKind, DurationUnit};

/// What went wrong while lexing one token; [`lex`] turns each into a diagnostic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LexError {
    /// A character that starts no token (`E0001`).
    #[default]
    UnexpectedChar,
    /// A string without its closing quote on the same line (`E0002`).
    UnterminatedString,
    /// A `/*` without its matching `*/` (`E0003`).
    UnterminatedComment,
    /// A string with an unknown escape such as `\d` (`E0004`).
    InvalidEscape,
    /// An integer that does not fit in a signed 64-bit integer (`E0006`).
    IntTooLarge,
}

/// The reserved words (spec §2): each lexes as its own token, never as [`Token::Ident`].
pub const KEYWORDS: &[&str] = &[
    "id_type",
    "entity",
    "source",
    "from",
    "features",
    "training_set",
    "for",
    "labels",
    "test",
    "given",
    "expect",
    "where",
    "within",
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "true",
    "false",
    "if",
    "then",
    "else",
    "days",
    "day",
    "hours",
    "hour",
    "minutes",
    "minute",
    "seconds",
    "second",
    "weeks",
    "week",
];

/// One token of a `.c360` file.
///
/// Keywords are reserved and never lexed as [`Token::Ident`]. Comments appear only in the raw
/// logos stream; [`lex`] moves them to the trivia list.
#[derive(Logos, Clone, Debug, PartialEq, Eq, Hash)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\n\x0C]+")]
pub enum Token<'src> {
    /// `id_type`
    #[token("id_type")]
    IdType,
    /// `entity`
    #[token("entity")]
    Entity,
    /// `source`
    #[token("source")]
    Source,
    /// `from`
    #[token("from")]
    From,
    /// `features`
    #[token("features")]
    Features,
    /// `training_set`
    #[token("training_set")]
    TrainingSet,
    /// `for`
    #[token("for")]
    For,
    /// `labels`
    #[token("labels")]
    Labels,
    /// `test`
    #[token("test")]
    Test,
    /// `given`
    #[token("given")]
    Given,
    /// `expect`
    #[token("expect")]
    Expect,
    /// `where`
    #[token("where")]
    Where,
    /// `within`
    #[token("within")]
    Within,
    /// `and`
    #[token("and")]
    And,
    /// `or`
    #[token("or")]
    Or,
    /// `not`
    #[token("not")]
    Not,
    /// `in`
    #[token("in")]
    In,
    /// `is`
    #[token("is")]
    Is,
    /// `null`
    #[token("null")]
    Null,
    /// `true`
    #[token("true")]
    True,
    /// `false`
    #[token("false")]
    False,
    /// `if`
    #[token("if")]
    If,
    /// `then`
    #[token("then")]
    Then,
    /// `else`
    #[token("else")]
    Else,
    /// A duration unit word, singular or plural (`day`, `days`, …).
    #[token("second", |_| DurationUnit::Seconds)]
    #[token("seconds", |_| DurationUnit::Seconds)]
    #[token("minute", |_| DurationUnit::Minutes)]
    #[token("minutes", |_| DurationUnit::Minutes)]
    #[token("hour", |_| DurationUnit::Hours)]
    #[token("hours", |_| DurationUnit::Hours)]
    #[token("day", |_| DurationUnit::Days)]
    #[token("days", |_| DurationUnit::Days)]
    #[token("week", |_| DurationUnit::Weeks)]
    #[token("weeks", |_| DurationUnit::Weeks)]
    Unit(DurationUnit),

    /// An identifier: `[A-Za-z_][A-Za-z0-9_]*`, not a keyword.
    #[regex("[A-Za-z_][A-Za-z0-9_]*")]
    Ident(&'src str),
    /// An integer literal as written (digits only, fits in `i64`).
    #[regex("[0-9]+", int_literal)]
    Int(&'src str),
    /// A decimal literal as written (`10.5`).
    #[regex(r"[0-9]+\.[0-9]+")]
    Decimal(&'src str),
    /// A `"…"` string; the value has its escapes resolved.
    #[regex(r#""([^"\\\r\n]|\\[^\r\n])*""#, string_literal)]
    #[regex(r#""([^"\\\r\n]|\\[^\r\n])*\\?"#, |_| Err(LexError::UnterminatedString))]
    Str(Cow<'src, str>),
    /// An `r"…"` raw string; the value is the text between the quotes.
    #[regex(r#"r"[^"\r\n]*""#, |lex| { let s = lex.slice(); &s[2..s.len() - 1] })]
    #[regex(r#"r"[^"\r\n]*"#, |_| Err(LexError::UnterminatedString))]
    RawStr(&'src str),

    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `,`
    #[token(",")]
    Comma,
    /// `:`
    #[token(":")]
    Colon,
    /// `=`
    #[token("=")]
    Assign,
    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `<=`
    #[token("<=")]
    Le,
    /// `>`
    #[token(">")]
    Gt,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `~`
    #[token("~")]
    Tilde,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `/`
    #[token("/")]
    Slash,
    /// `%`
    #[token("%")]
    Percent,
    /// `|`
    #[token("|")]
    Pipe,
    /// `@`
    #[token("@")]
    At,
    /// `.`
    #[token(".")]
    Dot,

    /// A `// …`, `/// …` or nesting `/* … */` comment; [`lex`] moves comments to the trivia
    /// list, so the parser never sees this token.
    #[regex(r"//[^\r\n]*", line_comment, allow_greedy = true)]
    #[token("/*", block_comment)]
    Comment(CommentKind),

    /// Characters that start no token; the lexer already reported them.
    Error,
}

/// Rejects integers that do not fit in `i64`, so later stages can rely on them.
fn int_literal<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    let text = lex.slice();
    match text.parse::<i64>() {
        Ok(_) => Ok(text),
        Err(_) => Err(LexError::IntTooLarge),
    }
}

fn string_literal<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<Cow<'s, str>, LexError> {
    let text = lex.slice();
    let (value, problems) = unescape(&text[1..text.len() - 1]);
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(LexError::InvalidEscape)
    }
}

/// `///` starts a doc comment, but `////…` is an ordinary comment (as in Rust).
fn line_comment<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> CommentKind {
    let text = lex.slice();
    if text.starts_with("///") && !text.starts_with("////") {
        CommentKind::Doc
    } else {
        CommentKind::Line
    }
}

/// Consumes a nesting block comment; `lex` is right after the opening `/*`.
fn block_comment<'s>(lex: &mut logos::Lexer<'s, Token<'s>>) -> Result<CommentKind, LexError> {
    let rest = lex.remainder().as_bytes();
    let mut depth = 1usize;
    let mut i = 0;
    while i < rest.len() {
        match (rest[i], rest.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    lex.bump(i);
                    return Ok(CommentKind::Block);
                }
            }
            _ => i += 1,
        }
    }
    lex.bump(rest.len());
    Err(LexError::UnterminatedComment)
}

/// An escape sequence that is not one of `\" \\ \n \t \u{…}`: its byte range in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BadEscape {
    /// Byte range inside the string body (between the quotes).
    pub range: std::ops::Range<usize>,
}

/// Resolves the escapes of a string body (the text between the quotes). Unknown escapes are
/// kept as written and reported, so the value stays close to what the author typed.
pub(crate) fn unescape(body: &str) -> (Cow<'_, str>, Vec<BadEscape>) {
    if !body.contains('\\') {
        return (Cow::Borrowed(body), Vec::new());
    }
    let mut out = String::with_capacity(body.len());
    let mut problems = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(_, next)) = chars.peek() else {
            // A lone trailing backslash (only in unterminated strings).
            out.push('\\');
            problems.push(BadEscape {
                range: start..start + 1,
            });
            break;
        };
        chars.next();
        match next {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'u' => {
                let after_u = start + 2;
                match unicode_escape(&body[after_u..]) {
                    Some((ch, len)) => {
                        out.push(ch);
                        // Skip the `{…}` part that `unicode_escape` consumed.
                        while chars.peek().is_some_and(|&(i, _)| i < after_u + len) {
                            chars.next();
                        }
                    }
                    None => {
                        let end = body[after_u..]
                            .find('}')
                            .filter(|&i| body[after_u..after_u + i].chars().count() <= 7)
                            .filter(|_| body[after_u..].starts_with('{'))
                            .map_or(after_u, |i| after_u + i + 1);
                        out.push_str(&body[start..end]);
                        while chars.peek().is_some_and(|&(i, _)| i < end) {
                            chars.next();
                        }
                        problems.push(BadEscape { range: start..end });
                    }
                }
            }
            other => {
                out.push('\\');
                out.push(other);
                problems.push(BadEscape {
                    range: start..start + 1 + other.len_utf8(),
                });
            }
        }
    }
    (Cow::Owned(out), problems)
}

/// Parses `{XXXX}` (1–6 hex digits naming a Unicode scalar value) at the start of `text`;
/// returns the character and the number of bytes consumed.
fn unicode_escape(text: &str) -> Option<(char, usize)> {
    let inner = text.strip_prefix('{')?;
    let close = inner.find('}')?;
    let digits = &inner[..close];
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let ch = char::from_u32(u32::from_str_radix(digits, 16).ok()?)?;
    Some((ch, close + 2))
}

impl Token<'_> {
    /// The keyword's text, for the reserved words (including unit words).
    pub fn keyword(&self) -> Option<&'static str> {
        Some(match self {
            Token::IdType => "id_type",
            Token::Entity => "entity",
            Token::Source => "source",
            Token::From => "from",
            Token::Features => "features",
            Token::TrainingSet => "training_set",
            Token::For => "for",
            Token::Labels => "labels",
            Token::Test => "test",
            Token::Given => "given",
            Token::Expect => "expect",
            Token::Where => "where",
            Token::Within => "within",
            Token::And => "and",
            Token::Or => "or",
            Token::Not => "not",
            Token::In => "in",
            Token::Is => "is",
            Token::Null => "null",
            Token::True => "true",
            Token::False => "false",
            Token::If => "if",
            Token::Then => "then",
            Token::Else => "else",
            Token::Unit(unit) => unit.keyword(2),
            _ => return None,
        })
    }

    /// The punctuation's text.
    pub fn punct(&self) -> Option<&'static str> {
        Some(match self {
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Colon => ":",
            Token::Assign => "=",
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Le => "<=",
            Token::Gt => ">",
            Token::Ge => ">=",
            Token::Tilde => "~",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Percent => "%",
            Token::Pipe => "|",
            Token::At => "@",
            Token::Dot => ".",
            _ => return None,
        })
    }

    /// How diagnostics name the token: "`=`", "keyword `where`", "identifier `amount`".
    pub fn describe(&self) -> String {
        if let Some(p) = self.punct() {
            return format!("`{p}`");
        }
        if let Token::Unit(unit) = self {
            return format!("duration unit `{}`", unit.keyword(2));
        }
        if let Some(k) = self.keyword() {
            return format!("keyword `{k}`");
        }
        match self {
            Token::Ident(name) => format!("identifier `{name}`"),
            Token::Int(text) => format!("number `{text}`"),
            Token::Decimal(text) => format!("number `{text}`"),
            Token::Str(value) => format!("string {}", shorten(&format!("{value:?}"))),
            Token::RawStr(value) => format!("string r\"{}\"", shorten(value)),
            Token::Comment(_) => "a comment".to_string(),
            _ => "an unexpected character".to_string(),
        }
    }
}

/// Keeps quoted excerpts in messages short.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.punct().or_else(|| self.keyword()) {
            return f.write_str(text);
        }
        match self {
            Token::Ident(text) | Token::Int(text) | Token::Decimal(text) => f.write_str(text),
            Token::Str(value) => write!(f, "{value:?}"),
            Token::RawStr(value) => write!(f, "r\"{value}\""),
            Token::Comment(_) => f.write_str("comment"),
            _ => f.write_str("<error>"),
        }
    }
}

/// The output of [`lex`]: tokens for the parser, comments as trivia, and lexical errors.
pub type Lexed<'src> = (Vec<(Token<'src>, Span)>, Vec<Comment>, Vec<Diagnostic>);

/// Splits `text` into tokens. Never panics; problems are reported as diagnostics and the
/// stream still contains a best-guess token for them (a [`Token::Error`] for stray characters,
/// adjacent ones merged into one).
pub fn lex<'src>(file: &FileId, text: &'src str) -> Lexed<'src> {
    let mut tokens: Vec<(Token<'src>, Span)> = Vec::with_capacity(text.len() / 4);
    let mut comments = Vec::new();
    let mut diags = Vec::new();
    // A byte order mark is invisible in editors; treat it as whitespace.
    let offset = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lexer = Token::lexer(&text[offset..]);
    let mut stray: Option<std::ops::Range<usize>> = None;

    while let Some(result) = lexer.next() {
        let range = lexer.span();
        let range = range.start + offset..range.end + offset;
        let slice = &text[range.clone()];
        if result != Err(LexError::UnexpectedChar) {
            if let Some(r) = stray.take() {
                flush_stray(file, text, r, &mut tokens, &mut diags);
            }
        }
        let span = Span::new(range.start, range.end);
        match result {
            Ok(Token::Comment(kind)) => comments.push(Comment {
                kind,
                text: slice.to_string(),
                span,
            }),
            Ok(token) => tokens.push((token, span)),
            Err(LexError::UnexpectedChar) => {
                stray = Some(match stray.take() {
                    Some(r) if r.end == range.start => r.start..range.end,
                    Some(r) => {
                        flush_stray(file, text, r, &mut tokens, &mut diags);
                        range
                    }
                    None => range,
                });
            }
            Err(LexError::UnterminatedString) => {
                // Closing brackets and commas at the end of the line were most likely meant
                // after the string (`from "shop.orders {`): lex them as tokens, so that one
                // missing quote does not also break the block structure.
                let prefix = if slice.starts_with("r\"") { 2 } else { 1 };
                let kept = slice[prefix..]
                    .trim_end_matches([' ', '\t', '{', '}', ')', ']', ','])
                    .len()
                    + prefix;
                let (string, tail) = slice.split_at(kept);
                let span = Span::new(range.start, range.start + kept);
                let token = if let Some(body) = string.strip_prefix("r\"") {
                    Token::RawStr(body)
                } else {
                    let body = &string[1..];
                    // A trailing backslash escaped the line break; it is part of the problem
                    // already reported, not a second one.
                    let body = body.strip_suffix('\\').unwrap_or(body);
                    Token::Str(unescape(body).0)
                };
                diags.push(
                    Diagnostic::new(
                        codes::E0002,
                        file.clone(),
                        span,
                        "unterminated string literal",
                    )
                    .with_primary_message("this string has no closing `\"`")
                    .with_help(
                        "close the string with `\"` on the same line; a string cannot span \
                             lines (write `\\n` for a line break)",
                    ),
                );
                tokens.push((token, span));
                for (i, c) in tail.char_indices() {
                    let at = range.start + kept + i;
                    let token = match c {
                        '{' => Token::LBrace,
                        '}' => Token::RBrace,
                        ')' => Token::RParen,
                        ']' => Token::RBracket,
                        ',' => Token::Comma,
                        _ => continue,
                    };
                    tokens.push((token, Span::new(at, at + 1)));
                }
            }
            Err(LexError::UnterminatedComment) => {
                let open = Span::new(range.start, range.start + 2);
                diags.push(
                    Diagnostic::new(
                        codes::E0003,
                        file.clone(),
                        open,
                        "unterminated block comment",
                    )
                    .with_primary_message("this `/*` is never closed")
                    .with_help("add `*/` where the comment ends")
                    .with_note("block comments nest: every `/*` inside needs its own `*/`"),
                );
                comments.push(Comment {
                    kind: CommentKind::Block,
                    text: slice.to_string(),
                    span,
                });
            }
            Err(LexError::InvalidEscape) => {
                let body = &slice[1..slice.len() - 1];
                let (value, problems) = unescape(body);
                report_escapes(file, range.start + 1, body, &problems, span, &mut diags);
                tokens.push((Token::Str(value), span));
            }
            Err(LexError::IntTooLarge) => {
                diags.push(
                    Diagnostic::new(
                        codes::E0006,
                        file.clone(),
                        span,
                        format!("integer `{}` is too large", shorten(slice)),
                    )
                    .with_primary_message("does not fit in a 64-bit integer")
                    .with_help(format!(
                        "integers range up to {}; write a decimal such as `{}.0` for larger values",
                        i64::MAX,
                        shorten(slice)
                    )),
                );
                tokens.push((Token::Int(slice), span));
            }
        }
    }
    if let Some(r) = stray.take() {
        flush_stray(file, text, r, &mut tokens, &mut diags);
    }
    (tokens, comments, diags)
}

/// Reports a run of stray characters once and leaves one [`Token::Error`] in their place.
fn flush_stray<'src>(
    file: &FileId,
    text: &'src str,
    range: std::ops::Range<usize>,
    tokens: &mut Vec<(Token<'src>, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let span = Span::new(range.start, range.end);
    let slice = &text[range];
    let shown: String = slice.chars().flat_map(visible).collect();
    let (message, plural) = if slice.chars().count() == 1 {
        (format!("unexpected character `{}`", shorten(&shown)), false)
    } else {
        (format!("unexpected characters `{}`", shorten(&shown)), true)
    };
    let mut diag = Diagnostic::new(codes::E0001, file.clone(), span, message).with_primary_message(
        if plural {
            "these start no token"
        } else {
            "this starts no token"
        },
    );
    if let Some(help) = stray_help(slice) {
        diag = diag.with_help(help);
    }
    if slice == ";" {
        diag = diag.with_replacement("remove the `;`", span, "");
    }
    diags.push(diag);
    tokens.push((Token::Error, span));
}

/// Shows invisible or control characters as `U+XXXX` so the message says what is there.
fn visible(c: char) -> Vec<char> {
    if c.is_control() || c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{feff}') {
        format!("U+{:04X}", c as u32).chars().collect()
    } else {
        vec![c]
    }
}

fn stray_help(slice: &str) -> Option<String> {
    let first = slice.chars().next()?;
    Some(
        match first {
            '!' => "negation is written `not x`; inequality is `!=`",
            '&' => "combine conditions with `and`",
            '\'' => "strings use double quotes: `\"…\"`",
            ';' => "c360 needs no `;` between items: remove it",
            '#' => "comments start with `//`",
            '?' => "a conditional is written `if CONDITION then A else B`",
            '$' | '^' | '`' | '\\' => "this character has no meaning outside a string",
            c if c.is_alphabetic() => "identifiers use ASCII letters, digits and `_` only",
            c if c.is_whitespace() || c.is_control() => {
                "remove this invisible character (it is not ordinary whitespace)"
            }
            _ => return None,
        }
        .to_string(),
    )
}

fn report_escapes(
    file: &FileId,
    body_start: usize,
    body: &str,
    problems: &[BadEscape],
    literal: Span,
    diags: &mut Vec<Diagnostic>,
) {
    // A string whose every backslash is a bad escape was almost surely meant as a raw string
    // (a regex such as `"\d+"`); offer the raw form when it means exactly what was typed.
    let all_bad = problems.len() == body.matches('\\').count();
    let raw_ok = all_bad && !body.contains('"');
    for problem in problems {
        let span = Span::new(
            body_start + problem.range.start,
            body_start + problem.range.end,
        );
        let written = &body[problem.range.clone()];
        let mut diag = Diagnostic::new(
            codes::E0004,
            file.clone(),
            span,
            format!("invalid escape sequence `{}`", shorten(written)),
        )
        .with_primary_message("unknown escape");
        if raw_ok {
            diag = diag
                .with_help(
                    "valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}`; for a regular \
                     expression use a raw string `r\"…\"`, where backslashes are literal",
                )
                .with_replacement("make it a raw string", literal, format!("r\"{body}\""));
        } else {
            diag = diag.with_help(
                "valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}` (1 to 6 hex digits); \
                 write `\\\\` for a backslash",
            );
        }
        diags.push(diag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Token<'_>> {
        let (tokens, _, diags) = lex(&FileId::new("t.c360"), text);
        assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
        tokens.into_iter().map(|(t, _)| t).collect()
    }

    fn codes_of(text: &str) -> Vec<&'static str> {
        let (_, _, diags) = lex(&FileId::new("t.c360"), text);
        diags.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn every_listed_keyword_is_reserved_and_near_misses_are_not() {
        for word in KEYWORDS {
            let lexed = toks(word);
            assert_eq!(lexed.len(), 1, "{word}");
            assert!(
                !matches!(lexed[0], Token::Ident(_)),
                "{word} lexed as a name"
            );
            let longer = format!("{word}_x");
            assert_eq!(toks(&longer), vec![Token::Ident(&longer)], "{longer}");
        }
    }

    #[test]
    fn keywords_units_and_identifiers() {
        assert_eq!(
            toks("id_type entity source from features training_set for labels test given"),
            vec![
                Token::IdType,
                Token::Entity,
                Token::Source,
                Token::From,
                Token::Features,
                Token::TrainingSet,
                Token::For,
                Token::Labels,
                Token::Test,
                Token::Given
            ]
        );
        assert_eq!(
            toks("expect where within and or not in is null true false if then else"),
            vec![
                Token::Expect,
                Token::Where,
                Token::Within,
                Token::And,
                Token::Or,
                Token::Not,
                Token::In,
                Token::Is,
                Token::Null,
                Token::True,
                Token::False,
                Token::If,
                Token::Then,
                Token::Else
            ]
        );
        assert_eq!(
            toks("day days hour hours minute minutes second seconds week weeks"),
            [
                DurationUnit::Days,
                DurationUnit::Days,
                DurationUnit::Hours,
                DurationUnit::Hours,
                DurationUnit::Minutes,
                DurationUnit::Minutes,
                DurationUnit::Seconds,
                DurationUnit::Seconds,
                DurationUnit::Weeks,
                DurationUnit::Weeks
            ]
            .map(Token::Unit)
        );
        assert_eq!(
            toks("days_ago _x x1 sourced r"),
            vec![
                Token::Ident("days_ago"),
                Token::Ident("_x"),
                Token::Ident("x1"),
                Token::Ident("sourced"),
                Token::Ident("r")
            ]
        );
    }

    #[test]
    fn numbers_and_punctuation() {
        assert_eq!(
            toks("42 10.5 007"),
            vec![Token::Int("42"), Token::Decimal("10.5"), Token::Int("007")]
        );
        assert_eq!(
            toks("{ } ( ) [ ] , : = == != < <= > >= ~ + - * / % | @ ."),
            vec![
                Token::LBrace,
                Token::RBrace,
                Token::LParen,
                Token::RParen,
                Token::LBracket,
                Token::RBracket,
                Token::Comma,
                Token::Colon,
                Token::Assign,
                Token::EqEq,
                Token::NotEq,
                Token::Lt,
                Token::Le,
                Token::Gt,
                Token::Ge,
                Token::Tilde,
                Token::Plus,
                Token::Minus,
                Token::Star,
                Token::Slash,
                Token::Percent,
                Token::Pipe,
                Token::At,
                Token::Dot
            ]
        );
        assert_eq!(toks("list<list<string>>").len(), 7);
    }

    #[test]
    fn strings_resolve_escapes() {
        assert_eq!(
            toks(r#""a\"b\\c\nd\te\u{1F600}""#),
            vec![Token::Str(Cow::Owned("a\"b\\c\nd\te\u{1F600}".to_string()))]
        );
        assert_eq!(toks(r#""plain""#), vec![Token::Str(Cow::Borrowed("plain"))]);
        assert_eq!(toks(r#"r"^[^@\s]+$""#), vec![Token::RawStr(r"^[^@\s]+$")]);
        assert_eq!(
            toks(r#""é ü 中""#),
            vec![Token::Str(Cow::Borrowed("é ü 中"))]
        );
    }

    #[test]
    fn comments_are_trivia() {
        let (tokens, comments, diags) = lex(
            &FileId::new("t.c360"),
            "// line\n/// doc\n//// not doc\n/* a /* nested */ b */ x",
        );
        assert!(diags.is_empty());
        assert_eq!(tokens, vec![(Token::Ident("x"), Span::new(52, 53))]);
        let kinds: Vec<_> = comments.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![
                CommentKind::Line,
                CommentKind::Doc,
                CommentKind::Line,
                CommentKind::Block
            ]
        );
        assert_eq!(comments[3].text, "/* a /* nested */ b */");
        assert_eq!(comments[1].text, "/// doc");
    }

    #[test]
    fn stray_characters_are_e0001_once_per_run() {
        let (tokens, _, diags) = lex(&FileId::new("t.c360"), "a $$ b ; c");
        assert_eq!(
            diags.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            vec!["E0001", "E0001"]
        );
        assert_eq!(diags[0].message, "unexpected characters `$$`");
        assert_eq!(diags[0].primary.span, Span::new(2, 4));
        assert!(diags[1].fix.is_some(), "a stray `;` offers its removal");
        assert_eq!(tokens[1], (Token::Error, Span::new(2, 4)));
        assert_eq!(tokens.len(), 5);
    }

    #[test]
    fn unterminated_string_is_e0002_and_still_a_string() {
        let (tokens, _, diags) = lex(&FileId::new("t.c360"), "x = \"abc\ny");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, codes::E0002);
        assert_eq!(diags[0].primary.span, Span::new(4, 8));
        assert_eq!(tokens[2].0, Token::Str(Cow::Borrowed("abc")));
        assert_eq!(tokens[3].0, Token::Ident("y"));
        assert_eq!(codes_of("r\"abc"), vec!["E0002"]);
        let (tokens, _, _) = lex(&FileId::new("t.c360"), "from \"shop.orders {\n");
        assert_eq!(
            tokens,
            vec![
                (Token::From, Span::new(0, 4)),
                (Token::Str(Cow::Borrowed("shop.orders")), Span::new(5, 17)),
                (Token::LBrace, Span::new(18, 19)),
            ]
        );
        assert_eq!(codes_of("\"abc\\"), vec!["E0002"]);
    }

    #[test]
    fn unterminated_block_comment_is_e0003() {
        let (tokens, comments, diags) = lex(&FileId::new("t.c360"), "x /* a /* b */ c");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, codes::E0003);
        assert_eq!(diags[0].primary.span, Span::new(2, 4));
        assert_eq!(tokens.len(), 1);
        assert_eq!(comments.len(), 1);
    }

    #[test]
    fn invalid_escape_is_e0004_and_still_a_string() {
        let (tokens, _, diags) = lex(&FileId::new("t.c360"), r#"x ~ "\d+\.com""#);
        assert_eq!(diags.len(), 2);
        assert!(diags.iter().all(|d| d.code == codes::E0004));
        assert_eq!(diags[0].primary.span, Span::new(5, 7));
        let fix = diags[0].fix.as_ref().expect("raw string fix");
        assert_eq!(fix.edits[0].replacement, r#"r"\d+\.com""#);
        assert_eq!(tokens[2].0, Token::Str(Cow::Borrowed(r"\d+\.com")));
        assert_eq!(codes_of(r#""\u{D800}""#), vec!["E0004"]);
        assert_eq!(codes_of(r#""\u{}""#), vec!["E0004"]);
        assert_eq!(codes_of(r#""\u12""#), vec!["E0004"]);
        let (_, _, diags) = lex(&FileId::new("t.c360"), r#""a\n\q""#);
        assert!(diags[0].fix.is_none(), "mixing valid escapes: no raw fix");
    }

    #[test]
    fn integer_out_of_range_is_e0006() {
        let (tokens, _, diags) = lex(
            &FileId::new("t.c360"),
            "9223372036854775808 9223372036854775807",
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, codes::E0006);
        assert_eq!(tokens[0].0, Token::Int("9223372036854775808"));
        assert_eq!(tokens[1].0, Token::Int("9223372036854775807"));
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "\0",
            "\r",
            "a\rb",
            "é",
            "\u{feff}x",
            "\"\u{0}\"",
            "/*",
            "/",
            "\"\\u{",
            "r\"",
            "\\",
            "\u{a0}",
            "1.",
            ".5",
            "\"\\u{10FFFF}\"",
            "\"\\u{110000}\"",
        ] {
            let (tokens, comments, diags) = lex(&FileId::new("t.c360"), text);
            for (_, span) in &tokens {
                assert!(text.is_char_boundary(span.start as usize));
                assert!(text.is_char_boundary(span.end as usize));
            }
            for c in &comments {
                assert!(c.span.end as usize <= text.len());
            }
            for d in &diags {
                assert!(d.primary.span.end as usize <= text.len());
            }
        }
        assert_eq!(toks("\u{feff}x"), vec![Token::Ident("x")]);
        assert_eq!(codes_of("a\u{a0}b"), vec!["E0001"]);
        assert_eq!(codes_of("\0"), vec!["E0001"]);
    }
}
