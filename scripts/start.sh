#!/usr/bin/env bash
# `npm start`: install and build what is missing, then bring everything up (scripts/start.ts).
source "$(dirname "$0")/lib.sh"
ensure_node
ensure_deps
ensure_build
exec node dist/scripts/start.js "$@"
