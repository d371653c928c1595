#!/usr/bin/env bash
# Seconds from `make run` to all four /readyz answering 200, in a fresh clone with DATABASE_URL unset.
# Usage: bench/startup.sh [clone-dir]   (runs twice: first with install, then again)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(mktemp -d)}
[ -d "$dir/.git" ] || git clone -q "$repo" "$dir"
cd "$dir"
unset DATABASE_URL
all_ready() {
  for port in 8000 8001 8002 8003; do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" || return 1; done
}
measure() {
  local started=$(date +%s.%N)
  make run > "$dir/run-$1.log" 2>&1 &
  local pid=$!
  until all_ready; do
    sleep 0.2
    kill -0 $pid 2>/dev/null || { echo "make run exited; see $dir/run-$1.log"; exit 1; }
  done
  printf '%s run: %.1f s to all four /readyz 200\n' "$1" "$(echo "$(date +%s.%N) - $started" | bc)"
  pkill -TERM -P "$pid" -f "techniekpact run"
  wait $pid || true
}
measure first
measure second
