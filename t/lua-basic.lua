-- lua-basic.lua - every line of the Lua API on the happy path.
local t = require "luatap"
local bufpool = require "bufpool"

-- the module: a table returned by require, no global
t.is(type(bufpool), "table", "require returns the module table")
t.is(rawget(_G, "bufpool"), nil, "require does not set a global")
t.is(package.loaded.bufpool, bufpool, "package.loaded.bufpool")

-- version
local v = bufpool.version()
t.is(type(v), "string", "version() is a string")
t.ok(v:match("^%d+%.%d+%.%d+$") ~= nil, "version() is MAJOR.MINOR.PATCH: " .. v)
t.is(v, "0.1.0", "version() matches the library")

-- Pool with options
local pool = bufpool.Pool(4096, {max_buffers = 8, zero = true})
t.is(type(pool), "userdata", "Pool() returns userdata")
t.is(tostring(pool), "bufpool.Pool(4096 bytes, max 8 buffers)", "tostring(pool)")
t.is(getmetatable(pool), "bufpool.Pool", "pool metatable is protected")

local b = pool:get()
t.is(type(b), "userdata", "get() returns a buffer")
t.is(#b, 4096, "#b == 4096")
t.is(getmetatable(b), "bufpool.Buffer", "buffer metatable is protected")
t.is(b:read(), ("\0"):rep(4096), "zero = true: the buffer is zero-filled")

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

-- fill
b:fill(0)
t.is(b:read(), ("\0"):rep(4096), "fill(0) memsets the whole buffer")
b:fill(0x41, 5, 3)
t.is(b:read(1, 10), "\0\0\0\0AAA\0\0\0", "fill(byte, offset, length)")
b:fill(255, 4090)
t.is(b:read(4089), "\0" .. ("\255"):rep(7), "fill(byte, offset) fills to the end")

-- dup / refcount / writable
t.is(b:refcount(), 1, "refcount() == 1")
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

-- make_writable copies a shared buffer
c:make_writable()
t.is(c:refcount(), 1, "make_writable: the copy has refcount 1")
t.is(b:refcount(), 1, "make_writable: the original is sole again")
t.is(c:read(1, 6), "shared", "make_writable keeps the bytes")
c:write(1, "copy!!")
t.is(b:read(1, 6), "shared", "make_writable: the copy is separate memory")
c:release()

-- release: idempotent
b:release()
b:release()
t.ok(true, "release() twice is fine")
t.is(tostring(b), "bufpool.Buffer(released)", "tostring of a released buffer")

-- stats
local s = pool:stats()
t.is(type(s), "table", "stats() is a table")
for _, k in ipairs{"gets", "reuses", "allocs", "failures", "in_use", "idle",
                   "peak_in_use"} do
  t.is(math.type(s[k]), "integer", "stats()." .. k .. " is an integer")
end
t.is(s.gets, 1, "stats: 1 get")
t.is(s.allocs, 1, "stats: 1 alloc")
t.is(s.in_use, 0, "stats: 0 in use")
t.is(s.idle, 1, "stats: 1 idle")
t.is(s.peak_in_use, 1, "stats: peak 1")
t.is(s.size, 4096, "stats: size")
t.is(s.max_buffers, 8, "stats: max_buffers")

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
t.is(tostring(pool), "bufpool.Pool(4096 bytes, closed)", "tostring of a closed pool")

-- other options
local p2 = bufpool.Pool(100, {min_buffers = 3, align = 4096, poison = true,
                              max_buffers = 0, zero = false})
t.is(p2:stats().allocs, 3, "min_buffers preallocates")
t.is(p2:stats().idle, 3, "min_buffers are idle")
local g = p2:get()
t.is(#g, 100, "size 100 pool")
g:write(1, "hello")
g:release()
local g2 = p2:get()
t.is(g2:read(1, 1), "\165", "poison = true: a released buffer is filled with 0xA5")
g2:release()
t.is(tostring(p2), "bufpool.Pool(100 bytes)", "tostring of an unbounded pool")
p2:close()
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
local p3 = bufpool.Pool(64, {max_buffers = 1})
do
  local tb <close> = p3:get()
  t.is(p3:stats().in_use, 1, "<close> buffer in use inside the block")
end
t.is(p3:stats().in_use, 0, "<close> buffer released at block exit")
do
  local tp <close> = bufpool.Pool(64)
  t.ok(tp:get() ~= nil, "<close> pool")
end

t.done()
