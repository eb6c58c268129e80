#!/bin/sh
# check.sh - model-checks model/pool.pml with spin, exhaustively, over a set
# of configurations, and checks that the broken variants (-DNOTAG: no ABA
# tag; -DNOFENCE: no Dekker fence; -DNOGATE: fast paths not shut out;
# -DFALLBACK -DNOACK: unacknowledged caches used after membarrier failed)
# DO produce a counterexample.
#
#   model/check.sh [--full] [--keep]
#
# Prints TAP: one line per run with the figures (states stored, transitions,
# depth, errors, time); the counterexamples of the expected failures as
# comments.  --full: every configuration (about a minute on 2 cores), not just
# the quick set (a few seconds).
# Environment: SPIN (default: spin in PATH), CC (default: cc), TMPDIR.
# Works in a temporary directory; the source tree is only read.
set -u

here=$(cd "$(dirname "$0")" && pwd)
model=$here/pool.pml
full=no keep=no
for a in "$@"; do
  case $a in
    --full) full=yes ;;
    --keep) keep=yes ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown argument '$a'" >&2; exit 2 ;;
  esac
done

spin=${SPIN:-spin}
cc=${CC:-cc}
if ! command -v "$spin" >/dev/null 2>&1; then
  echo "check.sh: spin not found (Debian package spin; or set SPIN)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bp-model.XXXXXX") || exit 1
if [ $keep = no ]; then
  trap 'rm -rf "$work"' EXIT
  trap 'exit 1' HUP INT TERM
else
  echo "# work directory: $work"
fi
cp "$model" "$work/pool.pml" || exit 1
cd "$work" || exit 1

# name | expect (pass|fail) | defines
runs='tagged, 2 threads|pass|-DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=2
tagged, 2 threads|pass|-DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=3
tagged, 2 threads, empty pool|pass|-DNT=2 -DCAP=3 -DPRE=0 -DCM=1 -DGETS=3
tagged, 2 threads, cache 2|pass|-DNT=2 -DCAP=4 -DPRE=2 -DCM=2 -DGETS=3
tagged, 3 threads|pass|-DNT=3 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=1 -DGETS0=2
NOTAG, 2 threads|fail|-DNOTAG -DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=2
NOTAG, 3 threads|fail|-DNOTAG -DNT=3 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=1 -DGETS0=2
NOFENCE, 2 threads|fail|-DNOFENCE -DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=2
NOGATE, 2 threads|fail|-DNOGATE -DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=2
FALLBACK (membarrier fails), 2 threads|pass|-DFALLBACK -DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=2
FALLBACK NOACK, 2 threads|fail|-DFALLBACK -DNOACK -DNT=2 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=2'
if [ $full = no ]; then
  # The quick set (make check): one of each kind.
  runs=$(printf '%s\n' "$runs" | sed -n '1p;5,11p')
else
  runs="$runs
tagged, 3 threads, cache 2|pass|-DNT=3 -DCAP=4 -DPRE=2 -DCM=2 -DGETS=1 -DGETS0=2
tagged, 3 threads, 4 buffers|pass|-DNT=3 -DCAP=4 -DPRE=3 -DCM=1 -DGETS=1 -DGETS0=3
tagged, 3 threads, cache 2, full caches|pass|-DNT=3 -DCAP=4 -DPRE=4 -DCM=2 -DGETS=2 -DGETS0=1
FALLBACK (membarrier fails), 3 threads|pass|-DFALLBACK -DNT=3 -DCAP=3 -DPRE=2 -DCM=1 -DGETS=1 -DGETS0=2"
fi

total=$(printf '%s\n' "$runs" | wc -l)
echo "1..$total"
n=0 bad=0 states=0
nl='
'
oldifs=$IFS
IFS=$nl
for line in $runs; do
  IFS=$oldifs
  n=$((n + 1))
  name=${line%%|*}; rest=${line#*|}
  expect=${rest%%|*}; defs=${rest#*|}
  rm -f pan pan.* pool.pml.trail
  # shellcheck disable=SC2086
  if ! "$spin" -a $defs pool.pml >spin.out 2>&1; then
    echo "not ok $n - $name ($defs): spin -a failed"; sed 's/^/# /' spin.out
    bad=$((bad + 1)); IFS=$nl; continue
  fi
  if ! $cc -O2 -w -DSAFETY -DCOLLAPSE -DMEMLIM=4096 -o pan pan.c >cc.out 2>&1; then
    echo "not ok $n - $name ($defs): compiling pan failed"; sed 's/^/# /' cc.out
    bad=$((bad + 1)); IFS=$nl; continue
  fi
  ./pan -m1000000 >pan.out 2>&1
  errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.out | head -n 1)
  depth=$(sed -n 's/.*depth reached \([0-9][0-9]*\),.*/\1/p' pan.out | head -n 1)
  stored=$(awk '/states, stored/ {print $1; exit}' pan.out)
  trans=$(awk '/transitions \(= stored\+matched\)/ {print $1; exit}' pan.out)
  secs=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' pan.out | head -n 1)
  figs="${stored:-?} states stored, ${trans:-?} transitions, depth ${depth:-?}, ${errors:-?} errors, ${secs:-?} s"
  incomplete=
  if grep -q -e 'max search depth too small' -e 'MEMLIM' -e 'out of memory' pan.out ||
     [ -z "$errors" ]; then
    incomplete=yes
  fi
  if [ $expect = pass ]; then
    if [ -z "$incomplete" ] && [ "$errors" = 0 ]; then
      echo "ok $n - $name ($defs): $figs"
      states=$((states + stored))
    else
      echo "not ok $n - $name ($defs): $figs${incomplete:+ (search incomplete)}"
      sed 's/^/# /' pan.out
      [ -f pool.pml.trail ] && "$spin" -t $defs pool.pml 2>&1 | sed 's/^/# /'
      bad=$((bad + 1))
    fi
  else
    what=$(grep -m 1 -e '^pan:[0-9]*: ' pan.out | sed 's/^pan:[0-9]*: //')
    if [ "${errors:-0}" != 0 ] && [ -f pool.pml.trail ]; then
      echo "ok $n - $name ($defs) fails as expected: $what; $figs"
      echo "#   counterexample (spin -t), events:"
      # shellcheck disable=SC2086
      "$spin" -t $defs pool.pml 2>&1 |
        sed -n -e 's/^ *\(T[0-9]: .*\)/#     \1/p' \
               -e 's/^spin: \(trail ends after .*\)/#     (\1)/p' \
               -e 's/^spin: text of failed assertion: \(.*\)/#     violated: \1/p'
    else
      echo "not ok $n - $name ($defs): expected a counterexample, found none: $figs"
      sed 's/^/# /' pan.out
      bad=$((bad + 1))
    fi
  fi
  IFS=$nl
done
IFS=$oldifs
echo "# $n runs, $bad failed; $states states stored in the exhaustive (tagged) runs"
[ $bad = 0 ]
