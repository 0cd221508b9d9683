#!/usr/bin/env bash
# Tally against bare Javalin under wrk, in pairs run back to back, several rounds: the figure issue 11.13 asks for.
# Each round measures a bare Javalin endpoint answering the same requests with a fixed answer of the same size and
# every Tally build given, one right after the other (the order alternates from round to round, so a shared machine's
# drift hits both alike), and prints each build's ratio to bare in that round; at the end, the median ratio per build.
#   ./mvnw -o -q -pl tally-bench,tally-server -am package -DskipTests
#   [ROUNDS=3] [WHAT="events authorize"] [TALLY_JARS="old.jar tally-server/target/tally.jar"] \
#     [WRK_WARMUP=10s] [WRK_DURATION=15s] bash tally-bench/wrk/ratio.sh [java-binary ...]
# "events" posts one event per request with a new id (64 connections; acknowledged after its group commit, SQLite with
# synchronous=FULL) and checks that every acknowledged event was stored; "authorize" posts authorizations (32
# connections, five limits). With several java binaries (e.g. JDK 17 and 25), everything runs once per binary.
# Needs wrk and jq. Loopback only, free ports, every run bounded.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
source "$root/tally-bench/wrk/lib.sh"
key=wrk-admin
warmup="${WRK_WARMUP:-10s}"
duration="${WRK_DURATION:-15s}"
rounds="${ROUNDS:-3}"
read -r -a jars <<< "${TALLY_JARS:-$root/tally-server/target/tally.jar}"
read -r -a what <<< "${WHAT:-events authorize}"
javas=("$@")
[ ${#javas[@]} -gt 0 ] || javas=(java)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

events_answer='{"accepted":1,"duplicates":0,"rejected":[]}'

# The settings of endpoint $1: path, connections, wrk script.
endpoint() {
  case "$1" in
    events) path=/v1/events; connections="${WRK_CONNECTIONS:-64}"; script="$root/tally-bench/wrk/events.lua" ;;
    authorize) path=/v1/authorize; connections="${WRK_CONNECTIONS:-32}"; script="$root/tally-bench/wrk/authorize.lua" ;;
    *) echo "unknown endpoint $1 (events or authorize)" >&2; exit 2 ;;
  esac
}

# Requests per second of one measured pass printed by bench.
rate() { awk '/^Requests\/sec/ {print $2}' <<< "$1"; }

# Measures the Tally jar $1 on endpoint $2; leaves its requests/s in $measured and, for authorize, a decision in
# $decision (the bare server's answer).
tally_pass() {
  local port out acknowledged total
  port=$(free_port)
  start_tally "$1" "$port"
  seed "$port"
  if [ "$2" = authorize ]; then
    decision=$(curl -s -X POST "127.0.0.1:$port/v1/authorize" -H "Authorization: Bearer $key" -d '{"customer":"c1",
      "provider":"openai","model":"gpt-4o","endpoint":"/api/chat","estimate":{"input_tokens":800,
      "output_tokens":400},"ttl_seconds":5}')
  fi
  out=$(bench "Tally ($1) POST $path" "http://127.0.0.1:$port$path" "$tally_pid" "$script")
  echo "$out"
  measured=$(rate "$out")
  if [ "$2" = events ]; then
    # Every 2xx answer acknowledged one event; requests in flight when wrk stopped may be stored uncounted.
    acknowledged=$(awk '/warm-up:/ {w = $2} /requests in/ {m = $1} END {print w + m}' <<< "$out")
    total=$(curl -s "127.0.0.1:$port/v1/usage?period=current&limit=1000" -H "Authorization: Bearer $key" \
      | jq '.totals.requests')
    if grep -q "Non-2xx" <<< "$out" || [ "$total" -lt "$acknowledged" ]; then
      echo "  FAILED: acknowledged $acknowledged, stored $total, or some answers were not 2xx"; exit 1
    fi
    echo "  acknowledged $acknowledged events, stored $total: OK"
  fi
  kill "$tally_pid"; wait "$tally_pid" 2>/dev/null || true
}

# Measures bare Javalin answering endpoint $1's requests with its fixed answer; leaves requests/s in $measured.
bare_pass() {
  local port out answer
  port=$(free_port)
  answer=$([ "$1" = events ] && echo "$events_answer" || echo "$decision")
  start_bare "$port" "$path" "$answer"
  out=$(bench "bare Javalin POST $path (fixed ${#answer}-byte answer)" "http://127.0.0.1:$port$path" "$bare_pid" \
    "$script")
  echo "$out"
  measured=$(rate "$out")
  kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

declare -A tally=()
summary=""
for java in "${javas[@]}"; do
  version=$("$java" -version 2>&1 | head -1)
  for w in "${what[@]}"; do
    endpoint "$w"
    declare -A ratios=()
    decision=""
    for r in $(seq 1 "$rounds"); do
      echo "#### $version, $w, round $r of $rounds"
      # Bare first in even rounds; authorize's bare answer is a decision taken from Tally, so round 1 starts with it.
      if [ $((r % 2)) -eq 0 ]; then bare_pass "$w"; bare=$measured; fi
      for jar in "${jars[@]}"; do
        tally_pass "$jar" "$w"
        tally[$jar]=$measured
      done
      if [ $((r % 2)) -eq 1 ]; then bare_pass "$w"; bare=$measured; fi
      for jar in "${jars[@]}"; do
        ratio=$(awk -v t="${tally[$jar]}" -v b="$bare" 'BEGIN {printf "%.3f", t / b}')
        ratios[$jar]="${ratios[$jar]:-} $ratio"
        echo "  round $r: $jar ${tally[$jar]}/s, bare $bare/s, ratio $ratio"
      done
    done
    for jar in "${jars[@]}"; do
      line="$version, $w, $jar: ratios${ratios[$jar]}, median $(tr ' ' '\n' <<< "${ratios[$jar]}" | grep . | median)"
      summary="$summary$line"$'\n'
    done
    unset ratios
  done
done
echo "==== median ratio to bare Javalin (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
echo -n "$summary"
