/* pool.c - the lock-free buffer pool.
 *
 * Design
 * ------
 * Every buffer the pool allocates lives in a *slot*: the bp_buffer header
 * (refcount, embedded bp_ref), the link words, and a pointer to the data.
 * Slots are numbered; the slot table is a list of segments of doubling size
 * that are allocated on demand and never freed or moved while the pool
 * lives.  Freeing a buffer (trim) frees its data and puts the slot on an
 * "empty" list for reuse, so a slot's link words stay readable forever:
 * a thread that races a pop may read a stale link, never freed memory.
 *
 * Idle buffers are kept in LIFO stacks of slot numbers, linked through the
 * slots' `next` words:
 *   - one *stripe* per thread group (nstripes = 2 x CPUs, rounded to a power
 *     of two, 4..256; a thread gets a stripe from a process-wide thread
 *     number).  A stripe holds at most BP_POOL_CACHE_SLACK (63) buffers.
 *     A thread gets from and releases to its own stripe, so in the common
 *     case the stripe's cache line is written by one thread only: no cache
 *     line is written by every get/release of every thread.
 *   - the *depot*: a stack of whole chains ("magazines", linked through
 *     `mag_next`), shared by all threads.  A release into a full stripe
 *     moves the stripe's whole chain to the depot in O(1); a get from an
 *     empty stripe takes a whole chain back.
 *   - a get that finds its stripe and the depot empty steals whole chains
 *     from the other stripes before it allocates.  So a new buffer is only
 *     allocated when no idle buffer was seen anywhere: the pool never holds
 *     more than peak_in_use + (gets in flight) buffers, and trim/uninit reach
 *     every idle buffer, including those cached for threads that never come
 *     back.
 *
 * Each stack head is one 64-bit word changed by compare-and-swap: a 28-bit
 * slot number (NIL = empty, CLOSED = pool uninitialised), and for stripes a
 * 6-bit count, a WAIT bit and a 29-bit tag; for the depot and the empty list
 * a 36-bit tag.  Every pop increments the tag, so a pop whose head was
 * popped and pushed back meanwhile (ABA) fails its CAS instead of installing
 * a stale link.  A single 64-bit CAS suffices on x86-64 and aarch64.
 *
 * Memory orders
 * -------------
 * - Push CAS: release (acq_rel on stripes), so the pusher's writes to the
 *   slot (link word, buffer contents from its last holder, which reached
 *   the pusher through the acq_rel refcount drop) happen-before the pop
 *   that acquires the head.  Acquire on a stripe push makes the WAIT bit set
 *   by a waiter (see below) order the waiter's earlier read of wake_seq.
 * - Pop CAS: acquire, pairing with the push (release sequences carry it
 *   through intervening CASes on the same head).
 * - Link reads before a pop's CAS are relaxed atomics: a stale value is
 *   harmless because the tag makes that CAS fail.
 * - Statistics counters are relaxed: they order nothing, and are exact once
 *   the operations that changed them have completed (quiescence).
 * - Slow-path counters that close races (refs, waiters, the depot head and
 *   the waiter's re-scan) are seq_cst so that "publish, then check the other
 *   side's flag" pairs cannot both miss each other (Dekker pattern).
 *
 * Waiting (bp_pool_get_timeout at max_buffers): a waiter bumps `waiters`,
 * reads wake_seq, sets the WAIT bit on every stripe head, re-scans for an
 * idle buffer, then sleeps on wake_seq.  A release whose push CAS sees a
 * WAIT bit clears it and wakes (bumps wake_seq, futex wake).  Either the
 * release came before the bit (the re-scan finds the buffer) or after it
 * (the releaser wakes the waiter): no lost wake-up.  Releases never read a
 * pool-wide word on the fast path.
 *
 * Lifetime: `refs` counts allocated buffers plus one for the user's handle.
 * bp_pool_uninit closes every head (CLOSED), frees what was idle and drops
 * the handle.  A release after that finds its stripe CLOSED and frees its
 * buffer itself; whoever drops refs to zero destroys the pool.  After a
 * successful push a releaser never touches the pool again (unless it pinned
 * the pool with an extra ref first, as the WAIT path does), because the
 * buffer it pushed may be freed and the pool destroyed at once.
 *
 * peak_in_use without a global counter: each stripe keeps a low-water mark
 * `lw`; a pop that takes its stripe's count below lw, and every slow path,
 * recomputes in_use from the shards and raises the peak (see peak_check for
 * the credit scheme).  The peak is exact when operations do not overlap; in
 * steady state no check runs.
 */
#include "config.h"

#include "internal.h"
#include "platform.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define IDX_BITS   28
#define IDX_MASK   ((1u << IDX_BITS) - 1)
#define NIL        IDX_MASK              /* empty stack */
#define CLOSED     (IDX_MASK - 1)        /* pool uninitialised */
#define CNT_SHIFT  IDX_BITS
#define CNT_MAX    BP_POOL_CACHE_SLACK
#define CNT_MASK   ((uint64_t)63 << CNT_SHIFT)
#define WAIT_BIT   ((uint64_t)1 << 34)
#define S_TAG_ONE  ((uint64_t)1 << 35)   /* stripe tag: bits 35..63 */
#define D_TAG_ONE  ((uint64_t)1 << 28)   /* depot/empty tag: bits 28..63 */
#define LOW_MASK   ((uint64_t)IDX_MASK | CNT_MASK)

#define NSEG       22                    /* segment b holds 64 << b slots */
#define MAX_SLOTS  ((uint32_t)BP_POOL_MAX_BUFFERS)

_Static_assert(BP_POOL_CACHE_SLACK == 63, "count field is 6 bits");
_Static_assert((uint64_t)64 * ((1u << NSEG) - 1) == BP_POOL_MAX_BUFFERS,
               "segments cover exactly BP_POOL_MAX_BUFFERS slots");
_Static_assert(BP_POOL_MAX_BUFFERS < CLOSED, "slot numbers below CLOSED");

/* 128 bytes, aligned: slots of buffers held by different threads must not
 * share a cache line (or an adjacent-line prefetch pair), or every get and
 * release would bounce it. */
struct slot {
    alignas(128) bp_buffer buf;
    bp_ref          *inner;      /* what the alloc callback returned */
    void            *mem;        /* the library's own allocation */
    _Atomic uint32_t next;       /* link in a stripe chain or empty list */
    _Atomic uint32_t mag_next;   /* link between chains in the depot */
    uint32_t         mag_count;  /* chain length, on a chain's first slot */
    uint32_t         idx;
};
_Static_assert(sizeof(struct slot) == 128, "a slot is two cache lines");

struct stripe {
    alignas(128) _Atomic uint64_t head;
    _Atomic uint64_t reuses;     /* gets served by this stripe's stack */
    _Atomic int64_t  lw;         /* low-water mark for peak tracking */
};

struct bp_pool {
    /* Read-mostly configuration. */
    size_t         size, alloc_size, align, max;
    unsigned       flags;
    bp_alloc_fn    alloc;
    bp_ref      *(*alloc1)(size_t size);
    void          *opaque;
    void         (*reset)(void *opaque, uint8_t *data, size_t size);
    void         (*pool_free)(void *opaque);
    unsigned       nstripes;
    struct stripe *stripes;
    _Atomic(struct slot *) seg[NSEG];

    /* Slow-path shared state, apart from the read-mostly part. */
    alignas(128) _Atomic uint64_t depot;
    _Atomic uint64_t empty;
    _Atomic int64_t  depot_count;
    _Atomic uint32_t nslots;
    alignas(128) _Atomic size_t refs;   /* buffers allocated + 1 (handle) */
    _Atomic uint64_t allocs, get_allocs, slow_reuses, failures;
    _Atomic size_t   peak;
    alignas(128) atomic_uint wake_seq;
    atomic_uint      waiters;
};

/* ---- thread -> stripe ---------------------------------------------------- */

static atomic_uint thread_counter;
/* initial-exec: a plain %fs-relative load instead of a __tls_get_addr call
 * on every get and release; 4 bytes fit glibc's static TLS surplus even when
 * the library is dlopen()ed (Python, Lua modules). */
static _Thread_local unsigned tl_thread
    __attribute__((tls_model("initial-exec")));

static inline struct stripe *my_stripe(const bp_pool *p)
{
    unsigned t = tl_thread;
    if (bpi_unlikely(!t)) {
        /* Relaxed: any distinct number will do. */
        t = atomic_fetch_add_explicit(&thread_counter, 1,
                                      memory_order_relaxed) + 1;
        tl_thread = t;
    }
    return &p->stripes[(t - 1) & (p->nstripes - 1)];
}

/* ---- slots ------------------------------------------------------------ */

static inline unsigned seg_of(uint32_t idx, uint32_t *off)
{
    uint32_t v = (idx >> 6) + 1;
    unsigned b = 31u - (unsigned)__builtin_clz(v);
    *off = idx - (((1u << b) - 1) << 6);
    return b;
}

static inline struct slot *slot_at(const bp_pool *p, uint32_t idx)
{
    uint32_t off;
    unsigned b = seg_of(idx, &off);
    /* Acquire: pairs with the release that installed the segment, so its
     * zeroed memory and the slot's init are visible. */
    return atomic_load_explicit(&((bp_pool *)p)->seg[b],
                                memory_order_acquire) + off;
}

static inline struct slot *slot_of(bp_buffer *b)
{
    return (struct slot *)(void *)((char *)b - offsetof(struct slot, buf));
}

static inline uint32_t h_idx(uint64_t h) { return (uint32_t)(h & IDX_MASK); }
static inline unsigned h_cnt(uint64_t h)
{
    return (unsigned)((h & CNT_MASK) >> CNT_SHIFT);
}

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
        uint64_t nh = ((h & ~(uint64_t)IDX_MASK) + D_TAG_ONE) | nx;
        if (atomic_compare_exchange_weak_explicit(head, &h, nh,
                                                  memory_order_seq_cst,
                                                  memory_order_seq_cst))
            return i;
    }
}

/* Claims a slot number and makes sure its segment exists. */
static struct slot *slot_new(bp_pool *p)
{
    uint32_t i = stack_pop(p, &p->empty, false);
    if (i != NIL)
        return slot_at(p, i);
    /* Relaxed: nslots only hands out distinct numbers; the segment is
     * published separately. */
    uint32_t n = atomic_load_explicit(&p->nslots, memory_order_relaxed);
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
        if (atomic_compare_exchange_weak_explicit(&p->nslots, &n, n + 1,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
            break;
    }
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
    for (unsigned b = 0; b < NSEG; b++)
        free(atomic_load_explicit(&p->seg[b], memory_order_relaxed));
    free(p->stripes);
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
static size_t chain_drain(bp_pool *p, uint32_t first, unsigned cnt)
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
    /* seq_cst: the other side of the waiter's "waiters++, then re-scan". */
    if (atomic_load_explicit(&p->waiters, memory_order_seq_cst)) {
        atomic_fetch_add_explicit(&p->wake_seq, 1, memory_order_seq_cst);
        bpi_wake_all(&p->wake_seq);
    }
}

/* ---- depot ------------------------------------------------------------ */

/* Moves a chain to the depot; frees it when the pool is closed.  The caller
 * holds a reference that keeps the pool alive. */
static void depot_put(bp_pool *p, uint32_t first, unsigned cnt)
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
        /* seq_cst: publishes the chain and pairs with the waiter's re-scan. */
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
        atomic_fetch_sub_explicit(&p->depot_count, *cnt, memory_order_relaxed);
    }
    return i;
}

/* ---- stripes ------------------------------------------------------------ */

/* Takes a stripe's whole chain (NIL if empty or closed), keeping its WAIT
 * bit.  The tag is bumped: taking is a pop. */
static uint32_t stripe_take(struct stripe *s, unsigned *cnt)
{
    /* Acquire: we will walk the chain's links. */
    uint64_t h = atomic_load_explicit(&s->head, memory_order_acquire);
    for (;;) {
        if (h_idx(h) >= CLOSED)
            return NIL;
        uint64_t nh = ((h & ~LOW_MASK) + S_TAG_ONE) | NIL;
        if (atomic_compare_exchange_weak_explicit(&s->head, &h, nh,
                                                  memory_order_acq_rel,
                                                  memory_order_acquire))
            break;
    }
    *cnt = h_cnt(h);
    /* Relaxed read-modify-write by load/store: the mark is advisory under
     * concurrency (see peak tracking above). */
    atomic_store_explicit(&s->lw, atomic_load_explicit(&s->lw,
                          memory_order_relaxed) - *cnt, memory_order_relaxed);
    return h_idx(h);
}

/* Installs a chain into an empty stripe, else gives it to the depot. */
static void stripe_install(bp_pool *p, struct stripe *s, uint32_t first,
                           unsigned cnt)
{
    uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
    while (h_idx(h) == NIL) {
        uint64_t nh = (h & ~LOW_MASK & ~WAIT_BIT) |
                      ((uint64_t)cnt << CNT_SHIFT) | first;
        /* seq_cst: publishes the chain; pairs with a waiter's re-scan. */
        if (atomic_compare_exchange_weak_explicit(&s->head, &h, nh,
                                                  memory_order_seq_cst,
                                                  memory_order_relaxed)) {
            atomic_store_explicit(&s->lw, atomic_load_explicit(&s->lw,
                                  memory_order_relaxed) + cnt,
                                  memory_order_relaxed);
            wake_waiters(p);
            return;
        }
    }
    depot_put(p, first, cnt);
}

/* ---- statistics and peak ---------------------------------------------- */

static int64_t idle_now(const bp_pool *p)
{
    int64_t idle = atomic_load_explicit(&((bp_pool *)p)->depot_count,
                                        memory_order_relaxed);
    for (unsigned x = 0; x < p->nstripes; x++)
        idle += h_cnt(atomic_load_explicit(&p->stripes[x].head,
                                           memory_order_relaxed));
    return idle;
}

/* Pops a stripe may still do without a peak check (never negative). */
static int64_t stripe_credit(const struct stripe *t)
{
    int64_t c = (int64_t)h_cnt(atomic_load_explicit(&((struct stripe *)t)->head,
                                                    memory_order_relaxed)) -
                atomic_load_explicit(&((struct stripe *)t)->lw,
                                     memory_order_relaxed);
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
 * re-balances the stripes' credits so that they sum to peak - in_use.
 *
 * A stripe's credit is idle - lw: how many pops it may do without a check.
 * Pushes add credit to the pusher's stripe, pops spend it, so
 * in_use + (sum of credits) stays constant between checks; keeping that sum
 * at most the peak means in_use cannot pass the peak unseen.  A check is run
 * by stripe s when it has spent its credit: it destroys any excess credit
 * held by other stripes (there is excess exactly when in_use grew), moves
 * half of what is left to s, and touches other stripes only then, so a
 * thread that releases what it gets (the common case) never checks again.
 * Relaxed throughout: exact when operations do not overlap, approximate
 * otherwise (concurrent updates of a mark may be lost). */
static void peak_check(bp_pool *p, struct stripe *s)
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
    for (unsigned x = 0; x < p->nstripes; x++)
        if (&p->stripes[x] != s)
            others += stripe_credit(&p->stripes[x]);
    int64_t excess = others > budget ? others - budget : 0;
    int64_t move = s ? (others - excess) / 2 : 0;
    int64_t take = excess + move;
    for (unsigned x = 0; take > 0 && x < p->nstripes; x++) {
        struct stripe *t = &p->stripes[x];
        int64_t c = t == s ? 0 : stripe_credit(t);
        if (c > take)
            c = take;
        if (c > 0) {
            atomic_store_explicit(&t->lw, atomic_load_explicit(&t->lw,
                                  memory_order_relaxed) + c,
                                  memory_order_relaxed);
            take -= c;
        }
    }
    if (s) {
        int64_t give = (budget > others ? budget - others : 0) + move;
        atomic_store_explicit(&s->lw, (int64_t)h_cnt(atomic_load_explicit(
                                  &s->head, memory_order_relaxed)) - give,
                              memory_order_relaxed);
    }
}

/* ---- get -------------------------------------------------------------- */

static bp_ref *hand_out(const bp_pool *p, struct slot *sl)
{
    bp_buffer *b = &sl->buf;
    /* Relaxed: the slot became ours through an acquire pop or allocation. */
    atomic_store_explicit(&b->refcount, 1, memory_order_relaxed);
    b->self.data = b->data;
    b->self.size = b->size;
    if (bpi_unlikely(p->flags & (BP_POOL_ZERO | BP_POOL_POISON))) {
        bpi_unpoison(b->data, p->size);
        if (p->flags & BP_POOL_ZERO)
            memset(b->data, 0, p->size);
    }
    return &b->self;
}

static bp_ref *get_new(bp_pool *p, struct stripe *s, int *err)
{
    /* seq_cst: the cap check pairs with trim's "free, then wake". */
    size_t n = atomic_fetch_add_explicit(&p->refs, 1, memory_order_seq_cst);
    if (p->max && n - 1 >= p->max) {
        *err = EAGAIN;
        goto undo;
    }
    struct slot *sl = slot_new(p);
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
    peak_check(p, s);
    return hand_out(p, sl);
undo:
    /* Cannot reach zero: the handle holds a reference. */
    atomic_fetch_sub_explicit(&p->refs, 1, memory_order_seq_cst);
    if (p->max)
        wake_waiters(p);   /* a waiter may have seen our reservation */
    return NULL;
}

/* Stripe empty: refill from the depot, else steal from another stripe,
 * else allocate. */
static bp_ref *get_slow(bp_pool *p, struct stripe *s, int *err)
{
    unsigned cnt = 0;
    uint32_t i = depot_take(p, &cnt);
    for (unsigned k = 1; i == NIL && k < p->nstripes; k++) {
        struct stripe *t = &p->stripes[((unsigned)(s - p->stripes) + k) &
                                        (p->nstripes - 1)];
        i = stripe_take(t, &cnt);
    }
    if (i == NIL)
        return get_new(p, s, err);
    struct slot *sl = slot_at(p, i);
    if (cnt > 1)
        stripe_install(p, s, atomic_load_explicit(&sl->next,
                                                  memory_order_relaxed),
                       cnt - 1);
    atomic_fetch_add_explicit(&p->slow_reuses, 1, memory_order_relaxed);
    peak_check(p, s);
    return hand_out(p, sl);
}

/* One attempt; NULL with *err set.  Does not count failures. */
static bp_ref *get_once(bp_pool *p, int *err)
{
    struct stripe *s = my_stripe(p);
    /* Acquire: pairs with the release of the push that published the top
     * slot, so its link and contents are visible. */
    uint64_t h = atomic_load_explicit(&s->head, memory_order_acquire);
    for (;;) {
        uint32_t i = h_idx(h);
        if (i >= CLOSED)
            return get_slow(p, s, err);
        struct slot *sl = slot_at(p, i);
        /* Relaxed: if it is stale, the tag makes the CAS fail. */
        uint32_t nx = atomic_load_explicit(&sl->next, memory_order_relaxed);
        unsigned c = h_cnt(h) - 1;
        uint64_t nh = ((h & ~LOW_MASK) + S_TAG_ONE) |
                      ((uint64_t)c << CNT_SHIFT) | nx;
        /* Acquire on success: see above. */
        if (atomic_compare_exchange_weak_explicit(&s->head, &h, nh,
                                                  memory_order_acquire,
                                                  memory_order_acquire)) {
            /* Relaxed: a statistic; usually only this thread writes it. */
            atomic_fetch_add_explicit(&s->reuses, 1, memory_order_relaxed);
            if (bpi_unlikely((int64_t)c < atomic_load_explicit(
                                 &s->lw, memory_order_relaxed)))
                peak_check(p, s);
            return hand_out(p, sl);
        }
    }
}

bp_ref *bp_pool_get(bp_pool *pool)
{
    if (bpi_unlikely(!pool)) {
        errno = EINVAL;
        return NULL;
    }
    int err = 0;
    bp_ref *r = get_once(pool, &err);
    if (bpi_unlikely(!r)) {
        atomic_fetch_add_explicit(&pool->failures, 1, memory_order_relaxed);
        errno = err;
    }
    return r;
}

static void set_wait_bits(bp_pool *p)
{
    for (unsigned x = 0; x < p->nstripes; x++) {
        _Atomic uint64_t *head = &p->stripes[x].head;
        uint64_t h = atomic_load_explicit(head, memory_order_relaxed);
        /* seq_cst: a releaser that sees the bit must also see our earlier
         * read of wake_seq as older than its increment. */
        while (!(h & WAIT_BIT) && h_idx(h) != CLOSED &&
               !atomic_compare_exchange_weak_explicit(
                   head, &h, h | WAIT_BIT, memory_order_seq_cst,
                   memory_order_relaxed))
            ;
    }
}

bp_ref *bp_pool_get_timeout(bp_pool *pool, int64_t timeout_ns)
{
    if (!pool || timeout_ns < -1) {
        errno = EINVAL;
        return NULL;
    }
    int err = 0;
    bp_ref *r = get_once(pool, &err);
    if (!r && err == EAGAIN && timeout_ns == 0)
        err = ETIMEDOUT;
    else if (!r && err == EAGAIN) {
        int64_t deadline = timeout_ns < 0 ? 0 : bpi_now_ns() + timeout_ns;
        atomic_fetch_add_explicit(&pool->waiters, 1, memory_order_seq_cst);
        for (;;) {
            unsigned seq = atomic_load_explicit(&pool->wake_seq,
                                                memory_order_seq_cst);
            set_wait_bits(pool);
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

static void stripe_flush(bp_pool *p, struct stripe *s)
{
    unsigned cnt = 0;
    uint32_t first = stripe_take(s, &cnt);
    if (first != NIL)
        depot_put(p, first, cnt);
}

void bpi_pool_release(bp_buffer *b)
{
    struct slot *sl = slot_of(b);
    bp_pool *p = b->pool;
    if (p->reset)
        p->reset(p->opaque, b->data, p->size);
    if (p->flags & BP_POOL_POISON) {
        memset(b->data, 0xA5, p->size);
        bpi_poison(b->data, p->size);
    }
    struct stripe *s = my_stripe(p);
    bool pinned = false;
    uint64_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
    for (;;) {
        uint32_t top = h_idx(h);
        if (bpi_unlikely(top == CLOSED)) {
            slot_drain(p, sl);
            pool_unref(p, 1 + pinned);
            return;
        }
        if (bpi_unlikely(h_cnt(h) == CNT_MAX)) {
            stripe_flush(p, s);
            h = atomic_load_explicit(&s->head, memory_order_relaxed);
            continue;
        }
        if (bpi_unlikely((h & WAIT_BIT) && !pinned)) {
            /* We will touch the pool after the push: keep it alive.
             * Relaxed: our buffer already holds a reference. */
            atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
            pinned = true;
        }
        atomic_store_explicit(&sl->next, top, memory_order_relaxed);
        uint64_t nh = (h & ~LOW_MASK & ~WAIT_BIT) |
                      ((uint64_t)(h_cnt(h) + 1) << CNT_SHIFT) | sl->idx;
        /* acq_rel: release publishes the slot; acquire orders a waiter's
         * wake_seq read (before it set WAIT) before our wake. */
        if (atomic_compare_exchange_weak_explicit(&s->head, &h, nh,
                                                  memory_order_acq_rel,
                                                  memory_order_relaxed))
            break;
    }
    if (bpi_unlikely(pinned)) {
        wake_waiters(p);
        pool_unref(p, 1);
    }
}

/* ---- creation, trim, uninit, stats --------------------------------------- */

static unsigned stripes_for(unsigned ncpus)
{
    unsigned n = 4;
    while (n < 2 * ncpus && n < 256)
        n *= 2;
    return n;
}

bp_pool *bp_pool_new(const bp_pool_config *cfg)
{
    if (!cfg || !cfg->size || (cfg->align & (cfg->align - 1)) ||
        (cfg->flags & ~(BP_POOL_ZERO | BP_POOL_POISON)) ||
        cfg->max_buffers > BP_POOL_MAX_BUFFERS ||
        cfg->min_buffers > BP_POOL_MAX_BUFFERS ||
        (cfg->max_buffers && cfg->min_buffers > cfg->max_buffers)) {
        errno = EINVAL;
        return NULL;
    }
    size_t align = cfg->align ? cfg->align : 64;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if (cfg->size > SIZE_MAX - (align - 1)) {
        errno = ENOMEM;
        return NULL;
    }
    bp_pool *p = calloc(1, sizeof(*p));
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    p->size = cfg->size;
    p->align = align;
    p->alloc_size = (cfg->size + align - 1) & ~(align - 1);
    p->max = cfg->max_buffers;
    p->flags = cfg->flags;
    p->alloc = cfg->alloc;
    p->opaque = cfg->opaque;
    p->reset = cfg->reset;
    p->pool_free = cfg->pool_free;
    p->nstripes = stripes_for(bpi_ncpus());
    p->stripes = bpi_aligned_alloc(alignof(struct stripe),
                                   p->nstripes * sizeof(struct stripe));
    if (!p->stripes) {
        free(p);
        errno = ENOMEM;
        return NULL;
    }
    for (unsigned x = 0; x < p->nstripes; x++) {
        atomic_init(&p->stripes[x].head, NIL);
        atomic_init(&p->stripes[x].reuses, 0);
        atomic_init(&p->stripes[x].lw, 0);
    }
    atomic_init(&p->depot, NIL);
    atomic_init(&p->empty, NIL);
    atomic_init(&p->refs, 1);

    /* min_buffers go to the depot in chains of at most CNT_MAX. */
    uint32_t first = NIL;
    unsigned cnt = 0;
    for (size_t k = 0; k < cfg->min_buffers; k++) {
        struct slot *sl = slot_new(p);
        int e = sl ? slot_fill(p, sl) : -ENOMEM;
        if (e < 0) {
            if (sl)
                stack_push(&p->empty, sl, &sl->next);
            /* Free what we made; the user's pool_free is not called. */
            if (cnt)
                depot_put(p, first, cnt);
            p->pool_free = NULL;
            bp_pool *q = p;
            bp_pool_uninit(&q);
            errno = ENOMEM;
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
        if (++cnt == CNT_MAX) {
            depot_put(p, first, cnt);
            first = NIL;
            cnt = 0;
        }
    }
    if (cnt)
        depot_put(p, first, cnt);
    return p;
}

bp_pool *bp_pool_init2(size_t size, void *opaque, bp_alloc_fn alloc,
                       void (*pool_free)(void *opaque))
{
    bp_pool_config cfg = { .size = size, .alloc = alloc, .opaque = opaque,
                           .pool_free = pool_free };
    return bp_pool_new(&cfg);
}

bp_pool *bp_pool_init(size_t size, bp_ref *(*alloc)(size_t size))
{
    bp_pool *p = bp_pool_new(&(bp_pool_config){ .size = size });
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

/* Takes every idle buffer (stripes and depot) into one NIL-terminated chain
 * owned by the caller.  close: also mark every head CLOSED. */
static uint32_t collect_idle(bp_pool *p, size_t *total, bool close)
{
    uint32_t all = NIL, first;
    unsigned cnt = 0;
    *total = 0;
    for (unsigned x = 0; x < p->nstripes; x++) {
        struct stripe *s = &p->stripes[x];
        if (close) {
            /* acq_rel: we walk the chain we take; releasers that come later
             * see CLOSED and free their buffers themselves. */
            uint64_t h = atomic_exchange_explicit(&s->head, CLOSED,
                                                  memory_order_acq_rel);
            first = h_idx(h) < CLOSED ? h_idx(h) : NIL;
            cnt = h_cnt(h);
        } else {
            first = stripe_take(s, &cnt);
        }
        if (first != NIL) {
            all = chain_prepend(p, all, first, cnt);
            *total += cnt;
        }
    }
    if (close) {
        /* seq_cst: a depot_put either lands before this (and its chain is
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
    uint32_t i = collect_idle(pool, &total, false);
    /* The chain starts with the most recently used buffers: keep those, in
     * depot chains of at most CNT_MAX, and free the rest. */
    while (i != NIL && kept < keep_idle) {
        uint32_t first = i;
        unsigned cnt = 0;
        struct slot *sl = NULL;
        while (i != NIL && cnt < CNT_MAX && kept < keep_idle) {
            sl = slot_at(pool, i);
            i = atomic_load_explicit(&sl->next, memory_order_relaxed);
            cnt++;
            kept++;
        }
        atomic_store_explicit(&sl->next, NIL, memory_order_relaxed);
        depot_put(pool, first, cnt);
    }
    while (i != NIL) {
        struct slot *sl = slot_at(pool, i);
        i = atomic_load_explicit(&sl->next, memory_order_relaxed);
        slot_drain(pool, sl);
        stack_push(&pool->empty, sl, &sl->next);
        freed++;
    }
    if (freed) {
        /* seq_cst: pairs with get_new's cap check (a waiter may allocate). */
        atomic_fetch_sub_explicit(&pool->refs, freed, memory_order_seq_cst);
        wake_waiters(pool);
    }
    peak_check(pool, NULL);
    return freed;
}

void bp_pool_uninit(bp_pool **pool)
{
    if (!pool || !*pool)
        return;
    bp_pool *p = *pool;
    *pool = NULL;
    size_t total;
    uint32_t i = collect_idle(p, &total, true);
    size_t freed = 0;
    while (i != NIL) {
        struct slot *sl = slot_at(p, i);
        i = atomic_load_explicit(&sl->next, memory_order_relaxed);
        slot_drain(p, sl);
        freed++;
    }
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
    if (!pool || !out)
        return -EINVAL;
    bp_pool *p = (bp_pool *)pool;
    uint64_t reuses = atomic_load_explicit(&p->slow_reuses,
                                           memory_order_relaxed);
    for (unsigned x = 0; x < p->nstripes; x++)
        reuses += atomic_load_explicit(&p->stripes[x].reuses,
                                       memory_order_relaxed);
    memset(out, 0, sizeof(*out));
    out->reuses = reuses;
    out->allocs = atomic_load_explicit(&p->allocs, memory_order_relaxed);
    out->failures = atomic_load_explicit(&p->failures, memory_order_relaxed);
    out->gets = reuses + out->failures +
                atomic_load_explicit(&p->get_allocs, memory_order_relaxed);
    int64_t idle = idle_now(p);
    out->idle = idle < 0 ? 0 : (size_t)idle;
    out->in_use = (size_t)in_use_now(p);
    size_t peak = atomic_load_explicit(&p->peak, memory_order_relaxed);
    out->peak_in_use = peak > out->in_use ? peak : out->in_use;
    return 0;
}
