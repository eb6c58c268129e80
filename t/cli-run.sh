#!/bin/sh
# Runs every pattern and implementation with --verify on several threads,
# and checks the counts the workload promises, pool statistics, latency,
# repeat, pinning and --verify's detection of a double hand-out.
. "$top_srcdir/t/cli-lib.sh"

impls="bufpool malloc"
have_avutil && impls="$impls ffmpeg"
T=4
N=1500

for p in local pipeline random; do
    for i in $impls; do
        run -q -i "$i" -p "$p" -t $T -n $N -v -f json
        # pipeline: 2 producers of 4 threads, each N gets; else N per thread
        if [ $p = pipeline ]; then want=$((2 * N)); else want=$((T * N)); fi
        json_check "
r = d['results'][0]
assert r['impl'] == '$i', r['impl']
assert r['pairs'] == $want, r['pairs']
assert r['gets'] == $want, r['gets']
assert r['pairs_per_sec'] > 0 and r['ns_per_pair'] > 0
assert r['allocs'] >= 1
if '$i' != 'malloc':
    assert r['allocs'] + r['reuses'] == r['gets'], r
    assert 1 <= r['peak_in_use'] <= r['allocs'], r
" && [ $rc -eq 0 ]
        ok $? "--pattern $p --impl $i --verify -t $T: exit 0, $want pairs, consistent stats"
    done
done

# bufpool's bound: local with hold 4 on T threads never has more than 4T in
# use, and allocates at most peak + T * BP_POOL_CACHE_MAX.
run -q -i bufpool -p local -t $T -n $N -H 4 -f json
json_check "
r = d['results'][0]
assert r['peak_in_use'] <= 4 * $T, r
assert r['allocs'] <= r['peak_in_use'] + $T * 63, r
assert r['peak_bytes'] == r['allocs'] * 1048576, r
assert r['peak_in_use_bytes'] == r['peak_in_use'] * 1048576, r
" && [ $rc -eq 0 ]
ok $? "bufpool local: peak_in_use <= threads x hold, allocs within the documented slack"

# Sizes around the token layout (two copies from 16 bytes, one below, a
# truncated one below 8), zeroing, touching every line, alignment, the cap.
for extra in "-s 16" "-s 12" "-s 3" "-s 1" "-z -s 4K" "-T all -s 64K" "-T none" \
             "-a 4096 -s 100" "-M 16 -H 4" "-m 8 -M 16 -H 4"; do
    # shellcheck disable=SC2086
    run -q -i "$(echo $impls | tr ' ' ,)" -p random -t $T -n 500 -v -f json $extra
    json_check "assert all(r['pairs'] == $T * 500 for r in d['results'])" && [ $rc -eq 0 ]
    ok $? "--verify with $extra: exit 0, every pair done"
done

run -q -i bufpool -p pipeline -t 3 -n 500 -H 1 -v -M 6 -f json
json_check "assert d['results'][0]['pairs'] == 2 * 500" && [ $rc -eq 0 ]
ok $? "pipeline with 2 producers and 1 consumer, queue depth 1, cap 6"

# A pool that hands a held buffer out again must be caught, naming who.
BUFPOOL_BENCH_TESTING=1 "$BENCH" -q -i broken -t 1 -H 4 -s 64 -n 1000 -v \
    >"$out" 2>"$err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] &&
    grep -q 'verify: broken: buffer 0x[0-9a-f]* got by thread 0 (get #[0-9]*) holds the token of thread 0 (get #[0-9]*) .*two holders' "$err"
ok $? "--verify catches a double hand-out: exit 1, one line naming the threads and gets"

BUFPOOL_BENCH_TESTING=1 "$BENCH" -q -i broken -t 1 -H 4 -s 64 -n 1000 -f json \
    >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ]
ok $? "without --verify the same run is not checked (exit 0)"

# Duration mode.
run -q -i bufpool -t 2 -d 0.2 -w 0 -f json
json_check "
r = d['results'][0]
assert 0.15 <= r['seconds'] < 5, r['seconds']
assert r['pairs'] > 0
assert d['config']['ops'] is None and d['config']['duration'] == 0.2
" && [ $rc -eq 0 ]
ok $? "-d 0.2: the measured phase lasts about 0.2 s"

# Warmup runs on the same pool, so the measured phase reuses its buffers.
run -q -i bufpool -t 1 -H 4 -n 100 -w 0.05 -f json
json_check "
r = d['results'][0]
assert r['pairs'] == 100 and r['gets'] > 100, r
assert r['allocs'] == 4, r   # one thread, LIFO: no new buffer after warmup
" && [ $rc -eq 0 ]
ok $? "-w: warmup runs on the same pool: its gets count in gets, not pairs; no new buffers"

# Repeat: median and min/max.
run -q -i bufpool,malloc -t 2 -n 300 -r 3 -f json
json_check "
for r in d['results']:
    assert r['runs'] == 3
    assert r['pairs_per_sec_min'] <= r['pairs_per_sec'] <= r['pairs_per_sec_max'], r
assert d['results'][0]['ratio_vs_bufpool'] == 1.0
" && [ $rc -eq 0 ]
ok $? "-r 3: three runs each, min <= median <= max"

# Latency percentiles, per thread.
run -q -i bufpool -p pipeline -t 2 -n 3000 -l -P -f json
json_check "
r = d['results'][0]
for op in ('get', 'release'):
    l = r['latency_ns'][op]
    assert l['samples'] > 0, l
    v = [l[k] for k in ('p50', 'p90', 'p99', 'p99.9', 'max')]
    assert v == sorted(v) and v[0] > 0, l
t = r['per_thread']
assert [x['role'] for x in t] == ['producer', 'consumer'], t
assert t[0]['pairs'] == 3000 and t[1]['pairs'] == 3000, t
assert t[0]['latency_ns']['get']['samples'] > 0
assert t[1]['latency_ns']['release']['samples'] > 0
" && [ $rc -eq 0 ]
ok $? "--latency --per-thread: ordered percentiles, producer gets and consumer releases"

# Pinning.
run -q -i bufpool -c 0 -t 2 -n 200 -P -f json
json_check "
assert d['config']['cpus'] == [0]
assert [t['cpu'] for t in d['results'][0]['per_thread']] == [0, 0]
" && [ $rc -eq 0 ]
ok $? "--cpus 0: both threads pinned to CPU 0"

run -q -i bufpool -c 0 -n 200 -f json
json_check "assert d['config']['threads'] == [1]" && [ $rc -eq 0 ]
ok $? "--cpus without --threads: one thread per listed CPU"

# Every run in a process of its own: the probe counts the runs made in its
# process (1 each time), and every run has its own pid.
BUFPOOL_BENCH_TESTING=1 "$BENCH" -q -i probe,malloc,bufpool -t 1 -s 1M -n 200 \
    -r 3 -f json >"$out" 2>"$err"
rc=$?
json_check "
import os
pids = [x['pid'] for r in d['results'] for x in r['per_run']]
assert len(pids) == 9 and len(set(pids)) == 9, pids
p = d['results'][0]
assert p['impl'] == 'probe' and p['peak_in_use'] == 1, p
" && [ $rc -eq 0 ]
ok $? "each run in its own process: 9 runs, 9 pids, the probe sees one run per process"

# A run that crashes is reported as that run's failure.
BUFPOOL_BENCH_TESTING=1 BUFPOOL_BENCH_PROBE_SLOW_ONCE="$tmp/once-kill" \
    "$BENCH" -q -i probe -t 1 -d 30 -w 0 -f json >"$out" 2>"$err" &
pid=$!
i=0
while [ ! -s "$tmp/once-kill" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.2
kill -KILL "$(cat "$tmp/once-kill")"
wait $pid
rc=$?
[ $rc -eq 1 ] && [ ! -s "$out" ] && [ "$(wc -l <"$err")" -eq 1 ] &&
    grep -q '^bufpool-bench: probe: run 1 of 1: the process died of signal 9 (Killed)$' "$err"
ok $? "a run's process killed: exit 1, one line naming the run and the signal"

# Progress line: only on a terminal, and -q silences it.
run -i bufpool -t 1 -n 100 -f json
[ $rc -eq 0 ] && [ ! -s "$err" ]
ok $? "no progress output when stderr is not a terminal"
if command -v script >/dev/null 2>&1; then
    script -qec "'$BENCH' -i bufpool -t 1 -d 1.3 -w 0 -o '$tmp/r.json'" /dev/null \
        >"$tmp/tty" 2>&1
    rc=$?
    [ $rc -eq 0 ] && grep -q 'bufpool measuring run 1/1' "$tmp/tty"
    ok $? "a run over 1 s on a terminal shows the progress line"
    script -qec "'$BENCH' -q -i bufpool -t 1 -d 1.3 -w 0 -o '$tmp/r.json'" /dev/null \
        >"$tmp/tty" 2>&1
    rc=$?
    [ $rc -eq 0 ] && ! grep -q 'measuring' "$tmp/tty"
    ok $? "-q silences it"
else
    skip "progress line on a terminal" "script(1) is not installed"
    skip "-q silences it" "script(1) is not installed"
fi

done_testing
