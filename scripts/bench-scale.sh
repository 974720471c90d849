#!/usr/bin/env bash
# Measures the API of a daemon over a large repo: PACKAGES small packages
# (default 100000) in NAMES names (default 1000).
#
#   scripts/bench-scale.sh
#   PACKAGES=10000 NAMES=100 REQUESTS=500 scripts/bench-scale.sh
#   REBUILD=1 scripts/bench-scale.sh      # build the repo again
#
# The repo is built once by `go run ./scripts/scalebench build`: each package
# a real publish (node.Repo.Publish, what `cairn publish` runs: UnixFS import,
# package, metadata set, Ed25519 signature, publisher-log entry, one committed
# store transaction), in one process. It is kept in BENCH_DIR (default
# /tmp/cairn-bench) under a key of PACKAGES, NAMES and GEN, the version of
# the generator (bump GEN when what a publish writes, or how the store lays it
# out, changes), and
# reused; the build's own figures are kept beside it.
#
# Then, RUNS times (default 3): a daemon starts on the repo, `scalebench load`
# sends WARMUP (default 300) then REQUESTS (default 2000) requests of each kind
# one at a time over one keep-alive connection — GET /api/v1/versions?name=
# of a random name, GET /api/v1/verify?target=NAME@VERSION of a random
# package (resolution and verification), GET /api/v1/verify?target=CID — and
# the daemon's VmRSS and VmHWM are read from /proc after the load.
#
# Prints one line per run, then `name: value` lines: scale_packages,
# scale_names, scale_build_seconds (scale_build_cached: 1 when the repo was
# reused), and the median over the runs of scale_{versions,resolve_verify,
# verify_cid}_p{50,99}_ms, scale_daemon_rss_mib and scale_daemon_hwm_mib, and
# the two parts of the RSS: scale_daemon_rss_anon_mib (heap, stacks) and
# scale_daemon_rss_file_mib (pages of mapped files: badger's tables).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=${PACKAGES:-100000}
NAMES=${NAMES:-1000}
REQUESTS=${REQUESTS:-2000}
WARMUP=${WARMUP:-300}
RUNS=${RUNS:-3}
GEN=3
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/cairn-bench}

# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
bench_setup bench-scale scale
median() { sort -g | awk '{a[NR]=$1} END {printf "%.2f\n", NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
go build -o "$work/scalebench" ./scripts/scalebench

repo="$BENCH_DIR/scale-g$GEN-$PACKAGES-$NAMES"
if [ "${REBUILD:-0}" = 1 ]; then rm -rf "$repo" "$repo.build"; fi
scalebench_repo "$repo" "$PACKAGES" "$NAMES"
ln -s "$repo" "$work/scale"

figures=(versions_p50_ms versions_p99_ms resolve_verify_p50_ms resolve_verify_p99_ms verify_cid_p50_ms verify_cid_p99_ms
  daemon_rss_mib daemon_hwm_mib daemon_rss_anon_mib daemon_rss_file_mib)
declare -A got=() # figure -> one value a run, space-separated
for i in $(seq "$RUNS"); do
  start_daemon scale
  api=$(sed -n 's/.*"api": "\([^"]*\)".*/\1/p' "$work/scale/daemon.json")
  "$work/scalebench" load -api "$api" -packages "$PACKAGES" -names "$NAMES" \
    -requests "$REQUESTS" -warmup "$WARMUP" -seed "$i" >"$work/load.txt"
  awk '/^VmRSS:/ {f = "rss"} /^VmHWM:/ {f = "hwm"} /^RssAnon:/ {f = "rss_anon"} /^RssFile:/ {f = "rss_file"}
       f {printf "scale_daemon_%s_mib: %.1f\n", f, $2 / 1024; f = ""}' \
    "/proc/${pid[scale]}/status" >>"$work/load.txt"
  stop_daemon scale
  echo "run $i: $(sed 's/^scale_//' "$work/load.txt" | tr '\n' ' ')"
  for f in "${figures[@]}"; do
    got[$f]+="$(sed -n "s/^scale_$f: //p" "$work/load.txt") "
  done
done

cat "$repo.build"
[ "$scalebench_cached" = 1 ] && echo "scale_build_cached: 1"
for f in "${figures[@]}"; do
  # shellcheck disable=SC2086
  echo "scale_$f: $(printf '%s\n' ${got[$f]} | median)"
done
