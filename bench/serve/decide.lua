-- wrk script for `lawful serve`: POST /v1/decide with single cases, taken in turn from a
-- file of cases (one JSON object a line: CASES, default build/serve-bench-cases.jsonl),
-- over keep-alive connections. Reports p50, p90, p99 and p99.9 at the end.
--   wrk -t2 -c16 -d10s -s bench/serve/decide.lua http://127.0.0.1:8181/v1/decide
local cases = {}
local file = os.getenv("CASES") or "build/serve-bench-cases.jsonl"
for line in io.lines(file) do
  if #line > 0 then cases[#cases + 1] = line end
end
assert(#cases > 0, "no cases in " .. file)

local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

local i = 0
function request()
  i = i + 1
  local body = cases[((offset or 0) + i) % #cases + 1]
  return wrk.format(nil, nil, nil, body)
end

local statuses = {}
function response(status)
  if status ~= 200 then statuses[status] = (statuses[status] or 0) + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("decisions/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%s: %.3f ms\n", p, latency:percentile(p) / 1000))
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status +
                 summary.errors.timeout
  io.write(string.format("errors: %d (non-2xx: %d)\n", errors, summary.errors.status))
end
