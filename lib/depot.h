/* depot.h - the idle buffers shared by all threads of a pool: a tagstack
 * of chains ("magazines"), each at most DEPOT_CHAIN_MAX slots.  A release
 * into a full thread cache moves its oldest part here in one push; a get
 * from an empty cache takes a whole chain back in one pop.
 *
 * Chains link their slots by `next`; the depot links chains by their first
 * slot's `mag_next`, which also holds the chain's length (mag_count).  A
 * closed depot (bp_pool_uninit) refuses chains: depot_put says so, and the
 * caller frees them (a cache's owner, in its section, keeps them with the
 * cache that uninit left to it: tc_depot_put).  A successful put wakes the
 * pool's waiters.
 *
 * Idle buffers on the move (taken from the depot or a cache, not yet placed
 * in a cache, the depot or a getter's hands) are counted in transit, as two
 * monotonic totals, so that a statistics read racing a move never misses
 * them: idle = count + sum(cache n) + (transit_in - transit_out), read as
 * stats.c does.  Internal. */
#ifndef BUFPOOL_DEPOT_H
#define BUFPOOL_DEPOT_H

#include "slots.h"
#include "waitq.h"

#include <stdbool.h>

#define DEPOT_CHAIN_MAX BP_POOL_CACHE_MAX

struct depot {
    tagstack          stack;       /* chains, by their first slot */
    _Atomic int64_t   count;       /* buffers in the chains */
    _Atomic uint64_t  transit_in, transit_out;
    atomic_uint       trims;       /* trims taking buffers to free */
    struct slots     *slots;
    struct waitq     *wq;          /* woken by a put */
};

BPI_HIDDEN void depot_init(struct depot *d, struct slots *s, struct waitq *wq);

/* Gives the chain first (cnt slots, 0 < cnt <= DEPOT_CHAIN_MAX, its last
 * slot's next NIL) to the depot, then wakes the waiters.  false when the
 * depot is closed: the chain stays the caller's, and what uninit did
 * before it closed the depot is visible. */
BPI_HIDDEN bool depot_put(struct depot *d, uint32_t first, unsigned cnt);

/* Gives a NIL-terminated chain of any length to the open depot, in pieces
 * of at most DEPOT_CHAIN_MAX.  Returns its length. */
BPI_HIDDEN size_t depot_put_chain(struct depot *d, uint32_t first);

/* Takes one chain (NIL when the depot is empty or closed), *cnt its
 * length, and counts it in transit. */
BPI_HIDDEN uint32_t depot_take(struct depot *d, unsigned *cnt);

/* Closes the depot; returns everything it held as one chain owned by the
 * caller, *total its length. */
BPI_HIDDEN uint32_t depot_close(struct depot *d, size_t *total);

/* In the child of a fork(), the only thread: counts the chains again and
 * forgets the moves and waits of the threads that did not follow
 * (tcache.c, fork_child). */
BPI_HIDDEN void depot_after_fork(struct depot *d);

/* n idle buffers start or end a move (see above).  Relaxed: statistics. */
static inline void depot_transit_begin(struct depot *d, size_t n)
{
    at_fetch_add_relaxed(&d->transit_in, n);
}

static inline void depot_transit_end(struct depot *d, size_t n)
{
    at_fetch_add_relaxed(&d->transit_out, n);
}

#endif
