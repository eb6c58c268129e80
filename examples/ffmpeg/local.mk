# examples/ffmpeg: a real FFmpeg client with bufpool frame pools (issue 12).
#
#   examples/ffmpeg/bp-decode     decodes a file's video with libavcodec,
#                                 frame buffers from bufpool (get_buffer2)
#                                 or FFmpeg's default allocator
#   examples/ffmpeg/test.sh       make check: framemd5 equality with
#                                 FFmpeg's default on H.264, HEVC, VP9 and
#                                 MPEG-4 clips made with ffmpeg's lavfi
#                                 sources, -threads 1, 4 and 8
# Built when configure found libavcodec/libavformat (--with-ffmpeg-example).
EXAMPLES_FFMPEG_SRC = examples/ffmpeg/bp-decode.c \
	examples/ffmpeg/bp_frame_pool.c examples/ffmpeg/bp_frame_pool.h \
	examples/ffmpeg/count_allocz.c examples/ffmpeg/count_allocz.h
EXTRA_DIST += examples/ffmpeg/test.sh examples/ffmpeg/README.md \
	examples/ffmpeg/tsan.supp
if HAVE_LIBAV
noinst_PROGRAMS += examples/ffmpeg/bp-decode
examples_ffmpeg_bp_decode_SOURCES = $(EXAMPLES_FFMPEG_SRC)
examples_ffmpeg_bp_decode_CFLAGS = $(AM_CFLAGS) $(LIBAV_CFLAGS)
examples_ffmpeg_bp_decode_LDADD = lib/libbufpool.la $(LIBAV_LIBS) $(DL_LIBS)
TESTS += examples/ffmpeg/test.sh
AM_TESTS_ENVIRONMENT += FFMPEG='$(FFMPEG)'; export FFMPEG;
else
EXTRA_DIST += $(EXAMPLES_FFMPEG_SRC)
endif
CLEANFILES += examples/ffmpeg/*.tmp
