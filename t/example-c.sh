#!/bin/sh
# examples/c/pipeline: the frame pipeline runs, every frame arrives intact
# at both consumers, and the pool never holds more than its cap.
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; sed 's/^/# /' "$tmp/out"; fi; }

"$top_builddir/examples/c/pipeline" 500 >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ]; ok $? "pipeline 500: exit 0"
grep -Eq '^500 frames of 345600 bytes through a pool capped at 4: [1-4] allocated, [0-9]+ reused, the producer waited [0-9]+ times, 0 still in use$' "$tmp/out"
ok $? "at most 4 frames allocated, none left in use"
grep -q '^encoder: 500 frames, 0 damaged$' "$tmp/out" && grep -q '^preview: 500 frames, 0 damaged$' "$tmp/out"
ok $? "both consumers got every frame intact"
"$top_builddir/examples/c/pipeline" 0 >"$tmp/out" 2>&1
[ $? -eq 2 ] && grep -q usage "$tmp/out"
ok $? "pipeline 0: usage, exit 2"
echo "1..$n"
exit $fail
