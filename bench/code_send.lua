-- bench/code_send.lua — scenario 4, first half: verifyCodeSend for REGISTER codes, each to
-- a new address <RUN_TAG>-t<thread>-<n>@bench.invalid. The address also goes in the
-- `trace` header, which the envelope echoes, so response() can pair it with the sendToken
-- even with many connections per thread; the pairs are appended to
-- SEND_OUT.<thread> as "email sendToken" lines for the register half.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local out
local tag, company, path
local counter = 0

function init(args)
   tag = bench.env("RUN_TAG", "b")
   company = bench.env("COMPANY_ID", "1")
   path = "/api/global/message.app.VerificationApiService.verifyCodeSend"
   out = assert(io.open(bench.env("SEND_OUT", "sends") .. "." .. (thread_no or 1), "w"))
end

function request()
   counter = counter + 1
   local email = string.format("%s-t%d-%d@bench.invalid", tag, thread_no or 1, counter)
   return wrk.format("POST", path, {
      ["companyId"] = company,
      ["trace"] = email,
      ["Content-Type"] = "application/json",
   }, '{"bizType":"EMAIL_REGISTER_VERIFICATION_CODE","toUser":"' .. email .. '"}')
end

response = function(status, headers, body)
   if bench.check(status, body) then
      local trace = string.match(body, '"trace":"([^"]*)"')
      local tok = string.match(body, '"token":"([^"]*)"')
      if trace and tok then
         out:write(trace, " ", tok, "\n")
         out:flush()
      end
   end
end
