# Core library tests (C, TAP through build-aux/tap-driver.sh).
EXTRA_DIST += t/tap.h
