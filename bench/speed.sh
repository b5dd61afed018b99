#!/usr/bin/env bash
# The key analysis against `redis-cli --memkeys` on a mixed keyspace, side by side in one run, on a
# fresh redis-server (never the machine's own): key-memory auto and exact, on a quiet machine and
# with a CPU hog keeping one core busy (started and stopped here). Prints wall times, ratios, our
# CPU per key, peak RSS, Redis's CPU, and whether each sampled prefix total lies within its stated
# interval of the exact total. Beside them, `redis-cli --scan` (key names only, no memory, as
# redis-cli reads them). Last, our CPU per key with Redis out of the figure
# (bench/client-cpu.ts over recorded SCAN replies). The load average is printed with every
# figure: above the core count, figures are marked noisy.
# Usage: bash bench/speed.sh [keys]   (default 1000000: strings, hashes, lists, sets, sorted sets, streams)
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-1000000}

work=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
hog_pid=
stop_hog() { if [ -n "$hog_pid" ]; then kill "$hog_pid" 2>/dev/null || true; wait "$hog_pid" 2>/dev/null || true; hog_pid=; fi; }
cleanup() { stop_hog; kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

cores=$(nproc)
load() { cut -d' ' -f1 /proc/loadavg; }
loadnote() { awk -v l="$(load)" -v c="$cores" 'BEGIN { printf "load %s%s", l, (l > c ? ", noisy" : "") }'; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
rcpu() { redis-cli -p "$port" info cpu | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.2f", s }'; }
field() { node -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$1" "$2"; }

# Six prefixes, one type each (bench/mixed-keyspace.lua).
LOAD=$(cat bench/mixed-keyspace.lua)
share() { awk -v k="$KEYS" -v s="$1" 'BEGIN { printf "%d", k * s }'; }
populate() {
  local type=$1 prefix=$2 n=$3 from=1
  while [ "$from" -le "$n" ]; do
    local to=$((from + 49999)); [ "$to" -gt "$n" ] && to=$n
    redis-cli -p "$port" eval "$LOAD" 0 "$type" "$prefix" "$from" "$to" >/dev/null
    from=$((to + 1))
  done
}
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*') on port $port; $cores cores; $(loadnote)"
t0=$(now)
populate string session "$(share 0.3)"
populate hash user "$(share 0.2)"
populate list queue "$(share 0.15)"
populate set tags "$(share 0.15)"
populate zset rank "$(share 0.1)"
populate stream events "$(share 0.1)"
echo "keys loaded: $(redis-cli -p "$port" dbsize) in $(secs "$t0" "$(now)") s; used_memory $(redis-cli -p "$port" info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"

echo "building the analysis (ncc)..."
node scripts/build-bench.mjs bench/key-memory.ts "$work/build"
node scripts/build-bench.mjs bench/client-cpu.ts "$work/client-cpu"
ours() { node "$work/build/index.js" "redis://127.0.0.1:$port" "$1"; }

declare -A wall rcpu_of json
# One round: --memkeys, auto, exact; $1 names it.
round() {
  local tag=$1 c0 t0 t1
  c0=$(rcpu); t0=$(now); redis-cli -p "$port" --memkeys >"$work/memkeys.txt"; t1=$(now)
  wall[$tag-memkeys]=$(secs "$t0" "$t1"); rcpu_of[$tag-memkeys]=$(secs "$c0" "$(rcpu)")
  echo "  $tag redis-cli --memkeys: ${wall[$tag-memkeys]} s wall, Redis CPU ${rcpu_of[$tag-memkeys]} s ($(loadnote))"
  c0=$(rcpu); t0=$(now); redis-cli -p "$port" --scan >/dev/null; t1=$(now)
  wall[$tag-scan]=$(secs "$t0" "$t1")
  echo "  $tag redis-cli --scan (names only, no memory): ${wall[$tag-scan]} s wall, Redis CPU $(secs "$c0" "$(rcpu)") s ($(loadnote))"
  for mode in auto exact; do
    c0=$(rcpu); t0=$(now); json[$tag-$mode]=$(ours "$mode"); t1=$(now)
    wall[$tag-$mode]=$(secs "$t0" "$t1"); rcpu_of[$tag-$mode]=$(secs "$c0" "$(rcpu)")
    echo "  $tag ours, key-memory $mode: ${wall[$tag-$mode]} s wall incl. node start, $(field "${json[$tag-$mode]}" seconds) s inside, Redis CPU ${rcpu_of[$tag-$mode]} s, our CPU $(field "${json[$tag-$mode]}" cpuSeconds) s ($(field "${json[$tag-$mode]}" cpuUsPerKey) µs/key), $(field "${json[$tag-$mode]}" measured) keys measured, peak RSS $(field "${json[$tag-$mode]}" peakRssMb) MB ($(loadnote))"
  done
}

echo "quiet round:"
round quiet
echo "hog round (one core kept busy):"
node -e 'for (;;) {}' &
hog_pid=$!
sleep 1
round hog
stop_hog

echo
echo "prefix totals, auto (sampled) against exact, quiet round:"
node -e '
const a = JSON.parse(process.argv[1]), e = JSON.parse(process.argv[2])
const exact = new Map(e.groups.map((g) => [g.prefix, g.bytes]))
let inside = 0
for (const g of a.groups) {
  const x = exact.get(g.prefix), off = g.bytes - x
  const ok = Math.abs(off) <= g.margin
  if (ok) inside++
  console.log(`  ${g.prefix.padEnd(10)} ${String(g.keys).padStart(8)} keys  exact ${(x / 1e6).toFixed(2)} MB  sampled ${(g.bytes / 1e6).toFixed(2)} MB ± ${(g.margin / 1e6).toFixed(2)} MB  off ${(off / 1e6).toFixed(2)} MB  ${ok ? "within" : "OUTSIDE"}`)
}
console.log(`  ${inside} of ${a.groups.length} prefixes within their 95% interval`)
' "${json[quiet-auto]}" "${json[quiet-exact]}"

echo
echo "our CPU per key, Redis out of the figure ($(loadnote)):"
node "$work/client-cpu/index.js" "redis://127.0.0.1:$port" 5

echo
echo "summary ($KEYS keys; ratios are --memkeys wall time over ours, node start included):"
for tag in quiet hog; do
  echo "  $tag: --memkeys ${wall[$tag-memkeys]} s; auto ${wall[$tag-auto]} s ($(ratio "${wall[$tag-memkeys]}" "${wall[$tag-auto]}")x); exact ${wall[$tag-exact]} s ($(ratio "${wall[$tag-memkeys]}" "${wall[$tag-exact]}")x); redis-cli --scan ${wall[$tag-scan]} s"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
