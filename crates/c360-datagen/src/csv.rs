//! Writing a story's rows as the CSV files `c360 run` reads: a header of physical column
//! names, then one line per row, every value checked against the column's declared type.
//!
//! The format: comma-separated, `\n` line ends, a field quoted (with `"` doubled) only when it
//! must be: when it holds a comma, a quote, a line break or leading or trailing spaces, or when
//! it is the empty string (an unquoted empty field is null). Timestamps are
//! `YYYY-MM-DD HH:MM:SS`, dates `YYYY-MM-DD`, booleans `true`/`false`, decimals have exactly
//! two digits after the point.

use c360_sema::Type;

use crate::error::Error;
use crate::schema::TableSpec;
use crate::value::{Row, Value};

/// The CSV text of `rows` for `table`; fails when a row and the declaration disagree.
pub fn render(table: &TableSpec, rows: &[Row], story: &str) -> Result<String, Error> {
    let mut out = String::new();
    let header: Vec<&str> = table.columns.iter().map(|c| c.physical.as_str()).collect();
    push_record(&mut out, header.iter().map(|h| field(h)));
    for (index, row) in rows.iter().enumerate() {
        // Line 1 is the header.
        let at = format!("{}:{}", table.file, index + 2);
        if let Some(extra) = row
            .columns()
            .find(|name| !table.columns.iter().any(|c| c.name == *name))
        {
            return Err(Error::new(format!(
                "the {story} story sets column `{extra}`, which {} does not declare",
                table.key
            ))
            .at(at)
            .with_hint(format!(
                "declare `{extra}` in {} or stop generating it",
                table.key
            )));
        }
        let mut cells = Vec::with_capacity(table.columns.len());
        for column in &table.columns {
            let value = row.get(&column.name).ok_or_else(|| {
                Error::new(format!(
                    "the {story} story does not set column `{}` of {}",
                    column.name, table.key
                ))
                .at(at.clone())
                .with_hint(format!(
                    "set it in every row (`None` for null), or remove it from {}",
                    table.key
                ))
            })?;
            cells.push(format_value(value, &column.ty).ok_or_else(|| {
                Error::new(format!(
                    "column `{}` of {} is declared `{}`, but the {story} story gives it a {} ({value:?})",
                    column.name,
                    table.key,
                    column.ty,
                    value.type_name().unwrap_or("null"),
                ))
                .at(at.clone())
                .with_hint("generate a value of the declared type, or change the declaration")
            })?);
        }
        push_record(&mut out, cells.into_iter());
    }
    Ok(out)
}

/// The CSV field of `value` in a column of type `ty`; `None` when the types differ.
fn format_value(value: &Value, ty: &Type) -> Option<String> {
    let text = match (value, ty) {
        (Value::Null, _) => return Some(String::new()),
        (Value::Str(s), Type::String) => field(s),
        (Value::Int(n), Type::Int) => n.to_string(),
        (Value::Decimal(m), Type::Decimal) => m.to_string(),
        (Value::Bool(b), Type::Bool) => b.to_string(),
        (Value::Timestamp(t), Type::Timestamp) => t.to_string(),
        (Value::Date(d), Type::Date) => d.to_string(),
        _ => return None,
    };
    Some(text)
}

/// `s` as a CSV field, quoted when it must be.
fn field(s: &str) -> String {
    let needs_quotes = s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.contains([',', '"', '\n', '\r', '\t']);
    if needs_quotes {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn push_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&f);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnSpec;
    use crate::time::{Date, Timestamp};
    use crate::value::{Money, TableKey};

    fn table() -> TableSpec {
        let col = |name: &str, physical: &str, ty: Type| ColumnSpec {
            name: name.into(),
            physical: physical.into(),
            ty,
        };
        TableSpec {
            key: TableKey::Source("t".into()),
            relation: "s.t".into(),
            file: "data/t.csv".into(),
            columns: vec![
                col("email", "CONTEXT_TRAITS_EMAIL", Type::String),
                col("n", "n", Type::Int),
                col("amount", "amount", Type::Decimal),
                col("ok", "ok", Type::Bool),
                col("at", "at", Type::Timestamp),
                col("on", "on", Type::Date),
            ],
        }
    }

    #[test]
    fn writes_typed_values_and_quotes_only_when_needed() {
        let rows = vec![
            Row::new()
                .with("email", " Ann@Example.com")
                .with("n", 3_i64)
                .with("amount", Money(-1050))
                .with("ok", true)
                .with("at", Timestamp::at(2026, 6, 30, 0, 0, 0))
                .with("on", Date::ymd(2026, 7, 1)),
            Row::new()
                .with("email", "say \"hi\", ok")
                .with("n", None::<i64>)
                .with("amount", None::<Money>)
                .with("ok", false)
                .with("at", None::<Timestamp>)
                .with("on", None::<Date>),
            Row::new()
                .with("email", "")
                .with("n", 0_i64)
                .with("amount", Money(0))
                .with("ok", None::<bool>)
                .with("at", None::<Timestamp>)
                .with("on", None::<Date>),
        ];
        assert_eq!(
            render(&table(), &rows, "test").unwrap(),
            "CONTEXT_TRAITS_EMAIL,n,amount,ok,at,on\n\
             \" Ann@Example.com\",3,-10.50,true,2026-06-30 00:00:00,2026-07-01\n\
             \"say \"\"hi\"\", ok\",,,false,,\n\
             \"\",0,0.00,,,\n"
        );
    }

    #[test]
    fn rejects_missing_extra_and_mistyped_columns() {
        let full = Row::new()
            .with("email", "a@b.co")
            .with("n", 1_i64)
            .with("amount", Money(1))
            .with("ok", true)
            .with("at", None::<Timestamp>)
            .with("on", None::<Date>);

        let missing = Row::new().with("email", "a@b.co");
        let err = render(&table(), &[full.clone(), missing], "test").unwrap_err();
        assert_eq!(err.location.as_deref(), Some("data/t.csv:3"));
        assert!(err.message.contains("does not set column `n`"), "{err}");

        let extra = full.clone().with("nope", 1_i64);
        let err = render(&table(), &[extra], "test").unwrap_err();
        assert!(err.message.contains("sets column `nope`"), "{err}");

        let mistyped = full.with("n", Money(100));
        let err = render(&table(), &[mistyped], "test").unwrap_err();
        assert!(
            err.message
                .contains("declared `int`, but the test story gives it a decimal"),
            "{err}"
        );
    }
}
