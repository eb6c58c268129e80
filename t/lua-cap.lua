-- lua-cap.lua - a capped pool: exhaustion, timeout, reuse after release.
local t = require "luatap"
local bufpool = require "bufpool"

local function now()
  -- os.clock() is CPU time and a wait sleeps: measure wall time with date(1).
  local f = io.popen("date +%s.%N")
  if not f then return nil end
  local s = tonumber(f:read("l") or ""); f:close()
  return s
end

local pool = bufpool.Pool(512, {max_buffers = 2})
local a, b = pool:get(), pool:get()
t.ok(a and b, "2 buffers from a pool capped at 2")

local c, msg, code = pool:get()
t.is(c, nil, "get() at the cap returns nil")
t.is(type(msg), "string", "with a message")
t.ok(msg:find("pool exhausted", 1, true) ~= nil, "message says exhausted: " .. tostring(msg))
t.is(code, "EAGAIN", "and code EAGAIN")

local t0 = now()
local d, msg2, code2 = pool:get(0.2)
local t1 = now()
local waited = (t0 and t1) and t1 - t0 or 0.2
t.is(d, nil, "get(0.2) at the cap returns nil")
t.ok(msg2 and msg2:find("timed out after 0.2 s", 1, true) ~= nil, "message says timed out: " .. tostring(msg2))
t.is(code2, "ETIMEDOUT", "and code ETIMEDOUT")
t.ok(waited >= 0.15 and waited < 5, ("get(0.2) waited about 0.2 s (%.3f)"):format(waited))

local e, _, code3 = pool:get(0)
t.is(e, nil, "get(0) at the cap returns nil at once")
t.is(code3, "ETIMEDOUT", "get(0) code ETIMEDOUT")

local s = pool:stats()
t.is(s.failures, 3, "stats: 3 failures")
t.is(s.in_use, 2, "stats: 2 in use")
t.is(s.allocs, 2, "stats: never more than max_buffers allocated")

-- a dup does not count as another buffer
local a2 = a:dup()
t.is(pool:stats().in_use, 2, "dup does not take a pool buffer")

-- release one: get works again (only when the last reference is gone)
a:release()
t.is(pool:get(), nil, "releasing one of two references frees nothing")
a2:release()
local f = pool:get()
t.ok(f ~= nil, "get() after the last reference is released")
t.is(pool:stats().reuses, 1, "the released buffer is reused")
t.is(pool:stats().allocs, 2, "no new allocation")

-- release through __gc also makes room
f = nil
collectgarbage("collect"); collectgarbage("collect")
local g = pool:get(0.5)
t.ok(g ~= nil, "get(0.5) after a buffer was collected")

-- exhaust repeatedly: stays bounded
t.is(pool:get(), nil, "exhausted again with 2 buffers held")
b:release(); g:release()
for i = 1, 1000 do
  local x, y = pool:get(), pool:get()
  if not (x and y) or pool:get() ~= nil then
    t.ok(false, "cycle " .. i); break
  end
  x:release(); y:release()
end
t.is(pool:stats().allocs, 2, "1000 get/get/release cycles allocate only 2 buffers")

-- a capped pool with min_buffers == max_buffers
local full = bufpool.Pool(64, {min_buffers = 3, max_buffers = 3})
local held = {full:get(), full:get(), full:get()}
t.is(full:stats().allocs, 3, "min == max: all preallocated")
t.is(full:get(), nil, "and exhausted after 3 gets")
held = nil
collectgarbage("collect")
t.ok(full:get() ~= nil, "available again after collection")

pool:close(); full:close()
t.done()
