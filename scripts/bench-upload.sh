#!/usr/bin/env bash
# Measures what a daemon with an upload limit serves: A runs with
# `--upload-limit RATE` and each run a fresh B fetches a package from it.
#
#   scripts/bench-upload.sh                       # 40MB/s, 160 MB over the stream, 3 runs
#   scripts/bench-upload.sh 4MB/s                 # SIZE_MB=16 keeps it short
#   TRANSPORT=bitswap SIZE_MB=80 scripts/bench-upload.sh 20MB/s
#   TRANSPORT=gateway scripts/bench-upload.sh     # curl of the content's CAR from A's gateway
#
# A publishes SIZE_MB (default 160, MB = 10^6 bytes) of random bytes. Each of
# RUNS (3) runs times `cairn fetch --transport TRANSPORT` (stream or bitswap)
# on a fresh B connected to A, or for TRANSPORT=gateway a download of the
# content's CAR from A's gateway with curl. Prints `name: value` lines:
# upload_limit (RATE as given), upload_limited_seconds and
# upload_limited_MBps (the medians of the runs: SIZE_MB over the seconds;
# the first burst, 256 KiB or 100 ms of the rate, is free, and the command's
# own start is counted), and upload_served_MB (what A's /metrics counts for
# the transport over all the runs). Everything lives in a temporary
# directory, removed at the end (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${1:-40MB/s}
SIZE_MB=${SIZE_MB:-160}
RUNS=${RUNS:-3}
TRANSPORT=${TRANSPORT:-stream}
case $TRANSPORT in stream | bitswap) svc=$TRANSPORT ;; gateway) svc=gateway; command -v curl >/dev/null || { echo "TRANSPORT=gateway needs curl" >&2; exit 2; } ;;
*) echo "TRANSPORT must be stream, bitswap or gateway" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench-upload.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do stop "$p"; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

bin="$work/cairn"
go build -o "$bin" ./cmd/cairn
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s%N; }
field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$2" | head -n 1; }

# start_daemon REPO [ARGS...]: starts a daemon on loopback and waits (30 s at
# most) for its daemon.json; prints its pid.
start_daemon() {
  local repo=$1 pid i
  shift
  "$bin" --repo "$repo" daemon --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 --gateway 127.0.0.1:0 "$@" >"$repo.log" 2>&1 &
  pid=$!
  for i in $(seq 300); do
    if [ -s "$repo/daemon.json" ] && grep -q "\"pid\": $pid," "$repo/daemon.json"; then echo "$pid"; return; fi
    kill -0 "$pid" 2>/dev/null || { cat "$repo.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "daemon on $repo did not start" >&2; cat "$repo.log" >&2; exit 1
}
# stop PID: SIGTERM, then SIGKILL if it is still there after 30 s.
stop() {
  kill -TERM "$1" 2>/dev/null || return 0
  local i
  for i in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
# served: the bytes A's /metrics counts for the transport's service.
served() {
  curl -sf "http://$(field api "$work/a/daemon.json")/metrics" |
    awk -v m="cairn_upload_bytes_total{service=\"$svc\"}" '$1 == m {printf "%.0f", $2}'
}

echo "publishing $SIZE_MB MB on A" >&2
"$bin" --repo "$work/a" init >/dev/null
head -c "$((SIZE_MB * 1000000))" /dev/urandom >"$work/input.bin"
"$bin" --repo "$work/a" publish "$work/input.bin" --name bench/upload --version 1.0.0 --json >"$work/publish.json"
rm "$work/input.bin"
content=$(tr -d ' \n' <"$work/publish.json" | sed -n 's/.*"content":{"\/":"\([^"]*\)"}.*/\1/p')
[ -n "$content" ] || { echo "no content CID in publish's output" >&2; exit 1; }
did=$("$bin" --repo "$work/a" key export default)

apid=$(start_daemon "$work/a" --upload-limit "$RATE"); pids+=("$apid")
addr=$("$bin" --repo "$work/a" id --json | tr -d ' \n' | sed 's/.*"addrs":\["\([^"]*\)".*/\1/')
gw=$(field gateway "$work/a/daemon.json")
secs=()
for i in $(seq "$RUNS"); do
  if [ "$TRANSPORT" = gateway ]; then
    t0=$(now)
    curl -sf -o /dev/null "http://$gw/ipfs/$content?format=car" || { echo "gateway: GET /ipfs/$content?format=car failed" >&2; exit 1; }
    t1=$(now)
  else
    b="$work/b$i"
    "$bin" --repo "$b" init >/dev/null
    "$bin" --repo "$b" trust add 'bench/*' "$did" >/dev/null
    bpid=$(start_daemon "$b"); pids+=("$bpid")
    "$bin" --repo "$b" connect "$addr" >/dev/null
    t0=$(now)
    "$bin" --repo "$b" fetch --transport "$TRANSPORT" --timeout 1h bench/upload@1.0.0 >/dev/null
    t1=$(now)
    stop "$bpid"
  fi
  secs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')")
  echo "$TRANSPORT run $i: ${secs[-1]} s" >&2
done
s=$(printf '%s\n' "${secs[@]}" | median)
echo "upload_limit: $RATE"
echo "upload_transport: $TRANSPORT"
echo "upload_size_MB: $SIZE_MB"
echo "upload_limited_seconds: $s"
echo "upload_limited_MBps: $(awk -v m="$SIZE_MB" -v s="$s" 'BEGIN {printf "%.1f", m / s}')"
echo "upload_served_MB: $(awk -v b="$(served)" 'BEGIN {printf "%.1f", b / 1e6}')"
