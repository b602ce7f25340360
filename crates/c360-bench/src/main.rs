//! `c360-bench`: measures c360 on generated projects and records the results in BENCHMARKS.md.
//!
//! Usage: `cargo build --release -p c360 -p c360-bench && target/release/c360-bench
//! check|compile|run [--write BENCHMARKS.md]`. The `c360` binary is looked up next to this one (or
//! `$C360_BIN`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

mod run;

use c360_bench::{generate, write, Size};
use c360_diagnostics::FileId;
use c360_sema::Workspace;
use c360_sql::{compile_model, Dialect};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write_to = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let (name, result) = match args.first().map(String::as_str) {
        Some("check") => ("check", bench_check()),
        Some("compile") => ("compile", bench_compile()),
        Some("run") => ("run", run::bench_run()),
        _ => {
            eprintln!("usage: c360-bench check|compile|run [--write BENCHMARKS.md]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(section) => {
            println!("{section}");
            if let Some(path) = write_to {
                if let Err(err) = replace_section(&path, name, &section) {
                    eprintln!("error: could not update {}: {err}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn c360_binary() -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var("C360_BIN") {
        return Ok(PathBuf::from(path));
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let sibling = me.with_file_name("c360");
    if sibling.exists() {
        Ok(sibling)
    } else {
        Err(format!(
            "no c360 binary at {}: build it with `cargo build --release -p c360` or set C360_BIN",
            sibling.display()
        ))
    }
}

struct Stats {
    median: Duration,
    p95: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        max: samples[samples.len() - 1],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn bench_check() -> Result<String, String> {
    let size = Size::LARGE;
    let dir = std::env::temp_dir().join(format!("c360-bench-{}", std::process::id()));
    write(&dir, size).map_err(|e| format!("writing {}: {e}", dir.display()))?;
    let result = run_check_benches(&dir, size);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_check_benches(dir: &Path, size: Size) -> Result<String, String> {
    let bin = c360_binary()?;
    // Cold: the whole `c360 check` process, as a user or CI runs it.
    let mut cold = Vec::new();
    for _ in 0..11 {
        let start = Instant::now();
        let out = Command::new(&bin)
            .arg("check")
            .arg(dir)
            .output()
            .map_err(|e| format!("running {}: {e}", bin.display()))?;
        cold.push(start.elapsed());
        if !out.status.success() {
            return Err(format!(
                "the generated project does not check clean:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    // Warm: one workspace, edit one feature of one file, re-check.
    let files = generate(size);
    let mut ws = Workspace::default();
    for (path, text) in &files {
        ws.set_file(FileId::new(path), text.clone());
    }
    let start = Instant::now();
    for (path, text) in &files {
        std::hint::black_box(c360_syntax::parse(&FileId::new(path), text));
    }
    let parse_all = start.elapsed();
    let start = Instant::now();
    let errors = ws.check().has_errors();
    let first = start.elapsed();
    if errors {
        return Err("the generated project has errors".into());
    }
    let (path, text) = &files[files.len() / 2];
    let target = text
        .find("| count()")
        .ok_or("no count() feature to edit in the middle file")?;
    let mut warm = Vec::new();
    for i in 0..100 {
        let edited = format!(
            "{}| where quantity > {i} | count(){}",
            &text[..target],
            &text[target + "| count()".len()..]
        );
        ws.set_file(FileId::new(path), edited);
        let start = Instant::now();
        let checked = ws.check();
        warm.push(start.elapsed());
        if checked.has_errors() {
            return Err("an edit produced errors".into());
        }
    }
    let cold = stats(cold);
    let warm = stats(warm);
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    Ok(format!(
        "Project: {} sources, {} features, {} files, {lines} lines (generated by `c360-bench`).\n\n\
         | measurement | median | p95 | max | target |\n|---|---|---|---|---|\n\
         | `c360 check` process, cold (11 runs) | {} | {} | {} | < 300 ms |\n\
         | parsing every file once (in-process) | {} | | | |\n\
         | first check in a new workspace (in-process) | {} | | | |\n\
         | re-check after a one-feature edit, warm (100 edits) | {} | {} | {} | < 10 ms |",
        size.sources,
        size.features,
        size.files,
        ms(cold.median),
        ms(cold.p95),
        ms(cold.max),
        ms(parse_all),
        ms(first),
        ms(warm.median),
        ms(warm.p95),
        ms(warm.max),
    ))
}

fn bench_compile() -> Result<String, String> {
    let size = Size::LARGE.without_lists();
    let dir = std::env::temp_dir().join(format!("c360-bench-compile-{}", std::process::id()));
    let project = dir.join("project");
    write(&project, size).map_err(|e| format!("writing {}: {e}", project.display()))?;
    let result = run_compile_benches(&project, &dir.join("out"), size);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_compile_benches(project: &Path, out: &Path, size: Size) -> Result<String, String> {
    let bin = c360_binary()?;
    // The whole process, as CI runs it: check, compile six dialects, write the files and
    // manifests, swap the directories in. The first run creates `out`, later ones replace it.
    let mut cold = Vec::new();
    for _ in 0..11 {
        let start = Instant::now();
        let run = Command::new(&bin)
            .args(["compile", "--dialect", "all", "--out"])
            .arg(out)
            .arg(project)
            .output()
            .map_err(|e| format!("running {}: {e}", bin.display()))?;
        cold.push(start.elapsed());
        if !run.status.success() {
            return Err(format!(
                "`c360 compile --dialect all` failed on the generated project:\n{}",
                String::from_utf8_lossy(&run.stderr)
            ));
        }
    }
    let mut check = Vec::new();
    for _ in 0..11 {
        let start = Instant::now();
        let run = Command::new(&bin)
            .args(["compile", "--dialect", "all", "--check", "--out"])
            .arg(out)
            .arg(project)
            .output()
            .map_err(|e| format!("running {}: {e}", bin.display()))?;
        check.push(start.elapsed());
        if !run.status.success() {
            return Err(format!(
                "`c360 compile --check` found differences right after compiling:\n{}",
                String::from_utf8_lossy(&run.stdout)
            ));
        }
    }
    let (files, bytes) = tree_size(out).map_err(|e| format!("reading {}: {e}", out.display()))?;

    // In-process, the stages one by one (the best of 5 runs of each).
    let mut ws = Workspace::default();
    for (path, text) in generate(size) {
        ws.set_file(FileId::new(path), text);
    }
    let start = Instant::now();
    let checked = ws.check();
    let check_time = start.elapsed();
    if checked.has_errors() {
        return Err("the generated project has errors".into());
    }
    let model = &checked.model;
    let best = |f: &mut dyn FnMut() -> Result<(), String>| -> Result<Duration, String> {
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            f()?;
            best = best.min(start.elapsed());
        }
        Ok(best)
    };
    let lower = best(&mut || {
        std::hint::black_box(c360_ir::lower(model));
        Ok(())
    })?;
    let mut per_dialect = Vec::new();
    for &d in Dialect::all() {
        let mut compiled = None;
        let time = best(&mut || {
            let c = compile_model(model, None, d, None, None)
                .map_err(|e| format!("{d}: {} dialect errors", e.len()))?;
            compiled = Some(c);
            Ok(())
        })?;
        let compiled = compiled.ok_or("no compile ran")?;
        let manifest_time = best(&mut || {
            std::hint::black_box(c360_sql::manifest(model, &compiled, "", None).to_json());
            Ok(())
        })?;
        per_dialect.push((d, time, manifest_time));
    }

    let cold = stats(cold);
    let check = stats(check);
    let mut rows = String::new();
    for (d, time, manifest_time) in &per_dialect {
        rows.push_str(&format!(
            "| {d}: lower + generate SQL / manifest | {} / {} | | | |\n",
            ms(*time),
            ms(*manifest_time)
        ));
    }
    Ok(format!(
        "Project: {} sources, {} features, {} files, without list features (generated by \
         `c360-bench`). Output: {files} files, {:.1} MB for six dialects.\n\n\
         | measurement | median | p95 | max | target |\n|---|---|---|---|---|\n\
         | `c360 compile --dialect all --out OUT` process (11 runs) | {} | {} | {} | < 1 s |\n\
         | `c360 compile --dialect all --out OUT --check`, no difference (11 runs) | {} | {} | {} | |\n\
         | check (in-process, first) | {} | | | |\n\
         | lower to the plan (in-process) | {} | | | |\n\
         {rows}",
        size.sources,
        size.features,
        size.files,
        bytes as f64 / 1e6,
        ms(cold.median),
        ms(cold.p95),
        ms(cold.max),
        ms(check.median),
        ms(check.p95),
        ms(check.max),
        ms(check_time),
        ms(lower),
    )
    .trim_end()
    .to_owned())
}

/// The number of files under `dir` and their total size.
fn tree_size(dir: &Path) -> std::io::Result<(usize, u64)> {
    let (mut files, mut bytes) = (0, 0);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let (f, b) = tree_size(&entry.path())?;
            files += f;
            bytes += b;
        } else {
            files += 1;
            bytes += meta.len();
        }
    }
    Ok((files, bytes))
}

/// Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `path`.
fn replace_section(path: &Path, name: &str, body: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let begin = format!("<!-- {name}:begin -->");
    let end = format!("<!-- {name}:end -->");
    let (Some(b), Some(e)) = (text.find(&begin), text.find(&end)) else {
        return Err(std::io::Error::other(format!(
            "markers {begin} … {end} not found"
        )));
    };
    let updated = format!("{}{begin}\n{body}\n{}", &text[..b], &text[e..]);
    std::fs::write(path, updated)
}
