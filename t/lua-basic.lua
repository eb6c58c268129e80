-- lua-basic.lua - every line of the Lua API on the happy path (Lua 5.1 to
-- 5.4 and LuaJIT: t/lua-run.sh runs it with each).
local t = require "luatap"
local bufpool = require "bufpool"

-- the module: a table returned by require, no global
t.is(type(bufpool), "table", "require returns the module table")
t.is(rawget(_G, "bufpool"), nil, "require does not set a global")
t.is(rawget(_G, "swig_type"), nil, "nor SWIG's swig_type")
t.is(rawget(_G, "swig_equals"), nil, "nor SWIG's swig_equals")
t.is(package.loaded.bufpool, bufpool, "package.loaded.bufpool")

-- version
local v = bufpool.version()
t.is(type(v), "string", "version() is a string")
t.ok(v:match("^%d+%.%d+%.%d+$") ~= nil, "version() is MAJOR.MINOR.PATCH: " .. v)
t.is(v, "0.1.0", "version() matches the library")
t.is(bufpool._VERSION, "bufpool " .. v, "bufpool._VERSION")

-- Pool with options
local pool = bufpool.Pool(4096, {max_buffers = 8, zero = true})
t.is(type(pool), "userdata", "Pool() returns userdata")
t.is(tostring(pool), "bufpool.Pool(4096 bytes, max 8 buffers)", "tostring(pool)")
t.is(getmetatable(pool), "bufpool.Pool", "pool metatable is protected")
t.is(pool:size(), 4096, "pool:size()")
t.is(pool:max_buffers(), 8, "pool:max_buffers()")
t.is(pool:min_buffers(), 0, "pool:min_buffers()")
t.is(pool:align(), 64, "pool:align(): 0 means 64")
t.is(pool:zero(), true, "pool:zero()")
t.is(pool:poison(), false, "pool:poison()")
t.is(pool:cache(), 0, "pool:cache()")
t.is(pool:no_cache(), false, "pool:no_cache()")
t.is(pool:closed(), false, "pool:closed()")

local b = pool:get()
t.is(type(b), "userdata", "get() returns a buffer")
t.is(#b, 4096, "#b == 4096")
t.is(b:nbytes(), 4096, "b:nbytes()")
t.is(getmetatable(b), "bufpool.Buffer", "buffer metatable is protected")
t.is(b:read(), ("\0"):rep(4096), "zero = true: the buffer is zero-filled")
t.ok(t.isint(b:address()) and b:address() % 64 == 0, "b:address() is 64-byte aligned")
t.is(b:released(), false, "b:released()")

-- write / read, 1-based
b:write(1, "abc")
t.is(b:read(1, 3), "abc", "write(1, 'abc') then read(1, 3)")
t.is(b:read(2, 2), "bc", "read(2, 2)")
t.is(b:read(1, 0), "", "read of length 0")
t.is(#b:read(), 4096, "read() with no arguments reads everything")
t.is(b:read(4094), "\0\0\0", "read(offset) reads to the end")
t.is(b:read(4097), "", "read at size + 1 is empty")
b:write(4094, "xyz")
t.is(b:read(4094, 3), "xyz", "write at the very end")
b:write(4097, "")
t.ok(true, "empty write at size + 1")
b:write(10, "\0\255\1binary\0")
t.is(b:read(10, 10), "\0\255\1binary\0", "Lua strings are bytes (embedded NULs)")
b:write(2.0, "Z")
t.is(b:read(1, 3), "aZc", "integral float offsets are accepted")

-- b[i]: the byte at 1-based i
t.is(b[1], 97, "b[1] is the first byte ('a')")
t.is(b[2], 90, "b[2] ('Z')")
t.ok(t.isint(b[1]), "b[i] is an integer")
t.is(b[4096], 122, "b[#b] is the last byte ('z')")
b[3] = 255
t.is(b:read(3, 1), "\255", "b[3] = 255 writes the byte")
b[4096] = 0
t.is(b[4096], 0, "b[#b] = 0")
local sum = 0
for i = 1, 3 do sum = sum + b[i] end
t.is(sum, 97 + 90 + 255, "a loop over b[i]")

-- fill
b:fill(0)
t.is(b:read(), ("\0"):rep(4096), "fill(0) memsets the whole buffer")
b:fill(0x41, 5, 3)
t.is(b:read(1, 10), "\0\0\0\0AAA\0\0\0", "fill(byte, offset, length)")
b:fill(255, 4090)
t.is(b:read(4089), "\0" .. ("\255"):rep(7), "fill(byte, offset) fills to the end")

-- dup / refcount / writable
t.is(b:refcount(), 1, "refcount() == 1")
t.ok(t.isint(b:refcount()), "refcount() is an integer")
t.is(b:writable(), true, "writable() while sole reference")
t.is(tostring(b), "bufpool.Buffer(4096 bytes, 1 refs)", "tostring(b), 1 ref")
local c = b:dup()
t.is(b:refcount(), 2, "refcount() == 2 after dup")
t.is(c:refcount(), 2, "the dup sees refcount 2")
t.is(b:writable(), false, "writable() == false while shared")
t.is(c:writable(), false, "dup not writable while shared")
t.is(tostring(b), "bufpool.Buffer(4096 bytes, 2 refs)", "tostring(b), 2 refs")
c:write(1, "shared")
t.is(b:read(1, 6), "shared", "dup shares the memory")
t.is(c:address(), b:address(), "a dup has the same address")

-- make_writable copies a shared buffer
c:make_writable()
t.is(c:refcount(), 1, "make_writable: the copy has refcount 1")
t.is(b:refcount(), 1, "make_writable: the original is sole again")
t.is(c:read(1, 6), "shared", "make_writable keeps the bytes")
c:write(1, "copy!!")
t.is(b:read(1, 6), "shared", "make_writable: the copy is separate memory")
c:release()

-- slice: 1-based offset, length to the end by default, shares the memory
local s = b:slice(2, 4)
t.is(#s, 4, "slice(2, 4) has 4 bytes")
t.is(s:read(), "hare", "slice(2, 4) reads bytes 2..5")
t.is(s:address(), b:address() + 1, "a slice shares the memory (address + 1)")
t.is(b:refcount(), 2, "a slice is a reference")
t.is(#b:slice(4090), 7, "slice(offset) runs to the end")
t.is(#b:slice(4097), 0, "slice at size + 1 is empty")
collectgarbage("collect")
s:release()

-- release: idempotent
b:release()
b:release()
t.ok(true, "release() twice is fine")
t.is(b:released(), true, "b:released() after release")
t.is(tostring(b), "bufpool.Buffer(released)", "tostring of a released buffer")

-- stats
local st = pool:stats()
t.is(type(st), "table", "stats() is a table")
for _, k in ipairs{"gets", "reuses", "allocs", "failures", "in_use", "idle",
                   "peak_in_use"} do
  t.ok(t.isint(st[k]), "stats()." .. k .. " is an integer")
end
t.is(st.gets, 1, "stats: 1 get")
t.is(st.allocs, 1, "stats: 1 alloc")
t.is(st.in_use, 0, "stats: 0 in use")
t.is(st.idle, 1, "stats: 1 idle")
t.is(st.peak_in_use, 1, "stats: peak 1")

-- LIFO reuse; zero = true zero-fills a reused buffer
local d = pool:get()
t.is(pool:stats().reuses, 1, "get after release reuses the idle buffer")
t.is(d:read(1, 6), ("\0"):rep(6), "zero = true: a reused buffer is zeroed")
d:release()

-- timeout form of get on a pool with room: returns at once
local e = pool:get(0.5)
t.ok(e and #e == 4096, "get(0.5) with room returns a buffer")
e:release()
local f = pool:get(0)
t.ok(f ~= nil, "get(0) with room returns a buffer")
f:release()
local g0 = pool:get(nil)
t.ok(g0 ~= nil, "get(nil) is get()")
g0:release()

-- trim
local x, y = pool:get(), pool:get()
x:release(); y:release()
t.is(pool:stats().idle, 2, "2 idle before trim")
t.is(pool:trim(1), 1, "trim(1) frees 1")
t.is(pool:trim(), 1, "trim() frees the rest")
t.is(pool:trim(0), 0, "trim(0) on an empty pool frees 0")
t.is(pool:stats().idle, 0, "0 idle after trim")

-- close: idempotent
pool:close()
pool:close()
t.is(pool:closed(), true, "pool:closed() after close")
t.is(tostring(pool), "bufpool.Pool(4096 bytes, closed)", "tostring of a closed pool")

-- other options
local p2 = bufpool.Pool(100, {min_buffers = 3, align = 4096, poison = true,
                              max_buffers = 0, zero = false, cache = 4})
t.is(p2:stats().allocs, 3, "min_buffers preallocates")
t.is(p2:stats().idle, 3, "min_buffers are idle")
t.is(p2:cache(), 4, "cache = 4")
local g = p2:get()
t.is(#g, 100, "size 100 pool")
t.is(g:address() % 4096, 0, "align = 4096")
g:write(1, "hello")
g:release()
local g2 = p2:get()
t.is(g2:read(1, 1), "\165", "poison = true: a released buffer is filled with 0xA5")
g2:release()
t.is(tostring(p2), "bufpool.Pool(100 bytes)", "tostring of an unbounded pool")
p2:close()
local p3 = bufpool.Pool(64, {no_cache = true})
t.is(p3:no_cache(), true, "no_cache = true")
local g3 = p3:get(); g3:release()
g3 = p3:get()
t.is(p3:stats().reuses, 1, "no_cache: a released buffer is reused")
t.ok(bufpool.Pool(1) ~= nil, "Pool(size) without options")
t.ok(bufpool.Pool(1, nil) ~= nil, "Pool(size, nil)")
t.ok(bufpool.Pool(1, {}) ~= nil, "Pool(size, {})")

-- plain buffers
local a = bufpool.alloc(10)
t.is(#a, 10, "alloc(10)")
a:write(1, "0123456789")
t.is(a:read(), "0123456789", "alloc buffer read/write")
local z = bufpool.allocz(5)
t.is(z:read(), "\0\0\0\0\0", "allocz is zero-filled")
local a0 = bufpool.alloc(0)
t.is(#a0, 0, "alloc(0)")
t.is(a0:read(), "", "read of an empty buffer")
a:release(); z:release(); a0:release()

-- to-be-closed variables (Lua 5.4)
if t.lua54 then
  assert(load([[
    local t, bufpool = ...
    local p = bufpool.Pool(64, {max_buffers = 1})
    do
      local tb <close> = p:get()
      t.is(p:stats().in_use, 1, "<close> buffer in use inside the block")
    end
    t.is(p:stats().in_use, 0, "<close> buffer released at block exit")
    local ok = pcall(function()
      local tb <close> = p:get()
      error("boom")
    end)
    t.is(p:stats().in_use, 0, "<close> buffer released when the block raises")
    do
      local tp <close> = bufpool.Pool(64)
      t.ok(tp:get() ~= nil, "<close> pool")
    end
  ]]))(t, bufpool)
end

t.done()
