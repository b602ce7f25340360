//! Reading CSV text the way the warehouses load it: `,` between fields, `"` around fields
//! with `"` doubled inside, `\n` or `\r\n` after records. An empty unquoted field is null
//! (`None`); a quoted field is never null, so `""` is the empty string. General-purpose CSV
//! readers cannot tell those two apart, and the difference is a value.

/// One record: its fields (`None` for null) and the line it starts on (from 1).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Record {
    /// The fields, unquoted.
    pub fields: Vec<Option<String>>,
    /// The line of the file the record starts on.
    pub line: u64,
}

/// Why a CSV text could not be read, and where.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CsvError {
    /// The line (from 1).
    pub line: u64,
    /// The field (from 1), when the error is inside one.
    pub field: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Splits `text` into records. Empty lines are skipped, like the warehouses skip them.
pub(crate) fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        // An empty line holds no record.
        match chars.peek() {
            Some('\n') => {
                chars.next();
                line += 1;
                continue;
            }
            Some('\r') => {
                chars.next();
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                continue;
            }
            _ => {}
        }
        let mut fields = Vec::new();
        loop {
            let field = fields.len() + 1;
            let err = |line: u64, message: &str| CsvError {
                line,
                field: Some(field),
                message: message.to_string(),
            };
            let value = if chars.peek() == Some(&'"') {
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
                            return Err(err(
                                start,
                                "a quoted field is not closed before the end of the file",
                            ))
                        }
                    }
                }
                Some(s)
            } else {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if matches!(c, ',' | '\n' | '\r') {
                        break;
                    }
                    if c == '"' {
                        return Err(err(
                            line,
                            "a `\"` inside a field that does not start with `\"`",
                        ));
                    }
                    s.push(c);
                    chars.next();
                }
                (!s.is_empty()).then_some(s)
            };
            fields.push(value);
            match chars.next() {
                Some(',') => {}
                Some('\n') => {
                    line += 1;
                    break;
                }
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                None => break,
                Some(c) => {
                    return Err(err(
                        line,
                        &format!("`{c}` after the closing `\"` of a quoted field"),
                    ))
                }
            }
        }
        out.push(Record {
            fields,
            line: start,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<Option<String>>> {
        records(text)
            .expect("valid CSV")
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    fn s(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn empty_unquoted_is_null_and_quoted_empty_is_a_string() {
        assert_eq!(
            fields("a,b,c\n,\"\",x\n"),
            [vec![s("a"), s("b"), s("c")], vec![None, s(""), s("x")]]
        );
    }

    #[test]
    fn quotes_commas_line_breaks_and_crlf() {
        let parsed = records("k,v\r\n\"a,\"\"b\"\"\",\"x\ny\"\r\nz,\n").expect("valid CSV");
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            parsed[1].fields,
            [Some("a,\"b\"".to_string()), Some("x\ny".to_string())]
        );
        assert_eq!(parsed[2].fields, [Some("z".to_string()), None]);
        assert_eq!(parsed.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2, 4]);
    }

    #[test]
    fn empty_lines_are_skipped_and_a_missing_final_newline_is_fine() {
        assert_eq!(fields("a\n\nb"), [vec![s("a")], vec![s("b")]]);
    }

    #[test]
    fn malformed_quotes_are_located() {
        let e = records("a,b\nx,\"open\n").expect_err("unclosed");
        assert_eq!((e.line, e.field), (2, Some(2)));
        let e = records("a,b\nx,y\"z\n").expect_err("stray quote");
        assert_eq!((e.line, e.field), (2, Some(2)));
        let e = records("a,b\n\"x\"y,z\n").expect_err("text after a closing quote");
        assert_eq!((e.line, e.field), (2, Some(1)));
    }
}
