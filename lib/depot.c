/* depot.c - the pool's shared chains of idle buffers.  See depot.h. */
#include "config.h"

#include "depot.h"

void depot_init(struct depot *d, struct slots *s, struct waitq *wq)
{
    ts_init(&d->stack);
    atomic_init(&d->count, 0);
    atomic_init(&d->transit_in, 0);
    atomic_init(&d->transit_out, 0);
    atomic_init(&d->trims, 0);
    d->slots = s;
    d->wq = wq;
}

static _Atomic uint32_t *mag_link(void *s, uint32_t i)
{
    return &slot_at(s, i)->mag_next;
}

#ifdef BP_DEBUG
/* The length of a NIL-terminated chain (the debug build's check). */
static size_t chain_len(const struct slots *s, uint32_t first)
{
    size_t n = 0;
    for (; first != NIL && n <= MAX_SLOTS; first = chain_next(s, first))
        n++;
    return n;
}
#endif

bool depot_put(struct depot *d, uint32_t first, unsigned cnt)
{
    BPI_ASSERT(cnt > 0 && cnt <= DEPOT_CHAIN_MAX);
    BPI_ASSERT(chain_len(d->slots, first) == cnt);
    struct slot *sl = slot_at(d->slots, first);
    sl->mag_count = cnt;
    /* Count first, so that idle is never under-counted (in_use = buffers -
     * idle must not go negative in a concurrent stats read).  Relaxed:
     * statistics. */
    at_fetch_add_relaxed(&d->count, cnt);
    if (!ts_push_chain(&d->stack, first, &sl->mag_next)) {
        at_fetch_sub_relaxed(&d->count, cnt);
        return false;
    }
    wq_wake(d->wq);
    return true;
}

size_t depot_put_chain(struct depot *d, uint32_t first)
{
    size_t total = 0, cnt;
    while (first != NIL) {
        uint32_t rest = chain_cut(d->slots, first, DEPOT_CHAIN_MAX, &cnt);
        bool put = depot_put(d, first, (unsigned)cnt);
        BPI_ASSERT(put);   /* the caller keeps the pool open */
        (void)put;
        total += cnt;
        first = rest;
    }
    return total;
}

uint32_t depot_take(struct depot *d, unsigned *cnt)
{
    uint32_t i = ts_pop(&d->stack, mag_link, d->slots);
    if (i != NIL) {
        *cnt = slot_at(d->slots, i)->mag_count;
        BPI_ASSERT(*cnt > 0 && *cnt <= DEPOT_CHAIN_MAX);
        BPI_ASSERT(chain_len(d->slots, i) == *cnt);
        /* In transit first, so that idle never dips. */
        depot_transit_begin(d, *cnt);
        at_fetch_sub_relaxed(&d->count, *cnt);
    }
    return i;
}

uint32_t depot_close(struct depot *d, size_t *total)
{
    uint32_t all = NIL;
    *total = 0;
    for (uint32_t m = ts_close(&d->stack); m != NIL;) {
        struct slot *sl = slot_at(d->slots, m);
        uint32_t next_chain = at_load_relaxed(&sl->mag_next);
        unsigned cnt = sl->mag_count;
        at_fetch_sub_relaxed(&d->count, cnt);
        *total += cnt;
        all = chain_prepend(d->slots, all, m, cnt);
        m = next_chain;
    }
    return all;
}

void depot_after_fork(struct depot *d)
{
    int64_t count = 0;
    for (uint32_t m = ts_idx(at_load_relaxed(&d->stack)); m < TS_CLOSED;
         m = at_load_relaxed(&slot_at(d->slots, m)->mag_next))
        count += slot_at(d->slots, m)->mag_count;
    at_store_relaxed(&d->count, count);
    at_store_relaxed(&d->transit_out, at_load_relaxed(&d->transit_in));
    at_store_relaxed(&d->trims, 0);
    wq_after_fork(d->wq);
}
