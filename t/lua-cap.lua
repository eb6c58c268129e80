-- lua-cap.lua - a capped pool: exhaustion, timeout, reuse after release, and
-- the garbage collection tried once before a get at the cap fails or waits
-- (Lua 5.1 to 5.4 and LuaJIT).
local t = require "luatap"
local bufpool = require "bufpool"

local function now()
  -- os.clock() is CPU time and a wait sleeps: measure wall time with date(1).
  local f = io.popen("date +%s.%N")
  if not f then return nil end
  local s = tonumber(f:read("*l") or ""); f:close()
  return s
end

local pool = bufpool.Pool(512, {max_buffers = 2})
local a, b = pool:get(), pool:get()
t.ok(a and b, "2 buffers from a pool capped at 2")

local c, msg, code = pool:get()
t.is(c, nil, "get() at the cap returns nil")
t.is(type(msg), "string", "with a message")
t.is(msg, "bufpool: the pool is at max_buffers (2) and none is idle", "message says why")
t.is(code, "EAGAIN", "and code EAGAIN")

local t0 = now()
local d, msg2, code2 = pool:get(0.2)
local t1 = now()
local waited = (t0 and t1) and t1 - t0 or 0.2
t.is(d, nil, "get(0.2) at the cap returns nil")
t.is(msg2, "bufpool: timed out after 0.2 s waiting for a buffer (all 2 in use)", "message says timed out")
t.is(code2, "ETIMEDOUT", "and code ETIMEDOUT")
t.ok(waited >= 0.15 and waited < 5, ("get(0.2) waited about 0.2 s (%.3f)"):format(waited))

local e, _, code3 = pool:get(0)
t.is(e, nil, "get(0) at the cap returns nil at once")
t.is(code3, "EAGAIN", "get(0) is get(): code EAGAIN")

local s = pool:stats()
t.is(s.gets, 5, "stats: 5 gets (each get counts once)")
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

-- buffers dropped without release(): get() at the cap collects garbage once
f = nil
local g, gmsg = pool:get()
t.ok(g ~= nil, "get() at the cap after dropping a buffer: collected, no error " ..
     tostring(gmsg))
t.is(pool:stats().failures, 4, "the collection's retry is not counted as a failure")
do
  local dropped = pool:get()          -- luacheck: ignore (dropped on purpose)
end
b:release()
b = nil
local t2 = now()
local h = pool:get(5)
local t3 = now()
t.ok(h ~= nil, "get(5) at the cap after dropping a buffer")
t.ok(not (t2 and t3) or t3 - t2 < 2, "get(5) did not wait for the timeout: collected first")

-- exhaust repeatedly: stays bounded
local keep1, keep2 = g, h
t.is(pool:get(), nil, "exhausted again with 2 buffers held")
keep1:release(); keep2:release()
for i = 1, 1000 do
  local x, y = pool:get(), pool:get()
  if not (x and y) or pool:get() ~= nil then
    t.ok(false, "cycle " .. i); break
  end
  x:release(); y:release()
end
t.is(pool:stats().allocs, 2, "1000 get/get/release cycles allocate only 2 buffers")

-- a capped pool with min_buffers == max_buffers, buffers only dropped
local full = bufpool.Pool(64, {min_buffers = 3, max_buffers = 3})
local held = {full:get(), full:get(), full:get()}
t.is(full:stats().allocs, 3, "min == max: all preallocated")
t.is(full:get(), nil, "and exhausted after 3 gets")
held = nil
local again = full:get()
t.ok(again ~= nil, "available again once the holder is garbage")
t.is(full:stats().allocs, 3, "without a new allocation")

pool:close(); full:close()
t.done()
