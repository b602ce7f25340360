//! The c360 language server: diagnostics as you type, completion, navigation and rename over
//! the Language Server Protocol, from the same salsa database as the command line.
//!
//! [`run_stdio`] serves one client over standard input and output (`c360 lsp`). Modules:
//! [`convert`] is the only place positions are converted; [`state`] holds the projects and
//! open documents; [`index`] resolves names for navigation; [`features`] has one module per
//! request kind; [`server`] wires them to the protocol.

pub mod builtins;
pub mod convert;
pub mod features;
pub mod index;
pub mod server;
pub mod state;
mod transport;

use tokio::io::{AsyncRead, AsyncWrite};

/// Serves the language server over stdin/stdout until the client sends `exit` or closes the
/// stream.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // The thread blocked reading stdin would keep a normal shutdown waiting forever.
    runtime.shutdown_background();
    Ok(())
}

/// Serves one client reading from `input` and writing to `output` until it sends `exit` or
/// closes `input`: what `c360 lsp` runs over stdin/stdout, for in-process clients such as the
/// latency benchmark. Needs a tokio runtime.
pub async fn serve(
    input: impl AsyncRead + Unpin + Send + 'static,
    output: impl AsyncWrite + Unpin,
) {
    let (service, socket) = server::service();
    let (to_server, from_client) = tokio::io::duplex(1 << 16);
    tokio::spawn(transport::filter(input, to_server));
    tower_lsp_server::Server::new(from_client, output, socket)
        .serve(service)
        .await;
}
