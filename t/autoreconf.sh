#!/bin/sh
# The standard Autotools way works without ./bootstrap: in a copy of the
# source tree without build-aux/, `autoreconf -fi` installs every auxiliary
# file the build needs (tap-driver.sh included), so that `./configure &&
# make check` can follow.  Skipped without autoreconf, and in the sanitizer
# and debug builds.  TAP.
: "${top_srcdir:?}"
command -v autoreconf >/dev/null 2>&1 || {
  echo "1..0 # SKIP autoreconf not installed"; exit 0; }
# The source tree is the same in every build: once is enough (about 10 s).
[ "${BP_SANITIZER:-no}" = no ] && [ "${BP_DEBUG_BUILD:-no}" = no ] || {
  echo "1..0 # SKIP checked in the default build"; exit 0; }
tmp=$(mktemp -d) || exit 1
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; [ -f "${3-}" ] && sed 's/^/# /' "$3" | tail -n 20; fi; }

# The files autoreconf reads: configure.ac, the Makefile.am fragments, m4/
# and the files configure.ac names.
mkdir "$tmp/src"
(cd "$top_srcdir" && find . -name autom4te.cache -prune -o -name build-aux -prune -o \
   -name .git -prune -o \( -name '*.ac' -o -name '*.am' -o -name '*.mk' -o \
   -name '*.m4' -o -name '*.in' -o -name bufpool.h \) -print) |
  while read -r f; do
    mkdir -p "$tmp/src/$(dirname "$f")" && cp "$top_srcdir/$f" "$tmp/src/$f"
  done
rm -f "$tmp/src/aclocal.m4" "$tmp/src/Makefile.in" "$tmp/src/config.h.in"
[ -f "$tmp/src/configure.ac" ]; ok $? "copied the Autotools sources"
(cd "$tmp/src" && autoreconf -fi) >"$tmp/log" 2>&1
ok $? "autoreconf -fi in a tree without build-aux/" "$tmp/log"
for f in tap-driver.sh install-sh missing compile ltmain.sh config.guess; do
  [ -f "$tmp/src/build-aux/$f" ]; ok $? "it installed build-aux/$f"
done
echo "1..$n"
exit $fail
