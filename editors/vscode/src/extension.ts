// Entry point of the VS Code extension: starts `c360 lsp` and adds the "Show compiled SQL" command.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import {
  COMPILED_SQL_METHOD,
  CompiledSqlParams,
  DIALECTS,
  Dialect,
  SHOW_COMPILED_SQL_COMMAND,
  ServerCommand,
  compiledSqlDocumentName,
  compiledSqlErrorMessage,
  initializationOptions,
  isDialect,
  parseCompiledSqlResult,
  resolveServerCommand,
  startFailureMessage,
} from "./config";

/** The URI scheme of the read-only documents that show compiled SQL. */
const SQL_SCHEME = "c360-sql";

let client: LanguageClient | undefined;

/** Called by VS Code when a `.c360` file or a folder with `c360.toml` is opened. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const sqlDocuments = new CompiledSqlDocuments();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SQL_SCHEME, sqlDocuments),
    sqlDocuments,
    vscode.commands.registerCommand(SHOW_COMPILED_SQL_COMMAND, () => showCompiledSql(sqlDocuments)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("c360.server")) {
        await restartClient();
      }
    }),
  );
  await startClient();
}

/** Called by VS Code on shutdown; the server is asked to exit cleanly. */
export async function deactivate(): Promise<void> {
  await stopClient();
}

function serverCommandFromSettings(): ServerCommand {
  const settings = vscode.workspace.getConfiguration("c360.server");
  return resolveServerCommand(settings.get<unknown>("path"), settings.get<unknown>("extraArgs"), {
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  });
}

async function startClient(): Promise<void> {
  const server = serverCommandFromSettings();
  for (const warning of server.warnings) {
    void vscode.window.showWarningMessage(warning);
  }
  const serverOptions: ServerOptions = {
    command: server.command,
    args: server.args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "c360" },
      { scheme: "untitled", language: "c360" },
    ],
    initializationOptions: initializationOptions(),
    synchronize: {
      // The server checks the whole project, so it hears about files changed outside the editor.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.c360"),
        vscode.workspace.createFileSystemWatcher("**/c360.toml"),
      ],
    },
  };
  const newClient = new LanguageClient("c360", "c360", serverOptions, clientOptions);
  client = newClient;
  try {
    await newClient.start();
  } catch (error: unknown) {
    void vscode.window.showErrorMessage(startFailureMessage(server, error));
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    // dispose() also stops the server and releases the output channel, so restarts do not pile them up.
    await running.dispose();
  } catch (error: unknown) {
    // A server that failed to start or already exited cannot be stopped; nothing is left to release.
    console.warn("c360: stopping the language server failed", error);
  }
}

async function restartClient(): Promise<void> {
  await stopClient();
  await startClient();
}

async function showCompiledSql(sqlDocuments: CompiledSqlDocuments): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.document.languageId !== "c360") {
    void vscode.window.showErrorMessage("Open a .c360 file to see the SQL compiled from it.");
    return;
  }
  const running = client;
  if (running === undefined || !running.isRunning()) {
    void vscode.window.showErrorMessage(
      "The c360 language server is not running; check `c360.server.path` and the c360 output channel.",
    );
    return;
  }
  const picked = await vscode.window.showQuickPick([...DIALECTS], {
    title: "c360: Show compiled SQL",
    placeHolder: "SQL dialect",
  });
  if (!isDialect(picked)) {
    return;
  }
  const fileUri = running.code2ProtocolConverter.asUri(editor.document.uri);
  const params: CompiledSqlParams = { uri: fileUri, dialect: picked };
  let result: unknown;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `c360: compiling to ${picked}` },
      () => running.sendRequest<unknown>(COMPILED_SQL_METHOD, params),
    );
  } catch (error: unknown) {
    void vscode.window.showErrorMessage(compiledSqlErrorMessage(error));
    return;
  }
  const parsed = parseCompiledSqlResult(result);
  if ("error" in parsed) {
    void vscode.window.showErrorMessage(parsed.error);
    return;
  }
  const uri = sqlDocuments.set(fileUri, picked, parsed.sql);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(document, "sql");
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
}

/**
 * Read-only, never-saved documents holding compiled SQL: a content provider's documents cannot be
 * edited, which keeps users from mistaking the view for a file.
 */
class CompiledSqlDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();

  /** Fired when a document's SQL is recompiled, so an open view refreshes. */
  readonly onDidChange = this.changed.event;

  /** Stores the SQL of one file in one dialect and returns the URI of the document showing it. */
  set(fileUri: string, dialect: Dialect, sql: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: SQL_SCHEME,
      path: `/${compiledSqlDocumentName(fileUri, dialect)}`,
      query: new URLSearchParams({ file: fileUri, dialect }).toString(),
    });
    const key = uri.toString();
    const previous = this.contents.get(key);
    this.contents.set(key, sql);
    if (previous !== undefined && previous !== sql) {
      this.changed.fire(uri);
    }
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? "-- Run “c360: Show compiled SQL” again to see this SQL.\n";
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}
