# fuzzing (issue 7): libFuzzer harnesses for the API (fuzz/fuzz_api.c) and
# bufpool-bench's option parser (fuzz/fuzz_cli.c).  See fuzz/README.md.
#
#   make check       replays the seed corpus and fuzz/regressions through
#                    both harnesses, built with CC and a small main
#                    (fuzz/replay.c): TAP tests fuzz/replay-api, replay-cli
#   make fuzz-build  builds fuzz/fuzz-api and fuzz/fuzz-cli with FUZZ_CC
#                    (clang) and -fsanitize=fuzzer,address,undefined
#   make fuzz        runs each for FUZZ_SECONDS (default 300), new inputs in
#                    fuzz/work/, crashes in fuzz/artifacts/
#
# The harnesses are compiled directly from the library sources (no libtool,
# whatever CC is) into the build directory.

EXTRA_DIST += fuzz/README.md fuzz/fuzz.h fuzz/run.sh fuzz/gen-corpus.py \
	fuzz/cli.dict fuzz/corpus fuzz/regressions .ci/steps.d/10-fuzz
CLEANFILES += fuzz/fuzz-api fuzz/fuzz-cli fuzz/fuzz-api.log fuzz/fuzz-cli.log

# ---- replay tests (make check) ------------------------------------------
check_PROGRAMS += fuzz/replay-api fuzz/replay-cli
TESTS += fuzz/replay-api fuzz/replay-cli
fuzz_replay_api_SOURCES = fuzz/replay.c fuzz/fuzz_api.c fuzz/fuzz.h
fuzz_replay_api_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"api"'
fuzz_replay_api_LDADD = lib/libbufpool.la
fuzz_replay_cli_SOURCES = fuzz/replay.c fuzz/fuzz_cli.c fuzz/fuzz.h \
	cli/options.c cli/impl_bufpool.c cli/impl_malloc.c cli/impl_broken.c \
	cli/impl_probe.c cli/impls.c cli/impl_none.c cli/shape.c
fuzz_replay_cli_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cli -DFUZZ_NAME='"cli"' \
	-DBENCH_NO_PEERS
fuzz_replay_cli_CFLAGS = $(AM_CFLAGS)
fuzz_replay_cli_LDADD = lib/libbufpool.la $(BENCH_LIBS)
if HAVE_AVUTIL
fuzz_replay_cli_SOURCES += cli/impl_ffmpeg.c
fuzz_replay_cli_CFLAGS += $(AVUTIL_CFLAGS)
fuzz_replay_cli_LDADD += $(AVUTIL_LIBS)
endif

# ---- libFuzzer builds ----------------------------------------------------
FUZZ_SECONDS = 300
FUZZ_LIB_SRCS = $(lib_libbufpool_la_SOURCES:%=$(srcdir)/%)
FUZZ_LIB_HDRS = $(srcdir)/lib/bufpool.h $(LIB_INTERNAL_HDRS:%=$(srcdir)/%)
FUZZ_CPPFLAGS = -I$(srcdir)/lib -I$(top_builddir) -I$(srcdir)/fuzz
FUZZ_CLI_SRCS = $(srcdir)/cli/options.c $(srcdir)/cli/impl_bufpool.c \
	$(srcdir)/cli/impl_malloc.c $(srcdir)/cli/impl_broken.c \
	$(srcdir)/cli/impl_probe.c $(srcdir)/cli/impls.c \
	$(srcdir)/cli/impl_none.c $(srcdir)/cli/shape.c
FUZZ_CLI_FLAGS = -I$(srcdir)/cli -DBENCH_NO_PEERS
FUZZ_CLI_LIBS = $(BENCH_LIBS)
if HAVE_AVUTIL
FUZZ_CLI_SRCS += $(srcdir)/cli/impl_ffmpeg.c
FUZZ_CLI_FLAGS += $(AVUTIL_CFLAGS)
FUZZ_CLI_LIBS += $(AVUTIL_LIBS)
endif

.PHONY: fuzz fuzz-build

if FUZZ
fuzz/fuzz-api: $(FUZZ_LIB_SRCS) $(FUZZ_LIB_HDRS) $(srcdir)/fuzz/fuzz_api.c \
		$(srcdir)/fuzz/fuzz.h config.h
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -pthread -o $@ \
		$(FUZZ_LIB_SRCS) $(srcdir)/fuzz/fuzz_api.c

fuzz/fuzz-cli: $(FUZZ_LIB_SRCS) $(FUZZ_LIB_HDRS) $(FUZZ_CLI_SRCS) \
		$(srcdir)/cli/options.h $(srcdir)/cli/bench.h \
		$(srcdir)/fuzz/fuzz_cli.c $(srcdir)/fuzz/fuzz.h config.h
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) $(FUZZ_CLI_FLAGS) \
		-pthread -o $@ $(FUZZ_LIB_SRCS) $(FUZZ_CLI_SRCS) \
		$(srcdir)/fuzz/fuzz_cli.c $(FUZZ_CLI_LIBS)

fuzz-build: fuzz/fuzz-api fuzz/fuzz-cli

fuzz: fuzz-build
	$(SHELL) $(srcdir)/fuzz/run.sh --seconds $(FUZZ_SECONDS)
else
fuzz fuzz-build:
	@echo "make $@: the libFuzzer harnesses are not configured (needs clang" \
	  "with -fsanitize=fuzzer: see ./configure's summary, --enable-fuzz)" >&2
	@exit 1
endif

clean-local: fuzz-clean-local
fuzz-clean-local:
	-rm -rf fuzz/work fuzz/artifacts
