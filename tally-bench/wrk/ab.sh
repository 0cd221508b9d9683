#!/usr/bin/env bash
# A/B of two server builds under the same wrk load on POST /v1/authorize, alternating A and B for several rounds so
# that a shared machine's drift hits both alike (run.sh's TALLY_BEFORE_JAR measures each once). Used to measure what
# a change costs on the hot path (docs/benchmarks.md, section 8).
#   (build each jar, e.g. in a temporary worktree per commit: ./mvnw -o -q -pl tally-server -am package -DskipTests)
#   [ROUNDS=3] [WRK_CONNECTIONS=32] [WRK_WARMUP=10s] [WRK_DURATION=15s] bash tally-bench/wrk/ab.sh A.jar B.jar [java]
# Needs wrk. Prints wrk's figures and the server's CPU per request (user + system, from /proc) for every run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar_a="$1"
jar_b="$2"
java="${3:-java}"
work="$(mktemp -d)"
source "$root/tally-bench/wrk/lib.sh"
rounds="${ROUNDS:-3}"
key=wrk-admin
warmup="${WRK_WARMUP:-10s}"
duration="${WRK_DURATION:-15s}"
connections="${WRK_CONNECTIONS:-32}"
script="$root/tally-bench/wrk/authorize.lua"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

run() {  # run LABEL JAR
  local port
  port=$(free_port)
  start_tally "$2" "$port"
  seed "$port"
  bench "$1 ($2) POST /v1/authorize" "http://127.0.0.1:$port/v1/authorize" "$tally_pid" "$script"
  kill "$tally_pid"
  wait "$tally_pid" 2>/dev/null || true
}

for r in $(seq 1 "$rounds"); do
  run "A#$r" "$jar_a"
  run "B#$r" "$jar_b"
done
