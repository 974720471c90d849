#!/usr/bin/env bash
# Measures `cairn fetch` between two daemons on loopback, over bitswap and over
# the whole-DAG stream /cairn/car/1.0.0 (`--transport bitswap|stream`).
#
#   scripts/bench-fetch.sh                  # 256 MB, 3 runs
#   SIZE_MB=1024 RUNS=3 scripts/bench-fetch.sh
#
# A publishes SIZE_MB of random bytes; each run starts a fresh B that trusts
# A's key, connects it to A and times `cairn fetch` on B. Prints `name: value`
# lines, each the median of RUNS runs per transport: fetch_bitswap_MBps,
# fetch_car_MBps, their seconds, the peak RSS (VmHWM) of both daemons (A is
# restarted per transport, so its peak is its own) and the CPU seconds (user +
# system) each daemon spent on a fetch (B's since it started): on a shared
# machine they move far less than the wall-clock figures. Everything lives in
# a temporary directory, removed at the end (KEEP=1 keeps it). TRANSPORTS="stream" runs
# only the named transports; PROFILE=dir writes a CPU profile of each daemon
# to dir/NAME.cpu (NAME: a-stream, fetch_car-b1, ...; see go tool pprof), and
# with TRACE=1 an execution trace to dir/NAME.trace (go tool trace; its
# -pprof=sync, net, syscall or sched profiles show where goroutines wait).
# CAIRN_BIN=path runs that binary instead of building this tree (for an A/B
# against another build).
#
# If Kubo's `ipfs` is on PATH (or IPFS_BIN is set; scripts/install-kubo.sh
# builds it), the same bytes are also added to a Kubo node A (test and
# unixfs-v1-2025 profiles) and fetched over bitswap by a fresh Kubo node B per
# run with `ipfs pin add` (it fetches every block and keeps it, as cairn fetch
# does), with the same figures as kubo_bitswap_… lines, side by side.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-256}
RUNS=${RUNS:-3}
TRANSPORTS=${TRANSPORTS:-bitswap stream}
PROFILE=${PROFILE:-}
TRACE=${TRACE:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-bench-fetch.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

bin="$work/cairn"
if [ -n "${CAIRN_BIN:-}" ]; then cp "$CAIRN_BIN" "$bin"; else go build -o "$bin" ./cmd/cairn; fi
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
jsonfield() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\}.*/\1/p" | head -n 1; }

# start_daemon REPO [PROFILE_NAME]: starts a daemon on loopback and waits (30 s
# at most) for its daemon.json; prints its pid.
start_daemon() {
  local prof= trace=
  if [ -n "$PROFILE" ] && [ -n "${2:-}" ]; then
    mkdir -p "$PROFILE"; prof="$PROFILE/$2.cpu"
    if [ -n "$TRACE" ]; then trace="$PROFILE/$2.trace"; fi
  fi
  CAIRN_TRACE=$trace CAIRN_CPUPROFILE=$prof "$bin" --repo "$1" daemon --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 --gateway 127.0.0.1:0 >"$1.log" 2>&1 &
  local pid=$! i
  for i in $(seq 300); do
    if [ -s "$1/daemon.json" ] && grep -q "\"pid\": $pid" "$1/daemon.json"; then echo "$pid"; return; fi
    kill -0 "$pid" 2>/dev/null || { cat "$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "daemon on $1 did not start" >&2; cat "$1.log" >&2; exit 1
}
# cpu_s PID: user + system CPU seconds the process has used so far.
tck=$(getconf CLK_TCK)
cpu_s() { awk -v t="$tck" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
hwm_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# stop PID: SIGTERM, then wait (30 s at most) until the process is gone; the
# daemons are not children of this shell (they start in $(...)), so wait(1)
# cannot be used.
stop() {
  kill -TERM "$1" 2>/dev/null || return 0
  local i
  for i in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

echo "publishing ${SIZE_MB} MB on A" >&2
"$bin" --repo "$work/a" init >/dev/null
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$work/input.bin"
"$bin" --repo "$work/a" publish "$work/input.bin" --name bench/fetch --version 1.0.0 >/dev/null
ipfs=${IPFS_BIN:-$(command -v ipfs || true)}
if [ -n "$ipfs" ]; then
  IPFS_PATH="$work/kubo-a" "$ipfs" init --profile test,unixfs-v1-2025 >/dev/null 2>&1
  kubo_cid=$(IPFS_PATH="$work/kubo-a" "$ipfs" add -Q --offline "$work/input.bin")
fi
rm "$work/input.bin"
did=$("$bin" --repo "$work/a" key export default)
# The runs of one bench: timed_fetch appends to these, report prints and
# empties them.
secs=() rss_b=() cpu_a=() cpu_b=()
# timed_fetch LABEL I APID BPID CMD...: runs CMD, a fetch on daemon BPID from
# APID, and records its wall time, B's peak RSS, the CPU A spent meanwhile
# and the CPU B spent since it started.
timed_fetch() {
  local label=$1 i=$2 apid=$3 bpid=$4 a0 s
  shift 4
  a0=$(cpu_s "$apid")
  s=$( { /usr/bin/time -f '%e' "$@" >/dev/null; } 2>&1 | tail -n 1)
  secs+=("$s"); rss_b+=("$(hwm_mb "$bpid")")
  cpu_a+=("$(awk -v a="$(cpu_s "$apid")" -v b="$a0" 'BEGIN {printf "%.2f", a - b}')"); cpu_b+=("$(cpu_s "$bpid")")
  echo "$label run $i: $s s, B peak RSS ${rss_b[-1]} MB, CPU A ${cpu_a[-1]} s, B ${cpu_b[-1]} s" >&2
}
# report NAME APID: prints the medians of the runs recorded as NAME_… lines.
report() {
  local name=$1 apid=$2 s
  s=$(printf '%s\n' "${secs[@]}" | median)
  mbps[$name]=$(awk -v m="$SIZE_MB" -v s="$s" 'BEGIN {printf "%.0f", m / s}')
  echo "${name}_seconds: $s"
  echo "${name}_MBps: ${mbps[$name]}"
  echo "${name}_peak_rss_B_MB: $(printf '%s\n' "${rss_b[@]}" | median)"
  echo "${name}_peak_rss_A_MB: $(hwm_mb "$apid")"
  echo "${name}_cpu_A_seconds: $(printf '%s\n' "${cpu_a[@]}" | median)"
  echo "${name}_cpu_B_seconds: $(printf '%s\n' "${cpu_b[@]}" | median)"
  secs=() rss_b=() cpu_a=() cpu_b=()
}
# bench TRANSPORT NAME: RUNS fetches over TRANSPORT with a fresh A; prints the
# figures as NAME_… lines.
bench() {
  local tr=$1 name=$2 i b bpid apid addr
  apid=$(start_daemon "$work/a" "a-$tr"); pids+=("$apid")
  addr=$("$bin" --repo "$work/a" id --json | tr -d ' \n' | sed 's/.*"addrs":\["\([^"]*\)".*/\1/')
  for i in $(seq "$RUNS"); do
    b="$work/$name-b$i"
    "$bin" --repo "$b" init >/dev/null
    "$bin" --repo "$b" trust add 'bench/*' "$did" >/dev/null
    bpid=$(start_daemon "$b" "$name-b$i"); pids+=("$bpid")
    "$bin" --repo "$b" connect "$addr" >/dev/null
    timed_fetch "$tr" "$i" "$apid" "$bpid" "$bin" --repo "$b" fetch --transport "$tr" bench/fetch@1.0.0
    stop "$bpid"
  done
  report "$name" "$apid"
  stop "$apid"
}

# start_kubo IPFS_PATH: starts `ipfs daemon` and waits (60 s at most) until it
# says it is ready; prints its pid.
start_kubo() {
  IPFS_PATH="$1" "$ipfs" daemon >"$1.log" 2>&1 &
  local pid=$! i
  for i in $(seq 600); do
    if grep -q "Daemon is ready" "$1.log"; then echo "$pid"; return; fi
    kill -0 "$pid" 2>/dev/null || { cat "$1.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "ipfs daemon on $1 did not start" >&2; cat "$1.log" >&2; exit 1
}
# bench_kubo: RUNS fetches of the same bytes between two Kubo daemons over
# bitswap; prints the figures as kubo_bitswap_… lines.
bench_kubo() {
  local name=kubo_bitswap apid bpid addr b i
  apid=$(start_kubo "$work/kubo-a"); pids+=("$apid")
  addr=$(IPFS_PATH="$work/kubo-a" "$ipfs" id -f '<addrs>' | grep '^/ip4/127.0.0.1/tcp/' | head -n 1)
  addr="$addr/p2p/$(IPFS_PATH="$work/kubo-a" "$ipfs" id -f '<id>')"
  for i in $(seq "$RUNS"); do
    b="$work/kubo-b$i"
    IPFS_PATH="$b" "$ipfs" init --profile test,unixfs-v1-2025 >/dev/null 2>&1
    bpid=$(start_kubo "$b"); pids+=("$bpid")
    IPFS_PATH="$b" "$ipfs" swarm connect "$addr" >/dev/null
    timed_fetch "kubo bitswap" "$i" "$apid" "$bpid" env IPFS_PATH="$b" "$ipfs" pin add --progress=false "$kubo_cid"
    stop "$bpid"
  done
  report "$name" "$apid"
  stop "$apid"
}

declare -A mbps=() # NAME -> median MB/s
echo "size_MB: $SIZE_MB"
echo "runs: $RUNS"
for tr in $TRANSPORTS; do
  case $tr in
  bitswap) bench bitswap fetch_bitswap ;;
  stream) bench stream fetch_car ;;
  *) echo "unknown transport $tr" >&2; exit 1 ;;
  esac
done
if [ -n "$ipfs" ]; then
  bench_kubo
  for n in fetch_bitswap fetch_car; do
    if [ -n "${mbps[$n]:-}" ]; then
      echo "${n}_vs_kubo_bitswap: $(awk -v a="${mbps[$n]}" -v b="${mbps[kubo_bitswap]}" 'BEGIN {printf "%.2f", a / b}')"
    fi
  done
fi
