# Shared by run.sh and events.sh: starting servers, seeding the catalog, and one measured wrk pass with the server's
# CPU per request. Sourced, not run; the functions expect $root, $java, $work, $key, $connections, $warmup and
# $duration.

# A TCP port on 127.0.0.1 that nothing listens on: other people's benchmarks may run on the same machine.
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Waits until URL $1 answers, while server process $2 lives.
wait_up() {
  for _ in $(seq 1 120); do
    kill -0 "$2" 2>/dev/null || { echo "server $2 ended before answering $1" >&2; exit 1; }
    curl -s -o /dev/null "$1" && return 0
    sleep 1
  done
  echo "not up: $1" >&2; exit 1
}

# CPU ticks (user + system) a process has used so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# CPU ticks of each live thread of process $1 but the JIT's compiler threads, as "tid ticks" lines. On a busy machine
# the JIT is still compiling long after the warm-up and its threads can take half of the process's CPU.
work_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    case "$(cat "$task/comm" 2>/dev/null)" in "C1 CompilerThre"* | "C2 CompilerThre"*) continue ;; esac
    # The thread's name, in parentheses, may hold spaces: count fields after it (utime, stime are 12th and 13th).
    sed 's/.*) //' "$task/stat" 2>/dev/null | awk -v id="${task##*/}" '{print id, $12 + $13}'
  done
}

# Voluntary context switches (a thread blocking) of each live thread of process $1, as "tid switches" lines: a hand-off
# between threads makes the receiver wait and wake, so switches per request count hand-offs, whatever the load.
switches() {
  local task
  for task in /proc/"$1"/task/*; do
    awk -v id="${task##*/}" '/^voluntary_ctxt_switches/ {print id, $2}' "$task/status" 2>/dev/null
  done
}

# The growth of per-thread counters from "tid value" lines $1 to $2, over the threads alive at both ends.
growth() { join <(echo "$1" | sort) <(echo "$2" | sort) | awk '{t += $3 - $2} END {print t + 0}'; }

# The group-commit writer's counters of the Tally whose request URL is $1, as "name value" lines: commits, events,
# seconds committing and the commit-time histogram's buckets; nothing for a server without them (bare Javalin).
writer_counters() {
  curl -s "${1%/v1/*}/metrics" -H "Authorization: Bearer $key" 2>/dev/null \
    | awk '/^tally_writer_(commit_seconds_(count|sum|bucket)|batch_events_sum)/ {print $1, $2}' || true
}

# What the writer did between counters $1 and $2 (from writer_counters) over $3 seconds: events per commit, time per
# commit, the committer's busy share and the commit times' distribution. Load moves these less than requests/s.
writer_report() {
  [ -n "$2" ] || return 0
  join <(echo "$1" | sort) <(echo "$2" | sort) | awk -v secs="$3" '
    {d[$1] = $3 - $2}
    END {
      n = d["tally_writer_commit_seconds_count"]; if (n == 0) exit
      printf "  writer: %.1f events per commit, %.3f ms per commit, %.0f commits/s, committer busy %.0f%%\n",
        d["tally_writer_batch_events_sum"] / n, d["tally_writer_commit_seconds_sum"] * 1000 / n, n / secs,
        100 * d["tally_writer_commit_seconds_sum"] / secs
      line = "  commits taking at most:"
      for (k in d) if (k ~ /commit_seconds_bucket/) { split(k, p, "\""); le[p[2]] = d[k] }
      m = asorti(le, keys, "@ind_num_asc"); prev = 0
      for (i = 1; i <= m; i++) if (keys[i] != "+Inf" && keys[i] + 0 <= 0.1) {
        line = line sprintf(" %g ms %.0f%%,", keys[i] * 1000, 100 * le[keys[i]] / n) }
      print substr(line, 1, length(line) - 1)
    }'
}

# Runs wrk's measured pass with Lua script $3 against $1 (URL) for server process $2 and adds the server's CPU per
# request (all of it, and without the JIT's compiler threads), the writer's figures (Tally) and the load average.
measure() {
  local before after work_before work_after switches_before switches_after out requests writer_before writer_after
  local started ended
  before=$(ticks "$2")
  work_before=$(work_ticks "$2")
  switches_before=$(switches "$2")
  writer_before=$(writer_counters "$1")
  started=$(date +%s.%N)
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency -s "$3" "$1")
  ended=$(date +%s.%N)
  writer_after=$(writer_counters "$1")
  after=$(ticks "$2")
  work_after=$(work_ticks "$2")
  switches_after=$(switches "$2")
  echo "$out"
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t=$((after - before)) -v w="$(growth "$work_before" "$work_after")" -v hz="$(getconf CLK_TCK)" \
    -v s="$(growth "$switches_before" "$switches_after")" -v n="$requests" \
    'BEGIN {printf "  server CPU: %.1f s, %.1f us per request (%.1f us without the JIT compiler threads), " \
            "%.2f thread switches per request\n", t / hz, t / hz * 1e6 / n, w / hz * 1e6 / n, s / n}'
  writer_report "$writer_before" "$writer_after" "$(awk -v s="$started" -v e="$ended" 'BEGIN {print e - s}')"
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Warms up with wrk, then measures: $1 title, $2 URL, $3 server pid, $4 Lua script.
bench() {
  echo "== $1"
  echo "  warm-up: $(wrk -t2 -c"$connections" -d"$warmup" -s "$4" "$2" | awk '/requests in/ {print $1}') requests"
  measure "$2" "$3" "$4"
}

# Starts the Tally jar $1 on port $2 with a fresh data directory; leaves its pid in $tally_pid, its log in $tally_log.
start_tally() {
  local data
  data=$(mktemp -d "$work/data.XXXX")
  tally_log="$data.log"
  TALLY_ADMIN_KEY=$key "$java" -jar "$1" serve --port "$2" --data-dir "$data" > "$tally_log" 2>&1 &
  tally_pid=$!
  wait_up "http://127.0.0.1:$2/health" $tally_pid
}

# Prices, a plan with five limits and customers c0..c99 on the Tally at port $1.
seed() {
  local auth="Authorization: Bearer $key"
  curl -s -o /dev/null -X PUT "127.0.0.1:$1/v1/prices" -H "$auth" -d '[
    {"provider":"openai","model":"gpt-4o","metric":"input_tokens","unit_price":"2.50","per":1000000},
    {"provider":"openai","model":"gpt-4o","metric":"output_tokens","unit_price":"10.00","per":1000000}]'
  curl -s -o /dev/null -X PUT "127.0.0.1:$1/v1/plans/pro" -H "$auth" -d '{"limits":[
    {"metric":"requests","window":"month","amount":1000000000},
    {"metric":"requests","window":"minute","amount":100000000},
    {"metric":"tokens","window":"day","amount":1000000000000},
    {"metric":"tokens","window":"month","amount":1000000000000,"provider":"openai","mode":"soft"},
    {"metric":"cost","window":"month","amount":"100000000.00"}]}'
  for i in $(seq 0 99); do
    curl -s -o /dev/null -X PUT "127.0.0.1:$1/v1/customers/c$i" -H "$auth" -d '{"plan":"pro"}'
  done
}

# Starts the bare Javalin server answering POST $2 with body $3 on port $1; leaves its pid in $bare_pid.
start_bare() {
  "$java" -cp "$root/tally-bench/target/benchmarks.jar" "$root/tally-bench/wrk/BareServer.java" "$1" "$3" "$2" \
    > "$work/bare.log" 2>&1 &
  bare_pid=$!
  for _ in $(seq 1 120); do
    kill -0 $bare_pid 2>/dev/null || { echo "bare server ended" >&2; exit 1; }
    curl -s -o /dev/null -X POST "127.0.0.1:$1$2" && return 0
    sleep 1
  done
  echo "bare server not up" >&2; exit 1
}
