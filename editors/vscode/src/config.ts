// Pure logic of the extension, kept free of the `vscode` module so that it runs under `node --test`.
import * as os from "node:os";
import * as path from "node:path";

/** The default server executable, looked up on PATH. */
export const DEFAULT_SERVER_PATH = "c360";

/** The custom request that returns the SQL compiled from one file. */
export const COMPILED_SQL_METHOD = "c360/compiledSql";

/** The command that shows the SQL compiled from the current file. */
export const SHOW_COMPILED_SQL_COMMAND = "c360.showCompiledSql";

/** The `initializationOptions` sent to the server. */
export interface InitializationOptions {
  /**
   * Commands the extension registers itself. The server leaves them out of its
   * `executeCommandProvider`, which vscode-languageclient would otherwise register a second time,
   * and VS Code refuses a second registration of a command.
   */
  clientCommands: string[];
}

/** The options the extension starts the server with. */
export function initializationOptions(): InitializationOptions {
  return { clientCommands: [SHOW_COMPILED_SQL_COMMAND] };
}

/** The SQL dialects the compiler emits, in the order the quick pick offers them. */
export const DIALECTS = ["duckdb", "postgres", "snowflake", "bigquery", "redshift", "databricks"] as const;

/** One of the SQL dialects. */
export type Dialect = (typeof DIALECTS)[number];

/** JSON-RPC's error code for a method the server does not implement. */
export const METHOD_NOT_FOUND = -32601;

/** How to start the language server. */
export interface ServerCommand {
  /** The executable: a bare name (looked up on PATH) or an absolute path. */
  command: string;
  /** The arguments, starting with `lsp`. */
  args: string[];
  /** Settings that were ignored, each described in one sentence for the user. */
  warnings: string[];
}

/** Where relative paths and `~` are resolved. */
export interface ResolveContext {
  /** The first workspace folder's path on disk, when there is one. */
  workspaceFolder?: string | undefined;
  /** The user's home directory. */
  homeDir?: string;
}

/**
 * Turns the `c360.server.path` and `c360.server.extraArgs` settings into a command line.
 * Settings come from JSON that users edit by hand, hence the `unknown` types.
 */
export function resolveServerCommand(
  serverPath: unknown,
  extraArgs: unknown,
  context: ResolveContext = {},
): ServerCommand {
  const warnings: string[] = [];
  const command = resolveServerPath(serverPath, context, warnings);
  const args = ["lsp"];
  if (extraArgs !== undefined && extraArgs !== null) {
    if (Array.isArray(extraArgs)) {
      extraArgs.forEach((arg: unknown, index) => {
        if (typeof arg === "string") {
          args.push(arg);
        } else {
          warnings.push(`\`c360.server.extraArgs[${index}]\` is not a string and was ignored.`);
        }
      });
    } else {
      warnings.push("`c360.server.extraArgs` must be an array of strings; it was ignored.");
    }
  }
  return { command, args, warnings };
}

function resolveServerPath(serverPath: unknown, context: ResolveContext, warnings: string[]): string {
  if (serverPath === undefined || serverPath === null) {
    return DEFAULT_SERVER_PATH;
  }
  if (typeof serverPath !== "string") {
    warnings.push(`\`c360.server.path\` must be a string; using \`${DEFAULT_SERVER_PATH}\` from PATH.`);
    return DEFAULT_SERVER_PATH;
  }
  let value = serverPath.trim();
  if (value === "") {
    return DEFAULT_SERVER_PATH;
  }
  if (value === "~" || value.startsWith("~/") || value.startsWith("~\\")) {
    value = path.join(context.homeDir ?? os.homedir(), value.slice(1));
  }
  if (path.isAbsolute(value)) {
    return path.normalize(value);
  }
  // A bare name is left to the OS so that PATH lookup (and PATHEXT on Windows) applies.
  if (!value.includes("/") && !value.includes("\\")) {
    return value;
  }
  if (context.workspaceFolder === undefined) {
    warnings.push(
      `\`c360.server.path\` is the relative path \`${value}\` but no folder is open; it is used as given.`,
    );
    return value;
  }
  return path.resolve(context.workspaceFolder, value);
}

/** The parameters of a `c360/compiledSql` request. */
export interface CompiledSqlParams {
  /** The document's URI, as the server knows it. */
  uri: string;
  /** The dialect to compile to. */
  dialect: Dialect;
}

/** Whether `value` names a supported dialect. */
export function isDialect(value: unknown): value is Dialect {
  return typeof value === "string" && (DIALECTS as readonly string[]).includes(value);
}

/** Reads the SQL out of a `c360/compiledSql` response, or explains why it cannot. */
export function parseCompiledSqlResult(result: unknown): { sql: string } | { error: string } {
  if (typeof result === "object" && result !== null && "sql" in result) {
    const sql: unknown = (result as { sql: unknown }).sql;
    if (typeof sql === "string") {
      return { sql };
    }
  }
  return { error: "The c360 language server answered `c360/compiledSql` without a `sql` string." };
}

/** Whether an error thrown by a request is JSON-RPC's "method not found". */
export function isMethodNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === METHOD_NOT_FOUND;
}

/** The message shown when a `c360/compiledSql` request fails. */
export function compiledSqlErrorMessage(error: unknown): string {
  if (isMethodNotFound(error)) {
    return (
      "This c360 language server does not support “Show compiled SQL” (request `c360/compiledSql`). " +
      "Update c360, or point `c360.server.path` at a newer build."
    );
  }
  return `c360 could not compile this file to SQL: ${errorText(error)}`;
}

/** The message shown when the server cannot be started. */
export function startFailureMessage(server: ServerCommand, error: unknown): string {
  const commandLine = [server.command, ...server.args].join(" ");
  return (
    `Could not start the c360 language server (\`${commandLine}\`): ${errorText(error)}. ` +
    "Install c360 so that `c360` is on PATH, or set `c360.server.path` to the executable."
  );
}

/** The name of the read-only document that shows a file's SQL, e.g. `orders.duckdb.sql`. */
export function compiledSqlDocumentName(fileUri: string, dialect: Dialect): string {
  const withoutQuery = fileUri.split(/[?#]/, 1)[0] ?? fileUri;
  // The last segment of the path; an untitled URI (`untitled:Untitled-1`) has no slash.
  const segments = withoutQuery.split(/[/:]/);
  let base = "untitled";
  for (let i = segments.length - 1; i >= 0; i -= 1) {
    const segment = segments[i];
    if (segment !== undefined && segment !== "") {
      base = safeDecode(segment);
      break;
    }
  }
  base = base.replace(/\.c360$/i, "");
  return `${base}.${dialect}.sql`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message;
  }
  return String(error);
}
