#!/bin/sh
# Runs examples/python/pipeline.py against the build tree's package (TAP).
: "${top_srcdir:?}"
py=${BP_PYTHON:-python3}
echo "1..1"
if [ -n "${SAN_PRELOAD:-}" ]; then
  echo "ok 1 # SKIP sanitizer build (the binding's own tests cover it)"
elif ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "ok 1 # SKIP numpy is not installed for $py (Debian: python3-numpy)"
elif out=$("$py" "$top_srcdir/examples/python/pipeline.py" 300 2>&1); then
  echo "ok 1 - examples/python/pipeline.py: $out"
else
  echo "not ok 1 - examples/python/pipeline.py"; echo "$out" | sed 's/^/# /'; exit 1
fi
