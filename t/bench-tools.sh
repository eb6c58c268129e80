#!/bin/sh
# make bench's tooling on tiny settings: bench/run.py measures with
# bufpool-bench (JSON reports), bench/report.py rewrites the generated parts
# of a copy of docs/PERFORMANCE.md and README.md, and the plot's data.
# Figures are not judged here (make bench prints PASS/FAIL); only that the
# tools work together.
: "${top_srcdir:?}" "${top_builddir:?}"
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; [ -f "$3" ] && sed 's/^/# /' "$3" | tail -20; fi; }
if [ "${BP_SANITIZER:-no}" = yes ]; then
    echo "1..0 # SKIP sanitizer build (the tools are checked in the plain build)"
    exit 0
fi
py=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 0; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$top_srcdir/docs/PERFORMANCE.md" "$top_srcdir/README.md" "$tmp/"

"$py" "$top_srcdir/bench/run.py" --out "$tmp/results" \
    --bench "$top_builddir/cli/bufpool-bench" --srcdir "$top_srcdir" \
    --duration 0.02 --repeat 2 --sweep-duration 0.01 --sweep-repeat 1 \
    --skip-callgrind --readme-options "-d 0.02 -r 2" >"$tmp/run.log" 2>&1
ok $? "bench/run.py: every invocation ran" "$tmp/run.log"
"$py" -c "
import json, sys
m = json.load(open(sys.argv[1] + '/manifest.json'))
ids = [i['id'] for i in m['invocations']]
assert ids == ['targets-local', 'targets-pipeline', 'sweep-threads', 'sweep-size', 'readme'], ids
for i in m['invocations']:
    d = json.load(open(sys.argv[1] + '/' + i['json']))
    assert d['config']['isolation'] == 'process per run' and d['results'], i
t = json.load(open(sys.argv[1] + '/targets-local.json'))
assert sorted({(r['threads'], r['size']) for r in t['results']}) == \
    [(a, b) for a in (1, 2, 8) for b in (64, 4096, 1048576)]
" "$tmp/results" >"$tmp/py.log" 2>&1
ok $? "manifest and JSON reports: the targets are one 9-point sweep" "$tmp/py.log"

"$py" "$top_srcdir/bench/report.py" --results "$tmp/results" \
    --docs "$tmp/PERFORMANCE.md" --readme "$tmp/README.md" >"$tmp/rep.log" 2>&1
ok $? "bench/report.py" "$tmp/rep.log"
doc="$tmp/PERFORMANCE.md"
grep -q '^### Summary' "$doc" && grep -q '^### Target 1:' "$doc" &&
    grep -q '^### Warnings' "$doc" && grep -q '^### Sweep (the plot)' "$doc" &&
    grep -qE '^\| 4 KiB \| .* [0-9.]+× \([0-9.]+-[0-9.]+\) \|' "$doc" &&
    [ "$(grep -c '<!-- bench:begin -->' "$doc")" -eq 1 ] &&
    grep -q '^## Many cores' "$doc"
ok $? "PERFORMANCE.md: the generated tables with ratio ranges, the hand-written rest kept" "$doc"
readme="$tmp/README.md"
sed -n '/<!-- bench-readme:begin -->/,/<!-- bench-readme:end -->/p' "$readme" >"$tmp/block"
grep -q '^`cli/bufpool-bench -d 0.02 -r 2` printed:\|printed:$' "$tmp/block" &&
    grep -q '^bufpool-bench [0-9.]*: local pattern, ' "$tmp/block" &&
    grep -q '^impl  *pairs/s  *sd ' "$tmp/block" && grep -q '^## Install' "$readme" &&
    grep -q '^## Example (C)' "$readme"
ok $? "README.md: the example's table between its markers, the rest kept" "$tmp/block"
[ "$(grep -vc '^#' "$tmp/results/sweep-threads.dat")" -eq 8 ] &&
    [ "$(grep -vc '^#' "$tmp/results/sweep-size.dat")" -eq 9 ]
ok $? "the plot's data: 8 thread counts, 9 sizes"
if command -v gnuplot >/dev/null 2>&1; then
    gnuplot -e "results='$tmp/results'; out='$tmp/bench.png'" "$top_srcdir/bench/plot.gp" \
        >"$tmp/gp.log" 2>&1 && [ -s "$tmp/bench.png" ]
    ok $? "gnuplot draws the plot" "$tmp/gp.log"
else
    n=$((n + 1)); echo "ok $n - gnuplot draws the plot # SKIP gnuplot not installed"
fi
echo "1..$n"
exit $fail
