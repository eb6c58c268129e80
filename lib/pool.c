/* pool.c - the buffer pool: the policy on top of its parts.
 *
 * A pool's buffers live in slots (slots.h).  Idle ones wait in a cache per
 * (thread, pool) (tcache.h): its items, private to the thread, and its
 * ring (ring.h), which any thread claims from; or in the depot shared by
 * all threads (depot.h).
 *   get:     this thread's items; else claim from its ring, the ring it
 *            last claimed from, take a chain from the depot, claim from
 *            any ring; else, at max_buffers, once, make the pool shared
 *            and look again; else a new buffer; else EAGAIN, or wait
 *            (waitq.h) in bp_pool_get_timeout.
 *   release: this thread's items while it also gets (cap_open), else its
 *            ring; without a usable cache, the depot.
 *   trim:    the depot, then the rings, then the items, only what it frees.
 *   uninit:  collect the caches and the depot, close them, free it all.
 * Invariants (exact at rest; stats.h says how they are read under way):
 *   refs_buffers(refs) == allocated + 1 (the handle) + allocations under way
 *   allocated == in_use + sum(items n + ring count) + depot + in transit
 *   max_buffers > 0  =>  refs_buffers(refs) - 1 <= max_buffers, always
 *   shared  =>  every cache's cap_open == 0 (no idle buffer in items)
 *   a get allocates only when the rings and the depot looked empty
 * The fast paths (bp_pool_get below, pool_release in pool.h) are a pop
 * and push of the items without a call, a fence or an atomic
 * read-modify-write, where the gates are open (tcache.h); everything else
 * takes the general path, which does the same through tc_enter.  A get
 * writes nothing to the slot: an idle buffer's ref is ready as it is.
 * Lifetime: bp_pool_uninit closes the caches and the depot, frees what was
 * idle and drops the handle; a later release finds its cache or the depot
 * closed and frees its buffer itself; whoever drops refs to 0 destroys the
 * pool.  A releaser never touches the pool after leaving its critical
 * section or after a successful depot push, unless it pinned it first.
 * Rationale, memory orders, measurements: docs/DESIGN.md. */
#include "config.h"

#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(BP_POOL_CACHE_MAX == CACHE_MAX, "one cache size");

/* The count an idle buffer keeps: 1, ready for the next get, which then
 * writes nothing; 0 in debug builds, so that bp_dup catches a use after
 * release (buffer.c), and a get sets it. */
#ifdef BP_DEBUG
#  define IDLE_REFCOUNT 0u
#else
#  define IDLE_REFCOUNT 1u
#endif

/* Most buffers one claim takes from a ring.  It takes claim_size() (at
 * most CLAIM_BYTES of them), or up to CLAIM_MAX from a ring that holds
 * four times as many (claim). */
#define CLAIM_MAX   16
#define CLAIM_BYTES ((size_t)64 << 10)

/* ---- a buffer's data ------------------------------------------------------- */

/* A slot without data, ready to be a buffer of p. */
static struct slot *slot_make(bp_pool *p, struct slot_run *run)
{
    struct slot *sl = slots_new(&p->slots, run);
    if (sl && p->check) {
        /* After the last use of a reused slot (data_drain); its count and
         * link words are the library's (checkers.h). */
        ck_acquire(&sl->buf);
        ck_internal(&sl->buf.refcount, sizeof(sl->buf.refcount));
        ck_internal(&sl->inner, sizeof(*sl) - offsetof(struct slot, inner));
    }
    if (sl) {
        sl->buf.self.buffer = &sl->buf;
        sl->buf.pool = p;
        sl->buf.opaque = p->opaque;
        sl->buf.size = p->size;
    }
    return sl;
}

/* Gives a slot its data: the alloc callback's or the library's own.
 * 0 or a negative errno: the callback's own errno when it returned NULL
 * (-ENOMEM when it left errno 0), -EPROTO when what it returned breaks
 * the contract (not a reference, no data, smaller than size, data not
 * aligned to the config's align).  A ref it returned is dropped. */
static int data_fill(bp_pool *p, struct slot *sl)
{
    if (p->alloc || p->alloc1) {
        errno = 0;   /* a stale errno must not pass for the callback's */
        bp_ref *r = p->alloc ? p->alloc(p->opaque, p->size) : p->alloc1(p->size);
        if (!r)
            return errno ? -errno : -ENOMEM;
        if (!r->buffer)
            return -EPROTO;   /* not a reference: nothing we could drop */
        if (!r->data || r->size < p->size ||
            ((uintptr_t)r->data & (p->data_align - 1))) {
            bp_unref(&r);
            return -EPROTO;
        }
        sl->inner = r;
        sl->buf.data = r->data;
    } else {
        sl->mem = bpi_aligned_alloc(p->align, p->alloc_size);
        if (!sl->mem)
            return -ENOMEM;
        sl->buf.data = sl->mem;
    }
    /* An idle buffer is always ready to hand out as it is: one reference,
     * the whole buffer (pool_release restores it). */
    sl->buf.self.data = sl->buf.data;
    sl->buf.self.size = p->size;
    at_store_relaxed(&sl->buf.refcount, IDLE_REFCOUNT);
    return 0;
}

/* Frees a slot's data: its last release happened before. */
static void data_drain(bp_pool *p, struct slot *sl)
{
    if (p->check) {
        ck_acquire(&sl->buf);
        ck_usable(sl->buf.data, p->size, false);
    }
    bpi_unpoison(sl->buf.data, p->size);
    if (sl->inner)
        bp_unref(&sl->inner);
    free(sl->mem);
    sl->mem = NULL;
    sl->buf.data = NULL;
    sl->buf.flags &= ~BPI_FLAG_RESET;   /* the slot's next buffer is new */
    if (p->check)
        ck_release(&sl->buf);   /* before the slot's next buffer */
}

/* BP_POOL_POISON: the data is filled with 0xA5 (poisoned in ASan builds). */
static void data_poison(bp_pool *p, struct slot *sl)
{
    if (p->flags & BP_POOL_POISON) {
        memset(sl->buf.data, 0xA5, p->size);
        bpi_poison(sl->buf.data, p->size);
    }
}

/* A buffer becomes idle: poisoned, and no-access to the checkers. */
static void data_idle(bp_pool *p, struct slot *sl)
{
    data_poison(p, sl);
    if (p->check) {
        ck_idle(sl->buf.data, p->size);
        ck_release(&sl->buf);   /* the last access to the buffer */
    }
}

/* Frees the data of the chain first (cnt slots, the caller's); returns
 * how many.  The caller accounts for refs. */
static size_t chain_drain(bp_pool *p, uint32_t first, size_t cnt)
{
    size_t n = 0;
    for (uint32_t i = first; n < cnt && i != NIL; n++) {
        struct slot *sl = slot_at(&p->slots, i);
        i = chain_next(&p->slots, i);
        data_drain(p, sl);
    }
    return n;
}

/* ---- lifetime -------------------------------------------------------------- */

/* Frees the pool's own memory (its buffers' data is already gone). */
static void pool_free_parts(bp_pool *p)
{
    tc_pool_fini(&p->caches);
    slots_fini(&p->slots);
    free(p);
}

static void pool_destroy(bp_pool *p)
{
    void (*pool_free)(void *) = p->pool_free;
    void *opaque = p->opaque;
    if (p->check) {
        uint32_t n = at_load_relaxed(&p->slots.nslots);
        for (uint32_t i = 0; i < n; i++)
            ck_forget(&slot_at(&p->slots, i)->buf);
        ck_forget(p);
    }
    pool_free_parts(p);
    if (pool_free)
        pool_free(opaque);
}

/* Drops n references to the pool (buffers, the handle, or REFS_PIN for
 * a pin); the last one destroys it. */
static void pool_unref(bp_pool *p, uint64_t n)
{
    if (!n)
        return;
    /* acq_rel: everything done to the pool happens-before its destruction
     * (the checkers are told so: the refcount's edges, on the pool). */
    unsigned check = p->check;
    if (check)
        ck_release(p);
    if (at_fetch_sub_acq_rel(&p->refs, n) == n) {
        if (check)
            ck_acquire(p);
        pool_destroy(p);
    }
}

/* ---- get ------------------------------------------------------------------- */

/* The per-buffer work of a hand-out (ZERO, POISON, checkers).  fresh: b
 * was just allocated, never idle. */
BPI_NOINLINE static void hand_out_flags(const bp_pool *p, bp_buffer *b,
                                        bool fresh)
{
    /* After the buffer's release.  A fresh one is as its allocator made it
     * (malloc's undefined, the alloc callback's as it left it); a reused
     * one is defined when the pool says what it holds, or the reset
     * callback made it what the next user expects. */
    if (p->check) {
        ck_acquire(b);
        if (!fresh)
            ck_usable(b->data, p->size,
                      (p->flags & (BP_POOL_ZERO | BP_POOL_POISON)) ||
                      (b->flags & BPI_FLAG_RESET));
    }
    bpi_unpoison(b->data, p->size);
    if (p->flags & BP_POOL_ZERO)
        memset(b->data, 0, p->size);
}

/* Hands out a buffer of a pool without BP_POOL_ZERO or BP_POOL_POISON.
 * It writes nothing: an idle buffer's ref is ready (data_fill,
 * pool_release, bpi_pool_release), so that in a pipeline the lines of a
 * slot are written by the releasing thread only, if at all. */
static inline bp_ref *hand_out_plain(struct slot *sl)
{
    bp_buffer *b = &sl->buf;
    BPI_ASSERT(b->data != NULL && b->self.buffer == b);
    BPI_ASSERT(at_load_relaxed(&b->refcount) == IDLE_REFCOUNT);
    BPI_ASSERT(b->self.data == b->data && b->self.size == b->size);
    if (IDLE_REFCOUNT != 1)
        at_store_relaxed(&b->refcount, 1);
    return &b->self;
}

static inline bp_ref *hand_out(const bp_pool *p, struct slot *sl, bool fresh)
{
    if (bpi_unlikely(p->flags & (BP_POOL_ZERO | BP_POOL_POISON |
                                 POOL_CHECKED)))
        hand_out_flags(p, &sl->buf, fresh);
    return hand_out_plain(sl);
}

/* Whether refs counts max_buffers buffers (a capped pool). */
static bool refs_full(const bp_pool *p, uint64_t refs)
{
    return refs_buffers(refs) - 1 >= p->max;
}

/* Counts a buffer about to be allocated in refs; false at the cap.  A
 * reservation never takes refs over the cap, so a get at the cap changes
 * nothing another get, a waiter or a stats read could see.  seq_cst: the
 * cap check pairs with trim's and undo's "free, then wake". */
static bool reserve(bp_pool *p)
{
    if (!p->max) {
        at_fetch_add_seq_cst(&p->refs, 1);
        return true;
    }
    uint64_t r = at_load_seq_cst(&p->refs);
    do
        if (refs_full(p, r))
            return false;
    while (!at_cas_weak_seq_cst(&p->refs, &r, r + 1));
    BPI_ASSERT(refs_buffers(r + 1) - 1 <= p->max);
    return true;
}

/* The get paths return NULL with *err the errno of the failure, or
 * AT_CAP when the pool is at max_buffers with nothing idle (the callers
 * make that EAGAIN, or wait). */
#define AT_CAP 0

static bp_ref *get_new(bp_pool *p, struct tcache *tc, int *err)
{
    if (!reserve(p)) {
        *err = AT_CAP;
        return NULL;
    }
    struct slot *sl = slot_make(p, tc ? &tc->run : NULL);
    if (!sl) {
        *err = ENOMEM;
        goto undo;
    }
    int e = data_fill(p, sl);
    if (e < 0) {
        *err = -e;
        slots_free(&p->slots, sl);
        goto undo;
    }
    data_poison(p, sl);   /* as a reused one */
    stats_count(&p->stats.allocs);
    stats_count(&p->stats.get_allocs);
    peak_check(&p->stats, tc, NULL);
    return hand_out(p, sl, true);
undo:
    /* Cannot reach zero: the handle holds a reference. */
    at_fetch_sub_seq_cst(&p->refs, 1);
    if (p->max)
        wq_wake(&p->wq);   /* a get that met our reservation may wait */
    return NULL;
}

/* Owner, in the section: puts a chain into its items (up to cap_open),
 * then its ring, then the depot; returns its length. */
static size_t cache_fill(bp_pool *p, struct tcache *tc, uint32_t first)
{
    size_t placed = 0;
    uint64_t np = at_load_relaxed(&tc->np);
    unsigned n = np & NP_N;
    for (; first != NIL && n < tc->cap_open; placed++, n++) {
        tc->items[n] = slot_at(&p->slots, first);
        first = chain_next(&p->slots, first);
    }
    tc_set_n(tc, n);
    struct ring *r = first != NIL ? tc_ring(tc) : NULL;
    for (; first != NIL && r; placed++) {
        uint32_t next = chain_next(&p->slots, first);
        if (!ring_push(r, slot_at(&p->slots, first)))
            break;
        first = next;
    }
    return placed + depot_put_chain(&p->depot, first);
}

/* Hands out the first slot of a chain and keeps the rest near this thread
 * (cache_fill), or gives it to the depot when the cache is not
 * available. */
static bp_ref *get_from_chain(bp_pool *p, struct tcache *tc, uint32_t first)
{
    struct slot *sl = slot_at(&p->slots, first);
    uint32_t rest = chain_next(&p->slots, first);
    size_t placed = 0;
    if (rest != NIL) {
        if (tc && tc_enter(tc)) {
            placed = cache_fill(p, tc, rest);
            tc_leave(tc);
        } else {
            placed = depot_put_chain(&p->depot, rest);
        }
    }
    depot_transit_end(&p->depot, placed + 1);   /* rest idle again, sl out */
    stats_count(&p->stats.slow_reuses);
    peak_check(&p->stats, tc, NULL);
    return hand_out(p, sl, false);
}

/* Takes the oldest idle buffers of ring r: returns one, and puts more
 * into tc's items (the owner, in its section; with tc NULL just one): in
 * all claim_max (CLAIM_BYTES), or as many as the items have room for (up
 * to CLAIM_MAX) when r holds four times that many, so that a full ring
 * hands out big buffers in batches and a nearly empty one keeps them for
 * the other getters.  Counts the get as a reuse.  *due: r when the claim
 * spent r's credit (a peak check is due). */
static struct slot *claim(bp_pool *p, struct tcache *tc, struct ring *r,
                          struct ring **due)
{
    unsigned k = 1, most = 1;
    if (tc) {
        unsigned n = tc_n(tc);
        unsigned room = tc->cap_open > n ? tc->cap_open - n : 0;
        most = room + 1 < CLAIM_MAX ? room + 1 : CLAIM_MAX;
        k = most < p->caches.claim_max ? most : p->caches.claim_max;
    }
    struct slot *got[CLAIM_MAX];
    uint64_t left;
    unsigned m = ring_claim(r, got, k, most, tc ? &tc->xin : NULL,
                            tc ? &tc->xout : NULL, &left);
    if (!m)
        return NULL;
    if (tc) {
        /* One store: the extras above n, and the get counted. */
        uint64_t np = at_load_relaxed(&tc->np);
        for (unsigned i = 1; i < m; i++)
            tc->items[(np & NP_N) + i - 1] = got[i];
        BPI_ASSERT((np & NP_N) + m - 1 <= p->caches.cache_max);
        at_store_relaxed(&tc->np, np + (m - 1) + NP_POP);
        if (m > 1)
            at_store_relaxed(&tc->xout, at_load_relaxed(&tc->xout) + m - 1);
    } else {
        stats_count(&p->stats.slow_reuses);
    }
    if ((int64_t)left < at_load_relaxed(&r->lw))
        *due = r;
    return got[0];
}

/* Claims from the first non-empty ring of another cache (or one whose
 * thread exited), and remembers it as tc->src. */
static struct slot *steal(bp_pool *p, struct tcache *tc, struct ring **due)
{
    struct ring *own = tc ? at_load_relaxed(&tc->ring) : NULL;
    TC_FOR_EACH(&p->caches, t) {
        struct ring *r = at_load_acquire(&t->ring);
        if (!r || r == own || !ring_count(r))
            continue;
        struct slot *sl;
        if (tc && tc_enter(tc)) {
            sl = claim(p, tc, r, due);
            if (sl)
                tc->src = r;
            tc_leave(tc);
        } else {
            sl = claim(p, NULL, r, due);
        }
        if (sl)
            return sl;
    }
    return NULL;
}

/* Whether the pool is at max_buffers.  Relaxed: an estimate; get_new's
 * reservation decides. */
static bool at_cap(bp_pool *p)
{
    return p->max && refs_full(p, at_load_relaxed(&p->refs));
}

/* A get met max_buffers: the pool turns shared (tcache.h), once.  One
 * handshake with every cache (one heavy barrier in the pool's life) takes
 * what their items hold to the depot and leaves their cap_open 0 and their
 * gates closed.  Returns whether it did (the caller looks again). */
static bool enter_shared(bp_pool *p)
{
    /* seq_cst: see tc_open_cap. */
    if (at_xchg_seq_cst(&p->caches.shared, true))
        return false;
    size_t n;
    uint32_t first = tc_collect(&p->caches, false, true, SIZE_MAX, &n);
    depot_put_chain(&p->depot, first);
    depot_transit_end(&p->depot, n);
    return true;
}

/* This thread's items are empty or unusable: claim from its own ring, then
 * from the ring it last claimed from; take a chain from the depot; claim
 * from any ring; else (at the cap, once) make the pool shared and look
 * again; else a new buffer.  At the cap while a trim holds idle buffers
 * (to free some, to put the others back), it waits for the trim and tries
 * again, so that a trim never makes a get fail. */
static bp_ref *get_slow(bp_pool *p, struct tcache *tc, int *err)
{
    for (;;) {
        struct slot *sl = NULL;
        struct ring *due = NULL;
        if (tc && tc_enter(tc)) {
            tc_open_cap(tc);
            struct ring *own = at_load_relaxed(&tc->ring);
            if (own)
                sl = claim(p, tc, own, &due);
            if (!sl && tc->src && tc->src != own)
                sl = claim(p, tc, tc->src, &due);
            tc_leave(tc);
        }
        for (bool again = false; !sl; again = true) {
            unsigned cnt;
            uint32_t first = depot_take(&p->depot, &cnt);
            if (first != NIL)
                return get_from_chain(p, tc, first);
            sl = steal(p, tc, &due);
            if (sl || again || !at_cap(p) || !enter_shared(p))
                break;
        }
        if (sl) {
            if (due)
                peak_check(&p->stats, NULL, due);
            return hand_out(p, sl, false);
        }
        bp_ref *r = get_new(p, tc, err);
        if (r || *err != AT_CAP)
            return r;
        /* At the cap: a trim under way holds buffers it took while idle
         * (wait for it), and one that ended since our reservation failed
         * made room (try again).  seq_cst: pairs with the trim's
         * announcement and with its "free (refs), then end" (bp_pool_trim):
         * seeing it ended, we see what it freed. */
        if (!at_load_seq_cst(&p->depot.trims) &&
            refs_full(p, at_load_seq_cst(&p->refs)))
            return r;
        bpi_yield();
    }
}

/* Pops the top of this thread's cache; NULL when it is empty or cannot be
 * used. */
static struct slot *cache_pop(bp_pool *p, struct tcache *tc)
{
    if (!tc_enter(tc))
        return NULL;
    uint64_t np = at_load_relaxed(&tc->np);
    if ((np & NP_N) == 0) {
        tc_leave(tc);
        return NULL;
    }
    struct slot *sl = tc_take(tc, np);
    /* The pop spent the cache's credit (stats.h). */
    bool check = (int64_t)(np & NP_N) <= at_load_relaxed(&tc->lw);
    tc_leave(tc);
    if (check)
        peak_check(&p->stats, tc, NULL);
    return sl;
}

/* One attempt; NULL with *err set (AT_CAP included).  Does not count
 * failures.  seq_cst: a waiter announced itself before this load, and
 * bp_pool_set_flushing stores before it wakes the announced. */
static bp_ref *get_once(bp_pool *p, int *err)
{
    if (bpi_unlikely(at_load_seq_cst(&p->caches.flushing))) {
        *err = ECANCELED;
        return NULL;
    }
    if (bpi_unlikely(p->check & CK_NOCACHE))
        return get_new(p, NULL, err);
    struct tcache *tc = tc_lookup(&p->caches);
    struct slot *sl = tc ? cache_pop(p, tc) : NULL;
    return sl ? hand_out(p, sl, false) : get_slow(p, tc, err);
}

/* A get's failure: counted in the pool's statistics (every reason is the
 * pool's, none an invalid argument), errno set. */
static bp_ref *get_failed(bp_pool *p, int err)
{
    stats_count(&p->stats.failures);
    errno = err;
    return NULL;
}

BPI_NOINLINE static bp_ref *get_counted(bp_pool *pool)
{
    if (!pool) {
        errno = EINVAL;
        return NULL;
    }
    int err = 0;
    bp_ref *r = get_once(pool, &err);
    return r ? r : get_failed(pool, err == AT_CAP ? EAGAIN : err);
}

bp_ref *bp_pool_get(bp_pool *pool)
{
    /* The fast path: this thread's cache is known, free, and has a buffer
     * above its floor.  It calls nothing (the rest are tail calls), so it
     * needs no stack frame; get_counted() redoes the general case. */
    if (bpi_unlikely(!pool))
        return get_counted(pool);
    struct tcache *tc = tc_mine(&pool->caches);
    tc_begin(tc, TC_FAST_LIGHT);
    /* The floor is the Dekker load (closed while a remote request is
     * pending), seq_cst for acquire: n only after it, because a remote that
     * emptied the cache published the new n before opening the gate. */
    unsigned floor = at_load_seq_cst(&tc->floor);
    uint64_t np = at_load_relaxed(&tc->np);
    if (bpi_unlikely((np & NP_N) <= floor)) {
        tc_leave(tc);
        return get_counted(pool);
    }
    /* Above the floor: no peak check due. */
    struct slot *sl = tc_take(tc, np);
    tc_leave(tc);
    return hand_out_plain(sl);
}

bp_ref *bp_pool_get_timeout(bp_pool *pool, int64_t timeout_ns)
{
    if (!pool || timeout_ns < -1) {
        errno = EINVAL;   /* an invalid argument: not a pool failure */
        return NULL;
    }
    int err = 0;
    bp_ref *r = get_once(pool, &err);
    if (!r && err == AT_CAP && timeout_ns == 0)
        err = ETIMEDOUT;
    else if (!r && err == AT_CAP) {
        /* Every wake-up (a buffer made available, a signal, a spurious
         * one) retries; the deadline is on CLOCK_MONOTONIC. */
        int64_t deadline = wq_deadline(timeout_ns);
        wq_announce(&pool->wq);
        for (;;) {
            unsigned seq = wq_seq(&pool->wq);
            r = get_once(pool, &err);
            if (r || err != AT_CAP)
                break;
            if (!wq_wait(&pool->wq, seq, deadline)) {
                err = ETIMEDOUT;
                break;
            }
        }
        wq_leave(&pool->wq);
    }
    return r ? r : get_failed(pool, err);
}

int bp_pool_set_flushing(bp_pool *pool, int on)
{
    if (!pool)
        return -EINVAL;
    tc_pool_set_flushing(&pool->caches, on != 0);
    /* After the store: a waiter's retry sees it, or we see the waiter. */
    if (on)
        wq_wake(&pool->wq);
    return 0;
}

/* ---- release --------------------------------------------------------------- */

/* Owner, in the section: puts sl on its ring; when the ring is full, its
 * oldest go to the depot first (keeping their credit).  false when no ring
 * can be made (out of memory). */
static bool ring_put(bp_pool *p, struct tcache *tc, struct slot *sl)
{
    struct ring *r = tc_ring(tc);
    if (!r)
        return false;
    while (!ring_push(r, sl)) {
        struct slot *got[DEPOT_CHAIN_MAX];
        uint64_t left;
        /* In transit before they leave: at most DEPOT_CHAIN_MAX. */
        depot_transit_begin(&p->depot, DEPOT_CHAIN_MAX);
        unsigned m = ring_claim(r, got, DEPOT_CHAIN_MAX, DEPOT_CHAIN_MAX,
                                NULL, NULL, &left);
        for (unsigned i = 0; i < m; i++)
            chain_link(got[i], i + 1 < m ? got[i + 1]->idx : NIL);
        if (m) {
            at_fetch_sub_relaxed(&r->lw, (int64_t)m);
            tc_depot_put(tc, got[0]->idx, m);
        }
        depot_transit_end(&p->depot, DEPOT_CHAIN_MAX);
    }
    return true;
}

/* BUFPOOL_CHECK=nocache: a released buffer is freed at once.  The pin
 * keeps the pool for the wake after the buffer's reference is gone. */
static void release_free(bp_pool *p, struct slot *sl)
{
    data_drain(p, sl);
    slots_free(&p->slots, sl);
    at_fetch_add_relaxed(&p->refs, REFS_PIN);
    at_fetch_add_relaxed(&p->stats.freed, 1);    /* before refs, as trim */
    /* seq_cst: pairs with get_new's cap check, as trim's free. */
    at_fetch_sub_seq_cst(&p->refs, 1);
    if (p->max)
        wq_wake(&p->wq);
    pool_unref(p, REFS_PIN);
}

/* Owner, in the section: moves the k oldest of its items to its ring (or,
 * without one, to the depot).  The credit moves with them (stats.h). */
static void items_to_ring(bp_pool *p, struct tcache *tc, unsigned k)
{
    unsigned n = tc_n(tc), i = 0;
    if (k > n)
        k = n;
    /* Pushed first, taken out of items after: never missed by stats. */
    for (; i < k; i++)
        if (!ring_put(p, tc, tc->items[i]))
            break;
    if (i) {
        tc_set_n(tc, 0);   /* see tc_flush: n 0 while the rest moves */
        memmove(tc->items, tc->items + i, (n - i) * sizeof(tc->items[0]));
        tc_set_n(tc, n - i);
        tc_set_lw(tc, at_load_relaxed(&tc->lw) - i);
        at_fetch_add_relaxed(&at_load_relaxed(&tc->ring)->lw, (int64_t)i);
    }
    if (i < k)
        tc_flush(tc, k - i);
}

/* Owner, in the section (where the pool cannot go away): caches a
 * released slot in its items while they have room (up to cap_open), else
 * in its ring. */
static void cache_put(bp_pool *p, struct tcache *tc, struct slot *sl)
{
    unsigned n = tc_n(tc);
    if (n >= tc->cap_open && tc->cap_open) {
        /* The items are full.  A thread that got nothing since it last
         * overflowed only releases: it caches nothing from now on, so that
         * its releases reach the getters through its ring instead of lying
         * idle here.  Otherwise the older half moves to the ring. */
        uint64_t pops = tc_pops(tc);
        bool getter = pops != tc->pops_seen;
        tc->pops_seen = pops;
        if (!getter)
            tc_close_cap(tc);
        items_to_ring(p, tc, getter ? n / 2 + 1 : n);
        n = tc_n(tc);
    }
    if (n < tc->cap_open) {
        tc_put(tc, sl, at_load_relaxed(&tc->np));
        return;
    }
    if (!ring_put(p, tc, sl)) {
        chain_link(sl, NIL);
        tc_depot_put(tc, sl->idx, 1);   /* wakes waiters */
        return;
    }
    /* Only a shared pool has waiters.  The fence: our push (a release
     * store of tail) and the load of waiters in wq_wake must not pass each
     * other, or a waiter that just looked at the ring would sleep unwoken
     * (its side: wq_announce). */
    if (at_load_relaxed(&p->caches.shared)) {
        at_fence_seq_cst();
        wq_wake(&p->wq);
    }
}

/* Owner, outside the section, with req REQ_ORPHAN: frees what uninit left
 * in its cache, and sl too unless NULL.  The pool may be gone after. */
static void orphans_free(bp_pool *p, struct tcache *tc, struct slot *sl)
{
    size_t n;
    uint32_t first = tc_orphan_take(tc, &n);
    chain_drain(p, first, n);
    if (sl)
        data_drain(p, sl);
    pool_unref(p, n + (sl != NULL));
}

void bpi_release_slow(bp_pool *p, bp_buffer *b)
{
    struct slot *sl = slot_of(b);
    BPI_ASSERT(b->pool == p && sl == slot_at(&p->slots, sl->idx));
    BPI_ASSERT(at_load_relaxed(&b->refcount) == IDLE_REFCOUNT);
    /* The last release: every holder's accesses happen before the reset
     * callback and the buffer's next use. */
    if (p->check)
        ck_acquire(b);
    if (p->reset) {
        p->reset(p->opaque, sl->buf.data, p->size);
        if (p->check)
            sl->buf.flags |= BPI_FLAG_RESET;
    }
    data_idle(p, sl);
    if (bpi_unlikely(p->check & CK_NOCACHE)) {
        release_free(p, sl);
        return;
    }
    struct tcache *tc = tc_lookup(&p->caches);
    if (tc) {
        if (tc_enter(tc)) {
            cache_put(p, tc, sl);
            /* Read before we leave: after it, uninit may free the pool,
             * unless the depot refused buffers, whose references keep it
             * (uninit then left the cache to us). */
            bool refused = tc->refused_n != 0;
            tc_leave(tc);
            if (bpi_unlikely(refused))
                orphans_free(p, tc, NULL);
            return;
        }
        /* Acquire: after REQ_CLOSED, free the buffer ourselves; after
         * REQ_ORPHAN, also those uninit left in our cache. */
        unsigned req = at_load_acquire(&tc->req);
        if (req == REQ_ORPHAN) {
            orphans_free(p, tc, sl);
            return;
        }
        if (req == REQ_CLOSED) {
            data_drain(p, sl);
            pool_unref(p, 1);
            return;
        }
    }
    /* No cache, or a remote thread is using it: straight to the depot.
     * Once pushed, the buffer may be freed by bp_pool_uninit at once, yet
     * depot_put still wakes waiters: pin the pool meanwhile (a pin is not
     * a buffer: the cap and the statistics do not see it).  Relaxed: our
     * buffer already holds a reference. */
    at_fetch_add_relaxed(&p->refs, REFS_PIN);
    chain_link(sl, NIL);
    if (!depot_put(&p->depot, sl->idx, 1)) {   /* closed */
        data_drain(p, sl);
        pool_unref(p, 1);
    }
    pool_unref(p, REFS_PIN);
}

void bpi_pool_release(bp_buffer *b)
{
    /* The last reference went through the count: re-arm it for the next
     * get (relaxed: the buffer is ours alone until a get hands it out). */
    at_store_relaxed(&b->refcount, IDLE_REFCOUNT);
    pool_release(b->pool, b);
}

/* ---- what the caches ask of the pool (struct tc_hooks) --------------------- */

static bp_pool *pool_of_caches(struct tc_pool *tp)
{
    return (bp_pool *)(void *)((char *)tp - offsetof(bp_pool, caches));
}

/* The buffers an orphaned cache held (thread_exit): the owner frees them. */
static void pool_orphan_free(struct tc_pool *tp, uint32_t first, size_t n)
{
    bp_pool *p = pool_of_caches(tp);
    chain_drain(p, first, n);
    pool_unref(p, n);
}

/* In a fork() child: the reservations of vanished threads (counted in
 * refs, never allocated: refs_buffers - 1 > allocs - freed) are undone, so
 * that the cap and the statistics agree again. */
static void pool_after_fork(struct tc_pool *tp)
{
    bp_pool *p = pool_of_caches(tp);
    uint64_t have = at_load_relaxed(&p->stats.allocs) -
                    at_load_relaxed(&p->stats.freed);
    uint64_t counted = refs_buffers(at_load_relaxed(&p->refs)) - 1;
    if (counted > have)
        at_fetch_sub_seq_cst(&p->refs, counted - have);
}

static const struct tc_hooks pool_hooks = {
    pool_orphan_free, pool_after_fork
};

/* ---- creation ---------------------------------------------------------------- */

/* The first version's bp_pool_config ends with pool_free. */
#define CONFIG_V0_SIZE (offsetof(bp_pool_config, pool_free) + \
                        sizeof(((bp_pool_config *)0)->pool_free))

/* The alignment a pool's own allocation uses: 64 by default, at least a
 * pointer's (posix_memalign). */
static size_t effective_align(const bp_pool_config *c)
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
    else if (c->size > SIZE_MAX - (effective_align(c) - 1)) {
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

/* Idle buffers one thread caches: big buffers fewer, so that the idle
 * memory held for a thread stays near CACHE_BYTES, but never fewer than
 * CACHE_MIN, which covers the buffers a thread usually holds at once. */
#define CACHE_BYTES ((size_t)4 << 20)
#define CACHE_MIN   8

static unsigned cache_size(const bp_pool_config *c, size_t alloc_size)
{
    if (c->flags & BP_POOL_NO_CACHE)
        return 0;
    if (c->cache)
        return (unsigned)c->cache;
    size_t fit = CACHE_BYTES / alloc_size;
    return fit >= CACHE_MAX ? CACHE_MAX : fit <= CACHE_MIN ? CACHE_MIN
                                                         : (unsigned)fit;
}

/* Buffers one claim takes from a ring at least (if there): the one handed
 * out and those kept in the claimer's items, hidden from other getters
 * until it uses them, at most CLAIM_BYTES of them (DESIGN.md, "The
 * hand-off"). */
static unsigned claim_size(size_t alloc_size)
{
    size_t fit = CLAIM_BYTES / alloc_size;
    return fit >= CLAIM_MAX ? CLAIM_MAX : fit ? (unsigned)fit : 1;
}

/* A pool from a checked config, with no buffer yet.  NULL when out of
 * memory. */
static bp_pool *pool_make(const bp_pool_config *cfg)
{
    size_t align = effective_align(cfg);
    tc_init_once();
    bp_pool *p = bpi_aligned_alloc(alignof(bp_pool), sizeof(*p));
    if (!p)
        return NULL;
    memset(p, 0, sizeof(*p));
    p->size = cfg->size;
    p->align = align;
    p->data_align = cfg->align ? cfg->align : 1;
    p->alloc_size = (cfg->size + align - 1) & ~(align - 1);
    p->min = cfg->min_buffers;
    p->max = cfg->max_buffers;
    p->flags = cfg->flags;
    p->alloc = cfg->alloc;
    p->opaque = cfg->opaque;
    p->reset = cfg->reset;
    p->pool_free = cfg->pool_free;
    /* Under a checker every buffer has per-buffer work, and a race detector
     * sees no per-thread caches (checkers.h). */
    p->check = ck_mode();
    if (p->check)
        p->flags |= POOL_CHECKED;
    unsigned cache_max = p->check & (CK_RACES | CK_NOCACHE)
                         ? 0 : cache_size(cfg, p->alloc_size);
    /* Per-buffer work on get or release: the general path does it. */
    bool fast = !cfg->reset && !p->check &&
                !(cfg->flags & (BP_POOL_ZERO | BP_POOL_POISON |
                                BP_POOL_NO_CACHE));
    slots_init(&p->slots);
    wq_init(&p->wq);
    depot_init(&p->depot, &p->slots, &p->wq);
    if (tc_pool_init(&p->caches, cache_max, claim_size(p->alloc_size),
                     fast, &p->depot, &pool_hooks) < 0) {
        free(p);
        return NULL;
    }
    stats_init(&p->stats, &p->depot, &p->caches);
    atomic_init(&p->refs, 1);
    ck_internal(p, sizeof(*p));
    return p;
}

/* Allocates n buffers into the depot of a pool no other thread knows yet.
 * 0, or a negative errno after freeing what it made. */
static int prefill(bp_pool *p, size_t n)
{
    uint32_t all = NIL;
    for (size_t k = 0; k < n; k++) {
        struct slot *sl = slot_make(p, NULL);
        int e = sl ? data_fill(p, sl) : -ENOMEM;
        if (e < 0) {
            chain_drain(p, all, k);
            return e;
        }
        data_idle(p, sl);
        chain_link(sl, all);
        all = sl->idx;
    }
    at_store_relaxed(&p->refs, 1 + (uint64_t)n);
    at_store_relaxed(&p->stats.allocs, n);
    depot_put_chain(&p->depot, all);
    return 0;
}

/* Check, allocate, prefill; a failure unwinds what was made (the user's
 * pool_free is not called). */
bp_pool *bp_pool_new(const bp_pool_config *user_cfg)
{
    bp_pool_config cfg;
    const char *why;
    int e = config_load(user_cfg, &cfg, &why);
    if (e < 0) {
        errno = -e;
        return NULL;
    }
    bp_pool *p = pool_make(&cfg);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    /* BUFPOOL_CHECK=nocache: no idle buffers, ever. */
    e = p->check & CK_NOCACHE ? 0 : prefill(p, cfg.min_buffers);
    if (e < 0) {
        pool_free_parts(p);
        errno = -e;
        return NULL;
    }
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
    if (p) {
        p->alloc1 = alloc;   /* no buffer was allocated yet */
        p->data_align = 1;
    }
    return p;
}

/* ---- trim, uninit, stats ------------------------------------------------------ */

/* Frees the data of the chain first (cnt slots, the caller's) and puts
 * the slots on the empty list. */
static void chain_free(bp_pool *p, uint32_t first, size_t cnt)
{
    for (size_t k = 0; k < cnt; k++) {
        struct slot *sl = slot_at(&p->slots, first);
        first = chain_next(&p->slots, first);
        data_drain(p, sl);
        slots_free(&p->slots, sl);
    }
}

/* Claims up to max idle buffers from the caches' rings into one chain
 * (the caller's), counted in transit; *count its length.  The rings keep
 * their credit (stats.h). */
static uint32_t rings_take(bp_pool *p, size_t max, size_t *count)
{
    uint32_t first = NIL;
    *count = 0;
    TC_FOR_EACH(&p->caches, t) {
        struct ring *r = at_load_acquire(&t->ring);
        while (r && *count < max) {
            struct slot *got[DEPOT_CHAIN_MAX];
            uint64_t left;
            unsigned k = max - *count < DEPOT_CHAIN_MAX ?
                         (unsigned)(max - *count) : DEPOT_CHAIN_MAX;
            depot_transit_begin(&p->depot, k);
            unsigned m = ring_claim(r, got, k, k, NULL, NULL, &left);
            depot_transit_end(&p->depot, k - m);
            if (!m)
                break;
            at_fetch_sub_relaxed(&r->lw, (int64_t)m);
            for (unsigned i = 0; i < m; i++) {
                chain_link(got[i], first);
                first = got[i]->idx;
            }
            *count += m;
        }
    }
    return first;
}

/* Takes from the depot first, then the rings, then the oldest of the
 * caches' items, only as many as it frees; what it takes beyond that (the
 * rest of a depot chain) goes straight back.  While it holds buffers, a get at the cap waits for it
 * (get_slow), so a trim never makes a get fail. */
size_t bp_pool_trim(bp_pool *pool, size_t keep_idle)
{
    if (!pool)
        return 0;
    bp_pool *p = pool;
    size_t idle = stats_idle(&p->stats);
    size_t need = idle > keep_idle ? idle - keep_idle : 0, freed = 0, moved = 0;
    if (need) {
        /* seq_cst: a get at the cap that found nothing sees us (or we
         * took nothing it could have had). */
        at_fetch_add_seq_cst(&p->depot.trims, 1);
        unsigned cnt;
        uint32_t first;
        while (freed < need && (first = depot_take(&p->depot, &cnt)) != NIL) {
            size_t k;
            uint32_t rest = chain_cut(&p->slots, first, need - freed, &k);
            chain_free(p, first, k);
            freed += k;
            depot_put_chain(&p->depot, rest);
            moved += cnt;
        }
        if (freed < need) {
            size_t n;
            first = rings_take(p, need - freed, &n);
            chain_free(p, first, n);
            freed += n;
            moved += n;
        }
        if (freed < need) {
            size_t n;
            first = tc_collect(&p->caches, false, false, need - freed, &n);
            chain_free(p, first, n);
            freed += n;
            moved += n;
        }
        /* Fewer buffers before fewer in transit: in_use never looks
         * higher than it is.  seq_cst: pairs with get_new's cap check (a
         * waiter may allocate). */
        if (freed) {
            at_fetch_add_relaxed(&p->stats.freed, freed);
            at_fetch_sub_seq_cst(&p->refs, freed);
        }
        depot_transit_end(&p->depot, moved);
        at_fetch_sub_seq_cst(&p->depot.trims, 1);
        if (freed)
            wq_wake(&p->wq);
    }
    peak_check(&p->stats, NULL, NULL);
    return freed;
}

void bp_pool_uninit(bp_pool **pool)
{
    if (!pool || !*pool)
        return;
    bp_pool *p = *pool;
    *pool = NULL;
    /* No new caches; those made before are in the registry. */
    tc_pool_close(&p->caches);
    size_t total, more;
    uint32_t all = tc_collect(&p->caches, true, true, SIZE_MAX, &total);
    /* A depot push either lands before the close (and its chain is
     * returned here) or sees the depot closed and frees its chain itself. */
    uint32_t rest = depot_close(&p->depot, &more);
    if (more)
        all = chain_prepend(&p->slots, all, rest, more);
    size_t freed = chain_drain(p, all, total + more);
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
    if (!pool)
        return -EINVAL;
    return stats_get(&pool->stats, out);
}

/* ---- info, dump ---------------------------------------------------------------- */

/* The first version's bp_pool_info ends with flushing. */
#define INFO_V0_SIZE (offsetof(bp_pool_info, flushing) + \
                      sizeof(((bp_pool_info *)0)->flushing))

static void info_now(const bp_pool *pool, bp_pool_info *v,
                     bp_pool_stats *st)
{
    bp_pool *p = (bp_pool *)pool;   /* only read */
    bool own = !p->alloc && !p->alloc1;
    size_t threads;
    *st = (bp_pool_stats)BP_POOL_STATS_INIT;
    stats_get(&p->stats, st);
    memset(v, 0, sizeof(*v));
    v->struct_size = sizeof(*v);
    v->size = p->size;
    v->align = own ? p->align : p->data_align > 1 ? p->data_align : 0;
    v->overhead = sizeof(struct slot);
    v->buffer_bytes = (own ? p->alloc_size : p->size) + v->overhead;
    v->buffers = st->in_use + st->idle;
    v->bytes = v->buffers * (v->buffer_bytes - v->overhead) +
               slots_bytes(&p->slots) + sizeof(*p) +
               tc_pool_bytes(&p->caches, &threads);
    v->cache = p->caches.cache_max;
    v->threads = threads;
    v->min_buffers = p->min;
    v->max_buffers = p->max;
    v->flags = p->flags & ~POOL_CHECKED;   /* as configured */
    v->flushing = at_load_relaxed(&p->caches.flushing) != 0;
}

int bp_pool_get_info(const bp_pool *pool, bp_pool_info *out)
{
    if (!pool || !out || out->struct_size < INFO_V0_SIZE)
        return -EINVAL;
    bp_pool_info v;
    bp_pool_stats st;
    info_now(pool, &v, &st);
    v.struct_size = out->struct_size;
    bpi_struct_out(out, out->struct_size, &v, sizeof(v));
    return 0;
}

int bp_pool_dump(const bp_pool *pool, FILE *f)
{
    if (!pool || !f)
        return -EINVAL;
    bp_pool *p = (bp_pool *)pool;   /* only read */
    bp_pool_info v;
    bp_pool_stats st;
    info_now(pool, &v, &st);
    const char *fl[] = { "ZERO", "POISON", "NO_CACHE" };
    char flags[40] = "";
    for (unsigned k = 0; k < 3; k++)
        if (p->flags & (1u << k))
            snprintf(flags + strlen(flags), sizeof(flags) - strlen(flags),
                     "%s%s", *flags ? "|" : "", fl[k]);
    char max[24] = "unbounded";
    if (p->max)
        snprintf(max, sizeof(max), "%zu", p->max);
    int e = 0;
#define OUT(...) (fprintf(f, __VA_ARGS__) < 0 ? (void)(e = 1) : (void)0)
    OUT("bufpool pool %p\n", (void *)p);
    OUT("  size %zu, align %zu, %zu bytes per buffer (%zu of bookkeeping)\n",
        v.size, v.align, v.buffer_bytes, v.overhead);
    OUT("  buffers %zu (min %zu, max %s), %zu bytes held\n", v.buffers,
        v.min_buffers, max, v.bytes);
    OUT("  flags %s, %s allocation%s\n", *flags ? flags : "none",
        p->alloc || p->alloc1 ? "callback" : "library", p->reset ? ", reset"
                                                                : "");
    OUT("  cache %zu per thread, %zu thread caches; fast paths %s (%s)\n",
        v.cache,
        v.threads, p->caches.fast && (at_load_relaxed(&bpi_light) ||
                                      !TC_FAST_LIGHT) ? "on" : "off",
        at_load_relaxed(&bpi_light) ? "membarrier" : "fenced");
    OUT("  flushing %s, waiters %u\n", v.flushing ? "on" : "off",
        at_load_relaxed(&p->wq.waiters));
    OUT("  stats: gets %llu, reuses %llu, allocs %llu, failures %llu, "
        "in_use %zu, idle %zu, peak_in_use %zu\n",
        (unsigned long long)st.gets, (unsigned long long)st.reuses,
        (unsigned long long)st.allocs, (unsigned long long)st.failures,
        st.in_use, st.idle, st.peak_in_use);
    OUT("  idle in the shared store: %lld, in transit: %lld\n",
        (long long)at_load_relaxed(&p->depot.count),
        (long long)(at_load_relaxed(&p->depot.transit_in) -
                    at_load_relaxed(&p->depot.transit_out)));
    unsigned k = 0;
    TC_FOR_EACH(&p->caches, tc) {
        static const char *req[] = { "", ", in remote use", ", closing",
                                     ", closed", ", orphaned" };
        unsigned r = at_load_relaxed(&tc->req);
        OUT("  thread cache %u: %u idle, %llu gets%s\n", k++, tc_n(tc),
            (unsigned long long)tc_pops(tc), r < 5 ? req[r] : "");
    }
#undef OUT
    return e ? -EIO : 0;
}
