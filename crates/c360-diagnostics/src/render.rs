//! Rendering diagnostics: for people (ariadne snippets), for tools (JSON) and for GitHub
//! Actions (workflow commands).
//!
//! All three renderers take the file texts through [`SourceLookup`]. A diagnostic whose file
//! text is not available still renders, without source positions. Spans are clamped into the
//! text and widened to character boundaries, so an out-of-range span never panics.
//!
//! Positions shown anywhere are 1-based and count columns in characters
//! ([`PositionEncoding::Chars`]); the human snippet, the JSON fields and the GitHub
//! annotations agree on them.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};
use std::hash::BuildHasher;
use std::ops::Range;

use ariadne::{Cache, Color, Config, IndexType, Report, ReportKind, Source};
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::line_index::{LineIndex, PositionEncoding};
use crate::span::{FileId, Span};

/// Gives renderers the text of a project file.
pub trait SourceLookup {
    /// The text of `file`, or `None` when it is not loaded.
    fn text(&self, file: &FileId) -> Option<&str>;
}

impl<T: SourceLookup + ?Sized> SourceLookup for &T {
    fn text(&self, file: &FileId) -> Option<&str> {
        (**self).text(file)
    }
}

impl<S: AsRef<str>, H: BuildHasher> SourceLookup for HashMap<FileId, S, H> {
    fn text(&self, file: &FileId) -> Option<&str> {
        self.get(file).map(AsRef::as_ref)
    }
}

impl<S: AsRef<str>> SourceLookup for BTreeMap<FileId, S> {
    fn text(&self, file: &FileId) -> Option<&str> {
        self.get(file).map(AsRef::as_ref)
    }
}

impl<S: AsRef<str>> SourceLookup for [(FileId, S)] {
    fn text(&self, file: &FileId) -> Option<&str> {
        self.iter()
            .find(|(id, _)| id == file)
            .map(|(_, text)| text.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> SourceLookup for [(FileId, S); N] {
    fn text(&self, file: &FileId) -> Option<&str> {
        self.as_slice().text(file)
    }
}

impl<S: AsRef<str>> SourceLookup for Vec<(FileId, S)> {
    fn text(&self, file: &FileId) -> Option<&str> {
        self.as_slice().text(file)
    }
}

/// A lookup that knows no file: every diagnostic renders without a snippet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoSources;

impl SourceLookup for NoSources {
    fn text(&self, _file: &FileId) -> Option<&str> {
        None
    }
}

/// A 1-based position range; columns count characters and `end_column` is exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Location {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

/// The span clamped into `text`: an end before the start becomes the start, offsets past the
/// end become the end, the start moves back and the end forward to character boundaries.
fn clamp_span(text: &str, span: Span) -> Range<usize> {
    let len = text.len();
    let mut start = (span.start as usize).min(len);
    let mut end = (span.end as usize).clamp(start, len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// File texts and their line indexes, built once per render call.
struct Texts<'a> {
    lookup: &'a dyn SourceLookup,
    indexes: HashMap<FileId, LineIndex>,
}

impl<'a> Texts<'a> {
    fn new(lookup: &'a dyn SourceLookup) -> Self {
        Texts {
            lookup,
            indexes: HashMap::new(),
        }
    }

    /// The text of `file` with its (cached) line index.
    fn get(&mut self, file: &FileId) -> Option<(&'a str, &LineIndex)> {
        let text = self.lookup.text(file)?;
        let index = self
            .indexes
            .entry(file.clone())
            .or_insert_with(|| LineIndex::new(text));
        Some((text, index))
    }

    /// Where `span` is in `file`, or `None` when the text is not available.
    fn locate(&mut self, file: &FileId, span: Span) -> Option<Location> {
        let (text, index) = self.get(file)?;
        let range = clamp_span(text, span);
        let start = index.line_col(text, range.start, PositionEncoding::Chars);
        let end = index.line_col(text, range.end, PositionEncoding::Chars);
        Some(Location {
            line: start.line + 1,
            column: start.col + 1,
            end_line: end.line + 1,
            end_column: end.col + 1,
        })
    }

    /// Like [`Texts::locate`], but the end is the position of the last character (inclusive), as
    /// GitHub annotations expect; an empty span ends where it starts.
    fn locate_inclusive(&mut self, file: &FileId, span: Span) -> Option<Location> {
        let (text, index) = self.get(file)?;
        let range = clamp_span(text, span);
        let start = index.line_col(text, range.start, PositionEncoding::Chars);
        let last = if range.is_empty() {
            start
        } else {
            // `range.end` is a boundary after at least one character: step back onto it.
            let last_char = text[range.clone()]
                .char_indices()
                .next_back()
                .map_or(range.start, |(i, _)| range.start + i);
            index.line_col(text, last_char, PositionEncoding::Chars)
        };
        Some(Location {
            line: start.line + 1,
            column: start.col + 1,
            end_line: last.line + 1,
            end_column: last.col + 1,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Human form
// ---------------------------------------------------------------------------------------------

/// ANSI styles for the parts ariadne does not draw itself.
const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const BOLD_RED: &str = "\x1b[1;31m";
const BOLD_YELLOW: &str = "\x1b[1;33m";
/// The colour ariadne gives margins without a line number.
const MARGIN: &str = "\x1b[38;5;240m";
/// The colour ariadne gives its help and note headings.
const NOTE: &str = "\x1b[38;5;115m";

/// Renders diagnostics for a terminal, one ariadne snippet each, separated by blank lines.
///
/// Each diagnostic starts with a title such as ``error[E0108]: unknown id type `emial` ``,
/// followed by a snippet of every file it has labels in (the primary label's file first),
/// then its `help:` and `note:` lines. The primary label shows its own message, or the
/// diagnostic's message when it has none. A label whose file text is not available is listed
/// as `--> file` instead of a snippet.
///
/// The output ends with a summary line after a blank line, e.g.
/// `error: found 2 errors and 1 warning` or `warning: found 1 warning` (see
/// [`render_summary`]). No diagnostics render as the empty string.
///
/// With `color == false` the output has no escape codes and no trailing spaces, so it is stable
/// for snapshots.
pub fn render_human(diags: &[Diagnostic], sources: &dyn SourceLookup, color: bool) -> String {
    let mut cache = DisplayCache::new(sources);
    let mut out = String::new();
    for (i, diag) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_one(diag, &mut cache, color, &mut out);
    }
    if let Some(summary) = render_summary(diags, color) {
        out.push('\n');
        out.push_str(&summary);
        out.push('\n');
    }
    out
}

/// The closing line of [`render_human`]: `error: found 2 errors and 1 warning`,
/// `warning: found 1 warning`, or `None` when there are no diagnostics.
pub fn render_summary(diags: &[Diagnostic], color: bool) -> Option<String> {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let (heading, style) = match (errors, warnings) {
        (0, 0) => return None,
        (0, _) => ("warning", BOLD_YELLOW),
        _ => ("error", BOLD_RED),
    };
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(plural(errors, "error"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning"));
    }
    let body = format!("found {}", counts.join(" and "));
    Some(if color {
        format!("{style}{heading}{RESET}{BOLD}: {body}{RESET}")
    } else {
        format!("{heading}: {body}")
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The texts ariadne draws from, keyed by file.
///
/// ariadne splits lines at more characters than `\n` (lone `\r`, vertical tab, form feed,
/// U+0085, U+2028, U+2029); [`LineIndex`] splits only at `\n`. [`display_text`] replaces those
/// characters by blanks of the same byte length and character count, so both agree on every
/// line and column.
struct DisplayCache<'a> {
    lookup: &'a dyn SourceLookup,
    files: HashMap<FileId, Option<DisplayFile<'a>>>,
}

/// One file as ariadne sees it, with what is needed to convert byte offsets of the original.
struct DisplayFile<'a> {
    text: &'a str,
    index: LineIndex,
    source: Source<String>,
}

impl<'a> DisplayCache<'a> {
    fn new(lookup: &'a dyn SourceLookup) -> Self {
        DisplayCache {
            lookup,
            files: HashMap::new(),
        }
    }

    fn file(&mut self, file: &FileId) -> Option<&DisplayFile<'a>> {
        let lookup = self.lookup;
        self.files
            .entry(file.clone())
            .or_insert_with(|| {
                lookup.text(file).map(|text| DisplayFile {
                    text,
                    index: LineIndex::new(text),
                    source: Source::from(display_text(text)),
                })
            })
            .as_ref()
    }

    /// The character range ariadne needs for `span` of `file`, or `None` without the text.
    ///
    /// ariadne 0.6's `IndexType::Byte` mislocates (and can panic on) the header of a snippet
    /// for a second file with non-ASCII text, so spans are handed over as character offsets
    /// with `IndexType::Char`.
    fn char_range(&mut self, file: &FileId, span: Span) -> Option<Range<usize>> {
        let f = self.file(file)?;
        let bytes = clamp_span(f.text, span);
        let to_chars = |byte: usize| {
            let pos = f.index.line_col(f.text, byte, PositionEncoding::Chars);
            // Display lines correspond one to one to LineIndex lines (see `display_text`).
            f.source
                .line(pos.line as usize)
                .map_or(0, |line| line.offset())
                + pos.col as usize
        };
        Some(to_chars(bytes.start)..to_chars(bytes.end))
    }
}

impl Cache<FileId> for DisplayCache<'_> {
    type Storage = String;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<String>, impl fmt::Debug> {
        let missing = format!("no text for `{id}`");
        self.file(id).map(|f| &f.source).ok_or(missing)
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl fmt::Display + 'b> {
        Some(id)
    }
}

/// `text` as ariadne should display it: same byte offsets and character counts, with line
/// separators other than `\n` and `\r\n`, control characters and bidirectional overrides
/// replaced by blanks or U+FFFD, and one extra `\n` when the text ends with a newline so that
/// a span at the very end lies on the (empty) last line, as [`LineIndex`] has it.
fn display_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => out.push('\r'),
            '\n' | '\t' => out.push(c),
            // One byte: a plain space.
            '\0'..='\x1f' | '\x7f' => out.push(' '),
            // Two bytes (C1 controls, including U+0085 NEXT LINE): NO-BREAK SPACE.
            '\u{80}'..='\u{9f}' => out.push('\u{a0}'),
            // Three bytes: EN QUAD for the separators, REPLACEMENT CHARACTER for the
            // bidirectional controls, which could reorder the displayed line.
            '\u{2028}' | '\u{2029}' => out.push('\u{2000}'),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// One label to draw, in character offsets.
struct Shown {
    file: FileId,
    chars: Range<usize>,
    message: Option<String>,
    primary: bool,
}

fn render_one(diag: &Diagnostic, cache: &mut DisplayCache<'_>, color: bool, out: &mut String) {
    write_title(diag, color, out);

    // ariadne draws no underline for a label without text; an unlabelled primary span gets
    // the code's short title rather than repeating the whole message.
    let primary_message = if diag.primary.message.is_empty() {
        diag.code.info().title.to_string()
    } else {
        diag.primary.message.clone()
    };
    let labels = std::iter::once((&diag.primary, Some(primary_message), true)).chain(
        diag.secondary
            .iter()
            .map(|l| (l, Some(l.message.clone()).filter(|m| !m.is_empty()), false)),
    );

    let mut shown = Vec::new();
    for (label, message, primary) in labels {
        match cache.char_range(&label.file, label.span) {
            Some(chars) => shown.push(Shown {
                file: label.file.clone(),
                chars,
                message,
                primary,
            }),
            None => write_missing(label, color, out),
        }
    }

    if shown.is_empty() {
        write_trailer_plain(diag, color, out);
        return;
    }
    order_labels(&mut shown);

    match draw_snippet(diag, &shown, cache, color) {
        Some(snippet) => splice_snippet(diag, &snippet, color, out),
        None => write_trailer_plain(diag, color, out),
    }
}

fn write_title(diag: &Diagnostic, color: bool, out: &mut String) {
    let heading = format!("{}[{}]", diag.severity.as_str(), diag.code);
    if color {
        let style = match diag.severity {
            Severity::Error => BOLD_RED,
            Severity::Warning => BOLD_YELLOW,
        };
        let _ = writeln!(
            out,
            "{style}{heading}{RESET}{BOLD}: {}{RESET}",
            diag.message
        );
    } else {
        let _ = writeln!(out, "{heading}: {}", diag.message);
    }
}

/// `  --> file[: message]` for a label whose file text is not available. Only the label's own
/// message is shown: the primary label's fallback would repeat the title.
fn write_missing(label: &Label, color: bool, out: &mut String) {
    let arrow = if color {
        format!("{MARGIN}-->{RESET}")
    } else {
        "-->".to_string()
    };
    let _ = write!(out, "  {arrow} {}", label.file);
    if !label.message.is_empty() {
        let _ = write!(out, ": {}", label.message);
    }
    out.push('\n');
}

/// `help:` and `note:` lines of a diagnostic drawn without a snippet.
fn write_trailer_plain(diag: &Diagnostic, color: bool, out: &mut String) {
    for (heading, text) in trailer(diag) {
        let eq = if color {
            format!("{MARGIN}={RESET}")
        } else {
            "=".to_string()
        };
        write_trailer_line(&format!("  {eq} "), heading, text, color, out);
    }
}

/// The help and note of a diagnostic, in printing order.
fn trailer(diag: &Diagnostic) -> impl Iterator<Item = (&'static str, &str)> {
    [
        ("help", diag.help.as_deref()),
        ("note", diag.note.as_deref()),
    ]
    .into_iter()
    .filter_map(|(heading, text)| text.map(|t| (heading, t)))
}

/// `{margin}help: first line`, with further lines of `text` aligned under the first.
fn write_trailer_line(margin: &str, heading: &str, text: &str, color: bool, out: &mut String) {
    let styled = if color {
        format!("{NOTE}{heading}{RESET}")
    } else {
        heading.to_string()
    };
    let indent = " ".repeat(heading.len() + 2);
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 {
            format!("{margin}{styled}: {line}")
        } else {
            format!("{margin}{indent}{line}")
        };
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    if text.is_empty() {
        let _ = writeln!(out, "{margin}{styled}:");
    }
}

/// Orders labels for ariadne: the primary label's file first, then the other files in order of
/// first mention; within a file by end, then start (ariadne starts a new snippet whenever a
/// label ends on an earlier line than the one before it).
fn order_labels(shown: &mut [Shown]) {
    let mut file_rank: Vec<FileId> = Vec::new();
    for label in shown.iter() {
        if !file_rank.contains(&label.file) {
            file_rank.push(label.file.clone());
        }
    }
    if let Some(primary) = shown.iter().find(|l| l.primary) {
        if let Some(pos) = file_rank.iter().position(|f| *f == primary.file) {
            let file = file_rank.remove(pos);
            file_rank.insert(0, file);
        }
    }
    shown.sort_by_key(|l| {
        let rank = file_rank.iter().position(|f| *f == l.file);
        (rank, l.chars.end, l.chars.start, !l.primary)
    });
}

/// ariadne's rendering of the labels, without its header line; `None` if it failed.
fn draw_snippet(
    diag: &Diagnostic,
    shown: &[Shown],
    cache: &mut DisplayCache<'_>,
    color: bool,
) -> Option<String> {
    let anchor = shown.iter().find(|l| l.primary).unwrap_or(&shown[0]);
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let primary_color = match diag.severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    };
    let config = Config::new()
        .with_color(color)
        .with_index_type(IndexType::Char);
    let labels = shown.iter().map(|l| {
        let mut label = ariadne::Label::new((l.file.clone(), l.chars.clone()));
        if let Some(message) = &l.message {
            label = label.with_message(message);
        }
        if l.primary {
            label = label.with_priority(1);
        }
        // Label colours are drawn even when the config disables colour.
        if color {
            label = label.with_color(if l.primary {
                primary_color
            } else {
                Color::Blue
            });
        }
        label
    });
    let report = Report::build(kind, (anchor.file.clone(), anchor.chars.clone()))
        .with_config(config)
        .with_labels(labels)
        .finish();
    let mut bytes = Vec::new();
    report.write(&mut *cache, &mut bytes).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    // The first line is ariadne's own title (`Error:`), replaced by ours.
    let (_, body) = text.split_once('\n')?;
    Some(body.to_string())
}

/// Appends ariadne's snippet with trailing spaces removed, and the help and note inside its
/// frame, just above the closing `───╯` line.
fn splice_snippet(diag: &Diagnostic, snippet: &str, color: bool, out: &mut String) {
    let lines: Vec<&str> = snippet.lines().collect();
    let (body, tail) = match lines.split_last() {
        Some((last, body)) if last.contains('╯') => (body, Some(*last)),
        _ => (lines.as_slice(), None),
    };
    for line in body {
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    // The frame's closing line is one `─` per margin column, then `╯`.
    let width = tail.map_or(2, |t| t.chars().filter(|&c| c == '─').count());
    let bar = if color {
        format!("{MARGIN}│{RESET}")
    } else {
        "│".to_string()
    };
    let margin = format!("{}{bar} ", " ".repeat(width));
    for (heading, text) in trailer(diag) {
        out.push_str(margin.trim_end_matches(' '));
        out.push('\n');
        write_trailer_line(&margin, heading, text, color, out);
    }
    if let Some(tail) = tail {
        out.push_str(tail.trim_end_matches(' '));
        out.push('\n');
    }
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/// Renders diagnostics as a JSON array, one object per diagnostic:
///
/// ```json
/// { "code": "E0108", "column": 10, "end_column": 15, "end_line": 3,
///   "file": "features.c360", "fix": null, "help": "did you mean `email`?",
///   "label": null, "labels": [], "line": 3,
///   "message": "unknown id type `emial`", "note": null, "severity": "error" }
/// ```
///
/// Lines and columns are 1-based, columns count characters, and `end_column` is exclusive (one
/// past the last character). They are `null` when the file text is not available. `label` is
/// the primary label's own message (`null` when it has none); `labels` are the secondary labels
/// `{column, end_column, end_line, file, line, message}`; `fix` is
/// `{edits: [{column, end_column, end_line, file, line, replacement}], message}` or `null`.
///
/// Keys are in alphabetical order, whatever features `serde_json` is built with.
pub fn render_json(diags: &[Diagnostic], sources: &dyn SourceLookup) -> Value {
    let mut texts = Texts::new(sources);
    Value::Array(
        diags
            .iter()
            .map(|diag| diagnostic_json(diag, &mut texts))
            .collect(),
    )
}

/// An object with keys inserted in sorted order, so that its key order is alphabetical both
/// with `serde_json`'s default map and with its `preserve_order` feature.
fn object(mut fields: Vec<(&str, Value)>) -> Value {
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut map = Map::new();
    for (key, value) in fields {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

fn optional_text(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// `file`, `line`, `column`, `end_line`, `end_column` of a span.
fn position_fields(texts: &mut Texts<'_>, file: &FileId, span: Span) -> Vec<(&'static str, Value)> {
    let loc = texts.locate(file, span);
    let number = |f: fn(&Location) -> u32| loc.as_ref().map_or(Value::Null, |l| f(l).into());
    vec![
        ("file", Value::String(file.as_str().to_string())),
        ("line", number(|l| l.line)),
        ("column", number(|l| l.column)),
        ("end_line", number(|l| l.end_line)),
        ("end_column", number(|l| l.end_column)),
    ]
}

fn diagnostic_json(diag: &Diagnostic, texts: &mut Texts<'_>) -> Value {
    let mut fields = position_fields(texts, &diag.primary.file, diag.primary.span);
    let labels = diag
        .secondary
        .iter()
        .map(|label| {
            let mut f = position_fields(texts, &label.file, label.span);
            f.push(("message", Value::String(label.message.clone())));
            object(f)
        })
        .collect();
    let fix = diag.fix.as_ref().map_or(Value::Null, |fix| {
        let edits = fix
            .edits
            .iter()
            .map(|edit| {
                let mut f = position_fields(texts, &edit.file, edit.span);
                f.push(("replacement", Value::String(edit.replacement.clone())));
                object(f)
            })
            .collect();
        object(vec![
            ("message", Value::String(fix.message.clone())),
            ("edits", Value::Array(edits)),
        ])
    });
    let label = Some(diag.primary.message.as_str()).filter(|m| !m.is_empty());
    fields.extend([
        ("code", Value::String(diag.code.as_str().to_string())),
        (
            "severity",
            Value::String(diag.severity.as_str().to_string()),
        ),
        ("message", Value::String(diag.message.clone())),
        ("label", optional_text(label)),
        ("help", optional_text(diag.help.as_deref())),
        ("note", optional_text(diag.note.as_deref())),
        ("labels", Value::Array(labels)),
        ("fix", fix),
    ]);
    object(fields)
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions
// ---------------------------------------------------------------------------------------------

/// Renders diagnostics as GitHub Actions workflow commands, one line each:
///
/// ```text
/// ::error file=features.c360,line=3,col=10,endLine=3,endColumn=14,title=E0108 unknown id type::unknown id type `emial`%0Ahelp: did you mean `email`?
/// ```
///
/// `endColumn` is the column of the last character (inclusive, as GitHub expects); positions
/// are omitted when the file text is not available. The message carries the primary label's
/// own message, the secondary labels as `file:line:column: message`, and the help and note,
/// each on its own line. Values are escaped by GitHub's rules: `%`, `\r` and `\n` everywhere,
/// and `:` and `,` in properties too. `file` is the diagnostic's [`FileId`], relative to the
/// project root.
pub fn render_github(diags: &[Diagnostic], sources: &dyn SourceLookup) -> String {
    let mut texts = Texts::new(sources);
    let mut out = String::new();
    for diag in diags {
        let command = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = vec![("file", diag.primary.file.as_str().to_string())];
        if let Some(loc) = texts.locate_inclusive(&diag.primary.file, diag.primary.span) {
            props.extend([
                ("line", loc.line.to_string()),
                ("col", loc.column.to_string()),
                ("endLine", loc.end_line.to_string()),
                ("endColumn", loc.end_column.to_string()),
            ]);
        }
        props.push(("title", format!("{} {}", diag.code, diag.code.info().title)));

        let mut message = vec![diag.message.clone()];
        if !diag.primary.message.is_empty() && diag.primary.message != diag.message {
            message.push(diag.primary.message.clone());
        }
        for label in &diag.secondary {
            let place = match texts.locate(&label.file, label.span) {
                Some(loc) => format!("{}:{}:{}", label.file, loc.line, loc.column),
                None => label.file.to_string(),
            };
            message.push(if label.message.is_empty() {
                place
            } else {
                format!("{place}: {}", label.message)
            });
        }
        for (heading, text) in trailer(diag) {
            message.push(format!("{heading}: {text}"));
        }

        let props = props
            .iter()
            .map(|(key, value)| format!("{key}={}", escape_github_property(value)))
            .collect::<Vec<_>>()
            .join(",");
        let _ = writeln!(
            out,
            "::{command} {props}::{}",
            escape_github_data(&message.join("\n"))
        );
    }
    out
}

/// Escapes a workflow command's message: `%`, `\r`, `\n`.
fn escape_github_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value: as messages, plus `:` and `,`.
fn escape_github_property(text: &str) -> String {
    escape_github_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

    fn file(name: &str) -> FileId {
        FileId::new(name)
    }

    /// The span of the `n`th (0-based) occurrence of `needle` in `text`.
    fn find(text: &str, needle: &str, n: usize) -> Span {
        let start = text
            .match_indices(needle)
            .nth(n)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("`{needle}` not in text"));
        Span::new(start, start + needle.len())
    }

    const IDENTITY: &str = "\
/// Email addresses.
id_type email {
  normalize = lower(trim(value))
}

entity customer {
  ids = [emial, user_id]
}
";

    const SOURCES: &str = "\
source orders from \"shop.orders\" {
  email: string @id(email)
}

source orders from \"shop.orders_v2\" {
  email: string @id(email)
}
";

    fn project() -> Vec<(FileId, String)> {
        vec![
            (file("identity.c360"), IDENTITY.to_string()),
            (file("sources.c360"), SOURCES.to_string()),
        ]
    }

    fn unknown_id_type() -> Diagnostic {
        let span = find(IDENTITY, "emial", 0);
        Diagnostic::new(
            codes::E0108,
            file("identity.c360"),
            span,
            "unknown id type `emial`",
        )
        .with_primary_message("not a declared id type")
        .with_help("did you mean `email`?")
        .with_replacement("replace with `email`", span, "email")
    }

    fn duplicate_across_files() -> Diagnostic {
        Diagnostic::new(
            codes::E0100,
            file("sources.c360"),
            find(SOURCES, "orders", 2),
            "duplicate source `orders`",
        )
        .with_label(
            file("sources.c360"),
            find(SOURCES, "orders", 0),
            "first declared here",
        )
        .with_label(
            file("identity.c360"),
            find(IDENTITY, "email", 0),
            "its id type is declared here",
        )
        .with_help("rename one of the two sources")
        .with_note("names are unique per kind across all files of the project")
    }

    #[test]
    fn human_single_label_with_help() {
        let out = render_human(&[unknown_id_type()], &project(), false);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_labels_in_two_files() {
        let out = render_human(&[duplicate_across_files()], &project(), false);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_several_diagnostics_and_summary() {
        let warning = Diagnostic::new(
            codes::W0002,
            file("identity.c360"),
            find(IDENTITY, "email", 0),
            "id type `email` is not used by any entity",
        );
        let diags = [unknown_id_type(), duplicate_across_files(), warning];
        let out = render_human(&diags, &project(), false);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_unicode_columns_count_characters() {
        let text = "// café ☕ 😀\nentity c { ids = [é, 😀x, emial] }\n";
        let span = find(text, "emial", 0);
        let diag = Diagnostic::new(
            codes::E0108,
            file("u.c360"),
            span,
            "unknown id type `emial`",
        )
        .with_label(file("u.c360"), find(text, "😀x", 0), "not an identifier");
        let sources = [(file("u.c360"), text)];
        let out = render_human(std::slice::from_ref(&diag), &sources, false);
        // `emial` is the 26th character of line 2: `é` and the emoji count one each.
        assert!(out.contains("[ u.c360:2:26 ]"), "{out}");
        let json = render_json(&[diag], &sources);
        assert_eq!(json[0]["line"], 2);
        assert_eq!(json[0]["column"], 26);
        assert_eq!(json[0]["end_column"], 31);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_second_file_with_unicode_before_the_label() {
        // ariadne 0.6 with byte offsets panics on this header; character offsets do not.
        let a = "id_type email\n";
        let b = "ééé\nab\n";
        let diag = Diagnostic::new(codes::E0100, file("a.c360"), Span::new(8, 13), "dup")
            .with_label(file("b.c360"), Span::new(8, 9), "other");
        let sources = [(file("a.c360"), a), (file("b.c360"), b)];
        let out = render_human(&[diag], &sources, false);
        assert!(out.contains("[ a.c360:1:9 ]"), "{out}");
        assert!(out.contains("[ b.c360:2:2 ]"), "{out}");
    }

    #[test]
    fn human_empty_span_at_end_of_file() {
        let with_newline = "entity customer {\n  ids = [email]\n";
        let without_newline = "entity customer {\n  ids = [email]";
        let diags = [
            Diagnostic::new(
                codes::E0005,
                file("nl.c360"),
                Span::empty(with_newline.len()),
                "expected `}`, found end of file",
            )
            .with_help("close the block with `}`"),
            Diagnostic::new(
                codes::E0005,
                file("no_nl.c360"),
                Span::empty(without_newline.len()),
                "expected `}`, found end of file",
            ),
        ];
        let sources = [
            (file("nl.c360"), with_newline),
            (file("no_nl.c360"), without_newline),
        ];
        let out = render_human(&diags, &sources, false);
        // After a final newline the end of file is line 3, column 1, as LineIndex has it.
        assert!(out.contains("[ nl.c360:3:1 ]"), "{out}");
        assert!(out.contains("[ no_nl.c360:2:16 ]"), "{out}");
        let json = render_json(&diags, &sources);
        assert_eq!(
            (&json[0]["line"], &json[0]["column"]),
            (&3.into(), &1.into())
        );
        assert_eq!(
            (&json[1]["line"], &json[1]["column"]),
            (&2.into(), &16.into())
        );
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_span_past_the_end_is_clamped() {
        let text = "id_type email\n";
        let diags = [
            Diagnostic::new(
                codes::E0005,
                file("a.c360"),
                Span::new(8, 400),
                "span runs past the end",
            ),
            Diagnostic::new(
                codes::E0005,
                file("a.c360"),
                Span {
                    start: 300,
                    end: 200,
                },
                "span starts past the end and is backwards",
            ),
        ];
        let sources = [(file("a.c360"), text)];
        let out = render_human(&diags, &sources, false);
        insta::assert_snapshot!(out);
        let json = render_json(&diags, &sources);
        assert_eq!(json[0]["end_line"], 2);
        assert_eq!(json[0]["end_column"], 1);
        assert_eq!(
            (&json[1]["line"], &json[1]["column"]),
            (&2.into(), &1.into())
        );
    }

    #[test]
    fn human_without_file_text() {
        let diag = Diagnostic::new(
            codes::E0012,
            file("c360.toml"),
            Span::new(10, 20),
            "unknown engine `duck`",
        )
        .with_label(file("c360.toml"), Span::new(0, 4), "in this target")
        .with_help("the engines are `duckdb`, `postgres` and `spark`")
        .with_note("c360.toml is read from the project root");
        let out = render_human(&[diag], &NoSources, false);
        insta::assert_snapshot!(out, @r"
        error[E0012]: unknown engine `duck`
          --> c360.toml
          --> c360.toml: in this target
          = help: the engines are `duckdb`, `postgres` and `spark`
          = note: c360.toml is read from the project root

        error: found 1 error
        ");
    }

    #[test]
    fn human_primary_text_missing_but_secondary_shown() {
        let diag = Diagnostic::new(
            codes::E0100,
            file("gone.c360"),
            Span::new(0, 3),
            "duplicate id type `email`",
        )
        .with_label(
            file("identity.c360"),
            find(IDENTITY, "email", 0),
            "also declared here",
        )
        .with_help("remove one");
        let out = render_human(&[diag], &project(), false);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_multiline_span_and_multiline_help() {
        let span = find(
            IDENTITY,
            "entity customer {\n  ids = [emial, user_id]\n}",
            0,
        );
        let diag = Diagnostic::new(
            codes::E0122,
            file("identity.c360"),
            span,
            "entity `customer` lists unknown id types",
        )
        .with_primary_message("in this entity")
        .with_help("declare the id types:\nid_type emial\nid_type user_id");
        let out = render_human(&[diag], &project(), false);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn human_empty_input_renders_nothing() {
        assert_eq!(render_human(&[], &project(), false), "");
        assert_eq!(render_summary(&[], true), None);
        assert_eq!(render_json(&[], &project()), Value::Array(Vec::new()));
        assert_eq!(render_github(&[], &project()), "");
    }

    #[test]
    fn summary_counts_errors_and_warnings() {
        let e = unknown_id_type();
        let w = Diagnostic::new(codes::W0004, file("a"), Span::empty(0), "unused");
        assert_eq!(
            render_summary(&[e.clone(), e.clone(), w.clone()], false).as_deref(),
            Some("error: found 2 errors and 1 warning")
        );
        assert_eq!(
            render_summary(&[w.clone(), w], false).as_deref(),
            Some("warning: found 2 warnings")
        );
        assert_eq!(
            render_summary(&[e], false).as_deref(),
            Some("error: found 1 error")
        );
    }

    #[test]
    fn human_color_output_styles_title_and_help() {
        let out = render_human(&[unknown_id_type()], &project(), true);
        assert!(out.starts_with("\x1b[1;31merror[E0108]\x1b[0m\x1b[1m: unknown id type `emial`"));
        assert!(out.contains(&format!("{NOTE}help{RESET}: did you mean `email`?")));
        assert!(out.contains("\x1b[1;31merror\x1b[0m\x1b[1m: found 1 error\x1b[0m"));
        let plain = render_human(&[unknown_id_type()], &project(), false);
        assert!(!plain.contains('\x1b'));
        assert!(plain.lines().all(|l| !l.ends_with(' ')), "{plain}");
    }

    #[test]
    fn display_text_keeps_offsets_and_agrees_with_line_index() {
        let text = "a\rb\x0bc\x0cd\u{85}e\u{2028}f\u{2029}g\u{202e}h\x1b[31m\r\ni\tj\n";
        let shown = display_text(text);
        assert_eq!(shown.len(), text.len() + 1);
        assert_eq!(shown.chars().count(), text.chars().count() + 1);
        for ((a, ca), (b, cb)) in text.char_indices().zip(shown.char_indices()) {
            assert_eq!(a, b);
            assert_eq!(ca.len_utf8(), cb.len_utf8(), "{ca:?} became {cb:?}");
        }
        // ariadne sees exactly the lines LineIndex sees, plus the empty line after the final
        // newline.
        let source = Source::from(shown.clone());
        assert_eq!(source.lines().count(), LineIndex::new(text).line_count());

        let x = text.find('i').unwrap();
        let diag = Diagnostic::new(codes::E0001, file("c.c360"), Span::new(x, x + 1), "odd");
        let sources = [(file("c.c360"), text)];
        let out = render_human(std::slice::from_ref(&diag), &sources, false);
        assert!(out.contains("[ c.c360:2:1 ]"), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
        assert!(!out.contains('\u{202e}'), "{out}");
        assert_eq!(render_json(&[diag], &sources)[0]["line"], 2);
    }

    #[test]
    fn no_span_panics_in_any_renderer() {
        let text = "é😀\r\nx\u{2028}y\n\n";
        let sources = [(file("f.c360"), text)];
        let limit = text.len() as u32 + 3;
        for start in 0..limit {
            for end in 0..limit {
                let diag = Diagnostic::new(codes::E0005, file("f.c360"), Span { start, end }, "m")
                    .with_label(
                        file("f.c360"),
                        Span {
                            start: end,
                            end: start,
                        },
                        "s",
                    )
                    .with_help("h");
                let diags = [diag];
                let human = render_human(&diags, &sources, false);
                assert!(human.starts_with("error[E0005]: m\n"));
                let json = render_json(&diags, &sources);
                assert!(json[0]["line"].as_u64().is_some());
                let github = render_github(&diags, &sources);
                assert!(github.starts_with("::error file=f.c360,line="));
            }
        }
    }

    #[test]
    fn json_form() {
        let diags = [
            unknown_id_type(),
            duplicate_across_files(),
            Diagnostic::new(codes::E0010, file("c360.toml"), Span::new(3, 4), "bad"),
        ];
        let json = render_json(&diags, &project());
        let text = serde_json::to_string_pretty(&json).unwrap();
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_keys_are_alphabetical() {
        let json = render_json(&[unknown_id_type()], &project());
        let keys: Vec<&String> = json[0].as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn github_form() {
        let diags = [
            unknown_id_type(),
            duplicate_across_files(),
            Diagnostic::new(
                codes::W0003,
                file("dir, with: odd%chars.c360"),
                Span::new(0, 2),
                "50% of\r\nthe message",
            ),
        ];
        let out = render_github(&diags, &project());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn github_columns_are_inclusive_and_count_characters() {
        let text = "entity c {\n  ids = [é😀, emial]\n}\n";
        let diag = Diagnostic::new(
            codes::E0108,
            file("features.c360"),
            find(text, "emial", 0),
            "unknown id type `emial`",
        )
        .with_help("did you mean `email`?");
        let out = render_github(&[diag], &[(file("features.c360"), text)]);
        assert_eq!(
            out,
            "::error file=features.c360,line=2,col=14,endLine=2,endColumn=18,\
             title=E0108 unknown id type::unknown id type `emial`%0Ahelp: did you mean `email`?\n"
        );
    }

    #[test]
    fn github_escaping() {
        assert_eq!(escape_github_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(
            escape_github_property("a%b\r\nc:d,e"),
            "a%25b%0D%0Ac%3Ad%2Ce"
        );
    }

    #[test]
    fn lookups() {
        let mut map = HashMap::new();
        map.insert(file("a"), "text".to_string());
        assert_eq!(map.text(&file("a")), Some("text"));
        assert_eq!(map.text(&file("b")), None);
        let tree: BTreeMap<FileId, &str> = [(file("a"), "t")].into_iter().collect();
        assert_eq!(tree.text(&file("a")), Some("t"));
        let list = vec![(file("a"), "x")];
        assert_eq!(list.text(&file("a")), Some("x"));
        fn first_line<L: SourceLookup>(lookup: L, id: &FileId) -> Option<String> {
            lookup
                .text(id)
                .and_then(|t| t.lines().next())
                .map(str::to_string)
        }
        assert_eq!(first_line(&list, &file("a")).as_deref(), Some("x"));
        assert_eq!(first_line(&list, &file("b")), None);
        assert_eq!(NoSources.text(&file("a")), None);
    }
}
