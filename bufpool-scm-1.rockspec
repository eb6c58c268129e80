-- bufpool for Lua 5.1 to 5.4 and LuaJIT, built from the source tree:
--   luarocks make bufpool-scm-1.rockspec        (offline; needs swig and cc)
-- bindings/lua/rock.mk runs SWIG on bindings/bufpool.i and compiles the
-- wrapper with the library's sources into bufpool.so (t/lua-rock.sh tests it).
rockspec_format = "3.0"
package = "bufpool"
version = "scm-1"
source = {
   url = "git+file:///dev/null",   -- luarocks make builds the tree it is in
}
description = {
   summary = "Pooled, reference-counted, zero-copy memory buffers",
   detailed = [[
Lua binding of bufpool, a lock-free, thread-safe C pool of reference-counted,
fixed-size buffers: bufpool.Pool(size, {max_buffers = ...}), pool:get(),
b:read(), b:write(), b[i], b:release().]],
   license = "see the source distribution",
}
dependencies = {
   "lua >= 5.1, < 5.5",
}
build = {
   type = "make",
   makefile = "bindings/lua/rock.mk",
   build_variables = {
      CC = "$(CC)",
      CFLAGS = "$(CFLAGS)",
      LIBFLAG = "$(LIBFLAG)",
      LUA_INCDIR = "$(LUA_INCDIR)",
   },
   install_variables = {
      INST_LIBDIR = "$(LIBDIR)",
   },
}
