/* pool.h - struct bp_pool, and the release fast path, inline because
 * bp_unref() (buffer.c) is where a release starts.  See pool.c.
 * Internal. */
#ifndef BUFPOOL_POOL_H
#define BUFPOOL_POOL_H

#include "checkers.h"
#include "stats.h"

/* In bp_pool.flags, with the BP_POOL_* ones: checkers are on (check != 0),
 * so that a hand-out tests one word for its per-buffer work. */
#define POOL_CHECKED (1u << 31)

struct bp_pool {
    /* Read-mostly: the caches (first: the fast paths read caches.arr), the
     * waiters (written only when a get waits), the configuration. */
    struct tc_pool caches;
    struct waitq   wq;
    size_t         size, alloc_size, align, min, max;
    size_t         data_align;     /* the alloc callback's data must be
                                      aligned to it (1: any) */
    unsigned       flags;          /* BP_POOL_*, and POOL_CHECKED */
    unsigned       check;          /* the checkers, at creation (checkers.h) */
    bp_alloc_fn    alloc;
    bp_ref      *(*alloc1)(size_t size);
    void          *opaque;
    void         (*reset)(void *opaque, uint8_t *data, size_t size);
    void         (*pool_free)(void *opaque);
    struct slots   slots;
    /* Slow-path shared state, apart from the read-mostly part. */
    alignas(128) struct depot depot;
    alignas(128) _Atomic uint64_t refs; /* buffers + 1, pins (stats.h) */
    struct stats   stats;
};

/* The general case of a release (reset/poison, no cache yet, items full,
 * the owner only releases, cache in remote use, pool shared or closed). */
BPI_HIDDEN void bpi_release_slow(bp_pool *p, bp_buffer *b);

/* Returns a pool buffer whose last reference was dropped. */
BPI_HIDDEN void bpi_pool_release(bp_buffer *b);

/* Gives b back to its pool p.  It calls nothing but tail calls, so neither
 * it nor bp_unref needs a stack frame.  The cap gate is closed where the
 * fast part may not run (tcache.h): then it goes on to bpi_release_slow.
 * No waiter check: only a shared pool has waiters, and its gates are
 * closed. */
static inline void pool_release(bp_pool *p, bp_buffer *b)
{
    /* An idle buffer is ready to hand out as it is (pool.c, hand_out):
     * the whole buffer.  Compared first, so that a release writes no line
     * of the slot unless its holder narrowed the ref. */
    if (bpi_unlikely(b->self.data != b->data || b->self.size != b->size)) {
        b->self.data = b->data;
        b->self.size = b->size;
    }
    struct tcache *tc = tc_mine(&p->caches);
    tc_begin(tc, TC_FAST_LIGHT);
    /* The cap is the Dekker load, like the floor in bp_pool_get: seq_cst,
     * and n after it. */
    unsigned cap = at_load_seq_cst(&tc->cap);
    uint64_t np = at_load_relaxed(&tc->np);
    if (bpi_unlikely((np & NP_N) >= cap)) {
        tc_leave(tc);
        bpi_release_slow(p, b);
        return;
    }
    tc_put(tc, slot_of(b), np);
    tc_leave(tc);
}

#endif
