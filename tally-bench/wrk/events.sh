#!/usr/bin/env bash
# HTTP single-event ingestion benchmark: wrk posting one event per request, each with a unique id, to Tally's
# POST /v1/events (acknowledged only after its group commit, SQLite with synchronous=FULL), then to a bare Javalin
# endpoint that answers the same requests with a fixed answer of the same size. Loopback only; every run is bounded.
#   ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
#   [TALLY_BEFORE_JAR=/path/to/old/tally.jar] [WRK_CONNECTIONS=64] [WRK_WARMUP=10s] [WRK_DURATION=15s] \
#     bash tally-bench/wrk/events.sh [java-binary]
# Needs wrk and jq. Prints wrk's figures, the CPU time each server process used per request during the measured run
# (user + system, from /proc) and the load average; with TALLY_BEFORE_JAR, the older build is measured first the same
# way. Afterwards it checks that Tally stored at least every event it acknowledged (its usage total).
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
connections="${WRK_CONNECTIONS:-64}"
script="$root/tally-bench/wrk/events.lua"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# Prints the number of events stored for the current month on the Tally at port $1 (the overview's request total).
stored() {
  curl -s "127.0.0.1:$1/v1/usage?period=current&limit=1000" -H "Authorization: Bearer $key" \
    | jq '.totals.requests'
}

# Warm-up and measured pass against the Tally jar $2, then the durability check; $1 is the title.
bench_tally() {
  start_tally "$2" $tally_port
  seed $tally_port
  sample=$(curl -s -X POST "127.0.0.1:$tally_port/v1/events" -H "Authorization: Bearer $key" \
    -d '{"id":"probe","customer":"c1","provider":"openai","model":"gpt-4o","usage":{"input_tokens":1}}')
  out=$(bench "$1" "http://127.0.0.1:$tally_port/v1/events" $tally_pid "$script")
  echo "$out"
  # Every answered request acknowledged one event (wrk reports answers other than 2xx and 3xx); requests still in
  # flight when wrk stopped may be stored without wrk counting them, so stored >= acknowledged.
  if echo "$out" | grep -q "Non-2xx"; then
    echo "  FAILED: some requests were not acknowledged; the server's log ends:"
    tail -20 "$tally_log"
  fi
  acknowledged=$(echo "$out" | awk '/warm-up:/ {w = $2} /requests in/ {m = $1} END {print w + m + 1}')
  total=$(stored $tally_port)
  echo "  acknowledged $acknowledged events (warm-up, measured, probe), stored $total:" \
    "$([ "$total" -ge "$acknowledged" ] && echo OK || echo LOST)"
  kill $tally_pid; wait $tally_pid 2>/dev/null || true
}

if [ -n "${TALLY_BEFORE_JAR:-}" ]; then
  bench_tally "before ($TALLY_BEFORE_JAR) POST /v1/events, one event per request" "$TALLY_BEFORE_JAR"
fi
bench_tally "Tally POST /v1/events, one event per request" "$root/tally-server/target/tally.jar"

start_bare $bare_port /v1/events "$sample"
bench "bare Javalin POST /v1/events (same requests, fixed ${#sample}-byte answer)" \
  "http://127.0.0.1:$bare_port/v1/events" $bare_pid "$script"
