/* pool.c - the lock-free buffer pool.
 *
 * Design
 * ------
 * Every buffer the pool allocates lives in a *slot* (pool_internal.h): the
 * bp_buffer header (refcount, embedded bp_ref), link words, and a pointer
 * to the data.  Slots are numbered; the slot table is a list of segments of
 * doubling size, allocated on demand and never freed or moved while the pool
 * lives.  Freeing a buffer (trim) frees its data and puts the slot on an
 * "empty" list for reuse, so a slot's link words stay readable forever: a
 * thread that races a pop may read a stale link, never freed memory.
 *
 * Idle buffers are kept in two levels:
 *   - a *thread cache* per (thread, pool) (tcache.c): an array of up to
 *     cache_max slots (min(63, max(8, 4 MiB / size))), used by its owner
 *     thread with plain loads and stores - no atomic read-modify-write, no
 *     shared cache line - inside a critical section marked by a busy
 *     flag.  Get pops the most recently released buffer (LIFO,
 *     cache-warm); release pushes.
 *   - the *depot*: a lock-free stack of whole chains ("magazines") shared by
 *     all threads.  A release into a full cache moves its oldest half to
 *     the depot in one push; a get from an empty cache takes a whole chain
 *     back in one pop.
 * A get that finds its cache and the depot empty allocates, unless the pool
 * is at max_buffers: then it first *collects* the buffers cached by other
 * threads (through the handshake below).  So the pool holds at most
 * peak_in_use + threads x cache_max buffers (the documented slack), and at
 * the cap it never fails or waits while another thread caches an idle
 * buffer.  Trim
 * and uninit collect the same way, so they reach the buffers cached for
 * threads that never come back; a thread that exits gives its cache back
 * to the depot, and its cache is adopted by the next new thread.
 *
 * The owner/remote handshake (Dekker with an asymmetric fence): the owner
 * stores busy = 1, then loads req; a remote stores req, then (when
 * bpi_light) runs bpi_heavy_barrier() - Linux membarrier, which makes every
 * running thread of the process execute a full barrier - and loads busy.
 * Either the owner sees req and leaves the cache alone (it then uses the
 * depot), or the remote sees busy and waits for the owner's short critical
 * section to end.  Under ThreadSanitizer both sides use seq_cst instead.
 *
 * The fast paths (bp_pool_get, and pool_release inlined into bp_unref) are
 * a few dozen instructions with no call, no fence and no atomic
 * read-modify-write.  They find this thread's cache in a small TLS table by
 * a key the pool stores (tl_key), which is the pool's id only when the fast
 * paths apply: in light mode (or under TSan) and for pools with no
 * per-buffer work (ZERO, POISON, reset); otherwise it matches nothing and
 * every operation takes the general path, which does the same with
 * tc_enter.  Instead of req, each fast path loads one "gate" word that also
 * carries its own limit: a get pops while n > floor (the peak mark, below),
 * a release pushes while n < cap (cache_max); a remote closes both gates
 * right after setting req (tc_block) and opens them before clearing it.
 * n shares a word with the cache's count of gets (np), so a get updates
 * both with one add.  Without membarrier (old kernels, seccomp, or
 * BUFPOOL_NO_MEMBARRIER) owners would need a seq_cst store, so there are no
 * fast paths at all: correct, about 2.5 times the cost per operation.
 *
 * The depot and the empty list are stacks of slot numbers whose head is one
 * 64-bit word changed by compare-and-swap: a 28-bit slot number (NIL empty,
 * CLOSED after uninit) and a 36-bit tag that every pop increments, so a pop
 * whose head was popped and pushed back meanwhile (ABA) fails its CAS
 * instead of installing a stale link.  A single-word CAS suffices on x86-64
 * and aarch64.
 *
 * Memory orders
 * -------------
 * - Depot/empty push CAS: seq_cst (release is what publishes the slot and
 *   its link; seq_cst also orders it against the waiter handshake); pop
 *   CAS: seq_cst (acquire pairs with the push).  Link reads before a pop's
 *   CAS are relaxed: a stale value makes that CAS fail.
 * - Thread caches: see tc_begin, tc_block/tc_unblock and bpi_tc_collect.
 * - Statistics and peak-tracking marks are relaxed: they order nothing and
 *   are exact once the operations that changed them completed.
 * - refs (buffers + handle) and waiters are seq_cst where a "publish, then
 *   check the other side" pair must not miss both ways.
 *
 * Waiting (bp_pool_get_timeout at max_buffers): a waiter bumps `waiters`,
 * reads wake_seq, re-tries (which collects every cache through the
 * handshake and reads the depot), then sleeps on wake_seq.  A release into
 * a cache loads `waiters` inside its critical section; a release into the
 * depot loads it after its seq_cst push.  Either the waiter's re-try sees
 * the buffer, or the releaser sees the waiter and wakes it.
 *
 * Lifetime: `refs` counts allocated buffers plus one for the user's handle.
 * bp_pool_uninit sets `closed`, closes every thread cache (REQ_CLOSED) and
 * the depot (CLOSED), frees what was idle and drops the handle.  A release
 * after that finds its cache or the depot closed and frees its buffer
 * itself; whoever drops refs to zero destroys the pool.  A releaser never
 * touches the pool after leaving its critical section or after a
 * successful depot push, because the pool may be destroyed at once.
 *
 * peak_in_use without a global counter: each cache has a mark `lw`; a pop
 * that takes its count below lw, and every slow path, recomputes in_use
 * from the shards and raises the peak (see peak_check for the credit
 * scheme).  The peak is exact when operations do not overlap; in steady
 * state no check runs.  The get fast path compares n with floor =
 * max(lw, 0), which tests "not empty" and "no check due" at once.
 */
#include "config.h"

#include "pool_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(BP_POOL_CACHE_MAX == 63, "CACHE_MAX is 63");
_Static_assert((uint64_t)64 * ((1u << NSEG) - 1) == BP_POOL_MAX_BUFFERS,
               "segments cover exactly BP_POOL_MAX_BUFFERS slots");
_Static_assert(BP_POOL_MAX_BUFFERS < CLOSED, "slot numbers below CLOSED");
_Static_assert(sizeof(struct slot) == 128, "a slot is two cache lines");

static atomic_uint_fast64_t pool_counter;

/* Tagged stack of single slots or chains (depot, empty list). */
static void stack_push(_Atomic uint64_t *head, struct slot *sl,
                       _Atomic uint32_t *link)
{
    /* Relaxed load: the CAS below re-validates it. */
    uint64_t h = atomic_load_explicit(head, memory_order_relaxed);
    do {
        atomic_store_explicit(link, h_idx(h), memory_order_relaxed);
        /* seq_cst (release at least): publishes the slot and its link. */
    } while (!atomic_compare_exchange_weak_explicit(
                 head, &h, (h & ~(uint64_t)IDX_MASK) | sl->idx,
                 memory_order_seq_cst, memory_order_relaxed));
}

/* Pops one entry; NIL when empty or closed.  depot: link by mag_next. */
static uint32_t stack_pop(bp_pool *p, _Atomic uint64_t *head, bool depot)
{
    /* seq_cst (acquire at least): pairs with stack_push. */
    uint64_t h = atomic_load_explicit(head, memory_order_seq_cst);
    for (;;) {
        uint32_t i = h_idx(h);
        if (i >= CLOSED)
            return NIL;
        struct slot *sl = slot_at(p, i);
        uint32_t nx = atomic_load_explicit(depot ? &sl->mag_next : &sl->next,
                                           memory_order_relaxed);
        uint64_t nh = ((h & ~(uint64_t)IDX_MASK) + TAG_ONE) | nx;
        if (atomic_compare_exchange_weak_explicit(head, &h, nh,
                                                  memory_order_seq_cst,
                                                  memory_order_seq_cst))
            return i;
    }
}

/* Claims a slot number and makes sure its segment exists. */
/* Fresh slot numbers are handed to a thread in runs of SLOT_RUN, so that the
 * slots of buffers made by different threads are not neighbours: hardware
 * prefetchers follow a thread's stride through its slots into the next
 * ones, and when those were another thread's, every get and release of
 * both threads paid for the line moving between cores (measured: two
 * threads on one pool ran at half the speed of two threads on two pools). */
#define SLOT_RUN 16
_Static_assert(64 % SLOT_RUN == 0 && MAX_SLOTS % SLOT_RUN == 0,
               "a run never crosses a segment or the end");

static struct slot *slot_new(bp_pool *p, struct tcache *tc)
{
    uint32_t i = stack_pop(p, &p->empty, false);
    if (i != NIL)
        return slot_at(p, i);
    uint32_t n, end = 0;
    if (tc && tc->fresh_next < tc->fresh_end) {
        n = tc->fresh_next++;   /* its segment exists: made with the run */
        goto init;
    }
    /* Relaxed: nslots only hands out distinct numbers; the segment is
     * published separately. */
    n = atomic_load_explicit(&p->nslots, memory_order_relaxed);
    for (;;) {
        if (n >= MAX_SLOTS) {
            errno = ENOMEM;
            return NULL;
        }
        uint32_t off;
        unsigned b = seg_of(n, &off);
        if (!atomic_load_explicit(&p->seg[b], memory_order_acquire)) {
            size_t bytes = ((size_t)64 << b) * sizeof(struct slot);
            struct slot *seg = bpi_aligned_alloc(alignof(struct slot), bytes);
            if (!seg) {
                errno = ENOMEM;
                return NULL;
            }
            memset(seg, 0, bytes);
            struct slot *expected = NULL;
            /* Release: publishes the zeroed segment to slot_at(). */
            if (!atomic_compare_exchange_strong_explicit(
                    &p->seg[b], &expected, seg, memory_order_acq_rel,
                    memory_order_acquire))
                free(seg);
        }
        /* A thread with a cache takes the rest of the current run. */
        end = tc ? (n | (SLOT_RUN - 1)) + 1 : n + 1;
        if (atomic_compare_exchange_weak_explicit(&p->nslots, &n, end,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
            break;
    }
    if (tc) {
        tc->fresh_next = n + 1;
        tc->fresh_end = end;
    }
init:;
    struct slot *sl = slot_at(p, n);
    sl->idx = n;
    sl->buf.self.buffer = &sl->buf;
    sl->buf.pool = p;
    sl->buf.opaque = p->opaque;
    sl->buf.size = p->size;
    return sl;
}

/* Gives a slot its data.  0 or a negative errno. */
static int slot_fill(bp_pool *p, struct slot *sl)
{
    if (p->alloc || p->alloc1) {
        bp_ref *r = p->alloc ? p->alloc(p->opaque, p->size) : p->alloc1(p->size);
        if (!r)
            return -ENOMEM;
        if (!r->buffer || !r->data || r->size < p->size) {
            bp_unref(&r);
            return -EINVAL;
        }
        sl->inner = r;
        sl->buf.data = r->data;
    } else {
        sl->mem = bpi_aligned_alloc(p->align, p->alloc_size);
        if (!sl->mem)
            return -ENOMEM;
        sl->buf.data = sl->mem;
    }
    return 0;
}

static void slot_drain(bp_pool *p, struct slot *sl)
{
    bpi_unpoison(sl->buf.data, p->size);
    if (sl->inner)
        bp_unref(&sl->inner);
    free(sl->mem);
    sl->mem = NULL;
    sl->buf.data = NULL;
}

/* ---- teardown ------------------------------------------------------------ */

static void pool_destroy(bp_pool *p)
{
    void (*pool_free)(void *) = p->pool_free;
    void *opaque = p->opaque;
    bpi_tc_pool_gone(p);
    for (unsigned b = 0; b < NSEG; b++)
        free(atomic_load_explicit(&p->seg[b], memory_order_relaxed));
    free(p);
    if (pool_free)
        pool_free(opaque);
}

/* Drops n references to the pool; the last one destroys it. */
static void pool_unref(bp_pool *p, size_t n)
{
    /* acq_rel: everything done to the pool happens-before its destruction. */
    if (n && atomic_fetch_sub_explicit(&p->refs, n, memory_order_acq_rel) == n)
        pool_destroy(p);
}

/* Frees the buffers of a chain of cnt slots (the caller owns the chain);
 * returns how many.  The caller accounts for refs. */
static size_t chain_drain(bp_pool *p, uint32_t first, size_t cnt)
{
    size_t n = 0;
    for (uint32_t i = first; n < cnt && i != NIL; n++) {
        struct slot *sl = slot_at(p, i);
        i = atomic_load_explicit(&sl->next, memory_order_relaxed);
        slot_drain(p, sl);
    }
    return n;
}

/* ---- waiting ------------------------------------------------------------- */

static void wake_waiters(bp_pool *p)
{
    /* seq_cst: the other side of the waiter's "waiters++, then re-try". */
    if (atomic_load_explicit(&p->waiters, memory_order_seq_cst)) {
        atomic_fetch_add_explicit(&p->wake_seq, 1, memory_order_seq_cst);
        bpi_wake_all(&p->wake_seq);
    }
}

/* ---- depot ------------------------------------------------------------ */

BPI_HIDDEN void bpi_depot_put(bp_pool *p, uint32_t first, unsigned cnt)
{
    struct slot *sl = slot_at(p, first);
    sl->mag_count = cnt;
    /* Count first, so that idle is never under-counted (in_use = buffers -
     * idle must not go negative in a concurrent stats read). */
    atomic_fetch_add_explicit(&p->depot_count, cnt, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&p->depot, memory_order_relaxed);
    for (;;) {
        if (h_idx(h) == CLOSED) {
            atomic_fetch_sub_explicit(&p->depot_count, cnt,
                                      memory_order_relaxed);
            pool_unref(p, chain_drain(p, first, cnt));
            return;
        }
        atomic_store_explicit(&sl->mag_next, h_idx(h), memory_order_relaxed);
        /* seq_cst: publishes the chain, and pairs with a waiter's re-try. */
        if (atomic_compare_exchange_weak_explicit(
                &p->depot, &h, (h & ~(uint64_t)IDX_MASK) | first,
                memory_order_seq_cst, memory_order_relaxed))
            break;
    }
    wake_waiters(p);
}

static uint32_t depot_take(bp_pool *p, unsigned *cnt)
{
    uint32_t i = stack_pop(p, &p->depot, true);
    if (i != NIL) {
        *cnt = slot_at(p, i)->mag_count;
        /* Relaxed: statistics; in transit first, so idle never dips. */
        atomic_fetch_add_explicit(&p->transit_in, *cnt, memory_order_relaxed);
        atomic_fetch_sub_explicit(&p->depot_count, *cnt, memory_order_relaxed);
    }
    return i;
}

/* Idle buffers taken by depot_take or bpi_tc_collect have arrived (in a
 * cache, the depot, a holder's hands, or freed). */
static void transit_done(bp_pool *p, size_t n)
{
    /* Relaxed: statistics. */
    atomic_fetch_add_explicit(&p->transit_out, n, memory_order_relaxed);
}

/* Gives a NIL-terminated chain of any length to the depot, in pieces of at
 * most CACHE_MAX.  Returns its length. */
static size_t depot_put_chain(bp_pool *p, uint32_t i)
{
    size_t total = 0;
    while (i != NIL) {
        uint32_t first = i;
        unsigned cnt = 0;
        struct slot *sl = NULL;
        while (i != NIL && cnt < CACHE_MAX) {
            sl = slot_at(p, i);
            i = atomic_load_explicit(&sl->next, memory_order_relaxed);
            cnt++;
        }
        atomic_store_explicit(&sl->next, NIL, memory_order_relaxed);
        bpi_depot_put(p, first, cnt);
        total += cnt;
    }
    return total;
}

/* ---- statistics and peak ---------------------------------------------- */

#define FOR_EACH_TC(p, tc)                                                    \
    for (struct tcache *tc = atomic_load_explicit(&(p)->tcaches,             \
                                                  memory_order_acquire);     \
         tc; tc = tc->pnext)

static int64_t idle_now(const bp_pool *p)
{
    /* Relaxed: statistics.  A chain in transit (depot -> cache, cache ->
     * depot or cache, ...) may be missed by both the place it left and the
     * place it reaches; reading the total that left transit first and the
     * total that entered it last counts every chain that was in transit at
     * any time during the read, so idle is never under-counted by a move
     * (and in_use never over-counted). */
    bp_pool *q = (bp_pool *)p;
    uint64_t out = atomic_load_explicit(&q->transit_out, memory_order_relaxed);
    int64_t idle = atomic_load_explicit(&q->depot_count, memory_order_relaxed);
    FOR_EACH_TC(p, tc)
        idle += tc_n(tc);
    uint64_t in = atomic_load_explicit(&q->transit_in, memory_order_relaxed);
    return idle + (int64_t)(in - out);
}

/* Pops a cache may still do without a peak check (never negative). */
static int64_t tc_credit(struct tcache *tc)
{
    int64_t c = (int64_t)tc_n(tc) -
                atomic_load_explicit(&tc->lw, memory_order_relaxed);
    return c > 0 ? c : 0;
}

static int64_t in_use_now(const bp_pool *p)
{
    int64_t n = (int64_t)atomic_load_explicit(&((bp_pool *)p)->refs,
                                              memory_order_relaxed) - 1;
    int64_t u = n - idle_now(p);
    return u < 0 ? 0 : u;
}

/* Recomputes in_use exactly (from the shards), raises the peak, and
 * re-balances the caches' credits so that they sum to peak - in_use.
 *
 * A cache's credit is n - lw: how many pops it may do without a check.
 * Pushes add credit to the pusher's cache, pops spend it, so
 * in_use + (sum of credits) stays constant between checks; keeping that sum
 * at most the peak means in_use cannot pass the peak unseen.  A check is run
 * by cache s when it has spent its credit: it destroys any excess credit
 * held by other caches (there is excess exactly when in_use grew), moves
 * half of what is left to s, and touches other caches only then, so a
 * thread that releases what it gets (the common case) never checks again.
 * Relaxed throughout: exact when operations do not overlap, approximate
 * otherwise (concurrent updates of a mark may be lost). */
static void peak_check(bp_pool *p, struct tcache *s)
{
    int64_t in_use = in_use_now(p);
    size_t peak = atomic_load_explicit(&p->peak, memory_order_relaxed);
    while ((size_t)in_use > peak &&
           !atomic_compare_exchange_weak_explicit(&p->peak, &peak,
                                                  (size_t)in_use,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
    if ((size_t)in_use > peak)
        peak = (size_t)in_use;
    int64_t budget = (int64_t)peak - in_use, others = 0;
    FOR_EACH_TC(p, t)
        if (t != s)
            others += tc_credit(t);
    int64_t excess = others > budget ? others - budget : 0;
    int64_t move = s ? (others - excess) / 2 : 0;
    int64_t take = excess + move;
    FOR_EACH_TC(p, t) {
        if (take <= 0)
            break;
        int64_t c = t == s ? 0 : tc_credit(t);
        if (c > take)
            c = take;
        if (c > 0) {
            tc_set_lw(t, atomic_load_explicit(&t->lw, memory_order_relaxed) +
                             c);
            take -= c;
        }
    }
    if (s) {
        int64_t give = (budget > others ? budget - others : 0) + move;
        tc_set_lw(s, (int64_t)tc_n(s) - give);
    }
}

/* ---- get -------------------------------------------------------------- */

__attribute__((noinline)) static bp_ref *hand_out_flags(const bp_pool *p,
                                                        bp_buffer *b)
{
    bpi_unpoison(b->data, p->size);
    if (p->flags & BP_POOL_ZERO)
        memset(b->data, 0, p->size);
    return &b->self;
}

/* Hands out a buffer of a pool without BP_POOL_ZERO or BP_POOL_POISON. */
static inline bp_ref *hand_out_plain(struct slot *sl)
{
    bp_buffer *b = &sl->buf;
    /* Relaxed: the slot became ours through an acquire pop, the handshake,
     * or allocation. */
    atomic_store_explicit(&b->refcount, 1, memory_order_relaxed);
    b->self.data = b->data;
    b->self.size = b->size;
    return &b->self;
}

static inline bp_ref *hand_out(const bp_pool *p, struct slot *sl)
{
    bp_ref *r = hand_out_plain(sl);
    if (bpi_unlikely(p->flags & (BP_POOL_ZERO | BP_POOL_POISON)))
        return hand_out_flags(p, &sl->buf);
    return r;
}

static bp_ref *get_new(bp_pool *p, struct tcache *tc, int *err)
{
    /* seq_cst: the cap check pairs with trim's "free, then wake". */
    size_t n = atomic_fetch_add_explicit(&p->refs, 1, memory_order_seq_cst);
    if (p->max && n - 1 >= p->max) {
        *err = EAGAIN;
        goto undo;
    }
    struct slot *sl = slot_new(p, tc);
    if (!sl) {
        *err = errno;
        goto undo;
    }
    int e = slot_fill(p, sl);
    if (e < 0) {
        *err = -e;
        stack_push(&p->empty, sl, &sl->next);
        goto undo;
    }
    atomic_fetch_add_explicit(&p->allocs, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->get_allocs, 1, memory_order_relaxed);
    peak_check(p, tc);
    return hand_out(p, sl);
undo:
    /* Cannot reach zero: the handle holds a reference. */
    atomic_fetch_sub_explicit(&p->refs, 1, memory_order_seq_cst);
    if (p->max)
        wake_waiters(p);   /* a waiter may have seen our reservation */
    return NULL;
}

/* Puts a NIL-terminated chain of cnt slots into the (empty) cache of the
 * calling owner, the overflow into the depot.  In the critical section. */
static size_t tc_fill(bp_pool *p, struct tcache *tc, uint32_t i)
{
    unsigned n = 0;
    while (i != NIL && n < p->cache_max) {
        struct slot *sl = slot_at(p, i);
        tc->items[n++] = sl;
        i = atomic_load_explicit(&sl->next, memory_order_relaxed);
    }
    tc_set_n(tc, n);
    return n + depot_put_chain(p, i);
}

/* Hands out the first slot of a NIL-terminated chain and caches the rest
 * (or gives it to the depot when the cache is not available). */
static bp_ref *get_from_chain(bp_pool *p, struct tcache *tc, uint32_t first)
{
    struct slot *sl = slot_at(p, first);
    uint32_t rest = atomic_load_explicit(&sl->next, memory_order_relaxed);
    size_t placed = 0;
    if (rest != NIL) {
        if (tc && tc_enter(tc)) {
            if (tc_n(tc) == 0)
                placed = tc_fill(p, tc, rest);
            else
                placed = depot_put_chain(p, rest);
            tc_leave(tc);
        } else {
            placed = depot_put_chain(p, rest);
        }
    }
    transit_done(p, placed + 1);   /* the rest is idle again, sl in use */
    /* Relaxed: a statistic. */
    atomic_fetch_add_explicit(&p->slow_reuses, 1, memory_order_relaxed);
    peak_check(p, tc);
    return hand_out(p, sl);
}

/* Whether to collect other threads' caches before allocating: only at the
 * cap.  Collecting costs a heavy barrier (an interrupt on every CPU running
 * the process) and may wait for a preempted owner; below the cap the pool
 * allocates instead, which the documented slack allows (when a get
 * allocates, its own cache and the depot are empty, so at most
 * (threads - 1) x cache_max buffers idle elsewhere).  In a producer/consumer
 * pipeline this doubled the throughput, for 60 more idle 4 KiB buffers. */
static bool should_collect(bp_pool *p)
{
    /* Relaxed: an estimate; get_new's reservation decides. */
    return p->max && atomic_load_explicit(&p->refs, memory_order_relaxed) - 1 >=
                         p->max;
}

/* The cache is empty (or unavailable): take from the depot, else collect
 * other threads' caches, else allocate. */
static bp_ref *get_slow(bp_pool *p, struct tcache *tc, int *err)
{
    unsigned cnt;
    uint32_t first = depot_take(p, &cnt);
    if (first == NIL && should_collect(p)) {
        size_t n;
        first = bpi_tc_collect(p, tc, false, atomic_load_explicit(
                                   &p->waiters, memory_order_seq_cst) != 0, &n);
        if (first == NIL)   /* a cache may have flushed meanwhile */
            first = depot_take(p, &cnt);
    }
    if (first == NIL)
        return get_new(p, tc, err);
    return get_from_chain(p, tc, first);
}

/* In the owner's critical section, with np's n > 0 buffers cached: takes
 * the top one (the most recently released) and counts the get. */
static inline struct slot *tc_take(struct tcache *tc, uint64_t np)
{
    /* A 64-bit index: n - 1 folds into the load's displacement. */
    struct slot *sl = tc->items[(np & NP_N) - 1];
    /* Relaxed: see tc_n. */
    atomic_store_explicit(&tc->np, np - 1 + NP_POP, memory_order_relaxed);
    return sl;
}

/* Pops the top of this thread's cache; NULL when it is empty or cannot be
 * used. */
static struct slot *tc_pop(bp_pool *p, struct tcache *tc)
{
    if (!tc_enter(tc))
        return NULL;
    /* Relaxed: see tc_n. */
    uint64_t np = atomic_load_explicit(&tc->np, memory_order_relaxed);
    if ((np & NP_N) == 0) {
        tc_leave(tc);
        return NULL;
    }
    struct slot *sl = tc_take(tc, np);
    /* The pop went below the cache's peak mark (see peak_check). */
    bool check = (int64_t)(np & NP_N) <=
                 atomic_load_explicit(&tc->lw, memory_order_relaxed);
    tc_leave(tc);
    if (check)
        peak_check(p, tc);
    return sl;
}

/* One attempt; NULL with *err set.  Does not count failures. */
static bp_ref *get_once(bp_pool *p, int *err)
{
    struct tcache *tc = tc_lookup(p);
    struct slot *sl = tc ? tc_pop(p, tc) : NULL;
    return sl ? hand_out(p, sl) : get_slow(p, tc, err);
}

__attribute__((noinline)) static bp_ref *get_counted(bp_pool *pool)
{
    if (!pool) {
        errno = EINVAL;
        return NULL;
    }
    int err = 0;
    bp_ref *r = get_once(pool, &err);
    if (!r) {
        /* Relaxed: a statistic. */
        atomic_fetch_add_explicit(&pool->failures, 1, memory_order_relaxed);
        errno = err;
    }
    return r;
}

bp_ref *bp_pool_get(bp_pool *pool)
{
    /* The fast path: this thread's cache is known, free and has a buffer
     * above its peak mark, and the pool has no per-buffer work (tl_key).
     * It calls nothing (everything else is a tail call), so it needs no
     * stack frame; get_counted() redoes the general case from scratch. */
    if (bpi_unlikely(!pool))
        return get_counted(pool);
    tl_ref e = tl_entry_at(pool->tl_where);
    if (bpi_unlikely(e->id != pool->tl_key))
        return get_counted(pool);
    struct tcache *tc = e->tc;
    tc_begin(tc, TC_FAST_LIGHT);
    /* The floor is the Dekker load (see tc_begin: closed while a remote
     * request is pending), seq_cst for acquire: n only after it, because a
     * remote thread that emptied the cache published the new n before
     * opening the gate.  Relaxed: see tc_pop. */
    unsigned floor = atomic_load_explicit(&tc->floor, memory_order_seq_cst);
    uint64_t np = atomic_load_explicit(&tc->np, memory_order_relaxed);
    if (bpi_unlikely((np & NP_N) <= floor)) {
        tc_leave(tc);
        return get_counted(pool);
    }
    /* Above the floor: no peak check due (see tc_pop). */
    struct slot *sl = tc_take(tc, np);
    tc_leave(tc);
    return hand_out_plain(sl);
}

bp_ref *bp_pool_get_timeout(bp_pool *pool, int64_t timeout_ns)
{
    if (!pool) {
        errno = EINVAL;
        return NULL;
    }
    if (timeout_ns < -1) {
        /* Relaxed: a statistic (a get call that returned NULL). */
        atomic_fetch_add_explicit(&pool->failures, 1, memory_order_relaxed);
        errno = EINVAL;
        return NULL;
    }
    int err = 0;
    bp_ref *r = get_once(pool, &err);
    if (!r && err == EAGAIN && timeout_ns == 0)
        err = ETIMEDOUT;
    else if (!r && err == EAGAIN) {
        int64_t deadline = timeout_ns < 0 ? 0 : bpi_now_ns() + timeout_ns;
        /* seq_cst: see "Waiting" above. */
        atomic_fetch_add_explicit(&pool->waiters, 1, memory_order_seq_cst);
        for (;;) {
            unsigned seq = atomic_load_explicit(&pool->wake_seq,
                                                memory_order_seq_cst);
            r = get_once(pool, &err);
            if (r || err != EAGAIN)
                break;
            int64_t left = -1;
            if (timeout_ns >= 0) {
                left = deadline - bpi_now_ns();
                if (left <= 0) {
                    err = ETIMEDOUT;
                    break;
                }
            }
            bpi_wait(&pool->wake_seq, seq, left);
        }
        atomic_fetch_sub_explicit(&pool->waiters, 1, memory_order_seq_cst);
    }
    if (!r) {
        atomic_fetch_add_explicit(&pool->failures, 1, memory_order_relaxed);
        errno = err;
    }
    return r;
}

/* ---- release ------------------------------------------------------------ */

/* Pushes onto this thread's cache; false when it cannot be used. */
static bool tc_push(bp_pool *p, struct tcache *tc, struct slot *sl)
{
    if (!tc_enter(tc))
        return false;
    if (tc_n(tc) >= p->cache_max)
        bpi_tc_flush(tc, p->cache_max / 2 + 1);
    tc_put(tc, sl, atomic_load_explicit(&tc->np, memory_order_relaxed));
    /* Inside the critical section the pool cannot go away.  Relaxed: a
     * waiter that is not seen here collects this cache after announcing
     * itself (see "Waiting"). */
    if (atomic_load_explicit(&p->waiters, memory_order_relaxed))
        wake_waiters(p);
    tc_leave(tc);
    return true;
}

/* The general case of a release: reset/poison, find or make the cache,
 * flush it when full, fall back to the depot. */
BPI_HIDDEN void bpi_release_slow(bp_pool *p, bp_buffer *b)
{
    struct slot *sl = slot_of(b);
    if (p->reset)
        p->reset(p->opaque, sl->buf.data, p->size);
    if (p->flags & BP_POOL_POISON) {
        memset(sl->buf.data, 0xA5, p->size);
        bpi_poison(sl->buf.data, p->size);
    }
    struct tcache *tc = tc_lookup(p);
    if (tc) {
        if (tc_push(p, tc, sl))
            return;
        /* Acquire: after REQ_CLOSED, free the buffer ourselves. */
        if (atomic_load_explicit(&tc->req, memory_order_acquire) ==
            REQ_CLOSED) {
            slot_drain(p, sl);
            pool_unref(p, 1);
            return;
        }
    }
    /* No cache, or a remote thread is using it: straight to the depot
     * (which frees the buffer if the pool is closed).  Once pushed, the
     * buffer may be freed by bp_pool_uninit at once, yet bpi_depot_put
     * still reads p->waiters: pin the pool for the duration.  Relaxed: our
     * buffer already holds a reference. */
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    atomic_store_explicit(&sl->next, NIL, memory_order_relaxed);
    bpi_depot_put(p, sl->idx, 1);
    pool_unref(p, 1);
}

BPI_HIDDEN void bpi_release_wake(bp_pool *p, struct tcache *tc)
{
    wake_waiters(p);
    tc_leave(tc);
}

void bpi_pool_release(bp_buffer *b)
{
    pool_release(b->pool, b);
}

/* ---- creation, trim, uninit, stats --------------------------------------- */

/* The first version's bp_pool_config ends with pool_free. */
#define CONFIG_V0_SIZE (offsetof(bp_pool_config, pool_free) + \
                        sizeof(((bp_pool_config *)0)->pool_free))
#define STATS_V0_SIZE  (offsetof(bp_pool_stats, peak_in_use) + \
                        sizeof(((bp_pool_stats *)0)->peak_in_use))

/* The alignment a pool made from c uses for its own allocations. */
static size_t config_align(const bp_pool_config *c)
{
    size_t align = c->align ? c->align : 64;
    return align < sizeof(void *) ? sizeof(void *) : align;
}

/* Copies the caller's config (struct_size bytes of it) into *out, with the
 * fields it does not have 0, and checks it.  0, or a negative errno with *why
 * set (see bp_pool_config_check). */
static int config_load(const bp_pool_config *cfg, bp_pool_config *out,
                       const char **why)
{
    if (!cfg) {
        *why = "no config (NULL)";
        return -EINVAL;
    }
    size_t n = cfg->struct_size;
    if (n < CONFIG_V0_SIZE) {
        *why = "struct_size is not set (make the config with BP_POOL_CONFIG "
               "or bp_pool_config_init)";
        return -EINVAL;
    }
    /* A newer header's fields are accepted while they hold their default. */
    for (size_t k = sizeof(*out); k < n; k++)
        if (((const unsigned char *)cfg)[k]) {
            *why = "the config has a field this version of the library does "
                   "not know";
            return -E2BIG;
        }
    memset(out, 0, sizeof(*out));
    memcpy(out, cfg, n < sizeof(*out) ? n : sizeof(*out));
    const bp_pool_config *c = out;
    int e = -EINVAL;
    if (!c->size)
        *why = "size is 0";
    else if (c->align & (c->align - 1))
        *why = "align is not a power of two";
    else if (c->align > BP_POOL_MAX_ALIGN)
        *why = "align is above BP_POOL_MAX_ALIGN";
    else if (c->flags & ~(BP_POOL_ZERO | BP_POOL_POISON | BP_POOL_NO_CACHE))
        *why = "flags has unknown bits";
    else if (c->cache > BP_POOL_CACHE_MAX)
        *why = "cache is above BP_POOL_CACHE_MAX";
    else if (c->cache && (c->flags & BP_POOL_NO_CACHE))
        *why = "cache is set together with BP_POOL_NO_CACHE";
    else if (c->max_buffers > BP_POOL_MAX_BUFFERS)
        *why = "max_buffers is above BP_POOL_MAX_BUFFERS";
    else if (c->min_buffers > BP_POOL_MAX_BUFFERS)
        *why = "min_buffers is above BP_POOL_MAX_BUFFERS";
    else if (c->max_buffers && c->min_buffers > c->max_buffers)
        *why = "min_buffers is above max_buffers";
    else if (c->size > SIZE_MAX - (config_align(c) - 1)) {
        *why = "size is too large to allocate";
        e = -ENOMEM;
    } else
        e = 0;
    return e;
}

int bp_pool_config_check(const bp_pool_config *cfg, const char **why)
{
    bp_pool_config c;
    const char *w = NULL;
    int e = config_load(cfg, &c, &w);
    if (why)
        *why = w;
    return e;
}

bp_pool *bp_pool_new(const bp_pool_config *user_cfg)
{
    bp_pool_config c, *cfg = &c;
    const char *why;
    int e = config_load(user_cfg, cfg, &why);
    if (e < 0) {
        errno = -e;
        return NULL;
    }
    size_t align = config_align(cfg);
    bpi_tc_init_once();
    bp_pool *p = bpi_aligned_alloc(alignof(bp_pool), sizeof(*p));
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memset(p, 0, sizeof(*p));
    /* Relaxed: any distinct number will do; 0 marks an empty TLS entry. */
    p->id = atomic_fetch_add_explicit(&pool_counter, 1,
                                      memory_order_relaxed) + 1;
    p->size = cfg->size;
    p->align = align;
    p->alloc_size = (cfg->size + align - 1) & ~(align - 1);
    p->max = cfg->max_buffers;
    p->flags = cfg->flags;
    p->alloc = cfg->alloc;
    p->opaque = cfg->opaque;
    p->reset = cfg->reset;
    p->pool_free = cfg->pool_free;
    /* Work on every get or release: the general path does it. */
    p->tl_key = bpi_tl_key(p->id, cfg->reset != NULL ||
                                      (cfg->flags & (BP_POOL_ZERO |
                                                     BP_POOL_POISON |
                                                     BP_POOL_NO_CACHE)));
    p->tl_where = bpi_tl_where(p->id);
    /* Big buffers: cache fewer per thread, so that idle memory held for a
     * thread stays near CACHE_BYTES; never fewer than CACHE_MIN, which
     * covers the buffers a thread usually holds at once. */
    size_t fit = CACHE_BYTES / p->alloc_size;
    p->cache_max = fit >= CACHE_MAX ? CACHE_MAX : fit <= CACHE_MIN ? CACHE_MIN
                                                                 : (unsigned)fit;
    if (cfg->cache)
        p->cache_max = (unsigned)cfg->cache;
    else if (cfg->flags & BP_POOL_NO_CACHE)
        p->cache_max = 0;
    atomic_init(&p->depot, NIL);
    atomic_init(&p->empty, NIL);
    atomic_init(&p->refs, 1);

    /* min_buffers go to the depot in chains of at most CACHE_MAX. */
    uint32_t first = NIL;
    unsigned cnt = 0;
    for (size_t k = 0; k < cfg->min_buffers; k++) {
        struct slot *sl = slot_new(p, NULL);
        e = sl ? slot_fill(p, sl) : -ENOMEM;
        if (e < 0) {
            int err = -e;
            if (sl)
                stack_push(&p->empty, sl, &sl->next);
            /* Free what we made; the user's pool_free is not called. */
            if (cnt)
                bpi_depot_put(p, first, cnt);
            p->pool_free = NULL;
            bp_pool *q = p;
            bp_pool_uninit(&q);
            errno = err;
            return NULL;
        }
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->allocs, 1, memory_order_relaxed);
        if (p->flags & BP_POOL_POISON) {
            memset(sl->buf.data, 0xA5, p->size);
            bpi_poison(sl->buf.data, p->size);
        }
        atomic_store_explicit(&sl->next, first, memory_order_relaxed);
        first = sl->idx;
        if (++cnt == CACHE_MAX) {
            bpi_depot_put(p, first, cnt);
            first = NIL;
            cnt = 0;
        }
    }
    if (cnt)
        bpi_depot_put(p, first, cnt);
    return p;
}

bp_pool *bp_pool_init2(size_t size, void *opaque, bp_alloc_fn alloc,
                       void (*pool_free)(void *opaque))
{
    return bp_pool_new(&BP_POOL_CONFIG(.size = size, .alloc = alloc,
                                       .opaque = opaque,
                                       .pool_free = pool_free));
}

bp_pool *bp_pool_init(size_t size, bp_ref *(*alloc)(size_t size))
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = size));
    if (p)
        p->alloc1 = alloc;   /* no buffer was allocated yet */
    return p;
}

/* Prepends the chain first (cnt slots, owned by the caller) to all. */
static uint32_t chain_prepend(bp_pool *p, uint32_t all, uint32_t first,
                              unsigned cnt)
{
    struct slot *end = slot_at(p, first);
    for (unsigned k = 1; k < cnt; k++)
        end = slot_at(p, atomic_load_explicit(&end->next,
                                              memory_order_relaxed));
    atomic_store_explicit(&end->next, all, memory_order_relaxed);
    return first;
}

/* Takes every idle buffer (thread caches and depot) into one NIL-terminated
 * chain owned by the caller.  close: also close the caches and the depot. */
static uint32_t collect_idle(bp_pool *p, size_t *total, bool close)
{
    uint32_t all = bpi_tc_collect(p, NULL, close, true, total), first;
    unsigned cnt;
    if (close) {
        /* seq_cst: a depot push either lands before this (and its chain is
         * collected here) or sees CLOSED and frees its chain itself. */
        uint64_t h = atomic_exchange_explicit(&p->depot, CLOSED,
                                              memory_order_seq_cst);
        for (uint32_t m = h_idx(h); m < CLOSED;) {
            struct slot *sl = slot_at(p, m);
            uint32_t next_mag = atomic_load_explicit(&sl->mag_next,
                                                     memory_order_relaxed);
            atomic_fetch_sub_explicit(&p->depot_count, sl->mag_count,
                                      memory_order_relaxed);
            *total += sl->mag_count;
            all = chain_prepend(p, all, m, sl->mag_count);
            m = next_mag;
        }
    } else {
        while ((first = depot_take(p, &cnt)) != NIL) {
            all = chain_prepend(p, all, first, cnt);
            *total += cnt;
        }
    }
    return all;
}

size_t bp_pool_trim(bp_pool *pool, size_t keep_idle)
{
    if (!pool)
        return 0;
    size_t total, freed = 0, kept = 0;
    uint32_t i = collect_idle(pool, &total, false), keep = NIL;
    /* Keep keep_idle of them (in the depot), free the rest. */
    while (i != NIL) {
        struct slot *sl = slot_at(pool, i);
        i = atomic_load_explicit(&sl->next, memory_order_relaxed);
        if (kept < keep_idle) {
            atomic_store_explicit(&sl->next, keep, memory_order_relaxed);
            keep = sl->idx;
            kept++;
        } else {
            slot_drain(pool, sl);
            stack_push(&pool->empty, sl, &sl->next);
            freed++;
        }
    }
    depot_put_chain(pool, keep);
    if (freed)
        /* seq_cst: pairs with get_new's cap check (a waiter may allocate). */
        atomic_fetch_sub_explicit(&pool->refs, freed, memory_order_seq_cst);
    transit_done(pool, total);
    if (freed)
        wake_waiters(pool);
    peak_check(pool, NULL);
    return freed;
}

void bp_pool_uninit(bp_pool **pool)
{
    if (!pool || !*pool)
        return;
    bp_pool *p = *pool;
    *pool = NULL;
    /* seq_cst: a thread making a new cache either is seen by the registry
     * walk in collect_idle or sees closed (bpi_tc_lookup_slow). */
    atomic_store_explicit(&p->closed, 1, memory_order_seq_cst);
    size_t total;
    uint32_t i = collect_idle(p, &total, true);
    size_t freed = chain_drain(p, i, total);
    pool_unref(p, freed + 1);
}

void *bp_pool_buffer_opaque(const bp_ref *ref)
{
    if (!ref || !ref->buffer || !ref->buffer->pool) {
        errno = EINVAL;
        return NULL;
    }
    struct slot *sl = slot_of(ref->buffer);
    return sl->inner ? bp_opaque(sl->inner) : NULL;
}

int bp_pool_get_stats(const bp_pool *pool, bp_pool_stats *out)
{
    if (!pool || !out || out->struct_size < STATS_V0_SIZE)
        return -EINVAL;
    bp_pool *p = (bp_pool *)pool;
    bp_pool_stats st;
    memset(&st, 0, sizeof(st));
    /* Relaxed: statistics, exact once the operations completed. */
    uint64_t reuses = atomic_load_explicit(&p->slow_reuses,
                                           memory_order_relaxed);
    FOR_EACH_TC(p, tc)
        reuses += tc_pops(tc);
    st.reuses = reuses;
    st.allocs = atomic_load_explicit(&p->allocs, memory_order_relaxed);
    st.failures = atomic_load_explicit(&p->failures, memory_order_relaxed);
    st.gets = reuses + st.failures +
              atomic_load_explicit(&p->get_allocs, memory_order_relaxed);
    int64_t idle = idle_now(p);
    st.idle = idle < 0 ? 0 : (size_t)idle;
    st.in_use = (size_t)in_use_now(p);
    size_t peak = atomic_load_explicit(&p->peak, memory_order_relaxed);
    st.peak_in_use = peak > st.in_use ? peak : st.in_use;
    /* The caller's struct: what fits, its newer fields 0. */
    size_t n = out->struct_size;
    st.struct_size = n;
    memcpy(out, &st, n < sizeof(st) ? n : sizeof(st));
    if (n > sizeof(st))
        memset((char *)out + sizeof(st), 0, n - sizeof(st));
    return 0;
}
