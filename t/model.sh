#!/bin/sh
# TAP: model/pool.pml checked with spin, the quick set of model/check.sh
# (make check-model runs them all).  Skipped when spin is not installed.
srcdir=${top_srcdir:-$(dirname "$0")/..}
if ! command -v "${SPIN:-spin}" >/dev/null 2>&1; then
  echo "1..0 # SKIP spin not found (Debian package spin)"
  exit 0
fi
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
  echo "1..0 # SKIP no C compiler for pan"
  exit 0
fi
exec sh "$srcdir/model/check.sh"
