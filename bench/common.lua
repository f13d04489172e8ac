-- bench/common.lua — loaded by every wrk script of bench/run (dofile, path from BENCH_DIR).
-- Counts what a client would see as a failure: an HTTP status outside 2xx, or an envelope
-- whose "code" is not "0". done() prints wrk's figures plus those counts as one line
--   BENCH_RESULT {json}
-- that bench/run reads. Latencies in milliseconds.

bench = {}

-- Per-thread state (each wrk thread runs its own copy of this file).
ok_count = 0
bad_status = 0
bad_code = 0
codes = {}          -- "GATEWAY_CODE_004" -> count, "HTTP 413" -> count

local threads = {}  -- setup/done environment only

-- Monotonic seconds (LuaJIT ffi), for scripts that time their own window.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
function bench.now()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

function bench.setup(thread)
   table.insert(threads, thread)
   thread:set("thread_no", #threads)
end

-- Returns true when the response is a success envelope.
function bench.check(status, body)
   if status < 200 or status > 299 then
      bad_status = bad_status + 1
      local k = "HTTP " .. status
      codes[k] = (codes[k] or 0) + 1
      return false
   end
   if body == nil or not string.find(body, '"code":"0"', 1, true) then
      bad_code = bad_code + 1
      local c = body and string.match(body, '"code":"([^"]*)"') or nil
      local k = c or "no envelope"
      codes[k] = (codes[k] or 0) + 1
      return false
   end
   ok_count = ok_count + 1
   return true
end

local function ms(us)
   return string.format("%.3f", us / 1000.0)
end

function bench.done(summary, latency, requests)
   local ok, bs, bc, all = 0, 0, 0, {}
   local t_first, t_last = nil, nil
   for _, t in ipairs(threads) do
      local f, l = t:get("first_t"), t:get("last_t")
      if f and (t_first == nil or f < t_first) then t_first = f end
      if l and (t_last == nil or l > t_last) then t_last = l end
      ok = ok + (t:get("ok_count") or 0)
      bs = bs + (t:get("bad_status") or 0)
      bc = bc + (t:get("bad_code") or 0)
      local tc = t:get("codes") or {}
      for k, v in pairs(tc) do
         all[k] = (all[k] or 0) + v
      end
   end
   local e = summary.errors
   local secs = summary.duration / 1e6
   local parts = {}
   for k, v in pairs(all) do
      table.insert(parts, string.format('"%s":%d', k, v))
   end
   table.sort(parts)
   local sock = e.connect + e.read + e.write + e.timeout
   local window = (t_first and t_last) and (t_last - t_first) or secs
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"bytes":%d,"seconds":%.3f,"rps":%.1f,"ok":%d,"ok_per_s":%.1f,' ..
      '"non2xx":%d,"bad_code":%d,"socket_errors":%d,"connect":%d,"read":%d,"write":%d,' ..
      '"timeout":%d,"errors":%d,"p50_ms":%s,"p90_ms":%s,"p99_ms":%s,"p999_ms":%s,' ..
      '"mean_ms":%s,"max_ms":%s,"window_s":%.3f,"ok_per_window_s":%.1f,"codes":{%s}}\n',
      summary.requests, summary.bytes, secs, summary.requests / secs, ok, ok / secs,
      bs, bc, sock, e.connect, e.read, e.write, e.timeout, bs + bc + sock,
      ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
      ms(latency:percentile(99.9)), ms(latency.mean), ms(latency.max),
      window, ok / window, table.concat(parts, ",")))
end

-- Lines of a file, without blanks.
function bench.lines(path)
   local out = {}
   local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
   for line in f:lines() do
      if line ~= "" then
         table.insert(out, line)
      end
   end
   f:close()
   return out
end

function bench.env(name, default)
   local v = os.getenv(name)
   if v == nil or v == "" then
      return default
   end
   return v
end

setup = bench.setup
done = bench.done
response = function(status, headers, body)
   bench.check(status, body)
end
