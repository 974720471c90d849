#!/usr/bin/env bash
# Measures `cairn publish` of one large file: throughput and peak RSS.
#
#   scripts/bench-import.sh                 # 1 GiB, 3 runs
#   SIZE_MB=256 RUNS=5 scripts/bench-import.sh
#
# Prints `name: value` lines (wall and CPU seconds, user + system); each figure
# is the median of RUNS runs, each in a
# fresh repo. If Kubo's `ipfs` is on PATH (or IPFS_BIN is set), it also times
# `ipfs add --only-hash=false` with the unixfs-v1-2025 profile on the same file,
# side by side. The input file is random bytes, made once and reused
# (BENCH_DIR keeps it between invocations).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/cairn-bench}
mkdir -p "$BENCH_DIR"
input="$BENCH_DIR/input-${SIZE_MB}MB.bin"
bin="$BENCH_DIR/cairn"

go build -o "$bin" ./cmd/cairn
if [ ! -s "$input" ]; then
  echo "making ${SIZE_MB} MB of random input in $input" >&2
  head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$input.tmp" && mv "$input.tmp" "$input"
fi
# Warm the page cache so every run reads the input from memory.
cat "$input" > /dev/null

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

secs=(); rss=(); cpu=()
for i in $(seq "$RUNS"); do
  repo=$(mktemp -d "$BENCH_DIR/repo.XXXXXX")
  CAIRN_REPO="$repo" "$bin" init >/dev/null
  out=$( { CAIRN_REPO="$repo" /usr/bin/time -f '%e %M %U %S' "$bin" publish "$input" \
            --name bench/import --version 1.0.0 >/dev/null; } 2>&1 | tail -n 1)
  secs+=("$(echo "$out" | cut -d' ' -f1)")
  rss+=("$(echo "$out" | cut -d' ' -f2)")
  cpu+=("$(echo "$out" | awk '{printf "%.2f", $3 + $4}')")
  echo "run $i: ${secs[-1]} s, ${cpu[-1]} CPU-s, peak RSS ${rss[-1]} KB" >&2
  rm -rf "$repo"
done
s=$(printf '%s\n' "${secs[@]}" | median)
r=$(printf '%s\n' "${rss[@]}" | median)
c=$(printf '%s\n' "${cpu[@]}" | median)
echo "size_MB: $SIZE_MB"
echo "runs: $RUNS"
echo "import_seconds: $s"
echo "import_cpu_seconds: $c"
echo "import_MBps: $(awk -v m="$SIZE_MB" -v s="$s" 'BEGIN {printf "%.0f", m / s}')"
echo "import_peak_rss_MB: $(awk -v k="$r" 'BEGIN {printf "%.0f", k / 1024}')"

ipfs=${IPFS_BIN:-$(command -v ipfs || true)}
if [ -n "$ipfs" ]; then
  ksecs=(); krss=(); kcpu=()
  for i in $(seq "$RUNS"); do
    kr=$(mktemp -d "$BENCH_DIR/kubo.XXXXXX")
    IPFS_PATH="$kr" "$ipfs" init --profile test,unixfs-v1-2025 >/dev/null 2>&1
    out=$( { IPFS_PATH="$kr" /usr/bin/time -f '%e %M %U %S' "$ipfs" add -Q --offline "$input" >/dev/null; } 2>&1 | tail -n 1)
    ksecs+=("$(echo "$out" | cut -d' ' -f1)"); krss+=("$(echo "$out" | cut -d' ' -f2)")
    kcpu+=("$(echo "$out" | awk '{printf "%.2f", $3 + $4}')")
    echo "kubo run $i: ${ksecs[-1]} s, ${kcpu[-1]} CPU-s, peak RSS ${krss[-1]} KB" >&2
    rm -rf "$kr"
  done
  ks=$(printf '%s\n' "${ksecs[@]}" | median)
  kr=$(printf '%s\n' "${krss[@]}" | median)
  echo "kubo_add_seconds: $ks"
  echo "kubo_add_cpu_seconds: $(printf '%s\n' "${kcpu[@]}" | median)"
  echo "kubo_add_MBps: $(awk -v m="$SIZE_MB" -v s="$ks" 'BEGIN {printf "%.0f", m / s}')"
  echo "kubo_add_peak_rss_MB: $(awk -v k="$kr" 'BEGIN {printf "%.0f", k / 1024}')"
fi
