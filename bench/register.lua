-- bench/register.lua — scenario 4, second half: register every address that the first
-- half sent a code to. REGISTER_FILE is a Lua file returning { {email, sendToken, code},
-- ... } (bench/run builds it from the sends and the delivery log). Thread t of T takes
-- entries t, t+T, t+2T, ...; each entry is used once, and a thread stops when its share is
-- done, so the run lasts as long as registering them all takes. No `pwd`: the figure is
-- the transactional path (consume the code, create customer and accounts, open a
-- session), not argon2id, which scenario 2 measures.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local reqs = {}
local i = 0

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
end

function request()
   i = i + 1
   if i > #reqs then
      wrk.thread:stop()
      -- wrk still wants a request string; this one is never answered before the stop.
      return reqs[#reqs]
   end
   return reqs[i]
end
