#!/usr/bin/env bash
# A narrated walk through Cairn on one machine, with no network: create a repo,
# publish a package with build metadata, inspect it, verify it, get it back,
# add a second signer with a 2-of-2 policy, and follow a provenance chain.
# Everything happens in a temporary directory that is removed at the end
# (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-walkthrough.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

go build -o "$work/cairn" ./cmd/cairn
export PATH="$work:$PATH" CAIRN_REPO="$work/repo"

say "1. Create a repo: config, trust policy, badger store and an Ed25519 signing key"
run cairn init

say "2. Something to publish: a small WebAssembly-like artifact and its build metadata"
printf '\0asm\1\0\0\0hello from cairn\n' > "$work/hello.wasm"
cat > "$work/build.toml" <<'TOML'
[source]
repository = "https://example.com/acme/hello.git"
commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"

[license]
expression = "Apache-2.0 OR MIT"

[build]
environment = "sha256:4c5d1a5e8b0f7c3a2e9d6b1f0a8c7e5d3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e"
builder = "https://example.com/ci/runner@v2"

[distribution]
permissions = "public"
TOML
run cat "$work/build.toml"

say "3. Publish: import (UnixFS, unixfs-v1-2025), package node, metadata set, signature — one transaction"
run cairn publish "$work/hello.wasm" --name acme/hello --version 1.2.0 --meta "$work/build.toml"

say "4. Inspect: layers, metadata entries, signatures and their verdicts"
run cairn inspect acme/hello@1.2.0

say "5. Verify against the trust policy (exit 0 only when trusted)"
run cairn verify acme/hello@1.2.0

say "6. Get the bytes back, checked block by block and against the recorded SHA-256"
run cairn get acme/hello@1.2.0 -o "$work/hello.out.wasm"
run cmp "$work/hello.wasm" "$work/hello.out.wasm" && echo "identical"

say "7. Require two signers: add a second key with a 2-of-2 threshold"
run cairn key gen release-2
run cairn trust add 'acme/*' "$(cairn key export release-2)" --threshold 2
run cairn trust ls
echo "verify now fails (exit 3), and says why:"
cairn verify acme/hello@1.2.0 || echo "(exit $?)"
# The first metadata set's CID, from inspect's JSON (CIDs appear as {"/": "..."}).
meta=$(cairn inspect acme/hello@1.2.0 --json | tr -d ' \n' | sed -E 's/.*"metadata":\[\{"cid":\{"\/":"([a-z0-9]+)".*/\1/')
run cairn sign "$meta" --key release-2
run cairn verify acme/hello@1.2.0

say "8. Provenance: an optimized build made from 1.2.0, signed by its own key"
printf '\0asm\1\0\0\0hello, optimized\n' > "$work/hello.opt.wasm"
run cairn key gen optimizer
run cairn trust add 'acme/hello-opt' "$(cairn key export optimizer)"
run cairn publish "$work/hello.opt.wasm" --name acme/hello-opt --version 1.2.0 \
    --input acme/hello@1.2.0 --key optimizer --role builder
run cairn verify acme/hello-opt@1.2.0

say "9. What the repo holds"
run cairn ls
run cairn repo stat
say "Done. Next: cairn --help, docs/, and README.md."
