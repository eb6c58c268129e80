# Core library tests (C, TAP through build-aux/tap-driver.sh).
EXTRA_DIST += t/tap.h
check_PROGRAMS += t/test_buffer
TESTS += t/test_buffer
t_test_buffer_LDADD = lib/libbufpool.la
check_PROGRAMS += t/test_pool
TESTS += t/test_pool
t_test_pool_LDADD = lib/libbufpool.la
check_PROGRAMS += t/test_pool_threads
TESTS += t/test_pool_threads
t_test_pool_threads_LDADD = lib/libbufpool.la
TESTS += t/symbols.sh
EXTRA_DIST += t/symbols.sh
check_PROGRAMS += t/test_pool_alloc_fail
TESTS += t/test_pool_alloc_fail
t_test_pool_alloc_fail_LDADD = lib/libbufpool.la
TESTS += t/readme.sh
EXTRA_DIST += t/readme.sh
check_PROGRAMS += t/test_pool_tcache
TESTS += t/test_pool_tcache
t_test_pool_tcache_LDADD = lib/libbufpool.la
# Fault injection sweep: links the library statically to reach its hooks.
check_PROGRAMS += t/test_fault
TESTS += t/test_fault
t_test_fault_LDADD = lib/libbufpool.la
t_test_fault_LDFLAGS = -static
# Which path gets and releases take (fast or general), and the whole pool
# suite again on the general path (BUFPOOL_NO_MEMBARRIER).
check_PROGRAMS += t/test_pool_modes
TESTS += t/test_pool_modes t/no-membarrier.sh
t_test_pool_modes_LDADD = lib/libbufpool.la
t_test_pool_modes_LDFLAGS = -static
EXTRA_DIST += t/no-membarrier.sh
# The config and stats structs as an ABI (struct_size), the config check,
# the cache field.
check_PROGRAMS += t/test_pool_config
TESTS += t/test_pool_config
t_test_pool_config_LDADD = lib/libbufpool.la
# A capped pool at its edges: waiting, trim, the peak, timeouts.
check_PROGRAMS += t/test_pool_cap
TESTS += t/test_pool_cap
t_test_pool_cap_LDADD = lib/libbufpool.la
# The standard Autotools way (autoreconf -fi) installs every aux file.
TESTS += t/autoreconf.sh
EXTRA_DIST += t/autoreconf.sh
# A process's life: dlclose() while threads that used a pool live on,
# 1100 load/unload cycles, fork() from a busy parent.  Linked statically,
# so that the libbufpool.so it dlopen()s is a copy of its own.
check_PROGRAMS += t/test_lifecycle
TESTS += t/test_lifecycle t/nodelete.sh
t_test_lifecycle_LDADD = lib/libbufpool.la $(DL_LIBS)
t_test_lifecycle_LDFLAGS = -static
EXTRA_DIST += t/nodelete.sh
# ISO C11 with POSIX: lib/*.c under -std=c11 -pedantic-errors (gcc, clang).
TESTS += t/iso-c11.sh
EXTRA_DIST += t/iso-c11.sh
# The calls bufpool.h names async-signal-safe, in a signal handler.
check_PROGRAMS += t/test_signal
TESTS += t/test_signal
t_test_signal_LDADD = lib/libbufpool.la
# Debug builds (--enable-debug): the assertions are really there.
check_PROGRAMS += t/test_debug
TESTS += t/test_debug
t_test_debug_LDADD = lib/libbufpool.la
if DEBUG
bp_debug_build = yes
else
bp_debug_build = no
endif
AM_TESTS_ENVIRONMENT += BP_DEBUG_BUILD=$(bp_debug_build); export BP_DEBUG_BUILD;
# A seccomp filter denying membarrier after the pools were made (issue 19):
# trim, a get at the cap and uninit fall back instead of aborting.  Linked
# statically to see the mode.
check_PROGRAMS += t/test_seccomp
TESTS += t/test_seccomp
t_test_seccomp_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
t_test_seccomp_LDADD = lib/libbufpool.la $(SECCOMP_LIBS)
t_test_seccomp_LDFLAGS = -static
# bp_pool_set_flushing (issue 19): waiters woken, gets cancelled, undone.
check_PROGRAMS += t/test_pool_flush
TESTS += t/test_pool_flush
t_test_pool_flush_LDADD = lib/libbufpool.la
# bp_pool_get_info and bp_pool_dump (issue 19).
check_PROGRAMS += t/test_pool_info
TESTS += t/test_pool_info
t_test_pool_info_LDADD = lib/libbufpool.la
# The timeout's contract (issue 19): clock, signals, cancellation,
# wake-ups, when a get may fail one buffer early.
check_PROGRAMS += t/test_pool_timeout
TESTS += t/test_pool_timeout
t_test_pool_timeout_LDADD = lib/libbufpool.la
# The ABI against the committed baseline (issue 19): libabigail's abidiff.
TESTS += t/abi.sh
EXTRA_DIST += t/abi.sh
# Hand-off between threads: releases reach the getters (issue 12).
check_PROGRAMS += t/test_pool_handoff
TESTS += t/test_pool_handoff
t_test_pool_handoff_LDADD = lib/libbufpool.la
# The user's checkers (issue 18): programs built as a user would against
# the library make built; ThreadSanitizer and AddressSanitizer here (a few
# seconds), helgrind, DRD and memcheck in make check-valgrind (about 15 s).
TESTS += t/checkers-sanitizers.sh t/checkers-valgrind.sh
check_PROGRAMS += t/test_checkers
TESTS += t/test_checkers
t_test_checkers_LDADD = lib/libbufpool.la
EXTRA_DIST += t/checkers-lib.sh t/checkers-sanitizers.sh \
	t/checkers-valgrind.sh t/checkers_handoff.c t/checkers_pipeline.c \
	t/checkers_race.c t/checkers_uaf.c
