#!/usr/bin/env bash
# Measures one fetch from several capped providers at once (issue 13's "many
# sources"): PROVIDERS daemons (default 3) hold the same package of SIZE_MB
# (default 160) random bytes, each with `--upload-limit LIMIT` (default
# 40MB/s); a fourth daemon, B, connected to all of them, fetches the package
# RUNS times (default 3) over each transport (the DAG stream, which splits
# the DAG across providers, and bitswap), removing it and collecting garbage
# between runs.
#
#   scripts/bench-sources.sh
#   PROVIDERS=2 LIMIT=20MB/s SIZE_MB=64 scripts/bench-sources.sh
#
# Prints a line per run, then `name: value` lines: sources_stream_MBps and
# sources_bitswap_MBps (medians; MB = 10^6 bytes, the fetch command's wall
# time), sources_providers, sources_limit. Everything lives in a temporary
# directory, removed at the end with the daemons stopped (KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."

PROVIDERS=${PROVIDERS:-3}
LIMIT=${LIMIT:-40MB/s}
SIZE_MB=${SIZE_MB:-160}
RUNS=${RUNS:-3}

# shellcheck source=scripts/daemons.sh
. scripts/daemons.sh
bench_setup bench-sources
median() { sort -g | awk '{a[NR]=$1} END {printf "%.1f\n", NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

providers=()
for i in $(seq "$PROVIDERS"); do providers+=("p$i"); done
for r in "${providers[@]}" b; do "$bin" --repo "$work/$r" init >/dev/null; done
head -c $((SIZE_MB * 1000000)) /dev/urandom >"$work/big.bin"
pkg=$("$bin" --repo "$work/p1" publish "$work/big.bin" --name acme/big --version 1.0.0 --json | json_field 'd["package"]["/"]')
"$bin" --repo "$work/p1" export "$pkg" -o "$work/big.car" >/dev/null
did=$("$bin" --repo "$work/p1" key export)
for r in "${providers[@]:1}" b; do "$bin" --repo "$work/$r" trust add 'acme/*' "$did" >/dev/null; done
for r in "${providers[@]:1}"; do "$bin" --repo "$work/$r" import "$work/big.car" >/dev/null; done

# start_daemon takes no flags: the limit goes in each provider's config.
for r in "${providers[@]}"; do
  sed -i "s|^\[network\]$|[network]\n  upload_limit = \"$LIMIT\"|" "$work/$r/config.toml"
  start_daemon "$r"
done
start_daemon b
for r in "${providers[@]}"; do
  addr=$("$bin" --repo "$work/$r" id --json | json_field 'd["addrs"][0]')
  "$bin" --repo "$work/b" connect "$addr" >/dev/null
done

for transport in stream bitswap; do
  rates=()
  for run in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$bin" --repo "$work/b" fetch "$pkg" --transport "$transport" --timeout 300s >/dev/null
    t1=$(date +%s%N)
    rate=$(awk -v b=$((SIZE_MB * 1000000)) -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f", b / (ns / 1e9) / 1e6}')
    echo "$transport run $run: $rate MB/s"
    rates+=("$rate")
    "$bin" --repo "$work/b" rm "$pkg" --force >/dev/null
    "$bin" --repo "$work/b" repo gc >/dev/null
  done
  echo "sources_${transport}_MBps: $(printf '%s\n' "${rates[@]}" | median)"
done
echo "sources_providers: $PROVIDERS"
echo "sources_limit: $LIMIT"
