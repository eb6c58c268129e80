/* slots.c - the slot table of a pool.  See slots.h. */
#include "config.h"

#include "slots.h"
#include "checkers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((uint64_t)64 * ((1u << NSEG) - 1) == BP_POOL_MAX_BUFFERS,
               "segments cover exactly BP_POOL_MAX_BUFFERS slots");
_Static_assert(BP_POOL_MAX_BUFFERS < TS_CLOSED, "slot numbers below CLOSED");
_Static_assert(sizeof(struct slot) == 128, "a slot is two cache lines");

/* Fresh slot numbers go to a thread in runs of SLOT_RUN, so that slots of
 * buffers made by different threads are not neighbours (DESIGN.md, "Slot
 * runs": prefetchers). */
#define SLOT_RUN 16
_Static_assert(64 % SLOT_RUN == 0 && MAX_SLOTS % SLOT_RUN == 0,
               "a run never crosses a segment or the end");

void slots_init(struct slots *s)
{
    for (unsigned b = 0; b < NSEG; b++)
        atomic_init(&s->seg[b], NULL);
    ts_init(&s->empty);
    atomic_init(&s->nslots, 0);
}

void slots_fini(struct slots *s)
{
    for (unsigned b = 0; b < NSEG; b++)
        free(at_load_relaxed(&s->seg[b]));
}

size_t slots_bytes(const struct slots *s)
{
    size_t bytes = 0;
    for (unsigned b = 0; b < NSEG; b++)
        if (at_load_acquire(&((struct slots *)s)->seg[b]))
            bytes += ((size_t)64 << b) * sizeof(struct slot);
    return bytes;
}

static _Atomic uint32_t *empty_link(void *s, uint32_t i)
{
    return &slot_at(s, i)->next;
}

/* Makes sure the segment of slot number n exists.  0 or -ENOMEM. */
static int seg_make(struct slots *s, uint32_t n)
{
    uint32_t off;
    unsigned b = seg_of(n, &off);
    if (at_load_acquire(&s->seg[b]))
        return 0;
    size_t bytes = ((size_t)64 << b) * sizeof(struct slot);
    /* Other threads' buffers will live here: making it is no access of
     * ours to them (checkers.h). */
    ck_fresh_begin();
    struct slot *seg = bpi_aligned_alloc(alignof(struct slot), bytes);
    if (seg)
        memset(seg, 0, bytes);
    ck_fresh_end(seg, seg ? bytes : 0);
    if (!seg)
        return -ENOMEM;
    struct slot *none = NULL;
    /* Release: publishes the zeroed segment to slot_at(). */
    if (!at_cas_strong_acq_rel(&s->seg[b], &none, seg))
        free(seg);
    return 0;
}

struct slot *slots_new(struct slots *s, struct slot_run *run)
{
    uint32_t n = ts_pop(&s->empty, empty_link, s);
    if (n != NIL)
        return slot_at(s, n);
    if (run && run->next < run->end) {
        n = run->next++;        /* its segment was made with the run */
    } else {
        /* Relaxed: nslots only hands out distinct numbers; segments are
         * published separately. */
        uint32_t end;
        n = at_load_relaxed(&s->nslots);
        do {
            if (n >= MAX_SLOTS || seg_make(s, n) < 0) {
                errno = ENOMEM;
                return NULL;
            }
            /* A thread with a run takes the rest of the current one. */
            end = run ? (n | (SLOT_RUN - 1)) + 1 : n + 1;
        } while (!at_cas_weak_relaxed(&s->nslots, &n, end));
        if (run) {
            run->next = n + 1;
            run->end = end;
        }
    }
    struct slot *sl = slot_at(s, n);
    sl->idx = n;
    return sl;
}

void slots_free(struct slots *s, struct slot *sl)
{
    ts_push_chain(&s->empty, sl->idx, &sl->next);
}

uint32_t chain_prepend(const struct slots *s, uint32_t all, uint32_t first,
                       size_t cnt)
{
    BPI_ASSERT(cnt > 0);
    struct slot *end = slot_at(s, first);
    for (size_t k = 1; k < cnt; k++)
        end = slot_at(s, at_load_relaxed(&end->next));
    chain_link(end, all);
    return first;
}

uint32_t chain_cut(const struct slots *s, uint32_t first, size_t max,
                   size_t *cnt)
{
    size_t n = 0;
    struct slot *last = NULL;
    uint32_t i = first;
    while (i != NIL && n < max) {
        last = slot_at(s, i);
        i = at_load_relaxed(&last->next);
        n++;
    }
    if (last)
        chain_link(last, NIL);
    *cnt = n;
    return i;
}
