//! Framing in front of tower-lsp-server: a malformed message is dropped with a log line
//! instead of ending the session (its codec stops reading after the first bad frame).

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Frames larger than this are skipped rather than buffered.
const MAX_FRAME: u64 = 256 * 1024 * 1024;

/// What one frame turned out to be.
enum Frame {
    /// A message body.
    Body(Vec<u8>),
    /// Something that was skipped, with the reason.
    Skipped(String),
    /// The input ended.
    End,
}

async fn read_frame(reader: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> Frame {
    let mut length: Option<u64> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return Frame::End,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length else {
        return Frame::Skipped("a message without a valid Content-Length header".into());
    };
    if length > MAX_FRAME {
        let mut rest = reader.take(length);
        let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
        return Frame::Skipped(format!("a message of {length} bytes (too large)"));
    }
    let mut body = vec![0; length as usize];
    match reader.read_exact(&mut body).await {
        Ok(_) => Frame::Body(body),
        Err(_) => Frame::End,
    }
}

fn is_message(body: &[u8]) -> bool {
    serde_json::from_slice::<Request>(body).is_ok()
        || serde_json::from_slice::<Response>(body).is_ok()
}

/// Copies well-formed frames from `input` to `output` until `input` ends, then closes
/// `output`. Dropped frames are reported on stderr (the client's server log).
pub async fn filter(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut reader = BufReader::new(input);
    loop {
        match read_frame(&mut reader).await {
            Frame::Body(body) if is_message(&body) => {
                let header = format!("Content-Length: {}\r\n\r\n", body.len());
                if output.write_all(header.as_bytes()).await.is_err()
                    || output.write_all(&body).await.is_err()
                {
                    break;
                }
            }
            Frame::Body(body) => eprintln!(
                "c360 lsp: ignoring a message that is not JSON-RPC: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ),
            Frame::Skipped(reason) => eprintln!("c360 lsp: ignoring {reason}"),
            Frame::End => break,
        }
    }
    let _ = output.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn malformed_frames_are_dropped_and_good_ones_kept() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\n{{oopsX-Junk: 1\r\n\r\nContent-Length: {}\r\n\r\n{good}",
            good.len()
        );
        let mut out = Vec::new();
        filter(input.as_bytes(), &mut out).await;
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            format!("Content-Length: {}\r\n\r\n{good}", good.len())
        );
    }
}
