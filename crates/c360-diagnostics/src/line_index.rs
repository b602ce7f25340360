//! Conversion between byte offsets and line/column positions (UTF-8 or UTF-16 columns).

/// How columns are counted in a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositionEncoding {
    /// Columns count bytes (LSP `utf-8`).
    Utf8,
    /// Columns count UTF-16 code units (LSP `utf-16`, the protocol default).
    Utf16,
    /// Columns count characters (human-facing output: `file:line:col`).
    Chars,
}

/// A zero-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based column in the chosen encoding.
    pub col: u32,
}

/// Line starts of one text, for converting offsets to positions and back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LineIndex {
    /// Byte offset of the start of every line; the first is 0.
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    /// Indexes `text`. Lines end at `\n`; a preceding `\r` belongs to the line's end.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        LineIndex {
            line_starts,
            len: text.len() as u32,
        }
    }

    /// Number of lines (an empty text has one).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The position of byte `offset` (clamped to the text, and back to a character boundary).
    pub fn line_col(&self, text: &str, offset: usize, enc: PositionEncoding) -> LineCol {
        let mut offset = offset.min(self.len as usize);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let prefix = &text[start..offset];
        let col = match enc {
            PositionEncoding::Utf8 => prefix.len(),
            PositionEncoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            PositionEncoding::Chars => prefix.chars().count(),
        };
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// The byte offset of a position; `None` when the line is past the end of the text.
    /// A column past the end of its line clamps to the line end; one inside a character
    /// moves back to the character's start.
    pub fn offset(&self, text: &str, pos: LineCol, enc: PositionEncoding) -> Option<usize> {
        let line = pos.line as usize;
        let start = *self.line_starts.get(line)? as usize;
        let end = self
            .line_starts
            .get(line + 1)
            .map(|&s| s as usize - 1)
            .unwrap_or(self.len as usize);
        let line_text = &text[start..end];
        let mut units = 0u32;
        for (i, ch) in line_text.char_indices() {
            if units >= pos.col {
                return Some(start + i);
            }
            units += match enc {
                PositionEncoding::Utf8 => ch.len_utf8() as u32,
                PositionEncoding::Utf16 => ch.len_utf16() as u32,
                PositionEncoding::Chars => 1,
            };
            if units > pos.col {
                return Some(start + i);
            }
        }
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_in_every_encoding() {
        let text = "ab\n😀x\r\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 3);
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.line_col(text, x, PositionEncoding::Utf16),
            LineCol { line: 1, col: 2 }
        );
        assert_eq!(
            idx.line_col(text, x, PositionEncoding::Utf8),
            LineCol { line: 1, col: 4 }
        );
        assert_eq!(
            idx.line_col(text, x, PositionEncoding::Chars),
            LineCol { line: 1, col: 1 }
        );
        for enc in [
            PositionEncoding::Utf8,
            PositionEncoding::Utf16,
            PositionEncoding::Chars,
        ] {
            for (off, _) in text.char_indices() {
                let lc = idx.line_col(text, off, enc);
                assert_eq!(idx.offset(text, lc, enc), Some(off), "{enc:?} at {off}");
            }
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "one\ntwo";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 99 }, PositionEncoding::Utf16),
            Some(3)
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 5, col: 0 }, PositionEncoding::Utf16),
            None
        );
        assert_eq!(
            idx.line_col(text, 999, PositionEncoding::Utf8),
            LineCol { line: 1, col: 3 }
        );
    }
}
