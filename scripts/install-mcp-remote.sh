#!/usr/bin/env bash
# Install the pinned mcp-remote stdio bridge (npm mcp-remote) for the Desktop bridge test.
#
# The version lives in ONE place: tests/e2e/MCP_REMOTE_VERSION (the entry cbcfg writes pins the
# same minor, desired.MCP_REMOTE_PACKAGE). It goes to .cache/mcp-remote/<version>/ (git-ignored)
# and is reused when present. On success the absolute path of its proxy script (what the
# `mcp-remote` bin runs: `node <path> <url> …`) is the only line on stdout; the rest goes to stderr.
#
#   scripts/install-mcp-remote.sh            # install if missing, print the proxy path
#   MCP_REMOTE_CACHE=/some/dir scripts/...   # another cache root
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(tr -d '[:space:]' < "$here/tests/e2e/MCP_REMOTE_VERSION")"
cache_root="${MCP_REMOTE_CACHE:-$here/.cache/mcp-remote}"
dest="$cache_root/$version"
pkg="$dest/node_modules/mcp-remote"

proxy() {  # the file the package's `mcp-remote` bin points at
  node -e 'const p=require(process.argv[1]); const b=typeof p.bin==="string"?p.bin:p.bin["mcp-remote"]; console.log(require("path").join(require("path").dirname(process.argv[1]),b))' "$pkg/package.json"
}
works() { [ -f "$pkg/package.json" ] && grep -q "\"version\": \"$version\"" "$pkg/package.json" && [ -f "$(proxy)" ]; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-mcp-remote: node and npm are not installed; install Node.js 18+ and npm" >&2
  exit 3
fi
if works; then
  proxy
  exit 0
fi

echo "install-mcp-remote: installing mcp-remote@$version into $dest" >&2
tmp="$cache_root/.tmp-$version-$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
(
  cd "$tmp"
  echo '{"name":"cbcfg-e2e-mcp-remote","private":true}' > package.json
  npm install --cache "$tmp/.npm-cache" --no-audit --no-fund --no-update-notifier --ignore-scripts \
    --loglevel=error "mcp-remote@$version" >&2
)
rm -rf "$tmp/.npm-cache" "$dest"
mv "$tmp" "$dest"
trap - EXIT
if ! works; then
  echo "install-mcp-remote: npm finished but $pkg is not mcp-remote $version" >&2
  exit 5
fi
proxy
