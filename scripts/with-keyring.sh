#!/usr/bin/env bash
# Runs a command inside its own D-Bus session with an unlocked gnome-keyring (the Secret Service), on a
# throw-away HOME, so keychain tests use a real OS keychain and never touch the user's own.
#   scripts/with-keyring.sh npx vitest run --project node test/integration/keychain-*.test.ts
# Needs: apt-get install -y --no-install-recommends gnome-keyring dbus-x11 (ENV-NOTES §5).
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-keyring.sh COMMAND [ARGS...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: $tool is missing; install it with: apt-get install -y --no-install-recommends gnome-keyring dbus-x11" >&2
    exit 127
  fi
done
KEYRING_HOME=$(mktemp -d -t baleen-keyring.XXXXXX)
cleanup() { rm -rf "$KEYRING_HOME"; }
trap cleanup EXIT
export KEYRING_HOME
# The inner shell sees the command as "$@"; dbus-run-session ends the bus and the daemon with it.
dbus-run-session -- bash -c '
  set -euo pipefail
  export HOME="$KEYRING_HOME" XDG_DATA_HOME="$KEYRING_HOME/.local/share" XDG_RUNTIME_DIR="$KEYRING_HOME/run"
  mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  eval "$(printf %s "baleen-test-keyring" | gnome-keyring-daemon --unlock --components=secrets)"
  export BALEEN_KEYRING_UP=1
  "$@"
' with-keyring "$@" 2> >(grep -v "Failed to set fd limit" >&2)
