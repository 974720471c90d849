# shellcheck shell=bash disable=SC2154,SC2004
# (bin, work and pid are the sourcing script's; pid is an associative array.)
# Daemon helpers shared by scripts/demo.sh and the scripts/bench-*.sh that
# run daemons; they source this file. The sourcing script sets $bin (the
# cairn binary) and $work (the directory holding the repos), declares
# `declare -A pid=()` and defines die, or has bench_setup (below) do it all.

# start_daemon NAME: starts the daemon of repo $work/NAME on loopback (ports
# chosen by the OS, mDNS off), logging to $work/NAME.log, and waits (20 s at
# most) until its daemon.json names its pid. DAEMON_FLAGS (split on spaces)
# adds flags, e.g. DAEMON_FLAGS='--log-level debug'.
start_daemon() {
  local r=$1 _
  # shellcheck disable=SC2086
  "$bin" --repo "$work/$r" daemon --listen /ip4/127.0.0.1/tcp/0 --api 127.0.0.1:0 \
    --gateway 127.0.0.1:0 --mdns=false ${DAEMON_FLAGS:-} >>"$work/$r.log" 2>&1 &
  pid[$r]=$!
  for _ in $(seq 200); do
    grep -qs "\"pid\": ${pid[$r]}," "$work/$r/daemon.json" && return
    kill -0 "${pid[$r]}" 2>/dev/null || die "daemon $r exited at start"
    sleep 0.1
  done
  die "daemon $r did not start within 20 s"
}

# stop_daemon NAME: SIGTERM, wait (20 s at most) for the daemon to exit, else
# SIGKILL.
stop_daemon() {
  local r=$1 p=${pid[$1]:-} _
  [ -n "$p" ] || return 0
  unset "pid[$r]"
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# bench_setup NAME [REPO...]: what every bench script starts with. Makes
# $work (a temporary directory cairn-NAME.*), declares pid, builds the binary
# into $bin, defines die, and traps EXIT, INT and TERM to stop every daemon
# still running, print the last lines of the daemon logs of the REPOs named
# when the script fails, and remove $work (KEEP=1 keeps it).
bench_setup() {
  local name=$1
  shift
  bench_logs=("$@")
  work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-$name.XXXXXX")
  declare -gA pid=() # repo -> daemon pid
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  die() { echo "error: $*" >&2; exit 1; }
  bin="$work/cairn"
  go build -o "$bin" ./cmd/cairn
}

# scalebench_repo REPO PACKAGES NAMES: builds REPO with `scalebench build`
# (PACKAGES real publishes by one key in NAMES names, in one process) unless
# REPO.build, where the build's own figures are kept, says it was built.
# Sets scalebench_cached to 1 when it was, else 0. Builds $work/scalebench
# if the script has not.
scalebench_repo() {
  local repo=$1 packages=$2 names=$3
  scalebench_cached=1
  [ -s "$repo.build" ] && return
  scalebench_cached=0
  [ -x "$work/scalebench" ] || go build -o "$work/scalebench" ./scripts/scalebench
  mkdir -p "$(dirname "$repo")"
  rm -rf "$repo" "$repo.new"
  echo "building $packages packages in $names names into $repo" >&2
  "$work/scalebench" build -repo "$repo.new" -packages "$packages" -names "$names" >"$work/build.txt"
  mv "$repo.new" "$repo"
  mv "$work/build.txt" "$repo.build"
}

bench_cleanup() {
  local rc=$? r
  trap - EXIT INT TERM
  for r in "${!pid[@]}"; do stop_daemon "$r"; done
  if [ "$rc" != 0 ]; then
    for r in "${bench_logs[@]}"; do
      [ -s "$work/$r.log" ] && { echo "--- daemon log of $r (last lines)"; tail -n 20 "$work/$r.log"; } >&2
    done
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
