#!/usr/bin/env bash
# `npm run addon:demo`: the PATTSync addon, run for real in Lua 5.1, writes the demo export.
source "$(dirname "$0")/lib.sh"
ensure_node
ensure_deps
ensure_lua
ensure_build
exec node dist/scripts/addonDemo.js "$@"
