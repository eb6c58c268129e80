#!/bin/sh
# Bad input, everywhere (TAP): every row of t/bad-input.tsv on the C API, the
# CLI, Python and Lua, and docs/RELIABILITY.md's table checked against it.
# The runner is t/bad-input-runner.py (Python 3 standard library only).
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
py=${BP_PYTHON:-}
[ -n "$py" ] || py=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 0; }
exec "$py" "$top_srcdir/t/bad-input-runner.py" "$@"
