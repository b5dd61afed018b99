#!/usr/bin/env bash
# Key analysis over a local 3-master Redis Cluster holding 1,000,000 keys: the three masters'
# inventories in parallel vs the slowest master's alone (goal: within 1.3x). Starts and removes
# its own cluster on free ports (never the machine's own Redis). On a shared or 2-core machine
# the three servers and the client compete for cores: read the figures as noisy.
# Usage: bash bench/cluster-keys.sh [keys] [runs]   (default 1000000 2)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*'); $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
node scripts/build-bench.mjs bench/cluster-keys.ts "$work/build"
node "$work/build/index.js" "${1:-1000000}" "${2:-2}" | grep -v '^redis-server --port\|^/'
