#!/bin/sh
# The C, Python and Lua examples in README.md run as shown.
: "${top_srcdir:?}" "${top_builddir:?}" "${CC:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; [ -f "$3" ] && sed 's/^/# /' "$3"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# extract SECTION LANG: the first ```LANG block after the "## SECTION" heading
extract() {
  awk -v sec="## $1" -v lang="$2" '
    index($0, sec) == 1 {f = 1; next}
    f && $0 == "```" lang {c = 1; next}
    c && /^```$/ {exit}
    c {print}' "$top_srcdir/README.md"
}

extract "Example (C)" c > "$tmp/example.c"
[ -s "$tmp/example.c" ]; ok $? "README has a C example"
"$top_builddir/libtool" --mode=link $CC $CFLAGS -I"$top_srcdir/lib" \
  -o "$tmp/example" "$tmp/example.c" "$top_builddir/lib/libbufpool.la" \
  $LDFLAGS >"$tmp/log" 2>&1
ok $? "the C example compiles and links" "$tmp/log"
"$tmp/example" >"$tmp/out" 2>&1; ok $? "the C example runs and exits 0" "$tmp/out"

extract "Example (Python)" python > "$tmp/example.py"
if [ -n "$SAN_PRELOAD" ]; then
  skip "Python example: sanitizer build (the binding's own tests cover it)"
elif [ -z "$BP_PYTHON" ] || [ -z "${PYTHONPATH:-}" ]; then
  skip "Python binding not built"
else
  "$BP_PYTHON" "$tmp/example.py" >"$tmp/out" 2>&1
  ok $? "the Python example runs" "$tmp/out"
fi

extract "Example (Lua)" lua > "$tmp/example.lua"
if [ -n "$SAN_PRELOAD" ]; then
  skip "Lua example: sanitizer build (the binding's own tests cover it)"
elif [ -z "${BP_LUA_VERSIONS:-}" ]; then
  skip "Lua binding not built"
else
  # with every Lua the binding was built for
  for run in $BP_LUA_VERSIONS; do
    LUA_CPATH="$top_builddir/bindings/lua/${run%%=*}/.libs/?.so" "${run#*=}" \
      "$tmp/example.lua" >"$tmp/out" 2>&1
    ok $? "the Lua example runs with ${run#*=}" "$tmp/out"
  done
fi
echo "1..$n"
exit $fail
