//! `c360 run` end to end: a project with hand-computed outputs, the summary in both formats,
//! errors and exit codes, outputs surviving a run killed midway, and the examples.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use c360_engine::Engine;
use serde_json::Value;

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

/// A fresh scratch directory for test `name`.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("c360-run")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory can be created");
    dir
}

/// Copies the project at `from` into a scratch directory (so its database is written there),
/// leaving out any `target/`.
fn copy_project(from: &Path, name: &str) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("directory created");
        for entry in std::fs::read_dir(from).expect("readable").flatten() {
            let path = entry.path();
            let dest = to.join(entry.file_name());
            if path.is_dir() {
                if entry.file_name() != "target" {
                    copy(&path, &dest);
                }
            } else {
                std::fs::copy(&path, &dest).expect("copied");
            }
        }
    }
    let dir = scratch(name);
    copy(from, &dir);
    dir
}

/// `text` with every run of spaces made one space.
fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A CSV file as rows of fields; an empty field is null.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let text = std::fs::read_to_string(path).expect("the expected file exists");
    let mut lines = text.lines().map(fields);
    let header = lines
        .next()
        .expect("a header")
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    (header, lines.collect())
}

/// The fields of one CSV line (`"` quoting, no line breaks inside values).
fn fields(line: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (_, '"') => quoted = !quoted,
            (false, ',') => out.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    out.push(field);
    out.into_iter()
        .map(|f| if f.is_empty() { None } else { Some(f) })
        .collect()
}

/// Compares a published table with `expected/<name>.csv`.
fn assert_table(engine: &mut Engine, table: &str, expected: &Path) {
    let rows = engine
        .read_table(table, None)
        .unwrap_or_else(|e| panic!("{table}: {e}"));
    let (header, want) = read_csv(expected);
    assert_eq!(rows.columns, header, "{table}: columns");
    assert_eq!(rows.rows, want, "{table}: rows");
}

const AS_OF: &str = "2026-03-01 00:00:00";

#[test]
fn the_shop_case_publishes_the_hand_computed_outputs() {
    let dir = copy_project(&repo("tests/run/shop"), "shop");
    let out = c360(&[
        "run",
        dir.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["project"], "run-shop");
    assert_eq!(summary["target"], "dev");
    assert_eq!(summary["as_of"], AS_OF);
    assert_eq!(summary["schema"], "c360");

    assert!(summary["loaded"]["tables"][0]["elapsed_ms"].is_f64());
    assert_eq!(summary["loaded"]["unused"], serde_json::json!([]));
    let loaded: Vec<(&str, u64)> = summary["loaded"]["tables"]
        .as_array()
        .expect("loaded tables")
        .iter()
        .map(|t| (t["table"].as_str().unwrap(), t["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        loaded,
        [
            ("web.events", 6),
            ("shop.orders", 5),
            ("crm.contacts", 6),
            ("ml.labels", 3)
        ]
    );

    let e = &summary["entities"][0];
    assert_eq!(e["entity"], "customer");
    assert_eq!(e["instances"], 7);
    assert_eq!(e["nodes"], 10);
    assert_eq!(e["edges"], 3);
    assert_eq!(e["largest"]["id"], "be7c2f78d22f84a92914d69db587abde");
    assert_eq!(e["largest"]["size"], 4);
    assert_eq!(
        e["largest"]["id_types"],
        serde_json::json!([
            { "id_type": "anonymous_id", "count": 2 },
            { "id_type": "email", "count": 1 },
            { "id_type": "user_id", "count": 1 },
        ])
    );
    assert_eq!(e["overlinked"]["count"], 1);
    assert_eq!(
        e["overlinked"]["top"],
        serde_json::json!([{ "id_type": "email", "id_value": "shared@x.com", "neighbours": 4 }])
    );
    assert!(e["rounds"].as_u64().unwrap() >= 1);

    let outputs: Vec<(&str, u64)> = summary["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        outputs,
        [("customer_id_graph", 10), ("customer_360", 7), ("churn", 3)]
    );
    let steps: Vec<&str> = summary["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert!(steps.contains(&"customer_stitch"), "{steps:?}");
    assert!(steps.contains(&"publish"), "{steps:?}");
    let preview = &summary["previews"][0];
    assert_eq!(preview["table"], "customer_360");
    assert_eq!(preview["rows"].as_array().unwrap().len(), 7);

    let mut engine = Engine::duckdb(&dir.join("target/shop.duckdb")).expect("the database opens");
    assert_table(
        &mut engine,
        "c360.customer_360",
        &dir.join("expected/customer_360.csv"),
    );
    assert_table(&mut engine, "c360.churn", &dir.join("expected/churn.csv"));
}

#[test]
fn the_human_summary_shows_graph_outputs_steps_and_rows() {
    let dir = copy_project(&repo("tests/run/shop"), "shop-human");
    let out = c360(&["run", dir.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Columns are aligned with runs of spaces; compare with single spaces.
    let stdout = squash(&text(&out.stdout));
    for expected in [
        "Ran `run-shop` on target `dev` (duckdb ",
        "as of 2026-03-01 00:00:00",
        "Identity graph of `customer`",
        " entities 7\n",
        " identifiers 10\n",
        " links 3\n",
        " largest 4 identifiers (anonymous_id 2, email 1, user_id 1), be7c2f78d22f84a92914d69db587abde\n",
        " over-linked 1 dropped: email `shared@x.com` (4 links)\n",
        " stitch rounds 1\n",
        " c360.customer_360 7 rows\n",
        " customer_stitch ",
        "customer_360 (7 rows)",
        "│ customer_id │ user_id_ids │",
        "│ be7c2f78d22f84a92914d69db587abde │ [u1] │ [alice@x.com] │ [a1, a2] │ 3 │ 120.25 │ 50.25 │ Page │ 2026-02-01 10:00:00 │ pro │ true │",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
    // Without a terminal, progress is one line per step on stderr.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("load web.events … done ("), "{stderr}");
    assert!(stderr.contains("customer_stitch … done ("), "{stderr}");
    assert!(stderr.contains(" round"), "{stderr}");
    assert!(stderr.contains("publish … done ("), "{stderr}");

    // A second run replaces the outputs with the same rows.
    let again = c360(&["run", dir.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let mut engine = Engine::duckdb(&dir.join("target/shop.duckdb")).expect("the database opens");
    assert_table(
        &mut engine,
        "c360.customer_360",
        &dir.join("expected/customer_360.csv"),
    );
}

#[test]
fn a_compile_only_target_is_refused_with_the_runnable_ones() {
    let dir = copy_project(&repo("tests/run/shop"), "shop-prod");
    let out = c360(&["run", dir.to_str().unwrap(), "--target", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "error: target `prod` is compile-only: it names the dialect snowflake and no engine"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("run `--target dev` instead"), "{stderr}");
    assert!(!dir.join("target").exists(), "nothing was opened");

    let out = c360(&["run", dir.to_str().unwrap(), "--target", "deev"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `dev`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_and_data_errors_have_their_exit_codes() {
    let dir = copy_project(&repo("tests/run/shop"), "shop-errors");
    let d = dir.to_str().unwrap();

    let out = c360(&["run", d, "--as-of", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid --as-of `2026-02-30`"),
        "{}",
        text(&out.stderr)
    );

    let contacts = dir.join("data/contacts.csv");
    let good = std::fs::read_to_string(&contacts).expect("readable");
    std::fs::write(&contacts, "email,user_id\nalice@x.com,u1\n").expect("written");
    let out = c360(&["run", d, "--as-of", AS_OF, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(err["status"], "error");
    assert_eq!(err["error"]["kind"], "data");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("has no column `plan`, which source `contacts` declares"),
        "{err}"
    );
    std::fs::write(&contacts, good).expect("restored");

    std::fs::write(dir.join("broken.c360"), "entity e { ids = [nope] }\n").expect("written");
    let out = c360(&["run", d, "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("unknown id type `nope`"),
        "{}",
        text(&out.stderr)
    );
}

/// A project whose stitch loop takes a while: one long chain of identifiers.
const CHAIN_PROJECT: &str = r#"
id_type k

entity thing {
  ids = [k]
}

source links from "g.links" {
  a: string @id(k)
  b: string @id(k)
}

features thing {
  rows = links | count()
}
"#;

const CHAIN_CONFIG: &str = r#"
[targets.dev]
engine = "duckdb"
path = "target/chain.duckdb"

[targets.dev.tables]
"g.links" = "links.csv"
"#;

/// `n` links between consecutive identifiers of `chains` interleaved chains.
fn write_chains(dir: &Path, chains: usize, n: usize) {
    let mut csv = String::with_capacity(n * 24);
    csv.push_str("a,b\n");
    for i in 0..n {
        let chain = i % chains;
        let at = i / chains;
        csv.push_str(&format!("c{chain}_{at},c{chain}_{}\n", at + 1));
    }
    std::fs::write(dir.join("links.csv"), csv).expect("written");
}

#[test]
fn a_run_killed_during_the_loop_leaves_the_previous_outputs_intact() {
    let dir = scratch("killed");
    std::fs::write(dir.join("chain.c360"), CHAIN_PROJECT).expect("written");
    std::fs::write(dir.join("c360.toml"), CHAIN_CONFIG).expect("written");
    let d = dir.to_str().unwrap();

    write_chains(&dir, 3, 30);
    let first = c360(&["run", d, "--as-of", AS_OF]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let db = dir.join("target/chain.duckdb");
    let before = {
        let mut engine = Engine::duckdb(&db).expect("opens");
        (
            engine.read_table("thing_360", None).expect("published"),
            engine
                .read_table("thing_id_graph", None)
                .expect("published"),
        )
    };
    assert_eq!(before.0.rows.len(), 3);

    // Long chains take many rounds of whole-table work: time enough to be killed midway.
    write_chains(&dir, 4, 1_200_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_c360"))
        .args(["run", d, "--as-of", AS_OF])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("c360 starts");
    let mut stderr = child.stderr.take().expect("piped");
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut buf = [0_u8; 256];
    while !seen.contains("thing_stitch … ") {
        assert!(Instant::now() < deadline, "the loop never started: {seen}");
        let n = stderr.read(&mut buf).expect("stderr is readable");
        assert!(n > 0, "c360 ended before its loop: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // SIGKILL: no chance to clean up, like a crash or a killed container.
    child.kill().expect("killed");
    let status = child.wait().expect("reaped");
    let _ = stderr.read_to_string(&mut seen);
    assert!(!status.success());
    assert!(!seen.contains("publish …"), "killed too late: {seen}");

    let mut engine = Engine::duckdb(&db).expect("the database opens after the kill");
    assert_eq!(
        engine.read_table("thing_360", None).expect("readable"),
        before.0
    );
    assert_eq!(
        engine.read_table("thing_id_graph", None).expect("readable"),
        before.1
    );
    drop(engine);

    // The next run starts over from the work tables the killed one left behind.
    write_chains(&dir, 2, 40);
    let again = c360(&["run", d, "--as-of", AS_OF]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    let mut engine = Engine::duckdb(&db).expect("opens");
    assert_eq!(
        engine
            .read_table("thing_360", None)
            .expect("published")
            .rows
            .len(),
        2
    );
}

#[test]
fn the_examples_run_when_their_data_is_there() {
    for example in ["ecommerce", "saas"] {
        let source = repo(&format!("examples/{example}"));
        if !source.join("data").is_dir() {
            // The sample data is generated into examples/*/data; without it there is
            // nothing to run, and the shop case above covers the command.
            continue;
        }
        let dir = copy_project(&source, &format!("example-{example}"));
        let out = c360(&[
            "run",
            dir.to_str().unwrap(),
            "--as-of",
            "2026-06-30 00:00:00",
            "--format",
            "json",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        for output in summary["outputs"].as_array().expect("outputs") {
            assert!(
                output["rows"].as_u64().unwrap() > 0,
                "{example}: {} is empty",
                output["name"]
            );
        }
    }
}
