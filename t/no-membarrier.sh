#!/bin/sh
# The general path: with BUFPOOL_NO_MEMBARRIER set, no pool uses the
# get/release fast paths (t/test_pool_modes checks that), and the pool
# tests pass all the same.  TAP: one line per program; a failing program's
# own TAP output is shown as comments.
: "${top_builddir:?}"
export BUFPOOL_NO_MEMBARRIER=1
n=0 fail=0
for prog in test_pool_modes test_pool test_pool_threads test_pool_tcache \
            test_pool_cap test_buffer; do
  n=$((n + 1))
  if out=$("$top_builddir/t/$prog" 2>&1); then
    echo "ok $n - t/$prog passes with BUFPOOL_NO_MEMBARRIER=1"
  else
    echo "not ok $n - t/$prog fails with BUFPOOL_NO_MEMBARRIER=1"
    printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/# /'
    fail=1
  fi
done
echo "1..$n"
exit $fail
