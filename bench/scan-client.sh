#!/usr/bin/env bash
# Whether the key scan's hot path may keep its own socket (src/keys/raw.ts): node-redis against
# the lean path on the same keys, interleaved (bench/scan-client.ts), on a fresh redis-server
# (never the machine's own). The load average is printed before and after: above the core count,
# the figures are noisy.
# Usage: bash bench/scan-client.sh [keys] [rounds]   (default 500000 keys, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-500000}
ROUNDS=${2:-5}

work=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize no \
  --enable-debug-command yes >"$work/redis.log" 2>&1 &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on port $port; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
redis-cli -p "$port" debug populate "$KEYS" "key" 20 >/dev/null
echo "keys loaded: $(redis-cli -p "$port" dbsize)"
echo "building (ncc)..."
node scripts/build-bench.mjs bench/scan-client.ts "$work/build"
node "$work/build/index.js" "redis://127.0.0.1:$port" "$ROUNDS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
