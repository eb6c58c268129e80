#!/bin/sh
# callgrind.sh - instructions per get+release pair under callgrind.
#
#   bench/callgrind.sh PROG IMPL [ROUNDS_A ROUNDS_B]
#
# Runs `valgrind --tool=callgrind PROG IMPL ROUNDS` for ROUNDS_A and ROUNDS_B
# rounds (default 2000 and 22000; a round is 4 gets then 4 releases, see
# bench/callgrind.c) and prints one CSV line (no header):
#
#   impl,rounds_a,rounds_b,ir_a,ir_b,ir_per_pair,lib_a,lib_b,lib_per_pair
#
# where ir_per_pair = (ir_b - ir_a) / ((ROUNDS_B - ROUNDS_A) * 4): the
# difference cancels the instructions of process start-up, pool creation
# and destruction and the first (allocating) round.  ir_a and ir_b are
# callgrind's "totals" (every instruction executed by the process, the
# dynamic loader and the test loop included).  lib_* are the same with
# --toggle-collect on the implementation's get and release functions
# (bp_pool_get/bp_unref, av_buffer_pool_get/av_buffer_unref, malloc/free):
# only the instructions executed inside those calls (callees included),
# the loop around them excluded.  $VALGRIND overrides the valgrind command.
# Exit status 1 (and valgrind's messages on stderr) when a run fails.
set -eu
[ $# -eq 2 ] || [ $# -eq 4 ] || {
    echo "usage: $0 PROG IMPL [ROUNDS_A ROUNDS_B]" >&2; exit 2; }
prog=$1 impl=$2 a=${3:-2000} b=${4:-22000}
: "${VALGRIND:=valgrind}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-callgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

case $impl in
    bufpool) fns="bp_pool_get bp_unref" ;;
    ffmpeg) fns="av_buffer_pool_get av_buffer_unref" ;;
    malloc) fns="malloc free" ;;
    *) fns= ;;
esac

# count ROUNDS [callgrind options]
count() {
    n=$1; shift
    if ! $VALGRIND --tool=callgrind --callgrind-out-file="$tmp/out.$n" "$@" \
            "$prog" "$impl" "$n" >"$tmp/log.$n" 2>&1; then
        echo "$0: valgrind --tool=callgrind $* $prog $impl $n failed:" >&2
        cat "$tmp/log.$n" >&2
        exit 1
    fi
    # "totals:" in current callgrind, "summary:" in old ones.
    sed -n 's/^totals: *\([0-9][0-9]*\).*/\1/p; s/^summary: *\([0-9][0-9]*\).*/\1/p' \
        "$tmp/out.$n" | head -n 1
}

ir_a=$(count "$a")
ir_b=$(count "$b")
toggles=
for f in $fns; do toggles="$toggles --toggle-collect=$f"; done
# shellcheck disable=SC2086
lib_a=$(count "$a" $toggles)
# shellcheck disable=SC2086
lib_b=$(count "$b" $toggles)
[ -n "$ir_a" ] && [ -n "$ir_b" ] && [ -n "$lib_a" ] && [ -n "$lib_b" ] || {
    echo "$0: no instruction total in callgrind's output" >&2; exit 1; }
awk -v i="$impl" -v a="$a" -v b="$b" -v x="$ir_a" -v y="$ir_b" \
    -v u="$lib_a" -v v="$lib_b" 'BEGIN {
    printf "%s,%d,%d,%s,%s,%.2f,%s,%s,%.2f\n", i, a, b, x, y,
           (y - x) / ((b - a) * 4), u, v, (v - u) / ((b - a) * 4) }'
