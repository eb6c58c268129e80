# BP_CHECK_PYTHON: checks for the Python binding (bindings/).  Owner: Python binding.
AC_DEFUN([BP_CHECK_PYTHON], [
  AM_CONDITIONAL([ENABLE_PYTHON], [false])
])
