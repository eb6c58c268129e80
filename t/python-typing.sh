#!/bin/sh
# The Python package is typed (TAP): mypy's stubtest checks
# bufpool/__init__.pyi against the extension in the build tree, mypy
# --strict checks a program using every name (t/python-typing-use.py), and
# a program with type errors must fail (the stubs are used, not Any).
: "${top_srcdir:?}" "${top_builddir:?}"
stage=$top_builddir/bindings/python/stage
py=${BP_PYTHON:-python3}
echo "1..4"
if [ -n "${SAN_PRELOAD:-}" ]; then
  for i in 1 2 3 4; do echo "ok $i # SKIP sanitizer build (typing does not depend on it)"; done
  exit 0
fi
# mypy must run on an interpreter of the binding's Python version (it
# imports the extension for stubtest): BP_PYTHON's own, else Debian's.
mypy_py=
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
for cand in "$py" python3 /usr/bin/python3; do
  if "$cand" -c 'import mypy' 2>/dev/null &&
     [ "$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$ver" ]; then
    mypy_py=$cand; break
  fi
done
if [ -z "$mypy_py" ]; then
  for i in 1 2 3 4; do echo "ok $i # SKIP no mypy for Python $ver (Debian: apt-get install mypy)"; done
  exit 0
fi
# mypy's cache in the build tree (stubtest's too: MYPY_CACHE_DIR), removed
# by make clean; and the commands run in a temporary directory.
MYPY_CACHE_DIR=$top_builddir/bindings/python/mypy-cache
export MYPY_CACHE_DIR
cache=$MYPY_CACHE_DIR
stage=$(cd "$stage" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-typing.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() {  # N RC NAME LOG
  if [ "$2" = 0 ]; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; fail=1; sed 's/^/# /' "$4"; fi
}

[ -f "$stage/bufpool/py.typed" ] && [ -f "$stage/bufpool/__init__.pyi" ]
ok 1 $? "the package has py.typed and __init__.pyi" /dev/null

(cd "$tmp" && PYTHONPATH=$stage MYPYPATH=$stage "$mypy_py" -m mypy.stubtest \
  bufpool --mypy-config-file /dev/null) >"$tmp/stubtest" 2>&1
ok 2 $? "stubtest: the stubs match the module" "$tmp/stubtest"

use=$(cd "$top_srcdir/t" && pwd)/python-typing-use.py
(cd "$tmp" && MYPYPATH=$stage "$mypy_py" -m mypy --strict --no-error-summary \
  --cache-dir "$cache" "$use") >"$tmp/use" 2>&1
ok 3 $? "mypy --strict: a program using every name" "$tmp/use"

cat >"$tmp/bad.py" <<'PY'
import bufpool
pool = bufpool.Pool("4096")
b: str = pool.get(timeout="1")
pool.gett()
PY
(cd "$tmp" && MYPYPATH=$stage "$mypy_py" -m mypy --strict --no-error-summary \
  --cache-dir "$cache" "$tmp/bad.py") >"$tmp/bad" 2>&1
n=$(grep -c 'error:' "$tmp/bad")
[ "$n" -ge 4 ]
ok 4 $? "mypy rejects a program with 4 type errors ($n reported)" "$tmp/bad"
exit $fail
