#!/usr/bin/env bash
# Refresh static/vendor/socket.io/ from the npm registry: the browser build of socket.io-client at
# the pinned version (4.x speaks Socket.IO protocol 5, the one python-socketio 5.x serves), with its
# licence. Usage: scripts/vendor-socketio.sh [VERSION]   (default: the version in VERSION)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/static/vendor/socket.io"
version="${1:-$(cat "$dest/VERSION" 2>/dev/null || echo 4.8.1)}"
case "$version" in 4.*) ;; *) echo "socket.io-client $version does not speak protocol 5; use 4.x" >&2; exit 1 ;; esac
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "socket.io-client@$version" >/dev/null)
tar -xzf "$tmp"/socket.io-client-*.tgz -C "$tmp"
mkdir -p "$dest"
cp "$tmp/package/dist/socket.io.min.js" "$dest/socket.io.min.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "$version" > "$dest/VERSION"
# The build's source map comment points at a file we do not ship.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/socket.io.min.js"
echo "static/vendor/socket.io: socket.io-client $version"
