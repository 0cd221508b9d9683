#!/usr/bin/env bash
# HTTP authorization benchmark: wrk against Tally's POST /v1/authorize, then against a bare Javalin endpoint that
# answers the same request with a fixed decision of the same size. Loopback only; every run is bounded (15 s).
#   ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
#   bash tally-bench/wrk/run.sh [java-binary]
# Needs wrk (apt-get install wrk).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${1:-java}"
work="$(mktemp -d)"
tally_port=18090
bare_port=18091
key=wrk-admin
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

wait_up() { for _ in $(seq 1 60); do curl -s -o /dev/null "$1" && return 0; sleep 1; done; echo "not up: $1" >&2; exit 1; }

TALLY_ADMIN_KEY=$key "$java" -jar "$root/tally-server/target/tally.jar" serve --port $tally_port \
  --data-dir "$work/data" > "$work/tally.log" 2>&1 &
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
wrk -t2 -c32 -d5s -s "$root/tally-bench/wrk/authorize.lua" "http://127.0.0.1:$tally_port/v1/authorize" > /dev/null
wrk -t2 -c32 -d15s --latency -s "$root/tally-bench/wrk/authorize.lua" "http://127.0.0.1:$tally_port/v1/authorize"
kill %1

"$java" -cp "$root/tally-bench/target/benchmarks.jar" "$root/tally-bench/wrk/BareServer.java" $bare_port "$sample" \
  > "$work/bare.log" 2>&1 &
for _ in $(seq 1 60); do curl -s -o /dev/null -X POST "127.0.0.1:$bare_port/decide" && break; sleep 1; done
echo "== bare Javalin POST /decide (same request, fixed ${#sample}-byte answer)"
wrk -t2 -c32 -d5s -s "$root/tally-bench/wrk/authorize.lua" "http://127.0.0.1:$bare_port/decide" > /dev/null
wrk -t2 -c32 -d15s --latency -s "$root/tally-bench/wrk/authorize.lua" "http://127.0.0.1:$bare_port/decide"
