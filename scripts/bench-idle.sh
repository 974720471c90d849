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
# (median), idle_rss_mib (median, one decimal), idle_rss_mib_max.
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

starts=() rss=()
for i in $(seq "$RUNS"); do
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
  kib=$(awk '/^VmRSS:/ {print $2}' "/proc/${pid[$r]}/status")
  mib=$(awk -v k="$kib" 'BEGIN {printf "%.1f", k / 1024}')
  printf 'run %d: start to API-ready %d ms, RSS after %d s idle %s MiB\n' "$i" "$ms" "$IDLE_S" "$mib"
  starts+=("$ms") rss+=("$mib")
  stop_daemon "$r"
done
echo "start_to_api_ready_ms: $(printf '%s\n' "${starts[@]}" | median | awk '{printf "%.0f", $1}')"
echo "idle_rss_mib: $(printf '%s\n' "${rss[@]}" | median)"
echo "idle_rss_mib_max: $(printf '%s\n' "${rss[@]}" | sort -g | tail -n 1)"
