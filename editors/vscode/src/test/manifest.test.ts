// Checks that the manifest, snippets and language configuration agree with the code and each other.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_SERVER_PATH, SHOW_COMPILED_SQL_COMMAND, initializationOptions } from "../config";

// Compiled to out/test/, two levels below the extension's root.
const root = path.resolve(__dirname, "..", "..");

function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(path.join(root, relative), "utf8"));
}

interface Manifest {
  engines: { vscode: string };
  main: string;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    snippets: { language: string; path: string }[];
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { default: unknown }> };
  };
}

const manifest = readJson("package.json") as Manifest;

describe("package.json", () => {
  it("declares the c360 language for .c360 files", () => {
    const language = manifest.contributes.languages.find((l) => l.id === "c360");
    assert.ok(language);
    assert.deepEqual(language.extensions, [".c360"]);
    assert.equal(language.configuration, "./language-configuration.json");
  });

  it("points the grammar at the copy of grammar/c360.tmLanguage.json", () => {
    const [grammar] = manifest.contributes.grammars;
    assert.deepEqual(grammar, {
      language: "c360",
      scopeName: "source.c360",
      path: "./syntaxes/c360.tmLanguage.json",
    });
    const source = readJson(path.join("..", "..", "grammar", "c360.tmLanguage.json")) as { scopeName: string };
    assert.equal(source.scopeName, "source.c360");
  });

  it("contributes the Show compiled SQL command", () => {
    assert.deepEqual(manifest.contributes.commands, [
      { command: SHOW_COMPILED_SQL_COMMAND, title: "Show compiled SQL", category: "c360" },
    ]);
  });

  it("tells the server about every command the extension registers itself", () => {
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.deepEqual(initializationOptions().clientCommands, contributed);
  });

  it("defaults the server path to the one the code falls back to", () => {
    const properties = manifest.contributes.configuration.properties;
    assert.equal(properties["c360.server.path"]?.default, DEFAULT_SERVER_PATH);
    assert.deepEqual(properties["c360.server.extraArgs"]?.default, []);
  });

  it("pins @types/vscode to the lowest engine it declares", () => {
    assert.equal(manifest.engines.vscode, `^${manifest.devDependencies["@types/vscode"]}`);
  });

  it("ships vscode-languageclient as a runtime dependency", () => {
    assert.ok(manifest.dependencies["vscode-languageclient"]);
    assert.equal(manifest.main, "./out/extension.js");
  });
});

describe("snippets", () => {
  it("offer one snippet per declaration and one for a feature", () => {
    const [entry] = manifest.contributes.snippets;
    assert.ok(entry);
    const snippets = readJson(entry.path) as Record<string, { prefix: string; body: string[] }>;
    const prefixes = Object.values(snippets).map((s) => s.prefix);
    assert.deepEqual(prefixes.sort(), ["entity", "feature", "features", "id_type", "source", "test", "training_set"]);
    for (const snippet of Object.values(snippets)) {
      const body = snippet.body.join("\n");
      if (snippet.prefix === "feature") {
        assert.match(body, /= \$\{2:orders\} \| where .* \| within .* \| \$\{6\|sum\(amount\),count\(\)/);
      } else {
        assert.ok(new RegExp(`^${snippet.prefix} `, "m").test(body), `${snippet.prefix} snippet: ${body}`);
      }
    }
  });
});

describe("language-configuration.json", () => {
  const configuration = readJson("language-configuration.json") as {
    comments: { lineComment: string; blockComment: [string, string] };
    autoClosingPairs: { open: string; close: string }[];
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    folding: { markers: { start: string; end: string } };
  };

  it("uses the language's comment syntax", () => {
    assert.equal(configuration.comments.lineComment, "//");
    assert.deepEqual(configuration.comments.blockComment, ["/*", "*/"]);
  });

  it("closes brackets and quotes", () => {
    const opens = configuration.autoClosingPairs.map((p) => p.open);
    for (const open of ["{", "[", "(", '"']) {
      assert.ok(opens.includes(open), open);
    }
  });

  it("indents after an open brace and outdents at a closing one", () => {
    const increase = new RegExp(configuration.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(configuration.indentationRules.decreaseIndentPattern);
    assert.ok(increase.test("source orders from \"shop.orders\" {"));
    assert.ok(increase.test("  given orders = [ // rows"));
    assert.ok(!increase.test("  ids = [user_id, email]"));
    assert.ok(!increase.test("// a comment {"));
    assert.ok(decrease.test("  }"));
    assert.ok(!decrease.test("  total = orders | count()"));
  });

  it("folds between region markers", () => {
    assert.ok(new RegExp(configuration.folding.markers.start).test("  // #region identity"));
    assert.ok(new RegExp(configuration.folding.markers.end).test("  // #endregion"));
  });
});
