#!/usr/bin/env bash
# Builds the vendored servers the engine suite (__tests__/redis-servers.engines.test.ts, npm run test:engines) runs against, once,
# into a cache folder outside the clone, so a fresh clone reuses them instead of spending
# minutes per server on make.
#
#   scripts/build-engines.sh [valkey-8.0.1] [redis-7.4.1]     (default: all of them)
#
#   REDIS_GUARD_VENDOR        where the tarballs are       (default: <clone>/../shared/vendor)
#   REDIS_GUARD_ENGINE_CACHE  where the built servers go   (default: /var/cache/redis-memory-guard/engines)
#
# Result: $REDIS_GUARD_ENGINE_CACHE/<name>-<version>/bin/<name>-server (and <name>-cli).
# A build is reused only when its recorded tarball sha256 matches the tarball's, so a changed
# tarball rebuilds; a half-finished build is never reused (it lands under its final name last).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
vendor="${REDIS_GUARD_VENDOR:-$repo/../shared/vendor}"
cache="${REDIS_GUARD_ENGINE_CACHE:-/var/cache/redis-memory-guard/engines}"

# The tarballs' sha256, as published beside them: a tarball that does not match is not built.
declare -A expected=(
  [valkey-8.0.1]=bccb382a0f583fb419526348ed07c3d19e0b6fe8f5492aa3b3037793016ea478
  [redis-7.4.1]=4de2e6f23676e4d3872547a51731b8c78de812ff09260712c20f4ce01d1bad30
)

if [ $# -gt 0 ]; then
  engines=("$@")
else
  engines=(valkey-8.0.1 redis-7.4.1)
fi

for engine in "${engines[@]}"; do
  if [ -z "${expected[$engine]:-}" ]; then
    echo "build-engines: unknown engine '$engine'; valid: ${!expected[*]}" >&2
    exit 2
  fi
done

if [ ! -d "$vendor" ]; then
  echo "build-engines: no vendor folder at $vendor; set REDIS_GUARD_VENDOR to the folder holding ${engines[0]}.tar.gz" >&2
  exit 2
fi

mkdir -p "$cache"
# Two runs at once (two checkouts, a test and CI) would both build: the second waits instead.
exec 9>"$cache/.lock"
if ! flock -w 1800 9; then
  echo "build-engines: another build holds $cache/.lock for over 30 minutes; giving up" >&2
  exit 1
fi

jobs="${REDIS_GUARD_BUILD_JOBS:-2}"

for engine in "${engines[@]}"; do
  name="${engine%%-*}"
  tarball="$vendor/$engine.tar.gz"
  dest="$cache/$engine"
  if [ ! -f "$tarball" ]; then
    echo "build-engines: missing $tarball" >&2
    exit 1
  fi
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [ "$sum" != "${expected[$engine]}" ]; then
    echo "build-engines: $tarball has sha256 $sum, expected ${expected[$engine]}; not building it" >&2
    exit 1
  fi

  if [ -x "$dest/bin/$name-server" ] && [ "$(cat "$dest/tarball.sha256" 2>/dev/null)" = "$sum" ] \
    && "$dest/bin/$name-server" --version >/dev/null 2>&1; then
    echo "$engine: cached ($dest/bin/$name-server)"
    continue
  fi

  echo "$engine: building with make -j$jobs (several minutes on 2 cores)"
  work="$(mktemp -d "$cache/.build-$engine.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  start=$(date +%s)
  tar -xzf "$tarball" -C "$work"
  # jemalloc as on a packaged server (the default on Linux); no TLS: the suite does not use it
  # and it would need the OpenSSL headers.
  if ! make -C "$work/$engine" -j"$jobs" BUILD_TLS=no >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    echo "build-engines: make failed for $engine (log above)" >&2
    exit 1
  fi
  mkdir -p "$work/out/bin"
  cp "$work/$engine/src/$name-server" "$work/$engine/src/$name-cli" "$work/out/bin/"
  echo "$sum" >"$work/out/tarball.sha256"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  rm -rf "$work"
  trap - EXIT
  elapsed=$(($(date +%s) - start))
  echo "$engine: built in $((elapsed / 60))m$((elapsed % 60))s -> $dest/bin/$name-server"
  "$dest/bin/$name-server" --version
done
