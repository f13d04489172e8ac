-- bench/find.lua — scenario 1: findCustomerInfo with valid tokens (the hot authenticated
-- read). TOKENS_FILE holds one access token per line (bench/run logs in N customers
-- first); each thread cycles through all of them from its own starting point, so the
-- requests spread over every token. COMPANY_ID defaults to 1. THINK_MS > 0 makes each
-- connection wait that long between an answer and its next request (a paced load, for
-- latency below saturation); 0 is the usual closed loop at full speed.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local reqs = {}
local n, i = 0, 0
local think = tonumber(bench.env("THINK_MS", "0"))

function init(args)
   local tokens = bench.lines(bench.env("TOKENS_FILE", "tokens.txt"))
   local company = bench.env("COMPANY_ID", "1")
   local path = "/api/global/customer.app.CustomerWebApiService.findCustomerInfo"
   for k, tok in ipairs(tokens) do
      reqs[k] = wrk.format("POST", path, {
         ["companyId"] = company,
         ["token"] = tok,
         ["Content-Type"] = "application/json",
      }, "{}")
   end
   n = #reqs
   i = ((thread_no or 1) - 1) * 7 -- threads start at different tokens
end

function request()
   i = i + 1
   return reqs[(i % n) + 1]
end

if think > 0 then
   function delay()
      return think
   end
end
