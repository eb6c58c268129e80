#!/bin/sh
# The shared library exports exactly the functions declared in bufpool.h,
# and the installed-style pkg-config file describes this version.
: "${top_srcdir:?}" "${top_builddir:?}"
n=0; fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

so=$(ls "$top_builddir"/lib/.libs/libbufpool.so 2>/dev/null)
if [ -z "$so" ] || ! command -v nm >/dev/null; then
  echo "1..0 # SKIP no shared library or no nm"
  exit 0
fi
exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort)
declared=$(grep -v "^static inline" "$top_srcdir/lib/bufpool.h" | sed -n 's/^[a-z_ *]*[ *]\(bp_[a-z0-9_]*\)(.*/\1/p' | sort -u)
bad=$(printf '%s\n' "$exported" | grep -v '^bp_' || true)
[ -z "$bad" ]; ok $? "only bp_ symbols are exported${bad:+ (also: $(echo $bad))}"
[ "$exported" = "$declared" ]
ok $? "exported symbols == functions declared in bufpool.h ($(echo "$exported" | wc -l))"
[ "$(echo "$declared" | wc -l)" -ge 22 ]
ok $? "the header declares the whole contract"

# The header says which calls are async-signal-safe (issue 11): a part of
# its own, naming functions the header declares (static inline ones too).
hdr="$top_srcdir/lib/bufpool.h"
safe=$(awk '/^ \* Async-signal safety$/ {f = 1; next} f && /^ \* -+$/ {next}
            f && /^ \*$/ {exit} f' "$hdr" | grep -o 'bp_[a-z0-9_]*()' | tr -d '()' | sort -u)
[ -n "$safe" ]
ok $? "bufpool.h has an 'Async-signal safety' part naming the safe calls ($(echo $safe | wc -w))"
missing=
for f in $safe; do
  grep -q "^[a-z_ *]*[ *]$f(" "$hdr" || missing="$missing $f"
done
[ -z "$missing" ]
ok $? "every call it names is declared in bufpool.h${missing:+ (not:$missing)}"

pc="$top_builddir/lib/bufpool.pc"
ver=$(PKG_CONFIG_PATH="$top_builddir/lib" pkg-config --modversion bufpool 2>/dev/null)
want=$(sed -n 's/^#define BP_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$top_srcdir/lib/bufpool.h" | paste -sd.)
[ -f "$pc" ] && [ "$ver" = "$want" ]
ok $? "bufpool.pc version $ver == header version $want"
libs=$(PKG_CONFIG_PATH="$top_builddir/lib" pkg-config --libs bufpool 2>/dev/null)
case $libs in *-lbufpool*) r=0 ;; *) r=1 ;; esac
ok $r "pkg-config --libs gives -lbufpool"
echo "1..$n"
exit $fail
