# libbufpool: one source file per concern.
lib_LTLIBRARIES += lib/libbufpool.la
include_HEADERS += lib/bufpool.h
noinst_HEADERS += lib/internal.h lib/platform.h lib/pool_internal.h
lib_libbufpool_la_SOURCES = lib/buffer.c lib/pool.c lib/tcache.c lib/platform.c
lib_libbufpool_la_LDFLAGS = -version-info 0:0:0 -no-undefined \
	-export-symbols-regex '^bp_'
EXTRA_DIST += lib/bufpool.pc.in
