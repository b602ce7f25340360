//! Writing a project to disk, and the `c360-testgen SEED DIR` binary.

use std::path::PathBuf;
use std::process::Command;

use c360_testgen::{generate, write};

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("c360-testgen-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_written_project_reads_back_as_generated() {
    let tmp = TempDir::new("write");
    let project = generate(42);
    write(&project, &tmp.0).expect("write");
    let found = c360_project::discover(&tmp.0).expect("discover");
    let files: Vec<(String, String)> = found
        .files
        .iter()
        .map(|f| (f.id.as_str().to_owned(), f.text.clone().expect("UTF-8")))
        .collect();
    assert_eq!(files, project.files);
    let config = found.config.expect("c360.toml").text.expect("readable");
    assert_eq!(config, project.config);
    let (parsed, diags) = c360_project::parse_config(&config);
    assert!(diags.is_empty(), "{diags:?}");
    let target = parsed
        .expect("a config")
        .targets
        .into_iter()
        .next()
        .expect("a target");
    assert_eq!(target.tables.len(), project.tables.len());
    for (relation, path, text) in &project.tables {
        let local = target
            .tables
            .iter()
            .find(|t| &t.table == relation)
            .expect("every table is mapped");
        let on_disk = std::fs::read_to_string(local.resolved_path(&tmp.0)).expect("CSV file");
        assert_eq!(&on_disk, text, "{path}");
    }

    let again = write(&project, &tmp.0).expect_err("a non-empty directory is refused");
    assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(again.to_string().contains("not empty"), "{again}");
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_c360-testgen"))
        .args(args)
        .output()
        .expect("run c360-testgen");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_binary_writes_a_seed_and_says_how_to_run_it() {
    let tmp = TempDir::new("bin");
    let dir = tmp.0.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run(&["7", &dir]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.is_empty(),
        "a generated project checks clean: {stderr}"
    );
    let project = generate(7);
    assert!(
        stdout.contains(&format!("--as-of \"{}\"", project.as_of)),
        "{stdout}"
    );
    assert!(tmp.0.join("c360.toml").is_file());
    for (_, path, _) in &project.tables {
        assert!(stdout.contains(path.as_str()), "{stdout}");
        assert!(tmp.0.join(path).is_file(), "{path}");
    }

    let (code, _, stderr) = run(&["7", &dir]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not empty"), "{stderr}");
}

#[test]
fn the_binary_explains_bad_arguments() {
    let (code, _, stderr) = run(&["seven", "out"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`seven` is not a whole number"), "{stderr}");
    let (code, _, stderr) = run(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("usage: c360-testgen SEED DIR"), "{stderr}");
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("usage"), "{stdout}");
}
