# checkers-lib.sh - sourced by t/checkers-sanitizers.sh and
# t/checkers-valgrind.sh: builds the programs t/checkers_*.c as a user
# would (their own compiler flags, linked against the library that make
# built, in lib/.libs, not the tree's objects) and counts what a checker
# says about them.  TAP helpers.
#
# BP_CHECKERS_LIBDIR overrides the library's directory (to check that the
# tests fail against another build, e.g. an older one).
: "${top_srcdir:?}" "${top_builddir:?}"
libdir=${BP_CHECKERS_LIBDIR:-$top_builddir/lib/.libs}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0

tap_ok() {   # STATUS DESCRIPTION [LOG]: a TAP line; a failure shows LOG
  n=$((n + 1))
  if [ "$1" = 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    fail=1
    [ -n "${3-}" ] && [ -f "$3" ] && head -n 60 "$3" | sed 's/^/# /'
  fi
  return 0
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

# Checks that apply to an uninstrumented library only: in a sanitizer
# build the library itself is instrumented and the checkers see it as is.
case " ${CFLAGS-} " in
  *" -fsanitize="*) skip_all "sanitizer build: the library is instrumented itself" ;;
esac
[ -f "$libdir/libbufpool.so" ] || skip_all "no shared library in $libdir"

# build NAME OUT CFLAGS...: t/checkers_NAME.c into $tmp/OUT.
build() {
  name=$1 out=$2
  shift 2
  ${CC:-cc} -O1 -g -pthread "$@" -I"$top_srcdir/lib" \
    -o "$tmp/$out" "$top_srcdir/t/checkers_$name.c" \
    -L"$libdir" -lbufpool -Wl,-rpath,"$libdir" >"$tmp/$out.build" 2>&1
}
