# BP_CHECK_LUA: checks for the Lua binding (bindings/).  Owner: Lua binding.
#
# --enable-lua=auto|yes|no (default auto).  Needs SWIG >= 4.0 (BP_SWIG).
# The module is built once per Lua C API found: 5.1 (also loaded by
# LuaJIT 2.1), 5.2, 5.3 and 5.4, each from the same SWIG wrapper with that
# version's headers (pkg-config lua5.N / lua-5.N / luaN / luajit), and its
# tests run with every interpreter of that API (lua5.1 and luajit for 5.1).
# LUA=interpreter builds it only for that one (LUA_INCLUDE= overrides its
# headers' flags).  (autoconf-archive's AX_PROG_LUA / AX_LUA_HEADERS find a
# single Lua, hence the loop here.)
#
# Substitutes, for N in 51 52 53 54: BP_LUAN_CFLAGS, BP_LUAN_INTERPS
# (interpreters, space-separated), conditional BP_LUAN; LUA (the primary
# interpreter: the one named, else the newest found; used by the bad-input
# rows and valgrind), BP_LUA_TESTS_ENV (version=interpreter pairs for
# t/lua-run.sh); conditional ENABLE_LUA; appends to BP_SUMMARY.  Modules
# install into $(libdir)/lua/5.N (override: make lua5Nexecdir=DIR).

# _BP_LUA_API(VERSION, N, INTERPRETERS, PKGS): one C API.
AC_DEFUN([_BP_LUA_API], [
  BP_LUA$2_CFLAGS=
  BP_LUA$2_INTERPS=
  bp_lua$2=no
  AS_IF([test "x$bp_lua_on" = xyes], [
    AS_IF([test -n "$bp_lua_named"], [
      AS_IF([test "x$bp_lua_named_api" = "x$1"], [
        BP_LUA$2_INTERPS=$bp_lua_named
        BP_LUA$2_CFLAGS=$LUA_INCLUDE
        bp_lua_pkgs="$4"
        m4_if([$1], [5.1], [AS_IF([test "x$bp_lua_named_jit" = xyes],
                                  [bp_lua_pkgs="luajit $4"])])
      ])
    ], [
      for bp_i in $3; do
        AC_PATH_PROG([bp_lua_path], [$bp_i], [])
        AS_IF([test -n "$bp_lua_path"],
          [BP_LUA$2_INTERPS="$BP_LUA$2_INTERPS${BP_LUA$2_INTERPS:+ }$bp_lua_path"])
        AS_UNSET([bp_lua_path]); AS_UNSET([ac_cv_path_bp_lua_path])
      done
      bp_lua_pkgs="$4 m4_if([$1], [5.1], [luajit])"
    ])
    AS_IF([test -n "$BP_LUA$2_INTERPS" && test -z "$BP_LUA$2_CFLAGS" && test -n "$PKG_CONFIG"], [
      for bp_p in $bp_lua_pkgs; do
        AS_IF([$PKG_CONFIG --exists "$bp_p"], [
          BP_LUA$2_CFLAGS=`$PKG_CONFIG --cflags "$bp_p"`
          break
        ])
      done
    ])
    AS_IF([test -n "$BP_LUA$2_INTERPS"], [
      AC_MSG_CHECKING([for Lua $1 headers])
      bp_save_CPPFLAGS=$CPPFLAGS
      CPPFLAGS="$CPPFLAGS $BP_LUA$2_CFLAGS"
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <lua.h>
#include <lauxlib.h>
#if LUA_VERSION_NUM != ]m4_translit([$1], [.], [0])[
#error another Lua version
#endif]], [[lua_State *L = 0; (void)L;]])],
        [bp_lua$2=yes
         AC_MSG_RESULT([yes${BP_LUA$2_CFLAGS:+ ($BP_LUA$2_CFLAGS)}])],
        [AC_MSG_RESULT([no])
         bp_lua_missing="$bp_lua_missing $1"])
      CPPFLAGS=$bp_save_CPPFLAGS
    ])
  ])
  AS_IF([test "x$bp_lua$2" = xyes], [
    bp_lua_built="$bp_lua_built${bp_lua_built:+, }$1 ($BP_LUA$2_INTERPS)"
    for bp_i in $BP_LUA$2_INTERPS; do
      BP_LUA_TESTS_ENV="$BP_LUA_TESTS_ENV${BP_LUA_TESTS_ENV:+ }$1=$bp_i"
    done
    bp_lua_primary=`echo "$BP_LUA$2_INTERPS" | sed 's/ .*//'`
    BP_LUA_PRIMARY_API=$1
  ], [BP_LUA$2_INTERPS=])
  AC_SUBST([BP_LUA$2_CFLAGS])
  AC_SUBST([BP_LUA$2_INTERPS])
  AM_CONDITIONAL([BP_LUA$2], [test "x$bp_lua$2" = xyes])
])

AC_DEFUN([BP_CHECK_LUA], [
  AC_REQUIRE([BP_SWIG])
  AC_REQUIRE([PKG_PROG_PKG_CONFIG])
  AC_ARG_ENABLE([lua],
    [AS_HELP_STRING([--enable-lua@<:@=auto|yes|no@:>@],
      [build the Lua binding for every Lua 5.1-5.4 / LuaJIT found, or for
       LUA only (default: auto)])],
    [], [enable_lua=auto])
  AS_CASE([$enable_lua],
    [auto|yes|no], [],
    [AC_MSG_ERROR([--enable-lua: expected auto, yes or no, got '$enable_lua'])])
  AC_ARG_VAR([LUA], [the Lua interpreter to build the binding for (default: every one found)])
  AC_ARG_VAR([LUA_INCLUDE], [C flags for the headers of LUA's Lua])

  bp_lua_on=no
  bp_lua_why="disabled with --enable-lua=no"
  bp_lua_named=
  bp_lua_built=
  bp_lua_missing=
  bp_lua_primary=
  BP_LUA_PRIMARY_API=
  BP_LUA_TESTS_ENV=
  AS_IF([test "x$enable_lua" != xno], [
    bp_lua_why=
    AS_IF([test -z "$SWIG"], [bp_lua_why="SWIG >= 4.0.0 not found"], [bp_lua_on=yes])
  ])
  AS_IF([test "x$bp_lua_on" = xyes && test -n "$LUA"], [
    AC_MSG_CHECKING([which Lua $LUA is])
    bp_lua_named=`command -v "$LUA" 2>/dev/null`
    bp_lua_named_ver=`"$LUA" -e 'io.write(_VERSION:match("%d+%.%d+") or "")' 2>/dev/null`
    bp_lua_named_jit=`"$LUA" -e 'io.write(jit and "yes" or "no")' 2>/dev/null`
    AS_CASE([$bp_lua_named_ver],
      [5.1|5.2|5.3|5.4], [bp_lua_named_api=$bp_lua_named_ver
        AC_MSG_RESULT([Lua $bp_lua_named_ver C API (`test "x$bp_lua_named_jit" = xyes && echo LuaJIT || echo PUC Lua`)])],
      [AC_MSG_RESULT([unknown])
       AC_MSG_ERROR([LUA=$LUA: not a Lua 5.1 to 5.4 or LuaJIT interpreter])])
  ])
  _BP_LUA_API([5.1], [51], [lua5.1 lua51 luajit], [lua5.1 lua-5.1 lua51])
  _BP_LUA_API([5.2], [52], [lua5.2 lua52], [lua5.2 lua-5.2 lua52])
  _BP_LUA_API([5.3], [53], [lua5.3 lua53], [lua5.3 lua-5.3 lua53])
  _BP_LUA_API([5.4], [54], [lua5.4 lua54], [lua5.4 lua-5.4 lua54])

  AS_IF([test "x$bp_lua_on" = xyes && test -z "$bp_lua_built"], [
    bp_lua_on=no
    AS_IF([test -n "$bp_lua_missing"],
      [bp_lua_why="no headers for Lua$bp_lua_missing (Debian: liblua5.N-dev, libluajit-5.1-dev)"],
      [bp_lua_why="no Lua 5.1-5.4 or LuaJIT interpreter found"])
  ])
  AS_IF([test "x$enable_lua" = xyes && test "x$bp_lua_on" != xyes],
    [AC_MSG_ERROR([--enable-lua=yes but the Lua binding cannot be built: $bp_lua_why])])
  AS_IF([test "x$bp_lua_on" = xyes], [
    LUA=$bp_lua_primary
    BP_SUMMARY="$BP_SUMMARY
  lua binding:       yes, Lua $bp_lua_built
                     (installs to \$libdir/lua/5.N/bufpool.so)"
  ], [
    BP_SUMMARY="$BP_SUMMARY
  lua binding:       no ($bp_lua_why)"
  ])
  AC_SUBST([LUA])
  AC_SUBST([BP_LUA_TESTS_ENV])
  AC_SUBST([BP_LUA_PRIMARY_API])
  AM_CONDITIONAL([ENABLE_LUA], [test "x$bp_lua_on" = xyes])
])
