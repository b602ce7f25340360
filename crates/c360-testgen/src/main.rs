//! `c360-testgen SEED DIR`: writes the random project of a seed, to reproduce a failure.

use std::path::PathBuf;
use std::process::ExitCode;

use c360_diagnostics::render::render_human;
use c360_diagnostics::Diagnostic;

const USAGE: &str = "usage: c360-testgen SEED DIR\n\nWrites the random c360 project of SEED (with its CSV data and c360.toml) into DIR,\nwhich must be new or empty, and checks it.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let [seed, dir] = args.as_slice() else {
        eprintln!("error: expected a seed and a directory\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let Ok(seed) = seed.parse::<u64>() else {
        eprintln!(
            "error: the seed `{seed}` is not a whole number from 0 to {}\n\n{USAGE}",
            u64::MAX
        );
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let project = c360_testgen::generate(seed);
    if let Err(e) = c360_testgen::write(&project, &dir) {
        eprintln!(
            "error: cannot write the project to `{}`: {e}",
            dir.display()
        );
        return ExitCode::from(2);
    }
    println!("wrote seed {seed} to {}", dir.display());
    for (path, _) in &project.files {
        println!("  {path}");
    }
    for (relation, path, text) in &project.tables {
        let rows = text.lines().count().saturating_sub(1);
        println!("  {path} ({relation}, {rows} rows)");
    }
    let ws = c360_testgen::workspace(&project);
    let checked = ws.check();
    if !checked.diagnostics.is_empty() {
        eprint!("{}", render_human(&checked.diagnostics, &ws, false));
    }
    println!(
        "\nrun it with: c360 run {} --as-of \"{}\"",
        dir.display(),
        project.as_of
    );
    if checked.diagnostics.iter().any(Diagnostic::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
