#!/bin/sh
# `luarocks make bufpool-scm-1.rockspec` builds and installs the Lua module
# offline (TAP), from a copy of the sources, for the primary Lua's version
# and for 5.1 (LuaJIT's C API) when built; the installed module loads and
# works.  About 3 s per version.
: "${top_srcdir:?}"
versions=
for run in ${BP_LUA_VERSIONS:-}; do
  api=${run%%=*}
  case " $versions " in *" $api "*) continue ;; esac
  if [ "$api" = "${BP_LUA_PRIMARY_API:-}" ] || [ "$api" = 5.1 ]; then
    versions="$versions $api"
  fi
done
n=0
for v in $versions; do n=$((n + 2)); done
if [ -n "${SAN_PRELOAD:-}" ] || [ "$n" = 0 ] || ! command -v luarocks >/dev/null 2>&1; then
  echo "1..0 # SKIP no luarocks, no Lua binding, or a sanitizer build"
  exit 0
fi
echo "1..$n"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-rock.XXXXXX") || exit 1
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
mkdir "$tmp/src" &&
(cd "$top_srcdir" && cp -R bufpool-scm-1.rockspec lib bindings "$tmp/src/") &&
find "$tmp/src" \( -name '*.o' -o -name '*.lo' -o -name '*.la' -o -name '.libs' \
  -o -name '.deps' -o -name '*_wrap.c' -o -name stage -o -name '5.[1-4]' \
  -o -name rock -o -name '*.so' \) -prune -exec rm -rf {} + 2>/dev/null
fail=0 i=0
for v in $versions; do
  lua=
  for run in $BP_LUA_VERSIONS; do
    [ "${run%%=*}" = "$v" ] && { lua=${run#*=}; break; }
  done
  i=$((i + 1))
  (cd "$tmp/src" && HOME=$tmp luarocks --lua-version "$v" make \
     --tree "$tmp/tree" bufpool-scm-1.rockspec) >"$tmp/log" 2>&1
  if [ $? = 0 ]; then echo "ok $i - luarocks --lua-version $v make"
  else echo "not ok $i - luarocks --lua-version $v make"; fail=1; sed 's/^/# /' "$tmp/log"; fi
  i=$((i + 1))
  LUA_CPATH="$tmp/tree/lib/lua/$v/?.so" LUA_PATH= "$lua" -e '
    local bufpool = require "bufpool"
    local p = bufpool.Pool(64, {max_buffers = 1})
    local b = p:get(); b:write(1, "rock"); assert(b:read(1, 4) == "rock")
    assert(p:get() == nil); b:release(); assert(p:get())
    io.write(bufpool._VERSION, "\n")' >"$tmp/log" 2>&1
  if [ $? = 0 ]; then echo "ok $i - the rock's module works in $lua: $(cat "$tmp/log")"
  else echo "not ok $i - the rock's module works in $lua"; fail=1; sed 's/^/# /' "$tmp/log"; fi
  rm -rf "$tmp/src/bindings/lua/rock"
done
exit $fail
