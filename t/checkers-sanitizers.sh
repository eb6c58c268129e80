#!/bin/sh
# A user's ThreadSanitizer and AddressSanitizer on programs built with
# -fsanitize=thread / -fsanitize=address against the default (not
# instrumented) library (issue 18): correct programs get no report, a real
# race in user code and a write after release still do.  TAP.
. "${top_srcdir:?}/t/checkers-lib.sh"

# reports LOG: how many ThreadSanitizer reports LOG has; inside WHERE
# (when given): how many of them name that function.
tsan_reports() {
  awk -v where="${2-}" '
    /^WARNING: ThreadSanitizer:/ { r++; inside = 1; named = 0 }
    inside && where != "" && index($0, where) { named = 1 }
    /^==================$/ && inside { if (named) w++; inside = 0 }
    END { print (where == "" ? r + 0 : w + 0) }' "$1"
}

# TSan: each program's own reports (halt_on_error off: all of them).
tsan_env="TSAN_OPTIONS=halt_on_error=0:exitcode=0:report_signal_unsafe=0"
if build handoff handoff.tsan -fsanitize=thread &&
   build pipeline pipeline.tsan -fsanitize=thread &&
   build race race.tsan -fsanitize=thread &&
   env "$tsan_env" "$tmp/handoff.tsan" 10 >/dev/null 2>&1; then
  for prog in "handoff 2000" "pipeline 200"; do
    set -- $prog
    env "$tsan_env" "$tmp/$1.tsan" "$2" >"$tmp/$1.log" 2>&1
    rc=$?
    r=$(tsan_reports "$tmp/$1.log")
    [ "$rc" = 0 ] && [ "$r" = 0 ]
    tap_ok $? "ThreadSanitizer: checkers_$1 ($2): $r reports, exit $rc" "$tmp/$1.log"
  done
  env "$tsan_env" "$tmp/race.tsan" >"$tmp/race.log" 2>&1
  r=$(tsan_reports "$tmp/race.log")
  w=$(tsan_reports "$tmp/race.log" race_writer)
  [ "$r" -gt 0 ] && [ "$r" = "$w" ]
  tap_ok $? "ThreadSanitizer: checkers_race: the race of race_writer is reported, nothing else ($w of $r reports)" "$tmp/race.log"
else
  [ -f "$tmp/handoff.tsan" ] || cat "$tmp"/*.build | sed 's/^/# /'
  echo "# SKIP ThreadSanitizer: ${CC:-cc} -fsanitize=thread does not build or run"
fi

# ASan: LeakSanitizer too (detect_leaks); exit 1 on a report.
asan_env="ASAN_OPTIONS=detect_leaks=1:exitcode=1"
if build uaf uaf.asan -fsanitize=address &&
   build handoff handoff.asan -fsanitize=address &&
   build pipeline pipeline.asan -fsanitize=address &&
   env "$asan_env" "$tmp/uaf.asan" clean >/dev/null 2>&1; then
  for check in "" nocache; do
    label=${check:+ with BUFPOOL_CHECK=$check}
    env "$asan_env" BUFPOOL_CHECK="$check" "$tmp/uaf.asan" clean >"$tmp/c.log" 2>&1
    rc=$?
    ! grep -q "ERROR: .*Sanitizer" "$tmp/c.log" && [ "$rc" = 0 ]
    tap_ok $? "AddressSanitizer: checkers_uaf clean$label: no report, exit $rc" "$tmp/c.log"
    env "$asan_env" BUFPOOL_CHECK="$check" "$tmp/uaf.asan" write >"$tmp/w.log" 2>&1
    want=use-after-poison
    [ "$check" = nocache ] && want=heap-use-after-free
    grep -q "ERROR: AddressSanitizer: $want" "$tmp/w.log" &&
      grep -q "in write_after_release" "$tmp/w.log"
    tap_ok $? "AddressSanitizer: a write after release$label is reported ($want in write_after_release)" "$tmp/w.log"
  done
  # The hand-off's paths (caches, rings, claims, trim through the rings).
  for prog in "handoff 2000" "pipeline 200"; do
    set -- $prog
    env "$asan_env" "$tmp/$1.asan" "$2" >"$tmp/h.log" 2>&1
    rc=$?
    ! grep -q "ERROR: .*Sanitizer" "$tmp/h.log" && [ "$rc" = 0 ]
    tap_ok $? "AddressSanitizer: checkers_$1 ($2): no report, exit $rc" "$tmp/h.log"
  done
else
  echo "# SKIP AddressSanitizer: ${CC:-cc} -fsanitize=address does not build or run"
fi

[ "$n" -gt 0 ] || skip_all "neither sanitizer builds with ${CC:-cc}"
echo "1..$n"
exit $fail
