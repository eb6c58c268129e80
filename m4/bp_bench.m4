# BP_CHECK_BENCH: checks for bufpool-bench (cli/).  Owner: the bench CLI.
AC_DEFUN([BP_CHECK_BENCH], [
  AM_CONDITIONAL([HAVE_AVUTIL], [false])
])
