//! A real client: headless Neovim (0.7, from the OS packages) starts `c360 lsp`, opens
//! examples/ecommerce/features.c360, receives diagnostics for a broken edit, gets the
//! source's columns when completing after `where `, and shows the compiled SQL through the
//! `:C360Sql` snippet of docs/editors.md (tests/neovim/compiled_sql.lua, which the docs must
//! quote verbatim). The script is tests/neovim/test.lua.
//!
//! A missing `nvim` fails the test (`scripts/test` installs it); `C360_SKIP_NEOVIM=1` skips it
//! explicitly, for machines without Neovim.

mod lsp_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lsp_support::copy_example;

fn nvim_available() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn neovim_gets_diagnostics_completions_and_compiled_sql() {
    if !nvim_available() {
        if std::env::var_os("C360_SKIP_NEOVIM").is_some_and(|v| v == "1") {
            println!("SKIPPED (C360_SKIP_NEOVIM=1): the Neovim client test");
            return;
        }
        panic!(
            "`nvim` is not installed: install it (apt-get install -y neovim, or run scripts/test, \
             which does), or set C360_SKIP_NEOVIM=1 to skip this test"
        );
    }
    let dir = copy_example("ecommerce", "nvim");
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neovim");
    let script = tests.join("test.lua");
    let snippet = tests.join("compiled_sql.lua");
    let result = dir.join("nvim-result.txt");
    let sql_out = dir.join("nvim-sql.txt");
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("C360_BIN", env!("CARGO_BIN_EXE_c360"))
        .env("C360_ROOT", dir.as_os_str())
        .env("C360_RESULT", &result)
        .env("C360_SNIPPET", &snippet)
        .env("C360_SQL_OUT", &sql_out)
        .env("XDG_STATE_HOME", dir.join("nvim-state"))
        .env("XDG_CACHE_HOME", dir.join("nvim-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().expect("wait for nvim").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let outcome = std::fs::read_to_string(&result)
        .unwrap_or_else(|_| "FAIL nvim wrote no result".to_string());
    assert!(outcome.starts_with("PASS"), "{outcome}");

    // The buffer holds what `c360 compile --dialect snowflake` prints.
    let shown = std::fs::read_to_string(&sql_out).expect("the SQL Neovim showed");
    let cli = Command::new(env!("CARGO_BIN_EXE_c360"))
        .arg("compile")
        .arg(&*dir)
        .args(["--dialect", "snowflake"])
        .output()
        .expect("run c360 compile");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(shown, String::from_utf8_lossy(&cli.stdout));
}

#[test]
fn the_docs_quote_the_tested_neovim_snippet() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs = std::fs::read_to_string(root.join("docs/editors.md")).expect("docs/editors.md");
    let snippet = std::fs::read_to_string(root.join("crates/c360/tests/neovim/compiled_sql.lua"))
        .expect("the snippet");
    assert!(
        docs.contains(&format!("```lua\n{snippet}```")),
        "docs/editors.md must quote tests/neovim/compiled_sql.lua verbatim in a ```lua block"
    );
}
