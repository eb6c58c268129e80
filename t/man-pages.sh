#!/bin/sh
# Every function of bufpool.h has a section-3 man page that lists its
# errors (t/man-pages-runner.py, Python 3 standard library only).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
py=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 0; }
exec "$py" "$top_srcdir/t/man-pages-runner.py" "$@"
