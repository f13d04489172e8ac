-- bench/connect.lua — scenario 9: a new connection for every request (GET /healthz with
-- Connection: close), as a proxy without upstream keep-alive sends them. It measures the
-- accept path: in tradeauth the head gate (accept, peek, judge, hand to libmicrohttpd),
-- in the minimal server libmicrohttpd's own accept. Success is any 2xx (there is no
-- envelope on /healthz).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

local req

function init(args)
   req = wrk.format("GET", "/healthz", {["Connection"] = "close"})
end

function request()
   return req
end

response = function(status, headers, body)
   if status >= 200 and status < 300 then
      ok_count = ok_count + 1
   else
      bad_status = bad_status + 1
      local k = "HTTP " .. status
      codes[k] = (codes[k] or 0) + 1
   end
end
