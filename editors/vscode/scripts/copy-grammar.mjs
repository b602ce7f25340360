// Copies the TextMate grammar from grammar/ (its source of truth) into the extension.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, "..", "..", "grammar", "c360.tmLanguage.json");
const target = join(root, "syntaxes", "c360.tmLanguage.json");

// Fail here, with the file named, rather than ship a grammar VS Code cannot load.
JSON.parse(readFileSync(source, "utf8"));
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
console.log(`copied ${source} -> ${target}`);
