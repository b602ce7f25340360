//! 2,000 random edits (half-typed declarations, stray quotes and braces, wide characters,
//! out-of-range positions) never crash `c360 lsp`: it keeps answering, and a final full-text
//! edit brings its diagnostics back in step.

mod lsp_support;

use serde_json::json;

use lsp_support::{copy_example, Client};

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

/// The RSS of a process in kB (Linux), for the report.
fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn two_thousand_random_edits_never_crash_the_server() {
    let dir = copy_example("ecommerce", "fuzz");
    let (mut client, _) = Client::initialized(&dir, &["utf-16"]);
    let (uri, original) = client.open(&dir.join("features.c360"));
    let lines = original.lines().count() as u64;
    let mut rng = Rng(0x5eed_c360_2026_0001);
    let mut rss_start = None;
    for version in 2..2002 {
        let (start, end) = (position(&mut rng, lines), position(&mut rng, lines));
        let text = FRAGMENTS[rng.below(FRAGMENTS.len() as u64) as usize];
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": { "start": start, "end": end }, "text": text }]
            }),
        );
        if version % 40 == 0 {
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
        if version == 200 {
            rss_start = rss_kb(client.pid());
        }
    }
    // A full replacement restores the example: the server applied every edit in order and
    // still publishes.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3000 },
            "contentChanges": [{ "text": original }]
        }),
    );
    client.diagnostics_where(&uri, |d| d.is_empty());
    if let (Some(a), Some(b)) = (rss_start, rss_kb(client.pid())) {
        println!("server RSS after 200 edits: {a} kB; after 2,000: {b} kB");
    }
    assert!(
        client.shutdown(),
        "the server exits cleanly after the edits"
    );
}
