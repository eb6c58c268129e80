-- lua-errors.lua - every error path raises a Lua error with a clear message.
local t = require "luatap"
local bufpool = require "bufpool"

-- Pool() arguments
t.raises(function() bufpool.Pool() end, "size must be an integer, got no value", "Pool() without size")
t.raises(function() bufpool.Pool("4096") end, "size must be an integer, got string", "Pool('4096')")
t.raises(function() bufpool.Pool(0) end, "size must be > 0, got 0", "Pool(0)")
t.raises(function() bufpool.Pool(-1) end, "size must be > 0, got -1", "Pool(-1)")
t.raises(function() bufpool.Pool(1.5) end, "size must be an integer, got 1.5", "Pool(1.5)")
t.raises(function() bufpool.Pool(1e300) end, "size must be an integer", "Pool(1e300)")
t.raises(function() bufpool.Pool(math.maxinteger, {min_buffers = 1}) end, "cannot create a pool of 9223372036854775807-byte buffers", "Pool(maxinteger, {min_buffers = 1}): ENOMEM")
local huge = bufpool.Pool(math.maxinteger)
t.raises(function() huge:get() end, "cannot allocate a 9223372036854775807-byte buffer: out of memory", "get() from a pool of maxinteger-byte buffers: ENOMEM")
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
t.raises(function() bufpool.Pool(64, {align = 3}) end, "option 'align' must be 0 or a power of two, got 3", "align 3")
t.raises(function() bufpool.Pool(64, {min_buffers = 5, max_buffers = 2}) end, "min_buffers (5) is above max_buffers (2)", "min > max")
t.raises(function() bufpool.Pool(64, {max_buffers = 1 << 40}) end, "must be at most", "max_buffers too large")

local pool = bufpool.Pool(16, {max_buffers = 2})
local b = pool:get()

-- get() arguments
t.raises(function() pool:get("1") end, "timeout must be a number of seconds, got string", "get('1')")
t.raises(function() pool:get(-1) end, "timeout must be >= 0 seconds", "get(-1)")
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
t.raises(function() b:write(17, "a") end, "writing 1 bytes at offset 17 is out of bounds (buffer size 16)", "write past the end")
t.raises(function() b:write(16, "ab") end, "out of bounds", "write straddling the end")
t.raises(function() b:write(1, ("x"):rep(17)) end, "out of bounds", "write longer than the buffer")
t.raises(function() b:write(math.maxinteger, "a") end, "out of bounds", "write at maxinteger")
t.raises(function() b:write(math.mininteger, "a") end, "offset must be >= 1", "write at mininteger")
t.raises(function() b:write(18, "") end, "out of bounds", "empty write at size + 2")

-- read
t.raises(function() b:read(0) end, "offset must be >= 1", "read at 0")
t.raises(function() b:read(-1, 1) end, "offset must be >= 1", "read at -1")
t.raises(function() b:read(1.25) end, "offset must be an integer, got 1.25", "read at 1.25")
t.raises(function() b:read(18) end, "offset 18 is out of range (buffer size 16)", "read at size + 2")
t.raises(function() b:read(1, 17) end, "17 bytes at offset 1 are out of bounds (buffer size 16)", "read too long")
t.raises(function() b:read(16, 2) end, "out of bounds", "read straddling the end")
t.raises(function() b:read(1, -1) end, "length must not be negative, got -1", "read negative length")
t.raises(function() b:read(1, 2.5) end, "length must be an integer, got 2.5", "read fractional length")
t.raises(function() b:read(1, math.maxinteger) end, "out of bounds", "read maxinteger bytes")
t.raises(function() b:read(math.maxinteger, 1) end, "out of range", "read at maxinteger")

-- fill
t.raises(function() b:fill() end, "byte must be an integer, got no value", "fill()")
t.raises(function() b:fill(256) end, "byte must be in 0..255, got 256", "fill(256)")
t.raises(function() b:fill(-1) end, "byte must be in 0..255, got -1", "fill(-1)")
t.raises(function() b:fill("a") end, "byte must be an integer, got string", "fill('a')")
t.raises(function() b:fill(0, 0) end, "offset must be >= 1", "fill at 0")
t.raises(function() b:fill(0, 1, 17) end, "out of bounds", "fill too long")

-- wrong self / wrong type
t.raises(function() b.read(pool) end, "bufpool.Buffer expected, got bufpool.Pool", "Buffer method on a Pool")
t.raises(function() pool.get(b) end, "bufpool.Pool expected, got bufpool.Buffer", "Pool method on a Buffer")
t.raises(function() b.read({}) end, "bufpool.Buffer expected, got table", "Buffer method on a table")
t.raises(function() b.release(nil) end, "bufpool.Buffer expected, got nil", "release(nil)")
t.raises(function() b.foo = 1 end, "attempt to index a bufpool.Buffer value", "buffer fields are not assignable")
t.raises(function() getmetatable(b).__index.read = nil end, "attempt to index a nil value", "the methods table is not reachable")

-- released buffer: every use raises
local c = b:dup()
b:release()
t.raises(function() return #b end, "attempt to use a released buffer", "#b after release")
t.raises(function() b:read() end, "attempt to use a released buffer", "read after release")
t.raises(function() b:write(1, "a") end, "attempt to use a released buffer", "write after release")
t.raises(function() b:fill(0) end, "attempt to use a released buffer", "fill after release")
t.raises(function() b:dup() end, "attempt to use a released buffer", "dup after release")
t.raises(function() b:refcount() end, "attempt to use a released buffer", "refcount after release")
t.raises(function() b:writable() end, "attempt to use a released buffer", "writable after release")
t.raises(function() b:make_writable() end, "attempt to use a released buffer", "make_writable after release")
t.is(c:refcount(), 1, "the dup survives the release of the original")
c:release()

-- closed pool: every use raises
pool:close()
t.raises(function() pool:get() end, "attempt to use a closed pool", "get after close")
t.raises(function() pool:get(0.1) end, "attempt to use a closed pool", "get(timeout) after close")
t.raises(function() pool:trim(0) end, "attempt to use a closed pool", "trim after close")
t.raises(function() pool:stats() end, "attempt to use a closed pool", "stats after close")

-- alloc
t.raises(function() bufpool.alloc(-1) end, "size must not be negative, got -1", "alloc(-1)")
t.raises(function() bufpool.allocz("1") end, "size must be an integer, got string", "allocz('1')")
t.raises(function() bufpool.alloc(math.maxinteger) end, "cannot allocate", "alloc(maxinteger): ENOMEM")
t.raises(function() bufpool.version(1) end, "bp_version", "version() takes no argument")

t.done()
