-- wrk script for tally-bench/wrk/events.sh: POSTs one usage event per request, each with an id no other request of
-- the run uses (run prefix, wrk thread, sequence), for 100 customers in turn.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local n = 0
local prefix
request = function()
  if prefix == nil then
    prefix = string.format("evt_%d_%d_", os.time(), tid or 0)
  end
  n = n + 1
  local body = string.format('{"id":"%s%d","customer":"c%d","provider":"openai","model":"gpt-4o",'
    .. '"endpoint":"/api/chat","method":"POST","status":200,"latency_ms":812,"user":"u%d",'
    .. '"usage":{"input_tokens":%d,"output_tokens":%d}}', prefix, n, n % 100, n % 1000, 500 + n % 700, 100 + n % 300)
  return wrk.format("POST", wrk.path, {["Authorization"]="Bearer wrk-admin", ["Content-Type"]="application/json"}, body)
end
