//! Helpers shared by the integration tests: projects from text, tables from rows.

#![allow(dead_code)]

use c360_diagnostics::{render_human, FileId};
use c360_reference::{evaluate, Outputs, Table, Tables, Timestamp, Value};
use c360_sema::{Model, Workspace};

/// The checked model of a project made of `files` (path, text); panics with the rendered
/// diagnostics when it has errors, since a test's project must be valid.
pub fn model(files: &[(&str, &str)]) -> Model {
    let mut ws = Workspace::default();
    for (path, text) in files {
        ws.set_file(FileId::new(*path), text.to_string());
    }
    let checked = ws.check();
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    assert!(
        errors.is_empty(),
        "the test project has errors:\n{}",
        render_human(&errors, &ws, false)
    );
    checked.model.clone()
}

/// The timestamp `text`.
pub fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap_or_else(|| panic!("`{text}` is not a timestamp"))
}

/// Runs `model` on `tables` as of `as_of`.
pub fn run(model: &Model, tables: &Tables, as_of: &str) -> Outputs {
    evaluate(model, tables, ts(as_of)).unwrap_or_else(|e| panic!("evaluation failed: {e}"))
}

/// A table with these columns and rows.
pub fn table(columns: &[&str], rows: Vec<Vec<Value>>) -> Table {
    let mut t = Table::new(columns);
    for r in rows {
        t.push(r);
    }
    t
}

/// A string value.
pub fn s(text: &str) -> Value {
    Value::from(text)
}

/// The null value.
pub const N: Value = Value::Null;

/// A decimal value.
pub fn dec(text: &str) -> Value {
    Value::decimal(text).unwrap_or_else(|| panic!("`{text}` is not a decimal"))
}

/// A list of strings.
pub fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| Value::from(*i)).collect())
}

/// The 360 value of `column` for the instance owning `(id_type, value)`.
pub fn feature(out: &Outputs, entity: &str, id_type: &str, value: &str, column: &str) -> Value {
    out.entity(entity)
        .unwrap_or_else(|| panic!("no entity `{entity}`"))
        .value_of(id_type, value, column)
        .unwrap_or_else(|| panic!("no `{column}` for {entity}({id_type}: {value})"))
        .clone()
}

/// The entity key owning `(id_type, value)`, if any.
pub fn key(out: &Outputs, entity: &str, id_type: &str, value: &str) -> Option<String> {
    out.entity(entity)?
        .key_of(id_type, value)
        .map(str::to_string)
}

/// A project with three id types and two timed sources, used by most cases:
///
/// - `events` (`app.events`): `anon`, `user_id`, `kind`, `item`, `amount`, `qty`, `at`;
/// - `identifies` (`app.identifies`): `anon`, `user_id`, `email` (physical `EMAIL_ADDRESS`), `at`.
pub const BASE: &str = r#"
id_type user_id
id_type email {
  normalize = lower(trim(value))
  valid     = value ~ r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
  exclude   = ["test@test.com"]
  max_links = 2
}
id_type anon {
  exclude = ["null", "undefined"]
}

entity person {
  ids = [user_id, email, anon]
}

source events from "app.events" {
  anon:    string    @id(anon)
  user_id: string    @id(user_id)
  kind:    string
  item:    string
  amount:  decimal
  qty:     int
  at:      timestamp @time
}

source identifies from "app.identifies" {
  anon:    string    @id(anon)
  user_id: string    @id(user_id)
  email:   string    @id(email) @column("EMAIL_ADDRESS")
  at:      timestamp @time
}
"#;

/// [`BASE`] plus `features` (a file of its own).
pub fn project(features: &str) -> Model {
    model(&[("base.c360", BASE), ("features.c360", features)])
}

/// An `events` row: anon, user_id, kind, item, amount, qty, at.
pub fn event(
    anon: Value,
    user: Value,
    kind: &str,
    item: Value,
    amount: Value,
    qty: Value,
    at: &str,
) -> Vec<Value> {
    let at = if at.is_empty() { Value::Null } else { s(at) };
    vec![anon, user, s(kind), item, amount, qty, at]
}

/// The `events` table of `rows`.
pub fn events(rows: Vec<Vec<Value>>) -> Table {
    table(
        &["anon", "user_id", "kind", "item", "amount", "qty", "at"],
        rows,
    )
}

/// An `identifies` row: anon, user_id, email, at (empty for a null time).
pub fn identify(anon: Value, user: Value, email: Value, at: &str) -> Vec<Value> {
    let at = if at.is_empty() { Value::Null } else { s(at) };
    vec![anon, user, email, at]
}

/// The `identifies` table of `rows`.
pub fn identifies(rows: Vec<Vec<Value>>) -> Table {
    table(&["anon", "user_id", "EMAIL_ADDRESS", "at"], rows)
}

/// Shorthand for a simple event of `user` at `at`: kind, item.
pub fn ev(user: &str, kind: &str, item: Value, at: &str) -> Vec<Value> {
    event(N, s(user), kind, item, N, N, at)
}
