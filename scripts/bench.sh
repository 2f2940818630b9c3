#!/usr/bin/env bash
# `npm run bench -- <name>`: benchmarks against the stand-ins, figures printed as key=value lines.
source "$(dirname "$0")/lib.sh"
ensure_node
ensure_deps
ensure_build
exec node dist/bench/index.js "$@"
