#!/usr/bin/env bash
# Measures a daemon's start and its idle footprint, RUNS times (default 3),
# each with a fresh repo: the time from exec to API-ready (daemon.json names
# the daemon's pid and GET /api/v1/id answers; polled every 5 ms), then,
# after IDLE_S (default 20) seconds with nothing to do and no peers, the
# daemon's VmRSS from /proc. Repos are initialised before the clock starts.
#
#   scripts/bench-idle.sh
#   RUNS=5 IDLE_S=30 scripts/bench-idle.sh
#   DAEMON_ENV='GOGC=100' scripts/bench-idle.sh   # environment for the daemon
#
# Prints one line per run, then `name: value` lines: start_to_api_ready_ms
# (median), idle_rss_mib (median, one decimal), idle_rss_mib_max, and the
# RSS in its two parts: idle_rss_anon_mib (heap, stacks: the process's own)
# and idle_rss_file_mib (pages of the executable and of mapped files, shared
# with the page cache and reclaimable).
#
# If Kubo's `ipfs` is on PATH (or IPFS_BIN is set; scripts/install-kubo.sh
# builds it), the same for `ipfs daemon` (test profile: loopback, no
# bootstrap, no mDNS; API-ready when POST /api/v0/id answers) as kubo_… lines,
# runs alternated with Cairn's.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
IDLE_S=${IDLE_S:-20}
command -v curl >/dev/null || { echo "bench-idle needs curl" >&2; exit 2; }

# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
bench_setup bench-idle
now() { date +%s%N; }
median() { sort -g | awk '{a[NR]=$1} END {printf "%.1f\n", NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

ipfs=${IPFS_BIN:-$(command -v ipfs || true)}
# rss_parts PID: "RSS ANON FILE" in MiB (one decimal) from /proc/PID/status.
rss_parts() {
  awk '/^VmRSS:/ {r=$2} /^RssAnon:/ {a=$2} /^RssFile:/ {f=$2} /^RssShmem:/ {f+=$2}
       END {printf "%.1f %.1f %.1f", r/1024, a/1024, f/1024}' "/proc/$1/status"
}
# kubo_run I: one start and idle of `ipfs daemon` on a fresh repo.
kubo_run() {
  local kr="$work/kubo$1" kpid t0 ready= api ms parts
  IPFS_PATH="$kr" "$ipfs" init --profile test,unixfs-v1-2025 >/dev/null 2>&1
  t0=$(now)
  IPFS_PATH="$kr" "$ipfs" daemon >"$kr.log" 2>&1 &
  kpid=$!
  for _ in $(seq 4000); do
    if [ -s "$kr/api" ]; then
      api=$(sed -n 's#^/ip4/\([^/]*\)/tcp/\([0-9]*\).*#\1:\2#p' "$kr/api")
      if curl -sf --max-time 1 -X POST "http://$api/api/v0/id" >/dev/null; then ready=$(now); break; fi
    fi
    kill -0 "$kpid" 2>/dev/null || die "ipfs daemon $1 exited at start"
    sleep 0.005
  done
  [ -n "$ready" ] || die "ipfs daemon $1 not ready within 20 s"
  ms=$(((ready - t0) / 1000000))
  sleep "$IDLE_S"
  parts=$(rss_parts "$kpid")
  kill -TERM "$kpid"; wait "$kpid" 2>/dev/null || true
  printf 'kubo run %d: start to API-ready %d ms, RSS after %d s idle %s MiB (anon %s, file %s)\n' "$1" "$ms" "$IDLE_S" $parts
  kstarts+=("$ms") krss+=("$(echo "$parts" | cut -d' ' -f1)")
  kanon+=("$(echo "$parts" | cut -d' ' -f2)") kfile+=("$(echo "$parts" | cut -d' ' -f3)")
}

starts=() rss=() anon=() file=() kstarts=() krss=() kanon=() kfile=()
for i in $(seq "$RUNS"); do
  if [ -n "$ipfs" ]; then kubo_run "$i"; fi
  r="r$i"
  "$bin" --repo "$work/$r" init >/dev/null
  t0=$(now)
  # shellcheck disable=SC2086
  env ${DAEMON_ENV:-} "$bin" --repo "$work/$r" daemon --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 \
    --gateway 127.0.0.1:0 --mdns=false >>"$work/$r.log" 2>&1 &
  pid[$r]=$!
  ready=
  for _ in $(seq 4000); do
    if grep -qs "\"pid\": ${pid[$r]}," "$work/$r/daemon.json"; then
      api=$(sed -n 's/.*"api": "\([^"]*\)".*/\1/p' "$work/$r/daemon.json")
      if curl -sf --max-time 1 "http://$api/api/v1/id" >/dev/null; then ready=$(now); break; fi
    fi
    kill -0 "${pid[$r]}" 2>/dev/null || die "daemon $r exited at start"
    sleep 0.005
  done
  [ -n "$ready" ] || die "daemon $r not ready within 20 s"
  ms=$(((ready - t0) / 1000000))
  sleep "$IDLE_S"
  parts=$(rss_parts "${pid[$r]}")
  # shellcheck disable=SC2086
  printf 'run %d: start to API-ready %d ms, RSS after %d s idle %s MiB (anon %s, file %s)\n' "$i" "$ms" "$IDLE_S" $parts
  starts+=("$ms") rss+=("$(echo "$parts" | cut -d' ' -f1)")
  anon+=("$(echo "$parts" | cut -d' ' -f2)") file+=("$(echo "$parts" | cut -d' ' -f3)")
  stop_daemon "$r"
done
echo "start_to_api_ready_ms: $(printf '%s\n' "${starts[@]}" | median | awk '{printf "%.0f", $1}')"
echo "idle_rss_mib: $(printf '%s\n' "${rss[@]}" | median)"
echo "idle_rss_mib_max: $(printf '%s\n' "${rss[@]}" | sort -g | tail -n 1)"
echo "idle_rss_anon_mib: $(printf '%s\n' "${anon[@]}" | median)"
echo "idle_rss_file_mib: $(printf '%s\n' "${file[@]}" | median)"
if [ -n "$ipfs" ]; then
  echo "kubo_start_to_api_ready_ms: $(printf '%s\n' "${kstarts[@]}" | median | awk '{printf "%.0f", $1}')"
  echo "kubo_idle_rss_mib: $(printf '%s\n' "${krss[@]}" | median)"
  echo "kubo_idle_rss_anon_mib: $(printf '%s\n' "${kanon[@]}" | median)"
  echo "kubo_idle_rss_file_mib: $(printf '%s\n' "${kfile[@]}" | median)"
fi
