//! The values a story produces: typed cells in rows, rows in named tables.

use std::collections::BTreeMap;
use std::fmt;

use crate::time::{Date, Timestamp};

/// An amount of money in cents, written with exactly two decimal digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    /// `units` whole units and `cents` hundredths (same sign).
    pub const fn new(units: i64, cents: i64) -> Money {
        Money(units * 100 + cents)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// One cell: a value of one of the column types, or null.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// No value: an empty CSV field.
    Null,
    /// Text.
    Str(String),
    /// A whole number.
    Int(i64),
    /// An exact decimal amount.
    Decimal(Money),
    /// `true` or `false`.
    Bool(bool),
    /// A moment without a time zone.
    Timestamp(Timestamp),
    /// A calendar day.
    Date(Date),
}

impl Value {
    /// The `.c360` type name of the value, for messages; `None` for null.
    pub fn type_name(&self) -> Option<&'static str> {
        match self {
            Value::Null => None,
            Value::Str(_) => Some("string"),
            Value::Int(_) => Some("int"),
            Value::Decimal(_) => Some("decimal"),
            Value::Bool(_) => Some("bool"),
            Value::Timestamp(_) => Some("timestamp"),
            Value::Date(_) => Some("date"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<Money> for Value {
    fn from(m: Money) -> Value {
        Value::Decimal(m)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Timestamp> for Value {
    fn from(t: Timestamp) -> Value {
        Value::Timestamp(t)
    }
}

impl From<Date> for Value {
    fn from(d: Date) -> Value {
        Value::Date(d)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// One row, its cells named by the columns' logical (`.c360`) names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Row {
    cells: Vec<(&'static str, Value)>,
}

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    /// The row with `column` set to `value` (`None` is null).
    pub fn with(mut self, column: &'static str, value: impl Into<Value>) -> Row {
        self.set(column, value);
        self
    }

    /// Sets `column` to `value`, replacing an earlier value.
    pub fn set(&mut self, column: &'static str, value: impl Into<Value>) {
        let value = value.into();
        match self.cells.iter_mut().find(|(c, _)| *c == column) {
            Some(cell) => cell.1 = value,
            None => self.cells.push((column, value)),
        }
    }

    /// The value of `column`, if the row sets it.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v)
    }

    /// The columns the row sets, in the order they were set.
    pub fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.cells.iter().map(|(c, _)| *c)
    }
}

/// Which declaration a table of rows is for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableKey {
    /// The relation of `source NAME`.
    Source(String),
    /// The labels relation of `training_set NAME`.
    Labels(String),
}

impl fmt::Display for TableKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableKey::Source(name) => write!(f, "source `{name}`"),
            TableKey::Labels(name) => write!(f, "the labels of training set `{name}`"),
        }
    }
}

/// Everything a story generates: rows per declared table, in file order.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// The rows of each table.
    pub tables: BTreeMap<TableKey, Vec<Row>>,
}

impl Dataset {
    /// Appends `rows` to the relation of source `name`.
    pub fn source(&mut self, name: &str, rows: Vec<Row>) {
        self.tables
            .entry(TableKey::Source(name.to_string()))
            .or_default()
            .extend(rows);
    }

    /// Appends `rows` to the labels relation of training set `name`.
    pub fn labels(&mut self, name: &str, rows: Vec<Row>) {
        self.tables
            .entry(TableKey::Labels(name.to_string()))
            .or_default()
            .extend(rows);
    }

    /// The rows of `key` (empty when the story wrote none).
    pub fn rows(&self, key: &TableKey) -> &[Row] {
        self.tables.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_digits_and_a_sign() {
        assert_eq!(Money::new(42, 0).to_string(), "42.00");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(-1999).to_string(), "-19.99");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }

    #[test]
    fn rows_replace_and_keep_order() {
        let row = Row::new()
            .with("b", 1_i64)
            .with("a", "x")
            .with("b", None::<i64>);
        assert_eq!(row.columns().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(row.get("b"), Some(&Value::Null));
        assert_eq!(row.get("a"), Some(&Value::Str("x".into())));
        assert_eq!(row.get("c"), None);
    }
}
