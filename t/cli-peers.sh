#!/bin/sh
# Issue 12's workloads: the decoder pattern (frames of several planes from
# several pools, a reorder queue, one output thread), --depth, --planes,
# --pools, peak_bytes against peak_in_use_bytes, and the peers none, dpdk
# and gstreamer (the last two when configure found them), all with --verify.
. "$top_srcdir/t/cli-lib.sh"

have() {
    grep -q "^#define HAVE_$1 1" "$top_builddir/config.h"
}
# ThreadSanitizer sees neither DPDK's nor GStreamer's synchronisation (their
# libraries are not instrumented) and reports races in them, and stops a
# deliberate double hand-out before --verify can: those runs are left out.
tsan() {
    case " ${CFLAGS-} " in *-fsanitize=thread*) return 0 ;; esac
    return 1
}
peer() {
    have "$1" && ! tsan
}

impls="bufpool malloc none"
have_avutil && impls="$impls ffmpeg"
peer DPDK && impls="$impls dpdk"
peer GSTREAMER && impls="$impls gstreamer"
all=$(echo $impls | tr ' ' ,)
W=3
N=200
F=$((921600 + 2 * 230400))

# The decoder: every implementation, verified; frames = W x N, pairs =
# frames x 3 planes; the workload's in-use peak is between one frame and
# W + D frames (D = 2W), and no pool holds less than what was in use.
run -q -i "$all" -p decoder -t $W -n $N -v -f json
json_check "
c = d['config']
assert c['pattern'] == 'decoder' and c['threads'] == [$W], c
assert c['planes'] == [921600, 230400, 230400] and c['pools'] == 1, c
assert c['depth'] is None and c['size'] == [$F], c
for r in d['results']:
    assert r['depth'] == 2 * $W and r['size'] == $F, r
    assert r['pairs'] == $W * $N * 3 and r['gets'] == r['pairs'], r
    iu = r['peak_in_use_bytes']
    assert $F <= iu <= 3 * $W * $F and iu % $F == 0, r
    if r['impl'] != 'malloc':
        assert r['peak_bytes'] >= iu, r
if '$all'.count('ffmpeg'):
    f = [r for r in d['results'] if r['impl'] == 'ffmpeg'][0]
    assert f['peak_bytes'] == f['allocs'] // 3 * $F, f
n = [r for r in d['results'] if r['impl'] == 'none'][0]
assert n['peak_bytes'] == 3 * $W * $F and n['allocs'] == 3 * 3 * $W, n
" && [ $rc -eq 0 ]
ok $? "--pattern decoder -t $W --verify, every implementation: all frames, peak_bytes >= peak_in_use_bytes"

# Several resolutions at once, custom planes, a shallow reorder queue.
run -q -i "$all" -p decoder -t 2 -D 1 -Y 1000,300 -R 3 -n 150 -v -f json
json_check "
c = d['config']
assert c['planes'] == [1000, 300] and c['pools'] == 3 and c['depth'] == 1, c
# resolution k: each plane x (4 + k) / 4, rounded up to 64
sizes = [[p if k == 0 else (-(-p * (4 + k) // 4) + 63) // 64 * 64
          for p in (1000, 300)] for k in range(3)]
for r in d['results']:
    assert r['pairs'] == 2 * 150 * 2, r
# none: depth + workers frames per resolution, exactly
n = [r for r in d['results'] if r['impl'] == 'none'][0]
assert n['peak_bytes'] == sum(3 * sum(s) for s in sizes), (n, sizes)
assert n['allocs'] == 3 * 3 * 2, n
b = [r for r in d['results'] if r['impl'] == 'bufpool'][0]
assert b['allocs'] + b['reuses'] == b['gets'], b
assert b['peak_in_use_bytes'] <= 3 * max(sum(s) for s in sizes), b
" && [ $rc -eq 0 ]
ok $? "decoder -R 3 -Y 1000,300 -D 1: three resolutions of two pools each"

# One worker, depth 1: frames strictly alternate between worker and output.
run -q -i bufpool,none -p decoder -t 1 -D 1 -Y 64 -n 500 -v -f json
json_check "
for r in d['results']:
    assert r['pairs'] == 500 and 64 <= r['peak_in_use_bytes'] <= 128, r
" && [ $rc -eq 0 ]
ok $? "decoder -t 1 -D 1: in use never above workers + depth frames"

# A sweep of worker counts: the default depth follows each point's workers,
# and --per-thread has a row for the output thread too.
run -q -i bufpool,none -p decoder -t 1,3 -Y 4K -n 100 -P -f json
json_check "
rows = d['results']
assert sorted((r['impl'], r['threads']) for r in rows) == [
    ('bufpool', 1), ('bufpool', 3), ('none', 1), ('none', 3)], rows
for r in rows:
    w = r['threads']
    assert r['depth'] == 2 * w and r['pairs'] == 100 * w, r
    roles = [t['role'] for t in r['per_thread']]
    assert roles == ['output'] + ['worker'] * w, roles
" && [ $rc -eq 0 ]
ok $? "decoder -t 1,3 -P: depth 2 x workers at each point, the output thread's row"

# The decoder's output thread checks the tokens: a pool that hands a held
# buffer out again is caught.
if tsan; then
    skip "decoder --verify catches a double hand-out" "ThreadSanitizer stops it first"
else
    BUFPOOL_BENCH_TESTING=1 "$BENCH" -q -i broken -p decoder -t 2 -Y 4K -n 300 -v \
        >"$out" 2>"$err"
    rc=$?
    [ $rc -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q 'verify: broken: .*two holders' "$err"
    ok $? "decoder --verify catches a double hand-out"
fi

run -q -i "$all" -p decoder -t 2 -d 0.2 -f json
json_check "
for r in d['results']:
    assert r['pairs'] > 0 and r['pairs'] % 3 == 0, r
    assert 0.1 < r['seconds'] < 5, r
" && [ $rc -eq 0 ]
ok $? "decoder in duration mode: whole frames only"

# The other patterns on the peers, verified.
for p in local random pipeline; do
    run -q -i "$all" -p $p -t 4 -n 1000 -s 4K -v -f json
    if [ $p = pipeline ]; then want=2000; else want=4000; fi
    json_check "
for r in d['results']:
    assert r['pairs'] == $want, r
" && [ $rc -eq 0 ]
    ok $? "--pattern $p -t 4 --verify on $all"
done

run -q -i "$all" -p pipeline -t 2 -D 1 -n 3000 -s 64 -v -f json
json_check "assert all(r['pairs'] == 3000 for r in d['results'])" && [ $rc -eq 0 ]
ok $? "pipeline -D 1 (--depth, not --hold): every pair, verified"

run -q -i none,bufpool -p pipeline -t 2 -D 16 -n 100 -f json
json_check "
assert d['config']['depth'] == 16 and d['config']['hold'] == 4, d['config']
n = d['results'][0]
assert n['impl'] == 'none' and n['allocs'] == 18 and n['peak_bytes'] == 18 << 20, n
assert d['results'][1]['peak_in_use'] <= 18, d['results'][1]
" && [ $rc -eq 0 ]
ok $? "pipeline -D 16: the queue depth, not --hold, bounds what is in flight"

if peer DPDK; then
    run -q -i dpdk -p pipeline -t 2 -n 1000 -s 4K -D 8 -f json
    json_check "
r = d['results'][0]
# the most held (1 producer x (8 + 2)) + 2 threads x 384 + 1
assert r['allocs'] == 10 + 2 * 384 + 1, r
assert r['in_use'] == 0 and r['idle'] == r['allocs'], r
assert r['peak_bytes'] == r['allocs'] * 4096, r
" && [ $rc -eq 0 ] && [ ! -s "$err" ]
    ok $? "dpdk: population sized from the workload, nothing lost, silent EAL"
    run -q -i dpdk -t 200 -n 10
    [ $rc -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q 'dpdk: DPDK has 128 lcores' "$err"
    ok $? "dpdk with more threads than lcores: exit 2, one line"
    run -q -i dpdk,bufpool -t 2 -n 2000 -s 64 -c 0 -P -f json
    json_check "
for r in d['results']:
    assert r['pairs'] == 4000 and all(t['cpu'] == 0 for t in r['per_thread']), r
" && [ $rc -eq 0 ]
    ok $? "dpdk: --cpus pinning still applies after the EAL started"
elif have DPDK; then
    for t in "population sized from the workload" "more threads than lcores" \
             "--cpus pinning"; do
        skip "dpdk: $t" "ThreadSanitizer cannot see DPDK's synchronisation"
    done
else
    skip "dpdk: population sized from the workload" "configure found no libdpdk"
    skip "dpdk with more threads than lcores" "configure found no libdpdk"
    skip "dpdk: --cpus pinning" "configure found no libdpdk"
    run -q -i dpdk
    [ $rc -eq 2 ] && grep -q 'built without DPDK' "$err"
    ok $? "-i dpdk without DPDK: exit 2, says so"
fi
if peer GSTREAMER; then
    run -q -i gstreamer -t 2 -n 500 -H 4 -s 64K -f json
    json_check "
r = d['results'][0]
assert 1 <= r['allocs'] <= 8 and r['reuses'] == 1000 - r['allocs'], r
assert r['peak_bytes'] == r['allocs'] * 65536, r
" && [ $rc -eq 0 ]
    ok $? "gstreamer: allocations counted, buffers reused"
else
    skip "gstreamer: allocations counted" "not built, or under ThreadSanitizer"
fi

# Bad input.
bad "-Y/--planes: invalid value '100': only with --pattern decoder" -Y 100
bad "-R/--pools: invalid value '2': only with --pattern decoder" -p local -R 2
bad "-D/--depth: invalid value '8': only with --pattern pipeline or decoder" -D 8
bad "-s/--size: invalid value '4K': --pattern decoder takes its buffer sizes" -p decoder -s 4K
bad "-Y/--planes: invalid value '0'" -p decoder -Y 0
bad "-Y/--planes: invalid value '1,,2'" -p decoder -Y 1,,2
bad "-Y/--planes: invalid value '1,2,3,4,5,6,7,8,9'" -p decoder -Y 1,2,3,4,5,6,7,8,9
bad "-Y/--planes: invalid value '2G'" -p decoder -Y 2G
bad "-Y/--planes: invalid value '4x'" -p decoder -Y 4x
bad "-R/--pools: invalid value '9'" -p decoder -R 9
bad "-R/--pools: invalid value '0'" -p decoder -R 0
bad "-D/--depth: invalid value '0'" -p decoder -D 0
bad "-D/--depth: invalid value '65537'" -p pipeline -D 65537
bad "-t/--threads: invalid value '1024': --pattern decoder runs the workers and an output thread" -p decoder -t 1024
bad "-Y/--planes: invalid value '1G,1G': this workload holds up to" -p decoder -t 1000 -Y 1G,1G
bad "-M/--max-buffers: invalid value '5': this workload holds up to 6 buffers of a pool" -p decoder -t 2 -M 5

run --help
missing=
sed 's/\\//g' "$top_srcdir/cli/bufpool-bench.1" >"$tmp/man.txt"   # unescape \-
for o in depth planes pools; do
    grep -q -- "--$o\\b" "$out" || missing="$missing --$o(help)"
    grep -q -- "--$o\\b" "$tmp/man.txt" || missing="$missing --$o(man)"
done
for i in none dpdk gstreamer decoder; do
    grep -q "$i" "$tmp/man.txt" || missing="$missing $i(man)"
done
[ -z "$missing" ] || echo "# not documented:$missing"
[ -z "$missing" ]
ok $? "--help and the man page document --depth, --planes, --pools and the peers"

run --version
grep -q "^implementations: .*none" "$out" &&
    { ! have DPDK || grep -q '^dpdk peer: DPDK [0-9]' "$out"; } &&
    { ! have GSTREAMER || grep -q '^gstreamer peer: GStreamer [0-9]' "$out"; }
ok $? "--version lists the peers and their versions"

done_testing
