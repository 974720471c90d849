#!/usr/bin/env bash
# Measures propagation through a small network on loopback: NODES daemons
# (default 20), each connected to 3 others chosen at random, all but the
# first mirroring acme/* from the first one's key (which they trust for
# acme/*). The first publishes RELEASES (default 20) small releases of
# acme/app, GAP_MS (default 300) apart, and the script reports when each
# mirror had each release trusted and pinned.
#
#   scripts/bench-network.sh
#   NODES=10 RELEASES=5 SEED=7 scripts/bench-network.sh
#
# The latency of one release on one mirror runs from just before `cairn
# publish` on the first daemon to the time of the mirror's "fetched" log line
# for that version (written once the fetch's transaction committed: the
# version is then trusted and pinned). A mirror two or three hops away from
# the publisher hears the announcement relayed by gossip and fetches from
# whichever neighbour has the package. More than TIMEOUT_S (default 60)
# seconds for all of them fails the script.
#
# GAP_MS=300 keeps the publisher under its announcement budget (docs/gossip.md
# §4: 16 at once, then 4 a second); back to back, releases past the budget
# would wait a second for the deferred announcement.
#
# Traffic: each daemon's /metrics is read just before the first publish and
# once every release is everywhere: the sum over the daemons of the bytes
# sent in gossip RPCs (cairn_gossip_bytes_total{direction="sent"}) and in
# head exchanges (cairn_heads_bytes_total{direction="sent"}), divided by the
# releases. Whatever else ran meanwhile is in it too (head exchanges every
# 30 s, gossip's heartbeat gossip): the figures are per release of this run,
# not a cost model.
#
# Prints `name: value` lines: nodes, releases, mirrors, samples,
# network_p50_ms, network_p95_ms, network_max_ms (nearest rank over every
# mirror and release), gossip_bytes_per_release, heads_bytes_per_release,
# gossip_bytes_per_release_per_node. KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=${NODES:-20}
RELEASES=${RELEASES:-20}
GAP_MS=${GAP_MS:-300}
TIMEOUT_S=${TIMEOUT_S:-60}
SEED=${SEED:-$$}
[ "$NODES" -ge 5 ] || { echo "NODES must be at least 5" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench-network needs curl" >&2; exit 2; }

# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
bench_setup bench-network n1
stop() { stop_daemon "$1"; }
now() { date +%s%N; }
nearest() { sort -g | awk -v q="$1" '{a[NR]=$1} END {i=int(NR*q); if (i<NR*q) i++; if (i<1) i=1; print a[i]}'; }
RANDOM=$SEED

# The first node publishes; every other one trusts its key and mirrors acme/*.
"$bin" --repo "$work/n0" init >/dev/null
key=$("$bin" --repo "$work/n0" key export default)
for i in $(seq 1 $((NODES - 1))); do
  "$bin" --repo "$work/n$i" init >/dev/null
  "$bin" --repo "$work/n$i" trust add 'acme/*' "$key" >/dev/null
  "$bin" --repo "$work/n$i" mirror add 'acme/*' >/dev/null
done
for i in $(seq 0 $((NODES - 1))); do start_daemon "n$i"; done
addr=() api=() token=()
for i in $(seq 0 $((NODES - 1))); do
  addr[i]=$("$bin" --repo "$work/n$i" id --json | tr -d ' \n' | sed -n 's/.*"addrs":\["\([^"]*\)".*/\1/p')
  api[i]=$(sed -n 's/.*"api": "\([^"]*\)".*/\1/p' "$work/n$i/daemon.json")
  token[i]=$(cat "$work/n$i/api.token")
done
# Each node dials 3 others at random (so most have more than 3 connections,
# the ones others dialled); node i+1 is always one of them, so the graph is
# connected.
links=0
for i in $(seq 0 $((NODES - 1))); do
  peers=" $(((i + 1) % NODES)) "
  while [ "$(wc -w <<<"$peers")" -lt 3 ]; do
    j=$((RANDOM % NODES))
    [ "$j" != "$i" ] && [[ $peers != *" $j "* ]] && peers+="$j "
  done
  for j in $peers; do
    "$bin" --repo "$work/n$i" connect "${addr[j]}" >/dev/null
    links=$((links + 1))
  done
done

# sent METRIC: the sum over the daemons of METRIC{direction="sent"}.
sent() {
  local i total=0 v
  for i in $(seq 0 $((NODES - 1))); do
    v=$(curl -sf --max-time 5 -H "Authorization: Bearer ${token[i]}" "http://${api[i]}/metrics" |
      awk -v m="$1" '$1 == m "{direction=\"sent\"}" {printf "%.0f", $2}')
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# A warm-up release (not counted) lets connections, identify and the gossip
# mesh settle, and is waited for everywhere.
fetched() { cat "$work"/n*.log | grep -c "msg=fetched .* version=$1 " || true; }
wait_all() {
  local v=$1 t0
  t0=$(now)
  until [ "$(fetched "$v")" -ge $((NODES - 1)) ]; do
    [ $((($(now) - t0) / 1000000000)) -lt "$TIMEOUT_S" ] || die "acme/app@$v on $(fetched "$v") of $((NODES - 1)) mirrors after ${TIMEOUT_S} s"
    sleep 0.1
  done
}
publish() {
  printf 'cairn bench-network %s %s\n' "$1" "$RANDOM" >"$work/app-$1.txt"
  "$bin" --repo "$work/n0" publish "$work/app-$1.txt" --name acme/app --version "$1" >/dev/null
}
sleep 2 # the gossip mesh forms at the heartbeat (1 s)
publish 0.0.0
wait_all 0.0.0

gossip0=$(sent cairn_gossip_bytes_total) heads0=$(sent cairn_heads_bytes_total)
declare -A t0=() # version -> ns just before its publish
for r in $(seq "$RELEASES"); do
  [ "$r" = 1 ] || sleep "$(awk -v g="$GAP_MS" 'BEGIN {print g / 1000}')"
  t0[1.0.$r]=$(now)
  publish "1.0.$r"
done
for r in $(seq "$RELEASES"); do wait_all "1.0.$r"; done
gossip1=$(sent cairn_gossip_bytes_total) heads1=$(sent cairn_heads_bytes_total)

# One latency per mirror and release: from the log line's time (UTC, ms).
lat=()
for i in $(seq 1 $((NODES - 1))); do
  while read -r ts v; do
    [ -n "${t0[$v]:-}" ] || continue
    t=$(date -d "$ts" +%s%N)
    lat+=($(((t - ${t0[$v]}) / 1000000)))
  done < <(sed -n 's/^time=\([^ ]*\) level=INFO msg=fetched .* version=\([^ ]*\) .*/\1 \2/p' "$work/n$i.log")
done

echo "nodes: $NODES"
echo "links: $links"
echo "releases: $RELEASES"
echo "gap_ms: $GAP_MS"
echo "mirrors: $((NODES - 1))"
echo "samples: ${#lat[@]}"
echo "network_p50_ms: $(printf '%s\n' "${lat[@]}" | nearest 0.5)"
echo "network_p95_ms: $(printf '%s\n' "${lat[@]}" | nearest 0.95)"
echo "network_max_ms: $(printf '%s\n' "${lat[@]}" | sort -g | tail -n 1)"
echo "gossip_bytes_per_release: $(((gossip1 - gossip0) / RELEASES))"
echo "heads_bytes_per_release: $(((heads1 - heads0) / RELEASES))"
echo "gossip_bytes_per_release_per_node: $(((gossip1 - gossip0) / RELEASES / NODES))"
