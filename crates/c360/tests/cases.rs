//! The case suite: every project under `tests/cases/` is checked and its diagnostics are
//! compared with the expectations written in its source.
//!
//! A case is either one file, `tests/cases/NAME.c360`, or a directory `tests/cases/NAME/`
//! holding several `.c360` files and optionally a `c360.toml`. It is loaded the way the
//! command line loads a project (discovery, then the checker), so syntax, configuration,
//! read and semantic diagnostics all take part.
//!
//! Expectations are comments in the case's files, in the style of rustc's UI tests:
//!
//! - `//~ E0108` at the end of a line: a diagnostic whose primary span starts on that line;
//! - `//~^ E0108` on its own line: one line above (`//~^^` two lines above, and so on);
//! - `//~? E0008`: a diagnostic of this file that has no line because the file could not be
//!   read as text;
//! - `//~ E0108 E0111`: several diagnostics on one line.
//!
//! In `c360.toml` the marker is `#~` (a TOML comment). The multiset of expected
//! `(file, line, code)` must equal the produced one exactly.
//!
//! Each case is also snapshotted (`tests/cases/snapshots/NAME.snap`): its source followed by
//! the diagnostics as `c360 check` prints them, so that reviews see both together.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use c360_diagnostics::render::render_human;
use c360_diagnostics::{
    sort_diagnostics, Code, Diagnostic, FileId, LineIndex, PositionEncoding, REGISTRY,
};
use c360_project::{discover, CONFIG_FILE};
use c360_sema::Workspace;

/// Codes no case can produce, with the reason. Everything else in the registry must be
/// expected by at least one case.
const NOT_COVERED: &[(&str, &str)] = &[
    (
        "E0013",
        "a file that cannot be read needs a broken link, a pipe or missing permissions, none of \
         which survive a checkout of the repository",
    ),
    (
        "E0014",
        "an empty project is reported by the command line before any checking, and a case is \
         at least one `.c360` file",
    ),
    (
        "E0300",
        "a construct a dialect cannot express is reported by `c360 compile`, not `check`; the \
         compile tests of `c360-sql` and of the command line cover it",
    ),
];

/// Where an expected or produced diagnostic is: a file and its 1-based line, or no line when
/// the file could not be read as text.
type Place = (FileId, Option<u32>);

/// One case, loaded and checked.
struct Case {
    /// The file stem or directory name; also the snapshot name.
    name: String,
    /// The `.c360` file or the directory.
    path: PathBuf,
    /// Every file of the case as it appears in the snapshot, `c360.toml` last. Files that are
    /// not UTF-8 are shown with replacement characters.
    shown: Vec<(FileId, String)>,
    /// The texts the diagnostics point into (files that could be read).
    texts: BTreeMap<FileId, String>,
    /// The diagnostics, in printing order.
    diagnostics: Vec<Diagnostic>,
}

/// `tests/cases/` at the repository root.
fn cases_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases");
    dir.canonicalize()
        .unwrap_or_else(|e| panic!("cannot find {}: {e}", dir.display()))
}

/// Every case in name order.
fn case_paths() -> Vec<PathBuf> {
    let dir = cases_dir();
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                name != "snapshots" && !name.starts_with('.')
            } else {
                name.ends_with(".c360")
            }
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no cases found in {}", dir.display());
    paths
}

/// Reads and checks a case as `c360 check` would: discovery, then the checker.
fn load(path: &Path) -> Case {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".c360").to_owned())
        .expect("case names are UTF-8");
    let project =
        discover(path).unwrap_or_else(|e| panic!("case `{name}` cannot be discovered: {e}"));
    let mut workspace = Workspace::default();
    let mut shown = Vec::new();
    let mut texts = BTreeMap::new();
    for file in project.files.iter().chain(&project.config) {
        match &file.text {
            Ok(text) => {
                if file.id.as_str() != CONFIG_FILE {
                    workspace.set_file(file.id.clone(), text.clone());
                }
                texts.insert(file.id.clone(), text.clone());
                shown.push((file.id.clone(), text.clone()));
            }
            Err(_) => {
                let bytes = fs::read(&file.path).unwrap_or_default();
                shown.push((
                    file.id.clone(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    let config = project
        .config
        .as_ref()
        .and_then(|c| c.text.as_ref().ok())
        .cloned();
    workspace.set_config(config);
    let mut diagnostics = project.read_diagnostics();
    diagnostics.extend(workspace.check().diagnostics.iter().cloned());
    sort_diagnostics(&mut diagnostics);
    Case {
        name,
        path: path.to_path_buf(),
        shown,
        texts,
        diagnostics,
    }
}

/// The expectations written in one file's text.
fn expectations_in(file: &FileId, text: &str) -> Result<Vec<(Place, Code)>, String> {
    let marker = if file.as_str() == CONFIG_FILE {
        "#~"
    } else {
        "//~"
    };
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find(marker) else {
            continue;
        };
        let line_no = u32::try_from(index + 1).expect("case files are small");
        let rest = &line[at + marker.len()..];
        let (target, codes) = if let Some(codes) = rest.strip_prefix('?') {
            (None, codes)
        } else {
            let carets = rest.chars().take_while(|c| *c == '^').count();
            let target = u32::try_from(carets)
                .ok()
                .and_then(|c| line_no.checked_sub(c))
                .filter(|l| *l > 0)
                .ok_or_else(|| format!("{file}:{line_no}: `{marker}` points above the file"))?;
            (Some(target), &rest[carets..])
        };
        let codes: Vec<&str> = codes.split_whitespace().collect();
        if codes.is_empty() {
            return Err(format!("{file}:{line_no}: `{marker}` names no code"));
        }
        for text in codes {
            let code = Code::parse(text)
                .filter(|c| c.as_str() == text)
                .ok_or_else(|| format!("{file}:{line_no}: `{text}` is not a diagnostic code"))?;
            out.push(((file.clone(), target), code));
        }
    }
    Ok(out)
}

fn expectations(case: &Case) -> Result<Vec<(Place, Code)>, String> {
    let mut out = Vec::new();
    for (file, text) in &case.shown {
        out.extend(expectations_in(file, text)?);
    }
    Ok(out)
}

/// Where a diagnostic is reported: its primary span's first line.
fn place(case: &Case, diag: &Diagnostic) -> Place {
    let file = diag.primary.file.clone();
    let line = case.texts.get(&file).map(|text| {
        let index = LineIndex::new(text);
        let pos = index.line_col(
            text,
            diag.primary.span.start as usize,
            PositionEncoding::Utf8,
        );
        pos.line + 1
    });
    (file, line)
}

fn describe(place: &Place, code: Code) -> String {
    match place {
        (file, Some(line)) => format!("{file}:{line}: {code}"),
        (file, None) => format!("{file}: {code} (no line)"),
    }
}

fn render(case: &Case, diags: &[Diagnostic]) -> String {
    render_human(diags, &case.texts, false)
}

/// Compares a case's diagnostics with its expectations; `Err` explains every difference.
fn compare(case: &Case) -> Result<(), String> {
    let mut missing = expectations(case)?;
    let mut unexpected: Vec<&Diagnostic> = Vec::new();
    for diag in &case.diagnostics {
        let key = (place(case, diag), diag.code);
        match missing.iter().position(|expected| *expected == key) {
            Some(i) => {
                missing.remove(i);
            }
            None => unexpected.push(diag),
        }
    }
    if missing.is_empty() && unexpected.is_empty() {
        return Ok(());
    }
    let mut report = format!("case `{}` ({}):\n", case.name, case.path.display());
    if !missing.is_empty() {
        report.push_str("  expected but not reported:\n");
        for (place, code) in &missing {
            let _ = writeln!(report, "    {}", describe(place, *code));
        }
    }
    if !unexpected.is_empty() {
        report.push_str("  reported but not expected:\n");
        for diag in &unexpected {
            let _ = writeln!(report, "    {}", describe(&place(case, diag), diag.code));
            for line in render(case, std::slice::from_ref(*diag)).lines() {
                let _ = writeln!(report, "      | {line}");
            }
        }
    }
    Err(report)
}

/// The snapshot of a case: every file, then the rendered diagnostics.
fn snapshot(case: &Case) -> String {
    let mut out = String::new();
    for (file, text) in &case.shown {
        let _ = writeln!(out, "=== {file}");
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out.push_str("=== diagnostics\n");
    if case.diagnostics.is_empty() {
        out.push_str("(none)\n");
    } else {
        out.push_str(&render(case, &case.diagnostics));
    }
    out
}

#[test]
fn every_case_reports_exactly_its_expected_diagnostics() {
    let mut failures = Vec::new();
    let paths = case_paths();
    for path in &paths {
        let case = load(path);
        if let Err(report) = compare(&case) {
            failures.push(report);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from their `//~` expectations:\n\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

#[test]
fn every_case_matches_its_snapshot() {
    let mut failed = Vec::new();
    for path in case_paths() {
        let case = load(&path);
        let content = snapshot(&case);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(cases_dir().join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&case.path);
        settings.set_omit_expression(true);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(case.name.as_str(), content));
        }));
        if result.is_err() {
            failed.push(case.name);
        }
    }
    assert!(
        failed.is_empty(),
        "snapshots differ for: {}\nreview them with `cargo insta review`",
        failed.join(", ")
    );
}

#[test]
fn every_diagnostic_code_is_exercised_by_a_case() {
    let mut expected: BTreeSet<Code> = BTreeSet::new();
    for path in case_paths() {
        let case = load(&path);
        let found = expectations(&case).unwrap_or_else(|e| panic!("{e}"));
        expected.extend(found.into_iter().map(|(_, code)| code));
    }
    for (code, _) in NOT_COVERED {
        assert!(
            Code::parse(code).is_some(),
            "`{code}` is listed as not covered but is not in the registry"
        );
        assert!(
            !expected.iter().any(|c| c.as_str() == *code),
            "`{code}` is now exercised by a case: remove it from NOT_COVERED"
        );
    }
    let uncovered: Vec<&str> = REGISTRY
        .iter()
        .map(|info| info.code.as_str())
        .filter(|code| NOT_COVERED.iter().all(|(c, _)| c != code))
        .filter(|code| !expected.iter().any(|c| c.as_str() == *code))
        .collect();
    assert!(
        uncovered.is_empty(),
        "no case expects these codes: {}",
        uncovered.join(", ")
    );
}

#[test]
fn every_case_file_starts_by_saying_what_it_checks() {
    let mut bad = Vec::new();
    for path in case_paths() {
        let case = load(&path);
        for (file, text) in &case.shown {
            if file.as_str() == CONFIG_FILE {
                continue;
            }
            if !text.trim_start_matches('\u{feff}').starts_with("//") {
                bad.push(format!("{}/{file}", case.name));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "these case files do not start with a `//` comment saying what they check: {}",
        bad.join(", ")
    );
}
