-- bench/check.lua — the gateway check (contract C20): GET /auth/check with valid tokens, as
-- a reverse proxy asks it before every API call of the platform. TOKENS_FILE holds one
-- access token per line; COMPANY_ID defaults to 1. Success is HTTP 200 with an
-- X-Customer-Id header and an empty body (there is no envelope on a yes).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local reqs = {}
local n, i = 0, 0
local think = tonumber(bench.env("THINK_MS", "0"))

function init(args)
   local tokens = bench.lines(bench.env("TOKENS_FILE", "tokens.txt"))
   local company = bench.env("COMPANY_ID", "1")
   for k, tok in ipairs(tokens) do
      reqs[k] = wrk.format("GET", "/auth/check", {["companyId"] = company, ["token"] = tok})
   end
   n = #reqs
   i = ((thread_no or 1) - 1) * 7 -- threads start at different tokens
end

function request()
   i = i + 1
   return reqs[(i % n) + 1]
end

response = function(status, headers, body)
   if status == 200 and headers["X-Customer-Id"] ~= nil then
      ok_count = ok_count + 1
   elseif status ~= 200 then
      bad_status = bad_status + 1
      local c = body and string.match(body, '"code":"([^"]*)"') or nil
      local k = "HTTP " .. status .. (c and (" " .. c) or "")
      codes[k] = (codes[k] or 0) + 1
   else
      bad_code = bad_code + 1
      codes["no X-Customer-Id"] = (codes["no X-Customer-Id"] or 0) + 1
   end
end

if think > 0 then
   function delay()
      return think
   end
end
