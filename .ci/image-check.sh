#!/usr/bin/env bash
# Container image check (issue 8), no daemon and no registry:
#  1. unit tests of the image tar helper (.ci/test_image_tool.py);
#  2. a JDK 25 base image built locally (.ci/image-base.sh: debootstrap minbase + jlink, cached);
#  3. `mvn -Pimage ... jib:buildTar` on that base (tar://);
#  4. the image config: non-root user, entrypoint with the JVM flags and main class, `serve`,
#     port 8080, no model files in any layer;
#  5. the image's root filesystem unpacked and the server started from it (chroot in private
#     mount and pid namespaces, as the image user) until /ready answers; then SIGTERM and a clean exit.
# Until the server lands, step 5 recognises "unknown command 'serve'" and skips with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
log() { echo "image-check: $*"; }

PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -s .ci -p 'test_image_tool.py'

base=$(bash .ci/image-base.sh | tail -n 1)
[ -s "$base" ] || { log "FAILED: .ci/image-base.sh gave no base image tar (got: $base)" >&2; exit 1; }
image=serving-api/target/moesaic-image.tar
log "jib:buildTar on tar://$base"
if ! mvn -B -q -Pimage -pl serving-api -am package jib:buildTar -DskipTests -Djib.from.image="tar://$base" \
    >target/image-build.log 2>&1; then
  tail -40 target/image-build.log >&2
  log "FAILED: jib:buildTar (full log in target/image-build.log)" >&2
  exit 1
fi
log "built $image ($(du -h "$image" | cut -f1))"
python3 .ci/image_tool.py check "$image"

rootfs="$root/target/image-rootfs"
rm -rf "$rootfs"
python3 .ci/image_tool.py unpack "$image" "$rootfs"
mkdir -p "$rootfs/dev" "$rootfs/proc" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"

# The image's command and environment, exactly as a container runtime would use them.
read -r -a command < <(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["command"]))' \
  < <(python3 .ci/image_tool.py run-args "$image"))
mapfile -t env_vars < <(python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["env"]))' \
  < <(python3 .ci/image_tool.py run-args "$image"))
user=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["user"])' < <(python3 .ci/image_tool.py run-args "$image"))
workdir=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["workdir"])' < <(python3 .ci/image_tool.py run-args "$image"))
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_log="$root/target/image-server.log"

log "starting from the image's rootfs as user $user on port $port: ${command[*]}"
# Private mount + pid namespaces: /dev, /proc and a fresh /tmp exist only for the server, and
# the JVM runs as PID 1 as in a container. The host network is shared so curl reaches the port.
unshare --mount --pid --fork -- /bin/bash -c '
  set -e
  rootfs=$1; user=$2; workdir=$3; shift 3
  mount --rbind /dev "$rootfs/dev"
  mount -t proc proc "$rootfs/proc"
  mount -t tmpfs -o mode=1777 tmpfs "$rootfs/tmp"
  exec chroot --userspec="$user" "$rootfs" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$workdir" "$@"
' moesaic-image "$rootfs" "$user" "$workdir" \
  env -i "${env_vars[@]}" HOME=/home/moesaic SERVER_PORT="$port" MOESAIC_DRAIN_TIMEOUT=10s "${command[@]}" \
  >"$server_log" 2>&1 &
unshare_pid=$!

server_pid() { cat "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null | awk '{print $1}'; }
stop_server() {
  local pid
  pid=$(server_pid || true)
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  kill -KILL "$unshare_pid" 2>/dev/null || true
  wait "$unshare_pid" 2>/dev/null || true
}
trap stop_server EXIT

ready=0
for _ in $(seq 1 240); do
  if ! kill -0 "$unshare_pid" 2>/dev/null; then
    wait "$unshare_pid" && code=0 || code=$?
    if grep -q "unknown command 'serve'" "$server_log"; then
      log "SKIPPED starting the server from the image: dev.moesaic.Moesaic has no 'serve' command yet" \
          "(it answered: $(grep -m1 "unknown command" "$server_log")). The image itself was built and checked above;" \
          "rerun .ci/image-check.sh once the server is merged."
      exit 0
    fi
    cat "$server_log" >&2
    log "FAILED: the server from the image exited with code $code before /ready answered (log above)" >&2
    exit 1
  fi
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  tail -50 "$server_log" >&2
  log "FAILED: /ready did not answer 200 within 120 s" >&2
  exit 1
fi
log "/ready answered 200"
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { log "FAILED: /health did not answer 200" >&2; exit 1; }
models=$(curl -fsS "http://127.0.0.1:$port/v1/models") || { log "FAILED: GET /v1/models" >&2; exit 1; }
log "/health 200, /v1/models: $(echo "$models" | head -c 200)"

# Graceful shutdown as Kubernetes does it: SIGTERM, then the process must exit within the drain timeout.
pid=$(server_pid)
kill -TERM "$pid"
for _ in $(seq 1 60); do
  kill -0 "$unshare_pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$unshare_pid" 2>/dev/null; then
  tail -30 "$server_log" >&2
  log "FAILED: the server did not exit within 30 s of SIGTERM (drain timeout 10 s)" >&2
  exit 1
fi
log "server from the image started, answered /ready, and stopped on SIGTERM"
