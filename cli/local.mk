# bufpool-bench: the benchmark CLI (issue 3).
bin_PROGRAMS += cli/bufpool-bench
dist_man_MANS += cli/bufpool-bench.1
cli_bufpool_bench_SOURCES = cli/main.c cli/options.c cli/options.h \
	cli/workload.c cli/workload.h cli/histogram.c cli/histogram.h \
	cli/report.c cli/report.h cli/bench.h \
	cli/impl_bufpool.c cli/impl_malloc.c cli/impl_broken.c \
	cli/impls.c cli/impl_none.c cli/shape.c
cli_bufpool_bench_CFLAGS = $(AM_CFLAGS)
cli_bufpool_bench_LDADD = lib/libbufpool.la $(BENCH_LIBS)
if HAVE_AVUTIL
cli_bufpool_bench_SOURCES += cli/impl_ffmpeg.c
cli_bufpool_bench_CFLAGS += $(AVUTIL_CFLAGS)
cli_bufpool_bench_LDADD += $(AVUTIL_LIBS)
else
# Shipped in the tarball even when this build leaves it out.
EXTRA_DIST += cli/impl_ffmpeg.c
endif

# The optional peers (issue 12), each in a library of its own so that its
# compiler flags (DPDK's -march, -include) reach only its adapter.
if HAVE_DPDK
noinst_LIBRARIES += cli/libpeer_dpdk.a
cli_libpeer_dpdk_a_SOURCES = cli/impl_dpdk.c
cli_libpeer_dpdk_a_CFLAGS = $(AM_CFLAGS) $(DPDK_CFLAGS)
cli_bufpool_bench_LDADD += cli/libpeer_dpdk.a $(DPDK_LIBS)
else
EXTRA_DIST += cli/impl_dpdk.c
endif
if HAVE_GSTREAMER
noinst_LIBRARIES += cli/libpeer_gstreamer.a
cli_libpeer_gstreamer_a_SOURCES = cli/impl_gstreamer.c
cli_libpeer_gstreamer_a_CFLAGS = $(AM_CFLAGS) $(GSTREAMER_CFLAGS)
cli_bufpool_bench_LDADD += cli/libpeer_gstreamer.a $(GSTREAMER_LIBS)
else
EXTRA_DIST += cli/impl_gstreamer.c
endif

# TAP tests in POSIX sh; t/cli-lib.sh holds their shared helpers.
TESTS += t/cli-run.sh t/cli-output.sh t/cli-errors.sh
EXTRA_DIST += t/cli-run.sh t/cli-output.sh t/cli-errors.sh t/cli-lib.sh
# Issue 12: the decoder pattern, --depth/--planes/--pools, the peers.
TESTS += t/cli-peers.sh
EXTRA_DIST += t/cli-peers.sh
