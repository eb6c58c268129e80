# BP_CHECK_FUZZ: configure checks for fuzz.  (stub)
AC_DEFUN([BP_CHECK_FUZZ], [])
