-- bench-lua.lua - the Lua binding's cost, run by `make bench` for every Lua
-- the binding was built for (LUA_CPATH selects the module):
--   lua bench-lua.lua [rounds] [n]
-- ns per operation (the best of `rounds` runs of n operations, the empty loop
-- subtracted), for a get+release pair and, on the same interpreter, for a
-- pool written in Lua (a table used as a stack of strings) as a yardstick.
-- Prints one line per operation: "name ns".
local bufpool = require "bufpool"
local rounds = tonumber(arg and arg[1]) or 5
local n = tonumber(arg and arg[2]) or 1000000
local clock = os.clock

local function best(f)
  local b = math.huge
  for _ = 1, rounds do
    collectgarbage("collect")
    local t0 = clock()
    f()
    local t = (clock() - t0) / n * 1e9
    if t < b then b = t end
  end
  return b
end

local empty = best(function() for _ = 1, n do end end)
local pool = bufpool.Pool(4096)
local stack, top = {}, 0
for i = 1, 8 do stack[i] = ("\0"):rep(4096) end
top = 8
local results = {
  {"get+release", best(function()
    for _ = 1, n do local b = pool:get(); b:release() end end)},
  {"b:read(1, 1)", (function()
    local b = pool:get()
    local r = best(function() for _ = 1, n do local s = b:read(1, 1) end end)
    b:release()
    return r
  end)()},
  {"b[1]", (function()
    local b = pool:get()
    local r = best(function() for _ = 1, n do local x = b[1] end end)
    b:release()
    return r
  end)()},
  {"Lua table pool pop+push", best(function()
    for _ = 1, n do
      local s = stack[top]; stack[top] = nil; top = top - 1
      top = top + 1; stack[top] = s
    end
  end)},
}
for _, r in ipairs(results) do
  print(("%s\t%.1f"):format(r[1], r[2] - empty))
end
