# BP_CHECK_RELIABILITY: configure checks for the reliability checks (issue 7).
# Owner: reliability.
#
# `make check-valgrind' (autoconf-archive AX_VALGRIND_CHECK): memcheck only
# (helgrind, drd and sgcheck are off by default; --enable-valgrind-helgrind
# etc. turn them on).  --disable-valgrind turns it off; it is off in
# sanitizer builds (valgrind cannot run ASan/TSan binaries).
# Substitutes VALGRIND, VALGRIND_ENABLED, VALGRIND_CHECK_RULES (used by
# t/reliability.mk); appends a line to BP_SUMMARY.
AC_DEFUN([BP_CHECK_RELIABILITY], [
  AX_VALGRIND_DFLT([helgrind], [off])
  AX_VALGRIND_DFLT([drd], [off])
  AX_VALGRIND_DFLT([sgcheck], [off])
  AX_VALGRIND_CHECK
  bp_valgrind_note="make check-valgrind"
  AS_IF([test "x$enable_valgrind" = xyes && test "x$enable_sanitizer" != xno], [
    enable_valgrind=no
    VALGRIND_ENABLED=no
    bp_valgrind_note="not with --enable-sanitizer"
  ], [test "x$enable_valgrind" != xyes], [
    bp_valgrind_note="valgrind not found or --disable-valgrind"
  ])
  BP_SUMMARY="$BP_SUMMARY
  valgrind:          $enable_valgrind ($bp_valgrind_note)"
])
