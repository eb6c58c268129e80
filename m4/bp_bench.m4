# BP_CHECK_BENCH: checks for bufpool-bench (cli/).  Owner: the bench CLI.
#
# --with-libavutil=auto|yes|no selects the FFmpeg baseline (--impl ffmpeg):
#   auto (default) builds it when pkg-config finds libavutil >= 57 (FFmpeg
#   5.x, whose av_buffer_pool_init2 takes a size_t), yes requires it, no
#   leaves it out.  Defines HAVE_AVUTIL and the HAVE_AVUTIL conditional.
# The CLI's own libraries (clock_gettime may live in librt on old systems)
# go into BENCH_LIBS so that they are not added to the library's LIBS.
AC_DEFUN([BP_CHECK_BENCH], [
  AC_ARG_WITH([libavutil],
    [AS_HELP_STRING([--with-libavutil=auto|yes|no],
      [build bufpool-bench's FFmpeg baseline (--impl ffmpeg) against
       libavutil >= 57 @<:@default=auto@:>@])],
    [], [with_libavutil=auto])
  AS_CASE([$with_libavutil],
    [auto|yes|no], [],
    [AC_MSG_ERROR([--with-libavutil: unknown value '$with_libavutil' (use auto, yes or no)])])

  bp_have_avutil=no
  AS_IF([test "x$with_libavutil" != xno], [
    PKG_CHECK_MODULES([AVUTIL], [libavutil >= 57],
      [bp_have_avutil=yes],
      [AS_IF([test "x$with_libavutil" = xyes],
        [AC_MSG_ERROR([--with-libavutil=yes but libavutil >= 57 was not found:
$AVUTIL_PKG_ERRORS
On Debian: apt-get install libavutil-dev])])])
  ])
  AS_IF([test "x$bp_have_avutil" = xyes],
    [AC_DEFINE([HAVE_AVUTIL], [1],
      [Define to 1 to build bufpool-bench's FFmpeg (libavutil) baseline.])])
  AM_CONDITIONAL([HAVE_AVUTIL], [test "x$bp_have_avutil" = xyes])

  dnl clock_gettime: libc on current glibc, librt before glibc 2.17.
  bp_save_LIBS=$LIBS
  LIBS=
  AC_SEARCH_LIBS([clock_gettime], [rt], [],
    [AC_MSG_ERROR([bufpool-bench needs clock_gettime])])
  BENCH_LIBS=$LIBS
  LIBS=$bp_save_LIBS
  AC_SUBST([BENCH_LIBS])
  dnl Thread pinning (--cpus) is optional: without it, --cpus is refused.
  AC_CHECK_FUNCS([pthread_setaffinity_np sched_getaffinity])

  AS_IF([test "x$bp_have_avutil" = xyes],
    [bp_avutil_summary="yes (libavutil `$PKG_CONFIG --modversion libavutil 2>/dev/null`)"],
    [bp_avutil_summary="no (--with-libavutil=$with_libavutil)"])
  BP_SUMMARY="$BP_SUMMARY
  ffmpeg baseline:   $bp_avutil_summary"
])

# BP_CHECK_JANSSON: jansson reads saved JSON reports for bufpool-bench
# --compare.  --with-jansson=auto|yes|no; without it --compare is refused
# (everything else works).  Defines HAVE_JANSSON, JANSSON_CFLAGS/LIBS.
AC_DEFUN([BP_CHECK_JANSSON], [
  AC_ARG_WITH([jansson],
    [AS_HELP_STRING([--with-jansson=auto|yes|no],
      [read saved reports for bufpool-bench --compare with jansson
       @<:@default=auto@:>@])],
    [], [with_jansson=auto])
  AS_CASE([$with_jansson],
    [auto|yes|no], [],
    [AC_MSG_ERROR([--with-jansson: unknown value '$with_jansson' (use auto, yes or no)])])
  bp_have_jansson=no
  AS_IF([test "x$with_jansson" != xno], [
    PKG_CHECK_MODULES([JANSSON], [jansson >= 2.10],
      [bp_have_jansson=yes],
      [AS_IF([test "x$with_jansson" = xyes],
        [AC_MSG_ERROR([--with-jansson=yes but jansson >= 2.10 was not found:
$JANSSON_PKG_ERRORS
On Debian: apt-get install libjansson-dev])])])
  ])
  AS_IF([test "x$bp_have_jansson" = xyes],
    [AC_DEFINE([HAVE_JANSSON], [1],
      [Define to 1 when bufpool-bench can read JSON reports (--compare).])])
  AM_CONDITIONAL([HAVE_JANSSON], [test "x$bp_have_jansson" = xyes])
  BP_SUMMARY="$BP_SUMMARY
  bench --compare:   $bp_have_jansson (--with-jansson=$with_jansson)"
])
