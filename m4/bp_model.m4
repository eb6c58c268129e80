# BP_CHECK_MODEL: configure checks for model.  (stub)
AC_DEFUN([BP_CHECK_MODEL], [])
