#!/bin/sh
# bench/capbarrier.sh PROGRAM [GETS] - issue 19's row 2: process-wide
# barriers (membarrier's PRIVATE_EXPEDITED command) per get of a capped
# pipeline at its cap (bench/capbarrier.c), counted with strace.  Prints the
# figure and PASS when there is at most 1 per 100 gets.
prog=${1:?usage: capbarrier.sh PROGRAM [GETS]}
gets=${2:-3000}
if ! command -v strace >/dev/null 2>&1; then
  echo "capbarrier: strace not found; not measured (apt-get install -y strace)"
  exit 0
fi
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
strace -f -qq -e trace=membarrier -o "$log" "$prog" "$gets" || exit 1
# QUERY and REGISTER at start-up are not barriers.
barriers=$(grep -c 'MEMBARRIER_CMD_PRIVATE_EXPEDITED[,)]' "$log")
awk -v b="$barriers" -v g="$gets" 'BEGIN {
  printf "capped pipeline (cap 4, 64 KiB, 2-slot queue): %d process-wide barriers in %d gets (%.2f per 100 gets)\n", b, g, 100 * b / g
  printf "%s (target: at most 1 per 100 gets)\n", (100 * b <= g) ? "PASS" : "FAIL"
}'
