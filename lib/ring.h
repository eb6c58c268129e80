/* ring.h - the shared half of a thread cache: a bounded single-producer,
 * multi-consumer ring of idle slots.  Its owner pushes the buffers it
 * releases beyond its private items (all of them, while it only releases);
 * any thread claims the oldest, a batch with one compare-and-swap on head,
 * so that a getter takes another thread's releases without a handshake.
 *
 *   head <= tail <= head + RING_N;  e[head .. tail) idle (indices mod RING_N)
 *   tail: written by the owner only (one line);  head: by claimers (another)
 *   credit (stats.h) = tail - head - lw
 *
 * An entry is read before the claim's compare-and-swap and may be
 * overwritten meanwhile, but only once head has moved past it, and then the
 * compare-and-swap fails.  Internal. */
#ifndef BUFPOOL_RING_H
#define BUFPOOL_RING_H

#include "slots.h"

#include <stdbool.h>

#define RING_N 256

struct ring {
    alignas(128) _Atomic uint64_t tail;
    uint64_t         head_seen;   /* the owner's last view of head */
    alignas(128) _Atomic uint64_t head;
    _Atomic int64_t  lw;          /* peak mark (stats.h) */
    alignas(128) _Atomic(struct slot *) e[RING_N];
};

/* Owner only: appends sl; false when the ring is full. */
static inline bool ring_push(struct ring *r, struct slot *sl)
{
    uint64_t t = at_load_relaxed(&r->tail);
    if (t - r->head_seen >= RING_N) {
        /* Acquire: the claimers' reads of the entries we overwrite next
         * happened before their head update. */
        r->head_seen = at_load_acquire(&r->head);
        if (t - r->head_seen >= RING_N)
            return false;
    }
    /* Relaxed, then release: a claimer that sees the new tail (acquire)
     * sees the entry and what the releaser did to the buffer. */
    at_store_relaxed(&r->e[t % RING_N], sl);
    at_store_release(&r->tail, t + 1);
    return true;
}

/* Any thread: claims the oldest entries into out[]: most (>= k) when the
 * ring holds at least four times that many, else k (>= 1), all there if
 * fewer; returns how many (0: empty) and *left, how many it left behind.  When
 * xin is not NULL, the claimed buffers beyond the first are added to *xin
 * (a counter only the caller writes) before they leave the ring, and to
 * *xout if the claim fails; the caller adds them to *xout once placed
 * (stats.c counts idle buffers in transit so). */
static inline unsigned ring_claim(struct ring *r, struct slot **out,
                                  unsigned k, unsigned most,
                                  _Atomic uint64_t *xin,
                                  _Atomic uint64_t *xout, uint64_t *left)
{
    /* Relaxed: the compare-and-swap validates it. */
    uint64_t h = at_load_relaxed(&r->head);
    for (;;) {
        /* Acquire: pairs with ring_push's release of tail. */
        uint64_t t = at_load_acquire(&r->tail);
        if (t <= h)
            return 0;
        uint64_t avail = t - h;
        unsigned want = avail >= 4 * (uint64_t)most ? most : k;
        unsigned n = avail < want ? (unsigned)avail : want;
        for (unsigned i = 0; i < n; i++)
            out[i] = at_load_relaxed(&r->e[(h + i) % RING_N]);
        if (xin && n > 1)
            at_store_relaxed(xin, at_load_relaxed(xin) + n - 1);
        /* Release: our reads of the entries happen-before the owner's
         * overwrite (it loads head with acquire). */
        if (at_cas_weak_release(&r->head, &h, h + n)) {
            *left = t - h - n;
            return n;
        }
        if (xin && n > 1)
            at_store_relaxed(xout, at_load_relaxed(xout) + n - 1);
    }
}

/* Idle buffers in r: head read first, so the snapshot never undercounts
 * what was there throughout the call. */
static inline uint64_t ring_count(struct ring *r)
{
    uint64_t h = at_load_relaxed(&r->head);
    uint64_t t = at_load_relaxed(&r->tail);
    return t > h ? t - h : 0;
}

#endif
