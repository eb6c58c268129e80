# BP_CHECK_MODEL: the SPIN model checker, for model/pool.pml (issue 7).
# Sets SPIN (precious: ./configure SPIN=/path/to/spin), the conditional
# HAVE_SPIN (make check-model), and a summary line.
AC_DEFUN([BP_CHECK_MODEL], [
  AC_ARG_VAR([SPIN], [the SPIN model checker (make check-model)])
  AC_PATH_PROG([SPIN], [spin])
  AM_CONDITIONAL([HAVE_SPIN], [test -n "$SPIN"])
  AS_IF([test -n "$SPIN"],
        [bp_model_summary="yes ($SPIN)"],
        [bp_model_summary="no (install the Debian package spin)"])
  BP_SUMMARY="$BP_SUMMARY
  model checking:    $bp_model_summary"
])
