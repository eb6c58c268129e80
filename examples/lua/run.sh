#!/bin/sh
# Runs examples/lua/packets.lua with every Lua the binding was built for,
# against the build tree's modules (TAP).
: "${top_srcdir:?}" "${top_builddir:?}"
if [ -n "${SAN_PRELOAD:-}" ]; then
  echo "1..0 # SKIP sanitizer build (the binding's own tests cover it)"; exit 0
fi
n=0 fail=0
for run in ${BP_LUA_VERSIONS:-}; do n=$((n + 1)); done
echo "1..$n"
i=0
for run in ${BP_LUA_VERSIONS:-}; do
  i=$((i + 1))
  if out=$(LUA_CPATH="$top_builddir/bindings/lua/${run%%=*}/.libs/?.so" LUA_PATH= \
           "${run#*=}" "$top_srcdir/examples/lua/packets.lua" 2000 2>&1); then
    echo "ok $i - $out"
  else
    echo "not ok $i - examples/lua/packets.lua with ${run#*=}"; echo "$out" | sed 's/^/# /'; fail=1
  fi
done
exit $fail
