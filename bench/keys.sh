#!/usr/bin/env bash
# Times the key analysis on 1,000,000 keys side by side with `redis-cli --memkeys` on the same data,
# in the same run, on a fresh redis-server (never the machine's own). Prints both times, the ratio,
# our peak RSS, and the raw pipelined path, the Lua fast path and the client's pipelined path.
# Usage: bash bench/keys.sh [keys-per-prefix]   (default 200000: 5 prefixes = 1M keys)
set -euo pipefail
cd "$(dirname "$0")/.."
PER_PREFIX=${1:-200000}
PREFIXES=(session user cart cache:html queue:jobs)

work=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize no \
  --enable-debug-command yes >"$work/redis.log" 2>&1 &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Redis's own CPU seconds: the server's work, which the machine's load does not inflate as much as wall time.
rcpu() { redis-cli -p "$port" info cpu | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.2f", s }'; }
cpu_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
field() { node -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$1" "$2"; }

echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on port $port; $(nproc) cores; load before: $(load)"
for p in "${PREFIXES[@]}"; do redis-cli -p "$port" debug populate "$PER_PREFIX" "$p" 20 >/dev/null; done
echo "keys loaded: $(redis-cli -p "$port" dbsize); used_memory: $(redis-cli -p "$port" info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"

echo "building the analysis (ncc)..."
node scripts/build-bench.mjs bench/keys-analysis.ts "$work/build"
run() { node "$work/build/index.js" "redis://127.0.0.1:$port" "$@"; }

c0=$(rcpu); t0=$(now); redis-cli -p "$port" --memkeys >"$work/memkeys.txt"; t1=$(now); memkeys_cpu=$(cpu_of "$c0" "$(rcpu)")
memkeys=$(secs "$t0" "$t1")
echo "redis-cli --memkeys:           ${memkeys} s  ($(grep -c . "$work/memkeys.txt") lines of output; load $(load))"

c0=$(rcpu); t0=$(now); lua=$(run lua before "$work/keys-lua.bin"); t1=$(now); lua_cpu=$(cpu_of "$c0" "$(rcpu)")
lua_s=$(secs "$t0" "$t1")
echo "ours, Lua fast path:           ${lua_s} s wall incl. node start  $lua  (load $(load))"
c0=$(rcpu); t0=$(now); raw=$(run raw before "$work/keys-raw.bin"); t1=$(now); raw_cpu=$(cpu_of "$c0" "$(rcpu)")
raw_s=$(secs "$t0" "$t1")
echo "ours, raw pipelined path:      ${raw_s} s wall incl. node start  $raw  (load $(load))"
c0=$(rcpu); t0=$(now); pipe=$(run pipeline before "$work/keys-pipe.bin"); t1=$(now); pipe_cpu=$(cpu_of "$c0" "$(rcpu)")
pipe_s=$(secs "$t0" "$t1")
echo "ours, pipelined path:          ${pipe_s} s wall incl. node start  $pipe"

redis-cli -p "$port" debug populate 10000 leak 20 >/dev/null
redis-cli -p "$port" del session:1 user:2 >/dev/null
t0=$(now); after_lua=$(run lua after "$work/keys-lua.bin"); t1=$(now)
echo "ours, after + leak diff (Lua): $(secs "$t0" "$t1") s  $after_lua  (expect leaked 10000)"
t0=$(now); after_raw=$(run raw after "$work/keys-raw.bin"); t1=$(now)
echo "ours, after + leak diff (raw): $(secs "$t0" "$t1") s  $after_raw  (expect leaked 10000)"
t0=$(now); after_pipe=$(run pipeline after "$work/keys-lua.bin"); t1=$(now)
echo "ours, after + leak diff (pipe):$(secs "$t0" "$t1") s  $after_pipe  (expect leaked 10000)"
echo "key file: $(du -h "$work/keys-lua.bin" | cut -f1) for $(redis-cli -p "$port" dbsize) keys"

echo
echo "summary (analysis time inside our process; wall times above include node's start):"
echo "  redis-cli --memkeys:        ${memkeys} s; Redis CPU ${memkeys_cpu} s"
echo "  ours, Lua fast path:        $(field "$lua" seconds) s, peak RSS $(field "$lua" peakRssMb) MB, ratio $(ratio "$memkeys" "$(field "$lua" seconds)")x; Redis CPU ${lua_cpu} s, our CPU $(field "$lua" cpuSeconds) s"
echo "  ours, raw pipelined path:   $(field "$raw" seconds) s, peak RSS $(field "$raw" peakRssMb) MB, ratio $(ratio "$memkeys" "$(field "$raw" seconds)")x; Redis CPU ${raw_cpu} s, our CPU $(field "$raw" cpuSeconds) s"
echo "  ours, pipelined path:       $(field "$pipe" seconds) s, peak RSS $(field "$pipe" peakRssMb) MB, ratio $(ratio "$memkeys" "$(field "$pipe" seconds)")x; Redis CPU ${pipe_cpu} s, our CPU $(field "$pipe" cpuSeconds) s"
echo "  ours, after + diff (Lua):   $(field "$after_lua" seconds) s, peak RSS $(field "$after_lua" peakRssMb) MB, leaked $(field "$after_lua" leaked)"
echo "  ours, after + diff (raw):   $(field "$after_raw" seconds) s, peak RSS $(field "$after_raw" peakRssMb) MB, leaked $(field "$after_raw" leaked)"
echo "  ours, after + diff (pipe):  $(field "$after_pipe" seconds) s, peak RSS $(field "$after_pipe" peakRssMb) MB, leaked $(field "$after_pipe" leaked)"
echo "  wall ratio --memkeys / ours (Lua, incl. node start): $(ratio "$memkeys" "$lua_s")x"
echo "load after: $(load)"
