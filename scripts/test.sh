#!/usr/bin/env bash
# `npm test`: type-check everything (tests included), build (the worker-crash test runs the real
# worker from dist/), then the whole jest suite on real PostgreSQL and a real Temporal dev server.
source "$(dirname "$0")/lib.sh"
ensure_node
ensure_deps
echo "==> type-checking"
npx tsc -p tsconfig.json --noEmit
ensure_build
echo "==> jest"
exec npx jest "$@"
