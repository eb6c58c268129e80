# cli-lib.sh - shared helpers for the bufpool-bench TAP tests (sourced).
#
#   run ARGS...       runs the CLI; sets $rc, stdout in $out, stderr in $err
#   ok COND NAME      one TAP line; COND is a shell status (0 = pass)
#   bad TEXT ARGS...  runs the CLI with ARGS: exit 2, one stderr line
#                     containing TEXT, nothing on stdout (one TAP line)
#   json_check PY     runs Python with `d` = the JSON document in $out;
#                     PY must raise (assert) on failure
#   bad WANT ARGS...  runs the CLI; one test: exit 2, nothing on stdout and
#                     one line on stderr containing WANT
#   skip NAME REASON  a skipped test
#   done_testing      prints the plan; exit status 1 if anything failed
#
# Uses $top_builddir / $top_srcdir from the test environment; falls back to
# the directories around this script for a manual run.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
BENCH="$top_builddir/cli/bufpool-bench"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
err="$tmp/err"
tap_n=0
tap_failed=0

run() {
    "$BENCH" "$@" >"$out" 2>"$err"
    rc=$?
}

ok() {
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
        echo "# exit status $rc; stderr:"
        sed 's/^/#   /' "$err" | head -20
        echo "# stdout:"
        sed 's/^/#   /' "$out" | head -20
    fi
}

bad() {
    want=$1
    shift
    run "$@"
    [ $rc -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && [ ! -s "$out" ] &&
        grep -qF -- "$want" "$err"
    ok $? "$* -> exit 2: $want"
}

skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}

json_check() {
    python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
$1
" "$out" >"$tmp/py" 2>&1
    st=$?
    [ $st -eq 0 ] || sed 's/^/# /' "$tmp/py"
    return $st
}

done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

# Whether this build has the FFmpeg baseline, from configure's result.
have_avutil() {
    grep -q '^#define HAVE_AVUTIL 1' "$top_builddir/config.h"
}
