# examples/lua: a packet assembler (packets.lua), run by make check with
# every Lua the binding was built for (examples/lua/run.sh).
EXTRA_DIST += examples/lua/packets.lua examples/lua/run.sh
if ENABLE_LUA
TESTS += examples/lua/run.sh
endif
