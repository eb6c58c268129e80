-- lua-gc.lua - __gc frees what scripts do not release, in any order (Lua 5.1
-- to 5.4 and LuaJIT).
local t = require "luatap"
local bufpool = require "bufpool"

local function full_gc() collectgarbage("collect"); collectgarbage("collect") end

-- dropped buffers go back to the pool
local pool = bufpool.Pool(1024, {max_buffers = 4})
do
  local a, b, c = pool:get(), pool:get(), pool:get()
  a:write(1, "a"); b:write(1, "b"); c:write(1, "c")
  t.is(pool:stats().in_use, 3, "3 buffers in use")
end
full_gc()
t.is(pool:stats().in_use, 0, "collected buffers returned to the pool")
t.is(pool:stats().idle, 3, "and are idle")

-- a dup keeps the buffer out until it is collected too
local keep
do
  local a = pool:get()
  keep = a:dup()
end
full_gc()
t.is(pool:stats().in_use, 1, "a live dup keeps the buffer out")
t.is(keep:refcount(), 1, "the dup is now the sole reference")
keep = nil
full_gc()
t.is(pool:stats().in_use, 0, "collecting the dup returns it")

-- buffers collected after pool:close()
local out = {}
for i = 1, 4 do out[i] = pool:get(); out[i]:write(1, "token" .. i) end
pool:close()
for i = 1, 4 do
  t.is(out[i]:read(1, 6), "token" .. i, "buffer " .. i .. " still valid after close")
end
out[1]:release()
out = nil
full_gc()
t.ok(true, "buffers collected after pool:close()")

-- buffers collected after the pool itself was collected (never closed)
local orphans = {}
do
  local p = bufpool.Pool(256, {max_buffers = 8, poison = true})
  for i = 1, 8 do orphans[i] = p:get(); orphans[i]:fill(i) end
end
full_gc()   -- collects the pool: bp_pool_uninit with 8 buffers out
for i = 1, 8 do
  t.is(orphans[i]:read(1, 1), string.char(i), "buffer " .. i .. " valid after its pool was collected")
end
orphans = nil
full_gc()
t.ok(true, "orphaned buffers collected")

-- pools and buffers collected together, many times
for _ = 1, 50 do
  local p = bufpool.Pool(64, {min_buffers = 2})
  local bs = {}
  for i = 1, 5 do bs[i] = p:get() end
  bs[1]:dup()
end
full_gc()
t.ok(true, "50 pools with buffers dropped and collected")

-- calling __gc by hand is harmless (metatable is protected, but debug can reach it)
local mt = debug.getmetatable(bufpool.alloc(1))
local x = bufpool.alloc(8)
mt.__gc(x)
mt.__gc(x)
t.raises(function() x:read() end, "bufpool: the buffer was released", "use after a manual __gc raises")
local pmt = debug.getmetatable(bufpool.Pool(8))
local p = bufpool.Pool(8)
local pb = p:get()
pmt.__gc(p)
pmt.__gc(p)
t.raises(function() p:get() end, "bufpool.Pool: the pool is closed", "pool use after a manual __gc raises")
pb:write(1, "ok")
t.is(pb:read(1, 2), "ok", "buffer valid after its pool's manual __gc")

-- left for lua_close(): a pool and buffers that were never released
leftover_pool = bufpool.Pool(128, {max_buffers = 2})
leftover_buf = leftover_pool:get()
leftover_dup = leftover_buf:dup()
t.ok(true, "leaving a pool and buffers for lua_close()")

t.done()
