#!/usr/bin/env bash
# Measures `cairn publish` of one large file: throughput and peak RSS.
#
#   scripts/bench-import.sh                 # 1 GiB, 3 runs
#   SIZE_MB=256 RUNS=5 scripts/bench-import.sh
#
# Prints `name: value` lines (wall and CPU seconds, user + system); each figure
# is the median of RUNS runs, each in a
# fresh repo. If Kubo's `ipfs` is on PATH (or IPFS_BIN is set), it also times
# `ipfs add` (test and unixfs-v1-2025 profiles) on the same file, runs alternated,
# side by side. The input file is random bytes, made once and reused
# (BENCH_DIR keeps it between invocations). CAIRN_BIN=path times that binary
# instead of building this tree (for an A/B against another build).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-1024}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/cairn-bench}
mkdir -p "$BENCH_DIR"
input="$BENCH_DIR/input-${SIZE_MB}MB.bin"
bin="$BENCH_DIR/cairn"

if [ -n "${CAIRN_BIN:-}" ]; then cp "$CAIRN_BIN" "$bin"; else go build -o "$bin" ./cmd/cairn; fi
if [ ! -s "$input" ]; then
  echo "making ${SIZE_MB} MB of random input in $input" >&2
  head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom > "$input.tmp" && mv "$input.tmp" "$input"
fi
# Warm the page cache so every run reads the input from memory.
cat "$input" > /dev/null

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

ipfs=${IPFS_BIN:-$(command -v ipfs || true)}
# timed ENV... -- CMD...: runs CMD under /usr/bin/time; prints "WALL RSS_KB CPU".
timed() { { /usr/bin/time -f '%e %M %U %S' "$@" >/dev/null; } 2>&1 | tail -n 1 | awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}'; }

# Runs alternate, Cairn then Kubo, so both see the same moments of a shared
# machine.
secs=(); rss=(); cpu=(); ksecs=(); krss=(); kcpu=()
for i in $(seq "$RUNS"); do
  repo=$(mktemp -d "$BENCH_DIR/repo.XXXXXX")
  CAIRN_REPO="$repo" "$bin" init >/dev/null
  read -r w m c < <(CAIRN_REPO="$repo" timed "$bin" publish "$input" --name bench/import --version 1.0.0)
  secs+=("$w"); rss+=("$m"); cpu+=("$c")
  echo "run $i: $w s, $c CPU-s, peak RSS $m KB" >&2
  rm -rf "$repo"
  if [ -n "$ipfs" ]; then
    kr=$(mktemp -d "$BENCH_DIR/kubo.XXXXXX")
    IPFS_PATH="$kr" "$ipfs" init --profile test,unixfs-v1-2025 >/dev/null 2>&1
    read -r w m c < <(IPFS_PATH="$kr" timed "$ipfs" add -Q --offline "$input")
    ksecs+=("$w"); krss+=("$m"); kcpu+=("$c")
    echo "kubo run $i: $w s, $c CPU-s, peak RSS $m KB" >&2
    rm -rf "$kr"
  fi
done
med() { printf '%s\n' "$@" | median; }
echo "size_MB: $SIZE_MB"
echo "runs: $RUNS"
s=$(med "${secs[@]}")
echo "import_seconds: $s"
echo "import_cpu_seconds: $(med "${cpu[@]}")"
echo "import_MBps: $(awk -v m="$SIZE_MB" -v s="$s" 'BEGIN {printf "%.0f", m / s}')"
echo "import_peak_rss_MB: $(awk -v k="$(med "${rss[@]}")" 'BEGIN {printf "%.0f", k / 1024}')"
if [ -n "$ipfs" ]; then
  ks=$(med "${ksecs[@]}")
  echo "kubo_add_seconds: $ks"
  echo "kubo_add_cpu_seconds: $(med "${kcpu[@]}")"
  echo "kubo_add_MBps: $(awk -v m="$SIZE_MB" -v s="$ks" 'BEGIN {printf "%.0f", m / s}')"
  echo "kubo_add_peak_rss_MB: $(awk -v k="$(med "${krss[@]}")" 'BEGIN {printf "%.0f", k / 1024}')"
  echo "import_vs_kubo: $(awk -v a="$s" -v b="$ks" 'BEGIN {printf "%.2f", b / a}')"
fi
