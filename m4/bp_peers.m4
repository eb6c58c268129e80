# BP_CHECK_PEERS: the optional peers of bufpool-bench (issue 12) and the
# FFmpeg client example.  Owner: the hand-off benchmarks.
#
# --with-dpdk=auto|yes|no        --impl dpdk: rte_mempool, libdpdk (any
#                                version with rte_thread_register, >= 20.11)
# --with-gstreamer=auto|yes|no   --impl gstreamer: GstBufferPool,
#                                gstreamer-1.0 >= 1.14
# --with-ffmpeg-example=auto|yes|no
#                                examples/ffmpeg: a decoder with bufpool
#                                behind AVCodecContext.get_buffer2, against
#                                libavcodec, libavformat and libavutil
#                                >= 59/59/57 (FFmpeg 5.x); its test also
#                                needs the ffmpeg program (to make clips)
# auto (the default) builds what pkg-config finds; yes requires it; no
# leaves it out.  Each defines HAVE_<NAME> and an Automake conditional of
# the same name.
AC_DEFUN([BP_PEER], [
  dnl $1 option name, $2 variable prefix, $3 pkg-config modules,
  dnl $4 what it is, $5 Debian packages
  AC_ARG_WITH([$1],
    [AS_HELP_STRING([--with-$1=auto|yes|no], [$4 @<:@default=auto@:>@])],
    [], [AS_TR_SH([with_$1])=auto])
  AS_CASE([$AS_TR_SH([with_$1])],
    [auto|yes|no], [],
    [AC_MSG_ERROR([--with-$1: unknown value '$AS_TR_SH([with_$1])' (use auto, yes or no)])])
  bp_have_$2=no
  AS_IF([test "x$AS_TR_SH([with_$1])" != xno], [
    PKG_CHECK_MODULES([$2], [$3], [bp_have_$2=yes],
      [AS_IF([test "x$AS_TR_SH([with_$1])" = xyes],
        [AC_MSG_ERROR([--with-$1=yes but $3 was not found:
$$2_PKG_ERRORS
On Debian: apt-get install $5])])])
  ])
  AS_IF([test "x$bp_have_$2" = xyes],
    [AC_DEFINE([HAVE_$2], [1], [Define to 1 to build $4.])
     bp_$2_summary="yes (`AS_ECHO(["$3"]) | cut -d' ' -f1` `$PKG_CONFIG --modversion \`AS_ECHO(["$3"]) | cut -d' ' -f1\` 2>/dev/null`)"],
    [bp_$2_summary="no (--with-$1=$AS_TR_SH([with_$1]))"])
  AM_CONDITIONAL([HAVE_$2], [test "x$bp_have_$2" = xyes])
])

AC_DEFUN([BP_CHECK_PEERS], [
  BP_PEER([dpdk], [DPDK], [libdpdk >= 20.11],
    [bufpool-bench's DPDK peer (--impl dpdk)], [libdpdk-dev])
  BP_PEER([gstreamer], [GSTREAMER], [gstreamer-1.0 >= 1.14],
    [bufpool-bench's GStreamer peer (--impl gstreamer)], [libgstreamer1.0-dev])
  BP_PEER([ffmpeg-example], [LIBAV],
    [libavcodec >= 59 libavformat >= 59 libavutil >= 57],
    [examples/ffmpeg, a decoder with bufpool frame pools],
    [libavcodec-dev libavformat-dev])
  dnl The example's allocation counter finds libavutil's av_buffer_allocz
  dnl with dlsym (libc on glibc >= 2.34, libdl before).
  bp_save_LIBS=$LIBS
  LIBS=
  AS_IF([test "x$bp_have_LIBAV" = xyes],
    [AC_SEARCH_LIBS([dlsym], [dl], [],
      [AC_MSG_ERROR([examples/ffmpeg needs dlsym])])])
  DL_LIBS=$LIBS
  LIBS=$bp_save_LIBS
  AC_SUBST([DL_LIBS])
  dnl The example's test makes its clips with the ffmpeg program.
  AC_PATH_PROG([FFMPEG], [ffmpeg])
  AC_ARG_VAR([FFMPEG], [the ffmpeg program, for examples/ffmpeg's test])
  AS_IF([test "x$bp_have_LIBAV" = xyes && test -z "$FFMPEG"],
    [bp_LIBAV_summary="$bp_LIBAV_summary; its test is skipped: no ffmpeg program (apt-get install ffmpeg)"])
  BP_SUMMARY="$BP_SUMMARY
  dpdk peer:         $bp_DPDK_summary
  gstreamer peer:    $bp_GSTREAMER_summary
  ffmpeg example:    $bp_LIBAV_summary"
])
