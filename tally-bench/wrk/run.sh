#!/usr/bin/env bash
# HTTP authorization benchmark: wrk against Tally's POST /v1/authorize, then against a bare Javalin endpoint that
# answers the same request with a fixed decision of the same size. Loopback only; every run is bounded.
#   ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
#   [WRK_CONNECTIONS=32] [WRK_WARMUP=10s] [WRK_DURATION=15s] bash tally-bench/wrk/run.sh [java-binary]
# Needs wrk (apt-get install wrk). Besides wrk's figures it prints the CPU time each server process used per request
# during the measured run (user + system, from /proc), which stays meaningful when the machine is shared and
# throughput is not.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${1:-java}"
work="$(mktemp -d)"
tally_port=18090
bare_port=18091
key=wrk-admin
warmup="${WRK_WARMUP:-10s}"
duration="${WRK_DURATION:-15s}"
connections="${WRK_CONNECTIONS:-32}"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

wait_up() { for _ in $(seq 1 60); do curl -s -o /dev/null "$1" && return 0; sleep 1; done; echo "not up: $1" >&2; exit 1; }
# CPU ticks (user + system) a process has used so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Runs wrk's measured pass against $1 (URL) for server process $2 and adds the server's CPU per request.
measure() {
  local before after out requests
  before=$(ticks "$2")
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$root/tally-bench/wrk/authorize.lua" "$1")
  after=$(ticks "$2")
  echo "$out"
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "  server CPU: %.1f s, %.1f us per request\n", t / hz, t / hz * 1e6 / n}'
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

TALLY_ADMIN_KEY=$key "$java" -jar "$root/tally-server/target/tally.jar" serve --port $tally_port \
  --data-dir "$work/data" > "$work/tally.log" 2>&1 &
tally_pid=$!
wait_up "http://127.0.0.1:$tally_port/health"
auth="Authorization: Bearer $key"
curl -s -o /dev/null -X PUT "127.0.0.1:$tally_port/v1/prices" -H "$auth" -d '[
  {"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50","per":1000000},
  {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000}]'
curl -s -o /dev/null -X PUT "127.0.0.1:$tally_port/v1/plans/pro" -H "$auth" -d '{"limits":[
  {"metric":"requests","window":"month","amount":1000000000},
  {"metric":"requests","window":"minute","amount":100000000},
  {"metric":"tokens","window":"day","amount":1000000000000},
  {"metric":"tokens","window":"month","amount":1000000000000,"provider":"openai","mode":"soft"},
  {"metric":"cost","window":"month","amount":"100000000.00"}]}'
for i in $(seq 0 99); do
  curl -s -o /dev/null -X PUT "127.0.0.1:$tally_port/v1/customers/c$i" -H "$auth" -d '{"plan":"pro"}'
done
sample=$(curl -s -X POST "127.0.0.1:$tally_port/v1/authorize" -H "$auth" -d '{"customer":"c1","provider":"openai",
  "model":"gpt-4o","endpoint":"/api/chat","estimate":{"input_tokens":800,"output_tokens":400},"ttl_seconds":5}')

echo "== Tally POST /v1/authorize"
wrk -t2 -c"$connections" -d"$warmup" -s "$root/tally-bench/wrk/authorize.lua" "http://127.0.0.1:$tally_port/v1/authorize" > /dev/null
measure "http://127.0.0.1:$tally_port/v1/authorize" $tally_pid
kill $tally_pid

"$java" -cp "$root/tally-bench/target/benchmarks.jar" "$root/tally-bench/wrk/BareServer.java" $bare_port "$sample" \
  > "$work/bare.log" 2>&1 &
bare_pid=$!
for _ in $(seq 1 60); do curl -s -o /dev/null -X POST "127.0.0.1:$bare_port/decide" && break; sleep 1; done
echo "== bare Javalin POST /decide (same request, fixed ${#sample}-byte answer)"
wrk -t2 -c"$connections" -d"$warmup" -s "$root/tally-bench/wrk/authorize.lua" "http://127.0.0.1:$bare_port/decide" > /dev/null
measure "http://127.0.0.1:$bare_port/decide" $bare_pid
