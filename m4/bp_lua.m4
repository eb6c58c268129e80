# BP_CHECK_LUA: checks for the Lua binding (bindings/).  Owner: Lua binding.
#
# --enable-lua=auto|yes|no (default auto).  Needs SWIG >= 4.0 (BP_SWIG), a
# Lua 5.4 interpreter (AX_PROG_LUA; override with LUA=) and its headers
# (pkg-config lua5.4, else AX_LUA_HEADERS; override with LUA_INCLUDE=).
# The module is installed into luaexecdir, the directory of the
# interpreter's default package.cpath under $exec_prefix (for the default
# prefix: /usr/local/lib/lua/5.4, i.e. $libdir/lua/5.4); override with
# `make luaexecdir=DIR`.
# Substitutes LUA, LUA_VERSION, LUA_INCLUDE, luaexecdir; conditional
# ENABLE_LUA; appends a line to BP_SUMMARY.
AC_DEFUN([BP_CHECK_LUA], [
  AC_REQUIRE([BP_SWIG])
  AC_ARG_ENABLE([lua],
    [AS_HELP_STRING([--enable-lua@<:@=auto|yes|no@:>@],
      [build the Lua 5.4 binding (default: auto)])],
    [], [enable_lua=auto])
  AS_CASE([$enable_lua],
    [auto|yes|no], [],
    [AC_MSG_ERROR([--enable-lua: expected auto, yes or no, got '$enable_lua'])])

  bp_lua_ok=no
  bp_lua_why="disabled with --enable-lua=no"
  AS_IF([test "x$enable_lua" != xno], [
    bp_lua_why=
    AS_IF([test -z "$SWIG"], [bp_lua_why="SWIG >= 4.0.0 not found"])
    AS_IF([test -z "$bp_lua_why"], [
      dnl autoconf-archive's default list lacks lua5.4.
      m4_define([_AX_LUA_INTERPRETER_LIST], [lua5.4 lua54 lua])
      AX_PROG_LUA([5.4], [5.5], [],
        [bp_lua_why="no Lua 5.4 interpreter (lua5.4) found"])
    ])
    AS_IF([test -z "$bp_lua_why"], [
      AS_IF([test "x$LUA_INCLUDE" = x && test -n "$PKG_CONFIG"], [
        AC_MSG_CHECKING([for lua$LUA_VERSION headers with pkg-config])
        AS_IF([LUA_INCLUDE=`$PKG_CONFIG --cflags "lua$LUA_VERSION" 2>/dev/null`],
          [AC_MSG_RESULT([${LUA_INCLUDE:-yes (default path)}])],
          [LUA_INCLUDE=; AC_MSG_RESULT([no])])
      ])
      AX_LUA_HEADERS([],
        [bp_lua_why="Lua $LUA_VERSION headers not found (Debian: liblua$LUA_VERSION-dev)"])
    ])
    AS_IF([test -z "$bp_lua_why"], [bp_lua_ok=yes])
  ])

  AS_IF([test "x$enable_lua" = xyes && test "x$bp_lua_ok" != xyes],
    [AC_MSG_ERROR([--enable-lua=yes but the Lua binding cannot be built: $bp_lua_why])])
  AC_MSG_CHECKING([whether to build the Lua binding])
  AC_MSG_RESULT([$bp_lua_ok${bp_lua_why:+ ($bp_lua_why)}])

  AS_IF([test "x$bp_lua_ok" = xyes], [
    dnl luaexecdir as the user will see it, for the summary.
    bp_lua_dir=`test "x$prefix" = xNONE && prefix=$ac_default_prefix
      test "x$exec_prefix" = xNONE && exec_prefix=$prefix
      eval d="$luaexecdir"; eval d="$d"; echo "$d"`
    BP_SUMMARY="$BP_SUMMARY
  lua binding:       yes (lua$LUA_VERSION, installs to $bp_lua_dir/bufpool.so)"
    dnl Warn when the interpreter would not find the installed module.
    AS_CASE([";`$LUA -e 'io.write(package.cpath)'`;"],
      [*";$bp_lua_dir/?.so;"*], [],
      [AC_MSG_WARN([$bp_lua_dir is not in $LUA's default package.cpath: set LUA_CPATH to use the installed module])
       BP_SUMMARY="$BP_SUMMARY
                     (not in $LUA's default package.cpath: set LUA_CPATH)"])
  ], [
    BP_SUMMARY="$BP_SUMMARY
  lua binding:       no ($bp_lua_why)"
  ])
  AC_SUBST([LUA_INCLUDE])
  AM_CONDITIONAL([ENABLE_LUA], [test "x$bp_lua_ok" = xyes])
])
