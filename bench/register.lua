-- bench/register.lua — scenario 4, second half: register addresses that the first half
-- sent a code to. REGISTER_FILE is a Lua file returning { {email, sendToken, code}, ... }
-- (bench/run builds it from the sends and the delivery log). Thread t of T takes entries
-- t, t+T, t+2T, ...; each entry is used once. A thread that has used its share stops, and
-- the rate is taken over the time from the first request to the last answer (wrk's own
-- duration would include the idle rest). No `pwd`: the figure is the transactional path
-- (consume the code, create customer and accounts, open a session), not argon2id, which
-- scenario 2 measures.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local reqs = {}
local i = 0
local spare

function init(args)
   local entries = dofile(bench.env("REGISTER_FILE", "register_entries.lua"))
   local nthreads = tonumber(bench.env("WRK_THREADS", "2"))
   local me = thread_no or 1
   local company = bench.env("COMPANY_ID", "1")
   local path = "/api/register/customer.app.CustomerWebApiService.register"
   local headers = {["companyId"] = company, ["Content-Type"] = "application/json"}
   for k = me, #entries, nthreads do
      local e = entries[k]
      local body = string.format(
         '{"type":1,"loginName":"%s","country":"CN","verifyCode":"%s","sendToken":"%s",' ..
         '"registerSource":1}', e[1], e[3], e[2])
      table.insert(reqs, wrk.format("POST", path, headers, body))
   end
   -- What a connection sends once the share is used up: harmless, and not counted.
   spare = wrk.format("GET", "/healthz", {}, nil)
end

function request()
   if first_t == nil then
      first_t = bench.now()
   end
   i = i + 1
   if i > #reqs then
      if i == #reqs + 1 then
         wrk.thread:stop()
      end
      return spare
   end
   return reqs[i]
end

response = function(status, headers, body)
   if body ~= nil and string.find(body, '"status":"ok"', 1, true) then
      return -- the spare request
   end
   bench.check(status, body)
   last_t = bench.now()
end
