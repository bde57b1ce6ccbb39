#!/usr/bin/env bash
# Measures what a newcomer waits for: the first `make run` from a fresh clone (until
# /healthz answers), a second `make run` (everything reused), and `make test`.
# Usage: bench/setup_times.sh [--with-test]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
port="${BENCH_PORT:-8765}"
trap 'if [ -n "${pid:-}" ]; then kill -- -"$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

git clone -q "$src" "$work/tandem"
cd "$work/tandem"
# A fresh machine has no package caches: start with empty uv, pip and npm caches.
export UV_CACHE_DIR="$work/cache/uv" npm_config_cache="$work/cache/npm" PIP_NO_CACHE_DIR=1

time_until_healthy() {
  local start=$SECONDS now
  start=$(date +%s.%N)
  setsid make run PORT="$port" >"$work/run.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then
      now=$(date +%s.%N)
      printf '%.1f' "$(echo "$now - $start" | bc)"
      kill -INT -- -"$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.25
  done
  echo "make run did not become healthy; log:" >&2; cat "$work/run.log" >&2; return 1
}

first=$(time_until_healthy)
second=$(time_until_healthy)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(python3.11 --version)"
echo "first make run (fresh clone -> /healthz 200): ${first} s"
echo "second make run (reuse -> /healthz 200):      ${second} s"
if [ "${1:-}" = "--with-test" ]; then
  start=$(date +%s.%N)
  env -u DATABASE_URL -u REDIS_URL make test >"$work/test.log" 2>&1 || { tail -40 "$work/test.log"; exit 1; }
  echo "make test (SQLite):                           $(echo "$(date +%s.%N) - $start" | bc) s"
fi
