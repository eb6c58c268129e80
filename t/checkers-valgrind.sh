#!/bin/sh
# A user's valgrind on programs built against the default library (issue
# 18): helgrind and DRD report nothing on correct programs and still report
# a real race in user code; memcheck reports a write after release and a
# read of a reused buffer's stale bytes, and nothing on correct programs.
# Runs in make check-valgrind (which sets VALGRIND); about 15 s.  TAP.
. "${top_srcdir:?}/t/checkers-lib.sh"
[ -n "${VALGRIND-}" ] || skip_all "run by make check-valgrind"

build handoff handoff && build pipeline pipeline && build race race &&
  build uaf uaf || { cat "$tmp"/*.build | sed 's/^/# /'; echo "Bail out! cannot build"; exit 1; }

# The deliberate race, and only it, is suppressed: a run of checkers_race
# must use this and report nothing else.
cat >"$tmp/race.supp" <<'SUPP'
{
   the-race-of-race_writer-helgrind
   Helgrind:Race
   ...
   fun:race_writer
}
{
   the-race-of-race_writer-drd
   drd:ConflictingAccess
   ...
   fun:race_writer
}
SUPP

# vg TOOL LOG PROGRAM ARGS...: the program under valgrind; prints its
# error count.
vg() {
  tool=$1 log=$2
  shift 2
  $VALGRIND --tool="$tool" --num-callers=30 -s "$@" >"$log" 2>&1
  sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1
}

for tool in helgrind drd; do
  for prog in "handoff 2000" "pipeline 50"; do
    set -- $prog
    e=$(vg $tool "$tmp/$tool-$1.log" "$tmp/$1" "$2")
    [ "$e" = 0 ] && grep -q "(right)" "$tmp/$tool-$1.log"
    tap_ok $? "$tool: checkers_$1 ($2): ${e:-no} errors" "$tmp/$tool-$1.log"
  done
  e=$(vg $tool "$tmp/$tool-race.log" --suppressions="$tmp/race.supp" "$tmp/race")
  used=$(sed -n 's/.*used_suppression: *\([0-9]*\) the-race-of-race_writer.*/\1/p' "$tmp/$tool-race.log")
  [ "$e" = 0 ] && [ "${used:-0}" -gt 0 ]
  tap_ok $? "$tool: checkers_race: the race of race_writer is reported (${used:-0} times), nothing else (${e:-?} other errors)" "$tmp/$tool-race.log"
done

for check in "" nocache; do
  label=${check:+ with BUFPOOL_CHECK=$check}
  e=$(BUFPOOL_CHECK="$check" vg memcheck "$tmp/mc-clean.log" --leak-check=full --errors-for-leak-kinds=definite "$tmp/uaf" clean)
  [ "$e" = 0 ]
  tap_ok $? "memcheck: checkers_uaf clean$label: ${e:-no} errors" "$tmp/mc-clean.log"
  e=$(BUFPOOL_CHECK="$check" vg memcheck "$tmp/mc-write.log" "$tmp/uaf" write)
  grep -A2 "Invalid write of size 1" "$tmp/mc-write.log" | grep -q write_after_release
  tap_ok $? "memcheck: a write after release$label is an invalid write in write_after_release" "$tmp/mc-write.log"
done
e=$(vg memcheck "$tmp/mc-read.log" "$tmp/uaf" read)
grep -A2 "depends on uninitialised value" "$tmp/mc-read.log" | grep -q read_before_write
tap_ok $? "memcheck: a reused buffer's stale bytes are undefined (read_before_write)" "$tmp/mc-read.log"
# The hand-off's paths (caches, rings, claims, trim through the rings).
for prog in "handoff 2000" "pipeline 50"; do
  set -- $prog
  e=$(vg memcheck "$tmp/mc-$1.log" "$tmp/$1" "$2")
  [ "$e" = 0 ]
  tap_ok $? "memcheck: checkers_$1 ($2): ${e:-no} errors" "$tmp/mc-$1.log"
done

echo "1..$n"
exit $fail
