#!/usr/bin/env bash
# Gateway overhead benchmark (issue 14): the same OpenAI chat completion sent to a fast fake upstream directly,
# through Tally's gateway (authorizing and metering every call) and through Portkey's open-source gateway
# (npm @portkey-ai/gateway, forwarding without metering), all in one run on this machine:
#   1. GatewayLoad: added latency p50/p99 on one connection, at 1,000 calls/s open loop (HdrHistogram, from the
#      intended send time), and time to first token of streams;
#   2. wrk with WRK_CONNECTIONS (32) connections: the most calls/s of each, with each server's CPU per call.
# Loopback only; every run is bounded; ports are picked free.
#   ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
#   [PORTKEY_DIR=/tmp/portkey] [WRK_CONNECTIONS=32] [WRK_WARMUP=10s] [WRK_DURATION=15s] [LOAD_SECONDS=15] \
#     [LOAD_WARMUP=10] [LOAD_RATE=1000] \
#     [LOAD_PHASES=one,rate,stream (none: wrk only)] bash tally-bench/gateway/run.sh [java-binary]
# Needs node and npm (Portkey is installed into PORTKEY_DIR with npm when missing; PORTKEY_DIR=none skips it) and
# wrk (apt-get install wrk).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${1:-java}"
work="$(mktemp -d)"
source "$root/tally-bench/wrk/lib.sh"
key=gw-admin
warmup="${WRK_WARMUP:-10s}"
duration="${WRK_DURATION:-15s}"
connections="${WRK_CONNECTIONS:-32}"
portkey_dir="${PORTKEY_DIR:-/tmp/portkey}"
script="$root/tally-bench/gateway/chat.lua"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

upstream_port=$(free_port)
node "$root/tally-bench/gateway/upstream.mjs" "$upstream_port" > "$work/upstream.log" 2>&1 &
upstream_pid=$!
wait_up "http://127.0.0.1:$upstream_port/" $upstream_pid

tally_port=$(free_port)
start_tally "$root/tally-server/target/tally.jar" $tally_port
auth="Authorization: Bearer $key"
tally() { curl -sf -X "$1" "127.0.0.1:$tally_port$2" -H "$auth" -H "Content-Type: application/json" -d "$3"; }
tally PUT /v1/prices '[
  {"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50","per":1000000},
  {"provider":"openai","model":"gpt-4o","metric":"cached_tokens","unit_price":"1.25","per":1000000},
  {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000}]' > /dev/null
tally PUT /v1/plans/pro '{"limits":[
  {"metric":"requests","window":"month","amount":1000000000},
  {"metric":"requests","window":"minute","amount":100000000},
  {"metric":"tokens","window":"day","amount":1000000000000},
  {"metric":"cost","window":"month","amount":"100000000.00"}]}' > /dev/null
tally PUT /v1/upstreams/bench "{\"type\":\"openai\",\"base_url\":\"http://127.0.0.1:$upstream_port\",
  \"api_key\":\"sk-bench-upstream\"}" > /dev/null
keys=""
for i in $(seq 0 7); do
  tally PUT "/v1/customers/gw$i" '{"plan":"pro"}' > /dev/null
  keys="$keys${keys:+,}$(tally POST "/v1/customers/gw$i/keys" '{}' | jq -r .key)"
done

portkey_port=0
if [ "$portkey_dir" != none ]; then
  if [ ! -f "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
    mkdir -p "$portkey_dir"
    (cd "$portkey_dir" && npm init -y > /dev/null && npm install @portkey-ai/gateway > /dev/null)
  fi
  portkey_port=$(free_port)
  NODE_ENV=production node "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" \
    --port=$portkey_port --headless > "$work/portkey.log" 2>&1 &
  portkey_pid=$!
  wait_up "http://127.0.0.1:$portkey_port/" $portkey_pid
  echo "Portkey gateway $(jq -r .version "$portkey_dir/node_modules/@portkey-ai/gateway/package.json") on node $(node --version)"
fi

echo "== machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); Tally on $("$java" -version 2>&1 | head -1)"
if [ "${LOAD_PHASES:-}" != none ]; then
  "$java" -cp "$root/tally-bench/target/benchmarks.jar" dev.tally.bench.GatewayLoad --upstream-port $upstream_port \
    --tally-port $tally_port --tally-keys "$keys" --portkey-port $portkey_port --warmup "${LOAD_WARMUP:-10}" \
    --seconds "${LOAD_SECONDS:-15}" --rate "${LOAD_RATE:-1000}" --phases "${LOAD_PHASES:-one,rate,stream}"
fi

echo
echo "== wrk, $connections connections, the most calls/s (server CPU is the listed process's only)"
GW_AUTH="Bearer sk-bench-upstream" bench "fake upstream directly" \
  "http://127.0.0.1:$upstream_port/v1/chat/completions" $upstream_pid "$script"
GW_AUTH="Bearer ${keys%%,*}" bench "Tally gateway (authorize + forward + meter + record)" \
  "http://127.0.0.1:$tally_port/gateway/bench/v1/chat/completions" $tally_pid "$script"
if [ "$portkey_port" != 0 ]; then
  GW_AUTH="Bearer sk-bench-upstream" GW_PORTKEY_HOST="http://127.0.0.1:$upstream_port/v1" bench "Portkey gateway" \
    "http://127.0.0.1:$portkey_port/v1/chat/completions" $portkey_pid "$script"
fi
echo
echo "== Tally's usage of customer gw0 after the run (every call recorded):"
curl -s --max-time 60 "127.0.0.1:$tally_port/v1/customers/gw0/usage" -H "$auth" | jq -c '.totals'
