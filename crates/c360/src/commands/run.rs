//! `c360 run [DIR] [--target NAME] [--as-of "YYYY-MM-DD HH:MM:SS"] [--format human|json]`
//!
//! Checks the project, compiles it for the target's engine, loads the target's local tables,
//! runs the SQL and prints a summary. Progress goes to stderr (bars on a terminal, one line
//! per step otherwise); the summary goes to stdout.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use c360_diagnostics::render::{render_human, render_json};
use c360_diagnostics::{sort_diagnostics, Diagnostic, FileId};
use c360_engine::{
    Engine, EngineError, ErrorKind, LoadReport, Progress, Rows, RunSummary, PREVIEW_ROWS,
};
use c360_project::{parse_config, Config, Target, CONFIG_FILE};
use c360_sql::AsOf;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use super::load::load;

/// How the run summary is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// Tables for people.
    Human,
    /// One JSON document, for tools.
    Json,
}

/// What `c360 run` was asked to do.
pub struct Options {
    /// The project root (default: the current directory).
    pub dir: Option<PathBuf>,
    /// The target (default: the project's default target).
    pub target: Option<String>,
    /// The run's `as_of` (default: now, UTC).
    pub as_of: Option<String>,
    /// How the summary is printed.
    pub format: RunFormat,
}

/// Widest a cell of a preview table gets before it is cut: an entity key (32) fits.
const CELL_WIDTH: usize = 32;

/// Runs the project; exit 0 on success, 1 for errors in the project or its data or a failed
/// run, 2 for usage and I/O problems.
pub fn run(options: Options) -> ExitCode {
    let root = options.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let out = Output {
        format: options.format,
    };
    let loaded = match load(options.dir) {
        Ok(loaded) => loaded,
        Err(message) => return out.fail(&EngineError::new(ErrorKind::Io, message)),
    };
    let ws = &loaded.workspace;
    let mut diags: Vec<Diagnostic> = loaded.read_diagnostics.clone();
    diags.extend(ws.check().diagnostics.iter().cloned());
    sort_diagnostics(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return out.diagnostics(&diags, ws, ExitCode::from(1));
    }
    if out.format == RunFormat::Human && !diags.is_empty() {
        out.human_diagnostics(&diags, ws);
    }
    let model = &ws.check().model;
    let config: Config = ws
        .text(&FileId::new(CONFIG_FILE))
        .and_then(|text| parse_config(text).0)
        .unwrap_or_default();
    let target: &Target = match config.target(options.target.as_deref()) {
        Ok(target) => target,
        Err(message) => {
            let runnable: Vec<String> = config
                .targets
                .iter()
                .filter(|t| t.can_run())
                .map(|t| format!("`{}`", t.name))
                .collect();
            let err = EngineError::new(ErrorKind::Usage, message);
            let err = match runnable.as_slice() {
                [] => err,
                names => err.with_help(format!("targets that run: {}", names.join(", "))),
            };
            return out.fail(&err);
        }
    };
    if target.engine.is_none() {
        return out.fail(&compile_only(target, &config));
    }
    let as_of = match options.as_of.as_deref() {
        Some(text) => match AsOf::parse(text) {
            Some(a) => a,
            None => {
                return out.fail(
                    &EngineError::new(ErrorKind::Usage, format!("invalid --as-of `{text}`"))
                        .with_help("write it `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`, e.g. --as-of \"2026-06-30 00:00:00\" (UTC, like every time c360 compares)"),
                )
            }
        },
        None => now_utc(),
    };
    let compiled = match c360_sql::compile_model(
        model,
        Some(&config),
        target.dialect,
        Some(target),
        Some(&as_of),
    ) {
        Ok(c) => c,
        Err(mut errors) => {
            sort_diagnostics(&mut errors);
            return out.diagnostics(&errors, ws, ExitCode::from(1));
        }
    };
    let started = Instant::now();
    let mut engine = match Engine::open(target, &root) {
        Ok(e) => e,
        Err(e) => return out.fail(&e),
    };
    let mut progress = progress();
    let load = match engine.load_tables(model, target, &root, progress.as_mut()) {
        Ok(report) => report,
        Err(e) => return out.fail(&e),
    };
    let summary = match engine.run(&compiled, progress.as_mut()) {
        Ok(s) => s,
        Err(e) => return out.fail(&e),
    };
    drop(progress);
    let run = Run {
        project: config.project_name(&absolute(&root)),
        target,
        database: engine.database().to_owned(),
        schema: target.schema.clone().unwrap_or_default(),
        as_of: as_of.as_str().to_owned(),
        load,
        summary,
        elapsed: started.elapsed(),
    };
    match out.format {
        RunFormat::Human => print!("{}", run.human()),
        RunFormat::Json => {
            let mut value = run.json();
            value["warnings"] = render_json(&diags, ws);
            println!("{}", pretty(&value));
        }
    }
    ExitCode::SUCCESS
}

/// The error for `c360 run` on a target without an engine.
fn compile_only(target: &Target, config: &Config) -> EngineError {
    let runnable: Vec<String> = config
        .targets
        .iter()
        .filter(|t| t.can_run())
        .map(|t| format!("`--target {}`", t.name))
        .collect();
    let suggestion = match runnable.as_slice() {
        [] => "add a target with `engine = \"duckdb\"` to c360.toml to run the project locally"
            .to_owned(),
        names => format!("run {} instead", names.join(" or ")),
    };
    EngineError::new(
        ErrorKind::Usage,
        format!(
            "target `{}` is compile-only: it names the dialect {} and no engine, so `c360 run` cannot run it",
            target.name, target.dialect
        ),
    )
    .with_help(format!(
        "{suggestion}; `c360 compile --dialect {}` writes the SQL for {}",
        target.dialect, target.name
    ))
}

/// The current time in UTC, the default `as_of` (spec §5.3), to the second.
fn now_utc() -> AsOf {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let text = format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    );
    // Four-digit years and in-range fields always parse.
    AsOf::parse(&text).expect("a formatted UTC clock time is a valid as_of")
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into())
}

/// Where results and errors go, by format.
struct Output {
    format: RunFormat,
}

impl Output {
    fn human_diagnostics(&self, diags: &[Diagnostic], ws: &c360_sema::Workspace) {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let text = render_human(diags, ws, color);
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    /// Prints diagnostics that stop the run.
    fn diagnostics(
        &self,
        diags: &[Diagnostic],
        ws: &c360_sema::Workspace,
        code: ExitCode,
    ) -> ExitCode {
        match self.format {
            RunFormat::Human => self.human_diagnostics(diags, ws),
            RunFormat::Json => println!(
                "{}",
                pretty(&json!({ "status": "error", "diagnostics": render_json(diags, ws) }))
            ),
        }
        code
    }

    /// Prints an engine error; the exit code follows its kind.
    fn fail(&self, err: &EngineError) -> ExitCode {
        match self.format {
            RunFormat::Human => eprintln!("error: {err}"),
            RunFormat::Json => println!(
                "{}",
                pretty(&json!({
                    "status": "error",
                    "error": {
                        "kind": format!("{:?}", err.kind).to_lowercase(),
                        "message": err.message,
                        "location": err.location,
                        "help": err.help,
                    }
                }))
            ),
        }
        match err.kind {
            ErrorKind::Usage | ErrorKind::Io => ExitCode::from(2),
            ErrorKind::Data | ErrorKind::Run => ExitCode::from(1),
        }
    }
}

/// Progress bars on a terminal, plain lines otherwise.
fn progress() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bars::default())
    } else {
        Box::new(Lines::default())
    }
}

/// `step … done (12 ms)` lines, for logs and pipes.
#[derive(Default)]
struct Lines {
    rounds: Option<u32>,
}

impl Progress for Lines {
    fn start(&mut self, step: &str) {
        self.rounds = None;
        eprint!("{step} … ");
    }

    fn round(&mut self, _step: &str, round: u32, _unsettled: u64) {
        self.rounds = Some(round);
    }

    fn finish(&mut self, _step: &str, elapsed: Duration) {
        match self.rounds {
            Some(r) => eprintln!("done ({}, {})", duration(elapsed), rounds(r)),
            None => eprintln!("done ({})", duration(elapsed)),
        }
    }

    fn fail(&mut self, _step: &str) {
        eprintln!("failed");
    }
}

/// A spinner per step, replaced by a `✓ step (12 ms)` line when it finishes.
#[derive(Default)]
struct Bars {
    bar: Option<ProgressBar>,
    rounds: Option<u32>,
}

impl Progress for Bars {
    fn start(&mut self, step: &str) {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}") {
            bar.set_style(style);
        }
        bar.set_message(step.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        self.bar = Some(bar);
        self.rounds = None;
    }

    fn round(&mut self, step: &str, round: u32, unsettled: u64) {
        self.rounds = Some(round);
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{step}: round {round}, {} links to settle",
                thousands(unsettled)
            ));
        }
    }

    fn finish(&mut self, step: &str, elapsed: Duration) {
        if let Some(bar) = self.bar.take() {
            let detail = match self.rounds {
                Some(r) => format!("{}, {}", duration(elapsed), rounds(r)),
                None => duration(elapsed),
            };
            // A finished bar stays on its line without a line break; the next bar would
            // draw after it, so the line is printed anew instead.
            bar.finish_and_clear();
            eprintln!("✓ {step} ({detail})");
        }
    }

    fn fail(&mut self, step: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            eprintln!("✗ {step}");
        }
    }
}

fn rounds(n: u32) -> String {
    if n == 1 {
        "1 round".to_owned()
    } else {
        format!("{n} rounds")
    }
}

/// `0.4 ms`, `12 ms`, `1.25 s`.
fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A finished run, for printing.
struct Run<'a> {
    project: String,
    target: &'a Target,
    database: String,
    schema: String,
    as_of: String,
    load: LoadReport,
    summary: RunSummary,
    elapsed: Duration,
}

impl Run<'_> {
    fn json(&self) -> Value {
        json!({
            "status": "ok",
            "project": self.project,
            "target": self.target.name,
            "engine": self.target.engine.map(|e| e.name()),
            "database": self.database,
            "schema": self.schema,
            "as_of": self.as_of,
            "elapsed_ms": (self.elapsed.as_secs_f64() * 10_000.0).round() / 10.0,
            "loaded": self.load,
            "entities": self.summary.entities,
            "outputs": self.summary.outputs,
            "steps": self.summary.steps,
            "previews": self.summary.previews,
        })
    }

    fn human(&self) -> String {
        let mut out = String::new();
        let engine = self.target.engine.map_or("", |e| e.name());
        // Names as the user wrote them in c360.toml, not as quoted SQL.
        let shown_schema = self.schema.as_str();
        let qualified = |name: &str| {
            if shown_schema.is_empty() {
                name.to_owned()
            } else {
                format!("{shown_schema}.{name}")
            }
        };
        let schema = if shown_schema.is_empty() {
            String::new()
        } else {
            format!(", schema {shown_schema}")
        };
        out += &format!(
            "Ran `{}` on target `{}` ({engine} {}{schema}) as of {} in {}\n",
            self.project,
            self.target.name,
            self.database,
            self.as_of,
            duration(self.elapsed)
        );
        if !self.load.tables.is_empty() {
            out += "\nLoaded\n";
            let rows: Vec<Vec<String>> = self
                .load
                .tables
                .iter()
                .map(|t| {
                    vec![
                        t.table.clone(),
                        t.file.clone(),
                        format!("{} rows", thousands(t.rows)),
                        duration(t.elapsed),
                    ]
                })
                .collect();
            out += &columns(&rows, &[false, false, true, true]);
        }
        for name in &self.load.unused {
            out += &format!("  (not loaded: `{name}` is read by no source or training set)\n");
        }
        for e in &self.summary.entities {
            out += &format!("\nIdentity graph of `{}`\n", e.entity);
            let mut rows = vec![
                vec!["entities".to_owned(), thousands(e.instances)],
                vec!["identifiers".to_owned(), thousands(e.nodes)],
                vec!["links".to_owned(), thousands(e.edges)],
            ];
            if let Some(c) = &e.largest {
                let mix: Vec<String> = c
                    .id_types
                    .iter()
                    .map(|t| format!("{} {}", t.id_type, thousands(t.count)))
                    .collect();
                rows.push(vec![
                    "largest".to_owned(),
                    format!(
                        "{} identifiers ({}), {}",
                        thousands(c.size),
                        mix.join(", "),
                        c.id
                    ),
                ]);
            }
            let over = &e.overlinked;
            let mut dropped = format!("{} dropped", thousands(over.count));
            if !over.top.is_empty() {
                let top: Vec<String> = over
                    .top
                    .iter()
                    .map(|o| {
                        format!(
                            "{} `{}` ({} links)",
                            o.id_type,
                            cut(&o.id_value, 40),
                            thousands(o.neighbours)
                        )
                    })
                    .collect();
                dropped += &format!(": {}", top.join(", "));
                if over.count as usize > over.top.len() {
                    dropped += ", …";
                }
            }
            rows.push(vec!["over-linked".to_owned(), dropped]);
            rows.push(vec!["stitch rounds".to_owned(), e.rounds.to_string()]);
            out += &columns(&rows, &[false, false]);
        }
        if !self.summary.outputs.is_empty() {
            out += "\nOutputs\n";
            let rows: Vec<Vec<String>> = self
                .summary
                .outputs
                .iter()
                .map(|o| vec![qualified(&o.name), format!("{} rows", thousands(o.rows))])
                .collect();
            out += &columns(&rows, &[false, true]);
        }
        out += "\nSteps\n";
        let rows: Vec<Vec<String>> = self
            .summary
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.step.clone(),
                    duration(s.elapsed),
                    s.rounds.map(rounds).unwrap_or_default(),
                ]
            })
            .collect();
        out += &columns(&rows, &[false, true, false]);
        for p in &self.summary.previews {
            let total = self
                .summary
                .outputs
                .iter()
                .find(|o| o.name == p.table)
                .map_or(p.rows.len() as u64, |o| o.rows);
            let shown = if total as usize > PREVIEW_ROWS {
                format!("first {PREVIEW_ROWS} of {} rows", thousands(total))
            } else {
                format!("{} rows", thousands(total))
            };
            out += &format!("\n{} ({shown})\n", p.table);
            out += &grid(p);
        }
        out
    }
}

/// `text` cut to `width` characters, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Rows as indented, aligned columns; `right` says which columns align right.
fn columns(rows: &[Vec<String>], right: &[bool]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            line.push(' ');
            if right.get(i).copied().unwrap_or(false) {
                line += &" ".repeat(pad);
                line += cell;
            } else {
                line += cell;
                line += &" ".repeat(pad);
            }
            line.push(' ');
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// A preview as a boxed table; `null` for SQL NULL, long cells cut.
fn grid(rows: &Rows) -> String {
    let cells: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| cut(v.as_deref().unwrap_or("null"), CELL_WIDTH))
                .collect()
        })
        .collect();
    let header: Vec<String> = rows.columns.iter().map(|c| cut(c, CELL_WIDTH)).collect();
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let line = |row: &[String]| {
        let parts: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!(" {c}{} ", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        format!("│{}│\n", parts.join("│"))
    };
    let mut out = rule("┌", "┬", "┐");
    out += &line(&header);
    out += &rule("├", "┼", "┤");
    for r in &cells {
        out += &line(r);
    }
    out += &rule("└", "┴", "┘");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_and_durations() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(duration(Duration::from_micros(420)), "0.4 ms");
        assert_eq!(duration(Duration::from_millis(12)), "12 ms");
        assert_eq!(duration(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }

    #[test]
    fn now_is_a_valid_as_of() {
        let now = now_utc();
        assert_eq!(now.as_str().len(), "2026-01-01 00:00:00".len());
        assert!(now.as_str() > "2025-01-01");
    }
}
