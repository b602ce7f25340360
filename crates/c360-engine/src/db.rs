//! What the run driver, the loader and the summary need from a database, implemented once
//! per engine; everything dialect-specific about talking to a database lives behind it.

use std::path::Path;

use c360_project::LocalTable;

use crate::error::EngineError;
use crate::load::Relation;

/// A failed statement: the database's message, tidied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The message, without the `c360: ` prefix of the run's own checks.
    pub(crate) message: String,
    /// True when one of the compiled SQL's checks (`c360: …`) raised it: a data problem.
    pub(crate) check: bool,
}

impl Failure {
    /// A failure from a database's full message text.
    pub(crate) fn from_text(text: &str) -> Failure {
        match text.find(CHECK) {
            Some(at) => Failure {
                message: text[at + CHECK.len()..].trim().to_owned(),
                check: true,
            },
            None => Failure {
                message: text.trim().to_owned(),
                check: false,
            },
        }
    }
}

/// How the compiled SQL's checks start their messages.
const CHECK: &str = "c360: ";

/// One row of query results as text (`None` for SQL NULL).
pub(crate) type TextRow = Vec<Option<String>>;

/// A connected database a compiled project runs on.
pub(crate) trait Database {
    /// The dialect of the SQL it runs, as `c360 compile --dialect` names it.
    fn dialect(&self) -> &'static str;

    /// The database as shown in messages.
    fn database(&self) -> &str;

    /// Runs one or more statements.
    fn execute(&mut self, sql: &str) -> Result<(), Failure>;

    /// Runs a query whose every column is text (callers cast), returning all rows.
    fn query(&mut self, sql: &str) -> Result<Vec<TextRow>, Failure>;

    /// The columns of `relation` (SQL) with their type names; a list type ends in `[]`.
    fn columns(&mut self, relation: &str) -> Result<Vec<(String, String)>, Failure>;

    /// SQL rendering `column` (of type `ty`) as text the way DuckDB does: lists as `[a, b]`.
    fn as_text(&self, column: &str, ty: &str) -> String;

    /// SQL sorting by `column` (of type `ty`) the same on every engine: text in byte order.
    fn sort_key(&self, column: &str, ty: &str) -> String;

    /// True when the relation given in parts exists as a table or view.
    fn exists(&mut self, parts: &[String]) -> Result<bool, EngineError>;

    /// (Re)creates the relation `rel` from the file of local table `table`; returns its rows.
    fn load(
        &mut self,
        table: &LocalTable,
        rel: &Relation,
        project_dir: &Path,
    ) -> Result<u64, EngineError>;
}

/// The single integer a query returns (a count), 0 for NULL.
pub(crate) fn count(db: &mut dyn Database, sql: &str) -> Result<u64, Failure> {
    let rows = db.query(sql)?;
    let text = rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(0);
    }
    text.trim()
        .parse::<i64>()
        .map(|n| n.max(0) as u64)
        .map_err(|_| Failure {
            message: format!("expected a count, got `{text}` from: {sql}"),
            check: false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_are_told_apart_from_other_failures() {
        let f = Failure::from_text("Invalid Input Error: c360: as_of is not set\n");
        assert_eq!(f.message, "as_of is not set");
        assert!(f.check);
        let f = Failure::from_text("relation \"x\" does not exist");
        assert!(!f.check);
        assert_eq!(f.message, "relation \"x\" does not exist");
    }
}
