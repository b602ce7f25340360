//! `c360 compile` end to end: the files and manifest it writes, `--check`, and the guarantees
//! around a failed compile.

mod scratch;
use scratch::Scratch;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const DIALECTS: [&str; 6] = [
    "duckdb",
    "postgres",
    "snowflake",
    "bigquery",
    "redshift",
    "databricks",
];

/// Every dialect but Redshift, which has no list columns and both examples have list features.
const WITH_LISTS: &str = "duckdb,postgres,snowflake,bigquery,databricks";

fn c360(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c360"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the c360 binary runs")
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .to_str()
        .expect("the repository path is UTF-8")
        .to_owned()
}

/// A fresh, empty directory for one test.
fn scratch(name: &str) -> Scratch {
    Scratch::new("compile", name)
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

const SMALL: &[(&str, &str)] = &[
    (
        "identity.c360",
        "id_type email {\n  normalize = lower(trim(value))\n}\nentity customer { ids = [email] }\n",
    ),
    (
        "sources.c360",
        "source orders from \"shop.orders\" {\n  email: string @id(email)\n  amount: decimal\n  sku: string\n  created_at: timestamp @time\n}\n",
    ),
    (
        "features.c360",
        "features customer {\n  /// All revenue.\n  revenue = orders | sum(amount)\n  first_order = orders | min(created_at)\n  recent = orders | where created_at > first_order | count()\n}\n",
    ),
];

#[test]
fn every_example_compiles_for_every_dialect_that_can_express_it() {
    for example in ["examples/ecommerce", "examples/saas"] {
        let dir = scratch(&format!("examples-{}", example.replace('/', "-")));
        for dialect in DIALECTS {
            let out_dir = dir.join(dialect);
            let out = c360(&[
                "compile",
                &repo(example),
                "--dialect",
                dialect,
                "--out",
                s(&out_dir),
            ]);
            if dialect == "redshift" {
                // Both examples have list features; Redshift has no list columns.
                assert_eq!(out.status.code(), Some(1), "{example}: {}", stderr(&out));
                assert!(stderr(&out).contains("error[E0300]"), "{}", stderr(&out));
                assert!(!out_dir.exists(), "nothing is written on an error");
                continue;
            }
            assert_eq!(
                out.status.code(),
                Some(0),
                "{example} {dialect}: {}",
                stderr(&out)
            );
            let files = tree(&out_dir.join(dialect));
            let manifest: serde_json::Value =
                serde_json::from_slice(&files["manifest.json"]).unwrap();
            assert_eq!(manifest["dialect"], dialect);
            let statements: Vec<&str> = manifest["statements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let sql: Vec<&str> = files
                .keys()
                .filter(|k| k.ends_with(".sql"))
                .map(String::as_str)
                .collect();
            assert_eq!(
                statements, sql,
                "{example} {dialect}: statements in file order"
            );
            assert_eq!(
                files.len(),
                sql.len() + 1,
                "only SQL files and the manifest"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn stdout_is_the_script_of_the_files_written() {
    let dir = scratch("stdout");
    let printed = c360(&["compile", &repo("examples/saas"), "--dialect", "snowflake"]);
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    assert!(printed.stderr.is_empty(), "{}", stderr(&printed));
    let written = c360(&[
        "compile",
        &repo("examples/saas"),
        "--dialect",
        "snowflake",
        "--out",
        s(&dir),
    ]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let files = tree(&dir.join("snowflake"));
    let mut script = String::new();
    for (i, (name, bytes)) in files
        .iter()
        .filter(|(n, _)| n.ends_with(".sql"))
        .enumerate()
    {
        if i > 0 {
            script.push('\n');
        }
        script.push_str(&format!("-- file: {name}\n"));
        script.push_str(std::str::from_utf8(bytes).unwrap());
    }
    assert_eq!(stdout(&printed), script);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_is_byte_identical_across_runs_and_directories() {
    let dir = scratch("identical");
    let a = dir.join("a/out");
    let b = dir.join("elsewhere/deeper/out");
    for out_dir in [&a, &b] {
        let out = c360(&[
            "compile",
            &repo("examples/ecommerce"),
            "--dialect",
            WITH_LISTS,
            "--as-of",
            "2026-06-30 00:00:00",
            "--out",
            s(out_dir),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.len(), tb.len());
    assert_eq!(ta, tb, "two compiles into different directories differ");
    let root = repo("");
    for (name, bytes) in &ta {
        let text = String::from_utf8(bytes.clone()).unwrap();
        for machine_specific in [s(&dir), root.as_str(), "/home/", "/root/"] {
            assert!(
                !text.contains(machine_specific),
                "{name} mentions `{machine_specific}`"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_reports_differences_as_diffs_and_lists() {
    let dir = scratch("check");
    let project = repo("examples/saas");
    let compile = |extra: &[&str]| {
        let mut args = vec!["compile", &project, "--dialect", "duckdb,postgres", "--out"];
        let out_dir = dir.to_str().unwrap();
        args.push(out_dir);
        args.extend_from_slice(extra);
        c360(&args)
    };
    let missing_all = compile(&["--check"]);
    assert_eq!(missing_all.status.code(), Some(1));
    assert!(
        stdout(&missing_all).contains("missing: "),
        "{}",
        stdout(&missing_all)
    );
    assert!(!dir.join("duckdb").exists(), "--check writes nothing");

    assert_eq!(compile(&[]).status.code(), Some(0));
    let clean = compile(&["--check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    assert!(clean.stdout.is_empty(), "{}", stdout(&clean));
    assert!(
        stderr(&clean).contains("is up to date"),
        "{}",
        stderr(&clean)
    );

    // One byte changed in one file: a unified diff naming it.
    let files = tree(&dir.join("postgres"));
    let changed = files.keys().find(|k| k.contains("_360")).unwrap().clone();
    let path = dir.join("postgres").join(&changed);
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("SELECT").unwrap();
    std::fs::write(&path, format!("{}select{}", &text[..at], &text[at + 6..])).unwrap();
    let diff = compile(&["--check"]);
    assert_eq!(diff.status.code(), Some(1));
    let report = stdout(&diff);
    let shown = dir.join("postgres").join(&changed);
    assert!(
        report.contains(&format!("--- {}\ton disk\n", shown.display())),
        "{report}"
    );
    assert!(
        report.contains(&format!("+++ {}\tcompiled\n", shown.display())),
        "{report}"
    );
    assert!(report.contains("\n@@ "), "{report}");
    assert!(report.contains("\n-select"), "{report}");
    assert!(report.contains("\n+SELECT"), "{report}");
    assert!(
        stderr(&diff).contains("1 file differs"),
        "{}",
        stderr(&diff)
    );

    // A missing and an extra file are listed by path.
    std::fs::write(&path, &text).unwrap();
    let removed = files.keys().find(|k| k.ends_with(".sql")).unwrap().clone();
    std::fs::remove_file(dir.join("postgres").join(&removed)).unwrap();
    std::fs::write(dir.join("duckdb/999_old.sql"), "SELECT 1;\n").unwrap();
    let listed = compile(&["--check"]);
    assert_eq!(listed.status.code(), Some(1));
    let report = stdout(&listed);
    assert!(
        report.contains(&format!(
            "missing: {}",
            dir.join("postgres").join(&removed).display()
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "extra:   {}",
            dir.join("duckdb/999_old.sql").display()
        )),
        "{report}"
    );
    assert!(!report.contains("@@"), "no diff for listed files: {report}");
    assert!(
        stderr(&listed).contains("1 missing, 1 extra"),
        "{}",
        stderr(&listed)
    );

    // Compiling again restores the output and removes the stale file.
    assert_eq!(compile(&[]).status.code(), Some(0));
    assert!(!dir.join("duckdb/999_old.sql").exists());
    assert_eq!(compile(&["--check"]).status.code(), Some(0));
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary directories left: {leftovers:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_project_with_errors_exits_1_and_writes_nothing() {
    let dir = scratch("errors");
    let project = dir.join("project");
    write_files(
        &project,
        &[(
            "a.c360",
            "id_type email\nentity customer { ids = [email, emial] }\n",
        )],
    );
    let out_dir = dir.join("out");
    let out = c360(&["compile", s(&project), "--out", s(&out_dir)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error[E0108]"), "{}", stderr(&out));
    assert!(!out_dir.exists(), "nothing is written");
    let printed = c360(&["compile", s(&project)]);
    assert_eq!(printed.status.code(), Some(1));
    assert!(printed.stdout.is_empty(), "no SQL is printed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_list_feature_on_redshift_is_e0300_naming_feature_dialect_and_reason() {
    let dir = scratch("redshift");
    let project = dir.join("project");
    write_files(&project, SMALL);
    write_files(
        &project,
        &[(
            "lists.c360",
            "features customer {\n  last_skus = orders | last(sku, 3)\n}\n",
        )],
    );
    let out_dir = dir.join("out");
    let out = c360(&[
        "compile",
        s(&project),
        "--dialect",
        "all",
        "--out",
        s(&out_dir),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error[E0300]"), "{err}");
    assert!(err.contains("feature `last_skus`"), "{err}");
    assert!(err.contains("Redshift cannot express"), "{err}");
    assert!(err.contains("no array type"), "{err}");
    assert!(err.contains("lists.c360:2:3"), "{err}");
    assert!(!out_dir.exists(), "no dialect is written when one fails");

    let json = c360(&[
        "compile",
        s(&project),
        "--dialect",
        "redshift",
        "--format",
        "json",
    ]);
    assert_eq!(json.status.code(), Some(1));
    assert!(json.stdout.is_empty());
    let diags: serde_json::Value = serde_json::from_slice(&json.stderr).unwrap();
    assert_eq!(diags[0]["code"], "E0300");
    assert_eq!(diags[0]["file"], "lists.c360");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_compile_leaves_the_previous_output_intact() {
    let dir = scratch("intact");
    let project = dir.join("project");
    write_files(&project, SMALL);
    let out_dir = dir.join("out");
    let first = c360(&[
        "compile",
        s(&project),
        "--dialect",
        "duckdb",
        "--as-of",
        "2026-01-01",
        "--out",
        s(&out_dir),
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = tree(&out_dir);

    // A later dialect cannot be written: no dialect is replaced.
    std::fs::write(out_dir.join("postgres"), "not a directory").unwrap();
    let blocked = c360(&[
        "compile",
        s(&project),
        "--dialect",
        "duckdb,postgres",
        "--as-of",
        "2026-06-30",
        "--out",
        s(&out_dir),
    ]);
    assert_eq!(blocked.status.code(), Some(2));
    assert!(
        stderr(&blocked).contains("is not a directory"),
        "{}",
        stderr(&blocked)
    );
    std::fs::remove_file(out_dir.join("postgres")).unwrap();
    assert_eq!(tree(&out_dir), before);

    // The project gets an error: nothing changes either.
    write_files(
        &project,
        &[("broken.c360", "features customer { x = nope }\n")],
    );
    let broken = c360(&[
        "compile",
        s(&project),
        "--dialect",
        "duckdb",
        "--out",
        s(&out_dir),
    ]);
    assert_eq!(broken.status.code(), Some(1));
    assert_eq!(tree(&out_dir), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_directory_compile_did_not_write_is_never_replaced() {
    let dir = scratch("foreign");
    let out_dir = dir.join("out");
    write_files(&out_dir, &[("duckdb/notes.txt", "mine")]);
    let out = c360(&[
        "compile",
        &repo("examples/saas"),
        "--dialect",
        "duckdb",
        "--out",
        s(&out_dir),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("was not written by `c360 compile`"));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("duckdb/notes.txt")).unwrap(),
        "mine"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dialect_target_and_schema_follow_the_project_file() {
    let dir = scratch("targets");
    let project = repo("examples/ecommerce");
    // The default target `dev` is DuckDB into `main`.
    let default = c360(&["compile", &project, "--out", s(&dir)]);
    assert_eq!(default.status.code(), Some(0), "{}", stderr(&default));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("duckdb/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["schema"], "main");
    assert_eq!(manifest["as_of"], serde_json::Value::Null);
    // `--target prod` is Snowflake into `C360`.
    let prod = c360(&[
        "compile",
        &project,
        "--target",
        "prod",
        "--as-of",
        "2026-06-30 12:00:00",
        "--out",
        s(&dir),
    ]);
    assert_eq!(prod.status.code(), Some(0), "{}", stderr(&prod));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("snowflake/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["dialect"], "snowflake");
    assert_eq!(manifest["schema"], "C360");
    assert_eq!(manifest["as_of"], "2026-06-30 12:00:00");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_options_are_usage_errors_with_hints() {
    let project = repo("examples/ecommerce");
    let dialect = c360(&["compile", &project, "--dialect", "snowflak"]);
    assert_eq!(dialect.status.code(), Some(2));
    assert!(
        stderr(&dialect).contains("did you mean `snowflake`?"),
        "{}",
        stderr(&dialect)
    );
    assert!(stderr(&dialect).contains("duckdb, postgres, snowflake"));

    let target = c360(&["compile", &project, "--target", "prd"]);
    assert_eq!(target.status.code(), Some(2));
    assert!(
        stderr(&target).contains("did you mean `prod`?"),
        "{}",
        stderr(&target)
    );

    let all = c360(&["compile", &project, "--dialect", "all"]);
    assert_eq!(all.status.code(), Some(2));
    assert!(stderr(&all).contains("--out DIR"), "{}", stderr(&all));

    let check = c360(&["compile", &project, "--check"]);
    assert_eq!(check.status.code(), Some(2));
    assert!(stderr(&check).contains("--out"), "{}", stderr(&check));

    let as_of = c360(&["compile", &project, "--as-of", "2026-02-30"]);
    assert_eq!(as_of.status.code(), Some(2));
    assert!(
        stderr(&as_of).contains("YYYY-MM-DD HH:MM:SS"),
        "{}",
        stderr(&as_of)
    );
}

/// The fingerprints in a project's DuckDB manifest, by feature.
fn fingerprints(project: &Path, out_dir: &Path) -> BTreeMap<String, String> {
    let out = c360(&["compile", s(project), "--out", s(out_dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("duckdb/manifest.json")).unwrap())
            .unwrap();
    manifest["features"]["customer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["fingerprint"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_follow_definitions_not_places_or_docs() {
    let dir = scratch("fingerprints");
    let project = dir.join("project");
    let out_dir = dir.join("out");
    write_files(&project, SMALL);
    let before = fingerprints(&project, &out_dir);

    // `revenue` moves to another file and gets a new doc comment.
    write_files(
        &project,
        &[
            (
                "features.c360",
                "features customer {\n  first_order = orders | min(created_at)\n  recent = orders | where created_at > first_order | count()\n}\n",
            ),
            (
                "money/revenue.c360",
                "// Moved.\nfeatures customer {\n  /// Every order's amount, summed.\n  revenue = orders | sum(amount)\n}\n",
            ),
        ],
    );
    assert_eq!(fingerprints(&project, &out_dir), before);

    // `first_order` changes: so does `recent`, which uses it; `revenue` does not.
    write_files(
        &project,
        &[(
            "features.c360",
            "features customer {\n  first_order = orders | where amount > 0 | min(created_at)\n  recent = orders | where created_at > first_order | count()\n}\n",
        )],
    );
    let after = fingerprints(&project, &out_dir);
    assert_ne!(after["first_order"], before["first_order"]);
    assert_ne!(after["recent"], before["recent"]);
    assert_eq!(after["revenue"], before["revenue"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_ecommerce_manifest() {
    let dir = scratch("manifest");
    let out = c360(&[
        "compile",
        &repo("examples/ecommerce"),
        "--as-of",
        "2026-06-30 00:00:00",
        "--out",
        s(&dir),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(dir.join("duckdb/manifest.json")).unwrap();
    assert!(manifest.ends_with("}\n"));
    insta::assert_snapshot!(manifest);
    let _ = std::fs::remove_dir_all(&dir);
}
