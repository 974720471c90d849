#!/usr/bin/env bash
# Builds Kubo (go-ipfs) 0.43.1 from the Go module proxy for the interop tests
# and benchmarks, and prints the binary's path. Idempotent: a binary already
# built is reused. Kubo 0.43.1 pins a go-libp2p fork that the proxy does not
# serve, so the build drops that replace and uses go-libp2p v0.51.0.
#
#   IPFS_BIN=$(scripts/install-kubo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.43.1
dir=${KUBO_DIR:-$PWD/.cache/kubo-$version}
bin="$dir/ipfs"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$dir"
src=$(go mod download -json "github.com/ipfs/kubo@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
cd "$work"
sed -i '/^replace github.com\/libp2p\/go-libp2p =>/d' go.mod
go get github.com/libp2p/go-libp2p@v0.51.0 >&2
# With a cold module cache go.sum can lack entries the new versions need.
go build -o "$bin" ./cmd/ipfs >&2 || { go mod tidy >&2 && go build -o "$bin" ./cmd/ipfs >&2; }
echo "$bin"
