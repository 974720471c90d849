#!/usr/bin/env bash
# Measures a fresh node catching up a long publisher log: a daemon B that
# holds nothing fetches one package of a publisher whose log has ENTRIES
# entries (default 9000: below the walk's limit of 10,000), held by daemon A,
# so the fetch first walks and ingests the whole log (docs/logs.md §3).
#
#   scripts/bench-catchup.sh
#   ENTRIES=5000 RUNS=5 scripts/bench-catchup.sh
#
# A's repo is built once by `go run ./scripts/scalebench build` (ENTRIES real
# publishes by one key, in ENTRIES/100 names) and kept in BENCH_DIR (default
# /tmp/cairn-bench) as catchup-g1-ENTRIES. Each run starts a fresh B that
# trusts the key, connects it to A and times `cairn fetch` on B.
#
# Prints one line per run, then `name: value` lines, medians over RUNS
# (default 3): catchup_entries, catchup_seconds, catchup_entries_per_second,
# catchup_peak_rss_B_mib (B's VmHWM) and catchup_cpu_B_seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=${ENTRIES:-9000}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/cairn-bench}

# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
bench_setup bench-catchup a
median() { sort -g | awk '{a[NR]=$1} END {printf "%.2f\n", NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

repo="$BENCH_DIR/catchup-g1-$ENTRIES"
scalebench_repo "$repo" "$ENTRIES" $(((ENTRIES + 99) / 100))
ln -s "$repo" "$work/a"
did=$(grep -m 1 -o 'did:key:[A-Za-z0-9]*' "$repo/policy.toml")

start_daemon a
addr=$("$bin" --repo "$work/a" id --json | tr -d ' \n' | sed 's/.*"addrs":\["\([^"]*\)".*/\1/')
# cpu_seconds PID: user + system CPU seconds of a running process.
cpu_seconds() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
secs=() rss=() cpu=()
for i in $(seq "$RUNS"); do
  b="b$i"
  "$bin" --repo "$work/$b" init >/dev/null
  "$bin" --repo "$work/$b" trust add 'scale-00/*' "$did" >/dev/null
  start_daemon "$b"
  "$bin" --repo "$work/$b" connect "$addr" >/dev/null
  t0=$(date +%s%N)
  "$bin" --repo "$work/$b" fetch scale-00/pkg-0001@1.0.0 >/dev/null
  t1=$(date +%s%N)
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
  r=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/${pid[$b]}/status")
  c=$(cpu_seconds "${pid[$b]}")
  echo "run $i: fetch with catch-up ${s} s, B peak RSS ${r} MiB, B CPU ${c} s"
  secs+=("$s") rss+=("$r") cpu+=("$c")
  stop_daemon "$b"
done
s=$(printf '%s\n' "${secs[@]}" | median)
echo "catchup_entries: $ENTRIES"
echo "catchup_seconds: $s"
echo "catchup_entries_per_second: $(awk -v n="$ENTRIES" -v s="$s" 'BEGIN {printf "%.0f", n / s}')"
echo "catchup_peak_rss_B_mib: $(printf '%s\n' "${rss[@]}" | median)"
echo "catchup_cpu_B_seconds: $(printf '%s\n' "${cpu[@]}" | median)"
