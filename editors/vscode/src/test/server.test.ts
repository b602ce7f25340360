// Talks to a real `c360 lsp` the way the extension does: the command line built from the settings,
// the initialize handshake with the extension's options, and the `c360/compiledSql` request of
// "Show compiled SQL".
//
// Needs C360_SERVER, the c360 executable (ci.sh finds a built one). Without it the test fails,
// unless C360_SKIP_SERVER_TEST=1 says to skip it (for a checkout without a Rust build).
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
  SHOW_COMPILED_SQL_COMMAND,
  compiledSqlErrorMessage,
  initializationOptions,
  isMethodNotFound,
  parseCompiledSqlResult,
  resolveServerCommand,
} from "../config";

const serverPath = process.env["C360_SERVER"] ?? "";
const skipRequested = process.env["C360_SKIP_SERVER_TEST"] === "1";
const project = path.resolve(__dirname, "..", "..", "..", "..", "examples", "ecommerce");
const skip = skipRequested && serverPath === "" ? "C360_SKIP_SERVER_TEST=1" : false;

/** A started server with an open connection, and what it wrote to stderr. */
interface Server {
  child: ChildProcess;
  connection: MessageConnection;
  stderr: string[];
  capabilities: Record<string, unknown>;
}

async function startServer(options: unknown): Promise<Server> {
  const server = resolveServerCommand(serverPath, [], { workspaceFolder: project });
  assert.deepEqual(server.warnings, []);
  const child = spawn(server.command, server.args, { cwd: project, stdio: ["pipe", "pipe", "pipe"] });
  const stderr: string[] = [];
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
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.listen();
  const rootUri = pathToFileURL(project).toString();
  const result = await Promise.race([
    died,
    connection.sendRequest<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "ecommerce" }],
      capabilities: {},
      initializationOptions: options,
    }),
  ]);
  await connection.sendNotification("initialized", {});
  return { child, connection, stderr, capabilities: result.capabilities };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (server === undefined) {
    return;
  }
  if (server.child.exitCode === null) {
    await server.connection.sendRequest("shutdown");
    await server.connection.sendNotification("exit");
    server.connection.dispose();
  }
  server.child.kill();
}

describe("c360 lsp", { skip }, () => {
  let server: Server | undefined;

  before(async () => {
    assert.ok(
      serverPath !== "",
      "C360_SERVER is not set: build c360 (`cargo build -p c360`) and set C360_SERVER to the executable " +
        "(ci.sh finds it in the target directory), or set C360_SKIP_SERVER_TEST=1 to skip this test",
    );
    assert.ok(existsSync(serverPath), `C360_SERVER=${serverPath} does not exist`);
    assert.ok(existsSync(path.join(project, "c360.toml")), `no example project at ${project}`);
    server = await startServer(initializationOptions());
  });

  after(async () => {
    await stopServer(server);
  });

  it("leaves the command the extension registers out of executeCommandProvider", () => {
    const provider = server?.capabilities["executeCommandProvider"] as { commands?: string[] } | undefined;
    assert.ok(!(provider?.commands ?? []).includes(SHOW_COMPILED_SQL_COMMAND), JSON.stringify(provider));
  });

  it("answers Show compiled SQL with the project's SQL", async () => {
    assert.ok(server);
    const file = path.join(project, "features.c360");
    const uri = pathToFileURL(file).toString();
    await server.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "c360", version: 1, text: readFileSync(file, "utf8") },
    });
    const params: CompiledSqlParams = { uri, dialect: "snowflake" };
    const result: unknown = await server.connection.sendRequest(COMPILED_SQL_METHOD, params);
    const parsed = parseCompiledSqlResult(result);
    assert.ok("sql" in parsed, `unexpected response ${JSON.stringify(result)}; stderr: ${server.stderr.join("")}`);
    assert.match(parsed.sql, /^-- file: /);
    assert.match(parsed.sql, /CREATE OR REPLACE/);
  });

  it("reports a request it cannot answer with a message the extension shows", async () => {
    assert.ok(server);
    const uri = pathToFileURL(path.join(project, "features.c360")).toString();
    await assert.rejects(
      server.connection.sendRequest(COMPILED_SQL_METHOD, { uri, dialect: "snowflak" }),
      (error: unknown) => {
        assert.equal(isMethodNotFound(error), false);
        assert.match(compiledSqlErrorMessage(error), /unknown dialect `snowflak`; did you mean `snowflake`\?/);
        return true;
      },
    );
  });
});

describe("c360 lsp without the extension's options", { skip }, () => {
  let server: Server | undefined;

  before(async () => {
    assert.ok(serverPath !== "", "C360_SERVER is not set (see above)");
    server = await startServer(undefined);
  });

  after(async () => {
    await stopServer(server);
  });

  it("offers the command to editors that do not register it themselves", () => {
    const provider = server?.capabilities["executeCommandProvider"] as { commands?: string[] } | undefined;
    assert.deepEqual(provider?.commands, [SHOW_COMPILED_SQL_COMMAND]);
  });
});
