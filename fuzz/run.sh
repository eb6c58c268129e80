#!/bin/sh
# run.sh - runs the libFuzzer harnesses built by `make fuzz-build`.
#
#   fuzz/run.sh [--seconds S | --runs N] [--fresh] [--seed K] [NAME...]
#
# NAME: api, cli (default: both).  Run from the build directory (the
# harnesses are fuzz/fuzz-NAME there); the seeds are read from
# $srcdir/fuzz/corpus/NAME and $srcdir/fuzz/regressions/NAME (srcdir: the
# directory above this script).  New inputs go to fuzz/work/NAME in the
# build directory (--fresh empties it first, so that a run depends only on
# the seeds and --seed), crashes to fuzz/artifacts/.  Prints one summary
# line per harness and exits non-zero when one found a crash, a leak, a
# timeout or an invariant failure.
#
# --runs N: -runs=N executions (CI: a fixed amount of work);
# --seconds S: -max_total_time=S (make fuzz; FUZZ_SECONDS).
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
limit="-max_total_time=300"
fresh=no
seed=0
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) limit="-max_total_time=$2"; shift 2 ;;
    --runs) limit="-runs=$2"; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --fresh) fresh=yes; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- api cli

status=0
for name in "$@"; do
  bin=fuzz/fuzz-$name
  if [ ! -x "$bin" ]; then
    echo "run.sh: $bin not built (make fuzz-build)" >&2
    exit 2
  fi
  work=fuzz/work/$name
  [ $fresh = no ] || rm -rf "$work"
  mkdir -p "$work" fuzz/artifacts
  set -- "$srcdir/fuzz/corpus/$name"
  [ -d "$srcdir/fuzz/regressions/$name" ] && set -- "$@" "$srcdir/fuzz/regressions/$name"
  case $name in
    api) opts="-max_len=2048" ;;
    cli) opts="-max_len=512 -dict=$srcdir/fuzz/cli.dict" ;;
    *) opts= ;;
  esac
  log=fuzz/fuzz-$name.log
  t0=$(date +%s)
  # shellcheck disable=SC2086
  "$bin" $limit $opts -seed="$seed" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$name-" \
    "$work" "$@" >"$log" 2>&1
  rc=$?
  t1=$(date +%s)
  runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$log" | tail -n 1)
  cov=$(grep -a ' cov: ' "$log" | tail -n 1 |
        sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
  if [ $rc = 0 ]; then
    echo "fuzz-$name: ${runs:-?} executions in $((t1 - t0)) s (${cov:-no stats}): OK"
  else
    echo "fuzz-$name: FAILED (exit $rc) after $((t1 - t0)) s; log $log:"
    grep -a -A40 -E '^==[0-9]+==|invariant failed|runtime error|ERROR: libFuzzer' "$log" | head -n 80
    ls fuzz/artifacts/"$name"-* 2>/dev/null | sed 's/^/  input: /'
    status=1
  fi
done
exit $status
