#!/usr/bin/env bash
# npm run fuzz: the full schemathesis run over the whole OpenAPI document (every phase, many
# examples per operation) against the API on the test stack, through jest's global setup
# (PostgreSQL and Temporal). Extra options: PATT_FUZZ_MAX_EXAMPLES, PATT_FUZZ_LIMIT_MS.
# The outcome and schemathesis' own output land in .cache/fuzz/full/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATT_FUZZ_FULL=1
export PATT_TEST_ID=${PATT_TEST_ID:-fuzz}
exec npx jest --runTestsByPath fuzz/schemathesis.test.ts "$@"
