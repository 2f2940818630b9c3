# Shared by the npm entry scripts: install and build only what is missing or stale.
# Everything it installs lives in the project (node_modules, dist, .cache), so it is idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ensure_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt 20 ]; then
    echo "PATT Guild Sync needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
    exit 1
  fi
}

ensure_deps() {
  local stamp=node_modules/.patt-installed
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    echo "==> installing dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

ensure_build() {
  local stamp=dist/.patt-built
  if [ ! -f "$stamp" ] || [ -n "$(find . \( -path ./node_modules -o -path ./dist -o -path ./.data -o -path ./.cache -o -path ./.git \) -prune -o \( -name '*.ts' -o -name 'package-lock.json' -o -name 'tsconfig*.json' \) -newer "$stamp" -print -quit)" ]; then
    echo "==> building (tsc + workflow bundle)"
    npm run --silent build
    touch "$stamp"
  fi
}

# WoW's Lua (5.1) runs the addon for real in the tests and the demo. Debian packages it as lua5.1;
# install it when we may (root with apt-get), else say what to install. LUA_BIN overrides.
ensure_lua() {
  local lua="${LUA_BIN:-lua5.1}"
  if command -v "$lua" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing lua5.1 (apt-get)"
    apt-get install -y -qq lua5.1 >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq lua5.1 >/dev/null; }
  fi
  if ! command -v "$lua" >/dev/null 2>&1; then
    echo "Lua 5.1 is needed to run the PATTSync addon (tests, demo): install it (Debian/Ubuntu: apt-get install lua5.1; macOS: brew install lua@5.1), or set LUA_BIN." >&2
    return 1
  fi
}
