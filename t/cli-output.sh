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
assert c['threads'] == 2 and c['size'] == 65536 and c['ops'] == 400, c
assert c['pattern'] == 'local' and c['hold'] == 4 and c['touch'] == 'first', c
assert c['impls'] == '$impls'.split(','), c['impls']
assert c['verify'] is False and c['latency'] is False and c['cpus'] is None, c
assert isinstance(c['version'], str) and c['version'].count('.') == 2, c
res = d['results']
assert [r['impl'] for r in res] == '$impls'.split(','), res
for r in res:
    assert isinstance(r['pairs'], int) and r['pairs'] == 800, r
    for k in ('pairs_per_sec', 'ns_per_pair', 'seconds'):
        assert isinstance(r[k], (int, float)) and r[k] > 0, (k, r)
    for k in ('gets', 'allocs', 'reuses', 'peak_rss_kib'):
        assert isinstance(r[k], int) and r[k] >= 0, (k, r)
    assert r['peak_rss_kib'] > 0
    assert r['latency_ns'] is None
    assert 'threads' not in r
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
assert len(r['threads']) == 1 and r['threads'][0]['role'] == 'local'
assert r['threads'][0]['cpu'] is None
" && [ $rc -eq 0 ]
ok $? "JSON without bufpool: ratio null; latency and threads objects"

hdr='impl,thread,role,cpu,pattern,threads,size,hold,runs,pairs,seconds,pairs_per_sec,pairs_per_sec_min,pairs_per_sec_max,ns_per_pair,ratio_vs_bufpool,gets,allocs,reuses,peak_in_use,peak_bytes,peak_rss_kib,in_use,idle,get_p50,get_p90,get_p99,get_p99_9,get_max,release_p50,release_p90,release_p99,release_p99_9,release_max'
run -q -i "$impls" -t 2 -n 300 -f csv
[ $rc -eq 0 ] && [ "$(head -n 1 "$out")" = "$hdr" ]
ok $? "--format csv: the header line"
[ "$(wc -l <"$out")" -eq $((nimpl + 1)) ] && [ "$(grep -c '^impl,' "$out")" -eq 1 ]
ok $? "CSV: one header line and one row per implementation"
python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert all(len(r) == 34 and None not in r for r in rows), rows
assert [r['impl'] for r in rows] == '$impls'.split(',')
assert all(r['thread'] == 'all' and int(r['pairs']) == 600 for r in rows)
assert rows[0]['ratio_vs_bufpool'] == '1.0000'
assert rows[1]['peak_in_use'] == '' and rows[1]['get_p50'] == ''
" "$out"
ok $? "CSV rows: 34 fields each, pairs and ratio as expected, unknowns empty"

run -q -i bufpool -t 2 -n 300 -P -l -f csv
python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r['thread'] for r in rows] == ['all', '0', '1'], rows
assert all(len(r) == 34 and None not in r for r in rows)
assert all(int(r['get_max']) >= int(r['get_p50']) > 0 for r in rows)
" "$out" && [ $rc -eq 0 ]
ok $? "CSV --per-thread --latency: a row per thread with percentiles"

run -q -i "$impls" -t 2 -n 300 -r 2 -P -f table
[ $rc -eq 0 ] && grep -q '^impl  *pairs/s  *min  *max  *ns/pair  *vs bufpool' "$out" &&
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

done_testing
