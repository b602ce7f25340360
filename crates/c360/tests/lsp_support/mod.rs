//! A minimal LSP client over the real `c360 lsp` process: Content-Length framing, requests
//! with ids, and a queue of the server's notifications.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any single answer may take before a test fails.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A running server and the messages it sent that nobody has read yet.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    pending: VecDeque<Value>,
    next_id: i64,
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts `c360 lsp`.
    pub fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_c360"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start c360 lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            pending: VecDeque::new(),
            next_id: 1,
        }
    }

    /// Starts the server and initializes it with `root` as the only workspace folder.
    pub fn initialized(root: &Path, encodings: &[&str]) -> (Client, Value) {
        let mut client = Client::start();
        let uri = file_uri(root);
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{ "uri": uri, "name": "project" }],
                "capabilities": {
                    "general": { "positionEncodings": encodings },
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
                    "textDocument": { "completion": { "completionItem": { "snippetSupport": true } } }
                }
            }),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write to server");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_vec(msg).expect("json");
        let mut framed = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        framed.extend(body);
        self.send_raw(&framed);
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => panic!("the server did not answer in time"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server exited"),
        }
    }

    /// Answers a request from the server (registrations, configuration) with `null`.
    fn answer_server_request(&mut self, msg: &Value) -> bool {
        if msg.get("method").is_some() && msg.get("id").is_some() {
            let id = msg["id"].clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
            return true;
        }
        false
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let msg = self.next(deadline);
            if self.answer_server_request(&msg) {
                continue;
            }
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// Sends a request and returns its `result`; panics on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// Waits for a `textDocument/publishDiagnostics` for `uri` satisfying `accept`.
    pub fn diagnostics_where(
        &mut self,
        uri: &str,
        accept: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        self.publication_where(uri, |p| {
            accept(p["diagnostics"].as_array().map_or(&[], |v| v))
        })
    }

    /// Waits for the publication of `uri`'s diagnostics at document `version`.
    pub fn diagnostics_at_version(&mut self, uri: &str, version: i32) -> Vec<Value> {
        self.publication_where(uri, |p| p["version"] == version)
    }

    /// Waits for a `textDocument/publishDiagnostics` for `uri` whose params satisfy `accept`;
    /// returns its diagnostics and drops every older publication for `uri`.
    fn publication_where(&mut self, uri: &str, accept: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + TIMEOUT;
        let matches = |msg: &Value| {
            msg["method"] == "textDocument/publishDiagnostics" && msg["params"]["uri"] == uri
        };
        loop {
            let found = self
                .pending
                .iter()
                .position(|m| matches(m) && accept(&m["params"]));
            if let Some(i) = found {
                let msg = self.pending.remove(i).expect("pending message");
                // Older publications for the same file are superseded.
                self.pending.retain(|m| !(matches(m)));
                return msg["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            let msg = self.next(deadline);
            if !self.answer_server_request(&msg) {
                self.pending.push_back(msg);
            }
        }
    }

    /// Opens `path` with its text on disk; returns its URI and text.
    pub fn open(&mut self, path: &Path) -> (String, String) {
        let text = std::fs::read_to_string(path).expect("read file");
        let uri = file_uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "c360", "version": 1, "text": text } }),
        );
        (uri, text)
    }

    /// Replaces `range` of `uri` with `text` (an incremental change).
    pub fn edit(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": range, "text": text }]
            }),
        );
    }

    /// Shuts down and waits for the process; returns its exit status success.
    pub fn shutdown(mut self) -> bool {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The `file://` URI of an absolute path (percent-encoding the few characters test paths use).
pub fn file_uri(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let text = path
        .to_string_lossy()
        .replace('%', "%25")
        .replace(' ', "%20");
    format!("file://{text}")
}

/// A temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh copy of `examples/NAME` in a temporary directory.
pub fn copy_example(name: &str, tag: &str) -> TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dst = std::env::temp_dir().join(format!(
        "c360-lsp-{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dst);
    copy_dir(&src, &dst);
    TempDir(dst)
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("create temp dir");
    for entry in std::fs::read_dir(src).expect("read example") {
        let entry = entry.expect("entry");
        let target = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The LSP position (line, UTF-16 column = bytes for ASCII) of the first `needle` in `text`,
/// plus `extra` bytes.
pub fn pos(text: &str, needle: &str, extra: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"))
        + extra;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": col })
}

/// The position of `needle` on the first line that contains `marker`.
pub fn pos_on_line(text: &str, marker: &str, needle: &str) -> Value {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("`{marker}` not in text"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let offset = line_start
        + text[line_start..]
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not on the line of `{marker}`"));
    let line = text[..offset].matches('\n').count();
    json!({ "line": line, "character": offset - line_start })
}

/// The labels of a completion response.
pub fn labels(result: &Value) -> Vec<String> {
    let items = result
        .get("items")
        .or(Some(result))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i["label"].as_str().map(str::to_string))
        .collect()
}
