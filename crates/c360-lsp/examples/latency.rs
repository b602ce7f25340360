//! Latency of the language server's handlers on the generated 100-file, 5,000-feature project:
//! diagnostics after a keystroke (edit, re-check, convert), completion, hover and definition.
//!
//! `cargo run --release -p c360-lsp --example latency [ROUNDS]` prints p50/p95/max per kind
//! and the peak resident memory. Handlers are called in process, as the server calls them.

use std::time::{Duration, Instant};

use c360_bench::Size;
use c360_lsp::features::{completion, hover, navigation};
use c360_lsp::state::State;
use serde_json::json;
use tower_lsp_server::ls_types::{
    Position, Range, TextDocumentContentChangeEvent, TextDocumentIdentifier,
    TextDocumentPositionParams, Uri,
};

fn position(text: &str, offset: usize) -> Position {
    let line = text[..offset].matches('\n').count() as u32;
    let col = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    Position::new(line, col as u32)
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<28} p50 {:>8.2} ms   p95 {:>8.2} ms   max {:>8.2} ms   (n = {})",
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        samples.len()
    );
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("c360-lsp-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    c360_bench::write(&dir, Size::LARGE)?;
    let files = c360_bench::generate(Size::LARGE);
    let (name, text) = files
        .get(files.len() / 2)
        .cloned()
        .ok_or("the generated project is empty")?;

    let mut state = State::default();
    let started = Instant::now();
    state.add_folder(&dir);
    let path = std::fs::canonicalize(dir.join(&name))?;
    let uri = Uri::from_file_path(&path).ok_or("no URI for the file")?;
    state.open(uri.clone(), 1, text.clone());
    let first = state.take_publications();
    println!(
        "load + first check of {} files: {:.0} ms ({} files with diagnostics)",
        files.len(),
        started.elapsed().as_secs_f64() * 1e3,
        first.iter().filter(|p| !p.diagnostics.is_empty()).count()
    );

    let where_at = text.find("| where ").ok_or("no `where` step")? + "| where ".len();
    let feature_at = text.find("  f_").ok_or("no feature")? + 2;
    let source_at = text.find("= src_").ok_or("no pipeline")? + 2;
    let doc = TextDocumentIdentifier { uri: uri.clone() };
    let at = |offset: usize| TextDocumentPositionParams {
        text_document: doc.clone(),
        position: position(&text, offset),
    };

    let (mut keystroke, mut complete, mut hovering, mut definition) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let insert_at = position(&text, feature_at);
    for round in 0..rounds {
        // Type a character into a feature name, then take it back out: two keystrokes.
        for (i, (range, new_text)) in [
            (Range::new(insert_at, insert_at), "x"),
            (
                Range::new(
                    insert_at,
                    Position::new(insert_at.line, insert_at.character + 1),
                ),
                "",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let t = Instant::now();
            state.change(
                &uri,
                (2 + round * 2 + i) as i32,
                vec![TextDocumentContentChangeEvent {
                    range: Some(range),
                    range_length: None,
                    text: new_text.to_string(),
                }],
            );
            let published = state.take_publications();
            keystroke.push(t.elapsed());
            std::hint::black_box(published);
        }
        let t = Instant::now();
        let items = completion::completion(&state, &at(where_at))?;
        complete.push(t.elapsed());
        std::hint::black_box(items);
        let t = Instant::now();
        let h = hover::hover(&state, &at(feature_at))?;
        hovering.push(t.elapsed());
        std::hint::black_box(h);
        let t = Instant::now();
        let d = navigation::definition(&state, &at(source_at))?;
        definition.push(t.elapsed());
        std::hint::black_box(d);
    }
    report("diagnostics after keystroke", keystroke);
    report("completion", complete);
    report("hover", hovering);
    report("definition", definition);
    if let Some(kb) = peak_rss_kb() {
        println!("peak memory (VmHWM): {:.1} MB", kb as f64 / 1024.0);
    }
    println!("{}", json!({ "rounds": rounds, "files": files.len() }));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
