//! `c360-datagen EXAMPLES_DIR [--out DIR]`: writes the sample data of every example.
//!
//! `cargo run -p c360-datagen -- examples` refreshes the committed CSV files in place; with
//! `--out DIR` the files go to `DIR/<example>/data/` instead. The output depends only on the
//! stories' fixed seeds and the example projects, so a rerun writes the same bytes.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: c360-datagen EXAMPLES_DIR [--out DIR]

Writes the sample data of the c360 examples (ecommerce, saas): for each example in
EXAMPLES_DIR, one CSV file per table named in its c360.toml, under DIR/<example>/
(default: EXAMPLES_DIR itself, which refreshes the committed files).";

fn main() -> ExitCode {
    let mut examples: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--out" => match args.next() {
                Some(dir) => out = Some(PathBuf::from(dir)),
                None => return usage("`--out` needs a directory"),
            },
            flag if flag.starts_with('-') => return usage(&format!("unknown option `{flag}`")),
            dir if examples.is_none() => examples = Some(PathBuf::from(dir)),
            extra => return usage(&format!("unexpected argument `{extra}`")),
        }
    }
    let Some(examples) = examples else {
        return usage("missing EXAMPLES_DIR, e.g. `c360-datagen examples`");
    };
    let out = out.unwrap_or_else(|| examples.clone());
    match c360_datagen::write_examples(&examples, &out) {
        Ok(written) => {
            let (mut rows, mut bytes) = (0, 0);
            for file in &written {
                println!(
                    "{:<48} {:>6} rows {:>8} bytes  ({})",
                    file.path.display(),
                    file.rows,
                    file.bytes,
                    file.relation
                );
                rows += file.rows;
                bytes += file.bytes;
            }
            println!("{} files, {rows} rows, {bytes} bytes", written.len());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n\n{USAGE}");
    ExitCode::from(2)
}
