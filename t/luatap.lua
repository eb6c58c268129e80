-- luatap.lua - minimal TAP producer for the Lua binding tests (Lua 5.1 to
-- 5.4 and LuaJIT).
--   local t = require "luatap"
--   t.ok(cond, name); t.is(got, want, name); t.raises(fn, pattern, name)
--   t.isint(x): x is an integer value (an integer subtype on 5.3+)
--   t.skip_all(reason); t.done()
local M = {}
local n, failed = 0, 0

local function out(s) io.write(s, "\n"); io.flush() end

function M.diag(msg)
  for line in (tostring(msg) .. "\n"):gmatch("(.-)\n") do out("# " .. line) end
end

function M.ok(cond, name)
  n = n + 1
  if cond then
    out(("ok %d - %s"):format(n, name))
  else
    failed = failed + 1
    out(("not ok %d - %s"):format(n, name))
    M.diag(debug.traceback("failed here", 2))
  end
  return cond
end

function M.is(got, want, name)
  local r = M.ok(got == want, name)
  if not r then
    M.diag(("got:  %s (%s)\nwant: %s (%s)"):format(tostring(got), type(got),
           tostring(want), type(want)))
  end
  return r
end

-- fn must raise an error whose message contains pattern (a plain string).
function M.raises(fn, pattern, name)
  local okc, err = pcall(fn)
  local r = M.ok(not okc and tostring(err):find(pattern, 1, true) ~= nil, name)
  if not r then
    M.diag(okc and "no error raised" or ("error was: " .. tostring(err)))
    M.diag("expected to contain: " .. pattern)
  end
  return r
end

function M.isint(x)
  if math.type then return math.type(x) == "integer" end
  return type(x) == "number" and x == math.floor(x)
end

-- The Lua 5.4 syntax parts of a test (<close>) are loaded from strings.
M.lua54 = _VERSION == "Lua 5.4"

function M.skip_all(reason)
  out("1..0 # SKIP " .. reason)
  os.exit(0)
end

-- Exits closing the state (5.2+, LuaJIT): every __gc runs, as at the end
-- of a program, and the leak checkers see what is left.
function M.done()
  out("1.." .. n)
  os.exit(failed == 0 and 0 or 1, true)
end

return M
