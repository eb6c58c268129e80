/* lua.i - Lua 5.4 part of the bufpool SWIG interface (included from
 * bufpool.i when SWIGLUA is defined).
 *
 * SWIG generates the module (luaopen_bufpool, the module table) and wraps
 * bp_version() directly.  The idiomatic object layer (bufpool.Pool and
 * bufpool.Buffer userdata with metatables, 1-based bounds-checked access,
 * __gc/__close) is plain Lua C API code in lua_bufpool.c, registered with
 * %native and initialised from %init. */

%{
#include "lua_bufpool.h"
%}

/* bufpool.version() -> "MAJOR.MINOR.PATCH" of the linked library */
%rename(version) bp_version;
const char *bp_version(void);

%native(Pool)   int bp_lua_pool_new(lua_State *L);
%native(alloc)  int bp_lua_alloc(lua_State *L);
%native(allocz) int bp_lua_allocz(lua_State *L);

%init %{
  bp_lua_init(L);
%}
