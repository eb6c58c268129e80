#!/bin/sh
# check.sh - model-checks model/pool.pml with spin, exhaustively, over a set
# of configurations, and checks that the broken variants DO produce a
# counterexample: -DNOTAG (no ABA tag), -DNOFENCE (no Dekker fence),
# -DNOGATE (fast paths not shut out), -DNOCAS (ring claims without CAS),
# -DNOFULLCHECK (ring pushes without the fullness check), -DNOREOPENCHECK
# (tc_open_cap without its req check), -DSELFENTER (enter_shared skipping
# its own cache when a remote is using it); and, with -DFALLBACK
# (membarrier failing at run time), -DNOACK (unacknowledged caches used)
# and -DNOACKFLUSH (an acknowledgement in a shared pool keeps its items).
#
#   model/check.sh [--full] [--keep] [--cover]
#
# Prints TAP: one line per run with the figures (states stored, transitions,
# depth, errors, time); the counterexamples of the expected failures as
# comments.  --full: every configuration (about 2 minutes on 2 cores), not
# just the quick set (a few seconds).  --cover: instead, for each coverage
# marker (HIT(n) in pool.pml) the first configuration whose search reaches
# it (slow: a search per marker and configuration until one does).
# Environment: SPIN (default: spin in PATH), CC (default: cc), TMPDIR.
# Works in a temporary directory; the source tree is only read.
set -u

here=$(cd "$(dirname "$0")" && pwd)
model=$here/pool.pml
full=no keep=no cover=no
for a in "$@"; do
  case $a in
    --full) full=yes ;;
    --keep) keep=yes ;;
    --cover) cover=yes ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# name | expect (pass|fail) | set (quick|full) | cc -O level | defines.
# make check runs the quick set (the ring hand-off and the handshake, each
# with a variant that must fail), make check-model every row.  Small
# searches are compiled with -O0 (pan.c takes ~15 s to compile at -O2),
# large ones with -O1.
runs='2 threads get and release|pass|full|0|-DNT=2 -DCAP=3 -DGETS=2
pipeline: T0 gets, T1 releases|pass|quick|0|-DNT=2 -DPASS=1 -DGETS0=4 -DGETS1=0 -DCAP=3
trim against 1 thread|pass|quick|0|-DNT=1 -DTRIM=1 -DCAP=2 -DGETS=3
2 threads, cache 2, depot|pass|full|0|-DNT=2 -DCAP=3 -DPRE=2 -DCM=2 -DGETS=2
2 threads, 3 gets, cap 2|pass|full|1|-DNT=2 -DCAP=2 -DGETS=3
general paths only (no light mode)|pass|full|1|-DNT=2 -DCAP=3 -DGETS=3 -DLIGHT=0
pipeline, 5 gets|pass|full|1|-DNT=2 -DPASS=1 -DGETS0=5 -DGETS1=0 -DCAP=3
pipeline, T1 gets too|pass|full|1|-DNT=2 -DPASS=1 -DGETS0=4 -DGETS1=1 -DCAP=3
pipeline, T1 gets too, cache 2|pass|full|1|-DNT=2 -DPASS=1 -DGETS0=4 -DGETS1=1 -DCAP=4 -DCM=2
pipeline and trim|pass|full|1|-DNT=2 -DPASS=1 -DGETS0=3 -DGETS1=0 -DCAP=2 -DTRIM=1
2 threads and trim|pass|full|1|-DNT=2 -DTRIM=1 -DCAP=2 -DGETS0=2 -DGETS1=1
2 threads and trim, 2 gets each|pass|full|1|-DNT=2 -DTRIM=1 -DCAP=2 -DGETS=2
3 threads|pass|full|1|-DNT=3 -DCAP=3 -DPRE=2 -DGETS=1 -DGETS0=2
3 threads: pipeline and a getter|pass|full|1|-DNT=3 -DPASS=1 -DGETS0=3 -DGETS1=0 -DGETS=1 -DCAP=3
NOTAG, 2 threads and trim|fail|full|0|-DNOTAG -DNT=2 -DTRIM=1 -DPRE=2 -DCAP=2 -DGETS0=2 -DGETS1=1
NOFENCE, 2 threads|fail|full|0|-DNOFENCE -DNT=2 -DCAP=2 -DGETS=2
NOGATE, 2 threads|fail|full|0|-DNOGATE -DNT=2 -DCAP=2 -DGETS=2
NOCAS, pipeline|fail|quick|0|-DNOCAS -DNT=2 -DPASS=1 -DGETS0=4 -DGETS1=0 -DCAP=3
NOFULLCHECK, pipeline|fail|full|0|-DNOFULLCHECK -DNT=2 -DPASS=1 -DGETS0=4 -DGETS1=0 -DCAP=3
NOREOPENCHECK, trim against 1 thread|fail|full|0|-DNOREOPENCHECK -DNT=1 -DTRIM=1 -DCAP=2 -DGETS=3
SELFENTER, trim against 1 thread|fail|quick|0|-DSELFENTER -DNT=1 -DTRIM=1 -DCAP=1 -DGETS=2
FALLBACK (membarrier fails), trim against 1 thread|pass|quick|0|-DFALLBACK -DNT=1 -DTRIM=1 -DCAP=2 -DGETS=3
FALLBACK, pipeline|pass|full|1|-DFALLBACK -DNT=2 -DPASS=1 -DGETS0=4 -DGETS1=0 -DCAP=3
FALLBACK, 2 threads, cap 2|pass|full|1|-DFALLBACK -DNT=2 -DCAP=2 -DGETS=2
FALLBACK NOACK, trim against 1 thread|fail|quick|0|-DFALLBACK -DNOACK -DNT=1 -DTRIM=1 -DCAP=2 -DGETS=3
FALLBACK NOACKFLUSH, 2 threads, cap 2|fail|full|0|-DFALLBACK -DNOACKFLUSH -DNT=2 -DCAP=2 -DGETS=2'
if [ $full = no ] && [ $cover = no ]; then
  runs=$(printf '%s\n' "$runs" | awk -F'|' '$3 == "quick"')
fi

# Builds pan for the defines $1 at -O$2: 0, or 1 (spin failed), 2 (cc).
build() {
  rm -f pan pan.* pool.pml.trail
  # shellcheck disable=SC2086
  "$spin" -a $1 pool.pml >spin.out 2>&1 || return 1
  $cc -O"$2" -w -DSAFETY -DCOLLAPSE -DMEMLIM=4096 -o pan pan.c >cc.out 2>&1 ||
    return 2
}

nl='
'
oldifs=$IFS

if [ $cover = yes ]; then
  # marker | what it marks
  marks='1|a fast path get pops
2|a fast path release caches
3|tc_pop (the general path) pops
4|tc_enter finds req set
5|cache_put overflow: a getter moves its older half to its ring
6|cache_put overflow: no pops since the last one, stops caching
7|a release goes to the ring
8|ring_push: full after re-reading head
9|ring_push: room after re-reading head
10|a ring claim CAS fails and retries
11|a ring claim CAS fails after an entry it read was overwritten
12|get_slow claims from its own ring
13|get_slow claims from src
14|steal claims into its items
15|steal claims one (its cache is busy)
16|ring_put: full ring, its oldest claimed for the depot
17|ring_drain claims
18|a claim of 2
19|ring_put: full ring, but others claimed everything first
20|ring_drain: others claimed everything first
21|tc_fill pushes onto the ring
22|tc_fill finds the ring full
23|tc_open_cap sees req and closes the cap again
24|enter_shared done
25|a release finds its cache busy: to the depot
26|a depot push CAS fails
27|a depot pop CAS fails
28|a get fails at the cap (EAGAIN)
29|a collect takes items
30|tc_fill fills items
31|a fast path get with a stale tl_key (the pool is shared)
32|FALLBACK: an acknowledgement in a shared pool flushes its items
33|FALLBACK: a collect skips an unacknowledged cache'
  configs=$(printf '%s\n' "$runs" | awk -F'|' '$2 == "pass" {print $5}')
  echo "1..$(printf '%s\n' "$marks" | wc -l)"
  n=0 bad=0
  IFS=$nl
  for m in $marks; do
    IFS=$oldifs
    n=$((n + 1)) mk=${m%%|*} what=${m#*|} found=
    IFS=$nl
    for defs in $configs; do
      IFS=$oldifs
      build "-DCOVER=$mk $defs" 0 || { echo "# build failed: $defs"; continue; }
      ./pan -m1000000 >pan.out 2>&1
      if grep -q "assertion violated ($mk!=$mk)" pan.out; then
        found=$defs; break
      fi
    done
    IFS=$oldifs
    if [ -n "$found" ]; then
      echo "ok $n - marker $mk ($what): $found"
    elif [ "$mk" = 22 ]; then
      echo "ok $n - marker $mk ($what) # TODO not reached: unreachable in C too (README.md)"
    else
      echo "not ok $n - marker $mk ($what): not reached"
      bad=$((bad + 1))
    fi
    IFS=$nl
  done
  IFS=$oldifs
  [ $bad = 0 ]
  exit
fi

total=$(printf '%s\n' "$runs" | wc -l)
echo "1..$total"
n=0 bad=0 states=0
IFS=$nl
for line in $runs; do
  IFS=$oldifs
  n=$((n + 1))
  name=${line%%|*}; rest=${line#*|}
  expect=${rest%%|*}; rest=${rest#*|}
  rest=${rest#*|}                         # the set
  opt=${rest%%|*}; defs=${rest#*|}
  build "$defs" "$opt"
  case $? in
    1) echo "not ok $n - $name ($defs): spin -a failed"; sed 's/^/# /' spin.out
       bad=$((bad + 1)); IFS=$nl; continue ;;
    2) echo "not ok $n - $name ($defs): compiling pan failed"; sed 's/^/# /' cc.out
       bad=$((bad + 1)); IFS=$nl; continue ;;
  esac
  # An expected failure: the shortest counterexample (-i: iterative
  # shortening, cheap for these small searches).
  if [ "$expect" = pass ]; then iter=; else iter=-i; fi
  ./pan -m1000000 $iter >pan.out 2>&1
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
  if [ "$expect" = pass ]; then
    if [ -z "$incomplete" ] && [ "$errors" = 0 ]; then
      echo "ok $n - $name ($defs): $figs"
      states=$((states + stored))
    else
      echo "not ok $n - $name ($defs): $figs${incomplete:+ (search incomplete)}"
      sed 's/^/# /' pan.out
      # shellcheck disable=SC2086
      [ -f pool.pml.trail ] && "$spin" -t $defs pool.pml 2>&1 | sed 's/^/# /'
      bad=$((bad + 1))
    fi
  else
    what=$(grep -m 1 -e '^pan:[0-9]*: ' pan.out |
           sed -e 's/^pan:[0-9]*: //' -e 's/ (at depth [0-9]*)//')
    if [ "${errors:-0}" != 0 ] && [ -f pool.pml.trail ]; then
      # shellcheck disable=SC2086
      "$spin" -t $defs pool.pml >trail.out 2>&1
      steps=$(sed -n 's/^spin: trail ends after \([0-9]*\) steps.*/\1/p' trail.out)
      echo "ok $n - $name ($defs) fails as expected: $what; counterexample of ${steps:-?} steps (the shortest: -i), ${stored:-?} states stored, ${secs:-?} s"
      echo "#   counterexample (spin -t), events:"
      sed -n -e 's/^ *\(T[0-9]: .*\)/#     \1/p' \
             -e 's/^spin: text of failed assertion: \(.*\)/#     violated: \1/p' \
          trail.out
    else
      echo "not ok $n - $name ($defs): expected a counterexample, found none: $figs"
      sed 's/^/# /' pan.out
      bad=$((bad + 1))
    fi
  fi
  IFS=$nl
done
IFS=$oldifs
echo "# $n runs, $bad failed; $states states stored in the exhaustive runs"
[ $bad = 0 ]
