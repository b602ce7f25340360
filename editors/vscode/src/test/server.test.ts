// Talks to a real `c360 lsp` the way the extension does: the command line built from the settings,
// then the initialize handshake and the `c360/compiledSql` request of "Show compiled SQL".
// Runs when C360_SERVER names the c360 executable (ci.sh sets it when one is built); skipped otherwise.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from "vscode-jsonrpc/node";
import {
  COMPILED_SQL_METHOD,
  CompiledSqlParams,
  compiledSqlErrorMessage,
  isMethodNotFound,
  parseCompiledSqlResult,
  resolveServerCommand,
} from "../config";

const serverPath = process.env["C360_SERVER"];
const project = path.resolve(__dirname, "..", "..", "..", "..", "examples", "ecommerce");
const skip =
  serverPath === undefined || serverPath === ""
    ? "set C360_SERVER to the c360 executable to run this test"
    : !existsSync(path.join(project, "c360.toml"))
      ? `no example project at ${project}`
      : false;

describe("c360 lsp", { skip }, () => {
  let child: ChildProcess;
  let connection: MessageConnection;
  const stderr: string[] = [];

  before(async () => {
    const server = resolveServerCommand(serverPath, [], { workspaceFolder: project });
    assert.deepEqual(server.warnings, []);
    child = spawn(server.command, server.args, { cwd: project, stdio: ["pipe", "pipe", "pipe"] });
    child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    // A server that cannot start or dies early fails the test at once instead of leaving a request hanging.
    const died = new Promise<never>((_, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) =>
        reject(new Error(`c360 lsp exited (code ${code}, signal ${signal}): ${stderr.join("")}`)),
      );
    });
    died.catch(() => undefined);
    if (child.stdout === null || child.stdin === null) {
      throw new Error("the server was spawned without pipes");
    }
    connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.listen();
    const rootUri = pathToFileURL(project).toString();
    const result = await Promise.race([
      died,
      connection.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", {
        processId: process.pid,
        rootUri,
        workspaceFolders: [{ uri: rootUri, name: "ecommerce" }],
        capabilities: {},
      }),
    ]);
    assert.equal(typeof result.capabilities, "object");
    await connection.sendNotification("initialized", {});
  });

  after(async () => {
    if (connection !== undefined && child.exitCode === null) {
      await connection.sendRequest("shutdown");
      await connection.sendNotification("exit");
      connection.dispose();
    }
    child?.kill();
  });

  it("answers Show compiled SQL with SQL, or with an error the extension explains", async () => {
    const file = path.join(project, "features.c360");
    const uri = pathToFileURL(file).toString();
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "c360", version: 1, text: readFileSync(file, "utf8") },
    });
    const params: CompiledSqlParams = { uri, dialect: "duckdb" };
    try {
      const result: unknown = await connection.sendRequest(COMPILED_SQL_METHOD, params);
      const parsed = parseCompiledSqlResult(result);
      assert.ok("sql" in parsed, `unexpected response ${JSON.stringify(result)}`);
      assert.match(parsed.sql, /select/i);
    } catch (error: unknown) {
      if (error instanceof assert.AssertionError) {
        throw error;
      }
      // Until the server implements the request, it must say "method not found", which the extension explains.
      assert.ok(isMethodNotFound(error), `unexpected error ${String(error)}; server stderr: ${stderr.join("")}`);
      assert.match(compiledSqlErrorMessage(error), /does not support “Show compiled SQL”/);
    }
  });
});
