#!/usr/bin/env bash
# Install the pinned Claude Code CLI (npm @anthropic-ai/claude-code) for the e2e suite.
#
# The version lives in ONE place: tests/e2e/CLAUDE_CODE_VERSION. To bump it, edit that file.
# The client goes to .cache/claude-code/<version>/ (git-ignored) and is reused when present.
# On success the absolute path of the native `claude` binary is the only line on stdout;
# progress and errors go to stderr.
#
#   scripts/install-claude-code.sh            # install if missing, print the binary path
#   CLAUDE_CODE_CACHE=/some/dir scripts/...   # another cache root
#
# How the package is built (2.x): the wrapper package has a postinstall (install.cjs) that copies
# the binary of the matching optionalDependency (@anthropic-ai/claude-code-linux-x64, ~400 MB)
# over bin/claude.exe. We install with --ignore-scripts and use the platform package's binary
# directly, so npm's install-script policies and the wrapper's `engines: node>=22` do not matter.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(tr -d '[:space:]' < "$here/tests/e2e/CLAUDE_CODE_VERSION")"
cache_root="${CLAUDE_CODE_CACHE:-$here/.cache/claude-code}"
dest="$cache_root/$version"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)  plat=linux-x64 ;;
  Linux-aarch64) plat=linux-arm64 ;;
  Darwin-x86_64) plat=darwin-x64 ;;
  Darwin-arm64)  plat=darwin-arm64 ;;
  *) echo "install-claude-code: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 2 ;;
esac
# musl (Alpine) ships its own build.
if [ "$plat" = linux-x64 ] || [ "$plat" = linux-arm64 ]; then
  if ldd --version 2>&1 | grep -qi musl; then plat="$plat-musl"; fi
fi
bin="$dest/node_modules/@anthropic-ai/claude-code-$plat/claude"

works() { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "^$version "; }

if works; then
  echo "$bin"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-claude-code: npm is not installed; install Node.js + npm (e.g. apt-get install -y npm)" >&2
  exit 3
fi

echo "install-claude-code: installing @anthropic-ai/claude-code@$version into $dest" >&2
start=$(date +%s)
tmp="$cache_root/.tmp-$version-$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# A fresh prefix so a half-finished install never looks complete: built in $tmp, then renamed.
(
  cd "$tmp"
  echo '{"name":"cbcfg-e2e-claude-code","private":true}' > package.json
  # npm's own cache is a throwaway folder (never the user's ~/.npm; 180 MB we do not keep).
  npm install --cache "$tmp/.npm-cache" --no-audit --no-fund --no-update-notifier --ignore-scripts --include=optional \
    --engine-strict=false --loglevel=error "@anthropic-ai/claude-code@$version" >&2
)
tbin="$tmp/node_modules/@anthropic-ai/claude-code-$plat/claude"
if [ ! -x "$tbin" ]; then
  echo "install-claude-code: npm finished but $tbin is missing (optional dependency not installed?)" >&2
  exit 4
fi
rm -rf "$tmp/.npm-cache" "$dest"
mv "$tmp" "$dest"
trap - EXIT
if ! works; then
  echo "install-claude-code: $bin does not report version $version" >&2
  exit 5
fi
echo "install-claude-code: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
