#!/usr/bin/env bash
# CI: a real keyring backend for the key-store tests (tests/support/secret_service.py starts it):
# gnome-keyring's Secret Service on a private D-Bus session bus. Debian/Ubuntu packages:
#   dbus           dbus-daemon, the session bus
#   gnome-keyring  gnome-keyring-daemon --unlock (the password on stdin), the Secret Service
#   libsecret-tools secret-tool, which the tests use to read an entry back as another program would
# Without them the keyring tests skip on a developer machine and fail under CI=true.
set -euo pipefail

packages=(dbus gnome-keyring libsecret-tools)
missing=()
for tool in dbus-daemon gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "ci-keyring: Secret Service tools present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-keyring: no apt-get here; install ${packages[*]} (missing: ${missing[*]})" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q "${packages[@]}"
echo "ci-keyring: installed ${packages[*]}"
