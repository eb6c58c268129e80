# BP_CHECK_PKG: what the CMake package files and make installcheck need.
# BP_SIZEOF_VOID_P goes into bufpoolConfigVersion.cmake (a 32-bit library
# is unsuitable for a 64-bit project); CMAKE runs installcheck's CMake
# projects (optional: without it, that part of installcheck is skipped).
AC_DEFUN([BP_CHECK_PKG], [
  AC_CHECK_SIZEOF([void *])
  AC_SUBST([BP_SIZEOF_VOID_P], [$ac_cv_sizeof_void_p])
  AC_PATH_PROGS([CMAKE], [cmake], [])
  AC_ARG_VAR([CMAKE], [cmake, for make installcheck's CMake project])
  AS_IF([test -n "$CMAKE"],
    [bp_pkg_summary="yes (make installcheck builds a CMake project with $CMAKE)"],
    [bp_pkg_summary="yes (no cmake: make installcheck skips the CMake project)"])
  BP_SUMMARY="$BP_SUMMARY
  CMake package:     $bp_pkg_summary"
])
