#!/usr/bin/env bash
# What one call of the Redis counters script (tally-redis counters.lua) costs Redis itself, in instructions counted
# by valgrind (callgrind) and in Redis commands (INFO commandstats): figures the machine's load does not move, unlike
# times. Compares the script at a git revision (the baseline) with the working tree's, in one private redis-server
# (under valgrind, on a free port, stopped afterwards). Two shapes of a five-limit authorization (two sliding windows,
# three calendar windows), each held 5 s and never settled, as AuthorizeHttpLoad sends them:
#   dense:  100 customers at 10,000 calls/s (AuthorizeHttpLoad --rate 10000): full minute windows, 2,000 calls measured
#   sparse: 100 customers at 1,667 calls/s, after 18 s of them (windows filling, holds expiring), 2,000 calls measured
# Needs redis-server, redis-cli, valgrind, python3. Usage (from the repository root):
#   bash tally-bench/redis/script-cost.sh [baseline revision, default HEAD~1]
set -euo pipefail
BASE=${1:-HEAD~1}
SCRIPT=tally-redis/src/main/resources/dev/tally/redis/counters.lua
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git show "$BASE:$SCRIPT" > "$WORK/baseline.lua"
cp "$SCRIPT" "$WORK/current.lua"
valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" redis-server --port "$PORT" --save "" --appendonly no \
  > "$WORK/redis.log" 2>&1 &
VPID=$!
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill $VPID 2>/dev/null; wait $VPID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done

calls() { # sha shape first count: the EVALSHA lines
  python3 - "$@" <<'PY'
import sys
sha, shape, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
T0 = 1764000000000; DAY = T0 + 86400000
step = 0.1 if shape == 'dense' else 6.0
for i in range(first, first + n):
    now = T0 + int(i * step)
    print(f"EVALSHA {sha} 0 reserve tb: c{i % 100} {now} {now + 5000} {i + 1} 7 5 "
          f"s 5:requests- 1000 \"\" 1000000000 1 1 c 5:requests-- {T0} {DAY} 1000000000000 1 1 "
          f"s 6:tokens- 60000 \"\" 1000000000000 1 1200 c 6:tokens-- {T0} {DAY} 1000000000000 1 1200 "
          f"c 4:cost-- {T0} {DAY} 1000000000000000 1 6000000")
PY
}
dense_fill() { # a minute of 10,000 calls/s: every slot of each customer's minute window holds (older than 5 s: 0)
  python3 - <<'PY'
T0 = 1764000000000
for k in range(100):
    f = ' '.join('h%d %s' % (T0 // 1000 - i, '0' if i >= 5 else '100') for i in range(60))
    print(f'HSET "tb:{{c{k}}}:s:5:requests-" {f}')
    print(f'HSET "tb:{{c{k}}}:s:6:tokens-" h{T0 // 60000} 600000 h{T0 // 60000 - 1} 0')
    print(f'PEXPIRE "tb:{{c{k}}}:s:5:requests-" 7200000')
    print(f'PEXPIRE "tb:{{c{k}}}:s:6:tokens-" 7200000')
PY
}
measure() { # label file shape
  redis-cli -p "$PORT" flushall >/dev/null
  redis-cli -p "$PORT" set tb:filled 1 >/dev/null
  local sha first
  sha=$(redis-cli -p "$PORT" script load "$(cat "$2")")
  if [ "$3" = dense ]; then dense_fill | redis-cli -p "$PORT" >/dev/null; first=1000; else first=3000; fi
  calls "$sha" "$3" 0 "$first" | redis-cli -p "$PORT" >/dev/null
  redis-cli -p "$PORT" config resetstat >/dev/null
  callgrind_control -z $VPID >/dev/null
  calls "$sha" "$3" "$first" 2000 | redis-cli -p "$PORT" > "$WORK/answers"
  callgrind_control -d "$1" $VPID >/dev/null
  local ir errors
  ir=$(grep -h '^summary:\|^totals:' "$(ls -t "$WORK"/cg.* | head -1)" | head -1 | awk '{print $2}')
  errors=$(grep -c ERR "$WORK/answers" || true)
  redis-cli -p "$PORT" info commandstats | tr -d '\r' | awk -F'[:,=]' -v l="$1" -v ir="$ir" -v err="$errors" \
    '/^cmdstat_/ {n[$1] = $3} END {t = 0; for (k in n) if (k != "cmdstat_evalsha" && k != "cmdstat_config|resetstat") t += n[k];
     printf "%-16s %9d instructions per call  %5.2f commands per call  errors %d\n", l, ir / 2000, t / n["cmdstat_evalsha"], err}'
}
echo "counters.lua at $BASE (baseline) and in the working tree; $(uptime)"
for shape in dense sparse; do
  measure "$shape baseline" "$WORK/baseline.lua" $shape
  measure "$shape current" "$WORK/current.lua" $shape
done
