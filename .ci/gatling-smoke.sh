#!/usr/bin/env bash
# Gatling smoke run (issue 8): starts `./moesaic serve` on a free local port, waits for /ready, runs
# loadtest's SmokeSimulation (about 15 s of plain and streamed chats; fails on any failed request or
# p95 above moesaic.p95Ms), then stops the server with SIGTERM. The server is stopped on every exit path.
# Until the server lands, "unknown command 'serve'" is recognised and the run is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
log() { echo "gatling-smoke: $*"; }

mkdir -p target
# Compile the simulations first, so a broken simulation fails here even while the server is missing.
mvn -B -q -pl loadtest test-compile >target/gatling-compile.log 2>&1 \
  || { tail -40 target/gatling-compile.log >&2; log "FAILED: the loadtest module does not compile" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_log=target/gatling-smoke-server.log
log "starting ./moesaic serve --port $port (log: $server_log)"
# The launcher execs java, so $! is the server's pid.
./moesaic serve --port "$port" >"$server_log" 2>&1 &
server=$!

stop_server() {
  kill -0 "$server" 2>/dev/null || return 0
  kill -TERM "$server" 2>/dev/null || true
  for _ in $(seq 1 80); do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

ready=0
for _ in $(seq 1 360); do   # the first start may build the jar
  if ! kill -0 "$server" 2>/dev/null; then
    wait "$server" && code=0 || code=$?
    if grep -q "unknown command 'serve'" "$server_log"; then
      log "SKIPPED: dev.moesaic.Moesaic has no 'serve' command yet ($(grep -m1 "unknown command" "$server_log"))." \
          "SmokeSimulation compiles; rerun .ci/gatling-smoke.sh once the server is merged."
      exit 0
    fi
    tail -50 "$server_log" >&2
    log "FAILED: the server exited with code $code before /ready answered (log above)" >&2
    exit 1
  fi
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
[ "$ready" = 1 ] || { tail -50 "$server_log" >&2; log "FAILED: /ready did not answer 200 within 180 s" >&2; exit 1; }
log "/ready answered; running SmokeSimulation"

gatling_log=target/gatling-smoke.log
if mvn -B -pl loadtest gatling:test \
    -Dgatling.simulationClass=dev.moesaic.loadtest.SmokeSimulation \
    -Dmoesaic.baseUrl="http://127.0.0.1:$port" \
    -Dmoesaic.durationSeconds="${MOESAIC_SMOKE_SECONDS:-15}" >"$gatling_log" 2>&1; then
  status=0
else
  status=$?
fi
# Gatling's summary, the assertion verdicts and the stream-timing table.
sed -n '/---- Global Information/,/^=\{20,\}/p' "$gatling_log"
grep -E '^(Global|details|[a-z ]+): .* : (true|false)' "$gatling_log" || true
sed -n '/== stream timings/,/^(milliseconds/p' "$gatling_log"
if [ "$status" != 0 ]; then
  grep -E 'ERROR|Exception|: false' "$gatling_log" | head -20 >&2 || true
  log "FAILED: SmokeSimulation (full log in $gatling_log, report under loadtest/target/gatling/)" >&2
  exit 1
fi
log "passed: 0 failed requests; report under loadtest/target/gatling/"
