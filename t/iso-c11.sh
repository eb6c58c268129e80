#!/bin/sh
# The library is ISO C11 with POSIX: every lib/*.c compiles with
# -std=c11 -pedantic-errors (and no implicit declarations) under the
# configured compiler and, when installed, gcc and clang.  GNU extensions
# are used only where configure found them.  TAP.
: "${top_srcdir:?}" "${top_builddir:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ccs=
for c in "${CC:-cc}" gcc clang; do
  set -- $c
  command -v "$1" >/dev/null 2>&1 || continue
  case " $ccs " in *" $c "*) continue ;; esac
  ccs="$ccs $c"
done
for c in $ccs; do
  for f in "$top_srcdir"/lib/*.c; do
    n=$((n + 1))
    # The compiler's own flags only: no sanitizer, no -std from CFLAGS.
    if $c -std=c11 -pedantic-errors -Werror=implicit-function-declaration \
        -Wall -O2 -pthread -I"$top_builddir" -I"$top_srcdir/lib" \
        -c -o "$tmp/out.o" "$f" >"$tmp/log" 2>&1; then
      echo "ok $n - $c -std=c11 -pedantic-errors: lib/$(basename "$f")"
    else
      echo "not ok $n - $c -std=c11 -pedantic-errors: lib/$(basename "$f")"
      sed 's/^/# /' "$tmp/log" | head -n 20
      fail=1
    fi
  done
done
echo "1..$n"
exit $fail
