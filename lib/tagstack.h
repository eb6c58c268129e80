/* tagstack.h - a lock-free LIFO of 28-bit indices with an ABA tag (a
 * Treiber stack, as Concurrency Kit's ck_stack with a generation count).
 *
 * The head is one 64-bit word: the top index (low TS_IDX_BITS bits) and
 * above it a tag that every pop increments, so that a pop whose head was
 * popped and pushed back meanwhile fails its CAS instead of installing a
 * stale link.  A single-word CAS suffices on every 64-bit target.
 *
 * Entries are linked through a 32-bit link word the caller chooses (the
 * link() argument of ts_pop), which must stay readable after its entry
 * left the stack: a pop racing another may read a stale link, never freed
 * memory, and its CAS then fails.  A closed stack (ts_close) refuses
 * pushes and pops nothing.  Internal. */
#ifndef BUFPOOL_TAGSTACK_H
#define BUFPOOL_TAGSTACK_H

#include "atomic.h"

#include <stdbool.h>
#include <stdint.h>

#define TS_IDX_BITS 28
#define TS_IDX_MASK ((1u << TS_IDX_BITS) - 1)
#define TS_NIL      TS_IDX_MASK          /* the empty stack; end of a chain */
#define TS_CLOSED   (TS_IDX_MASK - 1)    /* a closed stack */
#define TS_TAG_ONE  ((uint64_t)1 << TS_IDX_BITS)

typedef _Atomic uint64_t tagstack;

/* The entry i's link word. */
typedef _Atomic uint32_t *(*ts_link_fn)(void *ctx, uint32_t i);

static inline uint32_t ts_idx(uint64_t h) { return (uint32_t)(h & TS_IDX_MASK); }

static inline void ts_init(tagstack *s) { atomic_init(s, (uint64_t)TS_NIL); }

/* Pushes first..last, a chain the caller already linked (last_link is the
 * last entry's link word).  false, and nothing pushed, when the stack is
 * closed. */
static inline bool ts_push_chain(tagstack *s, uint32_t first,
                                 _Atomic uint32_t *last_link)
{
    /* Relaxed: the CAS re-validates it. */
    uint64_t h = at_load_relaxed(s);
    do {
        if (ts_idx(h) == TS_CLOSED) {
            /* Acquire: what the closer did before ts_close is visible. */
            at_fence_acquire();
            return false;
        }
        at_store_relaxed(last_link, ts_idx(h));
        /* seq_cst (release at least): publishes the entries and their
         * links; seq_cst also orders the push against the waiters' "announce,
         * then retry" (waitq.h). */
    } while (!at_cas_weak_seq_cst(s, &h, (h & ~(uint64_t)TS_IDX_MASK) | first));
    return true;
}

/* Pops the top entry; TS_NIL when the stack is empty or closed. */
static inline uint32_t ts_pop(tagstack *s, ts_link_fn link, void *ctx)
{
    /* seq_cst (acquire at least): pairs with ts_push_chain. */
    uint64_t h = at_load_seq_cst(s);
    for (;;) {
        uint32_t i = ts_idx(h);
        if (i >= TS_CLOSED)
            return TS_NIL;
        /* Relaxed, speculative: a stale value makes the CAS fail. */
        uint32_t next = at_load_relaxed(link(ctx, i));
        uint64_t nh = ((h & ~(uint64_t)TS_IDX_MASK) + TS_TAG_ONE) | next;
        if (at_cas_weak_seq_cst(s, &h, nh))
            return i;
    }
}

/* Closes the stack and returns what was on it (the top index, TS_NIL when
 * empty), which the caller now owns. */
static inline uint32_t ts_close(tagstack *s)
{
    /* seq_cst: a push either lands before this (and is returned here) or
     * sees the stack closed. */
    uint32_t top = ts_idx(at_xchg_seq_cst(s, (uint64_t)TS_CLOSED));
    return top == TS_CLOSED ? TS_NIL : top;
}

#endif
