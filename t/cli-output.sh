#!/bin/sh
# The report formats: JSON (one document, parsed and its fields and types
# checked), CSV (one header line, a row per implementation and thread),
# the table, -o FILE and the default format off a terminal.
. "$top_srcdir/t/cli-lib.sh"

impls="bufpool,malloc"
nimpl=2
if have_avutil; then impls="$impls,ffmpeg"; nimpl=3; fi

run -q -i "$impls" -t 2 -n 400 -s 64K -f json
[ $rc -eq 0 ] && python3 -m json.tool "$out" >/dev/null
ok $? "--format json: exit 0 and python3 -m json.tool accepts it"

json_check "
c = d['config']
assert set(d) == {'config', 'results'}, d.keys()
assert c['threads'] == [2] and c['size'] == [65536] and c['ops'] == 400, c
assert c['pattern'] == 'local' and c['hold'] == 4 and c['touch'] == 'first', c
assert c['impls'] == '$impls'.split(','), c['impls']
assert c['verify'] is False and c['latency'] is False and c['cpus'] is None, c
assert isinstance(c['version'], str) and c['version'].count('.') == 2, c
res = d['results']
assert [r['impl'] for r in res] == '$impls'.split(','), res
for r in res:
    assert r['threads'] == 2 and r['size'] == 65536 and r['pattern'] == 'local', r
    assert isinstance(r['pairs'], int) and r['pairs'] == 800, r
    for k in ('pairs_per_sec', 'ns_per_pair', 'seconds'):
        assert isinstance(r[k], (int, float)) and r[k] > 0, (k, r)
    for k in ('gets', 'allocs', 'reuses', 'peak_rss_kib'):
        assert isinstance(r[k], int) and r[k] >= 0, (k, r)
    assert r['peak_rss_kib'] > 0
    assert r['latency_ns'] is None
    assert 'per_thread' not in r
    assert isinstance(r['ratio_vs_bufpool'], float) and r['ratio_vs_bufpool'] > 0
b, m = res[0], res[1]
assert b['ratio_vs_bufpool'] == 1.0
assert abs(m['ratio_vs_bufpool'] - m['pairs_per_sec'] / b['pairs_per_sec']) < 1e-3 * max(1, m['ratio_vs_bufpool'])
assert isinstance(b['peak_in_use'], int) and b['peak_bytes'] == b['allocs'] * 65536
assert b['peak_in_use_bytes'] == b['peak_in_use'] * 65536, b
assert m['peak_in_use'] is None and m['peak_bytes'] is None, m
assert m['peak_in_use_bytes'] is None, m
assert m['allocs'] == m['gets'] == 800 and m['reuses'] == 0, m
"
ok $? "JSON fields: config echoed, results per implementation with the right types"

run -q -i malloc -t 1 -n 100 -l -P -f json
json_check "
r = d['results'][0]
assert r['ratio_vs_bufpool'] is None, r
assert set(r['latency_ns']) == {'get', 'release'}
assert set(r['latency_ns']['get']) == {'p50', 'p90', 'p99', 'p99.9', 'max', 'samples'}
assert len(r['per_thread']) == 1 and r['per_thread'][0]['role'] == 'local'
assert r['per_thread'][0]['cpu'] is None
" && [ $rc -eq 0 ]
ok $? "JSON without bufpool: ratio null; latency and per_thread objects"

hdr='impl,thread,role,cpu,pattern,threads,size,hold,runs,pairs,seconds,pairs_per_sec,pairs_per_sec_min,pairs_per_sec_max,pairs_per_sec_sd,pairs_per_sec_runs,ns_per_pair,ratio_vs_bufpool,ratio_vs_bufpool_min,ratio_vs_bufpool_max,gets,allocs,reuses,peak_in_use,peak_bytes,peak_rss_kib,in_use,idle,warnings,get_p50,get_p90,get_p99,get_p99_9,get_max,release_p50,release_p90,release_p99,release_p99_9,release_max'
run -q -i "$impls" -t 2 -n 300 -f csv
[ $rc -eq 0 ] && [ "$(head -n 1 "$out")" = "$hdr" ]
ok $? "--format csv: the header line"
[ "$(wc -l <"$out")" -eq $((nimpl + 1)) ] && [ "$(grep -c '^impl,' "$out")" -eq 1 ]
ok $? "CSV: one header line and one row per implementation"
python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert all(len(r) == 39 and None not in r for r in rows), rows
assert [r['impl'] for r in rows] == '$impls'.split(',')
assert all(r['thread'] == 'all' and int(r['pairs']) == 600 for r in rows)
assert rows[0]['ratio_vs_bufpool'] == '1.0'
assert rows[1]['peak_in_use'] == '' and rows[1]['get_p50'] == ''
" "$out"
ok $? "CSV rows: 39 fields each, pairs and ratio as expected, unknowns empty"

run -q -i bufpool -t 2 -n 300 -P -l -f csv
python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r['thread'] for r in rows] == ['all', '0', '1'], rows
assert all(len(r) == 39 and None not in r for r in rows)
assert all(int(r['get_max']) >= int(r['get_p50']) > 0 for r in rows)
" "$out" && [ $rc -eq 0 ]
ok $? "CSV --per-thread --latency: a row per thread with percentiles"

run -q -i "$impls" -t 2 -n 300 -r 2 -P -f table
[ $rc -eq 0 ] && grep -q '^impl  *pairs/s  *sd  *min  *max  *ns/pair  *vs bufpool  *range ' "$out" &&
    grep -q '^bufpool .* 1\.00x ' "$out" && grep -q '^malloc ' "$out" &&
    [ "$(grep -c '^  #[01] ' "$out")" -eq $((2 * nimpl)) ]
ok $? "--format table: header, a row per implementation and per thread"

run -q -i bufpool -t 1 -n 100 -o "$tmp/r.json"
[ $rc -eq 0 ] && [ ! -s "$out" ] && python3 -m json.tool "$tmp/r.json" >/dev/null
ok $? "-o FILE.json: JSON to the file, nothing on stdout"
run -q -i bufpool -t 1 -n 100 -o "$tmp/r.csv"
[ $rc -eq 0 ] && [ "$(head -n 1 "$tmp/r.csv")" = "$hdr" ]
ok $? "-o FILE.csv: CSV"
run -q -i bufpool -t 1 -n 100 -o "$tmp/r.txt"
[ $rc -eq 0 ] && grep -q '^impl  *pairs/s' "$tmp/r.txt"
ok $? "-o FILE with another suffix: the table"
run -q -i bufpool -t 1 -n 100 -f csv -o "$tmp/r.json"
[ $rc -eq 0 ] && [ "$(head -n 1 "$tmp/r.json")" = "$hdr" ]
ok $? "--format wins over the suffix"
run -q -i bufpool -t 1 -n 100
[ $rc -eq 0 ] && python3 -m json.tool "$out" >/dev/null
ok $? "stdout not a terminal, no --format: JSON"

# The config says where, when and with what the figures were measured.
run -q -i bufpool -t 1 -n 100 -f json
have_git=0; [ -e "$top_srcdir/.git" ] && command -v git >/dev/null && have_git=1
json_check "
import os, platform, re, socket, time, calendar
c = d['config']
assert c['host'] == socket.gethostname(), c['host']
assert c['cpus_online'] == os.cpu_count(), c['cpus_online']
assert c['kernel'] == platform.system() + ' ' + platform.release(), c['kernel']
assert c['arch'] == platform.machine(), c['arch']
assert isinstance(c['cpu_model'], str) and c['cpu_model'], c
assert re.match(r'^(gcc|clang) [0-9]', c['compiler']), c['compiler']
assert isinstance(c['cflags'], str), c
assert c['library_version'] == c['version'], c
assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', c['timestamp']), c['timestamp']
t = calendar.timegm(time.strptime(c['timestamp'], '%Y-%m-%dT%H:%M:%SZ'))
assert abs(time.time() - t) < 600, c['timestamp']
if $have_git:
    assert re.match(r'^[0-9a-f]{7,}', c['git_commit'] or ''), c['git_commit']
else:
    assert c['git_commit'] is None, c['git_commit']
assert c['isolation'] == 'process per run' and c['interrupted'] is None, c
assert c['runs_planned'] == c['runs_done'] == 1, c
assert c['percentiles'] == [50, 90, 99, 99.9, 100], c
" && [ $rc -eq 0 ]
ok $? "JSON config: host, CPU model, online CPUs, kernel, compiler, library version, git commit, ISO timestamp"

# Every run's value, the spread, and the ratio's range.
run -q -i "$impls" -t 1 -n 2000 -s 4K -r 3 -f json
json_check "
import statistics
res = d['results']
b = res[0]
for r in res:
    v = [x['pairs_per_sec'] for x in r['per_run']]
    assert r['runs'] == 3 and len(v) == 3, r
    assert r['pairs_per_sec'] == v[r['median_run']] == sorted(v)[1], r
    assert r['pairs_per_sec_min'] == min(v) and r['pairs_per_sec_max'] == max(v), r
    assert abs(r['pairs_per_sec_mean'] - statistics.mean(v)) <= 1, r
    assert abs(r['pairs_per_sec_sd'] - statistics.stdev(v)) <= 1 + 1e-4 * statistics.stdev(v), r
    rr = [x['ratio_vs_bufpool'] for x in r['per_run']]
    want = [x / y for x, y in zip(v, [y['pairs_per_sec'] for y in b['per_run']])]
    assert all(abs(a - w) <= 1e-4 * w for a, w in zip(rr, want)), (rr, want)
    assert abs(r['ratio_vs_bufpool_min'] - min(want)) <= 1e-4 * min(want), r
    assert abs(r['ratio_vs_bufpool_max'] - max(want)) <= 1e-4 * max(want), r
    assert r['ratio_vs_bufpool_min'] * (1 - 1e-5) <= r['ratio_vs_bufpool'] <= r['ratio_vs_bufpool_max'] * (1 + 1e-5), r
    assert isinstance(r['warnings'], list)
" && [ $rc -eq 0 ]
ok $? "-r 3 JSON: every run's value, median/min/max/mean/sd, paired ratios and their range"

run -q -i "$impls" -t 1 -n 2000 -s 4K -r 3 -f csv
python3 -c "
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    v = [float(x) for x in r['pairs_per_sec_runs'].split(';')]
    assert len(v) == 3 and float(r['pairs_per_sec']) == sorted(v)[1], r
    assert abs(float(r['pairs_per_sec_sd']) - statistics.stdev(v)) <= 1 + 1e-4 * statistics.stdev(v), r
    assert float(r['ratio_vs_bufpool_min']) <= float(r['ratio_vs_bufpool']) + 1e-4, r
    assert float(r['ratio_vs_bufpool']) <= float(r['ratio_vs_bufpool_max']) + 1e-4, r
" "$out" && [ $rc -eq 0 ]
ok $? "-r 3 CSV: every run's value, the standard deviation and the ratio's range"

# Warnings: a first run much slower than the others (the probe's slow-once
# switch: 1 ms per get) is an outlier and makes the spread exceed 10 %.
probe() {
    rm -f "$tmp/once"
    BUFPOOL_BENCH_TESTING=1 BUFPOOL_BENCH_PROBE_SLOW_ONCE="$tmp/once" \
        "$BENCH" -i probe -t 1 -s 64 -n 50 -r 3 "$@" >"$out" 2>"$err"
    rc=$?
}
probe -f json
json_check "
w = d['results'][0]['warnings']
assert len(w) == 2, w
assert w[0].startswith('probe: the runs spread by') and 'more than 10 %' in w[0], w
assert w[1].startswith('probe: the first run (') and 'is an outlier' in w[1] and 'below the median of the others' in w[1], w
" && [ $rc -eq 0 ] && [ "$(grep -c '^bufpool-bench: warning: probe: ' "$err")" -eq 2 ]
ok $? "a slow first run: two warnings in the JSON, and on stderr"
probe -f table -q
[ $rc -eq 0 ] && [ ! -s "$err" ] && grep -q '^warning: probe: the first run (.*) is an outlier' "$out" &&
    grep -q '^warning: probe: the runs spread by' "$out"
ok $? "table: the warnings below the table; -q: none on stderr"
probe -f csv -q
python3 -c "
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
assert 'the runs spread by' in r['warnings'] and '; probe: the first run' in r['warnings'], r
" "$out" && [ $rc -eq 0 ]
ok $? "CSV: the warnings in their column"
run -q -i bufpool,malloc -t 1 -n 300 -f json
json_check "assert all(r['warnings'] == [] for r in d['results'])" && [ ! -s "$err" ]
ok $? "one run each: no warning"

# --json beside the table.
run -q -i "$impls" -t 1 -n 200 -f table --json "$tmp/side.json"
[ $rc -eq 0 ] && grep -q '^impl  *pairs/s' "$out" && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert [r['impl'] for r in d['results']] == '$impls'.split(',')
" "$tmp/side.json"
ok $? "--json FILE: the table on stdout and the JSON report in FILE"
run -q -i bufpool -t 1 -n 100 -o "$tmp/same.json" --json "$tmp/same.json"
[ $rc -eq 2 ] && grep -q "the same file as -o/--output" "$err"
ok $? "--json and -o naming the same file: exit 2"

# -o: written to a temporary file and renamed when complete.
echo previous >"$tmp/keep.json"
BUFPOOL_BENCH_TESTING=1 "$BENCH" -q -i broken -t 1 -H 4 -s 64 -n 1000 -v \
    -o "$tmp/keep.json" >"$out" 2>"$err"
rc=$?
[ $rc -eq 1 ] && [ "$(cat "$tmp/keep.json")" = previous ] &&
    [ -z "$(ls -A "$tmp" | grep '^\.keep\.json\.')" ]
ok $? "-o: a failed run leaves the previous file as it was, and no temporary file"
chmod 640 "$tmp/keep.json"
ln -s keep.json "$tmp/link.json"
run -q -i bufpool -t 1 -n 100 -o "$tmp/link.json"
[ $rc -eq 0 ] && [ -L "$tmp/link.json" ] && python3 -m json.tool "$tmp/keep.json" >/dev/null &&
    [ "$(stat -c %a "$tmp/keep.json")" = 640 ]
ok $? "-o through a symlink: the file it names is replaced (mode kept), the link stays"
run -q -i bufpool -t 1 -n 100 -o /dev/null
[ $rc -eq 0 ] && [ -c /dev/null ]
ok $? "-o /dev/null: written in place, not replaced"

# SIGINT and SIGTERM: the report of the runs done so far, exit 128 + signal.
for sig in INT TERM; do
    rm -f "$tmp/part.json"
    "$BENCH" -q -i bufpool,malloc -t 1 -s 4K -d 0.2 -r 50 -o "$tmp/part.json" \
        >"$out" 2>"$err" &
    pid=$!
    sleep 2
    kill -$sig $pid
    wait $pid
    rc=$?
    want=130; [ $sig = TERM ] && want=143
    python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
c = d['config']
assert c['interrupted'] == 'SIG$sig', c
assert c['runs_planned'] == 100 and 0 <= c['runs_done'] < 100, c
assert c['runs_done'] == sum(r['runs'] for r in d['results']), c
" "$tmp/part.json" >"$tmp/py" 2>&1 && [ $rc -eq $want ]
    r=$?
    [ $r -eq 0 ] || sed 's/^/# /' "$tmp/py"
    ok $r "SIG$sig: exit $want, the -o file holds the partial report"
done

done_testing
