#!/bin/sh
# examples/ffmpeg: bufpool behind FFmpeg's get_buffer2 decodes H.264, HEVC,
# VP9 and MPEG-4 clips (720p, made with ffmpeg's lavfi testsrc2) with
# -threads 1, 4 and 8, frame threading, to exactly the frames FFmpeg's own
# default allocator gives: the framemd5 of `ffmpeg -threads 1` is the
# reference.  Every buffer is back in its pool at exit.  A codec whose
# encoder this ffmpeg lacks is skipped, and all of it without ffmpeg.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
# ThreadSanitizer cannot see FFmpeg's atomics (its libraries are not
# instrumented): tsan.supp says which reports that leaves unfounded.
case " ${CFLAGS-} " in
*-fsanitize=thread*)
    TSAN_OPTIONS="${TSAN_OPTIONS-}:suppressions=$top_srcdir/examples/ffmpeg/tsan.supp"
    export TSAN_OPTIONS ;;
esac
DEC="$top_builddir/examples/ffmpeg/bp-decode"
FFMPEG=${FFMPEG:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-ffmpeg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
        [ -s "$tmp/err" ] && sed 's/^/#   /' "$tmp/err" | head -20
    fi
}
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

# Bad usage: exit 2 and one line; a missing file: exit 1.
"$DEC" -a nope x >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "invalid value 'nope'" "$tmp/err"
ok $? "bp-decode -a nope: exit 2, one line"
"$DEC" -t 0 x >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "invalid value '0'" "$tmp/err"
ok $? "bp-decode -t 0: exit 2"
"$DEC" "$tmp/no-such-file" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no-such-file" "$tmp/err"
ok $? "bp-decode on a missing file: exit 1, names it"

# codec  encoder options (25 frames of 1280x720 at 25 fps, B-frames where
# the codec has them, so that frames are reordered)
codecs="h264:-c:v libx264 -preset ultrafast -bf 2 -g 12
hevc:-c:v libx265 -preset ultrafast -x265-params log-level=error:bframes=2
vp9:-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 2M
mpeg4:-c:v mpeg4 -bf 2 -g 12 -q:v 4"

# The hashes of a framemd5 file: "index,size,md5" per frame.
hashes() {
    grep -v '^#' "$1" | awk -F, '{ gsub(/ /, ""); print NR - 1 "," $5 "," $6 }'
}

echo "$codecs" | while IFS=: read -r name opts; do
    if [ -z "$FFMPEG" ]; then
        for t in 1 4 8; do skip "$name -threads $t" "no ffmpeg program"; done
        skip "$name: FFmpeg's default through bp-decode" "no ffmpeg program"
        continue
    fi
    enc=$(echo "$opts" | sed 's/.*-c:v \([^ ]*\).*/\1/')
    if ! "$FFMPEG" -hide_banner -encoders 2>/dev/null | grep -q " $enc "; then
        for t in 1 4 8; do skip "$name -threads $t" "ffmpeg has no $enc"; done
        skip "$name: FFmpeg's default through bp-decode" "ffmpeg has no $enc"
        continue
    fi
    clip="$tmp/$name.mkv"
    # shellcheck disable=SC2086
    if ! "$FFMPEG" -nostdin -hide_banner -loglevel error -y -f lavfi \
            -i testsrc2=size=1280x720:rate=25:duration=1 $opts -an "$clip" \
            2>"$tmp/err" ||
       ! "$FFMPEG" -nostdin -hide_banner -loglevel error -threads 1 -i "$clip" \
            -map 0:v:0 -fps_mode passthrough -f framemd5 "$tmp/$name.ref" \
            2>>"$tmp/err"; then
        for t in 1 4 8; do ok 1 "$name -threads $t: making the clip and its framemd5"; done
        ok 1 "$name: FFmpeg's default through bp-decode"
        continue
    fi
    hashes "$tmp/$name.ref" >"$tmp/$name.want"
    frames=$(wc -l <"$tmp/$name.want")
    for t in 1 4 8; do
        "$DEC" -a bufpool -t $t -m "$tmp/$name.$t.md5" -j "$clip" \
            >"$tmp/$name.$t.json" 2>"$tmp/err"
        rc=$?
        [ $rc -eq 0 ] && [ "$frames" -ge 25 ] &&
            cmp -s "$tmp/$name.want" "$tmp/$name.$t.md5" &&
            python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['frames'] == $frames and d['alloc'] == 'bufpool', d
assert d['gets'] >= $frames and 1 <= d['allocs'] <= d['gets'], d
assert d['in_use_at_exit'] == 0, d
" "$tmp/$name.$t.json" 2>>"$tmp/err"
        st=$?
        if [ $st -ne 0 ] && [ $rc -eq 0 ]; then
            diff "$tmp/$name.want" "$tmp/$name.$t.md5" | head -5 >>"$tmp/err"
        fi
        ok $st "$name -threads $t (frame threading), bufpool frames: framemd5 of $frames frames as FFmpeg's, every buffer returned"
    done
    "$DEC" -a default -t 8 -m "$tmp/$name.d.md5" -j "$clip" >"$tmp/$name.d.json" 2>"$tmp/err" &&
        cmp -s "$tmp/$name.want" "$tmp/$name.d.md5" &&
        python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['alloc'] == 'default' and d['allocs'] >= 3, d
" "$tmp/$name.d.json" 2>>"$tmp/err"
    ok $? "$name: FFmpeg's default through bp-decode -t 8, the same framemd5; its allocations counted"
done >"$tmp/tap"
cat "$tmp/tap"
n=$((n + $(grep -c '^ok\|^not ok' "$tmp/tap")))
grep -q '^not ok' "$tmp/tap" && failed=1
echo "1..$n"
[ "$failed" -eq 0 ]
