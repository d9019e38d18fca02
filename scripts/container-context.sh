#!/usr/bin/env bash
# The build context for Containerfile: the release executable, every shared library `ldd` finds
# for it (and the dynamic loader), the CA bundle, a passwd entry for user 10001.
# Usage: scripts/container-context.sh DIR   (after `npm run release`)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:?usage: scripts/container-context.sh DIR}"
version="$(node -p "require('./package.json').version")"
exe="${TQ_RELEASE_DIR:-release}/tq-conn-netscout-aed-${version}-linux-x64"
[ -x "$exe" ] || { echo "container-context: $exe missing: run npm run release" >&2; exit 1; }
ca=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca" ] || { echo "container-context: $ca missing (apt-get install ca-certificates)" >&2; exit 1; }

rm -rf "$out"
root="$out/rootfs"
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/config" "$root/tmp"
install -m 0755 "$exe" "$root/usr/local/bin/tq-conn-netscout-aed"
# Every library ldd resolves (path after "=>"), and the loader itself (an absolute first field).
ldd "$exe" | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }' | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -L "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0::/:/nonexistent\nconnector:x:10001:10001::/config:/nonexistent\n' >"$root/etc/passwd"
printf 'root:x:0:\nconnector:x:10001:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
chown -R 10001:10001 "$root/config" 2>/dev/null || true
cp Containerfile "$out/Containerfile"
echo "container-context: $out ($(du -sh "$out" | cut -f1))"
