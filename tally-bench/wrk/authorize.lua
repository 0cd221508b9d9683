-- wrk script for tally-bench/wrk/run.sh: POSTs an authorization for 100 customers in turn.
local i = 0
request = function()
  i = i + 1
  local body = string.format('{"customer":"c%d","provider":"openai","model":"gpt-4o","endpoint":"/api/chat","estimate":{"input_tokens":800,"output_tokens":400},"ttl_seconds":5}', i % 100)
  return wrk.format("POST", wrk.path, {["Authorization"]="Bearer wrk-admin", ["Content-Type"]="application/json"}, body)
end
