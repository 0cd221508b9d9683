-- wrk script of tally-bench/gateway/run.sh: the benchmark's plain OpenAI chat completion, with the headers of the
-- target given in the environment (GW_AUTH: the Authorization value; GW_PORTKEY_HOST: Portkey's custom host).
wrk.method = "POST"
wrk.body = '{"model":"gpt-4o","messages":[{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":50}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("GW_AUTH")
local host = os.getenv("GW_PORTKEY_HOST")
if host and host ~= "" then
  wrk.headers["x-portkey-provider"] = "openai"
  wrk.headers["x-portkey-custom-host"] = host
end

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("  answers other than 200 (on one wrk thread's count): %d\n", non200))
end
