-- A packet assembler with bufpool (Lua 5.1 to 5.4, LuaJIT): pooled
-- 1500-byte buffers, 1-based reads and writes, b[i] for single bytes, and
-- buffers that are simply dropped going back to the pool (a get at the cap
-- collects garbage first).
--
--   lua examples/lua/packets.lua [packets]
local bufpool = require "bufpool"
local N = tonumber(arg and arg[1]) or 1000
local MTU = 1500

local pool = bufpool.Pool(MTU, {max_buffers = 4})

-- builds a packet: 2-byte big-endian length, 1-byte type, payload
local function packet(kind, payload)
  local b = assert(pool:get())             -- nil, message, "EAGAIN" at the cap
  local n = #payload
  b[1] = math.floor(n / 256); b[2] = n % 256; b[3] = kind
  b:write(4, payload)
  return b, 3 + n
end

local function parse(b)
  local n = b[1] * 256 + b[2]
  return b[3], b:read(4, n)
end

local sum = 0
for i = 1, N do
  local b, len = packet(i % 7, ("payload %d"):format(i))
  local kind, payload = parse(b)
  assert(kind == i % 7 and payload == ("payload %d"):format(i))
  sum = sum + len
  if i % 2 == 0 then
    b:release()                            -- back to the pool now
  end                                      -- (else dropped: the GC returns it)
end

local st = pool:stats()
print(("%d packets (%d bytes) through a pool of %d buffers: %d allocated, %d reuses (%s)")
      :format(N, sum, pool:max_buffers(), st.allocs, st.reuses,
              jit and jit.version or _VERSION))
assert(st.allocs <= pool:max_buffers() and st.failures == 0)
pool:close()
