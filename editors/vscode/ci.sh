#!/usr/bin/env bash
# Builds, tests and packages the VS Code extension from a clean checkout; exits non-zero on any failure.
set -Eeuo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

step="setup"
trap 'echo "editors/vscode/ci.sh: FAILED during: ${step}" >&2' ERR

run() {
  step="$*"
  local started=$SECONDS
  echo "==> ${step}"
  "$@"
  echo "<== ${step} ($((SECONDS - started)) s)"
}

node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
  echo "editors/vscode/ci.sh: Node.js 20 or newer is needed, found $(node --version)" >&2
  exit 1
fi

# The protocol test in `npm test` runs against a built c360 when there is one (.ci/run builds it first).
if [[ -z "${C360_SERVER:-}" ]]; then
  candidate="${CARGO_TARGET_DIR:-../../target}/debug/c360"
  if [[ -x "${candidate}" ]]; then
    export C360_SERVER
    C360_SERVER=$(cd "$(dirname "${candidate}")" && pwd)/c360
  fi
fi
echo "editors/vscode/ci.sh: language server for the protocol test: ${C360_SERVER:-none (test skipped)}"

rm -f ./*.vsix
run npm ci --no-audit --no-fund
run npm run compile
run npm test
run npx --no-install vsce package

vsix=$(ls ./*.vsix)
unpacked=$(mktemp -d)
trap 'rm -rf "${unpacked}"' EXIT
run python3 -m zipfile -e "${vsix}" "${unpacked}"
run node scripts/smoke-vsix.cjs "${unpacked}/extension"
echo "editors/vscode/ci.sh: OK, packaged ${vsix#./}"
