//! Runs compiled statements on any [`Database`]: plain statements in order, the stitch loops
//! driven to convergence from here, and the outputs published in one transaction.

use std::time::Instant;

use c360_sql::{Compiled, Statement, PUBLISH};

use crate::db::{count, Database, Failure};
use crate::error::{EngineError, ErrorKind};
use crate::summary::{self, RunSummary, StepTime, PREVIEW_ROWS};
use crate::Progress;

/// Runs `compiled` step by step; see [`crate::Engine::run`].
pub(crate) fn run(
    db: &mut dyn Database,
    compiled: &Compiled,
    progress: &mut dyn Progress,
) -> Result<RunSummary, EngineError> {
    let started = Instant::now();
    let tables = &compiled.tables;
    let mut summary = RunSummary::default();
    if !tables.schema.is_empty() {
        db.execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", tables.schema))
            .map_err(|e| {
                EngineError::new(
                    ErrorKind::Io,
                    format!(
                        "cannot create the schema {} in `{}`: {}",
                        tables.schema,
                        db.database(),
                        e.message
                    ),
                )
            })?;
    }
    let mut rounds_of: Vec<(String, u32)> = Vec::new();
    for (name, statements) in steps(&compiled.statements) {
        if name == PUBLISH {
            // The summary describes what is about to be published: the staged outputs,
            // read while the work tables still exist.
            for e in &tables.entities {
                let rounds = rounds_of
                    .iter()
                    .find(|(step, _)| *step == e.stitch_step)
                    .map_or(0, |(_, r)| *r);
                summary
                    .entities
                    .push(summary::entity(db, tables, e, rounds)?);
                let t = &tables.outputs[e.table_360];
                summary.previews.push(summary::read_table(
                    db,
                    &t.name,
                    &t.staged,
                    Some(PREVIEW_ROWS),
                )?);
            }
            summary.outputs = summary::outputs(db, tables)?;
        }
        progress.start(name);
        let step_started = Instant::now();
        let done = if name == PUBLISH {
            publish(db, &statements).map(|()| None)
        } else {
            step(db, name, &statements, compiled, progress)
        };
        let rounds = done.inspect_err(|_| progress.fail(name))?;
        let elapsed = step_started.elapsed();
        progress.finish(name, elapsed);
        if let Some(r) = rounds {
            rounds_of.push((name.to_owned(), r));
        }
        summary.steps.push(StepTime {
            step: name.to_owned(),
            elapsed,
            rounds,
        });
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Runs the statements of one step; returns the rounds when the step is a loop.
fn step(
    db: &mut dyn Database,
    name: &str,
    statements: &[&Statement],
    compiled: &Compiled,
    progress: &mut dyn Progress,
) -> Result<Option<u32>, EngineError> {
    let mut rounds = None;
    for s in statements {
        match s {
            Statement::Sql { sql, .. } => db
                .execute(sql)
                .map_err(|e| step_error(db.dialect(), name, e))?,
            Statement::Loop {
                body,
                changed,
                max_rounds,
                ..
            } => {
                rounds = Some(drive(
                    db,
                    name,
                    body,
                    changed,
                    *max_rounds,
                    compiled,
                    progress,
                )?);
            }
        }
    }
    Ok(rounds)
}

/// Runs a loop's body, then its `changed` query, until it returns 0; fails past
/// `max_rounds` so a partial closure is never used.
fn drive(
    db: &mut dyn Database,
    name: &str,
    body: &[String],
    changed: &str,
    max_rounds: u32,
    compiled: &Compiled,
    progress: &mut dyn Progress,
) -> Result<u32, EngineError> {
    let dialect = db.dialect();
    let mut unsettled = 0;
    for round in 1..=max_rounds {
        for sql in body {
            db.execute(sql).map_err(|e| step_error(dialect, name, e))?;
        }
        unsettled = count(db, changed).map_err(|e| step_error(dialect, name, e))?;
        progress.round(name, round, unsettled);
        if unsettled == 0 {
            return Ok(round);
        }
    }
    let what = compiled
        .tables
        .entities
        .iter()
        .find(|e| e.stitch_step == name)
        .map_or_else(
            || format!("the loop `{name}`"),
            |e| format!("the identity graph of `{}`", e.entity),
        );
    Err(EngineError::new(
        ErrorKind::Run,
        format!(
            "{what} did not converge in {max_rounds} round{} ({unsettled} links still unsettled); nothing was published",
            if max_rounds == 1 { "" } else { "s" }
        ),
    )
    .with_help(
        "stitching needs about log2 of the largest component's size rounds, so this many points at identifiers that link unrelated records: give their id type a `max_links`, or `exclude` the junk values",
    ))
}

/// Runs the publishing statements in one transaction: all outputs change, or none.
fn publish(db: &mut dyn Database, statements: &[&Statement]) -> Result<(), EngineError> {
    let dialect = db.dialect();
    db.execute("BEGIN TRANSACTION")
        .map_err(|e| step_error(dialect, PUBLISH, e))?;
    let done = statements.iter().try_for_each(|s| match s {
        Statement::Sql { sql, .. } => db.execute(sql),
        Statement::Loop { body, .. } => body.iter().try_for_each(|sql| db.execute(sql)),
    });
    match done.and_then(|()| db.execute("COMMIT")) {
        Ok(()) => Ok(()),
        Err(e) => {
            // The failure is what to report; the database may have aborted the transaction
            // already.
            let _ = db.execute("ROLLBACK");
            Err(step_error(dialect, PUBLISH, e)
                .with_help("the previous outputs are unchanged; fix the problem and run again"))
        }
    }
}

/// Consecutive statements of one step, grouped under its name.
fn steps(statements: &[Statement]) -> Vec<(&str, Vec<&Statement>)> {
    let mut out: Vec<(&str, Vec<&Statement>)> = Vec::new();
    for s in statements {
        match out.last_mut() {
            Some((name, group)) if *name == s.name() => group.push(s),
            _ => out.push((s.name(), vec![s])),
        }
    }
    out
}

/// The error of a failed statement of step `name`: the run's own checks (`c360: …`) are
/// problems with the data; anything else is a failed step.
fn step_error(dialect: &str, name: &str, e: Failure) -> EngineError {
    if e.check {
        EngineError::new(ErrorKind::Data, e.message).at(format!("step `{name}`"))
    } else {
        EngineError::new(
            ErrorKind::Run,
            format!("step `{name}` failed: {}", e.message),
        )
        .with_help(format!(
            "`c360 compile --dialect {dialect}` writes the SQL of every step, to run by hand"
        ))
    }
}
