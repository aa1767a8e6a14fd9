#!/usr/bin/env bash
# The Debian packages the test suite drives, installed when missing (CI runs on a fresh machine):
#   tmux            the interactive Claude Code client (gateway sign-in, tests/e2e/test_login.py)
#   dbus            dbus-daemon, a private session bus for the keyring tests
#   gnome-keyring   gnome-keyring-daemon --unlock (the password on stdin): a real Secret Service
#   libsecret-tools secret-tool, which reads a keyring entry back as another program would
# tests/support/secret_service.py starts the Secret Service. Without these, the tests that need
# them skip on a developer machine and fail under CI=true.
set -euo pipefail

declare -A package_of=(
  [tmux]=tmux [dbus-daemon]=dbus [gnome-keyring-daemon]=gnome-keyring [secret-tool]=libsecret-tools
)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-test-packages: all present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-packages: no apt-get here; install ${missing[*]}" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null
"${sudo[@]}" apt-get install -y -q "${missing[@]}" >/dev/null
echo "install-test-packages: installed ${missing[*]}"
