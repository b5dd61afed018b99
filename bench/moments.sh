#!/usr/bin/env bash
# The cost of a moment snapshot on Redis and on a step that hits OOM, on a fresh redis-server
# (never the machine's own). The step writes BATCHES x KEYS-PER-BATCH keys of 200 bytes into a
# maxmemory that refuses the later ones. Issue 13's goal: under 2% of the step.
# Usage: bash bench/moments.sh [maxmemory] [keys-per-batch] [batches]   (default 64mb 1000 400)
set -euo pipefail
cd "$(dirname "$0")/.."
MAXMEMORY=${1:-64mb}
PER_BATCH=${2:-1000}
BATCHES=${3:-400}

work=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize no \
  --maxmemory "$MAXMEMORY" >"$work/redis.log" 2>&1 &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on port $port, maxmemory $MAXMEMORY; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
node scripts/build-bench.mjs bench/moments.ts "$work/build"
node "$work/build/index.js" "redis://127.0.0.1:$port" "$PER_BATCH" "$BATCHES"
