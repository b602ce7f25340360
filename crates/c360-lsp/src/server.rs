//! The LSP plumbing: capabilities, the ordered document-sync layer and the request handlers.
//!
//! tower-lsp-server polls handlers concurrently, so document and file notifications never reach
//! it: [`Ordered`] applies them inside `Service::call`, which the transport invokes once per
//! message in arrival order. Requests then read the state under the same lock. Diagnostics are
//! published by one task, outside the lock.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Request, Response, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, ExitedError, LanguageServer, LspService};

use crate::features;
use crate::state::{uri_path, State};

/// Shared between the ordered layer, the handlers and the publisher.
#[derive(Clone, Default)]
pub struct Shared {
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock is already reported; the state stays usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state, turning a panic into an internal error instead of a crash.
    fn with<R>(&self, what: &str, f: impl FnOnce(&mut State) -> Result<R>) -> Result<R> {
        let mut state = self.lock();
        match catch_unwind(AssertUnwindSafe(|| f(&mut state))) {
            Ok(r) => r,
            Err(_) => {
                state.log(
                    MessageType::ERROR,
                    format!("internal error while handling {what}"),
                );
                drop(state);
                self.changed.notify_one();
                Err(Error {
                    code: ErrorCode::InternalError,
                    message: format!("internal error while handling {what}").into(),
                    data: None,
                })
            }
        }
    }
}

/// The language server.
pub struct Backend {
    client: Client,
    shared: Shared,
}

/// An LSP error for a request the server cannot answer.
pub fn invalid(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: message.into().into(),
        data: None,
    }
}

/// Publishes diagnostics and log messages whenever the state changed; runs until the client
/// goes away.
async fn publisher(client: Client, shared: Shared) {
    loop {
        shared.changed.notified().await;
        let (publications, logs) = {
            let mut state = shared.lock();
            let publications = catch_unwind(AssertUnwindSafe(|| state.take_publications()))
                .unwrap_or_else(|_| {
                    state.log(
                        MessageType::ERROR,
                        "internal error while checking the project",
                    );
                    Vec::new()
                });
            (publications, state.take_logs())
        };
        for (level, message) in logs {
            client.log_message(level, message).await;
        }
        for p in publications {
            client
                .publish_diagnostics(p.uri, p.diagnostics, p.version)
                .await;
        }
    }
}

/// Applies document and file notifications in arrival order, then hands every other message
/// to tower-lsp-server.
pub struct Ordered {
    inner: LspService<Backend>,
    shared: Shared,
}

fn parse_params<P: DeserializeOwned>(req: &Request) -> std::result::Result<P, String> {
    let params = req.params().cloned().unwrap_or(serde_json::Value::Null);
    serde_json::from_value(params).map_err(|e| format!("invalid `{}` params: {e}", req.method()))
}

impl Ordered {
    /// Handles `req` if it changes documents or files; returns false for other messages.
    fn sync(&self, req: &Request) -> bool {
        let method = req.method();
        let handled = matches!(
            method,
            "textDocument/didOpen"
                | "textDocument/didChange"
                | "textDocument/didClose"
                | "workspace/didChangeWatchedFiles"
                | "workspace/didChangeWorkspaceFolders"
                | "workspace/didRenameFiles"
                | "workspace/didDeleteFiles"
                | "workspace/didCreateFiles"
        );
        if !handled || req.id().is_some() {
            return false;
        }
        let _ = self.shared.with(method, |state| {
            if let Err(message) = apply(state, req) {
                state.log(MessageType::WARNING, message);
            }
            Ok(())
        });
        self.shared.changed.notify_one();
        true
    }
}

fn apply(state: &mut State, req: &Request) -> std::result::Result<(), String> {
    match req.method() {
        "textDocument/didOpen" => {
            let p: DidOpenTextDocumentParams = parse_params(req)?;
            let doc = p.text_document;
            state.open(doc.uri, doc.version, doc.text);
        }
        "textDocument/didChange" => {
            let p: DidChangeTextDocumentParams = parse_params(req)?;
            state.change(
                &p.text_document.uri,
                p.text_document.version,
                p.content_changes,
            );
        }
        "textDocument/didClose" => {
            let p: DidCloseTextDocumentParams = parse_params(req)?;
            state.close(&p.text_document.uri);
        }
        "workspace/didChangeWatchedFiles" => {
            let p: DidChangeWatchedFilesParams = parse_params(req)?;
            for change in p.changes {
                state.disk_changed(&change.uri, change.typ == FileChangeType::DELETED);
            }
        }
        "workspace/didChangeWorkspaceFolders" => {
            let p: DidChangeWorkspaceFoldersParams = parse_params(req)?;
            for f in p.event.removed {
                if let Some(path) = uri_path(&f.uri) {
                    state.remove_folder(&path);
                }
            }
            for f in p.event.added {
                if let Some(path) = uri_path(&f.uri) {
                    state.add_folder(&path);
                }
            }
        }
        "workspace/didRenameFiles" => {
            let p: RenameFilesParams = parse_params(req)?;
            for f in p.files {
                for (uri, deleted) in [(&f.old_uri, true), (&f.new_uri, false)] {
                    if let Ok(uri) = uri.parse::<Uri>() {
                        state.disk_changed(&uri, deleted);
                    }
                }
            }
        }
        "workspace/didDeleteFiles" => {
            let p: DeleteFilesParams = parse_params(req)?;
            for f in p.files {
                if let Ok(uri) = f.uri.parse::<Uri>() {
                    state.disk_changed(&uri, true);
                }
            }
        }
        "workspace/didCreateFiles" => {
            let p: CreateFilesParams = parse_params(req)?;
            for f in p.files {
                if let Ok(uri) = f.uri.parse::<Uri>() {
                    state.disk_changed(&uri, false);
                }
            }
        }
        _ => {}
    }
    Ok(())
}

impl tower::Service<Request> for Ordered {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = <LspService<Backend> as tower::Service<Request>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), ExitedError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // Before `initialize` has been answered the transport does not call us (poll_ready is
        // pending), so the state always knows its folders and encoding here.
        if self.sync(&req) {
            return Box::pin(async { Ok(None) });
        }
        self.inner.call(req)
    }
}

/// Builds the service and its client socket; spawns the publisher (needs a tokio runtime).
pub fn service() -> (Ordered, tower_lsp_server::ClientSocket) {
    let shared = Shared::default();
    let for_backend = shared.clone();
    let (inner, socket) = LspService::build(move |client| Backend {
        client,
        shared: for_backend,
    })
    .custom_method(
        features::compiled_sql::METHOD,
        Backend::compiled_sql_request,
    )
    .finish();
    tokio::spawn(publisher(inner.inner().client.clone(), shared.clone()));
    (Ordered { inner, shared }, socket)
}

/// The semantic token legend, in the order of [`features::tokens::Kind`].
fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: features::tokens::TYPES.to_vec(),
        token_modifiers: features::tokens::MODIFIERS.to_vec(),
    }
}

/// The commands of `executeCommandProvider`: every command the server runs, except those the
/// client registers itself (initialization option `clientCommands`). An editor registers each
/// advertised command under its name, so advertising one the client also registers would clash
/// (VS Code refuses the second registration).
fn advertised_commands(options: Option<&serde_json::Value>) -> Vec<String> {
    let own: Vec<&str> = options
        .and_then(|o| o.get("clientCommands"))
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    [features::compiled_sql::COMMAND]
        .into_iter()
        .filter(|c| !own.contains(c))
        .map(String::from)
        .collect()
}

impl Backend {
    fn read<R>(&self, what: &str, f: impl FnOnce(&State) -> Result<R>) -> Result<R> {
        self.shared.with(what, |state| f(state))
    }

    /// `c360/compiledSql`: the SQL `c360 compile DIR --dialect D` prints for the project holding
    /// the document.
    async fn compiled_sql_request(&self, params: serde_json::Value) -> Result<serde_json::Value> {
        let params = features::compiled_sql::params_from_request(Some(params))?;
        self.compiled_sql(params)
    }

    fn compiled_sql(&self, params: features::compiled_sql::Params) -> Result<serde_json::Value> {
        let answer = self.read(features::compiled_sql::METHOD, |s| {
            features::compiled_sql::compiled_sql(s, &params)
        })?;
        serde_json::to_value(answer).map_err(|e| Error {
            code: ErrorCode::InternalError,
            message: format!("cannot encode the compiled SQL: {e}").into(),
            data: None,
        })
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = crate::convert::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        let mut folders: Vec<Uri> = params
            .workspace_folders
            .unwrap_or_default()
            .into_iter()
            .map(|f| f.uri)
            .collect();
        let commands = advertised_commands(params.initialization_options.as_ref());
        #[allow(deprecated)]
        if folders.is_empty() {
            folders.extend(params.root_uri);
        }
        self.shared.with("initialize", |state| {
            state.encoding = encoding;
            state.snippets = snippets;
            state.can_watch = can_watch;
            for uri in &folders {
                match uri_path(uri) {
                    Some(path) => state.add_folder(&path),
                    None => state.log(
                        MessageType::WARNING,
                        format!(
                            "ignoring workspace folder `{}`: not a file URI",
                            uri.as_str()
                        ),
                    ),
                }
            }
            Ok(())
        })?;
        let file_ops = FileOperationRegistrationOptions {
            filters: vec![FileOperationFilter {
                scheme: Some("file".into()),
                pattern: FileOperationPattern {
                    glob: "**/*.c360".into(),
                    matches: Some(FileOperationPatternKind::File),
                    options: None,
                },
            }],
        };
        Ok(InitializeResult {
            offset_encoding: None,
            server_info: Some(ServerInfo {
                name: "c360".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(crate::convert::encoding_kind(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![
                        "|".into(),
                        "(".into(),
                        "@".into(),
                        " ".into(),
                        ".".into(),
                    ]),
                    ..Default::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: Default::default(),
                        },
                    ),
                ),
                document_formatting_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    ..Default::default()
                }),
                execute_command_provider: (!commands.is_empty()).then(|| ExecuteCommandOptions {
                    commands,
                    work_done_progress_options: Default::default(),
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        did_create: Some(file_ops.clone()),
                        did_rename: Some(file_ops.clone()),
                        did_delete: Some(file_ops),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            },
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // The initial diagnostics of every folder.
        self.shared.changed.notify_one();
        if !self.shared.lock().can_watch {
            return;
        }
        let watchers = ["**/*.c360", "**/c360.toml"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.into()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        if let Ok(options) = serde_json::to_value(options) {
            let registration = Registration {
                id: "c360-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: Some(options),
            };
            // Not awaited here: a client that never answers must not hold up `exit`.
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(e) = client.register_capability(vec![registration]).await {
                    let message = format!(
                        "file watching unavailable ({e}); changes made outside the editor are \
                         seen when files are opened"
                    );
                    client.log_message(MessageType::INFO, message).await;
                }
            });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.read("completion", |s| {
            features::completion::completion(s, &p.text_document_position)
        })
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        self.read("hover", |s| {
            features::hover::hover(s, &p.text_document_position_params)
        })
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.read("definition", |s| {
            features::navigation::definition(s, &p.text_document_position_params)
        })
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.read("references", |s| {
            features::navigation::references(
                s,
                &p.text_document_position,
                p.context.include_declaration,
            )
        })
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.read("prepareRename", |s| {
            features::navigation::prepare_rename(s, &p)
        })
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.read("rename", |s| {
            features::navigation::rename(s, &p.text_document_position, &p.new_name)
        })
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.read("documentSymbol", |s| {
            features::symbols::document(s, &p.text_document.uri)
        })
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        self.read("workspace/symbol", |s| {
            Ok(Some(features::symbols::workspace(s, &p.query)))
        })
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.read("semanticTokens", |s| {
            features::tokens::full(s, &p.text_document.uri)
        })
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.read("foldingRange", |s| {
            features::folding::ranges(s, &p.text_document.uri)
        })
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.read("inlayHint", |s| {
            features::inlay::hints(s, &p.text_document.uri, p.range)
        })
    }

    async fn signature_help(&self, p: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        self.read("signatureHelp", |s| {
            features::signature::help(s, &p.text_document_position_params)
        })
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let result = self.shared.with("formatting", |s| {
            features::formatting::format(s, &p.text_document.uri)
        });
        // The log line (if any) goes out with the next publication.
        self.shared.changed.notify_one();
        result
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if p.command != features::compiled_sql::COMMAND {
            return Err(invalid(format!(
                "unknown command `{}`; the server runs `{}`",
                p.command,
                features::compiled_sql::COMMAND
            )));
        }
        let params = features::compiled_sql::params_from_arguments(p.arguments)?;
        self.compiled_sql(params).map(Some)
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.read("codeAction", |s| {
            features::actions::quick_fixes(s, &p.text_document.uri, p.range)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn commands_the_client_registers_itself_are_not_advertised() {
        assert_eq!(advertised_commands(None), ["c360.showCompiledSql"]);
        assert_eq!(
            advertised_commands(Some(&json!({ "clientCommands": ["other"] }))),
            ["c360.showCompiledSql"]
        );
        assert!(advertised_commands(Some(&json!({
            "clientCommands": ["c360.showCompiledSql"]
        })))
        .is_empty());
        // A malformed option is ignored rather than refused.
        assert_eq!(
            advertised_commands(Some(&json!({ "clientCommands": "c360.showCompiledSql" }))),
            ["c360.showCompiledSql"]
        );
    }
}
