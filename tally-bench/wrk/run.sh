#!/usr/bin/env bash
# HTTP authorization benchmark: wrk against Tally's POST /v1/authorize, then against a bare Javalin endpoint that
# answers the same request with a fixed decision of the same size. Loopback only; every run is bounded.
#   ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
#   [TALLY_BEFORE_JAR=/path/to/old/tally.jar] [WRK_CONNECTIONS=32] [WRK_WARMUP=10s] [WRK_DURATION=15s] \
#     bash tally-bench/wrk/run.sh [java-binary]
# Needs wrk (apt-get install wrk). Besides wrk's figures it prints the CPU time each server process used per request
# during the measured run (user + system, from /proc), which stays meaningful when the machine is shared and
# throughput is not. With TALLY_BEFORE_JAR, the older build is measured first the same way, in the same run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${1:-java}"
work="$(mktemp -d)"
source "$root/tally-bench/wrk/lib.sh"
tally_port=$(free_port)
bare_port=$(free_port)
key=wrk-admin
warmup="${WRK_WARMUP:-10s}"
duration="${WRK_DURATION:-15s}"
connections="${WRK_CONNECTIONS:-32}"
script="$root/tally-bench/wrk/authorize.lua"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

sample_decision() {
  curl -s -X POST "127.0.0.1:$1/v1/authorize" -H "Authorization: Bearer $key" -d '{"customer":"c1",
    "provider":"openai","model":"gpt-4o","endpoint":"/api/chat","estimate":{"input_tokens":800,"output_tokens":400},
    "ttl_seconds":5}'
}

if [ -n "${TALLY_BEFORE_JAR:-}" ]; then
  start_tally "$TALLY_BEFORE_JAR" $tally_port
  seed $tally_port
  bench "before ($TALLY_BEFORE_JAR) POST /v1/authorize" "http://127.0.0.1:$tally_port/v1/authorize" $tally_pid "$script"
  kill $tally_pid; wait $tally_pid 2>/dev/null || true
fi

start_tally "$root/tally-server/target/tally.jar" $tally_port
seed $tally_port
sample=$(sample_decision $tally_port)
bench "Tally POST /v1/authorize" "http://127.0.0.1:$tally_port/v1/authorize" $tally_pid "$script"
kill $tally_pid; wait $tally_pid 2>/dev/null || true

start_bare $bare_port /decide "$sample"
bench "bare Javalin POST /decide (same request, fixed ${#sample}-byte answer)" "http://127.0.0.1:$bare_port/decide" \
  $bare_pid "$script"
