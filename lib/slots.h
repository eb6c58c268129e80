/* slots.h - where a pool's buffers live: numbered slots in a table of
 * segments, the list of empty slots, and chains of slots.
 *
 * A slot is a buffer's home: its bp_buffer header (refcount, first ref),
 * two link words and where its data came from.  Slot i lives in segment b
 * = log2(i / 64 + 1), which holds 64 << b slots; segments are allocated on
 * demand and never freed or moved while the pool lives, so a slot's link
 * words stay readable for ever (tagstack.h needs that).  A slot whose data
 * was freed (trim) goes on the empty list and is reused first.
 *
 * A chain is a NIL-terminated list of slots linked by `next`, owned by one
 * thread at a time (a cache's flush, the depot's entries, a collect).
 * Internal. */
#ifndef BUFPOOL_SLOTS_H
#define BUFPOOL_SLOTS_H

#include "buffer.h"
#include "platform.h"
#include "tagstack.h"

#include <stdalign.h>
#include <stddef.h>

#define NSEG      22                    /* segment b holds 64 << b slots */
#define MAX_SLOTS ((uint32_t)BP_POOL_MAX_BUFFERS)
#define NIL       TS_NIL

/* 128 bytes, aligned: slots of buffers held by different threads must not
 * share a cache line (or an adjacent-line prefetch pair), or every get and
 * release would bounce it. */
struct slot {
    alignas(128) bp_buffer buf;
    bp_ref          *inner;      /* what the pool's alloc callback returned */
    void            *mem;        /* the library's own allocation */
    _Atomic uint32_t next;       /* link in a chain or the empty list */
    _Atomic uint32_t mag_next;   /* link between chains (depot.h) */
    uint32_t         mag_count;  /* chain length, on a chain's first slot */
    uint32_t         idx;        /* this slot's number */
};

/* One pool's slots. */
struct slots {
    _Atomic(struct slot *) seg[NSEG];
    tagstack         empty;      /* slots without data, linked by next */
    _Atomic uint32_t nslots;     /* numbers handed out so far */
};

/* Fresh slot numbers reserved for one thread (a run of SLOT_RUN). */
struct slot_run {
    uint32_t next, end;
};

static inline unsigned seg_of(uint32_t idx, uint32_t *off)
{
    uint32_t v = (idx >> 6) + 1;
    unsigned b = 31u - (unsigned)bpi_clz32(v);
    *off = idx - (((1u << b) - 1) << 6);
    return b;
}

static inline struct slot *slot_at(const struct slots *s, uint32_t idx)
{
    uint32_t off;
    unsigned b = seg_of(idx, &off);
    BPI_ASSERT(idx < at_load_relaxed(&((struct slots *)s)->nslots));
    /* Acquire: pairs with the release that installed the segment. */
    return at_load_acquire(&((struct slots *)s)->seg[b]) + off;
}

static inline struct slot *slot_of(bp_buffer *b)
{
    return (struct slot *)(void *)((char *)b - offsetof(struct slot, buf));
}

/* The slot after i in its chain (NIL at the end). */
static inline uint32_t chain_next(const struct slots *s, uint32_t i)
{
    /* Relaxed: a chain is owned by one thread; it came with an acquire. */
    return at_load_relaxed(&slot_at(s, i)->next);
}

static inline void chain_link(struct slot *sl, uint32_t next)
{
    at_store_relaxed(&sl->next, next);
}

/* Initialises an empty slot table. */
BPI_HIDDEN void slots_init(struct slots *s);

/* Frees the segments (the pool is gone; no slot holds data). */
BPI_HIDDEN void slots_fini(struct slots *s);

/* A slot without data: an empty one, else a fresh number (from run when it
 * has one left; run may be NULL), its segment allocated if need be.  Its
 * idx is set, the rest is as the last owner left it.  NULL with errno
 * ENOMEM when the table is full or a segment cannot be allocated. */
BPI_HIDDEN struct slot *slots_new(struct slots *s, struct slot_run *run);

/* Bytes of the segments allocated so far. */
BPI_HIDDEN size_t slots_bytes(const struct slots *s);

/* Puts a slot whose data was freed on the empty list. */
BPI_HIDDEN void slots_free(struct slots *s, struct slot *sl);

/* Links the slots of the chain first (cnt slots) before all; returns
 * first. */
BPI_HIDDEN uint32_t chain_prepend(const struct slots *s, uint32_t all,
                                  uint32_t first, size_t cnt);

/* Cuts the chain first after at most max slots: returns the rest (NIL if
 * none) and the first part's length in *cnt. */
BPI_HIDDEN uint32_t chain_cut(const struct slots *s, uint32_t first,
                              size_t max, size_t *cnt);

#endif
