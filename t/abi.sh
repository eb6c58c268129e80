#!/bin/sh
# The ABI check (issue 19): the ABI of the libbufpool.so.0 just built
# (abidw's dump; lib/libbufpool.abignore limits the comparison to the
# types bufpool.h defines) must be the one committed in lib/libbufpool.abi,
# as abidiff (libabigail) compares them.  A change -
# a function removed or added, a struct's layout - fails: an incompatible
# one needs a new SONAME (-version-info in lib/local.mk), a compatible one
# (a function added, a struct grown at its end behind struct_size) a new
# baseline, made on purpose with `make update-abi`.  The check proves
# itself first: a copy of the library whose bp_pool_stats gained a field
# in the middle must fail it, one whose internal struct bp_pool did must
# pass.  TAP.
: "${top_srcdir:?}" "${top_builddir:?}"
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

so="$top_builddir/lib/.libs/libbufpool.so.0"
base="$top_srcdir/lib/libbufpool.abi"
suppr="$top_srcdir/lib/libbufpool.abignore"
if ! command -v abidw >/dev/null || ! command -v abidiff >/dev/null; then
  echo "1..0 # SKIP no abidw/abidiff (Debian: abigail-tools)"; exit 0
fi
if [ ! -f "$so" ]; then
  echo "1..0 # SKIP no shared library"; exit 0
fi
if ! readelf -S "$so" 2>/dev/null | grep -q debug_info; then
  echo "1..0 # SKIP the library has no debug information (build with -g)"; exit 0
fi
tmp=$(mktemp -d) || exit 1
trap '[ -n "${ABI_KEEP:-}" ] || rm -rf "$tmp"' EXIT
dump() {   # dump LIB > XML (what `make update-abi` writes)
  abidw --no-corpus-path --no-comp-dir-path --short-locs \
    --type-id-style hash "$1"
}

# 1. The check works: a copy of the library with a field inserted into a
#    struct of bufpool.h fails it; one inserted into an internal struct
#    (FILE: where, SED: how) does not.
modified() {   # modified NAME FILE SED -> abidiff's exit status
  mkdir "$tmp/$1"
  cp "$top_srcdir"/lib/*.c "$top_srcdir"/lib/*.h "$tmp/$1/"
  sed -i "$3" "$tmp/$1/$2"
  grep -q inserted "$tmp/$1/$2" &&
    ${CC:-cc} -g -O0 -shared -fPIC -pthread -I"$tmp/$1" -I"$top_builddir" \
      -include "$top_builddir/config.h" -Wl,-soname,libbufpool.so.0 \
      -o "$tmp/$1/libbufpool.so.0" "$tmp/$1"/*.c >"$tmp/$1.log" 2>&1 ||
    { sed 's/^/# /' "$tmp/$1.log"; return 100; }
  dump "$tmp/$1/libbufpool.so.0" > "$tmp/$1.abi"
  abidiff --suppressions "$suppr" "$base" "$tmp/$1.abi" > "$tmp/$1.diff"
}
modified public bufpool.h 's|^\(    uint64_t reuses; .*\)$|    uint64_t inserted;\n\1|'
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 100 ] && grep -q "bp_pool_stats" "$tmp/public.diff"
ok $? "a field inserted into bp_pool_stats fails the check (abidiff exit $rc)"
modified internal pool.h 's|^\(    struct tc_pool caches;\)$|\1\n    int inserted;|'
rc=$?
ok $rc "one inserted into the internal struct bp_pool passes it (abidiff exit $rc)"

# 2. The library built here has the committed ABI.
dump "$so" > "$tmp/now.abi"
abidiff --suppressions "$suppr" "$base" "$tmp/now.abi" > "$tmp/now.diff"
rc=$?
if [ $rc -ne 0 ]; then
  sed 's/^/# /' "$tmp/now.diff"
  if [ $((rc & 8)) -ne 0 ]; then
    echo "# an incompatible change: it needs a new SONAME (lib/local.mk)"
  else
    echo "# if the change is intended and compatible: make update-abi"
  fi
fi
ok $rc "libbufpool.so.0 has the ABI of lib/libbufpool.abi (abidiff exit $rc)"
echo "1..$n"
exit $fail
