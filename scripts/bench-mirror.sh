#!/usr/bin/env bash
# Measures mirroring latency between two daemons on loopback: the time from
# `cairn publish` on A to the version being trusted and pinned on B, a mirror
# that trusts A's key for acme/* and runs `mirror add 'acme/*' --countersign`.
#
#   scripts/bench-mirror.sh               # 20 publishes
#   RUNS=50 GAP_MS=1000 scripts/bench-mirror.sh
#
# For each of RUNS publishes (one after the other, each of a small unique file):
# t0 just before `cairn publish --json` on A, then B is polled every 10 ms until
# `versions acme/app` lists the version as trusted and pinned (t1); more than
# 30 s fails the script. GAP_MS (default 0) waits between publishes. One warm-up
# publish first (not counted) lets the connection and the gossip mesh settle.
#
# The poll asks B's daemon over its HTTP API (GET /api/v1/versions, the JSON
# of `versions acme/app --json`) with curl, cheaper than running `cairn
# --repo B versions`; POLL=cli polls with the CLI instead (so does a machine
# without curl). The poll's own cost bounds the resolution of the figures.
#
# Prints one line per publish, then `name: value` lines: mirror_latency_median_ms,
# mirror_latency_p90_ms (nearest rank), mirror_latency_worst_ms,
# publish_command_median_ms (the part of the latency that is `cairn publish`
# itself), poll_cost_ms (median time of one poll) and, for comparison, the
# median cost of each way to poll.
#
# Back to back (GAP_MS=0), a publisher key's announcements are rate-limited
# (docs/gossip.md §4: 16 at once, then 4 a second): a publish that finds the
# budget spent reaches B when the deferred announcement goes out, a second
# later. GAP_MS=1000 measures the unthrottled path. Everything lives in a temporary directory, removed at the end
# with the daemons stopped (KEEP=1 keeps the directory).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
GAP_MS=${GAP_MS:-0}
POLL=${POLL:-api}
command -v curl >/dev/null || POLL=cli
case $POLL in api | cli) ;; *) echo "POLL must be api or cli" >&2; exit 2 ;; esac

# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
bench_setup bench-mirror a b
start() { start_daemon "$1"; }
stop() { stop_daemon "$1"; }
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); } # ms T0 T1: whole milliseconds from T0 to T1
median() { sort -g | awk '{a[NR]=$1} END {printf "%.0f\n", NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
p90() { sort -g | awk '{a[NR]=$1} END {i=int(NR*0.9); if (i<NR*0.9) i++; print a[i]}'; }


# The three ways to ask B for `versions acme/app --json`; each prints the JSON
# with spaces and newlines removed.
poll_cli() { "$bin" --repo "$work/b" versions acme/app --json | tr -d ' \n'; }
poll_api() {
  # GET /api/v1/versions answers what `versions acme/app --json` prints.
  curl -sf --max-time 5 "http://$api/api/v1/versions?name=acme/app" | tr -d ' \n'
}
poll_status_cli() { "$bin" --repo "$work/b" mirror status --json | tr -d ' \n'; }
# pinned VERSION JSON: true when JSON (a versions listing) has VERSION trusted and pinned.
pinned() {
  local line
  line=$(grep "\"version\":\"$1\"," <<<"${2//'},{"version"'/$'}\n{"version"'}") || return 1
  [[ $line == *'"status":"trusted"'* && $line == *'"pinned":true'* ]]
}

"$bin" --repo "$work/a" init >/dev/null
"$bin" --repo "$work/b" init >/dev/null
"$bin" --repo "$work/b" trust add 'acme/*' "$("$bin" --repo "$work/a" key export default)" >/dev/null
"$bin" --repo "$work/b" mirror add 'acme/*' --countersign >/dev/null
start a
start b
api=$(sed -n 's/.*"api": "\([^"]*\)".*/\1/p' "$work/b/daemon.json")
"$bin" --repo "$work/b" connect "$("$bin" --repo "$work/a" id --json | tr -d ' \n' | sed -n 's/.*"addrs":\["\([^"]*\)".*/\1/p')" >/dev/null

poll_costs=() # microseconds, of every poll
# publish VERSION: publishes a small unique file as acme/app@VERSION on A and
# polls B until it is trusted and pinned there. Sets lat_ms (the latency),
# pub_ms (the publish command's own time) and polls (how many it took).
publish() {
  local v=$1 t0 tp a b out
  printf 'cairn bench-mirror %s %s %s\n' "$v" "$(now)" "$RANDOM" >"$work/app-$v.txt"
  polls=0
  t0=$(now)
  "$bin" --repo "$work/a" publish "$work/app-$v.txt" --name acme/app --version "$v" --json >"$work/publish-$v.json"
  tp=$(now)
  while :; do
    a=$(now)
    out=$("poll_$POLL") || out=
    b=$(now)
    polls=$((polls + 1))
    poll_costs+=($(((b - a) / 1000)))
    pinned "$v" "$out" && break
    if [ $(((b - t0) / 1000000)) -ge 30000 ]; then
      "$bin" --repo "$work/b" mirror status >&2 || true
      die "acme/app@$v not mirrored within 30 s"
    fi
    sleep 0.01
  done
  lat_ms=$(ms "$t0" "$b") pub_ms=$(ms "$t0" "$tp")
}
# cost FUNCTION: median microseconds of 20 calls of FUNCTION.
cost() {
  local f=$1 i a b c=()
  for i in $(seq 20); do a=$(now); "$f" >/dev/null; b=$(now); c+=($(((b - a) / 1000))); done
  printf '%s\n' "${c[@]}" | median
}

echo "runs: $RUNS"
echo "gap_ms: $GAP_MS"
echo "poll: $POLL"
publish 0.0.0
echo "warm-up acme/app@0.0.0: $lat_ms ms (not counted)"
poll_costs=()
lat=() pub=()
for i in $(seq "$RUNS"); do
  [ "$GAP_MS" = 0 ] || sleep "$(awk -v g="$GAP_MS" 'BEGIN {print g / 1000}')"
  publish "1.0.$i"
  lat+=("$lat_ms") pub+=("$pub_ms")
  printf 'publish %3d  acme/app@1.0.%-3d %6d ms  (publish command %d ms, %d polls)\n' "$i" "$i" "$lat_ms" "$pub_ms" "$polls"
done

echo "mirror_latency_median_ms: $(printf '%s\n' "${lat[@]}" | median)"
echo "mirror_latency_p90_ms: $(printf '%s\n' "${lat[@]}" | p90)"
echo "mirror_latency_worst_ms: $(printf '%s\n' "${lat[@]}" | sort -g | tail -n 1)"
echo "publish_command_median_ms: $(printf '%s\n' "${pub[@]}" | median)"
echo "poll_cost_ms: $(printf '%s\n' "${poll_costs[@]}" | median | awk '{printf "%.0f", $1 / 1000}')"
# For comparison, other ways to poll (20 calls each, after the runs).
for f in poll_api poll_cli poll_status_cli; do
  [ "$f" != poll_api ] || command -v curl >/dev/null || continue
  echo "poll_cost_${f#poll_}_ms: $(cost "$f" | awk '{printf "%.0f", $1 / 1000}')"
done
