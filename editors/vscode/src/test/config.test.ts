// Unit tests of the extension's logic that needs no VS Code runtime.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
  COMPILED_SQL_METHOD,
  DIALECTS,
  SHOW_COMPILED_SQL_COMMAND,
  compiledSqlDocumentName,
  compiledSqlErrorMessage,
  initializationOptions,
  isDialect,
  isMethodNotFound,
  parseCompiledSqlResult,
  resolveServerCommand,
  startFailureMessage,
} from "../config";

const folder = path.resolve("/work/project");
const home = path.resolve("/home/ada");

describe("resolveServerCommand", () => {
  it("defaults to `c360 lsp` from PATH", () => {
    assert.deepEqual(resolveServerCommand(undefined, undefined), { command: "c360", args: ["lsp"], warnings: [] });
  });

  it("treats an empty or blank path as the default", () => {
    assert.equal(resolveServerCommand("", []).command, "c360");
    assert.equal(resolveServerCommand("   ", []).command, "c360");
  });

  it("keeps a bare name for the PATH lookup, even with a folder open", () => {
    const server = resolveServerCommand("c360-nightly", [], { workspaceFolder: folder });
    assert.equal(server.command, "c360-nightly");
  });

  it("keeps an absolute path", () => {
    const absolute = path.resolve("/opt/c360/bin/c360");
    assert.equal(resolveServerCommand(absolute, []).command, absolute);
  });

  it("resolves a relative path against the workspace folder", () => {
    const server = resolveServerCommand("./target/debug/c360", [], { workspaceFolder: folder });
    assert.equal(server.command, path.join(folder, "target", "debug", "c360"));
    assert.deepEqual(server.warnings, []);
  });

  it("warns when a relative path has no folder to resolve against", () => {
    const server = resolveServerCommand("bin/c360", []);
    assert.equal(server.command, "bin/c360");
    assert.equal(server.warnings.length, 1);
    assert.match(server.warnings[0] ?? "", /relative path/);
  });

  it("expands ~ to the home directory", () => {
    const server = resolveServerCommand("~/.cargo/bin/c360", [], { homeDir: home });
    assert.equal(server.command, path.join(home, ".cargo", "bin", "c360"));
  });

  it("appends the extra arguments after `lsp`", () => {
    const server = resolveServerCommand("c360", ["--log", "debug"]);
    assert.deepEqual(server.args, ["lsp", "--log", "debug"]);
  });

  it("ignores non-string extra arguments with a warning naming them", () => {
    const server = resolveServerCommand("c360", ["--verbose", 3, null]);
    assert.deepEqual(server.args, ["lsp", "--verbose"]);
    assert.deepEqual(server.warnings, [
      "`c360.server.extraArgs[1]` is not a string and was ignored.",
      "`c360.server.extraArgs[2]` is not a string and was ignored.",
    ]);
  });

  it("ignores extra arguments that are not an array", () => {
    const server = resolveServerCommand("c360", "--verbose");
    assert.deepEqual(server.args, ["lsp"]);
    assert.equal(server.warnings.length, 1);
  });

  it("falls back to the default for a path that is not a string", () => {
    const server = resolveServerCommand(42, []);
    assert.equal(server.command, "c360");
    assert.equal(server.warnings.length, 1);
  });
});

describe("dialects", () => {
  it("offers the six dialects in order", () => {
    assert.deepEqual([...DIALECTS], ["duckdb", "postgres", "snowflake", "bigquery", "redshift", "databricks"]);
  });

  it("recognises only those dialects", () => {
    assert.equal(isDialect("snowflake"), true);
    assert.equal(isDialect("Snowflake"), false);
    assert.equal(isDialect("mysql"), false);
    assert.equal(isDialect(undefined), false);
  });
});

describe("c360/compiledSql", () => {
  it("uses the documented method name", () => {
    assert.equal(COMPILED_SQL_METHOD, "c360/compiledSql");
  });

  it("reads the sql string out of the response", () => {
    assert.deepEqual(parseCompiledSqlResult({ sql: "select 1;\n" }), { sql: "select 1;\n" });
    assert.deepEqual(parseCompiledSqlResult({ sql: "" }), { sql: "" });
  });

  it("rejects malformed responses", () => {
    for (const bad of [null, undefined, "select 1", { sql: 1 }, { text: "select 1" }]) {
      assert.ok("error" in parseCompiledSqlResult(bad), `accepted ${JSON.stringify(bad)}`);
    }
  });

  it("explains a server without the request", () => {
    const notFound = { code: -32601, message: "Unhandled method c360/compiledSql" };
    assert.equal(isMethodNotFound(notFound), true);
    const message = compiledSqlErrorMessage(notFound);
    assert.match(message, /does not support “Show compiled SQL”/);
    assert.match(message, /c360\/compiledSql/);
  });

  it("passes other errors through with their message", () => {
    const failure = { code: -32603, message: "unknown source `orderz`" };
    assert.equal(isMethodNotFound(failure), false);
    assert.equal(compiledSqlErrorMessage(failure), "c360 could not compile this file to SQL: unknown source `orderz`");
    assert.equal(compiledSqlErrorMessage(new Error("boom")), "c360 could not compile this file to SQL: boom");
  });

  it("asks the server not to advertise the command the extension registers", () => {
    assert.equal(SHOW_COMPILED_SQL_COMMAND, "c360.showCompiledSql");
    assert.deepEqual(initializationOptions(), { clientCommands: ["c360.showCompiledSql"] });
  });

  it("names the SQL document after the file and dialect", () => {
    assert.equal(compiledSqlDocumentName("file:///p/features.c360", "duckdb"), "features.duckdb.sql");
    assert.equal(compiledSqlDocumentName("file:///p/my%20file.c360", "bigquery"), "my file.bigquery.sql");
    assert.equal(compiledSqlDocumentName("untitled:Untitled-1", "postgres"), "Untitled-1.postgres.sql");
    assert.equal(compiledSqlDocumentName("file:///p/bad%E0.c360?x=1", "redshift"), "bad%E0.redshift.sql");
  });
});

describe("startFailureMessage", () => {
  it("names the command line and the setting", () => {
    const server = resolveServerCommand("c360", ["--log", "debug"]);
    const message = startFailureMessage(server, new Error("spawn c360 ENOENT"));
    assert.match(message, /`c360 lsp --log debug`/);
    assert.match(message, /spawn c360 ENOENT/);
    assert.match(message, /c360\.server\.path/);
  });
});
