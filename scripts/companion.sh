#!/usr/bin/env bash
# `npm run companion`: the uploader that carries PATTSync exports from this PC to the API.
source "$(dirname "$0")/lib.sh"
ensure_node
ensure_deps
ensure_build
exec node dist/companion/main.js "$@"
