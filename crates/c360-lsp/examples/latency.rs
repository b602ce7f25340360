//! Latency of the language server on the generated 100-file, 5,000-feature project, measured
//! over the protocol: diagnostics after a keystroke, completion, hover and go to definition.
//!
//! ```sh
//! cargo run --release -p c360-lsp --example latency -- [--rounds N] [--write BENCHMARKS.md]
//! ```
//!
//! An in-process client speaks JSON-RPC to [`c360_lsp::serve`], the function `c360 lsp` runs
//! over stdin/stdout, so every number includes framing, JSON, the ordered document layer and
//! the diagnostics publisher; only the pipe between two processes is left out. Prints a
//! Markdown section; `--write FILE` also puts it between `<!-- lsp:begin -->` and
//! `<!-- lsp:end -->` in FILE. Exits with status 1 when a p95 misses its target.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use c360_bench::Size;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// A p95 target in milliseconds, per measurement.
const KEYSTROKE_TARGET_MS: f64 = 50.0;
const COMPLETION_TARGET_MS: f64 = 20.0;
const HOVER_TARGET_MS: f64 = 10.0;
const DEFINITION_TARGET_MS: f64 = 10.0;

/// The section markers in BENCHMARKS.md.
const BEGIN: &str = "<!-- lsp:begin -->";
const END: &str = "<!-- lsp:end -->";

/// The client half of a JSON-RPC connection.
struct Client<R, W> {
    reader: BufReader<R>,
    writer: W,
    next_id: i64,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> Client<R, W> {
    async fn send(&mut self, message: &Value) -> Result<(), String> {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer
            .write_all(frame.as_bytes())
            .await
            .map_err(|e| format!("writing to the server: {e}"))
    }

    async fn receive(&mut self) -> Result<Value, String> {
        let mut length = None;
        loop {
            let mut line = String::new();
            let read = self
                .reader
                .read_line(&mut line)
                .await
                .map_err(|e| format!("reading from the server: {e}"))?;
            if read == 0 {
                return Err("the server closed the connection".into());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length:") {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or("a message without Content-Length")?;
        let mut body = vec![0; length];
        self.reader
            .read_exact(&mut body)
            .await
            .map_err(|e| format!("reading from the server: {e}"))?;
        serde_json::from_slice(&body).map_err(|e| format!("the server sent invalid JSON: {e}"))
    }

    async fn notify(&mut self, method: &str, params: Value) -> Result<(), String> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await
    }

    /// Sends a request and waits for its result; notifications in between are dropped (the
    /// benchmark waits for every publication before it sends the next request).
    async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await?;
        loop {
            let message = self.receive().await?;
            if message.get("method").is_some() {
                continue;
            }
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method} failed: {error}"));
                }
                return Ok(message["result"].clone());
            }
        }
    }

    /// Waits for the diagnostics of `uri` published for `version` or later.
    async fn diagnostics(&mut self, uri: &str, version: i64) -> Result<Vec<Value>, String> {
        loop {
            let message = self.receive().await?;
            let params = &message["params"];
            if message["method"] == "textDocument/publishDiagnostics"
                && params["uri"] == uri
                && params["version"].as_i64().is_some_and(|v| v >= version)
            {
                return Ok(params["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default());
            }
        }
    }
}

/// The LSP position (UTF-16; the generated text is ASCII) of byte `offset` of `text`.
fn position(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": character })
}

/// The byte offset just after the first `needle` in `text`, less `back` bytes.
fn after(text: &str, needle: &str, back: usize) -> Result<usize, String> {
    text.find(needle)
        .map(|i| i + needle.len() - back)
        .ok_or_else(|| format!("the generated file has no `{needle}`"))
}

/// Median, p95 and maximum of a set of samples.
struct Stats {
    median: Duration,
    p95: Duration,
    max: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p95: at(0.95),
        max: at(1.0),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A field of `/proc/self/status` in kB (Linux).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// What one run measured.
struct Measured {
    initialize: Duration,
    first_check: Duration,
    keystroke: Vec<Duration>,
    completion: Vec<Duration>,
    hover: Vec<Duration>,
    definition: Vec<Duration>,
}

/// Drives the server through `rounds` rounds of: a keystroke that introduces an error and one
/// that removes it (each timed until its diagnostics arrive), then completion, hover and go to
/// definition.
async fn drive<R, W>(
    client: &mut Client<R, W>,
    dir: &Path,
    file: &str,
    text: &str,
    rounds: usize,
) -> Result<Measured, String>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let root = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/{file}");
    let started = Instant::now();
    client
        .request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{ "uri": root_uri, "name": "generated" }],
                "capabilities": { "general": { "positionEncodings": ["utf-16"] } }
            }),
        )
        .await?;
    let initialize = started.elapsed();
    client.notify("initialized", json!({})).await?;

    // An `x` typed after a column name makes it unknown; deleting it fixes it again, so every
    // keystroke changes the diagnostics and is published. The file is opened with the `x`,
    // so its first publication times the project's first check.
    let typed = after(text, "sum(amount)", 1)?;
    let typed_at = position(text, typed);
    let typed_end = json!({
        "line": typed_at["line"],
        "character": typed_at["character"].as_u64().unwrap_or_default() + 1
    });
    let opened = format!("{}x{}", &text[..typed], &text[typed..]);
    let started = Instant::now();
    client
        .notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "c360", "version": 1, "text": opened } }),
        )
        .await?;
    if client.diagnostics(&uri, 1).await?.is_empty() {
        return Err("the opened file's error was not reported".into());
    }
    let first_check = started.elapsed();

    // Requests are sent while the file is clean, at positions in the original text.
    let completion_at = position(text, after(text, "| where ", 0)?);
    let hover_at = position(text, after(text, "\n  f_", 0)?);
    let definition_at = position(text, after(text, "= src_", 4)?);
    let at = |p: &Value| json!({ "textDocument": { "uri": uri }, "position": p });

    let mut m = Measured {
        initialize,
        first_check,
        keystroke: Vec::with_capacity(rounds * 2),
        completion: Vec::with_capacity(rounds),
        hover: Vec::with_capacity(rounds),
        definition: Vec::with_capacity(rounds),
    };
    let mut version = 1;
    let mut keystroke = async |client: &mut Client<R, W>, end: &Value, typed: &str| {
        version += 1;
        let started = Instant::now();
        client
            .notify(
                "textDocument/didChange",
                json!({
                    "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "range": { "start": typed_at, "end": end }, "text": typed }]
                }),
            )
            .await?;
        let diagnostics = client.diagnostics(&uri, version).await?;
        let elapsed = started.elapsed();
        if diagnostics.is_empty() != typed.is_empty() {
            return Err(format!(
                "unexpected diagnostics after typing `{typed}`: {diagnostics:?}"
            ));
        }
        Ok::<Duration, String>(elapsed)
    };
    for _ in 0..rounds {
        // Delete the `x`: the file is clean for the requests.
        m.keystroke.push(keystroke(client, &typed_end, "").await?);
        for (method, p, samples) in [
            ("textDocument/completion", &completion_at, &mut m.completion),
            ("textDocument/hover", &hover_at, &mut m.hover),
            ("textDocument/definition", &definition_at, &mut m.definition),
        ] {
            let started = Instant::now();
            let result = client.request(method, at(p)).await?;
            samples.push(started.elapsed());
            if result.is_null() {
                return Err(format!("{method} at {p} answered nothing"));
            }
        }
        // Type it again.
        m.keystroke.push(keystroke(client, &typed_at, "x").await?);
    }
    client.request("shutdown", Value::Null).await?;
    client.notify("exit", Value::Null).await?;
    Ok(m)
}

/// Generates the project, serves it in process and measures; returns the Markdown section and
/// whether every target was met.
fn measure(rounds: usize) -> Result<(String, bool), String> {
    let size = Size::LARGE;
    let dir = std::env::temp_dir().join(format!("c360-lsp-latency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    c360_bench::write(&dir, size).map_err(|e| format!("writing {}: {e}", dir.display()))?;
    let files = c360_bench::generate(size);
    let (file, text) = files
        .get(files.len() / 2)
        .cloned()
        .ok_or("the generated project is empty")?;
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    drop(files);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    let result = runtime.block_on(async {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(server_end);
        let (client_in, client_out) = tokio::io::split(client_end);
        let mut client = Client {
            reader: BufReader::new(client_in),
            writer: client_out,
            next_id: 1,
        };
        let server = c360_lsp::serve(server_in, server_out);
        let driver = async {
            let measured = drive(&mut client, &dir, &file, &text, rounds).await;
            // Closing the client's side ends the server's input, so `serve` returns.
            drop(client);
            measured
        };
        tokio::join!(server, driver).1
    });
    let _ = std::fs::remove_dir_all(&dir);
    let m = result?;
    let peak_kb = status_kb("VmHWM:").ok_or("no VmHWM in /proc/self/status")?;

    let rows = [
        (
            "diagnostics after a keystroke (`didChange` → `publishDiagnostics`)",
            stats(m.keystroke),
            KEYSTROKE_TARGET_MS,
        ),
        (
            "completion in a `where` step (columns, features, functions)",
            stats(m.completion),
            COMPLETION_TARGET_MS,
        ),
        ("hover on a feature", stats(m.hover), HOVER_TARGET_MS),
        (
            "go to definition of a source",
            stats(m.definition),
            DEFINITION_TARGET_MS,
        ),
    ];
    let met = rows
        .iter()
        .all(|(_, s, target)| s.p95.as_secs_f64() * 1e3 <= *target);
    let mut section = format!(
        "Project: {} sources, {} features, {} files, {lines} lines (the project above). \
         {rounds} rounds of two keystrokes (one adds an error, one removes it), a completion, a \
         hover and a go to definition in the middle file.\n\n\
         | measurement | median | p95 | max | target (p95) |\n|---|---|---|---|---|\n",
        size.sources, size.features, size.files
    );
    for (name, s, target) in &rows {
        section.push_str(&format!(
            "| {name} | {} | {} | {} | ≤ {target:.0} ms |\n",
            ms(s.median),
            ms(s.p95),
            ms(s.max)
        ));
    }
    section.push_str(&format!(
        "| `initialize` (discovering and reading the 100 files) | {} | | | |\n\
         | first diagnostics after opening a file (the project's first check) | {} | | | |\n\n\
         Peak memory (VmHWM of the process: the server plus the benchmark's client): {:.1} MB.",
        ms(m.initialize),
        ms(m.first_check),
        peak_kb as f64 / 1024.0
    ));
    Ok((section, met))
}

/// Replaces the text between the markers in `path`.
fn replace_section(path: &Path, body: &str) -> Result<(), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!(
            "{} has no `{BEGIN}` … `{END}` markers; add them where the section belongs",
            path.display()
        ));
    };
    if e < b {
        return Err(format!(
            "{}: `{END}` comes before `{BEGIN}`",
            path.display()
        ));
    }
    let updated = format!("{}{BEGIN}\n{body}\n{}", &text[..b], &text[e..]);
    std::fs::write(path, updated).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 200;
    let mut write_to: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        match (args[i].as_str(), args.get(i + 1)) {
            ("--rounds", Some(n)) if n.parse::<usize>().is_ok_and(|n| n > 0) => {
                rounds = n.parse().unwrap_or(rounds);
            }
            ("--write", Some(path)) => write_to = Some(PathBuf::from(path)),
            _ => {
                eprintln!(
                    "usage: latency [--rounds N (a positive number, default 200)] [--write BENCHMARKS.md]"
                );
                return ExitCode::from(2);
            }
        }
        i += 2;
    }
    match measure(rounds) {
        Ok((section, met)) => {
            println!("{section}");
            if let Some(path) = write_to {
                if let Err(e) = replace_section(&path, &section) {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
            if met {
                ExitCode::SUCCESS
            } else {
                eprintln!("error: a p95 latency missed its target");
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
