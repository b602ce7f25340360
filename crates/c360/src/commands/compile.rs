//! `c360 compile [DIR] [--dialect D|all] [--target NAME] [--as-of TS] [--out OUT] [--check]
//! [--format human|json|github]`
//!
//! Without `--out` the one dialect's script goes to stdout, exactly [`Compiled::script`] (what
//! the editor's "Show compiled SQL" shows). With `--out`, each dialect's files and
//! `manifest.json` are built in a temporary sibling of `OUT/<dialect>/` and renamed into place,
//! so an interrupted or failed compile never leaves half-written output. `--check` writes
//! nothing and reports how `OUT` differs from what would be written.
//!
//! Diagnostics always go to stderr, in the chosen format: stdout carries only the script or
//! the `--check` report.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use c360_diagnostics::render::{render_github, render_human, render_json};
use c360_diagnostics::{sort_diagnostics, Diagnostic};
use c360_project::{parse_config, Config, Dialect, Target, BUILTIN_TARGET, CONFIG_FILE};
use c360_sema::Workspace;
use c360_sql::{compile_model, schema_for, AsOf, Catalog, Compiled, Manifest};
use similar::TextDiff;

use super::load::load;
use crate::Format;

/// The manifest's file name in each `OUT/<dialect>/` directory.
const MANIFEST: &str = "manifest.json";

/// `--dialect`: one dialect, or every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialectChoice {
    /// One dialect.
    One(Dialect),
    /// Every dialect, in [`Dialect::all`] order.
    All,
}

/// Parses `--dialect`: a dialect's name or `all`; the error names the closest dialect.
pub fn parse_dialect(text: &str) -> Result<DialectChoice, String> {
    if text == "all" {
        return Ok(DialectChoice::All);
    }
    if let Ok(d) = text.parse::<Dialect>() {
        return Ok(DialectChoice::One(d));
    }
    let names: Vec<&str> = Dialect::all()
        .iter()
        .map(|d| d.name())
        .chain(["all"])
        .collect();
    let hint = match c360_sema::closest(text, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? "),
        None => String::new(),
    };
    Err(format!(
        "unknown dialect `{text}`; {hint}expected one of {}",
        names.join(", ")
    ))
}

/// Parses `--as-of`.
pub fn parse_as_of(text: &str) -> Result<AsOf, String> {
    AsOf::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not a valid time; expected `YYYY-MM-DD HH:MM:SS` (with up to six \
             fractional digits) or `YYYY-MM-DD`, e.g. \"2026-06-30 00:00:00\""
        )
    })
}

/// The options of `c360 compile`.
pub struct Options {
    /// The project root (default: the current directory).
    pub dir: Option<PathBuf>,
    /// `--dialect`, each occurrence or comma-separated item; none: the chosen target's dialect.
    pub dialects: Vec<DialectChoice>,
    /// `--target`; default: the project's default target.
    pub target: Option<String>,
    /// `--as-of`, compiled into the parameters step.
    pub as_of: Option<AsOf>,
    /// `--out`: the directory holding one subdirectory per dialect.
    pub out: Option<PathBuf>,
    /// `--check`: compare `out` with what would be written instead of writing.
    pub check: bool,
    /// How diagnostics are printed.
    pub format: Format,
}

/// Compiles the project; exit 0 on success (or `--check` finding no difference), 1 for errors
/// in the project, dialect errors or a `--check` difference, 2 for usage or I/O problems.
pub fn run(opts: Options) -> ExitCode {
    let several = opts.dialects.len() > 1 || opts.dialects.contains(&DialectChoice::All);
    if several && opts.out.is_none() {
        eprintln!(
            "error: compiling several dialects writes each into its own directory\n  \
             help: pass `--out DIR` (e.g. `--out target/sql`), or name one dialect to print its SQL"
        );
        return ExitCode::from(2);
    }
    let loaded = match load(opts.dir.clone()) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let ws = &loaded.workspace;
    let mut diags: Vec<Diagnostic> = loaded.read_diagnostics.clone();
    let checked = ws.check();
    diags.extend(checked.diagnostics.iter().cloned());
    sort_diagnostics(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        print_diagnostics(&diags, ws, opts.format);
        return ExitCode::from(1);
    }
    let config = ws
        .text(&c360_project::config_file_id())
        .and_then(|text| parse_config(text).0);
    let explicit = match opts.target.as_deref() {
        Some(name) => match find_target(config.as_ref(), name) {
            Ok(target) => Some(target),
            Err(message) => {
                print_diagnostics(&diags, ws, opts.format);
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let dialects: Vec<Dialect> = if opts.dialects.is_empty() {
        let chosen = explicit.unwrap_or_else(|| match &config {
            Some(config) => config.default_target(),
            None => Target::builtin(),
        });
        vec![chosen.dialect]
    } else {
        // `Dialect::all` order, each once, whatever order they were named in.
        let named = |d: &Dialect| {
            opts.dialects
                .iter()
                .any(|c| *c == DialectChoice::All || *c == DialectChoice::One(*d))
        };
        Dialect::all().iter().copied().filter(named).collect()
    };

    let model = &checked.model;
    let as_of = opts.as_of.as_ref();
    let compile_one = |&d: &Dialect| compile_model(model, config.as_ref(), d, explicit, as_of);
    // Dialects are independent: compile them on every core while this thread describes the
    // model for the manifests, which is the same for every dialect.
    let (results, catalog) = in_parallel(&dialects, compile_one, || {
        opts.out.is_some().then(|| Catalog::new(model))
    });
    let mut compiled: Vec<Compiled> = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(c) => compiled.push(c),
            Err(errors) => diags.extend(errors),
        }
    }
    sort_diagnostics(&mut diags);
    print_diagnostics(&diags, ws, opts.format);
    if diags.iter().any(Diagnostic::is_error) {
        return ExitCode::from(1);
    }

    let Some(out) = opts.out else {
        // One dialect (several were refused above): its script, byte for byte.
        let mut stdout = io::stdout().lock();
        for c in &compiled {
            if stdout.write_all(c.script().as_bytes()).is_err() || stdout.flush().is_err() {
                return ExitCode::from(2);
            }
        }
        return ExitCode::SUCCESS;
    };
    let outputs: Vec<DialectOutput> = compiled
        .into_iter()
        .map(|c| {
            let schema = schema_for(config.as_ref(), c.dialect, explicit);
            let manifest = catalog
                .clone()
                .map(|catalog| Manifest::new(catalog, &c, &schema, as_of).to_json());
            DialectOutput {
                dialect: c.dialect,
                files: c
                    .files
                    .into_iter()
                    .map(|f| (f.name, f.sql))
                    .chain(manifest.map(|m| (MANIFEST.to_owned(), m)))
                    .collect(),
            }
        })
        .collect();
    let human = opts.format == Format::Human;
    if opts.check {
        return check_out(&out, &outputs, human);
    }
    match write_out(&out, &outputs) {
        Ok(()) => {
            if human {
                let files: usize = outputs.iter().map(|o| o.files.len()).sum();
                let names: Vec<&str> = outputs.iter().map(|o| o.dialect.name()).collect();
                eprintln!(
                    "compiled {} to `{}` ({files} files)",
                    names.join(", "),
                    out.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// `f` of every item, in order, on up to as many threads as there are cores, while the calling
/// thread runs `meanwhile`.
fn in_parallel<T: Sync, R: Send, M>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    meanwhile: impl FnOnce() -> M,
) -> (Vec<R>, M) {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if workers <= 1 {
        let other = meanwhile();
        return (items.iter().map(f).collect(), other);
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return done;
                        };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        let other = meanwhile();
        let mut results: Vec<(usize, R)> = handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        results.sort_by_key(|(i, _)| *i);
        (results.into_iter().map(|(_, r)| r).collect(), other)
    })
}

/// The target `--target` names; the error lists the valid names and the closest one.
fn find_target<'c>(config: Option<&'c Config>, name: &str) -> Result<&'c Target, String> {
    match config {
        Some(config) => config.target(Some(name)),
        None if name == BUILTIN_TARGET => Ok(Target::builtin()),
        None => Err(format!(
            "unknown target `{name}`: the project has no {CONFIG_FILE}, so its only target is \
             the built-in `{BUILTIN_TARGET}` (DuckDB)\n  help: declare targets in {CONFIG_FILE}, \
             e.g. `[targets.{name}]` with `dialect = \"snowflake\"`"
        )),
    }
}

/// Prints diagnostics to stderr in `format`; a JSON array is printed even when empty, so a
/// tool can always parse it.
fn print_diagnostics(diags: &[Diagnostic], ws: &Workspace, format: Format) {
    let text = match format {
        Format::Human => {
            let color = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render_human(diags, ws, color)
        }
        Format::Json => {
            let value = render_json(diags, ws);
            let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "[]".into());
            text.push('\n');
            text
        }
        Format::Github => render_github(diags, ws),
    };
    let _ = io::stderr().write_all(text.as_bytes());
}

/// What one dialect writes into `OUT/<dialect>/`: file names and texts, manifest last.
struct DialectOutput {
    dialect: Dialect,
    files: Vec<(String, String)>,
}

/// A temporary sibling of `OUT/<dialect>/`: hidden, named after the dialect and this process.
fn sibling(out: &Path, dialect: Dialect, role: &str) -> PathBuf {
    out.join(format!(
        ".{}.c360-{role}-{}",
        dialect.name(),
        std::process::id()
    ))
}

/// Writes every dialect's directory: all are built in temporary siblings first, and only when
/// every one is complete are they renamed into place, replacing the previous output whole.
/// On an error nothing under `OUT/<dialect>/` has changed (or, should a rename itself fail,
/// every dialect directory is either the old one or the new one).
fn write_out(out: &Path, outputs: &[DialectOutput]) -> Result<(), String> {
    let shown = |p: &Path| p.display().to_string();
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", shown(out)))?;
    for o in outputs {
        ensure_owned(&out.join(o.dialect.name()))?;
        remove_stale_siblings(out, o.dialect);
    }
    let mut built: Vec<(PathBuf, PathBuf)> = Vec::new();
    for o in outputs {
        let tmp = sibling(out, o.dialect, "tmp");
        let result = build_dir(&tmp, &o.files);
        built.push((tmp.clone(), out.join(o.dialect.name())));
        if let Err(message) = result {
            for (tmp, _) in &built {
                let _ = std::fs::remove_dir_all(tmp);
            }
            return Err(message);
        }
    }
    for (o, (tmp, target)) in outputs.iter().zip(&built) {
        let old = sibling(out, o.dialect, "old");
        let had_old = target.exists();
        if had_old {
            if let Err(e) = std::fs::rename(target, &old) {
                for (tmp, _) in &built {
                    let _ = std::fs::remove_dir_all(tmp);
                }
                return Err(format!("cannot replace `{}`: {e}", shown(target)));
            }
        }
        if let Err(e) = std::fs::rename(tmp, target) {
            if had_old {
                let _ = std::fs::rename(&old, target);
            }
            for (tmp, _) in &built {
                let _ = std::fs::remove_dir_all(tmp);
            }
            return Err(format!(
                "cannot move the new `{}` into place: {e}",
                shown(target)
            ));
        }
        if had_old {
            if let Err(e) = std::fs::remove_dir_all(&old) {
                eprintln!(
                    "warning: the previous output is left in `{}`: {e}",
                    shown(&old)
                );
            }
        }
    }
    Ok(())
}

/// Refuses to replace `dir` unless it is a directory `c360 compile` wrote (it holds a
/// `manifest.json`) or is empty: the whole directory is replaced, and a user's own directory
/// that happens to be called `postgres` must not be.
fn ensure_owned(dir: &Path) -> Result<(), String> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
    };
    if !meta.is_dir() {
        return Err(format!(
            "`{}` exists and is not a directory; c360 writes each dialect into a directory of \
             its own under --out\n  help: move it away or pass another `--out`",
            dir.display()
        ));
    }
    if dir.join(MANIFEST).is_file() {
        return Ok(());
    }
    let empty = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
        .next()
        .is_none();
    if empty {
        Ok(())
    } else {
        Err(format!(
            "`{}` was not written by `c360 compile` (it has no {MANIFEST}) and would be \
             replaced whole\n  help: move it away or pass another `--out`",
            dir.display()
        ))
    }
}

/// Removes temporary siblings left by an earlier compile of `dialect` that was interrupted.
fn remove_stale_siblings(out: &Path, dialect: Dialect) {
    let prefix = format!(".{}.c360-", dialect.name());
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_prefix("tmp-").or(rest.strip_prefix("old-")))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Creates `dir` (replacing a leftover) holding exactly `files`.
fn build_dir(dir: &Path, files: &[(String, String)]) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

/// `--check`: prints a unified diff per differing file and lists missing and extra files;
/// exit 1 on any difference.
fn check_out(out: &Path, outputs: &[DialectOutput], human: bool) -> ExitCode {
    let mut report = String::new();
    let (mut differing, mut missing, mut extra) = (0usize, 0usize, 0usize);
    for o in outputs {
        let dir = out.join(o.dialect.name());
        let shown = |name: &str| dir.join(name).display().to_string();
        let present: BTreeSet<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = writeln!(
                    report,
                    "missing: {}/ ({} files)",
                    dir.display(),
                    o.files.len()
                );
                missing += o.files.len();
                continue;
            }
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", dir.display());
                return ExitCode::from(2);
            }
        };
        let expected: BTreeSet<&str> = o.files.iter().map(|(n, _)| n.as_str()).collect();
        for (name, text) in &o.files {
            if !present.contains(name) {
                continue;
            }
            let on_disk = match std::fs::read(dir.join(name)) {
                Ok(bytes) => bytes,
                Err(e) => {
                    eprintln!("error: cannot read `{}`: {e}", shown(name));
                    return ExitCode::from(2);
                }
            };
            if on_disk == text.as_bytes() {
                continue;
            }
            differing += 1;
            match std::str::from_utf8(&on_disk) {
                Ok(old) => {
                    let path = shown(name);
                    let diff = TextDiff::from_lines(old, text.as_str());
                    let _ = write!(
                        report,
                        "{}",
                        diff.unified_diff()
                            .header(&format!("{path}\ton disk"), &format!("{path}\tcompiled"))
                    );
                }
                Err(_) => {
                    let _ = writeln!(report, "differs: {} (not UTF-8 text)", shown(name));
                }
            }
        }
        for (name, _) in &o.files {
            if !present.contains(name) {
                missing += 1;
                let _ = writeln!(report, "missing: {}", shown(name));
            }
        }
        for name in &present {
            if !expected.contains(name.as_str()) {
                extra += 1;
                let _ = writeln!(report, "extra:   {}", shown(name));
            }
        }
    }
    let _ = io::stdout().lock().write_all(report.as_bytes());
    let files: usize = outputs.iter().map(|o| o.files.len()).sum();
    if differing + missing + extra == 0 {
        if human {
            eprintln!("`{}` is up to date ({files} files)", out.display());
        }
        return ExitCode::SUCCESS;
    }
    if human {
        let mut counts = Vec::new();
        match differing {
            0 => {}
            1 => counts.push("1 file differs".to_owned()),
            n => counts.push(format!("{n} files differ")),
        }
        if missing > 0 {
            counts.push(format!("{missing} missing"));
        }
        if extra > 0 {
            counts.push(format!("{extra} extra"));
        }
        eprintln!(
            "error: `{}` is not what `c360 compile` writes: {}\n  help: run the same command \
             without `--check` to update it",
            out.display(),
            counts.join(", ")
        );
    }
    ExitCode::from(1)
}
