#!/bin/sh
# callgrind.sh - instructions per get+release pair under callgrind.
#
#   bench/callgrind.sh PROG IMPL [ROUNDS_A ROUNDS_B]
#
# Runs `valgrind --tool=callgrind PROG IMPL ROUNDS` for ROUNDS_A and ROUNDS_B
# rounds (default 2000 and 22000; a round is 4 gets then 4 releases, see
# bench/callgrind.c) and prints one CSV line (no header):
#
#   impl,rounds_a,rounds_b,ir_a,ir_b,ir_per_pair
#
# where ir_per_pair = (ir_b - ir_a) / ((ROUNDS_B - ROUNDS_A) * 4): the
# difference cancels the instructions of process start-up, pool creation
# and destruction and the first (allocating) round.  ir_a and ir_b are
# callgrind's "totals" (every instruction executed by the process, the
# dynamic loader included).  $VALGRIND overrides the valgrind command.
# Exit status 1 (and valgrind's messages on stderr) when a run fails.
set -eu
[ $# -eq 2 ] || [ $# -eq 4 ] || {
    echo "usage: $0 PROG IMPL [ROUNDS_A ROUNDS_B]" >&2; exit 2; }
prog=$1 impl=$2 a=${3:-2000} b=${4:-22000}
: "${VALGRIND:=valgrind}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-callgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

count() {
    if ! $VALGRIND --tool=callgrind --callgrind-out-file="$tmp/out.$1" \
            "$prog" "$impl" "$1" >"$tmp/log.$1" 2>&1; then
        echo "$0: valgrind --tool=callgrind $prog $impl $1 failed:" >&2
        cat "$tmp/log.$1" >&2
        exit 1
    fi
    # "totals:" in current callgrind, "summary:" in old ones.
    sed -n 's/^totals: *\([0-9][0-9]*\).*/\1/p; s/^summary: *\([0-9][0-9]*\).*/\1/p' \
        "$tmp/out.$1" | head -n 1
}

ir_a=$(count "$a")
ir_b=$(count "$b")
[ -n "$ir_a" ] && [ -n "$ir_b" ] || {
    echo "$0: no instruction total in callgrind's output" >&2; exit 1; }
awk -v i="$impl" -v a="$a" -v b="$b" -v x="$ir_a" -v y="$ir_b" 'BEGIN {
    printf "%s,%d,%d,%s,%s,%.2f\n", i, a, b, x, y, (y - x) / ((b - a) * 4) }'
