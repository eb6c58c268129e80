# BP_CHECK_MAN: the section-3 man pages are generated from lib/bufpool.h by
# man/genman.py (python3).  Tarballs contain the pages, so python3 is
# needed only to build from a git checkout, or after editing the header.
AC_DEFUN([BP_CHECK_MAN], [
  AC_PATH_PROGS([BP_PYTHON3], [python3], [])
  AC_ARG_VAR([BP_PYTHON3], [python3 for man/genman.py (man pages)])
  AS_IF([test -n "$BP_PYTHON3"],
    [bp_man_summary="generated from lib/bufpool.h ($BP_PYTHON3)"],
    [bp_man_summary="from the tarball (no python3 to regenerate them)"])
  BP_SUMMARY="$BP_SUMMARY
  man pages (3):     $bp_man_summary"
])
