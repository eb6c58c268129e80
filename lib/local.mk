# libbufpool: one module per part of the pool, each calling only the ones
# listed before it (docs/DESIGN.md); buffer.c's bp_unref inlines the
# release fast path of pool.h.
lib_LTLIBRARIES += lib/libbufpool.la
include_HEADERS += lib/bufpool.h
LIB_INTERNAL_HDRS = lib/atomic.h lib/tagstack.h lib/platform.h lib/checkers.h \
	lib/waitq.h lib/slots.h lib/depot.h lib/ring.h lib/tcache.h lib/stats.h \
	lib/pool.h \
	lib/buffer.h
noinst_HEADERS += $(LIB_INTERNAL_HDRS)
lib_libbufpool_la_SOURCES = lib/platform.c lib/checkers.c lib/waitq.c \
	lib/slots.c lib/depot.c lib/tcache.c lib/stats.c lib/pool.c lib/buffer.c
lib_libbufpool_la_LDFLAGS = -version-info 0:0:0 -no-undefined \
	-export-symbols-regex '^bp_' $(BP_NODELETE_LDFLAGS)
EXTRA_DIST += lib/bufpool.pc.in

# The ABI check (t/abi.sh, in make check and so in make distcheck): the
# library built must have the ABI of lib/libbufpool.abi.  After an
# intended, compatible change (a function added, a struct grown at its
# end), `make update-abi` writes the new baseline, to be committed.
EXTRA_DIST += lib/libbufpool.abi lib/libbufpool.abignore
update-abi: lib/libbufpool.la
	abidw --no-corpus-path --no-comp-dir-path --short-locs \
	  --type-id-style hash lib/.libs/libbufpool.so.0 \
	  > $(srcdir)/lib/libbufpool.abi
.PHONY: update-abi
