#!/bin/sh
# The C example in README.md compiles against the library and runs.
: "${top_srcdir:?}" "${top_builddir:?}" "${CC:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
awk '/^## Example \(C\)/ {f = 1; next} f && /^```c$/ {c = 1; next}
     c && /^```$/ {exit} c {print}' "$top_srcdir/README.md" > "$tmp/example.c"
echo "1..3"
if [ -s "$tmp/example.c" ]; then echo "ok 1 - README has a C example"
else echo "not ok 1 - README has a C example"; exit 1; fi
if "$top_builddir/libtool" --mode=link $CC $CFLAGS -I"$top_srcdir/lib" \
     -o "$tmp/example" "$tmp/example.c" "$top_builddir/lib/libbufpool.la" \
     $LDFLAGS >"$tmp/log" 2>&1; then
  echo "ok 2 - it compiles and links"
else
  echo "not ok 2 - it compiles and links"; sed 's/^/# /' "$tmp/log"; exit 1
fi
if "$tmp/example" >"$tmp/out" 2>&1; then echo "ok 3 - it runs and exits 0"
else echo "not ok 3 - it runs and exits 0"; sed 's/^/# /' "$tmp/out"; exit 1; fi
