#!/bin/sh
# The library and the modules that contain it are marked NODELETE (linked
# with -z nodelete): dlclose() never unmaps the code of the thread-exit hook
# while threads that used a pool live on, and every load after the first
# reuses the loaded copy (no pthread key per load).  t/test_lifecycle
# checks the behaviour for libbufpool.so.  TAP.
: "${top_builddir:?}"
command -v readelf >/dev/null 2>&1 || { echo "1..0 # SKIP no readelf"; exit 0; }
n=0 fail=0
cd "$top_builddir" || exit 1
for so in lib/.libs/libbufpool.so bindings/lua/*/.libs/bufpool.so \
          bindings/python/.libs/_bufpool.so; do
  [ -f "$so" ] || continue
  n=$((n + 1))
  if readelf -d "$so" | grep -q 'FLAGS_1.*NODELETE'; then
    echo "ok $n - $so is NODELETE"
  else
    echo "not ok $n - $so is not NODELETE (readelf -d: $(readelf -d "$so" | grep FLAGS || echo no FLAGS))"
    fail=1
  fi
done
[ "$n" -gt 0 ] || { echo "1..0 # SKIP no shared objects built"; exit 0; }
echo "1..$n"
exit $fail
