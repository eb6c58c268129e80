#!/bin/sh
# callgrind.sh - instructions per get+release pair stay under a ceiling
# (issue 6, target 4).  TAP.
#
# Counts with bench/callgrind.sh (valgrind --tool=callgrind on
# bench/callgrind, linked statically against libbufpool) and fails when
# the instructions executed inside bp_pool_get and bp_unref per pair (the
# test loop excluded) exceed $BP_CALLGRIND_CEILING, set in bench/local.mk.  The count is deterministic for a given build: it depends
# on the compiler and flags, so the test skips unless CFLAGS has -O2 (the
# default, which the ceiling is calibrated for) or -O3, and skips without
# valgrind and in sanitizer and debug builds.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${BP_CALLGRIND_CEILING:=}"
: "${BP_SANITIZER:=no}"
: "${VALGRIND:=valgrind}"
prog="$top_builddir/bench/callgrind"

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

[ -n "$BP_CALLGRIND_CEILING" ] || skip_all "BP_CALLGRIND_CEILING not set (run through make check)"
[ "$BP_SANITIZER" = no ] || skip_all "sanitizer build (valgrind cannot run it)"
[ "${BP_DEBUG_BUILD:-no}" = no ] || skip_all "debug build (assertions in the fast paths)"
command -v "$VALGRIND" >/dev/null 2>&1 || skip_all "valgrind not installed (Debian: apt-get install valgrind)"
case " ${CFLAGS-} " in
    *" -O2 "*|*" -O3 "*) ;;
    *) skip_all "ceiling calibrated for -O2; CFLAGS is '${CFLAGS-}'" ;;
esac
[ -x "$prog" ] || { echo "Bail out! $prog not built"; exit 1; }

echo "1..2"
if line=$(sh "$top_srcdir/bench/callgrind.sh" "$prog" bufpool 2>&1); then
    echo "ok 1 - callgrind ran: $line"
else
    echo "not ok 1 - callgrind failed"
    echo "$line" | sed 's/^/# /'
    echo "not ok 2 - instructions per pair (no count) # ceiling $BP_CALLGRIND_CEILING"
    exit 1
fi
per_pair=${line##*,}
if awk -v x="$per_pair" -v c="$BP_CALLGRIND_CEILING" 'BEGIN { exit !(x + 0 <= c + 0) }'; then
    echo "ok 2 - bufpool: $per_pair instructions in bp_pool_get+bp_unref per pair <= ceiling $BP_CALLGRIND_CEILING"
else
    echo "not ok 2 - bufpool: $per_pair instructions in bp_pool_get+bp_unref per pair > ceiling $BP_CALLGRIND_CEILING"
    echo "# the ceiling is BP_CALLGRIND_CEILING in bench/local.mk"
    exit 1
fi
