#!/usr/bin/env bash
# Runs schemathesis (PyPI, pinned) against the OpenAPI document of an API on this machine.
#   fuzz/schemathesis.sh http://127.0.0.1:<port> [st run options…]
# The first run installs schemathesis into a venv under .cache/ (python3 -m venv + pip).
set -euo pipefail

VERSION=4.32.5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.cache/schemathesis-$VERSION"

base=${1:-}
shift || true
# Only ever aimed at a local API: a typo must not fuzz a live server.
if [[ ! "$base" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]; then
  echo "fuzz: the API address must be http://127.0.0.1:<port> (got '${base}'): schemathesis only sends traffic to this machine" >&2
  exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "fuzz: python3 is not installed; install it (apt-get install python3 python3-venv) to run schemathesis" >&2
  exit 3
fi

# A marker written last: an install cut halfway is redone, not trusted.
if [[ ! -f "$VENV/.installed" ]]; then
  echo "fuzz: installing schemathesis $VERSION into ${VENV#"$ROOT"/} (once)" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
  touch "$VENV/.installed"
fi

# Hypothesis keeps its example database in the working directory: under .cache/, not the repo root.
mkdir -p "$ROOT/.cache/fuzz"
cd "$ROOT/.cache/fuzz"
exec "$VENV/bin/st" run "$base/api/docs/openapi.json" --url "$base" "$@"
