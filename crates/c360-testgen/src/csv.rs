//! The CSV convention of generated tables, written and read.
//!
//! - UTF-8, no byte order mark, `\n` after every record (the last one included).
//! - The first record is the header: the physical column names.
//! - Fields are separated by `,`. A field is quoted with `"` when it is an empty string or
//!   contains `,`, `"`, a line break, or leading or trailing whitespace; a `"` inside a quoted
//!   field is doubled. Other fields are written bare.
//! - **An empty, unquoted field is null; `""` is the empty string.** A quoted field is never
//!   null. Only `string` columns ever hold `""`.
//! - `int` as digits with an optional `-`; `decimal` with two decimals (`-3.50`); `float` as an
//!   exact multiple of 0.25 (`1.25`, `-0.5`, `3`); `bool` as `true` / `false`; `date` as
//!   `YYYY-MM-DD`; `timestamp` as `YYYY-MM-DD HH:MM:SS`, without a time zone.
//!
//! DuckDB reads exactly this with `read_csv(…, header = true, auto_detect = false,
//! delim = ',', quote = '"', escape = '"', allow_quoted_nulls = false, columns = {…})`, and
//! PostgreSQL with `COPY … FROM … WITH (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"',
//! ESCAPE '"', NULL '', ENCODING 'UTF8')` (the crate's README has the details).

use crate::model::Cell;

/// Writes one table: the header, then one record per row.
pub fn render(header: &[String], rows: &[Vec<Cell>]) -> String {
    let mut out = String::new();
    let names: Vec<String> = header.iter().map(|h| field(h)).collect();
    out.push_str(&names.join(","));
    out.push('\n');
    for row in rows {
        let fields: Vec<String> = row.iter().map(cell).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// A text field, quoted when the convention requires it.
fn field(text: &str) -> String {
    let needs_quotes = text.is_empty()
        || text.contains([',', '"', '\n', '\r'])
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace);
    if needs_quotes {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// One cell in the form its type is read back.
pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Str(s) => field(s),
        Cell::Int(n) => n.to_string(),
        Cell::Dec(hundredths) => {
            let sign = if *hundredths < 0 { "-" } else { "" };
            let abs = hundredths.unsigned_abs();
            format!("{sign}{}.{:02}", abs / 100, abs % 100)
        }
        Cell::Float(quarters) => {
            let sign = if *quarters < 0 { "-" } else { "" };
            let abs = quarters.unsigned_abs();
            let frac = match abs % 4 {
                0 => "",
                1 => ".25",
                2 => ".5",
                _ => ".75",
            };
            format!("{sign}{}{frac}", abs / 4)
        }
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Ts(t) => t.to_string(),
    }
}

/// A CSV text that does not follow the convention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// The 1-based line where the problem is.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CsvError {}

/// Reads a table written in the convention: its records (the header first), each field
/// `None` for null and `Some(text)` otherwise. Every record must have as many fields as the
/// header.
pub fn parse(text: &str) -> Result<Vec<Vec<Option<String>>>, CsvError> {
    let mut records = Vec::new();
    let mut record: Vec<Option<String>> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut record_line = 1;
    // One field per iteration.
    while let Some(&first) = chars.peek() {
        let value = if first == '"' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        s.push('"');
                    }
                    Some('"') => break,
                    Some(c) => {
                        if c == '\n' {
                            line += 1;
                        }
                        s.push(c);
                    }
                    None => {
                        return Err(CsvError {
                            line: record_line,
                            message: "a quoted field is not closed".into(),
                        })
                    }
                }
            }
            Some(s)
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' || c == '\n' || c == '\r' {
                    break;
                }
                if c == '"' {
                    return Err(CsvError {
                        line,
                        message: "a `\"` inside an unquoted field".into(),
                    });
                }
                s.push(c);
                chars.next();
            }
            (!s.is_empty()).then_some(s)
        };
        record.push(value);
        match chars.next() {
            Some(',') => {}
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                end_record(&mut records, &mut record, record_line)?;
                line += 1;
                record_line = line;
            }
            Some('\n') => {
                end_record(&mut records, &mut record, record_line)?;
                line += 1;
                record_line = line;
            }
            None => {
                end_record(&mut records, &mut record, record_line)?;
                break;
            }
            Some(c) => {
                return Err(CsvError {
                    line,
                    message: format!("`{c}` after a quoted field"),
                })
            }
        }
    }
    Ok(records)
}

fn end_record(
    records: &mut Vec<Vec<Option<String>>>,
    record: &mut Vec<Option<String>>,
    line: usize,
) -> Result<(), CsvError> {
    let fields = std::mem::take(record);
    if let Some(header) = records.first() {
        if header.len() != fields.len() {
            return Err(CsvError {
                line,
                message: format!(
                    "{} fields, but the header has {}",
                    fields.len(),
                    header.len()
                ),
            });
        }
    }
    records.push(fields);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Date, Timestamp};

    #[test]
    fn values_are_written_in_their_type_s_form() {
        assert_eq!(cell(&Cell::Dec(-350)), "-3.50");
        assert_eq!(cell(&Cell::Dec(5)), "0.05");
        assert_eq!(cell(&Cell::Dec(-5)), "-0.05");
        assert_eq!(cell(&Cell::Float(5)), "1.25");
        assert_eq!(cell(&Cell::Float(-2)), "-0.5");
        assert_eq!(cell(&Cell::Float(12)), "3");
        assert_eq!(cell(&Cell::Float(-3)), "-0.75");
        assert_eq!(cell(&Cell::Date(Date::ymd(2026, 1, 2))), "2026-01-02");
        assert_eq!(
            cell(&Cell::Ts(Date::ymd(2026, 1, 2).midnight().plus(61))),
            "2026-01-02 00:01:01"
        );
        assert_eq!(cell(&Cell::Null), "");
        assert_eq!(cell(&Cell::Str(String::new())), "\"\"");
        assert_eq!(cell(&Cell::Str(" x".into())), "\" x\"");
        assert_eq!(cell(&Cell::Str("a\"b,c".into())), "\"a\"\"b,c\"");
        assert_eq!(cell(&Cell::Str("東京 😀".into())), "東京 😀");
        assert_eq!(cell(&Cell::Ts(Timestamp(0))), "1970-01-01 00:00:00");
    }

    #[test]
    fn null_and_empty_string_survive_a_round_trip() {
        let header = vec!["id".to_owned(), "Note, sic".to_owned()];
        let rows = vec![
            vec![Cell::Int(1), Cell::Null],
            vec![Cell::Int(2), Cell::Str(String::new())],
            vec![Cell::Null, Cell::Str("say \"hi\",\nbye ".into())],
        ];
        let text = render(&header, &rows);
        assert_eq!(
            text,
            "id,\"Note, sic\"\n1,\n2,\"\"\n,\"say \"\"hi\"\",\nbye \"\n"
        );
        let back = parse(&text).unwrap();
        assert_eq!(
            back,
            vec![
                vec![Some("id".into()), Some("Note, sic".into())],
                vec![Some("1".into()), None],
                vec![Some("2".into()), Some(String::new())],
                vec![None, Some("say \"hi\",\nbye ".into())],
            ]
        );
    }

    #[test]
    fn malformed_text_is_an_error_with_its_line() {
        let err = parse("a,b\n1\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("header has 2"), "{err}");
        assert_eq!(parse("a\n\"open\n").unwrap_err().line, 2);
        assert_eq!(parse("a\nx\"y\n").unwrap_err().line, 2);
        assert_eq!(parse("a,b\r\n1,2\r\n").unwrap().len(), 2);
    }
}
