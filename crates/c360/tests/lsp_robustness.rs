//! 5,000 random edits (half-typed declarations, stray quotes and braces, wide characters,
//! out-of-range positions) never crash `c360 lsp`: it keeps answering, a final full-text edit
//! brings its diagnostics back in step, and its memory does not grow by more than 10%.

mod lsp_support;

use serde_json::json;

use lsp_support::{copy_example, file_uri, Client};

/// Deterministic xorshift, so a failure replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FRAGMENTS: &[&str] = &[
    "",
    "a",
    " ",
    "\n",
    "|",
    "| where ",
    "| within 30 days",
    "| sum(",
    "sum(amount)",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "r\"^[a-z]",
    "/*",
    "*/",
    "//",
    "///",
    "@",
    "@id(",
    "@time",
    "features ",
    "features customer {",
    "source s from \"t\" {",
    "entity ",
    "id_type ",
    "training_set t for customer {",
    "test \"x\" {",
    "x = ",
    "orders",
    "status == ",
    "😀",
    "é",
    "\r\n",
    "\t",
    "= =",
    "1e999",
    "99999999999999999999",
    "\\u{",
    "if then else",
    "and or not",
    "count()",
    "last(product_id, 10)",
    "customer.",
    "orders.",
];

/// Mostly plausible positions, sometimes far out of range.
fn position(rng: &mut Rng, lines: u64) -> serde_json::Value {
    let far = rng.below(20) == 0;
    let line = if far {
        rng.below(100_000)
    } else {
        rng.below(lines + 3)
    };
    let character = if far {
        rng.below(100_000)
    } else {
        rng.below(90)
    };
    json!({ "line": line, "character": character })
}

/// The resident set size of a process in kB (Linux `/proc/PID/status`).
fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Edits sent in all.
const EDITS: i32 = 5_000;
/// Edits before the memory baseline is taken.
const WARM_UP: i32 = 500;
/// Every this many edits the document is reverted to its text on disk, as an editor's "revert
/// file" does, so it keeps a realistic size instead of drifting towards empty or huge (the
/// reverts are not counted among the random edits).
const REVERT_EVERY: i32 = 250;

/// Replaces the whole document with `text`.
fn revert(client: &mut Client, uri: &str, version: i32, text: &str) {
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{ "text": text }]
        }),
    );
}

/// Reverts the document and returns the server's RSS once it has applied everything sent so
/// far and published the reverted document's diagnostics, so that every measurement sees the
/// same document in a quiet server. A broken text goes first, so the revert always changes the
/// diagnostics and is always published.
fn revert_and_measure(client: &mut Client, uri: &str, version: i32, text: &str) -> u64 {
    revert(client, uri, version, &format!("{text}\nfeatures {{\n"));
    let broken = client.diagnostics_at_version(uri, version);
    assert!(!broken.is_empty(), "the broken text has errors");
    revert(client, uri, version + 1, text);
    let clean = client.diagnostics_at_version(uri, version + 1);
    assert!(clean.is_empty(), "the example is clean again: {clean:?}");
    rss_kb(client.pid()).expect("the server's VmRSS (Linux /proc)")
}

#[test]
fn five_thousand_random_edits_never_crash_the_server_or_grow_its_memory() {
    let dir = copy_example("ecommerce", "fuzz");
    let elsewhere = copy_example("saas", "fuzz-scratch");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, original) = client.open(&dir.join("features.c360"));
    let lines = original.lines().count() as u64;
    let mut rng = Rng(0x5eed_c360_2026_0001);
    let mut baseline = None;
    let mut version = 1;
    for edit in 1..=EDITS {
        if edit == WARM_UP + 1 {
            // The baseline comes after a warm-up: by then every query has run and the
            // allocator's arenas and the database's memo tables have reached their working
            // size. Measuring at the start instead would count that one-time growth as a leak.
            baseline = Some(revert_and_measure(
                &mut client,
                &uri,
                version + 1,
                &original,
            ));
            version += 2;
        } else if edit % REVERT_EVERY == 1 {
            version += 1;
            revert(&mut client, &uri, version, &original);
            // A scratch file outside the folder, under a new name each time, opened and closed:
            // the server must forget it (its project, document and diagnostics) on close.
            let scratch = file_uri(&elsewhere.join(format!("scratch-{edit}.c360")));
            client.notify(
                "textDocument/didOpen",
                json!({ "textDocument": {
                    "uri": scratch, "languageId": "c360", "version": 1,
                    "text": "entity e { ids = [nope] }\n"
                } }),
            );
            client.notify(
                "textDocument/didClose",
                json!({ "textDocument": { "uri": scratch } }),
            );
        }
        version += 1;
        let (start, end) = (position(&mut rng, lines), position(&mut rng, lines));
        let text = FRAGMENTS[rng.below(FRAGMENTS.len() as u64) as usize];
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": { "start": start, "end": end }, "text": text }]
            }),
        );
        // Like a typist, wait for each keystroke to be analysed before the next one: inlay
        // hints need the whole project checked, so every edit goes through the checker
        // rather than being coalesced with the next ones.
        let hints = client.request_raw(
            "textDocument/inlayHint",
            json!({
                "textDocument": { "uri": uri },
                "range": {
                    "start": { "line": 0, "character": 0 },
                    "end": { "line": lines + 10, "character": 0 }
                }
            }),
        );
        assert!(hints.get("result").is_some(), "inlayHint got {hints}");
        if edit % 40 == 0 {
            let at = position(&mut rng, lines);
            let method = [
                "textDocument/completion",
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/signatureHelp",
            ][rng.below(4) as usize];
            let response = client.request_raw(
                method,
                json!({ "textDocument": { "uri": uri }, "position": at }),
            );
            assert!(
                response.get("result").is_some() || response.get("error").is_some(),
                "{method} got {response}"
            );
            for whole in [
                "textDocument/semanticTokens/full",
                "textDocument/documentSymbol",
                "textDocument/foldingRange",
            ] {
                let response = client.request_raw(whole, json!({ "textDocument": { "uri": uri } }));
                assert!(response.get("result").is_some(), "{whole} got {response}");
            }
        }
    }
    // A full replacement restores the example: the server applied every edit in order and
    // still publishes.
    let end = revert_and_measure(&mut client, &uri, version + 1, &original);
    let baseline = baseline.expect("a baseline after the warm-up");
    let growth = (end as f64 - baseline as f64) / baseline as f64 * 100.0;
    println!(
        "server RSS after {WARM_UP} edits: {baseline} kB; after {EDITS}: {end} kB ({growth:+.1}%)"
    );
    assert!(
        end * 10 <= baseline * 11,
        "the server's memory grew by {growth:.1}% over {} edits ({baseline} kB → {end} kB)",
        EDITS - WARM_UP
    );
    assert!(
        client.shutdown(),
        "the server exits cleanly after the edits"
    );
}
