# BP_CHECK_FUZZ: configure checks for the libFuzzer harnesses (fuzz/).
# Owner: fuzzing (issue 7).
#
# The harnesses are always built with clang (libFuzzer), whatever CC is:
# FUZZ_CC (default: the first of clang, clang-16 ... clang-14 found) must
# link a program with -fsanitize=fuzzer,address,undefined (on Debian:
# apt-get install clang libclang-rt-14-dev, or the clang-N of your release).
#   --enable-fuzz=auto (default)  build them when FUZZ_CC works
#   --enable-fuzz=yes             fail when it does not
#   --enable-fuzz=no              never
# Defines FUZZ_CC, FUZZ_FLAGS and the FUZZ conditional.  The replay
# programs (make check) need none of this: they use CC.
AC_DEFUN([BP_CHECK_FUZZ], [
  AC_ARG_ENABLE([fuzz],
    [AS_HELP_STRING([--enable-fuzz=auto|yes|no],
      [build the libFuzzer harnesses (make fuzz) with clang @<:@default=auto@:>@])],
    [], [enable_fuzz=auto])
  AS_CASE([$enable_fuzz],
    [auto|yes|no], [],
    [AC_MSG_ERROR([--enable-fuzz: unknown value '$enable_fuzz' (use auto, yes or no)])])
  AC_ARG_VAR([FUZZ_CC], [C compiler for the libFuzzer harnesses (default: clang)])
  FUZZ_FLAGS="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
  AC_SUBST([FUZZ_FLAGS])

  bp_fuzz=no
  bp_fuzz_why="--enable-fuzz=no"
  AS_IF([test "x$enable_fuzz" != xno], [
    AC_CHECK_PROGS([FUZZ_CC], [clang clang-16 clang-15 clang-14])
    bp_fuzz_why="no clang found (set FUZZ_CC)"
    AS_IF([test -n "$FUZZ_CC"], [
      AC_CACHE_CHECK([whether $FUZZ_CC can link -fsanitize=fuzzer,address,undefined],
        [bp_cv_fuzz_link], [
        bp_save_CC=$CC bp_save_CFLAGS=$CFLAGS bp_save_LDFLAGS=$LDFLAGS bp_save_LIBS=$LIBS
        CC=$FUZZ_CC
        CFLAGS="$FUZZ_FLAGS"
        LDFLAGS=
        LIBS=
        dnl No main: libFuzzer provides it.
        AC_LINK_IFELSE([AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return size > 0 && data[0] == 'x';
}
]])], [bp_cv_fuzz_link=yes], [bp_cv_fuzz_link=no])
        CC=$bp_save_CC CFLAGS=$bp_save_CFLAGS LDFLAGS=$bp_save_LDFLAGS LIBS=$bp_save_LIBS
      ])
      AS_IF([test "x$bp_cv_fuzz_link" = xyes],
        [bp_fuzz=yes],
        [bp_fuzz_why="$FUZZ_CC cannot link -fsanitize=fuzzer (on Debian: apt-get install libclang-rt-dev or libclang-rt-N-dev)"])
    ])
    AS_IF([test "x$enable_fuzz" = xyes && test "x$bp_fuzz" != xyes],
      [AC_MSG_ERROR([--enable-fuzz=yes: $bp_fuzz_why])])
  ])
  AM_CONDITIONAL([FUZZ], [test "x$bp_fuzz" = xyes])
  AS_IF([test "x$bp_fuzz" = xyes],
    [bp_fuzz_summary="yes ($FUZZ_CC)"],
    [bp_fuzz_summary="no ($bp_fuzz_why)"])
  BP_SUMMARY="$BP_SUMMARY
  fuzzing:           $bp_fuzz_summary"
])
