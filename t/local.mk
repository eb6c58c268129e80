# Core library tests (C, TAP through build-aux/tap-driver.sh).
EXTRA_DIST += t/tap.h
check_PROGRAMS += t/test_buffer
TESTS += t/test_buffer
t_test_buffer_LDADD = lib/libbufpool.la
