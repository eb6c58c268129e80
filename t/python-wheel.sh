#!/bin/sh
# The Python package installs with pip (TAP): `pip wheel --no-build-isolation`
# of a copy of the sources (pyproject.toml, setup.py, lib/, bindings/), then
# `pip install` of the wheel into a fresh venv, where `import bufpool` works
# without PYTHONPATH, is typed (py.typed) and has metadata (pip show).
# Offline: Debian's setuptools and wheel, no index.  About 15 s.
: "${top_srcdir:?}"
py=${BP_PYTHON:-python3}
echo "1..5"
skip() { for i in 1 2 3 4 5; do echo "ok $i # SKIP $1"; done; exit 0; }
[ -z "${SAN_PRELOAD:-}" ] || skip "sanitizer build (the wheel is built with its own flags)"
"$py" -c 'import setuptools, wheel, pip, venv, ensurepip' 2>/dev/null ||
  skip "$py lacks setuptools, wheel, pip or venv (Debian: python3-setuptools python3-wheel python3-pip python3-venv)"
command -v "${SWIG:-swig}" >/dev/null 2>&1 || skip "no swig"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-wheel.XXXXXX") || exit 1
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
fail=0
ok() {  # N RC NAME LOG
  if [ "$2" = 0 ]; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; fail=1; tail -n 40 "$4" | sed 's/^/# /'; fi
}

# Only what a source checkout has (no build products of this tree).
mkdir "$tmp/src" &&
(cd "$top_srcdir" && cp -R pyproject.toml setup.py README.md lib bindings "$tmp/src/") &&
find "$tmp/src" \( -name '*.o' -o -name '*.lo' -o -name '*.la' -o -name '.libs' \
  -o -name '.deps' -o -name '*_wrap.c' -o -name stage -o -name 'stage.stamp' \
  -o -name '5.[1-4]' -o -name '*.so' \) -prune -exec rm -rf {} + 2>/dev/null
(cd "$tmp" && env -u PYTHONPATH "$py" -m pip wheel --no-build-isolation \
  --no-deps --no-index -w dist ./src) >"$tmp/wheel.log" 2>&1
ok 1 $? "pip wheel --no-build-isolation ." "$tmp/wheel.log"
whl=$(ls "$tmp"/dist/bufpool-*.whl 2>/dev/null | head -n 1)

"$py" -m venv "$tmp/venv" >"$tmp/venv.log" 2>&1 &&
  env -u PYTHONPATH "$tmp/venv/bin/python" -m pip install --no-index \
    "${whl:-missing.whl}" >>"$tmp/venv.log" 2>&1
ok 2 $? "pip install of the wheel into a fresh venv" "$tmp/venv.log"

cd "$tmp" && env -u PYTHONPATH "$tmp/venv/bin/python" -c '
import os, sys, bufpool
assert bufpool.__file__.startswith(sys.prefix), bufpool.__file__
p = bufpool.Pool(4096, max_buffers=2)
with p.get() as b:
    b[0:5] = b"hello"
    assert bytes(b[0:5]) == b"hello"
assert p.stats()["in_use"] == 0
d = os.path.dirname(bufpool.__file__)
for f in ("py.typed", "__init__.pyi", "bufpool_capi.h", "bufpool.h"):
    assert os.path.isfile(os.path.join(d, f)), f
print("ok", bufpool.__version__)
' >"$tmp/import.log" 2>&1
ok 3 $? "import bufpool in the venv, no PYTHONPATH; typed; C API headers" "$tmp/import.log"

env -u PYTHONPATH "$tmp/venv/bin/python" -m pip show bufpool >"$tmp/show.log" 2>&1 &&
  grep -q '^Version: ' "$tmp/show.log"
ok 4 $? "pip show bufpool: metadata" "$tmp/show.log"

so=$(ls "$tmp"/venv/lib/python*/site-packages/bufpool/_bufpool*.so 2>/dev/null | head -n 1)
{ nm -D --defined-only "${so:-missing.so}" | awk '$2 ~ /^[TDB]$/ {print $3}'; } >"$tmp/syms.log" 2>&1
[ "$(cat "$tmp/syms.log")" = "PyInit__bufpool" ]
ok 5 $? "the extension exports only PyInit__bufpool" "$tmp/syms.log"
exit $fail
