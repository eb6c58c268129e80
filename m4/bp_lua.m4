# BP_CHECK_LUA: checks for the Lua binding (bindings/).  Owner: Lua binding.
AC_DEFUN([BP_CHECK_LUA], [
  AM_CONDITIONAL([ENABLE_LUA], [false])
])
