#!/usr/bin/env bash
# `npm test`: type-check everything (tests included), build (the worker-crash test runs the real
# worker from dist/), then the whole jest suite on real PostgreSQL and a real Temporal dev server.
source "$(dirname "$0")/lib.sh"
ensure_node
ensure_deps
ensure_lua
echo "==> type-checking"
npx tsc -p tsconfig.json --noEmit
ensure_build
echo "==> jest"
results=.data/test/jest-results.json
mkdir -p "$(dirname "$results")"
rm -f "$results"
status=0
npx jest --json --outputFile="$results" "$@" || status=$?
# One plain closing line that any CI reader understands, e.g. "tests: 250 passed, 0 failed".
if [ -f "$results" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$ROOT/$results"
fi
exit $status
