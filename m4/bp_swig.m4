# BP_SWIG: finds SWIG >= 4.0 for the bindings (AC_REQUIRE it).  Owner: Python
# binding.  $SWIG is the path of swig, or empty when none was found.
AC_DEFUN([BP_SWIG], [AX_PKG_SWIG([4.0.0], [], [SWIG=])
AC_SUBST([SWIG])])
