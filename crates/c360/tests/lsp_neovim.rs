//! A real client: headless Neovim (0.7, from the OS packages) starts `c360 lsp`, opens
//! examples/ecommerce/features.c360, receives diagnostics for a broken edit, and gets the
//! source's columns when completing after `where `. The script is tests/neovim/test.lua.
//!
//! In CI (`CI` set) a missing `nvim` fails the test; elsewhere the test says it is skipped.

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
fn neovim_gets_diagnostics_and_column_completions() {
    if !nvim_available() {
        if std::env::var_os("CI").is_some() {
            panic!("`nvim` is not installed, and CI must run the Neovim test: apt-get install -y neovim");
        }
        println!("SKIPPED: `nvim` is not installed; install it (apt-get install -y neovim) to run the Neovim client test");
        return;
    }
    let dir = copy_example("ecommerce", "nvim");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/neovim/test.lua");
    let result = dir.join("nvim-result.txt");
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("C360_BIN", env!("CARGO_BIN_EXE_c360"))
        .env("C360_ROOT", dir.as_os_str())
        .env("C360_RESULT", &result)
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
}
