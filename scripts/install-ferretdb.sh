#!/usr/bin/env bash
# Builds FerretDB (a real MongoDB-wire-compatible server, SQLite backend) for the integration tests and
# caches the binary, so reruns skip the build. Plain `go install` is not enough: FerretDB embeds
# build/version/version.txt, which is empty in the module source and makes the binary panic at start.
set -euo pipefail
VERSION=v1.24.2
CACHE="${BALEEN_CACHE_DIR:-$HOME/.cache/baleen}/bin"
BIN="$CACHE/ferretdb-$VERSION"
if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "ferretdb $VERSION: cached at $BIN"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "ferretdb: Go is not installed; FerretDB suites will fail. Install Go, or set FERRETDB_BIN to a FerretDB binary." >&2
  exit 1
fi
mkdir -p "$CACHE"
start=$(date +%s)
export GOFLAGS=-mod=mod
SRC=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -r "$SRC/." "$WORK/"
chmod -R u+w "$WORK"
echo "$VERSION" > "$WORK/build/version/version.txt"
echo "baleen-test" > "$WORK/build/version/package.txt"
(cd "$WORK" && go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb)
mv "$BIN.tmp" "$BIN"
"$BIN" --version | head -3
echo "ferretdb $VERSION built in $(( $(date +%s) - start ))s → $BIN"
