//! The chumsky parser: tokens in, AST and syntax diagnostics out.
//!
//! Recovery works at three levels, from the inside out:
//!
//! 1. A member value (a feature body, a property value) that does not parse, or that is
//!    followed by something that cannot start the next member, becomes [`ExprKind::Error`]:
//!    the member itself is kept, so other features referring to it do not fail too.
//! 2. A member whose head does not parse (`x orders | count()`) is skipped up to the next
//!    line that starts like a member (`NAME =`, `NAME:`, `@…`, `given`, …) or the closing brace.
//! 3. A declaration whose header does not parse becomes [`ItemKind::Error`] and is skipped up to
//!    the next declaration keyword.
//!
//! Skipping balances delimiters, and a stray character already reported by the lexer never
//! produces a second, parser error.

use std::fmt;

use c360_diagnostics::{codes, Code, Diagnostic, FileId, Span};
use chumsky::error::{RichPattern, RichReason};
use chumsky::input::{Stream, ValueInput};
use chumsky::label::LabelError;
use chumsky::prelude::*;

use crate::ast::*;
use crate::token::Token;

/// Deeper nesting of brackets than this is rejected before parsing, so that neither the parser
/// nor later passes over the tree can run out of stack.
pub const MAX_NESTING: usize = 128;

/// The payload of a parser error we raise ourselves (as opposed to chumsky's expected/found).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Msg {
    code: Code,
    message: String,
    label: String,
    help: Option<String>,
    fix: Option<(String, Span, String)>,
}

impl Msg {
    fn new(code: Code, message: impl Into<String>) -> Self {
        Msg {
            code,
            message: message.into(),
            label: String::new(),
            help: None,
            fix: None,
        }
    }

    fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn fix(
        mut self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fix = Some((message.into(), span, replacement.into()));
        self
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The error type of the reporting pass.
type PError<'s> = Rich<'s, Token<'s>, SimpleSpan, Msg>;

/// The token inputs the parser accepts (a chumsky stream of c360 tokens).
pub(crate) trait TokenInput<'s>:
    ValueInput<'s, Token = Token<'s>, Span = SimpleSpan>
{
}
impl<'s, T> TokenInput<'s> for T where T: ValueInput<'s, Token = Token<'s>, Span = SimpleSpan> {}

/// Errors that can carry our own messages. The parser runs first with [`EmptyErr`], which
/// costs nothing, and again with [`Rich`] errors only when the file has a syntax error.
pub(crate) trait MakeCustom: Sized {
    /// An error with our message at `span`.
    fn custom(span: SimpleSpan, msg: Msg) -> Self;
}

impl<'s> MakeCustom for PError<'s> {
    fn custom(span: SimpleSpan, msg: Msg) -> Self {
        Rich::custom(span, msg)
    }
}

impl MakeCustom for EmptyErr {
    fn custom(_: SimpleSpan, _: Msg) -> Self {
        EmptyErr::default()
    }
}

/// The error types the grammar is generic over.
pub(crate) trait PErr<'s, I: TokenInput<'s>>:
    chumsky::error::Error<'s, I> + LabelError<'s, I, &'static str> + MakeCustom + 's
{
}
impl<'s, I: TokenInput<'s>, T> PErr<'s, I> for T where
    T: chumsky::error::Error<'s, I> + LabelError<'s, I, &'static str> + MakeCustom + 's
{
}

/// Converts a chumsky span. Spans of empty matches can come out inverted (from the start of
/// the next token to the end of the previous one); they become empty spans after the previous
/// token.
fn sp(span: SimpleSpan) -> Span {
    if span.start <= span.end {
        Span::new(span.start, span.end)
    } else {
        Span::empty(span.end)
    }
}

fn custom_err<E: MakeCustom>(span: SimpleSpan, msg: Msg) -> E {
    E::custom(span, msg)
}

/// An error that names nothing: used by lookahead checks so that they add no noise to the
/// expected/found error of the parsers around them.
fn silent_err<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    found: Option<Token<'s>>,
    span: SimpleSpan,
) -> E {
    <E as LabelError<'s, I, &'static str>>::expected_found(
        std::iter::empty::<&'static str>(),
        found.map(Into::into),
        span,
    )
}

fn labelled_err<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    label: &'static str,
    found: Option<Token<'s>>,
    span: SimpleSpan,
) -> E {
    <E as LabelError<'s, I, &'static str>>::expected_found([label], found.map(Into::into), span)
}

// ---------------------------------------------------------------------------------------------
// Lookahead helpers for recovery
// ---------------------------------------------------------------------------------------------

type Peeked<'s> = [Option<(Token<'s>, SimpleSpan)>; 2];

/// The next two tokens, without consuming them.
fn peek2<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    inp: &mut chumsky::input::InputRef<'s, '_, I, extra::Err<E>>,
) -> Peeked<'s> {
    let checkpoint = inp.save();
    let mut out: Peeked<'s> = [None, None];
    for slot in &mut out {
        let before = inp.cursor();
        match inp.next() {
            Some(tok) => *slot = Some((tok, inp.span_since(&before))),
            None => break,
        }
    }
    inp.rewind(checkpoint);
    out
}

/// True when `offset` is preceded on its line only by whitespace.
fn at_line_start(text: &str, offset: usize) -> bool {
    let before = text.get(..offset).unwrap_or("");
    for c in before.chars().rev() {
        match c {
            '\n' | '\r' => return true,
            ' ' | '\t' | '\u{c}' | '\u{feff}' => continue,
            _ => return false,
        }
    }
    true
}

/// `id_type NAME`, `entity NAME`, `source NAME`, `features NAME`, `training_set NAME`,
/// `test "…"`: tokens that can only start a declaration.
fn is_decl_start(la: &Peeked<'_>) -> bool {
    let second = la[1].as_ref().map(|(t, _)| t);
    match la[0].as_ref().map(|(t, _)| t) {
        Some(
            Token::IdType | Token::Entity | Token::Source | Token::Features | Token::TrainingSet,
        ) => {
            matches!(second, Some(Token::Ident(_)))
        }
        Some(Token::Test) => matches!(second, Some(Token::Str(_) | Token::RawStr(_))),
        _ => false,
    }
}

/// Keywords (unit words included), which may still stand where a name is unambiguous:
/// they are reported, then accepted.
fn keyword_text(token: &Token<'_>) -> Option<&'static str> {
    token.keyword()
}

/// Something that starts a member of a block: `NAME =`, `NAME:`, `@…`, `given`, `expect`,
/// `labels`.
fn is_member_start(la: &Peeked<'_>) -> bool {
    let second = la[1].as_ref().map(|(t, _)| t);
    match la[0].as_ref().map(|(t, _)| t) {
        Some(Token::At | Token::Given | Token::Expect | Token::Labels) => true,
        Some(Token::Ident(_)) => matches!(second, Some(Token::Assign | Token::Colon)),
        Some(tok) if keyword_text(tok).is_some() => {
            matches!(second, Some(Token::Assign | Token::Colon))
        }
        _ => false,
    }
}

/// A line that starts like a member, possibly with a typo in its head: a member start, or a
/// name followed by `==` or another name (`valid == …`, `email string`, `b orders | …`).
fn looks_like_member_head(la: &Peeked<'_>) -> bool {
    let second = la[1].as_ref().map(|(t, _)| t);
    is_member_start(la)
        || (matches!(la[0], Some((Token::Ident(_), _)))
            && matches!(second, Some(Token::EqEq | Token::Ident(_))))
}

/// What may follow a complete member: another member, the closing brace, a declaration or
/// the end of the file.
fn is_member_boundary(la: &Peeked<'_>) -> bool {
    match &la[0] {
        None => true,
        // Stray characters were reported by the lexer; the member before them is complete.
        Some((Token::RBrace | Token::Error, _)) => true,
        Some(_) => is_member_start(la) || is_decl_start(la),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SkipMode {
    /// Skip a broken declaration: at least one token, up to the next declaration.
    Item,
    /// Skip a broken member: at least one token, up to the next member or `}`.
    Member,
    /// Skip the rest of a broken value: possibly nothing, up to the next member or `}`.
    Value,
}

/// Skips tokens for recovery, balancing delimiters. It refuses (fails) where skipping would
/// not make progress, which ends the surrounding repetition.
fn skip<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    text: &'s str,
    mode: SkipMode,
) -> impl Parser<'s, I, (), extra::Err<E>> + Clone {
    custom(move |inp| {
        let first = peek2(inp);
        let refuse = match (&first[0], mode) {
            (None, SkipMode::Item | SkipMode::Member) => true,
            (Some((Token::RBrace, _)), SkipMode::Member) => true,
            (Some(_), SkipMode::Member) => is_decl_start(&first),
            _ => false,
        };
        if refuse {
            let (found, span) = match &first[0] {
                Some((t, s)) => (Some(t.clone()), *s),
                None => (None, inp.span_since(&inp.cursor())),
            };
            return Err(silent_err::<I, E>(found, span));
        }
        let mut stack: Vec<Token<'s>> = Vec::new();
        let mut consumed = 0usize;
        // Skipping a declaration that starts with annotations: its own keyword comes later
        // and must not stop the skip.
        let mut own_keyword_pending =
            mode == SkipMode::Item && matches!(first[0], Some((Token::At, _)));
        loop {
            let la = peek2(inp);
            let Some((tok, span)) = &la[0] else { break };
            if consumed > 0 || mode == SkipMode::Value {
                if is_decl_start(&la) && !(own_keyword_pending && stack.is_empty()) {
                    break;
                }
                let line_start = at_line_start(text, span.start);
                match mode {
                    SkipMode::Item => {
                        let decl_keyword = matches!(
                            tok,
                            Token::IdType
                                | Token::Entity
                                | Token::Source
                                | Token::Features
                                | Token::TrainingSet
                                | Token::Test
                        );
                        // `features = […]` in a training set is a member, not a declaration.
                        let member = matches!(la[1], Some((Token::Assign | Token::Colon, _)));
                        if decl_keyword && own_keyword_pending && stack.is_empty() {
                            own_keyword_pending = false;
                        } else if line_start
                            && ((decl_keyword && !member)
                                || (stack.is_empty() && *tok == Token::At))
                        {
                            break;
                        }
                    }
                    SkipMode::Member | SkipMode::Value => {
                        if stack.is_empty() && *tok == Token::RBrace {
                            break;
                        }
                        // Inside an unclosed `(` or `[`, a new line starting like a member
                        // means the delimiter was never closed.
                        let open_paren =
                            matches!(stack.last(), None | Some(Token::LParen | Token::LBracket));
                        if open_paren && line_start && looks_like_member_head(&la) {
                            break;
                        }
                    }
                }
            }
            match tok {
                Token::LBrace | Token::LParen | Token::LBracket => stack.push(tok.clone()),
                Token::RBrace | Token::RParen | Token::RBracket => {
                    let opener = match tok {
                        Token::RBrace => Token::LBrace,
                        Token::RParen => Token::LParen,
                        _ => Token::LBracket,
                    };
                    match stack.iter().rposition(|t| *t == opener) {
                        // Closes the innermost matching bracket, and any left open inside it.
                        Some(at) => stack.truncate(at),
                        // A `}` that closes nothing here closes the enclosing block.
                        None if *tok == Token::RBrace && mode != SkipMode::Item => break,
                        // A stray `)` or `]`: part of the junk.
                        None => {}
                    }
                }
                _ => {}
            }
            inp.next();
            consumed += 1;
        }
        Ok(())
    })
}

/// Succeeds, consuming nothing, when the next tokens may follow a complete member: the start
/// of another member or, on a new line, a name (a broken member head, reported on its own).
fn boundary<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    text: &'s str,
) -> impl Parser<'s, I, (), extra::Err<E>> + Clone {
    custom(move |inp| {
        let la = peek2(inp);
        let new_line_name = match &la[0] {
            Some((tok, span)) => {
                (matches!(tok, Token::Ident(_)) || keyword_text(tok).is_some())
                    && at_line_start(text, span.start)
            }
            None => false,
        };
        if new_line_name || is_member_boundary(&la) {
            Ok(())
        } else {
            let (found, span) = match &la[0] {
                Some((t, s)) => (Some(t.clone()), *s),
                None => (None, inp.span_since(&inp.cursor())),
            };
            Err(silent_err::<I, E>(found, span))
        }
    })
}

/// Fails when a value is missing: the next line already starts the next member.
fn value_present<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    text: &'s str,
) -> impl Parser<'s, I, (), extra::Err<E>> + Clone {
    custom(move |inp| {
        let la = peek2(inp);
        let missing = match &la[0] {
            None | Some((Token::RBrace, _)) => true,
            Some((_, span)) => {
                is_decl_start(&la) || (at_line_start(text, span.start) && is_member_start(&la))
            }
        };
        if missing {
            let (found, span) = match &la[0] {
                Some((t, s)) => (Some(t.clone()), *s),
                None => (None, inp.span_since(&inp.cursor())),
            };
            Err(labelled_err::<I, E>("expression", found, span))
        } else {
            Ok(())
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The grammar
// ---------------------------------------------------------------------------------------------

fn ident<'s, I: TokenInput<'s>, E: PErr<'s, I>>() -> impl Parser<'s, I, Ident, extra::Err<E>> + Clone
{
    select! { Token::Ident(name) = e => Ident { name: name.to_string(), span: sp(e.span()) } }
        .labelled("identifier")
}

/// A name where a keyword would be unambiguous (it is followed by one of `next`): the keyword
/// is accepted with an error, so the declaration or member is not lost.
fn name<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    text: &'s str,
    next: &'static [Token<'static>],
    help: fn(&str) -> String,
) -> impl Parser<'s, I, Ident, extra::Err<E>> + Clone {
    let keyword = select! {
        tok = e if keyword_text(&tok).is_some() => {
            let span: SimpleSpan = e.span();
            Ident {
                name: text.get(span.into_range()).unwrap_or_default().to_string(),
                span: sp(span),
            }
        }
    }
    .then_ignore(
        any()
            .filter(move |t: &Token<'s>| next.iter().any(|n| n == t))
            .rewind(),
    )
    .validate(move |id: Ident, e, emitter| {
        emitter.emit(custom_err(
            e.span(),
            Msg::new(
                codes::E0005,
                format!(
                    "`{}` is a reserved keyword and cannot be used as a name",
                    id.name
                ),
            )
            .label("reserved keyword")
            .help(help(&id.name)),
        ));
        id
    });
    ident().or(keyword)
}

const MEMBER_NEXT: &[Token<'static>] = &[Token::Assign, Token::Colon];
const DECL_NEXT: &[Token<'static>] = &[Token::LBrace, Token::From, Token::For];
fn name_help(_word: &str) -> String {
    "choose another name; reserved words cannot name anything".to_string()
}

fn column_help(word: &str) -> String {
    format!(
        "rename the column and keep the warehouse name with `@column`, e.g. \
         `{word}_: TYPE @column(\"{word}\")`"
    )
}

fn string_lit<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
) -> impl Parser<'s, I, StrLit, extra::Err<E>> + Clone {
    select! {
        Token::Str(value) = e => StrLit { value: value.into_owned(), raw: false, span: sp(e.span()) },
        Token::RawStr(value) = e => StrLit { value: value.to_string(), raw: true, span: sp(e.span()) },
    }
    .labelled("string")
}

/// An expression under construction, with the depth of its tree. No tree deeper than
/// [`MAX_EXPR_DEPTH`] is ever built, so dropping, cloning or walking one cannot overflow the
/// stack, in this crate or in the stages after it.
#[derive(Clone)]
struct DExpr {
    expr: Expr,
    depth: u32,
}

/// Expressions nested deeper than this are replaced by [`ExprKind::Error`] with one error.
pub const MAX_EXPR_DEPTH: u32 = 256;

impl DExpr {
    fn leaf(kind: ExprKind, span: Span) -> DExpr {
        DExpr {
            expr: Expr { kind, span },
            depth: 1,
        }
    }

    /// A node over children of the given depth; too deep a node becomes a "poisoned" error
    /// (depth exactly [`MAX_EXPR_DEPTH`]) so that the one error is reported only once.
    fn node<E: MakeCustom>(
        kind: ExprKind,
        span: Span,
        child_depth: u32,
        emit: &mut dyn FnMut(E),
    ) -> DExpr {
        let depth = child_depth.saturating_add(1);
        if depth <= MAX_EXPR_DEPTH {
            return DExpr {
                expr: Expr { kind, span },
                depth,
            };
        }
        if child_depth == MAX_EXPR_DEPTH && !contains_poison(&kind) {
            // The children are at the limit but none is already poisoned: first overflow.
            emit(custom_err(
                SimpleSpan::from(span.range()),
                Msg::new(
                    codes::E0005,
                    format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
                )
                .label("too deep")
                .help("split it into several features"),
            ));
        }
        DExpr {
            expr: Expr {
                kind: ExprKind::Error,
                span,
            },
            depth: MAX_EXPR_DEPTH,
        }
    }
}

/// Whether a child of this node is an error that already reported the depth overflow. Only
/// errors replacing too-deep trees end up as direct children of a node at the limit.
fn contains_poison(kind: &ExprKind) -> bool {
    let is_err = |e: &Expr| matches!(e.kind, ExprKind::Error);
    match kind {
        ExprKind::Unary { expr, .. } | ExprKind::IsNull { expr, .. } | ExprKind::Paren(expr) => {
            is_err(expr)
        }
        ExprKind::Binary { lhs, rhs, .. } => is_err(lhs) || is_err(rhs),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => is_err(cond) || is_err(then) || is_err(otherwise),
        ExprKind::List(items) | ExprKind::Call { args: items, .. } => items.iter().any(is_err),
        ExprKind::Pipeline(p) => p.steps.iter().any(|s| match &s.kind {
            StepKind::Where(e) | StepKind::Within(e) => is_err(e),
            StepKind::Aggregate { args, .. } => args.iter().any(is_err),
            StepKind::Error => false,
        }),
        _ => false,
    }
}

fn max_depth(items: &[DExpr]) -> u32 {
    items.iter().map(|d| d.depth).max().unwrap_or(0)
}

fn strip(items: Vec<DExpr>) -> Vec<Expr> {
    items.into_iter().map(|d| d.expr).collect()
}

fn binary<E: MakeCustom>(op: BinaryOp, lhs: DExpr, rhs: DExpr, emit: &mut dyn FnMut(E)) -> DExpr {
    let span = lhs.expr.span.to(rhs.expr.span);
    let depth = lhs.depth.max(rhs.depth);
    DExpr::node(
        ExprKind::Binary {
            op,
            lhs: Box::new(lhs.expr),
            rhs: Box::new(rhs.expr),
        },
        span,
        depth,
        emit,
    )
}

fn error_expr(span: SimpleSpan) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span: sp(span),
    }
}

/// How a duration with a decimal amount could be written with whole units, e.g. `1.5 days`
/// is `36 hours`.
fn whole_duration(amount: &str, unit: DurationUnit) -> Option<String> {
    let (int_part, frac_part) = amount.split_once('.')?;
    let digits = format!("{int_part}{frac_part}");
    let value: u128 = digits.parse().ok()?;
    let scale = 10u128.checked_pow(u32::try_from(frac_part.len()).ok()?)?;
    let seconds = value.checked_mul(u128::try_from(unit.seconds()).ok()?)?;
    for smaller in [
        DurationUnit::Weeks,
        DurationUnit::Days,
        DurationUnit::Hours,
        DurationUnit::Minutes,
        DurationUnit::Seconds,
    ] {
        let per = u128::try_from(smaller.seconds()).ok()?.checked_mul(scale)?;
        if smaller.seconds() <= unit.seconds() && seconds % per == 0 {
            let n = seconds / per;
            let n64 = u64::try_from(n).ok()?;
            return Some(format!("{n} {}", smaller.keyword(n64)));
        }
    }
    None
}

/// Plain expressions (no pipeline at the top), given the parser of pipelines-or-expressions
/// used inside parentheses and call arguments.
fn expression<'s, I, E, P>(
    text: &'s str,
    pipe: P,
) -> impl Parser<'s, I, DExpr, extra::Err<E>> + Clone
where
    I: TokenInput<'s>,
    E: PErr<'s, I>,
    P: Parser<'s, I, DExpr, extra::Err<E>> + Clone + 's,
{
    recursive(move |expr| {
        let args = pipe
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LParen), just(Token::RParen));

        let literal = select! {
            Token::Int(s) => ExprKind::Int(s.to_string()),
            Token::Decimal(s) => ExprKind::Decimal(s.to_string()),
            Token::Str(value) = e => ExprKind::Str(StrLit { value: value.into_owned(), raw: false, span: sp(e.span()) }),
            Token::RawStr(value) = e => ExprKind::Str(StrLit { value: value.to_string(), raw: true, span: sp(e.span()) }),
            Token::True => ExprKind::Bool(true),
            Token::False => ExprKind::Bool(false),
            Token::Null => ExprKind::Null,
            // Already reported by the lexer; standing in for the value keeps the tree whole.
            Token::Error => ExprKind::Error,
        }
        .map_with(|kind, e| DExpr::leaf(kind, sp(e.span())));

        enum Suffix {
            Call(Vec<DExpr>),
            Path(Ident),
        }
        let name_like = ident()
            .then(
                args.clone()
                    .map(Suffix::Call)
                    .or(just(Token::Dot).ignore_then(ident()).map(Suffix::Path))
                    .or_not(),
            )
            .map_with(|(id, suffix), e| {
                let span = sp(e.span());
                match suffix {
                    None => DExpr::leaf(ExprKind::Name(id), span),
                    Some(Suffix::Path(name)) => DExpr::leaf(
                        ExprKind::Path {
                            qualifier: id,
                            name,
                        },
                        span,
                    ),
                    Some(Suffix::Call(args)) => {
                        let depth = max_depth(&args);
                        let kind = ExprKind::Call {
                            func: id,
                            args: strip(args),
                        };
                        DExpr::node(kind, span, depth, &mut |err| e.emit(err))
                    }
                }
            });

        // `days(d)`, `hours(d)`, …: unit words double as conversion functions.
        let unit_call = select! {
            Token::Unit(_) = e => {
                let span: SimpleSpan = e.span();
                Ident {
                    name: text.get(span.into_range()).unwrap_or_default().to_string(),
                    span: sp(span),
                }
            }
        }
        .then(args.clone())
        .map_with(|(func, args), e| {
            let depth = max_depth(&args);
            let kind = ExprKind::Call {
                func,
                args: strip(args),
            };
            DExpr::node(kind, sp(e.span()), depth, &mut |err| e.emit(err))
        });

        let paren = pipe
            .clone()
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map_with(|inner: DExpr, e| {
                let depth = inner.depth;
                DExpr::node(
                    ExprKind::Paren(Box::new(inner.expr)),
                    sp(e.span()),
                    depth,
                    &mut |err| e.emit(err),
                )
            });

        let list = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map_with(|items: Vec<DExpr>, e| {
                let depth = max_depth(&items);
                DExpr::node(
                    ExprKind::List(strip(items)),
                    sp(e.span()),
                    depth,
                    &mut |err| e.emit(err),
                )
            });

        let if_ = just(Token::If)
            .ignore_then(expr.clone())
            .then_ignore(just(Token::Then))
            .then(expr.clone())
            .then_ignore(just(Token::Else))
            .then(expr.clone())
            .map_with(|((cond, then), otherwise): ((DExpr, DExpr), DExpr), e| {
                let depth = cond.depth.max(then.depth).max(otherwise.depth);
                let kind = ExprKind::If {
                    cond: Box::new(cond.expr),
                    then: Box::new(then.expr),
                    otherwise: Box::new(otherwise.expr),
                };
                DExpr::node(kind, sp(e.span()), depth, &mut |err| e.emit(err))
            });

        let atom = choice((name_like, literal, paren, list, if_, unit_call)).boxed();

        // `INT UNIT` is a duration; a unit after anything else is E0007.
        let unit = select! { Token::Unit(u) = e => (u, e.span()) };
        let postfix =
            atom.then(unit.or_not())
                .validate(move |(atom, unit): (DExpr, _), e, emitter| {
                    let Some((unit, unit_span)) = unit else {
                        return atom;
                    };
                    let span = sp(e.span());
                    let unit_text = text.get(unit_span.into_range()).unwrap_or_default();
                    match atom.expr.kind {
                        ExprKind::Int(amount) => {
                            DExpr::leaf(ExprKind::Duration { amount, unit }, span)
                        }
                        ExprKind::Decimal(amount) => {
                            let mut msg = Msg::new(
                                codes::E0007,
                                format!("a duration takes a whole number of units, not `{amount}`"),
                            )
                            .label("decimal amount");
                            match whole_duration(&amount, unit) {
                                Some(whole) => {
                                    msg = msg.help(format!("write `{whole}`")).fix(
                                        format!("replace with `{whole}`"),
                                        span,
                                        whole,
                                    );
                                }
                                None => {
                                    msg = msg.help(format!(
                                        "use a whole number of a smaller unit (`90 minutes`, not \
                                     `1.5 hours`) instead of `{amount} {unit_text}`"
                                    ))
                                }
                            }
                            emitter.emit(custom_err(e.span(), msg));
                            DExpr::leaf(ExprKind::Error, span)
                        }
                        ExprKind::Error => DExpr::leaf(ExprKind::Error, span),
                        _ => {
                            emitter.emit(custom_err(
                                unit_span,
                                Msg::new(
                                    codes::E0007,
                                    format!(
                                        "`{unit_text}` must follow a whole-number literal such as \
                                     `7 {unit_text}`"
                                    ),
                                )
                                .label("duration unit after an expression")
                                .help(format!(
                                    "to scale a duration, multiply it: `n * 1 {}`",
                                    unit.keyword(1)
                                )),
                            ));
                            DExpr::leaf(ExprKind::Error, span)
                        }
                    }
                });

        // Operators are parsed flat (`operand (op operand)*`, one token test per position)
        // and the tree is built afterwards by precedence climbing: much cheaper than one
        // parser per precedence level.
        let prefix = select! {
            Token::Not => UnaryOp::Not,
            Token::Minus => UnaryOp::Neg,
        }
        .map_with(|op, e| (op, e.span()));
        let operand = prefix
            .repeated()
            .collect::<Vec<_>>()
            .then(postfix)
            .labelled("expression");
        let infix = select! {
            Token::Or => BinaryOp::Or,
            Token::And => BinaryOp::And,
            Token::EqEq => BinaryOp::Eq,
            Token::NotEq => BinaryOp::Ne,
            Token::Lt => BinaryOp::Lt,
            Token::Le => BinaryOp::Le,
            Token::Gt => BinaryOp::Gt,
            Token::Ge => BinaryOp::Ge,
            Token::Tilde => BinaryOp::Match,
            Token::In => BinaryOp::In,
            Token::Plus => BinaryOp::Add,
            Token::Minus => BinaryOp::Sub,
            Token::Star => BinaryOp::Mul,
            Token::Slash => BinaryOp::Div,
            Token::Percent => BinaryOp::Rem,
        }
        .labelled("operator")
        .map_with(|op, e| (op, e.span()));
        let tail = choice((
            infix
                .then(operand.clone())
                .map(|((op, span), (prefixes, rhs))| Tail::Infix(op, span, prefixes, rhs)),
            just(Token::Is)
                .ignore_then(just(Token::Not).or_not())
                .then_ignore(just(Token::Null))
                .map_with(|not, e| Tail::IsNull(not.is_some(), e.span())),
        ));
        operand
            .then(tail.repeated().collect::<Vec<_>>())
            .validate(|((prefixes, first), tails), _, emitter| {
                if prefixes.is_empty() && tails.is_empty() {
                    return first;
                }
                let mut elems = Vec::with_capacity(prefixes.len() + 1 + tails.len() * 2);
                elems.extend(prefixes.into_iter().map(|(op, s)| Elem::Prefix(op, s)));
                elems.push(Elem::Operand(first));
                for tail in tails {
                    match tail {
                        Tail::Infix(op, span, prefixes, rhs) => {
                            elems.push(Elem::Infix(op, span));
                            elems.extend(prefixes.into_iter().map(|(op, s)| Elem::Prefix(op, s)));
                            elems.push(Elem::Operand(rhs));
                        }
                        Tail::IsNull(negated, span) => elems.push(Elem::IsNull(negated, span)),
                    }
                }
                let mut climber = Climber {
                    elems: elems.into_iter().peekable(),
                    emit: &mut |err| emitter.emit(err),
                };
                climber.expr(0)
            })
            .boxed()
    })
}

/// The pieces of a flat operator chain, in source order.
enum Elem {
    Prefix(UnaryOp, SimpleSpan),
    Operand(DExpr),
    Infix(BinaryOp, SimpleSpan),
    IsNull(bool, SimpleSpan),
}

/// What follows the first operand of a chain.
enum Tail {
    Infix(BinaryOp, SimpleSpan, Vec<(UnaryOp, SimpleSpan)>, DExpr),
    IsNull(bool, SimpleSpan),
}

/// Binding powers, loosest first (spec §4.2). Comparisons do not associate.
const BP_OR: u8 = 1;
const BP_AND: u8 = 2;
const BP_NOT: u8 = 3;
const BP_CMP: u8 = 4;
const BP_ADD: u8 = 5;
const BP_MUL: u8 = 6;
const BP_NEG: u8 = 7;

fn infix_power(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => BP_OR,
        BinaryOp::And => BP_AND,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::Match
        | BinaryOp::In => BP_CMP,
        BinaryOp::Add | BinaryOp::Sub => BP_ADD,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => BP_MUL,
    }
}

/// Builds the tree of a flat chain by precedence climbing. Recursion only happens for right
/// operands, whose minimum power strictly grows, so its depth is bounded by the number of
/// precedence levels whatever the input.
struct Climber<'a, E, It: Iterator<Item = Elem>> {
    elems: std::iter::Peekable<It>,
    emit: &'a mut dyn FnMut(E),
}

impl<E: MakeCustom, It: Iterator<Item = Elem>> Climber<'_, E, It> {
    fn expr(&mut self, min_power: u8) -> DExpr {
        // A run of prefix operators, applied innermost first once their operands are known.
        let mut prefixes = Vec::new();
        let mut lhs = loop {
            match self.elems.next() {
                Some(Elem::Prefix(op, span)) => prefixes.push((op, span)),
                Some(Elem::Operand(d)) => break d,
                // The chain parser always puts an operand after prefixes and operators.
                _ => return DExpr::leaf(ExprKind::Error, Span::default()),
            }
        };
        for (i, &(op, span)) in prefixes.iter().enumerate().rev() {
            let power = match op {
                UnaryOp::Neg => BP_NEG,
                UnaryOp::Not => BP_NOT,
            };
            lhs = self.infix_loop(lhs, power + 1);
            // `not` may start an operand only where `not_expr` is allowed: at the looser
            // levels, or right after another `not`.
            let allowed = match i.checked_sub(1).and_then(|p| prefixes.get(p)) {
                None => min_power <= BP_NOT,
                Some((before, _)) => *before == UnaryOp::Not,
            };
            if op == UnaryOp::Not && !allowed {
                (self.emit)(custom_err(
                    span,
                    Msg::new(
                        codes::E0005,
                        "`not` binds more loosely than the operator before it",
                    )
                    .label("`not` here")
                    .help("put the negation in parentheses: `a == (not b)`"),
                ));
                // Reported once; an error node keeps the checker from judging a guess.
                lhs = DExpr::leaf(ExprKind::Error, sp(span).to(lhs.expr.span));
                continue;
            }
            let full = sp(span).to(lhs.expr.span);
            let depth = lhs.depth;
            let kind = ExprKind::Unary {
                op,
                expr: Box::new(lhs.expr),
            };
            lhs = DExpr::node(kind, full, depth, self.emit);
        }
        self.infix_loop(lhs, min_power)
    }

    fn infix_loop(&mut self, mut lhs: DExpr, min_power: u8) -> DExpr {
        // Whether `lhs` is a comparison made in this loop: a second one is a chain.
        let mut compared = false;
        loop {
            let (power, is_cmp) = match self.elems.peek() {
                Some(Elem::Infix(op, _)) => (infix_power(*op), infix_power(*op) == BP_CMP),
                Some(Elem::IsNull(..)) => (BP_CMP, true),
                _ => break,
            };
            if power < min_power {
                break;
            }
            let elem = self.elems.next();
            let chained = is_cmp && compared;
            if chained {
                let span = match &elem {
                    Some(Elem::Infix(_, span) | Elem::IsNull(_, span)) => *span,
                    _ => SimpleSpan::from(lhs.expr.span.range()),
                };
                (self.emit)(custom_err(
                    span,
                    Msg::new(codes::E0005, "comparisons cannot be chained")
                        .label("second comparison")
                        .help(
                            "compare two values at a time and combine the results with `and`, \
                             e.g. `a < b and b < c`",
                        ),
                ));
            }
            compared = is_cmp;
            lhs = match elem {
                Some(Elem::Infix(op, _)) => {
                    let rhs = self.expr(power + 1);
                    binary(op, lhs, rhs, self.emit)
                }
                Some(Elem::IsNull(negated, span)) => {
                    let full = lhs.expr.span.to(sp(span));
                    let depth = lhs.depth;
                    let kind = ExprKind::IsNull {
                        expr: Box::new(lhs.expr),
                        negated,
                    };
                    DExpr::node(kind, full, depth, self.emit)
                }
                _ => lhs,
            };
            if chained {
                // The chain means nothing; checking it would only add a second error.
                lhs = DExpr::leaf(ExprKind::Error, lhs.expr.span);
            }
        }
        lhs
    }
}

/// Expressions that may be pipelines: `SOURCE | step | … | aggregate`.
fn pipeline_expression<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    text: &'s str,
) -> impl Parser<'s, I, DExpr, extra::Err<E>> + Clone {
    recursive(move |pipe| {
        let expr = expression(text, pipe.clone());
        let args = pipe
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LParen), just(Token::RParen));
        let step = choice((
            just(Token::Where)
                .ignore_then(expr.clone())
                .map(|d: DExpr| (d.depth, StepKind::Where(d.expr))),
            just(Token::Within)
                .ignore_then(expr.clone())
                .map(|d: DExpr| (d.depth, StepKind::Within(d.expr))),
            ident().then(args).map(|(func, args): (Ident, Vec<DExpr>)| {
                (
                    max_depth(&args),
                    StepKind::Aggregate {
                        func,
                        args: strip(args),
                    },
                )
            }),
        ))
        .map_with(|(depth, kind), e| {
            (
                depth,
                Step {
                    kind,
                    span: sp(e.span()),
                },
            )
        })
        .labelled("pipeline step")
        .as_context();

        expr.then(
            just(Token::Pipe)
                .ignore_then(step)
                .repeated()
                .collect::<Vec<_>>(),
        )
        .validate(
            move |(head, steps): (DExpr, Vec<(u32, Step)>), e, emitter| {
                if steps.is_empty() {
                    return head;
                }
                let span = sp(e.span());
                let depth = steps.iter().map(|(d, _)| *d).max().unwrap_or(0);
                let steps: Vec<Step> = steps.into_iter().map(|(_, s)| s).collect();
                match head.expr.kind {
                    ExprKind::Name(source) => DExpr::node(
                        ExprKind::Pipeline(Pipeline { source, steps }),
                        span,
                        depth,
                        &mut |err| emitter.emit(err),
                    ),
                    ExprKind::Error => DExpr::leaf(ExprKind::Error, span),
                    _ => {
                        let head_span = head.expr.span;
                        let head_text = text.get(head_span.range()).unwrap_or_default();
                        emitter.emit(custom_err(
                        SimpleSpan::from(head_span.range()),
                        Msg::new(
                            codes::E0210,
                            format!(
                                "a pipeline starts with the name of a source, not `{}`",
                                shorten(head_text)
                            ),
                        )
                        .label("not a source name")
                        .help(
                            "write the source first, e.g. `orders | where … | count()`; to use a \
                             pipeline inside a larger expression, parenthesise it",
                        ),
                    ));
                        DExpr::leaf(ExprKind::Error, span)
                    }
                }
            },
        )
        .boxed()
    })
}

fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// The members of a `{ … }` block and whether it was closed.
struct Block<O> {
    members: Vec<O>,
    open: SimpleSpan,
    closed: bool,
}

impl<O> Block<O> {
    /// Reports a missing `}` at the opening brace, naming the declaration (`entity `customer``).
    fn check_closed<E: MakeCustom>(
        self,
        what: impl FnOnce() -> String,
        emitter: &mut chumsky::input::Emitter<E>,
    ) -> Vec<O> {
        if !self.closed {
            emitter.emit(custom_err(
                self.open,
                Msg::new(codes::E0005, format!("unclosed `{{` of {}", what()))
                    .label("this `{` is never closed")
                    .help("add `}` after the last member"),
            ));
        }
        self.members
    }
}

/// A `{ member… }` block. Broken members are skipped; a missing `}` is left to the caller
/// to report (see [`Block::check_closed`]), which can name the declaration.
fn block<'s, I, E, O, P>(
    text: &'s str,
    member: P,
) -> impl Parser<'s, I, Block<O>, extra::Err<E>> + Clone
where
    I: TokenInput<'s>,
    E: PErr<'s, I>,
    O: 's,
    P: Parser<'s, I, O, extra::Err<E>> + Clone + 's,
{
    let members = member
        .map(Some)
        .recover_with(via_parser(skip(text, SkipMode::Member).map(|()| None)))
        .repeated()
        .collect::<Vec<_>>();
    just(Token::LBrace)
        .map_with(|_, e| e.span())
        .then(members)
        .then(just(Token::RBrace).or_not())
        .map(|((open, members), close)| Block {
            members: members.into_iter().flatten().collect(),
            open,
            closed: close.is_some(),
        })
}

/// A value that becomes [`ExprKind::Error`] when it does not parse or is followed by junk.
fn value<'s, I, E, P>(text: &'s str, inner: P) -> impl Parser<'s, I, Expr, extra::Err<E>> + Clone
where
    I: TokenInput<'s>,
    E: PErr<'s, I>,
    P: Parser<'s, I, Expr, extra::Err<E>> + Clone + 's,
{
    value_present(text)
        .ignore_then(inner)
        .then_ignore(boundary(text))
        .recover_with(via_parser(
            skip(text, SkipMode::Value).map_with(|_, e| error_expr(e.span())),
        ))
}

fn annotations<'s, I, E, P>(expr: P) -> impl Parser<'s, I, Vec<Annotation>, extra::Err<E>> + Clone
where
    I: TokenInput<'s>,
    E: PErr<'s, I>,
    P: Parser<'s, I, Expr, extra::Err<E>> + Clone + 's,
{
    let args = expr
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen));
    just(Token::At)
        .ignore_then(ident())
        .then(args.or_not())
        .map_with(|(name, args), e| Annotation {
            name,
            args,
            span: sp(e.span()),
        })
        .labelled("annotation")
        .repeated()
        .collect::<Vec<_>>()
}

/// Types nested deeper than this (`list<list<…>>`) are cut with one error.
const MAX_TYPE_DEPTH: u32 = 16;

fn type_expr<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
) -> impl Parser<'s, I, TypeExpr, extra::Err<E>> + Clone {
    recursive(|ty| {
        ident()
            .then(
                just(Token::Lt)
                    .ignore_then(ty)
                    .then_ignore(just(Token::Gt))
                    .or_not(),
            )
            .validate(
                |(name, arg): (Ident, Option<(TypeExpr, u32)>), e, emitter| {
                    let span = sp(e.span());
                    let depth = arg.as_ref().map_or(1, |(_, d)| d + 1);
                    if depth <= MAX_TYPE_DEPTH {
                        let arg = arg.map(|(t, _)| Box::new(t));
                        return (TypeExpr { name, arg, span }, depth);
                    }
                    if depth == MAX_TYPE_DEPTH + 1 {
                        emitter.emit(custom_err(
                            e.span(),
                            Msg::new(
                                codes::E0005,
                                format!("type nested more than {MAX_TYPE_DEPTH} levels deep"),
                            )
                            .label("too deep"),
                        ));
                    }
                    // Keep the outer name only; deeper levels were cut (and reported) already.
                    (
                        TypeExpr {
                            name,
                            arg: None,
                            span,
                        },
                        MAX_TYPE_DEPTH + 2,
                    )
                },
            )
            .labelled("type")
    })
    .map(|(ty, _)| ty)
}

/// The parser of a whole file.
fn file_parser<'s, I: TokenInput<'s>, E: PErr<'s, I>>(
    text: &'s str,
) -> impl Parser<'s, I, Vec<Item>, extra::Err<E>> {
    let pipe_d = pipeline_expression::<I, E>(text).boxed();
    let expr = expression::<I, E, _>(text, pipe_d.clone())
        .map(|d| d.expr)
        .boxed();
    let pipe = pipe_d.map(|d| d.expr).boxed();
    let annotations = annotations(expr.clone()).boxed();

    let property = name(text, MEMBER_NEXT, name_help)
        .then_ignore(just(Token::Assign))
        .then(value(text, expr.clone()))
        .map_with(|(name, value), e| Property {
            name,
            value,
            span: sp(e.span()),
        })
        .labelled("property")
        .as_context()
        .boxed();

    let column = name(text, MEMBER_NEXT, column_help)
        .then_ignore(just(Token::Colon))
        .then(type_expr())
        .then(annotations.clone())
        .map_with(|((name, ty), annotations), e| Column {
            doc: None,
            name,
            ty,
            annotations,
            span: sp(e.span()),
        })
        .then_ignore(boundary(text).recover_with(via_parser(skip(text, SkipMode::Value))))
        .labelled("column")
        .as_context()
        .boxed();

    let feature = annotations
        .clone()
        .then(name(text, MEMBER_NEXT, name_help))
        .then(just(Token::Colon).ignore_then(type_expr()).or_not())
        .then_ignore(just(Token::Assign))
        .then(value(text, pipe.clone()))
        .map_with(|(((annotations, name), ty), body), e| Feature {
            doc: None,
            annotations,
            name,
            ty,
            body,
            span: sp(e.span()),
        })
        .labelled("feature")
        .as_context()
        .boxed();

    let decl_name = || name(text, DECL_NEXT, name_help);

    let id_type = just(Token::IdType)
        .ignore_then(decl_name())
        .then(block(text, property.clone()).or_not())
        .validate(|(name, body), _, emitter| {
            let body = body.map(|b| b.check_closed(|| format!("id type `{}`", name.name), emitter));
            ItemKind::IdType(IdType { name, body })
        });

    let entity = just(Token::Entity)
        .ignore_then(decl_name())
        .then(block(text, property.clone()))
        .validate(|(name, body), _, emitter| {
            let props = body.check_closed(|| format!("entity `{}`", name.name), emitter);
            ItemKind::Entity(Entity { name, props })
        });

    let source = just(Token::Source)
        .ignore_then(decl_name())
        .then_ignore(just(Token::From))
        .then(string_lit())
        .then(block(text, column.clone()))
        .validate(|((name, table), body), _, emitter| {
            let columns = body.check_closed(|| format!("source `{}`", name.name), emitter);
            ItemKind::Source(Source {
                name,
                table,
                columns,
            })
        });

    let features = just(Token::Features)
        .ignore_then(decl_name())
        .then(block(text, feature))
        .validate(|(entity, body), _, emitter| {
            let features = body.check_closed(|| format!("features `{}`", entity.name), emitter);
            ItemKind::Features(FeaturesBlock { entity, features })
        });

    enum TsMember {
        Labels(Labels),
        Prop(Property),
    }
    let labels = just(Token::Labels)
        .ignore_then(just(Token::From))
        .ignore_then(string_lit())
        .then(block(text, column))
        .validate(|(table, body), e, emitter| {
            let columns = body.check_closed(|| "the labels".to_string(), emitter);
            Labels {
                table,
                columns,
                span: sp(e.span()),
            }
        });
    let features_prop = just(Token::Features)
        .map_with(|_, e| Ident {
            name: "features".to_string(),
            span: sp(e.span()),
        })
        .then_ignore(just(Token::Assign))
        .then(value(text, expr.clone()))
        .map_with(|(name, value), e| Property {
            name,
            value,
            span: sp(e.span()),
        });
    let ts_member = choice((
        labels.map(TsMember::Labels),
        features_prop.map(TsMember::Prop),
        property.clone().map(TsMember::Prop),
    ));
    let training_set = just(Token::TrainingSet)
        .ignore_then(decl_name())
        .then_ignore(just(Token::For))
        .then(decl_name())
        .then(block(text, ts_member))
        .validate(|((name, entity), body), _, emitter| {
            let members = body.check_closed(|| format!("training set `{}`", name.name), emitter);
            let mut labels = Vec::new();
            let mut props = Vec::new();
            for member in members {
                match member {
                    TsMember::Labels(l) => labels.push(l),
                    TsMember::Prop(p) => props.push(p),
                }
            }
            ItemKind::TrainingSet(TrainingSet {
                name,
                entity,
                labels,
                props,
            })
        });

    let field = name(text, &[Token::Colon], column_help)
        .then_ignore(just(Token::Colon))
        .then(expr.clone())
        .map(|(name, value)| Field { name, value });
    let row = field
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LBrace), just(Token::RBrace))
        .map_with(|fields, e| Row {
            fields,
            span: sp(e.span()),
        })
        .labelled("row");
    let given = just(Token::Given)
        .ignore_then(ident())
        .then_ignore(just(Token::Assign))
        .then(
            row.separated_by(just(Token::Comma))
                .allow_trailing()
                .collect::<Vec<_>>()
                .delimited_by(just(Token::LBracket), just(Token::RBracket)),
        )
        .map_with(|(source, rows), e| Given {
            source,
            rows,
            span: sp(e.span()),
        })
        .then_ignore(boundary(text));
    let expect = just(Token::Expect)
        .ignore_then(ident())
        .then(
            ident()
                .then_ignore(just(Token::Colon))
                .then(string_lit())
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        )
        .then(block(text, property.clone()))
        .validate(|((entity, (id_type, id_value)), body), e, emitter| {
            let assertions = body.check_closed(|| format!("expect `{}`", entity.name), emitter);
            Expect {
                entity,
                id_type,
                id_value,
                assertions,
                span: sp(e.span()),
            }
        });
    let test_member = choice((
        given.map(TestMember::Given),
        expect.map(TestMember::Expect),
        property.map(TestMember::Property),
    ));
    let test = just(Token::Test)
        .ignore_then(string_lit())
        .then(block(text, test_member))
        .validate(|(name, body), _, emitter| {
            let members = body.check_closed(|| format!("test \"{}\"", name.value), emitter);
            ItemKind::Test(Test { name, members })
        });

    let decl = choice((id_type, entity, source, features, training_set, test))
        .labelled("declaration")
        .boxed();

    let item = annotations
        .then(decl)
        .map_with(|(annotations, kind), e| Item {
            doc: None,
            annotations,
            kind,
            span: sp(e.span()),
        })
        .recover_with(via_parser(skip(text, SkipMode::Item).map_with(|_, e| {
            Item {
                doc: None,
                annotations: Vec::new(),
                kind: ItemKind::Error,
                span: sp(e.span()),
            }
        })));

    item.repeated().collect::<Vec<_>>()
}

// ---------------------------------------------------------------------------------------------
// Entry point and error rendering
// ---------------------------------------------------------------------------------------------

/// Replaces any bracket nested deeper than [`MAX_NESTING`] (with everything inside it) by one
/// [`Token::Error`], reporting it once.
fn limit_nesting<'s>(
    file: &FileId,
    tokens: Vec<(Token<'s>, Span)>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(Token<'s>, Span)> {
    let mut depth = 0usize;
    let too_deep = tokens.iter().any(|(t, _)| {
        match t {
            Token::LBrace | Token::LParen | Token::LBracket => depth += 1,
            Token::RBrace | Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth > MAX_NESTING
    });
    if !too_deep {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut depth = 0usize;
    let mut cut: Option<(usize, Span)> = None;
    for (tok, span) in tokens {
        let opens = matches!(tok, Token::LBrace | Token::LParen | Token::LBracket);
        let closes = matches!(tok, Token::RBrace | Token::RParen | Token::RBracket);
        if opens {
            depth += 1;
        }
        match &mut cut {
            Some((cut_depth, cut_span)) => {
                *cut_span = cut_span.to(span);
                if closes && depth == *cut_depth {
                    out.push((Token::Error, *cut_span));
                    cut = None;
                }
            }
            None if opens && depth > MAX_NESTING => {
                diags.push(
                    Diagnostic::new(
                        codes::E0005,
                        file.clone(),
                        span,
                        format!("brackets nested more than {MAX_NESTING} levels deep"),
                    )
                    .with_primary_message("too deep")
                    .with_help("split the expression into several features"),
                );
                if closes {
                    out.push((Token::Error, span));
                } else {
                    cut = Some((depth, span));
                }
            }
            None => out.push((tok, span)),
        }
        if closes {
            depth = depth.saturating_sub(1);
        }
    }
    if let Some((_, span)) = cut {
        out.push((Token::Error, span));
    }
    out
}

/// Parses a token stream into items, appending syntax diagnostics to `diags`.
pub(crate) fn parse_tokens<'s>(
    file: &FileId,
    text: &'s str,
    tokens: Vec<(Token<'s>, Span)>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Item> {
    let tokens = limit_nesting(file, tokens, diags);
    let eoi = SimpleSpan::from(text.len()..text.len());
    let stream = || {
        Stream::from_iter(
            tokens
                .clone()
                .into_iter()
                .map(|(t, s)| (t, SimpleSpan::from(s.range()))),
        )
        .map(eoi, |(t, s): (_, _)| (t, s))
    };
    // Most files parse cleanly: find that out without building any error values.
    let fast = file_parser::<_, EmptyErr>(text).parse(stream());
    if !fast.has_errors() {
        return fast.into_output().unwrap_or_default();
    }
    let (items, errors) = file_parser::<_, PError<'s>>(text)
        .parse(stream())
        .into_output_errors();
    let ctx = RenderCtx {
        file,
        text,
        tokens: &tokens,
    };
    for error in errors {
        if let Some(diag) = ctx.render(error) {
            diags.push(diag);
        }
    }
    items.unwrap_or_default()
}

struct RenderCtx<'a, 's> {
    file: &'a FileId,
    text: &'s str,
    tokens: &'a [(Token<'s>, Span)],
}

/// Binary operators collapse into one "an operator" entry in expected lists.
fn is_operator(token: &Token<'_>) -> bool {
    matches!(
        token,
        Token::EqEq
            | Token::NotEq
            | Token::Lt
            | Token::Le
            | Token::Gt
            | Token::Ge
            | Token::Tilde
            | Token::In
            | Token::Is
            | Token::Plus
            | Token::Minus
            | Token::Star
            | Token::Slash
            | Token::Percent
            | Token::And
            | Token::Or
    )
}

fn can_start_expression(token: &Token<'_>) -> bool {
    matches!(
        token,
        Token::Ident(_)
            | Token::Int(_)
            | Token::Decimal(_)
            | Token::Str(_)
            | Token::RawStr(_)
            | Token::True
            | Token::False
            | Token::Null
            | Token::LParen
            | Token::LBracket
            | Token::LBrace
            | Token::If
            | Token::Not
            | Token::Minus
    )
}

const DECL_KEYWORDS: [&str; 6] = [
    "id_type",
    "entity",
    "source",
    "features",
    "training_set",
    "test",
];

impl<'s> RenderCtx<'_, 's> {
    /// The index of the last token ending at or before `offset`.
    fn token_before(&self, offset: usize) -> Option<usize> {
        let idx = self
            .tokens
            .partition_point(|(_, s)| (s.end as usize) <= offset);
        idx.checked_sub(1)
    }

    fn token_text(&self, idx: usize) -> &'s str {
        self.tokens
            .get(idx)
            .and_then(|(_, s)| self.text.get(s.range()))
            .unwrap_or_default()
    }

    /// How the found token is named in a message, using its text as written.
    fn describe_found(&self, found: Option<&Token<'s>>, span: SimpleSpan) -> String {
        match found {
            None => "end of file".to_string(),
            Some(tok) => {
                let written = self.text.get(span.into_range()).unwrap_or_default();
                match tok {
                    Token::Unit(_) => format!("duration unit `{written}`"),
                    Token::Str(_) | Token::RawStr(_) => format!("string `{}`", shorten(written)),
                    other => other.describe(),
                }
            }
        }
    }

    /// The index of the name token of the member whose context starts at `start`: the first
    /// token after any annotations.
    fn member_name_index(&self, start: usize) -> Option<usize> {
        let mut i = self
            .tokens
            .partition_point(|(_, s)| (s.start as usize) < start);
        while let Some((Token::At, _)) = self.tokens.get(i) {
            i += 2;
            if let Some((Token::LParen, _)) = self.tokens.get(i) {
                let mut depth = 0usize;
                while let Some((tok, _)) = self.tokens.get(i) {
                    match tok {
                        Token::LParen => depth += 1,
                        Token::RParen => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
        }
        Some(i)
    }

    fn render(&self, error: PError<'s>) -> Option<Diagnostic> {
        let span = *error.span();
        let contexts: Vec<(String, SimpleSpan)> = error
            .contexts()
            .filter_map(|(pattern, span)| match pattern {
                RichPattern::Label(label) => Some((label.to_string(), *span)),
                _ => None,
            })
            .collect();
        match error.into_reason() {
            RichReason::Custom(msg) => {
                let mut diag = Diagnostic::new(msg.code, self.file.clone(), sp(span), msg.message);
                if !msg.label.is_empty() {
                    diag = diag.with_primary_message(msg.label);
                }
                if let Some(help) = msg.help {
                    diag = diag.with_help(help);
                }
                if let Some((message, span, replacement)) = msg.fix {
                    diag = diag.with_replacement(message, span, replacement);
                }
                Some(diag)
            }
            RichReason::ExpectedFound { expected, found } => {
                let found = found.map(|f| f.into_inner());
                if found == Some(Token::Error) {
                    // The lexer has already reported these characters.
                    return None;
                }
                Some(self.expected_found(span, &expected, found.as_ref(), &contexts))
            }
        }
    }

    fn expected_found(
        &self,
        span: SimpleSpan,
        expected: &[RichPattern<'s, Token<'s>>],
        found: Option<&Token<'s>>,
        contexts: &[(String, SimpleSpan)],
    ) -> Diagnostic {
        let mut tokens: Vec<Token<'s>> = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        let mut end_of_file = false;
        for pattern in expected {
            match pattern {
                RichPattern::Token(t) => {
                    let t: &Token<'s> = t;
                    if !tokens.contains(t) {
                        tokens.push(t.clone());
                    }
                }
                RichPattern::Label(l) if !labels.iter().any(|x| x == l.as_ref()) => {
                    labels.push(l.to_string());
                }
                RichPattern::EndOfInput => end_of_file = true,
                _ => {}
            }
        }
        if labels.iter().any(|l| l == "declaration") {
            labels.retain(|l| l != "annotation");
        }
        // `<` is expected after every type name (`list<…>`); it is noise unless alone.
        if tokens.len() + labels.len() > 1 {
            tokens.retain(|t| *t != Token::Lt);
        }
        let has_operator = labels.iter().any(|l| l == "operator")
            || tokens.iter().filter(|t| is_operator(t)).count() >= 2;
        let mut names: Vec<String> = Vec::new();
        for label in &labels {
            let shown = match label.as_str() {
                "operator" => continue,
                "expression" => "an expression",
                "identifier" => "a name",
                "feature" => "a feature",
                "property" => "a property",
                "column" => "a column",
                "declaration" => "a declaration",
                "annotation" => "an annotation",
                "type" => "a type",
                "string" => "a string",
                "row" => "a row `{ … }`",
                "pipeline step" => "a pipeline step",
                other => other,
            };
            names.push(shown.to_string());
        }
        for token in &tokens {
            if has_operator && (is_operator(token) || matches!(token, Token::LParen | Token::Dot)) {
                continue;
            }
            names.push(format!("`{token}`"));
        }
        if has_operator {
            names.insert(0, "an operator".to_string());
        }
        if end_of_file && names.is_empty() {
            names.push("end of file".to_string());
        }
        let expected_text = join_or(&names);

        let start = span.start;
        let prev = self.token_before(start);
        let member_context = contexts
            .iter()
            .find(|(l, _)| matches!(l.as_str(), "feature" | "property" | "column"));
        let after = prev.map(|idx| {
            let text = self.token_text(idx);
            match member_context {
                Some((kind, ctx_span)) if self.member_name_index(ctx_span.start) == Some(idx) => {
                    format!(" after {kind} name `{text}`")
                }
                _ => format!(" after `{}`", shorten(text)),
            }
        });
        let found_text = self.describe_found(found, span);
        let message = if names.is_empty() {
            format!(
                "unexpected {found_text}{}",
                after.clone().unwrap_or_default()
            )
        } else {
            format!(
                "expected {expected_text}{}, found {found_text}",
                after.clone().unwrap_or_default()
            )
        };
        let mut diag = Diagnostic::new(codes::E0005, self.file.clone(), sp(span), message)
            .with_primary_message(if names.is_empty() {
                "unexpected here".to_string()
            } else {
                format!("expected {expected_text}")
            });
        let situation = Situation {
            span,
            found,
            tokens: &tokens,
            labels: &labels,
            contexts,
            has_operator,
            prev: prev.and_then(|i| self.tokens.get(i)).map(|(t, s)| (t, *s)),
            next: self
                .tokens
                .get(
                    self.tokens
                        .partition_point(|(_, s)| (s.start as usize) <= span.start),
                )
                .map(|(t, _)| t),
        };
        if let Some(suggestion) = self.suggest(&situation) {
            diag = diag.with_help(suggestion.help);
            if let Some((message, span, replacement)) = suggestion.fix {
                diag = diag.with_replacement(message, span, replacement);
            }
        }
        diag
    }

    /// The help line (and a fix, when it is certain) for the likely mistake behind an
    /// expected/found error, most specific cases first.
    fn suggest(&self, s: &Situation<'_, 's>) -> Option<Suggestion> {
        let span = sp(s.span);
        let found = s.found;
        let expects = |t: Token<'static>| s.tokens.contains(&t);
        let wants = |label: &str| s.labels.iter().any(|l| l == label);
        let in_context = |name: &str| s.contexts.iter().any(|(l, _)| l == name);
        let found_on_new_line = s.prev.is_some_and(|(_, prev_span)| {
            self.text
                .get(prev_span.end as usize..span.start as usize)
                .is_some_and(|gap| gap.contains(['\n', '\r']))
        });
        // `NAME =` at the start of a line: the next member begins, so the line before it is
        // incomplete (an unclosed bracket, a dangling `|` or operator, a missing `else`, …).
        let new_member_line = found == Some(&Token::Assign)
            && s.prev.is_some_and(|(t, prev_span)| {
                matches!(t, Token::Ident(_)) && at_line_start(self.text, prev_span.start as usize)
            });
        let missing_close = [Token::RParen, Token::RBracket, Token::RBrace]
            .into_iter()
            .find(|t| s.tokens.contains(t));

        if let Some(close) = missing_close
            .as_ref()
            .filter(|_| new_member_line || found_on_new_line)
        {
            return Suggestion::help(format!("a `{close}` seems to be missing before this line"));
        }
        if new_member_line {
            return Suggestion::help(if in_context("pipeline step") {
                "the `|` at the end of the line before needs a step after it: `where …`, \
                 `within …` or an aggregate such as `count()`"
            } else {
                "this line starts a new member, so the line before it seems incomplete"
            });
        }
        match found {
            Some(Token::Assign) if s.has_operator => {
                return Suggestion::fix(
                    "to compare two values use `==`",
                    "replace `=` with `==`",
                    span,
                    "==",
                );
            }
            Some(Token::EqEq) if expects(Token::Assign) => {
                return Suggestion::fix(
                    "a property or feature is defined with a single `=`",
                    "replace `==` with `=`",
                    span,
                    "=",
                );
            }
            Some(Token::Colon) if expects(Token::Assign) && !expects(Token::Colon) => {
                return Suggestion::fix(
                    "properties are written `name = value`",
                    "replace `:` with `=`",
                    span,
                    "=",
                );
            }
            Some(Token::Assign) if expects(Token::Colon) && !expects(Token::Assign) => {
                let help = if in_context("column") {
                    "columns are declared `name: type`"
                } else {
                    "fields are written `column: value`"
                };
                return Suggestion::fix(help, "replace `=` with `:`", span, ":");
            }
            Some(Token::Comma) if expects(Token::RParen) && !expects(Token::Comma) => {
                return Suggestion::help(
                    "parentheses hold one expression; a list is written in brackets: `[a, b]`",
                );
            }
            Some(Token::Comma) if s.prev.is_some_and(|(t, _)| *t == Token::Comma) => {
                return Suggestion::fix("two commas in a row", "remove the `,`", span, "");
            }
            Some(Token::Comma) if !expects(Token::Comma) && !wants("expression") => {
                return Suggestion::fix(
                    "the members of a block are not separated by commas",
                    "remove the `,`",
                    span,
                    "",
                );
            }
            Some(Token::Pipe) if s.prev.is_some_and(|(t, _)| *t == Token::Pipe) => {
                return Suggestion::help("`||` is written `or` in c360");
            }
            _ => {}
        }
        if expects(Token::Colon) && in_context("column") && s.tokens.len() == 1 {
            let at = s.prev.map_or(span.start as usize, |(_, p)| p.end as usize);
            return Suggestion::fix(
                "columns are declared `name: type`",
                "insert `:`",
                Span::empty(at),
                ":",
            );
        }
        if wants("identifier") {
            if let Some(word) = found
                .filter(|t| keyword_text(t).is_some())
                .and_then(|_| self.text.get(s.span.into_range()))
            {
                return Suggestion::help(if in_context("column") || expects(Token::Colon) {
                    column_help(word)
                } else {
                    format!("`{word}` is a reserved keyword; choose another name")
                });
            }
        }
        if wants("string") {
            if let Some(Token::Ident(word)) = found {
                return Suggestion::fix(
                    "names of tables and tests are strings",
                    "quote it",
                    span,
                    format!("\"{word}\""),
                );
            }
        }
        if wants("declaration") {
            if let (Some(Token::Ident(_)), Some(Token::Assign | Token::Colon)) = (found, s.next) {
                return Suggestion::help(
                    "this looks like the member of a block: is there an extra `}` before it?",
                );
            }
            let suggestion = match found {
                Some(Token::Ident(word)) => DECL_KEYWORDS
                    .iter()
                    .map(|k| (strsim::levenshtein(word, k), *k))
                    .filter(|(d, k)| *d <= 2 || (k.starts_with(word) && word.len() >= 3))
                    .min()
                    .map(|(_, k)| k),
                _ => None,
            };
            return Suggestion::help(match suggestion {
                Some(k) => format!("did you mean `{k}`?"),
                None => "a file holds declarations: `id_type`, `entity`, `source`, `features`, \
                         `training_set` and `test`"
                    .to_string(),
            });
        }
        if let (true, Some((_, prev_span))) = (
            expects(Token::Comma) && found.is_some_and(can_start_expression),
            s.prev,
        ) {
            return Suggestion::fix(
                "separate the elements with `,`",
                "insert `,`",
                Span::empty(prev_span.end as usize),
                ",",
            );
        }
        if found == Some(&Token::At) && wants("column") {
            return Suggestion::help(
                "a column's annotations follow its type: `sent_at: timestamp @time`",
            );
        }
        if in_context("pipeline step") && expects(Token::LParen) {
            return Suggestion::help(
                "a step is `where PREDICATE`, `within DURATION` or an aggregate call such as \
                 `count()` or `sum(amount)`",
            );
        }
        if wants("pipeline step") {
            return Suggestion::help(
                "after `|` comes `where PREDICATE`, `within DURATION` or an aggregate such as \
                 `count()`",
            );
        }
        if expects(Token::From) && s.tokens.len() == 1 {
            return Suggestion::help(
                "a source names its warehouse table: `source NAME from \"schema.table\" { … }`",
            );
        }
        if expects(Token::Pipe) && found.is_some_and(is_operator) {
            return Suggestion::help(
                "to compute with a pipeline's result, parenthesise the pipeline: \
                 `(orders | sum(amount)) / 100`",
            );
        }
        if expects(Token::Else) {
            return Suggestion::help("an `if` needs both branches: `if C then A else B`");
        }
        if expects(Token::LBrace) && s.tokens.len() == 1 {
            return Suggestion::help("the body of a declaration starts with `{`");
        }
        if s.has_operator && matches!(found, Some(Token::Ident(_))) {
            return Suggestion::help(
                "an expression continues only with an operator; start the next feature or \
                 property on its own line as `name = …`",
            );
        }
        None
    }
}

/// What the renderer knows about an expected/found error.
struct Situation<'a, 's> {
    span: SimpleSpan,
    found: Option<&'a Token<'s>>,
    tokens: &'a [Token<'s>],
    labels: &'a [String],
    contexts: &'a [(String, SimpleSpan)],
    has_operator: bool,
    prev: Option<(&'a Token<'s>, Span)>,
    next: Option<&'a Token<'s>>,
}

/// A help line and maybe a fix.
struct Suggestion {
    help: String,
    fix: Option<(String, Span, String)>,
}

impl Suggestion {
    fn help(help: impl Into<String>) -> Option<Suggestion> {
        Some(Suggestion {
            help: help.into(),
            fix: None,
        })
    }

    fn fix(
        help: impl Into<String>,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Option<Suggestion> {
        Some(Suggestion {
            help: help.into(),
            fix: Some((message.into(), span, replacement.into())),
        })
    }
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_durations() {
        assert_eq!(
            whole_duration("1.5", DurationUnit::Days).as_deref(),
            Some("36 hours")
        );
        assert_eq!(
            whole_duration("0.5", DurationUnit::Weeks).as_deref(),
            Some("84 hours")
        );
        assert_eq!(
            whole_duration("2.0", DurationUnit::Weeks).as_deref(),
            Some("2 weeks")
        );
        assert_eq!(
            whole_duration("1.25", DurationUnit::Minutes).as_deref(),
            Some("75 seconds")
        );
        assert_eq!(
            whole_duration("0.016666", DurationUnit::Minutes).as_deref(),
            None
        );
        assert_eq!(whole_duration("1.5", DurationUnit::Seconds), None);
        assert_eq!(
            whole_duration(
                "99999999999999999999999999999999999999999.5",
                DurationUnit::Weeks
            ),
            None,
            "overflow is no suggestion, not a panic"
        );
    }

    #[test]
    fn line_starts() {
        let text = "a\n  b c\r\n\td\u{feff}e";
        assert!(at_line_start(text, 0));
        assert!(at_line_start(text, 4));
        assert!(!at_line_start(text, 6));
        assert!(at_line_start(text, 10));
        assert!(!at_line_start(text, 14));
        assert!(at_line_start(text, 999), "out of range is harmless");
    }

    #[test]
    fn nesting_beyond_the_limit_becomes_one_error_token() {
        let file = FileId::new("t.c360");
        let text = format!(
            "{}x{}",
            "(".repeat(MAX_NESTING + 2),
            ")".repeat(MAX_NESTING + 2)
        );
        let (tokens, _, _) = crate::lex(&file, &text);
        let mut diags = Vec::new();
        let limited = limit_nesting(&file, tokens, &mut diags);
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].primary.span,
            Span::new(MAX_NESTING, MAX_NESTING + 1)
        );
        assert_eq!(limited.len(), 2 * MAX_NESTING + 1);
        let (middle, span) = &limited[MAX_NESTING];
        assert_eq!(*middle, Token::Error);
        assert_eq!(&text[span.range()], "((x))");
    }

    #[test]
    fn decl_and_member_starts() {
        let peek = |text: &'static str| -> Peeked<'static> {
            let (tokens, _, _) = crate::lex(&FileId::new("t.c360"), text);
            let mut it = tokens
                .into_iter()
                .map(|(t, s)| Some((t, SimpleSpan::from(s.range()))));
            [it.next().flatten(), it.next().flatten()]
        };
        assert!(is_decl_start(&peek("features customer")));
        assert!(!is_decl_start(&peek("features = [a]")));
        assert!(is_decl_start(&peek("test \"t\"")));
        assert!(!is_decl_start(&peek("source: string")));
        assert!(is_member_start(&peek("x = 1")));
        assert!(is_member_start(&peek("x: int")));
        assert!(is_member_start(&peek("source: string")));
        assert!(is_member_start(&peek("@hidden")));
        assert!(!is_member_start(&peek("x == 1")));
        assert!(looks_like_member_head(&peek("x == 1")));
        assert!(looks_like_member_head(&peek("email string")));
        assert!(!looks_like_member_head(&peek("x + 1")));
        assert!(is_member_boundary(&peek("}")));
        assert!(is_member_boundary(&peek("")));
        assert!(!is_member_boundary(&peek("| count()")));
    }
}
