#!/usr/bin/env bash
# A/B of two server builds under the same wrk load on POST /v1/authorize, alternating A and B so that a shared
# machine's drift hits both alike. Used to measure what a change costs on the hot path (docs/benchmarks.md).
#   (build each jar, e.g. in a temporary worktree per commit: ./mvnw -o -q -pl tally-server -am package -DskipTests)
#   [ROUNDS=3] [WRK_CONNECTIONS=32] [WRK_WARMUP=10s] [WRK_DURATION=15s] bash tally-bench/wrk/ab.sh A.jar B.jar [java]
# Prints, per run, wrk's requests/s and latency percentiles and the server's CPU per request (user + system, from
# /proc), the figure that stays meaningful when the machine is shared.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar_a="$1"
jar_b="$2"
java="${3:-java}"
rounds="${ROUNDS:-3}"
warmup="${WRK_WARMUP:-10s}"
duration="${WRK_DURATION:-15s}"
connections="${WRK_CONNECTIONS:-32}"
port=18092
key=wrk-admin
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {  # run LABEL JAR
  local label="$1" jar="$2" pid before after out requests
  rm -rf "$work/data"
  TALLY_ADMIN_KEY=$key "$java" -jar "$jar" serve --port $port --data-dir "$work/data" > "$work/$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 1; done
  local auth="Authorization: Bearer $key"
  curl -s -o /dev/null -X PUT "127.0.0.1:$port/v1/prices" -H "$auth" -d '[
    {"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50","per":1000000},
    {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000}]'
  curl -s -o /dev/null -X PUT "127.0.0.1:$port/v1/plans/pro" -H "$auth" -d '{"limits":[
    {"metric":"requests","window":"month","amount":1000000000},
    {"metric":"requests","window":"minute","amount":100000000},
    {"metric":"tokens","window":"day","amount":1000000000000},
    {"metric":"tokens","window":"month","amount":1000000000000,"provider":"openai","mode":"soft"},
    {"metric":"cost","window":"month","amount":"100000000.00"}]}'
  for i in $(seq 0 99); do
    curl -s -o /dev/null -X PUT "127.0.0.1:$port/v1/customers/c$i" -H "$auth" -d '{"plan":"pro"}'
  done
  wrk -t2 -c"$connections" -d"$warmup" -s "$root/tally-bench/wrk/authorize.lua" \
    "http://127.0.0.1:$port/v1/authorize" > /dev/null
  before=$(ticks $pid)
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$root/tally-bench/wrk/authorize.lua" \
    "http://127.0.0.1:$port/v1/authorize")
  after=$(ticks $pid)
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$out" | awk -v l="$label" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" '
    /Requests\/sec/ {rps = $2}
    /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2}
    /Non-2xx/ {bad = $NF}
    END {printf "%s  %9.0f req/s  p50 %-8s p99 %-8s  server CPU %.1f us/request%s\n", l, rps, p50, p99,
         t / hz * 1e6 / n, bad ? "  NON-2xx: " bad : ""}'
  kill $pid
  wait $pid 2>/dev/null || true
}

for r in $(seq 1 "$rounds"); do
  run "A#$r" "$jar_a"
  run "B#$r" "$jar_b"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
