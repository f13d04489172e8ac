-- bench/login.lua — scenario 2: password login, spread over many seeded customers so no
-- one account meets a limit. The customers are seed<N>@seed.invalid for
--   N = LOGIN_FIRST + k * LOGIN_STEP, k = 0 .. LOGIN_COUNT - 1
-- (bench/run keeps them apart from the customers whose tokens scenario 1 uses, so the
-- two can run at the same time). Password: md5("123456"), as `customer seed` sets it.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local reqs = {}
local n, i = 0, 0

function init(args)
   local first = tonumber(bench.env("LOGIN_FIRST", "1"))
   local count = tonumber(bench.env("LOGIN_COUNT", "1000"))
   local step = tonumber(bench.env("LOGIN_STEP", "1"))
   local company = bench.env("COMPANY_ID", "1")
   local path = "/api/login/customer.app.CustomerWebApiService.login"
   local headers = {["companyId"] = company, ["Content-Type"] = "application/json"}
   for k = 0, count - 1 do
      local body = string.format(
         '{"type":1,"loginName":"seed%d@seed.invalid","device":1,' ..
         '"loginPwd":"e10adc3949ba59abbe56e057f20f883e"}', first + k * step)
      reqs[k + 1] = wrk.format("POST", path, headers, body)
   end
   n = #reqs
   -- Threads walk the list from opposite ends of it, so they rarely hit one customer.
   i = math.floor(((thread_no or 1) - 1) * n / 2)
end

function request()
   i = i + 1
   return reqs[(i % n) + 1]
end
