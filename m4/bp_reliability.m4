# BP_CHECK_RELIABILITY: configure checks for reliability.  (stub)
AC_DEFUN([BP_CHECK_RELIABILITY], [])
