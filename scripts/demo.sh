#!/usr/bin/env bash
# A narrated demo of mirroring: three organizations on one machine, on loopback.
#
#   A (acme)      publishes acme/app@1.0.0 with build metadata;
#   B (a mirror)  trusts acme's key for acme/*, mirrors acme/* and countersigns,
#                 so it keeps serving acme/app when acme is offline;
#   C (a user)    trusts acme's key, connects only to B, and gets acme/app from it.
#
# Then acme publishes 1.0.1 while the mirror is down, and the mirror catches up
# when it restarts. Every step is checked: the script exits non-zero on the
# first one that fails. Daemons listen on ports the OS chooses, with mDNS off;
# everything lives in a temporary directory, removed at the end with the
# daemons stopped, on failure or Ctrl-C too (KEEP=1 keeps the directory).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo.XXXXXX")
declare -A pid=() # repo name (a, b, c) -> daemon pid
cleanup() {
  local rc=$? r
  trap - EXIT INT TERM
  for r in "${!pid[@]}"; do stop "$r"; done
  if [ "$rc" != 0 ]; then
    for r in a b c; do
      [ -s "$work/$r.log" ] && { echo "--- daemon log of $r (last lines)"; tail -n 20 "$work/$r.log"; } >&2
    done
    echo "demo FAILED (exit $rc)" >&2
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# run ORG ARGS...: shows and runs `cairn ARGS` on ORG's repo.
run() {
  local r=$1 a line="$1\$ cairn"
  shift
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:@=+-]+$ ]]; then line+=" $a"; else line+=" '$a'"; fi
  done
  echo "$line"
  cairn --repo "$work/$r" "$@"
}
q() { local r=$1; shift; cairn --repo "$work/$r" "$@"; } # the same, quietly
die() { echo "error: $*" >&2; exit 1; }
bin=cairn # on PATH, built below
# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
# start ORG: shows the command and starts ORG's daemon (start_daemon).
start() {
  printf '%s$ cairn daemon --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 --gateway 127.0.0.1:0 --mdns=false &\n' "$1"
  start_daemon "$1"
  echo "daemon $1 running, pid ${pid[$1]}, peer $(q "$1" id --json | sed -n 's/.*"peerID": "\([^"]*\)".*/\1/p')"
}
stop() { stop_daemon "$1"; }

# addr ORG: the first full multiaddr (with /p2p/ID) of ORG's running daemon.
addr() { q "$1" id --json | tr -d ' \n' | sed -n 's/.*"addrs":\["\([^"]*\)".*/\1/p'; }
# until_pinned ORG VERSION: waits (15 s at most) until `versions` on ORG lists
# acme/app@VERSION as trusted and pinned; prints how long it took.
until_pinned() {
  local r=$1 v=$2 t0 i out
  t0=$(date +%s%N)
  for i in $(seq 300); do
    # One version per line, then the line of VERSION.
    out=$(q "$r" versions acme/app --json | tr -d ' \n' | sed 's/},{"version"/}\n{"version"/g')
    if grep "\"version\":\"$v\"," <<<"$out" | grep '"status":"trusted"' | grep -q '"pinned":true'; then
      echo "acme/app@$v is trusted and pinned on $r after $((($(date +%s%N) - t0) / 1000000)) ms"
      return
    fi
    sleep 0.05
  done
  q "$r" versions acme/app >&2 || true
  q "$r" mirror status >&2 || true
  die "acme/app@$v not pinned on $r within 15 s"
}

go build -o "$work/cairn" ./cmd/cairn
export PATH="$work:$PATH"
unset CAIRN_REPO
cd "$work" # so that the commands shown name files as app-1.0.0.wasm

say "1. Three repos: acme (a), a mirror (b), a consumer (c), each with its own signing key"
run a init
run b init
run c init
acme=$(q a key export default)
mirror=$(q b key export default)
echo "acme's key:   $acme"
echo "mirror's key: $mirror"

say "2. acme publishes acme/app@1.0.0 with build metadata (source commit, license)"
printf '\0asm\1\0\0\0acme app 1.0.0\n' >app-1.0.0.wasm
cat >build.toml <<'TOML'
[source]
repository = "https://example.com/acme/app.git"
commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"

[license]
expression = "Apache-2.0"
TOML
cat build.toml
start a
run a publish app-1.0.0.wasm --name acme/app --version 1.0.0 --meta build.toml

say "3. The mirror trusts acme's key for acme/*, mirrors acme/* with countersignatures, and connects to acme"
# Both before the daemon starts: a running daemon that already ignored acme's
# head (untrusted then) only looks again at the next head exchange, ~30 s.
run b trust add 'acme/*' "$acme"
run b mirror add 'acme/*' --countersign
start b
run b connect "$(addr a)"

say "4. Within seconds the mirror holds acme/app@1.0.0, pinned and verified"
until_pinned b 1.0.0
run b versions acme/app
run b verify acme/app@1.0.0
run b mirror status

say "5. The mirror's own log: its countersignature (role mirror) on acme's metadata"
run b log
# The entry for acme/app@1.0.0 and the signature it publishes, from the JSON
# (one entry per line; a link is {"/": "CID"}).
out=$(q b log --json | tr -d ' \n' | sed 's/},{"seq"/}\n{"seq"/g' | grep '"name":"acme/app","version":"1.0.0"') ||
  die "the mirror's log has no entry for acme/app@1.0.0"
entry=$(sed -n 's/.*"entry":{"\/":"\([a-z0-9]*\)"}.*/\1/p' <<<"$out")
sig=$(sed -n 's/.*"signatures":\[{"\/":"\([a-z0-9]*\)"}\].*/\1/p' <<<"$out")
run b inspect "$entry"
echo "the signature it publishes, as verify reports it on acme/app@1.0.0:"
out=$(q b verify acme/app@1.0.0)
grep "signature $sig  $mirror  role=mirror" <<<"$out" ||
  die "signature $sig in the mirror's log is not a countersignature (role mirror) by the mirror's key"

say "6. acme goes offline"
stop a
echo "acme's daemon stopped"

say "7. The consumer trusts acme's key (not the mirror's) and connects only to the mirror"
run c trust add 'acme/*' "$acme"
start c
run c connect "$(addr b)"
run c peers

say "8. The consumer resolves acme/app@1.0.0 from acme's log, as served by the mirror"
for i in $(seq 100); do
  out=$(q c versions acme/app --json | tr -d ' \n')
  grep -q '"version":"1.0.0","status":"trusted"' <<<"$out" && break
  [ "$i" = 100 ] && die "acme/app@1.0.0 does not resolve on c within 10 s"
  sleep 0.1
done
run c versions acme/app

say "9. ... fetches it from the mirror, verifies it against its own policy, and gets the file"
run c fetch acme/app@1.0.0 --timeout 20s
run c verify acme/app@1.0.0
run c get acme/app@1.0.0 -o app.out.wasm
echo '$ cmp app-1.0.0.wasm app.out.wasm'
cmp app-1.0.0.wasm app.out.wasm
echo "identical: the bytes acme published, though acme is offline"

say "10. The mirror goes down; acme comes back and publishes acme/app@1.0.1"
stop b
echo "mirror's daemon stopped"
start a
printf '\0asm\1\0\0\0acme app 1.0.1\n' >app-1.0.1.wasm
run a publish app-1.0.1.wasm --name acme/app --version 1.0.1 --meta build.toml

say "11. The mirror restarts, reconnects to acme and catches up where it left off"
start b
run b connect "$(addr a)"
until_pinned b 1.0.1
run b versions acme/app
run b verify acme/app@1.0.1
run b mirror status

say "demo finished"
