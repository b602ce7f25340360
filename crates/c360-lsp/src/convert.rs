//! The one place where byte offsets become LSP positions and back.
//!
//! Every handler works in byte offsets ([`Span`]); only this module knows which encoding the
//! client negotiated (UTF-8 when offered, else the protocol's default UTF-16).

use c360_diagnostics::{LineCol, LineIndex, PositionEncoding, Span};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// A text with its line index and the negotiated encoding.
pub struct Text<'a> {
    text: &'a str,
    index: &'a LineIndex,
    encoding: PositionEncoding,
}

impl<'a> Text<'a> {
    /// Wraps `text` and its `index` for conversions in `encoding`.
    pub fn new(text: &'a str, index: &'a LineIndex, encoding: PositionEncoding) -> Self {
        Text {
            text,
            index,
            encoding,
        }
    }

    /// The text itself.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The LSP position of byte `offset` (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let lc = self.index.line_col(self.text, offset, self.encoding);
        Position::new(lc.line, lc.col)
    }

    /// The LSP range of `span`.
    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }

    /// The byte offset of `pos`; `None` when its line is past the end of the text. A column past
    /// the end of its line clamps to the line's end.
    pub fn offset(&self, pos: Position) -> Option<usize> {
        self.index.offset(
            self.text,
            LineCol {
                line: pos.line,
                col: pos.character,
            },
            self.encoding,
        )
    }

    /// The byte span of `range`; `None` when either end is out of range or the ends are
    /// reversed.
    pub fn span(&self, range: Range) -> Option<Span> {
        let start = self.offset(range.start)?;
        let end = self.offset(range.end)?;
        (start <= end).then(|| Span::new(start, end))
    }
}

/// Picks UTF-8 when the client offers it, else UTF-16 (which every client must support).
pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> PositionEncoding {
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf16,
    }
}

/// The LSP name of an encoding, for the server's capabilities.
pub fn encoding_kind(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 | PositionEncoding::Chars => PositionEncodingKind::UTF16,
    }
}

/// The length of `text` in the units of `encoding` (semantic tokens count lengths this way).
pub fn len_in(text: &str, encoding: PositionEncoding) -> u32 {
    match encoding {
        PositionEncoding::Utf8 => text.len() as u32,
        PositionEncoding::Utf16 => text.chars().map(char::len_utf16).sum::<usize>() as u32,
        PositionEncoding::Chars => text.chars().count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns_differ_after_wide_characters() {
        let text = "x = \"😀\" + y\n";
        let index = LineIndex::new(text);
        let y = text.find('y').expect("y");
        let utf16 = Text::new(text, &index, PositionEncoding::Utf16);
        let utf8 = Text::new(text, &index, PositionEncoding::Utf8);
        assert_eq!(utf16.position(y), Position::new(0, 11));
        assert_eq!(utf8.position(y), Position::new(0, 13));
        assert_eq!(utf16.offset(Position::new(0, 11)), Some(y));
        assert_eq!(utf8.offset(Position::new(0, 13)), Some(y));
        assert_eq!(utf16.offset(Position::new(7, 0)), None);
        assert_eq!(len_in("😀", PositionEncoding::Utf16), 2);
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(negotiate(None), PositionEncoding::Utf16);
        assert_eq!(
            negotiate(Some(&[
                PositionEncodingKind::UTF16,
                PositionEncodingKind::UTF8
            ])),
            PositionEncoding::Utf8
        );
        assert_eq!(
            negotiate(Some(&[PositionEncodingKind::UTF32])),
            PositionEncoding::Utf16
        );
    }
}
