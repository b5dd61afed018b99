#!/usr/bin/env bash
# Builds the servers the engine suite (__tests__/redis-servers.engines.test.ts, npm run test:engines) runs against, once,
# into a cache folder outside the clone, so a fresh clone reuses them instead of spending
# minutes per server on make.
#
#   scripts/build-engines.sh [valkey-8.0.1] [redis-7.4.1]     (default: all of them)
#
#   REDIS_GUARD_VENDOR        where the tarballs are       (default: <clone>/../shared/vendor; a
#                             missing tarball is downloaded from the project's GitHub tag archive)
#   REDIS_GUARD_ENGINE_CACHE  where the built servers go   (default: /var/cache/redis-memory-guard/engines)
#   REDIS_GUARD_BUILD_JOBS    make -j for each build       (default: the cores shared among the builds)
#
# Result: $REDIS_GUARD_ENGINE_CACHE/<name>-<version>/bin/<name>-server (and <name>-cli).
# The engines build side by side (one make each, the cores split between them): each build has
# long serial stretches (configure, jemalloc, linking) that leave a core idle when they run one
# after the other. A build is reused only when its recorded tarball sha256 matches, so a changed
# tarball rebuilds; a half-finished build is never reused (it lands under its final name last).
# Each engine has its own lock: a second run waits for the build it needs instead of repeating it.
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

# Where a tarball comes from when the vendor folder lacks it: the tag's source archive on GitHub.
declare -A source_url=(
  [valkey-8.0.1]=https://github.com/valkey-io/valkey/archive/refs/tags/8.0.1.tar.gz
  [redis-7.4.1]=https://github.com/redis/redis/archive/refs/tags/7.4.1.tar.gz
)

mkdir -p "$cache"
cores=$(nproc 2>/dev/null || echo 2)
jobs="${REDIS_GUARD_BUILD_JOBS:-$(((cores + ${#engines[@]} - 1) / ${#engines[@]}))}"

# Builds one engine into the cache unless a build of the same tarball is there; its output goes
# to stdout, prefixed by the caller.
build_one() {
  local engine=$1 name="${1%%-*}" tarball="$vendor/$1.tar.gz" dest="$cache/$1" sum work start elapsed
  exec 9>"$cache/.lock-$engine"
  if ! flock -w 1800 9; then
    echo "another build of $engine holds $cache/.lock-$engine for over 30 minutes; giving up" >&2
    return 1
  fi
  # Built from the expected tarball before: no tarball needed.
  if [ -x "$dest/bin/$name-server" ] && [ "$(cat "$dest/tarball.sha256" 2>/dev/null)" = "${expected[$engine]}" ] \
    && "$dest/bin/$name-server" --version >/dev/null 2>&1; then
    echo "cached ($dest/bin/$name-server)"
    return 0
  fi
  work="$(mktemp -d "$cache/.build-$engine.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  if [ ! -f "$tarball" ]; then
    echo "no $tarball: downloading ${source_url[$engine]}"
    tarball="$work/$engine.tar.gz"
    if ! curl -fsSL --retry 2 -o "$tarball" "${source_url[$engine]}"; then
      echo "could not download ${source_url[$engine]}; put $engine.tar.gz in REDIS_GUARD_VENDOR" >&2
      return 1
    fi
  fi
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [ "$sum" != "${expected[$engine]}" ]; then
    echo "$tarball has sha256 $sum, expected ${expected[$engine]}; not building it" >&2
    return 1
  fi
  echo "building with make -j$jobs (a few minutes on 2 cores)"
  start=$(date +%s)
  tar -xzf "$tarball" -C "$work"
  # jemalloc as on a packaged server (the default on Linux); no TLS: the suite does not use it
  # and it would need the OpenSSL headers. Only the server and the CLI: the suite runs no other tool.
  if ! make -C "$work/$engine/src" -j"$jobs" BUILD_TLS=no "$name-server" "$name-cli" >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    echo "make failed for $engine (log above)" >&2
    return 1
  fi
  mkdir -p "$work/out/bin"
  cp "$work/$engine/src/$name-server" "$work/$engine/src/$name-cli" "$work/out/bin/"
  echo "$sum" >"$work/out/tarball.sha256"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  elapsed=$(($(date +%s) - start))
  echo "built in $((elapsed / 60))m$((elapsed % 60))s -> $dest/bin/$name-server ($("$dest/bin/$name-server" --version | cut -d' ' -f3))"
}

# Shared: runs of this script go on side by side; an older one, which holds .lock alone for all its
# builds, is waited for.
exec 8>"$cache/.lock"
flock -s -w 1800 8 || { echo "build-engines: $cache/.lock held for over 30 minutes; giving up" >&2; exit 1; }

pids=()
for engine in "${engines[@]}"; do
  (build_one "$engine" 2>&1 | sed -u "s/^/$engine: /") &
  pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
# A failed build says so on its own lines; the pipe above hides its status, so check the result.
for engine in "${engines[@]}"; do
  name="${engine%%-*}"
  [ -x "$cache/$engine/bin/$name-server" ] || failed=1
done
if [ "$failed" -ne 0 ]; then
  echo "build-engines: not every engine was built (see above)" >&2
  exit 1
fi
