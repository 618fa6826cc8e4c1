#!/usr/bin/env bash
# Builds a JDK 25 runtime base image without a registry or a daemon, for Jib's `tar://` base:
#   a Debian `debootstrap --variant=minbase` root filesystem (the release and mirror this machine's
#   apt uses) + a jlink-ed runtime of $JAVA_HOME in /opt/java/openjdk + user moesaic (10001),
#   packed as a `docker save`-style tar (manifest.json, config, one layer).
# The result is cached by a key over this script, the JDK release and the suite; prints its path.
# Usage: .ci/image-base.sh [CACHE_DIR]      (needs root for debootstrap; installs it with apt if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${1:-${MOESAIC_CI_CACHE:-$HOME/.cache/moesaic-ci}}/image-base"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

# Everything the server needs from the JDK: java.se (Spring uses java.desktop's java.beans,
# java.management, java.naming, java.sql, java.instrument...), the Vector API incubator module,
# jdk.unsupported (Netty, Reactor), monitoring and DNS/zip providers Spring Boot may load.
modules=java.se,jdk.incubator.vector,jdk.unsupported,jdk.management,jdk.management.agent,jdk.jfr,jdk.naming.dns,jdk.zipfs,jdk.crypto.ec,jdk.localedata,jdk.charsets,jdk.net

log() { echo "image-base: $*" >&2; }

[ -x "$jdk/bin/jlink" ] || { log "no jlink in JAVA_HOME=$jdk: point JAVA_HOME at a JDK 25"; exit 1; }
. /etc/os-release
suite="${VERSION_CODENAME:?/etc/os-release has no VERSION_CODENAME}"
# The Debian mirror apt is configured with here (deb822 or one-line format).
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 ~ /debian/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"; exit 1; }

key=$( (cat "$0"; cat "$jdk/release"; echo "$suite $modules") | sha256sum | cut -c1-16)
out="$cache/$key/base.tar"
if [ -s "$out" ]; then
  log "cached: $out"
  echo "$out"
  exit 0
fi

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >/dev/null \
    || { log "apt-get install debootstrap failed (needs root and Debian's package mirror)"; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/moesaic-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

log "debootstrap --variant=minbase $suite (about a minute)"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }

# Package caches, docs and device nodes do not belong in an image (the runtime provides /dev).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*
find "$rootfs/dev" -mindepth 1 -delete
find "$rootfs/proc" "$rootfs/sys" -mindepth 1 -delete 2>/dev/null || true

log "jlink $(. "$jdk/release"; echo "$JAVA_RUNTIME_VERSION") with $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$rootfs/opt/java/openjdk" >&2

# The image's user; the numeric id is what Jib's container.user and the chart use.
echo "moesaic:x:10001:10001:Moesaic:/home/moesaic:/usr/sbin/nologin" >>"$rootfs/etc/passwd"
echo "moesaic:x:10001:" >>"$rootfs/etc/group"
mkdir -p "$rootfs/home/moesaic" && chown 10001:10001 "$rootfs/home/moesaic"

log "packing the image tar"
python3 "$here/image_tool.py" pack-base "$rootfs" "$work/base.tar" \
  --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env JAVA_HOME=/opt/java/openjdk --env LANG=C.UTF-8 \
  --tag "moesaic-base:$suite-jdk25"
mkdir -p "$(dirname "$out")" && mv "$work/base.tar" "$out"
log "built $out ($(du -h "$out" | cut -f1))"
echo "$out"
