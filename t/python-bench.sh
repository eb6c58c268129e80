#!/bin/sh
# make bench's Python benchmark on tiny settings (TAP): bindings/bench-python.py
# measures every cell with every implementation, the harness alone ("none")
# included, writes its JSON and its table into a copy of docs/PERFORMANCE.md,
# and marks a cell whose harness alone is no faster than the pools as
# harness-bound (it cannot tell them apart).  Figures are not judged here (make bench prints PASS/FAIL).
: "${top_srcdir:?}" "${top_builddir:?}"
py=${BP_PYTHON:-python3}
stage=$top_builddir/bindings/python/stage
bench=$top_srcdir/bindings/bench-python.py
echo "1..4"
if [ -n "${SAN_PRELOAD:-}" ]; then
  for i in 1 2 3 4; do echo "ok $i # SKIP sanitizer build (the tool is checked in the plain build)"; done
  exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-pybench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() {  # N RC NAME LOG
  if [ "$2" = 0 ]; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; fail=1; tail -n 30 "$4" | sed 's/^/# /'; fi
}

PYTHONPATH=$stage "$py" "$bench" --rounds 1 --number 200 --seconds 0.002 \
  --json "$tmp/r.json" >"$tmp/run.log" 2>&1 &&
  [ "$(grep -cE '^(PASS|FAIL): ' "$tmp/run.log")" -eq 8 ]
ok 1 $? "bench-python.py: 2 per-operation and 6 end-to-end verdicts" "$tmp/run.log"

"$py" - "$tmp/r.json" >"$tmp/json.log" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cells = r["e2e"]
assert sorted(cells) == sorted("%s/%s" % (p, s) for p in ("local", "pipeline")
                               for s in ("64 B", "4 KiB", "1 MiB")), sorted(cells)
for k, c in cells.items():
    ips = c["items_per_s"]
    assert {"bufpool", "bytearray", "SimpleQueue pool", "none"} <= set(ips), (k, ips)
    assert all(v > 0 for v in ips.values()), (k, ips)
    assert c["best_other"] not in ("bufpool", "none"), (k, c)
    assert abs(c["ratio"] - ips["bufpool"] / ips[c["best_other"]]) < 1e-9, (k, c)
    assert abs(c["harness_ratio"] - ips["none"] / ips[c["best_other"]]) < 1e-9, (k, c)
PY
ok 2 $? "JSON: every cell has the harness alone, ratios against the best pool" "$tmp/json.log"

# A harness-bound cell says so, won or lost; one whose harness is faster does not.
"$py" - "$tmp/r.json" "$tmp/bound.json" >"$tmp/edit.log" 2>&1 <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["e2e"]["pipeline/64 B"].update(ratio=0.97, harness_ratio=1.01)
r["e2e"]["pipeline/4 KiB"].update(ratio=0.97, harness_ratio=1.50)
r["e2e"]["pipeline/1 MiB"].update(ratio=1.01, harness_ratio=1.02)
json.dump(r, open(sys.argv[2], "w"))
PY
cp "$top_srcdir/docs/PERFORMANCE.md" "$tmp/PERFORMANCE.md"
"$py" "$bench" --json "$tmp/bound.json" --docs "$tmp/PERFORMANCE.md" \
  >"$tmp/docs.log" 2>&1 &&
  grep -q '^| pipeline/64 B >= 1.0x .*harness-bound: no pool at all is 1.01x.*FAIL' "$tmp/PERFORMANCE.md" &&
  grep -q '^| pipeline/1 MiB >= 1.0x .*harness-bound: no pool at all is 1.02x.*PASS' "$tmp/PERFORMANCE.md" &&
  grep '^| pipeline/4 KiB >= 1.0x ' "$tmp/PERFORMANCE.md" | grep -qv harness-bound
ok 3 $? "verdicts: harness-bound only where the harness alone is not faster" "$tmp/docs.log"

doc=$tmp/PERFORMANCE.md
outside() { sed '/<!-- bench-python:begin -->/,/<!-- bench-python:end -->/d' "$1"; }
[ "$(grep -c '<!-- bench-python:begin -->' "$doc")" -eq 1 ] &&
  grep -qE '^\| pipeline \| \*\*[0-9.]+x\*\* \(bufpool [0-9]+;.* none [0-9]+\)' "$doc" &&
  outside "$top_srcdir/docs/PERFORMANCE.md" >"$tmp/orig.out" && outside "$doc" >"$tmp/new.out" &&
  cmp -s "$tmp/orig.out" "$tmp/new.out"
ok 4 $? "PERFORMANCE.md: the table between its markers with the harness alone" "$doc"
exit $fail
