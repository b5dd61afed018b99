#!/usr/bin/env bash
# Test set-up for container tests: installs podman when missing, writes the runtime settings this
# kind of sandbox needs, and builds a local Redis image from the installed redis-server (there is
# no image registry here). Idempotent; run as root. The action itself needs none of this.
set -euo pipefail
IMAGE="${1:-localhost/redis:test}"

if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null
fi

mkdir -p /etc/containers
conf=/etc/containers/containers.conf
if ! grep -q 'runtime = "runc"' "$conf" 2>/dev/null; then
  cat >"$conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1000:1000"]

[engine]
runtime = "runc"
CONF
fi

if podman image exists "$IMAGE"; then
  echo "image $IMAGE present"
  exit 0
fi

server=$(command -v redis-server)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/tmp" "$root/data"
cp "$server" "$root/usr/bin/redis-server"
# The libraries the server links against, at the same paths, plus the dynamic loader.
ldd "$server" | grep -o '/[^ ]*' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
tar -C "$root" -cf "$root.tar" .
podman import --change 'CMD ["/usr/bin/redis-server", "--protected-mode", "no"]' --change 'EXPOSE 6379' "$root.tar" "$IMAGE" >/dev/null
rm -f "$root.tar"
echo "built $IMAGE from $server"
