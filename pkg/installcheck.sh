#!/bin/sh
# installcheck.sh - make installcheck: what a C user finds after make install.
#
#   - the CMake package: a tiny project (t/cmake) finds bufpool with
#     find_package, links bufpool::bufpool (shared) and
#     bufpool::bufpool_static, and both programs run; an incompatible
#     version request fails;
#   - the C example, as installed under $docdir/examples/c, builds with
#     CMake against the package and runs;
#   - pkg-config: a program built with it runs;
#   - man: bp_pool_get(3), bufpool(3) and bufpool-bench(1) are found by
#     man -M $mandir, and every function of the installed header has a page;
#   - README.md and every file of docs/ are under $docdir.
# Prints a line per check (ok / not ok / skip); exit status 1 if one failed.
# Run by make (pkg/local.mk) with the installation directories in the
# environment.
set -u
: "${prefix:?}" "${libdir:?}" "${includedir:?}" "${mandir:?}" "${docdir:?}"
: "${srcdir:?}" "${CC:=cc}" "${CFLAGS:=}" "${CMAKE:=}" "${PKG_CONFIG:=pkg-config}"
: "${PYTHON3:=}" "${DESTDIR:=}"
if [ -n "$DESTDIR" ]; then
    echo "installcheck: skipped with DESTDIR (the installed files name their final paths)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bufpool-installcheck.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "installcheck: ok $n - $2"
    else
        echo "installcheck: not ok $n - $2"
        failed=$((failed + 1))
        [ -f "$tmp/log" ] && sed 's/^/installcheck: #   /' "$tmp/log" | tail -30
    fi
    rm -f "$tmp/log"
}
skip() { n=$((n + 1)); echo "installcheck: skip $n - $1 ($2)"; }

# A library in a private prefix needs its directory on the loader's path.
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ---- CMake ------------------------------------------------------------
cfg="$libdir/cmake/bufpool/bufpoolConfig.cmake"
[ -f "$cfg" ] && [ -f "$libdir/cmake/bufpool/bufpoolConfigVersion.cmake" ]
ok $? "bufpoolConfig.cmake and bufpoolConfigVersion.cmake in $libdir/cmake/bufpool"
if [ -z "$CMAKE" ] || ! command -v "$CMAKE" >/dev/null 2>&1; then
    skip "find_package(bufpool)" "cmake not found (Debian: apt-get install cmake)"
else
    b="$tmp/cmake"
    "$CMAKE" -S "$srcdir/t/cmake" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="${CC%% *}" >"$tmp/log" 2>&1 &&
        "$CMAKE" --build "$b" >>"$tmp/log" 2>&1
    ok $? "a CMake project finds bufpool 0.1 (components shared, static) and builds"
    for t in use_shared use_static; do
        "$b/$t" >"$tmp/log" 2>&1 && grep -q "works" "$tmp/log"
        ok $? "bufpool::bufpool${t#use}: the program runs"
    done
    if command -v readelf >/dev/null 2>&1; then
        readelf -d "$b/use_shared" >"$tmp/log" 2>&1
        grep -q 'NEEDED.*libbufpool\.so' "$tmp/log"
        ok $? "bufpool::bufpool links the shared library"
        readelf -d "$b/use_static" >"$tmp/log" 2>&1 &&
            ! grep -q 'NEEDED.*libbufpool' "$tmp/log"
        ok $? "bufpool::bufpool_static does not need libbufpool.so"
    fi
    for want in 9.9 0.0 1.0; do
        "$CMAKE" -S "$srcdir/t/cmake" -B "$tmp/cmake-$want" \
            -DCMAKE_PREFIX_PATH="$prefix" -DBUFPOOL_WANT=$want >"$tmp/log" 2>&1
        st=$?
        [ $st -ne 0 ] && grep -q "compatible with requested version \"$want\"" "$tmp/log"
        ok $? "find_package(bufpool $want) fails: not compatible"
    done
    # Version ranges (CMake >= 3.19).
    "$CMAKE" -S "$srcdir/t/cmake" -B "$tmp/cmake-range" -DCMAKE_PREFIX_PATH="$prefix" \
        -DBUFPOOL_WANT=0.0...0.5 >"$tmp/log" 2>&1 &&
        ! "$CMAKE" -S "$srcdir/t/cmake" -B "$tmp/cmake-range2" -DCMAKE_PREFIX_PATH="$prefix" \
            -DBUFPOOL_WANT=0.0...<0.1 >>"$tmp/log" 2>&1
    ok $? "find_package(bufpool 0.0...0.5) succeeds, 0.0...<0.1 fails"
    ex="$docdir/examples/c"
    if [ -f "$ex/CMakeLists.txt" ]; then
        "$CMAKE" -S "$ex" -B "$tmp/example" -DCMAKE_PREFIX_PATH="$prefix" \
            >"$tmp/log" 2>&1 && "$CMAKE" --build "$tmp/example" >>"$tmp/log" 2>&1 &&
            "$tmp/example/pipeline" 50 >>"$tmp/log" 2>&1
        ok $? "the installed C example builds with CMake and runs"
    else
        false
        ok $? "the C example is installed in $ex"
    fi
fi

# ---- pkg-config -------------------------------------------------------
cat >"$tmp/pc.c" <<'EOF'
#include <bufpool.h>
#include <stdio.h>
int main(void)
{
    bp_ref *r = bp_alloc(64);
    if (!r)
        return 1;
    bp_unref(&r);
    puts(bp_version());
    return 0;
}
EOF
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" $PKG_CONFIG --cflags --libs bufpool 2>"$tmp/log")
# shellcheck disable=SC2086
$CC $CFLAGS -o "$tmp/pc" "$tmp/pc.c" $flags >>"$tmp/log" 2>&1 && "$tmp/pc" >>"$tmp/log" 2>&1
ok $? "a program built with pkg-config --cflags --libs bufpool runs"

# ---- man pages ----------------------------------------------------------
if command -v man >/dev/null 2>&1; then
    for page in "bp_pool_get" "3 bufpool" "bufpool-bench"; do
        # shellcheck disable=SC2086
        MANPAGER=cat PAGER=cat MANWIDTH=80 man -M "$mandir" $page >"$tmp/log" 2>&1 &&
            grep -q "^NAME" "$tmp/log"
        ok $? "man -M $mandir $page"
    done
else
    skip "man pages render" "man not installed"
fi
missing=
if [ -n "$PYTHON3" ]; then
    for f in $("$PYTHON3" "$srcdir/man/genman.py" --header "$includedir/bufpool.h" --list); do
        [ -f "$mandir/man3/$f.3" ] || missing="$missing $f"
    done
    [ -f "$mandir/man3/bufpool.3" ] || missing="$missing bufpool"
    [ -z "$missing" ] || echo "no page:$missing" >"$tmp/log"
    [ -z "$missing" ]
    ok $? "every function of the installed bufpool.h has its page in $mandir/man3"
fi

# ---- documentation ----------------------------------------------------
bad=
cmp -s "$srcdir/README.md" "$docdir/README.md" || bad="$bad README.md"
for f in "$srcdir"/docs/*; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$docdir/docs/$(basename "$f")" || bad="$bad docs/$(basename "$f")"
done
[ -z "$bad" ] || echo "missing or different:$bad" >"$tmp/log"
[ -z "$bad" ]
ok $? "README.md and docs/ installed under $docdir"

echo "installcheck: $n checks, $failed failed"
[ $failed -eq 0 ]
