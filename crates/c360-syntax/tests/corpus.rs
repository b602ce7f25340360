//! Every `.c360` file of the repository's `examples/` and `tests/` parses: no lexical or
//! syntax error (`E0001`–`E0007`) except in the test cases written to have them (named
//! `syntax_…`, or expecting such a code with a `//~` marker), and there only on the marked
//! lines. (The case suite of the `c360` crate compares the full set of diagnostics.)

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use c360_diagnostics::{FileId, LineIndex, PositionEncoding};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `.c360` files under `dir`, skipping `target/` and hidden directories.
fn c360_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                c360_files(&path, out);
            }
        } else if name.ends_with(".c360") {
            out.push(path);
        }
    }
}

fn is_syntax_code(code: &str) -> bool {
    matches!(
        code,
        "E0001" | "E0002" | "E0003" | "E0004" | "E0005" | "E0006" | "E0007"
    )
}

/// The `(line, code)` pairs a file expects through `//~ CODE` and `//~^ CODE` markers
/// (1-based lines), restricted to lexical and syntax codes.
fn expected(text: &str) -> BTreeMap<(u32, String), usize> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("//~") else {
            continue;
        };
        let marker = &line[at + 3..];
        let ups = marker.chars().take_while(|&c| c == '^').count();
        if marker.starts_with('?') {
            continue;
        }
        let line_no = (i + 1).saturating_sub(ups) as u32;
        for code in marker[ups..]
            .split_whitespace()
            .filter(|c| is_syntax_code(c))
        {
            *out.entry((line_no, code.to_string())).or_default() += 1;
        }
    }
    out
}

#[test]
fn repository_files_have_no_unexpected_syntax_errors() {
    let root = repo_root();
    let mut files = Vec::new();
    c360_files(&root.join("examples"), &mut files);
    c360_files(&root.join("tests"), &mut files);
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = fs::read_to_string(path) else {
            continue; // Not UTF-8: a case for E0008, which is not the parser's.
        };
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let parse = c360_syntax::parse(&FileId::new(&rel), &text);
        common::assert_spans_within(&text, &parse);

        let index = LineIndex::new(&text);
        let mut produced: BTreeMap<(u32, String), usize> = BTreeMap::new();
        for d in parse
            .diagnostics
            .iter()
            .filter(|d| is_syntax_code(d.code.as_str()))
        {
            let start = d.primary.span.start as usize;
            let line = index.line_col(&text, start, PositionEncoding::Utf8).line + 1;
            *produced
                .entry((line, d.code.as_str().to_string()))
                .or_default() += 1;
        }
        let in_tests = rel.starts_with("tests/");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let marked = text
            .lines()
            .any(|l| l.contains("//~ E000") || l.contains("//~^ E000"));
        if in_tests && (name.starts_with("syntax_") || marked) {
            let want = expected(&text);
            let unexpected: Vec<_> = produced
                .iter()
                .filter(|(key, n)| want.get(*key).is_none_or(|w| w < *n))
                .collect();
            if !unexpected.is_empty() {
                failures.push(format!(
                    "{rel}: unexpected {unexpected:?}, expected {want:?}"
                ));
            }
        } else if !produced.is_empty() {
            let shown: Vec<String> = parse
                .diagnostics
                .iter()
                .filter(|d| is_syntax_code(d.code.as_str()))
                .map(|d| format!("{} at {:?}: {}", d.code, d.primary.span, d.message))
                .collect();
            failures.push(format!("{rel}: {shown:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
