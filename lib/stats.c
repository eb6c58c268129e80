/* stats.c - statistics and the peak of in_use.  See stats.h. */
#include "config.h"

#include "stats.h"

#include <errno.h>
#include <string.h>

/* The first version's bp_pool_stats ends with peak_in_use. */
#define STATS_V0_SIZE (offsetof(bp_pool_stats, peak_in_use) + \
                       sizeof(((bp_pool_stats *)0)->peak_in_use))

void stats_init(struct stats *st, struct depot *depot, struct tc_pool *caches)
{
    atomic_init(&st->allocs, 0);
    atomic_init(&st->get_allocs, 0);
    atomic_init(&st->slow_reuses, 0);
    atomic_init(&st->failures, 0);
    atomic_init(&st->freed, 0);
    atomic_init(&st->peak, 0);
    st->depot = depot;
    st->caches = caches;
}

static int64_t idle_now(const struct stats *st)
{
    /* A chain in transit may be missed by both the place it left and the
     * place it reaches; reading the totals that left transit first and the
     * totals that entered it last counts every chain that was in transit at
     * any time during the read, so idle is never under-counted by a move
     * (and in_use never over-counted).  The depot's totals count remote
     * moves, each cache's (xin, xout) its owner's claims. */
    struct depot *d = st->depot;
    uint64_t out = at_load_relaxed(&d->transit_out);
    TC_FOR_EACH(st->caches, tc)
        out += at_load_relaxed(&tc->xout);
    int64_t idle = at_load_relaxed(&d->count);
    TC_FOR_EACH(st->caches, tc) {
        struct ring *r = at_load_acquire(&tc->ring);
        idle += tc_n(tc) + (r ? (int64_t)ring_count(r) : 0);
    }
    uint64_t in = at_load_relaxed(&d->transit_in);
    TC_FOR_EACH(st->caches, tc)
        in += at_load_relaxed(&tc->xin);
    return idle + (int64_t)(in - out);
}

/* Buffers allocated and how many of them are idle; *allocs the count read.
 * allocs is read first and freed last, so buffers is never over-counted
 * (an allocation under way is not counted until it succeeded), and
 * idle_now() never under-counts, so it may exceed the buffers; it is then
 * clamped, so that in_use + idle <= buffers <= allocs. */
static void count_now(const struct stats *st, uint64_t *allocs,
                      int64_t *buffers, int64_t *idle)
{
    *allocs = at_load_relaxed(&st->allocs);
    *idle = idle_now(st);
    *buffers = (int64_t)(*allocs - at_load_relaxed(&st->freed));
    if (*buffers < 0)
        *buffers = 0;
    if (*idle > *buffers)
        *idle = *buffers;
    if (*idle < 0)
        *idle = 0;
}

static int64_t in_use_now(const struct stats *st)
{
    uint64_t allocs;
    int64_t buffers, idle;
    count_now(st, &allocs, &buffers, &idle);
    return buffers - idle;
}

size_t stats_idle(const struct stats *st)
{
    uint64_t allocs;
    int64_t buffers, idle;
    count_now(st, &allocs, &buffers, &idle);
    return (size_t)idle;
}

/* Pops a cache may still do without a peak check (never negative). */
static int64_t tc_credit(struct tcache *tc)
{
    int64_t c = (int64_t)tc_n(tc) - at_load_relaxed(&tc->lw);
    return c > 0 ? c : 0;
}

/* The same for what claims may take from a ring. */
static int64_t ring_credit(struct ring *r)
{
    int64_t c = (int64_t)ring_count(r) - at_load_relaxed(&r->lw);
    return c > 0 ? c : 0;
}

/* A check destroys any excess credit held by the other holders (there is
 * excess exactly when in_use grew), moves half of what is left to the one
 * that ran out (s, or the ring sr), and touches the others only then, so a
 * thread that releases what it gets (the common case) never checks again,
 * and neither does a producer that claims from its consumer's ring. */
void peak_check(struct stats *st, struct tcache *s, struct ring *sr)
{
    int64_t in_use = in_use_now(st);
    size_t peak = at_load_relaxed(&st->peak);
    /* Release: a stats read that sees this peak reads allocs after ours
     * (stats_get). */
    while ((size_t)in_use > peak &&
           !at_cas_weak_release(&st->peak, &peak, (size_t)in_use))
        ;
    if ((size_t)in_use > peak)
        peak = (size_t)in_use;
    int64_t budget = (int64_t)peak - in_use, others = 0;
    TC_FOR_EACH(st->caches, t) {
        struct ring *r = at_load_acquire(&t->ring);
        if (t != s)
            others += tc_credit(t);
        if (r && r != sr)
            others += ring_credit(r);
    }
    int64_t excess = others > budget ? others - budget : 0;
    int64_t move = s || sr ? (others - excess) / 2 : 0;
    int64_t take = excess + move;
    TC_FOR_EACH(st->caches, t) {
        if (take <= 0)
            break;
        int64_t c = t == s ? 0 : tc_credit(t);
        if (c > take)
            c = take;
        if (c > 0) {
            tc_set_lw(t, at_load_relaxed(&t->lw) + c);
            take -= c;
        }
        struct ring *r = at_load_acquire(&t->ring);
        c = r && r != sr ? ring_credit(r) : 0;
        if (c > take)
            c = take;
        if (c > 0) {
            at_fetch_add_relaxed(&r->lw, c);
            take -= c;
        }
    }
    int64_t give = (budget > others ? budget - others : 0) + move;
    if (s)
        tc_set_lw(s, (int64_t)tc_n(s) - give);
    else if (sr)
        at_store_relaxed(&sr->lw, (int64_t)ring_count(sr) - give);
}

int stats_get(const struct stats *st, bp_pool_stats *out)
{
    if (!out || out->struct_size < STATS_V0_SIZE)
        return -EINVAL;
    bp_pool_stats v;
    memset(&v, 0, sizeof(v));
    uint64_t reuses = at_load_relaxed(&st->slow_reuses);
    TC_FOR_EACH(st->caches, tc)
        reuses += tc_pops(tc);
    v.reuses = reuses;
    v.failures = at_load_relaxed(&st->failures);
    v.gets = reuses + v.failures + at_load_relaxed(&st->get_allocs);
    /* Acquire, then allocs: at least the allocs the peak was computed from
     * (peak_check), so peak_in_use <= allocs. */
    size_t peak = at_load_acquire(&st->peak);
    int64_t buffers, idle;
    count_now(st, &v.allocs, &buffers, &idle);
    v.idle = (size_t)idle;
    v.in_use = (size_t)(buffers - idle);
    v.peak_in_use = peak > v.in_use ? peak : v.in_use;
    v.struct_size = out->struct_size;
    bpi_struct_out(out, out->struct_size, &v, sizeof(v));
    return 0;
}
