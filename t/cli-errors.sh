#!/bin/sh
# Bad input: exit status 2 and exactly one line on stderr naming the option
# and the value; --help and --version exit 0.
. "$top_srcdir/t/cli-lib.sh"


bad "-t/--threads: invalid value '0'" -t 0
bad "-t/--threads: invalid value '-1'" --threads -1
bad "-t/--threads: invalid value 'abc'" -t abc
bad "-t/--threads: invalid value '4x'" -t 4x
bad "-t/--threads: invalid value ' 4'" -t " 4"
bad "-t/--threads: invalid value '99999999999999999999999'" -t 99999999999999999999999
bad "-t/--threads: invalid value '1025'" -t 1025
bad "-s/--size: invalid value '0'" -s 0
bad "-s/--size: invalid value '99999999999999G'" -s 99999999999999G
bad "-s/--size: invalid value '18446744073709551616'" -s 18446744073709551616
bad "-s/--size: invalid value '17179869184T'" --size 17179869184T
bad "-s/--size: invalid value '1X'" -s 1X
bad "-s/--size: invalid value ''" -s ""
bad "-s/--size: invalid value '1.5M'" -s 1.5M
bad "-s/--size: invalid value '512G'" -s 512G -t 1000 -H 4096
bad "-n/--ops: invalid value '0'" -n 0
bad "-n/--ops: invalid value '-5'" --ops=-5
bad "-d/--duration: invalid value '0'" -d 0
bad "-d/--duration: invalid value 'nan'" -d nan
bad "-d/--duration: invalid value 'inf'" -d inf
bad "-d/--duration: invalid value '1e999'" -d 1e999
bad "-d/--duration: invalid value '-1'" -d -1
bad "-d/--duration: invalid value '2s'" -d 2s
bad "-d/--duration: invalid value '0x1p3'" -d 0x1p3
bad "-d/--duration: invalid value '1'" -n 5 -d 1
bad "-w/--warmup: invalid value '-0.5'" -w -0.5
bad "-r/--repeat: invalid value '0'" -r 0
bad "-H/--hold: invalid value '0'" --hold 0
bad "-p/--pattern: invalid value 'ring': expected local, pipeline, random or decoder" -p ring
bad "-T/--touch: invalid value 'some'" --touch some
bad "-f/--format: invalid value 'xml'" -f xml
bad "-i/--impl: invalid value 'jemalloc'" -i jemalloc
bad "unknown implementation 'nope'" -i bufpool,nope
bad "-i/--impl: invalid value 'malloc,malloc'" -i malloc,malloc
bad "-i/--impl: invalid value 'broken'" -i broken
bad "-i/--impl: invalid value ''" -i ""
bad "-c/--cpus: invalid value '0-99999'" --cpus 0-99999
bad "-c/--cpus: invalid value '4096'" -c 4096
bad "-c/--cpus: invalid value '1-0'" -c 1-0
bad "-c/--cpus: invalid value 'a'" -c a
bad "-c/--cpus: invalid value '0,'" -c 0,
ncpu=$(getconf _NPROCESSORS_ONLN)
bad "does not exist" --cpus "0-$ncpu"
bad "-a/--align: invalid value '3'" -a 3
bad "-a/--align: invalid value '4M'" --align 4M
bad "-M/--max-buffers: invalid value '3'" -t 1 -H 4 -M 3
bad "-M/--max-buffers: invalid value '268435456'" -M 268435456
bad "-m/--min-buffers: invalid value '9'" -t 1 -m 9 -M 8
bad "-S/--seed: invalid value '18446744073709551616'" -S 18446744073709551616
bad "-t/--threads: invalid value '1': --pattern pipeline needs at least 2" -p pipeline -t 1
bad "-o/--output: invalid value '$tmp/no/such/dir/r.json'" -o "$tmp/no/such/dir/r.json"
bad "unknown or ambiguous option '--bogus'" --bogus
bad "unknown or ambiguous option '--p'" --p local
bad "unknown option '-x'" -x
bad "option -t/--threads needs a value" -t
bad "option -o/--output needs a value" --output
bad "unexpected argument 'extra'" -t 1 extra

if have_avutil; then
    skip "--impl ffmpeg without libavutil -> exit 2" "this build has the ffmpeg baseline"
    run --version
    [ $rc -eq 0 ] && grep -q '^ffmpeg baseline: libavutil [0-9]' "$out" &&
        grep -q '^implementations: bufpool, malloc, ffmpeg\(, [a-z]*\)*$' "$out"
    ok $? "--version reports the ffmpeg baseline configure found"
else
    bad "-i/--impl: invalid value 'ffmpeg': this bufpool-bench was built without libavutil" -i ffmpeg
    run --version
    [ $rc -eq 0 ] && grep -q '^ffmpeg baseline: not built$' "$out"
    ok $? "--version says the ffmpeg baseline is not built"
fi

run --help
[ $rc -eq 0 ] && [ ! -s "$err" ] && grep -q '^Usage: bufpool-bench' "$out"
ok $? "--help: exit 0, usage on stdout"
missing=
sed 's/\\//g' "$top_srcdir/cli/bufpool-bench.1" >"$tmp/man.txt"   # unescape \-
for o in threads size ops duration warmup repeat hold pattern touch seed \
         max-buffers min-buffers align zero cpus impl latency per-thread \
         verify format output json compare percentiles poison quiet help version; do
    grep -q -- "--$o\\b" "$out" || missing="$missing --$o(help)"
    grep -q -- "--$o\\b" "$tmp/man.txt" || missing="$missing --$o(man)"
done
[ -z "$missing" ] || echo "# not documented:$missing"
[ -z "$missing" ]
ok $? "--help and the man page document every long option"
run -h
[ $rc -eq 0 ] && grep -q '^Usage: bufpool-bench' "$out"
ok $? "-h: exit 0"
run -V
want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
[ $rc -eq 0 ] && head -n 1 "$out" | grep -q "^bufpool-bench $want (libbufpool $want)$"
ok $? "-V/--version: exit 0, the package version"

done_testing
