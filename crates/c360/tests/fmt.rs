//! `c360 fmt`: in-place rewrite, `--check`, refusal of files with syntax errors.

mod scratch;
use scratch::Scratch;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn c360(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c360"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the c360 binary runs")
}

fn temp_dir(name: &str, files: &[(&str, &str)]) -> Scratch {
    let dir = Scratch::new("fmt", name);
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

const MESSY: &str = "id_type email\nentity customer {ids=[email]}\n";
const TIDY: &str = "id_type email\n\nentity customer {\n  ids = [email]\n}\n";
const BROKEN: &str = "entity customer { ids = [email }\n";

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn check_lists_unformatted_files_and_writes_nothing() {
    let dir = temp_dir(
        "check",
        &[
            ("a.c360", MESSY),
            ("sub/b.c360", TIDY),
            ("sub/c.c360", MESSY),
        ],
    );
    let out = c360(&dir, &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "a.c360\nsub/c.c360\n");
    assert_eq!(fs::read_to_string(dir.join("a.c360")).unwrap(), MESSY);

    let out = c360(&dir, &["fmt", "--check", "sub"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "sub/c.c360\n");

    let out = c360(&dir, &["fmt", "--check", "sub/b.c360"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn fmt_rewrites_in_place_and_is_then_clean() {
    let dir = temp_dir("write", &[("a.c360", MESSY), ("sub/b.c360", TIDY)]);
    let out = c360(&dir, &["fmt"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(dir.join("a.c360")).unwrap(), TIDY);
    assert_eq!(fs::read_to_string(dir.join("sub/b.c360")).unwrap(), TIDY);
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    let out = c360(&dir, &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn files_with_syntax_errors_are_reported_and_left_alone() {
    let dir = temp_dir("broken", &[("a.c360", MESSY), ("bad.c360", BROKEN)]);
    let out = c360(&dir, &["fmt"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error[E0"), "{err}");
    assert!(err.contains("bad.c360:1:"), "{err}");
    assert!(
        err.contains("`bad.c360` has syntax errors and was not formatted"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(dir.join("bad.c360")).unwrap(), BROKEN);
    // The other files are still formatted.
    assert_eq!(fs::read_to_string(dir.join("a.c360")).unwrap(), TIDY);

    let out = c360(&dir, &["fmt", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
}

#[test]
fn bad_paths_are_usage_errors() {
    let dir = temp_dir("usage", &[("a.c360", TIDY), ("notes.txt", "hi")]);
    let out = c360(&dir, &["fmt", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    let out = c360(&dir, &["fmt", "notes.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let out = c360(&dir, &["fmt", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_examples_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = c360(&root, &["fmt", "--check", "examples"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "unformatted: {}{}",
        stdout(&out),
        stderr(&out)
    );
}
