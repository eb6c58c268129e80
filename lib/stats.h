/* stats.h - a pool's statistics: counters, and in_use and its peak
 * computed from the shards instead of a shared counter.
 *
 *   buffers = allocs - freed    (never a buffer whose allocation is under
 *                                way: in_use <= peak_in_use <= allocs)
 *   idle    = min(buffers, depot count + sum(cache n + ring count)
 *                          + in transit)
 *   in_use  = buffers - idle
 *   gets    = reuses + allocs made by gets + failures
 *
 * The peak without a global counter: each cache's items and each ring
 * have a mark lw, and their credit (n or count) - lw is how many buffers
 * may leave them without a check.  Releases add credit where they put the
 * buffer, gets spend it where they take it from (a pop, a claim), moves
 * between holders carry it along, so in_use + sum(credits) stays constant
 * between checks; peak_check keeps that sum at most peak - in_use, so
 * in_use cannot pass the peak unseen.  A holder that spends its credit
 * runs peak_check (the get fast path's floor is max(lw, 0), which tests
 * "not empty" and "no check due" at once).
 * Relaxed throughout: exact when operations do not overlap; within the
 * operations in flight otherwise.  Internal. */
#ifndef BUFPOOL_STATS_H
#define BUFPOOL_STATS_H

#include "tcache.h"

/* The pool's refs word: below REFS_PIN, buffers allocated (or being
 * allocated) + 1 for the handle; above, pins (pool.c: a release that
 * still needs the pool after its buffer may have been freed).  The pool is
 * destroyed when the whole word reaches 0. */
#define REFS_PIN ((uint64_t)1 << 40)

static inline uint64_t refs_buffers(uint64_t refs)
{
    return refs & (REFS_PIN - 1);
}

struct stats {
    _Atomic uint64_t allocs;       /* buffers allocated, min_buffers too */
    _Atomic uint64_t get_allocs;   /* ... of which by a get */
    _Atomic uint64_t slow_reuses;  /* gets served outside a cache pop */
    _Atomic uint64_t failures;     /* gets that returned NULL */
    _Atomic uint64_t freed;        /* buffers freed by trim */
    _Atomic size_t   peak;         /* highest in_use seen by a check */
    /* What idle is computed from. */
    struct depot    *depot;
    struct tc_pool  *caches;
};

BPI_HIDDEN void stats_init(struct stats *st, struct depot *depot,
                           struct tc_pool *caches);

/* Relaxed: statistics. */
static inline void stats_count(_Atomic uint64_t *counter)
{
    at_fetch_add_relaxed(counter, 1);
}

/* Recomputes in_use, raises the peak, and rebalances the credits (see
 * above).  s: the cache whose items' credit ran out, or sr: the ring whose
 * credit ran out, NULL for none. */
BPI_HIDDEN void peak_check(struct stats *st, struct tcache *s,
                           struct ring *sr);

/* Idle buffers now (as in bp_pool_get_stats). */
BPI_HIDDEN size_t stats_idle(const struct stats *st);

/* bp_pool_get_stats(): fills out (struct_size bytes of it). */
BPI_HIDDEN int stats_get(const struct stats *st, bp_pool_stats *out);

#endif
