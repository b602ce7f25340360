// Loads the extension unpacked from a .vsix, with a stand-in for the `vscode` module (which only
// VS Code provides), to prove that every runtime dependency, vscode-languageclient included, is packaged.
"use strict";
const Module = require("node:module");
const path = require("node:path");

const extensionDir = path.resolve(process.argv[2] ?? "");
const handler = {
  get: (target, property) => {
    if (property === "__esModule") {
      return false;
    }
    if (!(property in target)) {
      target[property] = new Proxy(function stub() {}, handler);
    }
    return target[property];
  },
  construct: () => new Proxy({}, handler),
  apply: () => new Proxy(function stub() {}, handler),
};
const vscodeStub = new Proxy(function stub() {}, handler);

// Resolve nothing from outside the unpacked extension: a dependency missing from the .vsix must fail here.
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveInsideExtension(request, parent, ...rest) {
  if (request === "vscode") {
    return "vscode";
  }
  const resolved = resolve.call(this, request, parent, ...rest);
  if (path.isAbsolute(resolved) && !resolved.startsWith(extensionDir + path.sep)) {
    throw new Error(`${request} resolved outside the packaged extension: ${resolved}`);
  }
  return resolved;
};
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscodeStub };

const extension = require(path.join(extensionDir, "out", "extension.js"));
for (const name of ["activate", "deactivate"]) {
  if (typeof extension[name] !== "function") {
    throw new Error(`the packaged extension does not export ${name}()`);
  }
}
require(require.resolve("vscode-languageclient/node", { paths: [path.join(extensionDir, "out")] }));
console.log(`smoke-vsix: the packaged extension and vscode-languageclient load from ${extensionDir}`);
