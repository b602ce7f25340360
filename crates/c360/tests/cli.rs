//! The `c360` binary end to end: exit codes, output formats, bad paths.

mod scratch;
use scratch::Scratch;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn c360(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c360"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the c360 binary runs")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn temp_project(name: &str, files: &[(&str, &str)]) -> Scratch {
    let dir = Scratch::new("cli", name);
    for (path, text) in files {
        std::fs::write(dir.join(path), text).unwrap();
    }
    dir
}

#[test]
fn examples_check_clean() {
    for example in ["examples/ecommerce", "examples/saas"] {
        let out = c360(&["check", repo(example).to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{example} has no diagnostics");
    }
}

const BROKEN: &str = "id_type email\nentity customer { ids = [email, emial] }\n";

#[test]
fn errors_exit_1_with_rendered_diagnostics() {
    let dir = temp_project("broken", &[("a.c360", BROKEN)]);
    let out = c360(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[E0108]: unknown id type `emial`"),
        "{stderr}"
    );
    assert!(stderr.contains("a.c360:2:33"), "{stderr}");
    assert!(stderr.contains("did you mean `email`?"), "{stderr}");
}

#[test]
fn warnings_only_exit_0() {
    let dir = temp_project(
        "warn",
        &[(
            "a.c360",
            "id_type email\nid_type phone\nentity customer { ids = [email] }\n",
        )],
    );
    let out = c360(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning[W0002]"));
}

#[test]
fn json_format_is_machine_readable() {
    let dir = temp_project("json", &[("a.c360", BROKEN)]);
    let out = c360(&["check", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let first = &value[0];
    assert_eq!(first["code"], "E0108");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "a.c360");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 33);
    assert_eq!(first["end_column"], 38);
    assert_eq!(first["help"], "did you mean `email`?");
}

#[test]
fn github_format_annotates() {
    let dir = temp_project("github", &[("a.c360", BROKEN)]);
    let out = c360(&["check", dir.to_str().unwrap(), "--format", "github"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("::error file=a.c360,line=2,col=33,"),
        "{stdout}"
    );
}

#[test]
fn a_missing_directory_exits_2() {
    let out = c360(&["check", "/nonexistent/c360/project"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn an_empty_project_is_an_error() {
    let dir = temp_project("empty", &[]);
    let out = c360(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0014"));
}

#[test]
fn non_utf8_files_are_reported_not_fatal() {
    let dir = temp_project(
        "latin1",
        &[(
            "good.c360",
            "id_type email\nentity customer { ids = [email] }\n",
        )],
    );
    std::fs::write(dir.join("bad.c360"), b"id_type caf\xe9\n").unwrap();
    let out = c360(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0008"));
}

#[test]
fn bad_config_points_into_c360_toml() {
    let dir = temp_project(
        "config",
        &[
            (
                "a.c360",
                "id_type email\nentity customer { ids = [email] }\n",
            ),
            (
                "c360.toml",
                "[targets.dev]\nengine = \"duckdb\"\npaht = \"x\"\n",
            ),
        ],
    );
    let out = c360(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[E0011]"), "{stderr}");
    assert!(stderr.contains("c360.toml:3:1"), "{stderr}");
}

#[test]
fn explain_prints_the_long_explanation() {
    let out = c360(&["explain", "e0108"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# E0108: unknown id type"));
    let out = c360(&["explain", "E0109x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `E0109`?"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(c360(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(c360(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(c360(&["--help"]).status.code(), Some(0));
}
