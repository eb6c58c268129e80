#!/bin/sh
# lua-run.sh LUA... TEST - runs the Lua test TEST (TAP) with every
# interpreter the Lua binding was built for, each against its own module in
# the build tree, as one TAP stream whose test names start with the
# interpreter ("[lua5.1] ...").
#
# BP_LUA_VERSIONS: "API=interpreter ...", e.g. "5.1=/usr/bin/lua5.1
# 5.1=/usr/bin/luajit 5.4=/usr/bin/lua5.4" (configure's BP_LUA_TESTS_ENV).
# When LUA... is not the primary interpreter BP_LUA_PRIMARY (make
# check-valgrind runs "valgrind ... lua5.4"), only LUA... runs, with the
# module of BP_LUA_PRIMARY_API.  SAN_PRELOAD (sanitizer builds) is preloaded
# into the interpreters only.
: "${top_srcdir:?}" "${top_builddir:?}"
test_file=
cmd=
for a in "$@"; do
  [ -n "$test_file" ] && cmd="$cmd${cmd:+ }$test_file"
  test_file=$a
done
[ -n "$test_file" ] || { echo "usage: lua-run.sh LUA... TEST" >&2; exit 2; }
if [ "$cmd" = "${BP_LUA_PRIMARY:-}" ]; then
  runs=${BP_LUA_VERSIONS:-}
else
  runs="${BP_LUA_PRIMARY_API:-5.4}=$cmd"
fi
[ -n "$runs" ] || { echo "1..0 # SKIP no Lua binding built"; exit 0; }

out=$(mktemp "${TMPDIR:-/tmp}/lua-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
n=0 fail=0
run_one() {  # API COMMAND...
  api=$1; shift
  label=$(basename "$(echo "$*" | sed 's/.* //')")
  LUA_CPATH="$top_builddir/bindings/lua/$api/.libs/?.so" \
  LUA_PATH="$top_srcdir/t/?.lua" ${SAN_PRELOAD:+env LD_PRELOAD="$SAN_PRELOAD"} \
    "$@" "$test_file" >"$out" 2>&1
  rc=$?
  awk -v label="$label" -v n="$n" -v rc="$rc" -v file="$test_file" '
    /^ok / || /^not ok / {
      ok = ($1 == "ok"); sub(/^(not )?ok [0-9]+ ?-? ?/, "")
      n++; printf "%s %d - [%s] %s\n", ok ? "ok" : "not ok", n, label, $0
      if (!ok) bad = 1
      next
    }
    /^1\.\.0 # SKIP/ { sub(/^1\.\.0 # SKIP ?/, ""); n++
      printf "ok %d - [%s] %s # SKIP %s\n", n, label, file, $0; planned = 1; next }
    /^1\.\.[0-9]+/ { planned = 1; next }
    { print "# [" label "] " $0 }
    END {
      if (rc != 0 || !planned) {
        n++; printf "not ok %d - [%s] %s exited with status %d%s\n", n, label,
          file, rc, planned ? "" : " before its plan"; bad = 1
      }
      print "#count " n " " (bad ? 1 : 0)
    }' "$out" >"$out.tap"
  counts=$(sed -n 's/^#count //p' "$out.tap")
  sed '/^#count /d' "$out.tap"
  rm -f "$out.tap"
  n=${counts% *}
  [ "${counts#* }" = 0 ] || fail=1
}
if [ "$cmd" = "${BP_LUA_PRIMARY:-}" ]; then
  for run in $runs; do
    run_one "${run%%=*}" "${run#*=}"
  done
else
  # shellcheck disable=SC2086
  run_one "${BP_LUA_PRIMARY_API:-5.4}" $cmd
fi
echo "1..$n"
exit $fail
