-- lua-errors.lua - every error path raises a Lua error with a clear message
-- (Lua 5.1 to 5.4 and LuaJIT).
local t = require "luatap"
local bufpool = require "bufpool"

local BIG = math.maxinteger or 2^62    -- a size nothing can allocate

-- Pool() arguments: types here, the rest by the library's config check
t.raises(function() bufpool.Pool() end, "size must be an integer, got no value", "Pool() without size")
t.raises(function() bufpool.Pool("4096") end, "size must be an integer, got string", "Pool('4096')")
t.raises(function() bufpool.Pool(0) end, "bufpool.Pool: size is 0", "Pool(0): the core's check")
t.raises(function() bufpool.Pool(-1) end, "size must not be negative, got -1", "Pool(-1)")
t.raises(function() bufpool.Pool(1.5) end, "size must be an integer, got 1.5", "Pool(1.5)")
t.raises(function() bufpool.Pool(1e300) end, "size must be an integer", "Pool(1e300)")
t.raises(function() bufpool.Pool(BIG, {min_buffers = 1}) end, "bufpool.Pool: cannot make a pool", "Pool(huge, {min_buffers = 1}): ENOMEM")
local huge = bufpool.Pool(BIG)
t.raises(function() huge:get() end, "-byte buffer: out of memory", "get() from a pool of huge buffers: ENOMEM")
t.is(huge:stats().failures, 1, "the failed get is counted")
huge:close()
t.raises(function() bufpool.Pool(64, 5) end, "table expected, got number", "options not a table")
t.raises(function() bufpool.Pool(64, {max_buffer = 1}) end, "unknown option 'max_buffer'", "misspelt option")
t.raises(function() bufpool.Pool(64, {1}) end, "option names must be strings, got number", "positional option")
t.raises(function() bufpool.Pool(64, {max_buffers = "8"}) end, "option 'max_buffers' must be an integer, got string", "max_buffers string")
t.raises(function() bufpool.Pool(64, {max_buffers = 1.5}) end, "option 'max_buffers' must be an integer, got 1.5", "max_buffers 1.5")
t.raises(function() bufpool.Pool(64, {max_buffers = -1}) end, "option 'max_buffers' must not be negative, got -1", "max_buffers -1")
t.raises(function() bufpool.Pool(64, {min_buffers = true}) end, "option 'min_buffers' must be an integer, got boolean", "min_buffers boolean")
t.raises(function() bufpool.Pool(64, {zero = 1}) end, "option 'zero' must be a boolean, got number", "zero = 1")
t.raises(function() bufpool.Pool(64, {poison = "yes"}) end, "option 'poison' must be a boolean, got string", "poison string")
t.raises(function() bufpool.Pool(64, {no_cache = 0}) end, "option 'no_cache' must be a boolean, got number", "no_cache = 0")
t.raises(function() bufpool.Pool(64, {align = 3}) end, "bufpool.Pool: align is not a power of two", "align 3")
t.raises(function() bufpool.Pool(64, {min_buffers = 5, max_buffers = 2}) end, "bufpool.Pool: min_buffers is above max_buffers", "min > max")
t.raises(function() bufpool.Pool(64, {max_buffers = 2^40}) end, "bufpool.Pool: max_buffers is above BP_POOL_MAX_BUFFERS", "max_buffers too large")
t.raises(function() bufpool.Pool(64, {cache = 64}) end, "bufpool.Pool: cache is above BP_POOL_CACHE_MAX", "cache too large")
t.raises(function() bufpool.Pool(64, {cache = 4, no_cache = true}) end, "bufpool.Pool: cache is set together with BP_POOL_NO_CACHE", "cache with no_cache")

local pool = bufpool.Pool(16, {max_buffers = 2})
local b = pool:get()

-- get() arguments
t.raises(function() pool:get("1") end, "timeout must be a number of seconds, got string", "get('1')")
t.raises(function() pool:get(-1) end, "timeout must be >= 0 seconds, got -1", "get(-1)")
t.raises(function() pool:get(0/0) end, "timeout must be >= 0 seconds", "get(NaN)")
t.raises(function() pool:trim(-1) end, "keep_idle must not be negative, got -1", "trim(-1)")
t.raises(function() pool:trim(0.5) end, "keep_idle must be an integer, got 0.5", "trim(0.5)")

-- write
t.raises(function() b:write(0, "a") end, "offset must be >= 1 (offsets are 1-based), got 0", "write at 0")
t.raises(function() b:write(-5, "a") end, "offset must be >= 1", "write at -5")
t.raises(function() b:write(1.5, "a") end, "offset must be an integer, got 1.5", "write at 1.5")
t.raises(function() b:write("1", "a") end, "offset must be an integer, got string", "write at '1'")
t.raises(function() b:write(nil, "a") end, "offset must be an integer, got nil", "write at nil")
t.raises(function() b:write(1) end, "string expected, got no value", "write without data")
t.raises(function() b:write(1, 42) end, "string expected, got number", "write a number")
t.raises(function() b:write(17, "a") end, "bufpool.Buffer: 1 bytes at offset 17 are out of bounds (buffer size 16)", "write past the end")
t.raises(function() b:write(16, "ab") end, "out of bounds", "write straddling the end")
t.raises(function() b:write(1, ("x"):rep(17)) end, "out of bounds", "write longer than the buffer")
t.raises(function() b:write(BIG, "a") end, "out of range", "write at a huge offset")
t.raises(function() b:write(-BIG, "a") end, "offset must be >= 1", "write at a huge negative offset")
t.raises(function() b:write(18, "") end, "bufpool.Buffer: offset 18 is out of range (buffer size 16)", "empty write at size + 2")

-- read
t.raises(function() b:read(0) end, "offset must be >= 1", "read at 0")
t.raises(function() b:read(-1, 1) end, "offset must be >= 1", "read at -1")
t.raises(function() b:read(1.25) end, "offset must be an integer, got 1.25", "read at 1.25")
t.raises(function() b:read(18) end, "offset 18 is out of range (buffer size 16)", "read at size + 2")
t.raises(function() b:read(1, 17) end, "17 bytes at offset 1 are out of bounds (buffer size 16)", "read too long")
t.raises(function() b:read(16, 2) end, "out of bounds", "read straddling the end")
t.raises(function() b:read(1, -1) end, "length must not be negative, got -1", "read negative length")
t.raises(function() b:read(1, 2.5) end, "length must be an integer, got 2.5", "read fractional length")
t.raises(function() b:read(1, BIG) end, "out of bounds", "read a huge length")
t.raises(function() b:read(BIG, 1) end, "out of range", "read at a huge offset")

-- fill
t.raises(function() b:fill() end, "byte must be an integer, got no value", "fill()")
t.raises(function() b:fill(256) end, "byte must be in 0..255, got 256", "fill(256)")
t.raises(function() b:fill(-1) end, "byte must be in 0..255, got -1", "fill(-1)")
t.raises(function() b:fill("a") end, "byte must be an integer, got string", "fill('a')")
t.raises(function() b:fill(0, 0) end, "offset must be >= 1", "fill at 0")
t.raises(function() b:fill(0, 1, 17) end, "out of bounds", "fill too long")

-- slice
t.raises(function() b:slice(0) end, "offset must be >= 1", "slice at 0")
t.raises(function() b:slice(2, 16) end, "16 bytes at offset 2 are out of bounds", "slice too long")
t.raises(function() b:slice(18) end, "out of bounds", "slice at size + 2")

-- b[i] and unknown keys
t.raises(function() return b[0] end, "index 0 is out of range (1..16)", "b[0]")
t.raises(function() return b[17] end, "index 17 is out of range (1..16)", "b[#b + 1]")
t.raises(function() return b[1.5] end, "index must be an integer or a method name, got number", "b[1.5]")
t.raises(function() return b[true] end, "index must be an integer or a method name, got boolean", "b[true]")
t.raises(function() b[1] = 256 end, "a byte is an integer in 0..255, got 256", "b[1] = 256")
t.raises(function() b[1] = "a" end, "a byte is an integer in 0..255, got string", "b[1] = 'a'")
t.raises(function() b[17] = 1 end, "index 17 is out of range (1..16)", "b[#b + 1] = 1")
t.raises(function() return b.reed end, "bufpool.Buffer has no field 'reed'", "a misspelt method raises")
t.raises(function() return b.foo end, "bufpool.Buffer has no field 'foo'", "an unknown field raises")
t.raises(function() b.foo = 1 end, "bufpool.Buffer: cannot set field 'foo'", "buffer fields are not assignable")
t.raises(function() return pool.gett end, "bufpool.Pool has no field 'gett'", "a misspelt Pool method raises")
t.raises(function() pool.foo = 1 end, "index", "pool fields are not assignable")
t.raises(function() getmetatable(b).__index.read = nil end, "attempt to index", "the methods table is not reachable")

-- wrong self / wrong type
t.raises(function() b.read(pool) end, "bufpool.Buffer expected, got bufpool.Pool", "Buffer method on a Pool")
t.raises(function() pool.get(b) end, "bufpool.Pool expected, got bufpool.Buffer", "Pool method on a Buffer")
t.raises(function() b.read({}) end, "bufpool.Buffer expected, got table", "Buffer method on a table")
t.raises(function() b.release(nil) end, "bufpool.Buffer expected, got nil", "release(nil)")
t.raises(function() b.release(io.stdout) end, "bufpool.Buffer expected, got", "release(another userdata)")
t.raises(function() pool.close(newproxy and newproxy() or io.stderr) end, "bufpool.Pool expected, got", "close(another userdata)")

-- released buffer: every use raises
local c = b:dup()
b:release()
local released = "bufpool: the buffer was released"
t.raises(function() return #b end, released, "#b after release")
t.raises(function() return b[1] end, released, "b[1] after release")
t.raises(function() b[1] = 0 end, released, "b[1] = 0 after release")
t.raises(function() b:read() end, released, "read after release")
t.raises(function() b:write(1, "a") end, released, "write after release")
t.raises(function() b:fill(0) end, released, "fill after release")
t.raises(function() b:dup() end, released, "dup after release")
t.raises(function() b:slice(1) end, released, "slice after release")
t.raises(function() b:refcount() end, released, "refcount after release")
t.raises(function() b:writable() end, released, "writable after release")
t.raises(function() b:nbytes() end, released, "nbytes after release")
t.raises(function() b:address() end, released, "address after release")
t.raises(function() b:make_writable() end, released, "make_writable after release")
t.is(b:released(), true, "released() after release")
t.is(c:refcount(), 1, "the dup survives the release of the original")
c:release()

-- closed pool: every use raises
pool:close()
local closed = "bufpool.Pool: the pool is closed"
t.raises(function() pool:get() end, closed, "get after close")
t.raises(function() pool:get(0.1) end, closed, "get(timeout) after close")
t.raises(function() pool:trim(0) end, closed, "trim after close")
t.raises(function() pool:stats() end, closed, "stats after close")

-- alloc
t.raises(function() bufpool.alloc(-1) end, "size must not be negative, got -1", "alloc(-1)")
t.raises(function() bufpool.allocz("1") end, "size must be an integer, got string", "allocz('1')")
t.raises(function() bufpool.alloc(BIG) end, "cannot allocate", "alloc(huge): ENOMEM")
t.is(bufpool.version(1), bufpool.version(), "version() ignores extra arguments, as Lua does")

t.done()
