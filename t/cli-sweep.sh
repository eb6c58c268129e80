#!/bin/sh
# Sweeps (lists and ranges for -t and -s, one row per point), --percentiles
# and --compare (a saved report against a run, and two saved reports).
. "$top_srcdir/t/cli-lib.sh"

# -t 1,2,4 -s 64,4K,1M: 9 points, threads outer, size inner.
run -q -i bufpool,malloc -t 1,2,4 -s 64,4K,1M -n 200 -f json
json_check "
c = d['config']
assert c['threads'] == [1, 2, 4] and c['size'] == [64, 4096, 1048576], c
pts = [(r['threads'], r['size'], r['impl']) for r in d['results']]
want = [(t, s, i) for t in (1, 2, 4) for s in (64, 4096, 1048576)
        for i in ('bufpool', 'malloc')]
assert pts == want, pts
for r in d['results']:
    assert r['pairs'] == 200 * r['threads'], r
    assert r['peak_bytes'] is None or r['peak_bytes'] == r['allocs'] * r['size'], r
    assert r['peak_in_use_bytes'] is None or \
        r['peak_in_use_bytes'] == r['peak_in_use'] * r['size'], r
    assert r['ratio_vs_bufpool'] is not None, r
assert c['runs_planned'] == c['runs_done'] == 18, c
" && [ $rc -eq 0 ]
ok $? "-t 1,2,4 -s 64,4K,1M: a 9-point sweep, one row per point and implementation"

run -q -i bufpool -t 1,2 -s 64,4K -n 100 -f csv
python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r['threads'], r['size']) for r in rows] == [('1', '64'), ('1', '4096'), ('2', '64'), ('2', '4096')], rows
" "$out" && [ $rc -eq 0 ]
ok $? "CSV: a row per point"

run -q -i bufpool,malloc -t 1,2 -s 64,4K -n 100 -f table
[ $rc -eq 0 ] && grep -q '^bufpool-bench .*threads 1,2, sizes 64 B, 4.0 KiB,' "$out" &&
    grep -q '^threads  *size impl  *pairs/s' "$out" &&
    [ "$(grep -cE '^ +[12] +(64 B|4\.0 KiB) (bufpool|malloc) ' "$out")" -eq 8 ]
ok $? "table: threads and size columns, 8 rows"

# Ranges: threads every integer or every STEP; sizes doubling or every STEP.
for case in "1-3|[1, 2, 3]|64" "1-7:3|[1, 4, 7]|64" "2,1-2:5|[2, 1]|64" \
            "1|[1]|64-1K" "1|[1]|4K-16K:4K" "1|[1]|100-1000"; do
    t=${case%%|*}; rest=${case#*|}; want=${rest%%|*}; s=${rest#*|}
    run -q -i bufpool -t "$t" -s "$s" -n 20 -f json
    json_check "
c = d['config']
assert c['threads'] == $want, c['threads']
sizes = {'64': [64], '64-1K': [64, 128, 256, 512, 1024],
         '4K-16K:4K': [4096, 8192, 12288, 16384], '100-1000': [100, 200, 400, 800]}['$s']
assert c['size'] == sizes, c['size']
assert len(d['results']) == len(sizes) * len($want)
" && [ $rc -eq 0 ]
    ok $? "-t $t -s $s"
done

# Bad lists: exit 2, one line naming the option (bad: t/cli-lib.sh).
bad "-t/--threads: invalid value '1,1': 1 is listed twice" -t 1,1
bad "-t/--threads: invalid value '4-2': a range must go up" -t 4-2
bad "-t/--threads: invalid value '1-4:0'" -t 1-4:0
bad "-t/--threads: invalid value '1,'" -t 1,
bad "-t/--threads: invalid value '1-1025'" -t 1-1025
bad "-s/--size: invalid value '64,4K,4096': 4096 is listed twice" -s 64,4K,4096
bad "-s/--size: invalid value '1K-2T'" -s 1K-2T
bad "-s/--size: invalid value '1-2000000:1': at most 1024 values" -s 1-2000000:1
bad "-t/--threads: invalid value '1': --pattern pipeline needs at least 2" -p pipeline -t 1,2
bad "-M/--max-buffers: invalid value '8': this workload holds up to 16" -t 1,4 -H 4 -M 8

# --percentiles: any list, in (0, 100]; ~1 % buckets.
run -q -i bufpool -t 1 -n 20000 -s 64 -L 99.99,50,max,75 -f json
json_check "
r = d['results'][0]
assert d['config']['latency'] is True and d['config']['percentiles'] == [50, 75, 99.99, 100]
for op in ('get', 'release'):
    l = r['latency_ns'][op]
    assert list(l) == ['p50', 'p75', 'p99.99', 'max', 'samples'], l
    v = [l[k] for k in ('p50', 'p75', 'p99.99', 'max')]
    assert v == sorted(v) and v[0] > 0 and l['samples'] > 0, l
" && [ $rc -eq 0 ]
ok $? "--percentiles 99.99,50,max,75: sorted, named p50 p75 p99.99 max, implies --latency"
run -q -i bufpool -t 1 -n 2000 -s 64 --percentiles 50,99.9 -f csv
[ $rc -eq 0 ] && head -n 1 "$out" | grep -q ',warnings,get_p50,get_p99_9,release_p50,release_p99_9$'
ok $? "CSV: a column per percentile"
run -q -i bufpool -t 1 -n 2000 -s 64 -L 10,20,30,40,50,60,70,80,90 -f table
[ $rc -eq 0 ] && grep -qE '^latency \(ns\) +p10 +p20 +p30 +p40 +p50 +p60 +p70 +p80 +p90 +samples$' "$out" &&
    grep -q 'within 0.8%' "$out"
ok $? "table: a column per percentile; buckets within 0.8 %"
bad "-L/--percentiles: invalid value '0'" -L 0
bad "-L/--percentiles: invalid value '100.5'" -L 100.5
bad "-L/--percentiles: invalid value '99.99999'" -L 99.99999
bad "-L/--percentiles: invalid value '50,max,100': percentile 100 is listed twice" -L 50,max,100
bad "-L/--percentiles: invalid value 'p50'" -L p50
bad "-L/--percentiles: invalid value ''" -L ""

# Latency buckets: a p50 of a few ns no longer equals p90 for lack of
# resolution; the histogram's bound (0.78 %) is checked on known values by
# the C unit test t/test_histogram.

# --compare: a run against a saved report, and two saved reports.
if ! grep -q '^#define HAVE_JANSSON 1' "$top_builddir/config.h"; then
    bad "built without jansson" -C "$tmp/x.json" -n 1
    done_testing
    exit $?
fi
run -q -i bufpool,malloc -t 1,2 -s 64,4K -n 500 -r 2 -f json -o "$tmp/old.json"
[ $rc -eq 0 ]
ok $? "a saved report"
run -q -i bufpool,malloc -t 1,2 -s 4K,1M -n 500 -r 2 --json "$tmp/new.json" \
    -C "$tmp/old.json" -f json
json_check "
cmp = d['compare']
assert cmp['old']['file'] == '$tmp/old.json' and cmp['old']['host'], cmp['old']
rows = {(r['threads'], r['size'], r['impl']): r for r in cmp['rows']}
assert len(rows) == 8, rows.keys()
old = {(r['threads'], r['size'], r['impl']): r for r in json.load(open('$tmp/old.json'))['results']}
new = {(r['threads'], r['size'], r['impl']): r for r in d['results']}
for k, r in rows.items():
    if k[1] == 4096:
        o, n = old[k], new[k]
        assert abs(r['old_pairs_per_sec'] - o['pairs_per_sec']) < 0.1, (r, o)
        assert abs(r['ratio'] - n['pairs_per_sec'] / o['pairs_per_sec']) < 1e-4 * r['ratio'], r
        assert abs(r['ratio_min'] - n['pairs_per_sec_min'] / o['pairs_per_sec_max']) < 1e-4 * r['ratio_min'], r
        assert abs(r['ratio_max'] - n['pairs_per_sec_max'] / o['pairs_per_sec_min']) < 1e-4 * r['ratio_max'], r
        assert r['ratio_min'] <= r['ratio'] <= r['ratio_max'], r
    else:
        assert r['old_pairs_per_sec'] is None and r['ratio'] is None, r
" && [ $rc -eq 0 ]
ok $? "--compare OLD.json with a run: per-row new/old and its range; rows without a match null"

run -q -C "$tmp/old.json" "$tmp/new.json" -f json
json_check "
assert d['old']['file'] == '$tmp/old.json' and d['new']['file'] == '$tmp/new.json'
rows = d['rows']
keys = [(r['threads'], r['size'], r['impl']) for r in rows]
# every new row, then the old rows without a match (64 B)
assert keys == [(t, s, i) for t in (1, 2) for s in (4096, 1048576) for i in ('bufpool', 'malloc')] + \
              [(t, 64, i) for t in (1, 2) for i in ('bufpool', 'malloc')], keys
for r in rows:
    assert (r['ratio'] is None) == (r['size'] != 4096), r
" && [ $rc -eq 0 ]
ok $? "--compare OLD.json NEW.json: no run, every row of both"
run -q -C "$tmp/old.json" "$tmp/new.json" -f table
[ $rc -eq 0 ] && grep -q '^  old: .*old.json (bufpool-bench [0-9.]*, host ' "$out" &&
    grep -qE '^local +1 +4\.0 KiB +4 bufpool .*x +[0-9.]+-[0-9.]+x$' "$out" &&
    grep -q '^(8 rows without a match' "$out"
ok $? "--compare as a table: both reports described, ratios with their range"
run -q -C "$tmp/old.json" "$tmp/new.json" -f csv
[ $rc -eq 0 ] && [ "$(head -n 1 "$out")" = "pattern,threads,size,hold,touch,impl,old_pairs_per_sec,new_pairs_per_sec,ratio,ratio_min,ratio_max" ] &&
    [ "$(wc -l <"$out")" -eq 13 ]
ok $? "--compare as CSV"
run -q -i bufpool -t 1 -s 4K -n 500 -C "$tmp/old.json" -f csv
python3 -c "
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
assert float(r['old_pairs_per_sec']) > 0 and float(r['ratio_vs_old']) > 0, r
assert float(r['ratio_vs_old_min']) <= float(r['ratio_vs_old']) <= float(r['ratio_vs_old_max']), r
" "$out" && [ $rc -eq 0 ]
ok $? "--compare with a run, CSV: the ratio columns"

# A report of the version before sweeps (threads and size in the config).
cat >"$tmp/v0.json" <<'EOF'
{"config": {"version": "0.1.0", "threads": 1, "size": 4096, "pattern": "local", "hold": 4, "touch": "first"},
 "results": [{"impl": "bufpool", "runs": 3, "pairs_per_sec": 2000000.0, "pairs_per_sec_min": 1000000.0, "pairs_per_sec_max": 4000000.0,
              "threads": [{"thread": 0}]}]}
EOF
cp "$tmp/v0.json" "$tmp/we\"ird.json"
run -q -C "$tmp/v0.json" "$tmp/new.json" -f json
json_check "
r = [r for r in d['rows'] if r['old_pairs_per_sec']]
assert len(r) == 1 and r[0]['threads'] == 1 and r[0]['size'] == 4096, r
" && [ $rc -eq 0 ]
ok $? "--compare reads reports of the version before sweeps"
run -q -C "$tmp/we\"ird.json" "$tmp/new.json" -f json
json_check "assert d['old']['file'].endswith('we\"ird.json')" && [ $rc -eq 0 ]
ok $? "file names are escaped in JSON"

bad "-C/--compare: invalid value '$tmp/none.json': cannot read it" -C "$tmp/none.json" -n 1
echo '[1, 2' >"$tmp/broken.json"
bad "-C/--compare: invalid value '$tmp/broken.json': not valid JSON (line 2" -C "$tmp/broken.json" -n 1
echo '{"rows": []}' >"$tmp/cmp.json"
bad "not a bufpool-bench JSON report" -C "$tmp/cmp.json" -n 1
echo '{"config": {}, "results": [{"impl": "x", "pairs_per_sec": 1}]}' >"$tmp/nothr.json"
bad "result 1: no \"threads\" and \"size\" integers" -C "$tmp/nothr.json" -n 1
bad "-t/--threads: not with --compare OLD.json NEW.json" -C "$tmp/old.json" "$tmp/new.json" -t 2
bad "-j/--json: not with --compare OLD.json NEW.json" -C "$tmp/old.json" "$tmp/new.json" -j "$tmp/x.json"
bad "unexpected argument '$tmp/new.json'" -n 1 "$tmp/new.json"
bad "unexpected argument 'c.json'" -C a.json b.json c.json

done_testing
