//! The canonical layout of `.c360` files (`c360 fmt`).
//!
//! The formatter walks the tree and the token stream together: every token of the input is
//! printed exactly once, in order, and every comment is printed between the same two tokens
//! as in the input. Comments on the line of a token stay at the end of that line; comments on
//! their own line stay on their own line. Files with syntax errors are refused, and the output
//! is re-lexed and compared with the input before it is returned, so formatting never loses
//! text. The layout rules are described in `docs/language.md`, section "Formatting".

use std::fmt;

use c360_diagnostics::{Diagnostic, FileId, Span};

use crate::ast::*;
use crate::token::{lex, Token};

/// Lines longer than this are broken where the layout allows it.
pub const MAX_WIDTH: usize = 100;

/// One indentation level, in spaces.
const INDENT: usize = 2;

/// Why a text was not formatted; the text is then left exactly as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The text has syntax errors (the diagnostics say which).
    Syntax(Vec<Diagnostic>),
    /// The formatter could not reproduce the text's tokens and comments; a bug, never the
    /// user's fault.
    Internal(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(diags) => {
                write!(f, "the text has {} syntax error(s)", diags.len())
            }
            FormatError::Internal(message) => {
                write!(f, "internal formatter error: {message}")
            }
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats the text of one file (named `<input>` in diagnostics).
pub fn format(text: &str) -> Result<String, FormatError> {
    format_file(&FileId::new("<input>"), text)
}

/// Formats the text of `file`; syntax errors are reported against `file`.
pub fn format_file(file: &FileId, text: &str) -> Result<String, FormatError> {
    let parse = crate::parse(file, text);
    if parse.has_errors() {
        return Err(FormatError::Syntax(
            parse
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect(),
        ));
    }
    let (tokens, _, _) = lex(file, text);
    let mut builder = Builder {
        text,
        tokens,
        comments: &parse.file.comments,
        pos: 0,
        cpos: 0,
        defer: None,
        error: None,
    };
    let doc = builder.file(&parse.file);
    if let Some(error) = builder.error {
        return Err(FormatError::Internal(error));
    }
    let out = print(&doc);
    verify(file, text, &out)?;
    Ok(out)
}

/// Checks that `out` has the tokens and comments of `text` (apart from trailing commas, which
/// the layout adds or removes) and parses without errors.
fn verify(file: &FileId, text: &str, out: &str) -> Result<(), FormatError> {
    let reparse = crate::parse(file, out);
    if reparse.has_errors() {
        return Err(FormatError::Internal(
            "the formatted text does not parse".to_string(),
        ));
    }
    if significant_tokens(file, text) != significant_tokens(file, out) {
        return Err(FormatError::Internal(
            "the formatted text has different tokens".to_string(),
        ));
    }
    if comment_texts(file, text) != comment_texts(file, out) {
        return Err(FormatError::Internal(
            "the formatted text has different comments".to_string(),
        ));
    }
    Ok(())
}

/// The tokens of `text` without layout: trailing commas (before `)`, `]` or `}`) are dropped,
/// since the layout decides them. Strings compare by value, unit words by unit.
pub fn significant_tokens<'a>(file: &FileId, text: &'a str) -> Vec<Token<'a>> {
    let (tokens, _, _) = lex(file, text);
    let mut out: Vec<Token<'a>> = Vec::with_capacity(tokens.len());
    for (i, (token, _)) in tokens.iter().enumerate() {
        let closes_next = matches!(
            tokens.get(i + 1),
            Some((Token::RParen | Token::RBracket | Token::RBrace, _))
        );
        if *token == Token::Comma && closes_next {
            continue;
        }
        out.push(token.clone());
    }
    out
}

/// The comments of `text` as the formatter prints them: line comments without trailing
/// whitespace, block comments with `\n` line breaks.
pub fn comment_texts(file: &FileId, text: &str) -> Vec<String> {
    let (_, comments, _) = lex(file, text);
    comments.iter().map(comment_text).collect()
}

fn comment_text(comment: &Comment) -> String {
    match comment.kind {
        CommentKind::Line | CommentKind::Doc => comment.text.trim_end().to_string(),
        CommentKind::Block => comment.text.replace("\r\n", "\n").replace('\r', "\n"),
    }
}

// ---------------------------------------------------------------------------------------------
// Documents: a small Wadler-style layout language.
// ---------------------------------------------------------------------------------------------

/// A layout document. Groups print flat when they fit on the line, else broken.
#[derive(Clone, Debug)]
enum Doc {
    /// Text without line breaks.
    Text(String),
    /// A comment that spans lines, printed as is.
    Verbatim(String),
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    SoftLine,
    /// Always a line break.
    HardLine,
    /// An empty line (at most one in a row; never at the start of the output).
    BlankLine,
    /// A line break unless the current line is still empty.
    EnsureLineStart,
    /// Text printed at the end of the current line (a trailing `//` comment).
    LineSuffix(String),
    /// Text printed only when the enclosing group is broken (a trailing comma).
    IfBreak(&'static str),
    /// Forces the enclosing groups to break.
    BreakParent,
    /// The content one level deeper, for the lines it starts.
    Indent(Box<Doc>),
    /// Flat if it fits, else broken; the flag says it must break.
    Group(Box<Doc>, bool),
    /// A sequence; the flag says it contains a forced break.
    Concat(Vec<Doc>, bool),
}

impl Doc {
    fn text(s: impl Into<String>) -> Doc {
        Doc::Text(s.into())
    }

    fn empty() -> Doc {
        Doc::Concat(Vec::new(), false)
    }

    /// True when the document cannot print on one line.
    fn hard(&self) -> bool {
        match self {
            Doc::HardLine | Doc::BlankLine | Doc::EnsureLineStart | Doc::BreakParent => true,
            Doc::Verbatim(s) => s.contains('\n'),
            Doc::Indent(d) => d.hard(),
            Doc::Group(_, hard) | Doc::Concat(_, hard) => *hard,
            _ => false,
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Doc::Concat(v, _) if v.iter().all(Doc::is_empty))
    }

    /// The width of the document printed flat, or `None` when it cannot be flat.
    fn flat_width(&self) -> Option<usize> {
        match self {
            Doc::Text(s) => Some(s.chars().count()),
            Doc::Line => Some(1),
            Doc::SoftLine | Doc::LineSuffix(_) | Doc::IfBreak(_) => Some(0),
            Doc::Indent(d) | Doc::Group(d, false) => d.flat_width(),
            Doc::Concat(v, false) => v.iter().map(Doc::flat_width).sum(),
            _ => None,
        }
    }
}

fn concat(docs: Vec<Doc>) -> Doc {
    let hard = docs.iter().any(Doc::hard);
    Doc::Concat(docs, hard)
}

fn group(docs: Vec<Doc>) -> Doc {
    let inner = concat(docs);
    let hard = inner.hard();
    Doc::Group(Box::new(inner), hard)
}

fn indent(docs: Vec<Doc>) -> Doc {
    Doc::Indent(Box::new(concat(docs)))
}

fn spaces(n: usize) -> Doc {
    Doc::Text(" ".repeat(n))
}

/// Prints a document within [`MAX_WIDTH`] columns where its groups allow.
fn print(doc: &Doc) -> String {
    let mut p = Printer {
        out: String::new(),
        col: 0,
        has_content: false,
        suffix: Vec::new(),
    };
    let mut stack: Vec<(usize, bool, &Doc)> = vec![(0, false, doc)];
    while let Some((ind, flat, doc)) = stack.pop() {
        match doc {
            Doc::Text(s) => p.write(ind, s),
            Doc::Verbatim(s) => {
                p.write(ind, s);
                if let Some(i) = s.rfind('\n') {
                    p.col = s[i + 1..].chars().count();
                }
            }
            Doc::Line if flat => p.write(ind, " "),
            Doc::SoftLine if flat => {}
            Doc::Line | Doc::SoftLine | Doc::HardLine => p.newline(),
            Doc::BlankLine => {
                if p.has_content || !p.suffix.is_empty() {
                    p.newline();
                }
                if !p.out.is_empty() && !p.out.ends_with("\n\n") {
                    p.out.push('\n');
                }
            }
            Doc::EnsureLineStart => {
                if p.has_content || !p.suffix.is_empty() {
                    p.newline();
                }
            }
            Doc::LineSuffix(s) => {
                if !p.suffix.is_empty() {
                    // Two line comments cannot share a line: the second gets its own.
                    p.newline();
                }
                p.suffix.push((ind, s.clone()));
            }
            Doc::IfBreak(s) => {
                if !flat && p.has_content {
                    // Glued to the item before it, ahead of any trailing comment.
                    p.out.push_str(s);
                    p.col += s.len();
                } else if !flat {
                    p.write(ind, s);
                }
            }
            Doc::BreakParent => {}
            Doc::Indent(d) => stack.push((ind + INDENT, flat, d)),
            Doc::Group(d, hard) => {
                let flat = flat
                    || (!hard && {
                        let start = if p.has_content { p.col } else { ind };
                        fits(d, MAX_WIDTH.saturating_sub(start), &stack)
                    });
                stack.push((ind, flat, d));
            }
            Doc::Concat(v, _) => stack.extend(v.iter().rev().map(|d| (ind, flat, d))),
        }
    }
    p.finish()
}

/// Whether `doc` printed flat, followed by the rest of its line, fits in `width` columns.
fn fits(doc: &Doc, width: usize, rest: &[(usize, bool, &Doc)]) -> bool {
    let mut left = width as isize;
    let mut stack: Vec<(bool, &Doc)> = vec![(true, doc)];
    let mut rest_at = rest.len();
    loop {
        let Some((flat, doc)) = stack.pop().or_else(|| {
            rest_at = rest_at.checked_sub(1)?;
            let (_, flat, doc) = rest[rest_at];
            Some((flat, doc))
        }) else {
            return true;
        };
        match doc {
            Doc::Text(s) => left -= s.chars().count() as isize,
            Doc::Verbatim(_) | Doc::HardLine | Doc::BlankLine | Doc::EnsureLineStart => {
                return !flat || left >= 0
            }
            Doc::Line if flat => left -= 1,
            Doc::Line | Doc::SoftLine if !flat => return true,
            Doc::IfBreak(s) if !flat => left -= s.len() as isize,
            Doc::Indent(d) => stack.push((flat, d)),
            Doc::Group(d, hard) => stack.push((flat || !hard, d)),
            Doc::Concat(v, _) => stack.extend(v.iter().rev().map(|d| (flat, d))),
            _ => {}
        }
        if left < 0 {
            return false;
        }
    }
}

struct Printer {
    out: String,
    col: usize,
    /// Whether the current line has text; indentation is written with the first text.
    has_content: bool,
    /// Trailing comments waiting for the end of the line, with the indentation to use if
    /// one ends up alone on its line.
    suffix: Vec<(usize, String)>,
}

impl Printer {
    fn write(&mut self, ind: usize, s: &str) {
        if s.trim().is_empty() && (!self.suffix.is_empty() || !self.has_content) {
            return;
        }
        // A trailing `//` comment ends its line: text after it goes on the next one.
        if !self.suffix.is_empty() {
            self.newline();
        }
        if !self.has_content {
            self.out.extend(std::iter::repeat_n(' ', ind));
            self.col = ind;
            self.has_content = true;
        }
        self.out.push_str(s);
        self.col += s.chars().count();
    }

    fn newline(&mut self) {
        for (ind, s) in std::mem::take(&mut self.suffix) {
            if self.has_content {
                self.out.push_str(&s);
            } else {
                // Alone on its line: indented like the code around it.
                self.out.extend(std::iter::repeat_n(' ', ind));
                self.out.push_str(s.trim_start());
            }
        }
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.col = 0;
        self.has_content = false;
    }

    fn finish(mut self) -> String {
        if self.has_content || !self.suffix.is_empty() {
            self.newline();
        }
        let trimmed = self.out.trim_end().len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }
}

// ---------------------------------------------------------------------------------------------
// From the tree and the tokens to a document.
// ---------------------------------------------------------------------------------------------

struct Builder<'a> {
    text: &'a str,
    tokens: Vec<(Token<'a>, Span)>,
    comments: &'a [Comment],
    /// The next token to print.
    pos: usize,
    /// The next comment to print.
    cpos: usize,
    /// A member's end: the comments after the token ending there are printed by the member.
    defer: Option<u32>,
    /// The first mismatch between the tree and the tokens.
    error: Option<String>,
}

/// A `name = value` member laid out for alignment.
struct Assign {
    lead: Doc,
    head: Doc,
    value: Doc,
    trail: Doc,
    /// The value is a list, which opens on the `=` line rather than below it.
    hug: bool,
}

impl<'a> Builder<'a> {
    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
    }

    /// Start of the next token (or the end of the text).
    fn next_start(&self) -> u32 {
        self.tokens
            .get(self.pos)
            .map_or(self.text.len() as u32, |(_, s)| s.start)
    }

    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    /// Line breaks in the whitespace right before `pos` (`\r\n` counts once).
    fn newlines_before(&self, pos: u32) -> usize {
        let before = self.text.get(..pos as usize).unwrap_or("");
        let mut count = 0;
        let mut prev = '\0';
        for c in before.chars().rev() {
            match c {
                '\n' => count += 1,
                '\r' if prev != '\n' => count += 1,
                '\r' | ' ' | '\t' | '\u{c}' | '\u{feff}' => {}
                _ => return count,
            }
            prev = c;
        }
        // The start of the file counts as a line start.
        count.max(1)
    }

    fn comment_doc(comment: &Comment) -> Doc {
        let text = comment_text(comment);
        if text.contains('\n') {
            Doc::Verbatim(text)
        } else {
            Doc::Text(text)
        }
    }

    /// The comments before `before` that have not been printed: own-line comments on their own
    /// lines (with a blank line above where the input has one, unless `first`), the others
    /// after a space.
    fn leading(&mut self, before: u32, first: bool) -> Doc {
        let mut docs = Vec::new();
        let mut last: Option<CommentKind> = None;
        while let Some(c) = self.comments.get(self.cpos) {
            if c.span.start >= before {
                break;
            }
            let breaks = self.newlines_before(c.span.start);
            if breaks > 0 {
                docs.push(Doc::EnsureLineStart);
                if breaks > 1 && !(first && last.is_none()) {
                    docs.push(Doc::BlankLine);
                }
            } else if last.is_some_and(|k| k != CommentKind::Block) {
                docs.push(Doc::HardLine);
            } else {
                docs.push(Doc::text(" "));
            }
            docs.push(Self::comment_doc(c));
            if c.kind != CommentKind::Block {
                docs.push(Doc::HardLine);
            }
            last = Some(c.kind);
            self.cpos += 1;
        }
        if last == Some(CommentKind::Block) {
            if self.newlines_before(before) > 0 {
                docs.push(Doc::HardLine);
            } else {
                docs.push(Doc::text(" "));
            }
        }
        concat(docs)
    }

    /// The comments on the same line after `end` and before the next token.
    fn trailing(&mut self, end: u32) -> Doc {
        let limit = self.next_start();
        let mut docs = Vec::new();
        while let Some(c) = self.comments.get(self.cpos) {
            if c.span.start < end || c.span.start >= limit || self.newlines_before(c.span.start) > 0
            {
                break;
            }
            match Self::comment_doc(c) {
                Doc::Text(t) if c.kind != CommentKind::Block => {
                    docs.push(Doc::LineSuffix(format!(" {t}")));
                    docs.push(Doc::BreakParent);
                    self.cpos += 1;
                    // A line comment ends the line: nothing else can follow it there.
                    break;
                }
                Doc::Text(t) => docs.push(Doc::Text(format!(" {t}"))),
                other => {
                    docs.push(Doc::text(" "));
                    docs.push(other);
                }
            }
            self.cpos += 1;
        }
        concat(docs)
    }

    /// Consumes the next token, which must be `expected` as written, and prints `printed`.
    fn tok_as(&mut self, printed: String, ok: impl FnOnce(&Token<'a>, &str) -> bool) -> Doc {
        let Some((token, span)) = self.tokens.get(self.pos).cloned() else {
            self.fail(format!("expected `{printed}` after the last token"));
            return Doc::Text(printed);
        };
        let slice = self.text.get(span.range()).unwrap_or("");
        if !ok(&token, slice) {
            self.fail(format!("expected `{printed}`, found `{slice}` at {span:?}"));
        }
        self.pos += 1;
        let lead = self.leading(span.start, false);
        let trail = if self.defer == Some(span.end) {
            Doc::empty()
        } else {
            self.trailing(span.end)
        };
        concat(vec![lead, Doc::Text(printed), trail])
    }

    /// Consumes the next token, which must read `text`.
    fn tok(&mut self, text: &str) -> Doc {
        self.tok_as(text.to_string(), |_, slice| slice == text)
    }

    /// Consumes a trailing comma if there is one, printing only its comments.
    fn skip_comma(&mut self) -> Doc {
        if self.peek() != Some(&Token::Comma) {
            return Doc::empty();
        }
        let span = self.tokens[self.pos].1;
        self.pos += 1;
        let lead = self.leading(span.start, false);
        let trail = if self.defer == Some(span.end) {
            Doc::empty()
        } else {
            self.trailing(span.end)
        };
        concat(vec![lead, trail])
    }

    /// The comments before a member that starts at the next token, with a blank line above
    /// where the input has one (never above the first member of a block).
    fn member_lead(&mut self, first: bool) -> (Doc, bool) {
        let start = self.next_start();
        let first_start = self
            .comments
            .get(self.cpos)
            .filter(|c| c.span.start < start)
            .map_or(start, |c| c.span.start);
        let blank = self.newlines_before(first_start) > 1 && !first;
        let mut docs = vec![self.leading(start, first)];
        if self.newlines_before(start) > 1 && !(first && docs[0].is_empty()) {
            docs.push(Doc::BlankLine);
        }
        (concat(docs), blank)
    }

    /// Builds a member ending at `end` with `f`; its same-line trailing comments are returned
    /// apart, so that they do not count in its width.
    fn member<T>(&mut self, end: u32, f: impl FnOnce(&mut Self) -> T) -> (T, Doc) {
        let saved = self.defer.replace(end);
        let out = f(self);
        self.defer = saved;
        let trail = self.trailing(end);
        (out, trail)
    }

    // --- the file and declarations ---------------------------------------------------------

    fn file(&mut self, file: &SourceFile) -> Doc {
        let mut docs = Vec::new();
        let mut prev_one_line = false;
        for (i, item) in file.items.iter().enumerate() {
            if i > 0 {
                docs.push(Doc::HardLine);
                // `id_type a` right above another id type may stay there, as written.
                let adjacent = prev_one_line
                    && matches!(item.kind, ItemKind::IdType(_))
                    && self.newlines_before(self.next_start()) < 2;
                if !adjacent {
                    docs.push(Doc::BlankLine);
                }
            }
            let (lead, _) = self.member_lead(i == 0);
            docs.push(lead);
            let (doc, trail) = self.member(item.span.end, |b| b.item(item));
            docs.push(doc);
            docs.push(trail);
            prev_one_line = matches!(&item.kind, ItemKind::IdType(t) if t.body.is_none());
        }
        docs.push(self.leading(self.text.len() as u32 + 1, file.items.is_empty()));
        if self.pos != self.tokens.len() {
            self.fail("tokens left after the last declaration".to_string());
        }
        concat(docs)
    }

    fn annotations_line(&mut self, annotations: &[Annotation]) -> Doc {
        if annotations.is_empty() {
            return Doc::empty();
        }
        let mut docs = Vec::new();
        for (i, a) in annotations.iter().enumerate() {
            if i > 0 {
                docs.push(Doc::text(" "));
            }
            docs.push(self.annotation(a));
        }
        docs.push(Doc::HardLine);
        concat(docs)
    }

    fn annotation(&mut self, a: &Annotation) -> Doc {
        let mut docs = vec![self.tok("@"), self.tok(&a.name.name)];
        if let Some(args) = &a.args {
            docs.push(self.delimited("(", args, ")", |b, e| b.expr(e)));
        }
        concat(docs)
    }

    fn item(&mut self, item: &Item) -> Doc {
        let mut docs = vec![self.annotations_line(&item.annotations)];
        match &item.kind {
            ItemKind::IdType(t) => {
                docs.push(self.tok("id_type"));
                docs.push(Doc::text(" "));
                docs.push(self.tok(&t.name.name));
                if let Some(props) = &t.body {
                    docs.push(Doc::text(" "));
                    docs.push(self.block(|b| b.assigns(props, INDENT)));
                }
            }
            ItemKind::Entity(e) => {
                docs.push(self.tok("entity"));
                docs.push(Doc::text(" "));
                docs.push(self.tok(&e.name.name));
                docs.push(Doc::text(" "));
                docs.push(self.block(|b| b.assigns(&e.props, INDENT)));
            }
            ItemKind::Source(s) => {
                docs.push(self.tok("source"));
                docs.push(Doc::text(" "));
                docs.push(self.tok(&s.name.name));
                docs.push(Doc::text(" "));
                docs.push(self.tok("from"));
                docs.push(Doc::text(" "));
                docs.push(self.string(&s.table));
                docs.push(Doc::text(" "));
                docs.push(self.block(|b| b.columns(&s.columns)));
            }
            ItemKind::Features(f) => {
                docs.push(self.tok("features"));
                docs.push(Doc::text(" "));
                docs.push(self.tok(&f.entity.name));
                docs.push(Doc::text(" "));
                docs.push(self.block(|b| b.features(&f.features)));
            }
            ItemKind::TrainingSet(t) => {
                docs.push(self.tok("training_set"));
                docs.push(Doc::text(" "));
                docs.push(self.tok(&t.name.name));
                docs.push(Doc::text(" "));
                docs.push(self.tok("for"));
                docs.push(Doc::text(" "));
                docs.push(self.tok(&t.entity.name));
                docs.push(Doc::text(" "));
                docs.push(self.block(|b| b.training_members(t)));
            }
            ItemKind::Test(t) => {
                docs.push(self.tok("test"));
                docs.push(Doc::text(" "));
                docs.push(self.string(&t.name));
                docs.push(Doc::text(" "));
                docs.push(self.block(|b| b.test_members(&t.members)));
            }
            ItemKind::Error => self.fail("a declaration did not parse".to_string()),
        }
        concat(docs)
    }

    /// `{ members }`: one member per line, one level deeper; `{}` when empty.
    fn block(&mut self, members: impl FnOnce(&mut Self) -> Vec<Doc>) -> Doc {
        let open = self.tok("{");
        let body = members(self);
        let close_lead = self.leading(self.next_start(), body.is_empty());
        let close = self.tok("}");
        if body.is_empty() && close_lead.is_empty() && !open.hard() {
            return concat(vec![open, close]);
        }
        let mut inner = vec![Doc::HardLine];
        for (i, member) in body.into_iter().enumerate() {
            if i > 0 {
                inner.push(Doc::HardLine);
            }
            inner.push(member);
        }
        inner.push(close_lead);
        concat(vec![open, indent(inner), Doc::EnsureLineStart, close])
    }

    // --- members --------------------------------------------------------------------------

    fn property(&mut self, p: &Property, first: bool) -> (Assign, bool) {
        let (lead, blank) = self.member_lead(first);
        let ((head, value), trail) = self.member(p.span.end, |b| {
            let name = b.tok(&p.name.name);
            let eq = b.tok("=");
            let value = b.expr(&p.value);
            (concat(vec![name, Doc::text(" "), eq]), value)
        });
        let hug = matches!(p.value.kind, ExprKind::List(_));
        (
            Assign {
                lead,
                head,
                value,
                trail,
                hug,
            },
            blank,
        )
    }

    /// Properties of a block, their `=` aligned within runs (see [`align`]).
    fn assigns(&mut self, props: &[Property], ind: usize) -> Vec<Doc> {
        let built: Vec<(Assign, bool, usize)> = props
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (a, blank) = self.property(p, i == 0);
                (a, blank, p.name.name.chars().count())
            })
            .collect();
        layout_assigns(
            built
                .into_iter()
                .map(|(a, blank, w)| (a, true, blank, w))
                .collect(),
            ind,
        )
    }

    /// Columns as a table: names, types and annotations aligned within runs.
    fn columns(&mut self, columns: &[Column]) -> Vec<Doc> {
        struct Col {
            lead: Doc,
            name: Doc,
            ty: Doc,
            annotations: Vec<Doc>,
            trail: Doc,
            blank: bool,
        }
        let mut built = Vec::new();
        for (i, c) in columns.iter().enumerate() {
            let (lead, blank) = self.member_lead(i == 0);
            let ((name, ty, annotations), trail) = self.member(c.span.end, |b| {
                let name = concat(vec![b.tok(&c.name.name), b.tok(":")]);
                let ty = b.type_expr(&c.ty);
                let annotations: Vec<Doc> = c.annotations.iter().map(|a| b.annotation(a)).collect();
                (name, ty, annotations)
            });
            built.push(Col {
                lead,
                name,
                ty,
                annotations,
                trail,
                blank,
            });
        }
        let flat = |c: &Col| {
            let ann: Option<usize> = c.annotations.iter().map(Doc::flat_width).sum();
            Some((c.name.flat_width()?, c.ty.flat_width()?, ann?))
        };
        let name_keys: Vec<(Option<usize>, bool)> = built
            .iter()
            .map(|c| (flat(c).map(|(n, _, _)| n), c.blank))
            .collect();
        let type_keys: Vec<(Option<usize>, bool)> = built
            .iter()
            .map(|c| (flat(c).map(|(_, t, _)| t), c.blank))
            .collect();
        let name_widths = align(&name_keys);
        let type_widths = align(&type_keys);
        // Annotation `j` is padded to the widest annotation `j` among the columns of its run
        // that have an annotation after it.
        let ann_widths: Vec<Option<Vec<usize>>> = {
            let mut out: Vec<Option<Vec<usize>>> = vec![None; built.len()];
            let mut i = 0;
            while i < built.len() {
                if name_keys[i].0.is_none() {
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                while j < built.len() && name_keys[j].0.is_some() && !name_keys[j].1 {
                    j += 1;
                }
                let mut widths: Vec<usize> = Vec::new();
                for c in &built[i..j] {
                    let n = c.annotations.len();
                    for (k, a) in c.annotations.iter().enumerate().take(n.saturating_sub(1)) {
                        let w = a.flat_width().unwrap_or(0);
                        if widths.len() <= k {
                            widths.push(0);
                        }
                        widths[k] = widths[k].max(w);
                    }
                }
                for slot in &mut out[i..j] {
                    *slot = Some(widths.clone());
                }
                i = j;
            }
            out
        };
        built
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let (n, t) = match flat(&c) {
                    Some((n, t, _)) => (name_widths[i] - n, type_widths[i] - t),
                    None => (0, 0),
                };
                let mut docs = vec![c.lead, c.name, spaces(n + 1), c.ty];
                let mut pad = t;
                for (j, a) in c.annotations.into_iter().enumerate() {
                    docs.push(spaces(pad + 1));
                    let w = a.flat_width().unwrap_or(0);
                    pad = match &ann_widths[i] {
                        Some(widths) => widths.get(j).map_or(0, |m| m.saturating_sub(w)),
                        None => 0,
                    };
                    docs.push(a);
                }
                docs.push(c.trail);
                concat(docs)
            })
            .collect()
    }

    fn type_expr(&mut self, ty: &TypeExpr) -> Doc {
        let mut docs = vec![self.tok(&ty.name.name)];
        if let Some(arg) = &ty.arg {
            docs.push(self.tok("<"));
            docs.push(self.type_expr(arg));
            docs.push(self.tok(">"));
        }
        concat(docs)
    }

    fn features(&mut self, features: &[Feature]) -> Vec<Doc> {
        let ind = INDENT;
        let mut built = Vec::new();
        for (i, f) in features.iter().enumerate() {
            let (lead, blank) = self.member_lead(i == 0);
            let ((annotations, head, value), trail) = self.member(f.span.end, |b| {
                let annotations = b.annotations_line(&f.annotations);
                let mut head = vec![b.tok(&f.name.name)];
                if let Some(ty) = &f.ty {
                    head.push(b.tok(":"));
                    head.push(Doc::text(" "));
                    head.push(b.type_expr(ty));
                }
                head.push(Doc::text(" "));
                head.push(b.tok("="));
                let value = b.expr(&f.body);
                (annotations, concat(head), value)
            });
            let plain = f.doc.is_none() && f.annotations.is_empty() && f.ty.is_none();
            let assign = Assign {
                lead: concat(vec![lead, annotations]),
                head,
                value,
                trail,
                hug: matches!(f.body.kind, ExprKind::List(_)),
            };
            let width = f.name.name.chars().count();
            built.push((assign, plain, blank, width));
        }
        layout_assigns(built, ind)
    }

    fn training_members(&mut self, t: &TrainingSet) -> Vec<Doc> {
        enum M<'t> {
            Labels(&'t Labels),
            Prop(&'t Property),
        }
        let mut members: Vec<(u32, M<'_>)> = t
            .labels
            .iter()
            .map(|l| (l.span.start, M::Labels(l)))
            .chain(t.props.iter().map(|p| (p.span.start, M::Prop(p))))
            .collect();
        members.sort_by_key(|(start, _)| *start);
        let mut out = Vec::new();
        let mut run: Vec<(Assign, bool, usize)> = Vec::new();
        for (i, (_, m)) in members.iter().enumerate() {
            match m {
                M::Prop(p) => {
                    let (a, blank) = self.property(p, i == 0);
                    run.push((a, blank, p.name.name.chars().count()));
                }
                M::Labels(l) => {
                    out.extend(Self::finish_assigns(std::mem::take(&mut run), INDENT));
                    let (lead, _) = self.member_lead(i == 0);
                    let (doc, trail) = self.member(l.span.end, |b| {
                        let kw = b.tok("labels");
                        let from = b.tok("from");
                        let table = b.string(&l.table);
                        let body = b.block(|b| b.columns(&l.columns));
                        concat(vec![
                            kw,
                            Doc::text(" "),
                            from,
                            Doc::text(" "),
                            table,
                            Doc::text(" "),
                            body,
                        ])
                    });
                    out.push(concat(vec![lead, doc, trail]));
                }
            }
        }
        out.extend(Self::finish_assigns(run, INDENT));
        out
    }

    fn finish_assigns(run: Vec<(Assign, bool, usize)>, ind: usize) -> Vec<Doc> {
        layout_assigns(
            run.into_iter()
                .map(|(a, blank, w)| (a, true, blank, w))
                .collect(),
            ind,
        )
    }

    fn test_members(&mut self, members: &[TestMember]) -> Vec<Doc> {
        let mut out = Vec::new();
        let mut run: Vec<(Assign, bool, usize)> = Vec::new();
        for (i, m) in members.iter().enumerate() {
            match m {
                TestMember::Property(p) => {
                    let (a, blank) = self.property(p, i == 0);
                    run.push((a, blank, p.name.name.chars().count()));
                }
                TestMember::Given(g) => {
                    out.extend(Self::finish_assigns(std::mem::take(&mut run), INDENT));
                    let (lead, _) = self.member_lead(i == 0);
                    let (doc, trail) = self.member(g.span.end, |b| b.given(g));
                    out.push(concat(vec![lead, doc, trail]));
                }
                TestMember::Expect(e) => {
                    out.extend(Self::finish_assigns(std::mem::take(&mut run), INDENT));
                    let (lead, _) = self.member_lead(i == 0);
                    let (doc, trail) = self.member(e.span.end, |b| {
                        let docs = vec![
                            b.tok("expect"),
                            Doc::text(" "),
                            b.tok(&e.entity.name),
                            b.tok("("),
                            b.tok(&e.id_type.name),
                            b.tok(":"),
                            Doc::text(" "),
                            b.string(&e.id_value),
                            b.tok(")"),
                            Doc::text(" "),
                            b.block(|b| b.assigns(&e.assertions, 2 * INDENT)),
                        ];
                        concat(docs)
                    });
                    out.push(concat(vec![lead, doc, trail]));
                }
            }
        }
        out.extend(Self::finish_assigns(run, INDENT));
        out
    }

    /// `given SOURCE = [` one row per line, the fields of rows with the same columns aligned.
    fn given(&mut self, g: &Given) -> Doc {
        let head = vec![
            self.tok("given"),
            Doc::text(" "),
            self.tok(&g.source.name),
            Doc::text(" "),
            self.tok("="),
            Doc::text(" "),
            self.tok("["),
        ];
        struct RowDoc {
            lead: Doc,
            fields: Vec<(Doc, Doc)>,
            open: Doc,
            close: Doc,
            close_lead: Doc,
            trail: Doc,
        }
        let mut rows = Vec::new();
        for (i, row) in g.rows.iter().enumerate() {
            let (lead, _) = self.member_lead(i == 0);
            let comma_end = {
                // The row's member ends at its comma when it has one.
                let mut j = self.pos;
                while self
                    .tokens
                    .get(j)
                    .is_some_and(|(_, s)| s.end <= row.span.end)
                {
                    j += 1;
                }
                match self.tokens.get(j) {
                    Some((Token::Comma, s)) => s.end,
                    _ => row.span.end,
                }
            };
            let (r, trail) = self.member(comma_end, |b| {
                let open = b.tok("{");
                let fields = b.seq(&row.fields, |b, f| {
                    concat(vec![
                        b.tok(&f.name.name),
                        b.tok(":"),
                        Doc::text(" "),
                        b.expr(&f.value),
                    ])
                });
                let close_lead = b.leading(b.next_start(), false);
                let close = b.tok("}");
                let after = b.skip_comma();
                (open, fields, close_lead, concat(vec![close, after]))
            });
            let (open, fields, close_lead, close) = r;
            rows.push(RowDoc {
                lead,
                fields,
                open,
                close,
                close_lead,
                trail,
            });
        }
        let close_lead = self.leading(self.next_start(), rows.is_empty());
        let close = self.tok("]");
        if rows.is_empty() && close_lead.is_empty() {
            return concat(head.into_iter().chain([close]).collect());
        }
        // Column alignment: a field is padded like the same field of the rows that share
        // every column name up to the next field.
        let names: Vec<Vec<&str>> = g
            .rows
            .iter()
            .map(|r| r.fields.iter().map(|f| f.name.name.as_str()).collect())
            .collect();
        let flat: Vec<bool> = rows
            .iter()
            .map(|r| {
                !r.open.hard()
                    && !r.close_lead.hard()
                    && r.fields.iter().all(|(f, c)| !f.hard() && !c.hard())
            })
            .collect();
        let mut lines = vec![Doc::HardLine];
        for (ri, r) in rows.into_iter().enumerate() {
            if ri > 0 {
                lines.push(Doc::HardLine);
            }
            lines.push(r.lead);
            if r.fields.is_empty() {
                lines.extend([r.open, r.close_lead, r.close, Doc::text(","), r.trail]);
                continue;
            }
            if !flat[ri] {
                let mut inner = vec![Doc::HardLine];
                let n = r.fields.len();
                for (fi, (f, c)) in r.fields.into_iter().enumerate() {
                    inner.push(f);
                    inner.push(if fi + 1 < n {
                        c
                    } else {
                        concat(vec![Doc::text(","), c])
                    });
                    if fi + 1 < n {
                        inner.push(Doc::HardLine);
                    }
                }
                inner.push(r.close_lead);
                lines.extend([
                    r.open,
                    indent(inner),
                    Doc::EnsureLineStart,
                    r.close,
                    Doc::text(","),
                    r.trail,
                ]);
                continue;
            }
            let mut docs = vec![r.open, Doc::text(" ")];
            let n = r.fields.len();
            for (fi, (f, c)) in r.fields.into_iter().enumerate() {
                let w = f.flat_width().unwrap_or(0) + c.flat_width().unwrap_or(0);
                docs.push(f);
                docs.push(c);
                if fi + 1 < n {
                    let prefix = &names[ri][..fi + 2];
                    let target = (0..names.len())
                        .filter(|&o| {
                            flat[o] && names[o].len() > fi + 1 && names[o][..fi + 2] == *prefix
                        })
                        .map(|o| row_field_width(&g.rows[o], fi))
                        .max()
                        .unwrap_or(w);
                    docs.push(spaces(target.saturating_sub(w) + 1));
                }
            }
            docs.push(r.close_lead);
            docs.push(Doc::text(" "));
            lines.extend(docs);
            lines.extend([r.close, Doc::text(","), r.trail]);
        }
        lines.push(close_lead);
        concat(
            head.into_iter()
                .chain([indent(lines), Doc::EnsureLineStart, close])
                .collect(),
        )
    }

    /// Items separated by their commas: each item with the comma (or nothing) after it.
    fn seq<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T) -> Doc) -> Vec<(Doc, Doc)> {
        let n = items.len();
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let doc = f(self, item);
                let comma = if i + 1 < n {
                    self.tok(",")
                } else {
                    self.skip_comma()
                };
                (doc, comma)
            })
            .collect()
    }

    /// `(a, b)` or `[a, b]`: flat when it fits, else one item per line with a trailing comma.
    fn delimited<T>(
        &mut self,
        open: &str,
        items: &[T],
        close: &str,
        f: impl FnMut(&mut Self, &T) -> Doc,
    ) -> Doc {
        let open = self.tok(open);
        let items = self.seq(items, f);
        let close_lead = self.leading(self.next_start(), false);
        let close = self.tok(close);
        let n = items.len();
        let mut inner = vec![Doc::SoftLine];
        for (i, (item, comma)) in items.into_iter().enumerate() {
            inner.push(item);
            if i + 1 < n {
                inner.push(comma);
                inner.push(Doc::Line);
            } else {
                inner.push(Doc::IfBreak(","));
                inner.push(comma);
            }
        }
        if n == 0 && close_lead.is_empty() {
            return concat(vec![open, close]);
        }
        // Comments before the bracket end their own line already.
        let before_close = if close_lead.is_empty() {
            Doc::SoftLine
        } else {
            Doc::EnsureLineStart
        };
        inner.push(close_lead);
        group(vec![open, indent(inner), before_close, close])
    }

    // --- expressions ----------------------------------------------------------------------

    fn string(&mut self, s: &StrLit) -> Doc {
        let printed = if s.raw {
            format!("r\"{}\"", s.value)
        } else {
            quote(&s.value)
        };
        let raw = s.raw;
        self.tok_as(printed, |t, _| match t {
            Token::Str(_) => !raw,
            Token::RawStr(_) => raw,
            _ => false,
        })
    }

    fn expr(&mut self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Int(s) | ExprKind::Decimal(s) => self.tok(s),
            ExprKind::Str(s) => self.string(s),
            ExprKind::Bool(b) => self.tok(if *b { "true" } else { "false" }),
            ExprKind::Null => self.tok("null"),
            ExprKind::Duration { amount, unit } => {
                let n = amount.parse::<u64>().unwrap_or(u64::MAX);
                let amount = self.tok(amount);
                let expected = *unit;
                let unit = self.tok_as(
                    unit.keyword(n).to_string(),
                    |t, _| matches!(t, Token::Unit(u) if *u == expected),
                );
                concat(vec![amount, Doc::text(" "), unit])
            }
            ExprKind::List(items) => self.delimited("[", items, "]", |b, e| b.expr(e)),
            ExprKind::Name(id) => self.tok(&id.name),
            ExprKind::Path { qualifier, name } => concat(vec![
                self.tok(&qualifier.name),
                self.tok("."),
                self.tok(&name.name),
            ]),
            ExprKind::Call { func, args } => {
                let name = self.tok(&func.name);
                let args = self.delimited("(", args, ")", |b, e| b.expr(e));
                concat(vec![name, args])
            }
            ExprKind::Unary { op, expr } => match op {
                UnaryOp::Neg => concat(vec![self.tok("-"), self.expr(expr)]),
                UnaryOp::Not => concat(vec![self.tok("not"), Doc::text(" "), self.expr(expr)]),
            },
            ExprKind::Binary { op, .. } if breakable(*op) => {
                // A chain of the same precedence breaks before each of its operators.
                let mut operands = Vec::new();
                let mut cur = e;
                while let ExprKind::Binary { op: o, lhs, rhs } = &cur.kind {
                    if !same_level(*o, *op) {
                        break;
                    }
                    operands.push((*o, rhs.as_ref()));
                    cur = lhs;
                }
                operands.reverse();
                let first = self.expr(cur);
                let mut rest = Vec::new();
                for (o, operand) in operands {
                    rest.push(Doc::Line);
                    rest.push(self.tok(o.symbol()));
                    rest.push(Doc::text(" "));
                    rest.push(self.expr(operand));
                }
                group(vec![first, indent(rest)])
            }
            ExprKind::Binary { op, lhs, rhs } => {
                // Left-nested chains are walked without recursion on the left.
                let mut chain = vec![(*op, rhs.as_ref())];
                let mut cur = lhs.as_ref();
                while let ExprKind::Binary { op, lhs, rhs } = &cur.kind {
                    if breakable(*op) {
                        break;
                    }
                    chain.push((*op, rhs.as_ref()));
                    cur = lhs;
                }
                let mut docs = vec![self.expr(cur)];
                for (op, rhs) in chain.into_iter().rev() {
                    docs.push(Doc::text(" "));
                    docs.push(self.tok(op.symbol()));
                    docs.push(Doc::text(" "));
                    docs.push(self.expr(rhs));
                }
                concat(docs)
            }
            ExprKind::IsNull { expr, negated } => {
                let mut docs = vec![self.expr(expr), Doc::text(" "), self.tok("is")];
                if *negated {
                    docs.push(Doc::text(" "));
                    docs.push(self.tok("not"));
                }
                docs.push(Doc::text(" "));
                docs.push(self.tok("null"));
                concat(docs)
            }
            ExprKind::If { .. } => {
                // `else if` chains stay flat: each branch on its own line when broken.
                let mut docs = Vec::new();
                let mut cur = e;
                while let ExprKind::If {
                    cond,
                    then,
                    otherwise,
                } = &cur.kind
                {
                    docs.push(self.tok("if"));
                    docs.push(Doc::text(" "));
                    docs.push(self.expr(cond));
                    docs.push(Doc::text(" "));
                    docs.push(self.tok("then"));
                    docs.push(Doc::text(" "));
                    docs.push(self.expr(then));
                    docs.push(Doc::Line);
                    docs.push(self.tok("else"));
                    docs.push(Doc::text(" "));
                    cur = otherwise;
                }
                docs.push(self.expr(cur));
                group(docs)
            }
            ExprKind::Paren(inner) => {
                let open = self.tok("(");
                let inner = self.expr(inner);
                let close_lead = self.leading(self.next_start(), false);
                let close = self.tok(")");
                let before_close = if close_lead.is_empty() {
                    Doc::SoftLine
                } else {
                    Doc::EnsureLineStart
                };
                group(vec![
                    open,
                    indent(vec![Doc::SoftLine, inner, close_lead]),
                    before_close,
                    close,
                ])
            }
            ExprKind::Pipeline(p) => {
                let source = self.tok(&p.source.name);
                let mut steps = Vec::new();
                for step in &p.steps {
                    steps.push(Doc::Line);
                    steps.push(self.tok("|"));
                    steps.push(Doc::text(" "));
                    steps.push(self.step(step));
                }
                group(vec![source, indent(steps)])
            }
            ExprKind::Error => {
                self.fail("an expression did not parse".to_string());
                Doc::empty()
            }
        }
    }

    fn step(&mut self, step: &Step) -> Doc {
        match &step.kind {
            StepKind::Where(e) => concat(vec![self.tok("where"), Doc::text(" "), self.expr(e)]),
            StepKind::Within(e) => concat(vec![self.tok("within"), Doc::text(" "), self.expr(e)]),
            StepKind::Aggregate { func, args } => {
                let name = self.tok(&func.name);
                let args = self.delimited("(", args, ")", |b, e| b.expr(e));
                concat(vec![name, args])
            }
            StepKind::Error => {
                self.fail("a pipeline step did not parse".to_string());
                Doc::empty()
            }
        }
    }
}

/// Operators before which a long chain breaks: `and`, `or`, `+`, `-`.
fn breakable(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::And | BinaryOp::Or | BinaryOp::Add | BinaryOp::Sub
    )
}

/// Whether two breakable operators chain at the same precedence level.
fn same_level(a: BinaryOp, b: BinaryOp) -> bool {
    let level = |op| match op {
        BinaryOp::And => 1,
        BinaryOp::Or => 2,
        BinaryOp::Add | BinaryOp::Sub => 3,
        _ => 0,
    };
    level(a) != 0 && level(a) == level(b)
}

/// The flat width of a row's field `fi` with its comma, as [`Builder::given`] prints it.
fn row_field_width(row: &Row, fi: usize) -> usize {
    let f = &row.fields[fi];
    f.name.name.chars().count() + 2 + flat_expr_width(&f.value) + 1
}

/// The width of an expression printed flat (the fields of aligned rows have no comments).
fn flat_expr_width(e: &Expr) -> usize {
    let list = |items: &[Expr]| -> usize {
        items.iter().map(flat_expr_width).sum::<usize>() + 2 * items.len().saturating_sub(1)
    };
    match &e.kind {
        ExprKind::Int(s) | ExprKind::Decimal(s) => s.chars().count(),
        ExprKind::Str(s) if s.raw => s.value.chars().count() + 3,
        ExprKind::Str(s) => quote(&s.value).chars().count(),
        ExprKind::Bool(true) | ExprKind::Null => 4,
        ExprKind::Bool(false) => 5,
        ExprKind::Duration { amount, unit } => {
            let n = amount.parse::<u64>().unwrap_or(u64::MAX);
            amount.chars().count() + 1 + unit.keyword(n).len()
        }
        ExprKind::List(items) => list(items) + 2,
        ExprKind::Name(id) => id.name.len(),
        ExprKind::Path { qualifier, name } => qualifier.name.len() + 1 + name.name.len(),
        ExprKind::Call { func, args } => func.name.len() + 2 + list(args),
        ExprKind::Unary { op, expr } => {
            flat_expr_width(expr) + if *op == UnaryOp::Neg { 1 } else { 4 }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            flat_expr_width(lhs) + flat_expr_width(rhs) + op.symbol().len() + 2
        }
        ExprKind::IsNull { expr, negated } => flat_expr_width(expr) + if *negated { 12 } else { 8 },
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => flat_expr_width(cond) + flat_expr_width(then) + flat_expr_width(otherwise) + 15,
        ExprKind::Paren(inner) => flat_expr_width(inner) + 2,
        ExprKind::Pipeline(p) => {
            p.source.name.len()
                + p.steps
                    .iter()
                    .map(|s| {
                        3 + match &s.kind {
                            StepKind::Where(e) => 6 + flat_expr_width(e),
                            StepKind::Within(e) => 7 + flat_expr_width(e),
                            StepKind::Aggregate { func, args } => func.name.len() + 2 + list(args),
                            StepKind::Error => 0,
                        }
                    })
                    .sum::<usize>()
        }
        ExprKind::Error => 0,
    }
}

/// Lays out `name = value` members `(member, may align, blank line before, name width)`,
/// their `=` aligned within runs. A member takes part when it fits on one line padded to the
/// widest name of its run; the runs are recomputed until every member in one fits.
fn layout_assigns(run: Vec<(Assign, bool, bool, usize)>, ind: usize) -> Vec<Doc> {
    let line: Vec<Option<usize>> = run
        .iter()
        .map(
            |(a, ok, _, _)| match (a.head.flat_width(), a.value.flat_width()) {
                (Some(h), Some(v)) if *ok => Some(h + 1 + v),
                _ => None,
            },
        )
        .collect();
    let mut keys: Vec<(Option<usize>, bool)> = run
        .iter()
        .zip(&line)
        .map(|((_, _, blank, w), l)| (l.map(|_| *w), *blank))
        .collect();
    let widths = loop {
        let widths = align(&keys);
        let mut changed = false;
        for (i, key) in keys.iter_mut().enumerate() {
            if let (Some(w), Some(l)) = (key.0, line[i]) {
                if ind + l + widths[i] - w > MAX_WIDTH {
                    key.0 = None;
                    changed = true;
                }
            }
        }
        if !changed {
            break widths;
        }
    };
    run.into_iter()
        .zip(keys)
        .zip(widths)
        .map(|(((a, _, _, w), key), target)| {
            let pad = if key.0.is_some() { target - w } else { 0 };
            layout_assign(a, pad, ind)
        })
        .collect()
}

/// For each member, the width its key is padded to: the widest key of its run. A run is a
/// sequence of alignable members (`Some(width)`) with no blank line before any but the first.
fn align(keys: &[(Option<usize>, bool)]) -> Vec<usize> {
    let mut out: Vec<usize> = keys.iter().map(|(w, _)| w.unwrap_or(0)).collect();
    let mut i = 0;
    while i < keys.len() {
        if keys[i].0.is_none() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < keys.len() && keys[j].0.is_some() && !keys[j].1 {
            j += 1;
        }
        let max = keys[i..j].iter().filter_map(|(w, _)| *w).max().unwrap_or(0);
        for slot in &mut out[i..j] {
            *slot = max;
        }
        i = j;
    }
    out
}

/// `name = value`: on one line when it fits; else the value on the next line, one level
/// deeper (and broken inside if it still does not fit), except lists, which open on the `=`
/// line.
fn layout_assign(a: Assign, pad: usize, ind: usize) -> Doc {
    let Assign {
        lead,
        head,
        value,
        trail,
        hug,
    } = a;
    let head = match head {
        Doc::Concat(mut v, hard) if pad > 0 && v.len() == 3 => {
            // `name`, ` `, `=`: the padding goes before the `=`.
            v[1] = spaces(pad + 1);
            Doc::Concat(v, hard)
        }
        Doc::Concat(mut v, hard) if pad > 0 => {
            v.insert(v.len() - 1, spaces(pad));
            Doc::Concat(v, hard)
        }
        other => other,
    };
    let widths = (head.flat_width(), value.flat_width());
    let body = match widths {
        (Some(h), Some(v)) if ind + h + 1 + v <= MAX_WIDTH => {
            concat(vec![head, Doc::text(" "), value])
        }
        (Some(_), _) if !hug => concat(vec![head, indent(vec![Doc::HardLine, value])]),
        _ => concat(vec![head, Doc::text(" "), value]),
    };
    concat(vec![lead, body, trail])
}

/// A string literal with the canonical escapes: `\"`, `\\`, `\n`, `\t`, and `\u{…}` for other
/// control characters.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
