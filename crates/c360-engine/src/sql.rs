//! Quoting for the SQL the engine writes itself (loading tables, reading the report).

/// `name` as a DuckDB identifier: always double-quoted, `"` doubled. DuckDB resolves quoted
/// and unquoted names case-insensitively, so this matches the compiled SQL's names.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A relation given in parts, each quoted.
pub(crate) fn relation(parts: &[String]) -> String {
    parts.iter().map(|p| ident(p)).collect::<Vec<_>>().join(".")
}

/// `text` as a DuckDB string literal: `'…'` with `'` doubled (backslashes are ordinary).
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_quoting() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            relation(&["crm".into(), "My Table".into()]),
            "\"crm\".\"My Table\""
        );
        assert_eq!(literal("it's C:\\data"), "'it''s C:\\data'");
    }
}
