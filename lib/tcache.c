/* tcache.c - per-thread caches: thread numbers and each pool's array of
 * caches by number, making a thread's cache, giving it back when the thread
 * exits, and the remote side of the owner/remote handshake.  See
 * tcache.h. */
#include "config.h"

#include "tcache.h"
#include "checkers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

atomic_int bpi_light;

_Thread_local uint32_t bpi_tl_tid __attribute__((tls_model("initial-exec")));

enum { TL_NEW, TL_LIVE, TL_EXITING, TL_FAILED };
static _Thread_local unsigned char tl_state
    __attribute__((tls_model("initial-exec")));

struct tcache bpi_tc_none = {
    .cap = 0, .floor = FLOOR_CLOSED, .req = REQ_BUSY, .fenced = 1,
};

/* The registry, under `lock`: every pool that is not destroyed yet (their
 * arrays grow with the thread numbers), and the thread numbers in use.
 * Taken when a pool is made, closed or destroyed, when a thread first uses
 * a pool or exits, and around fork(). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tc_pool *pools;
static uint64_t tid_first = 1;     /* the first 64 numbers' bits */
static uint64_t *tid_used = &tid_first;  /* bit 0 (no number) always set */
static uint32_t tid_words = 1;     /* of tid_used */
static uint32_t tid_cap = TC_INLINE;   /* every pool's cap is at least this */
static pthread_key_t exit_key;
static int exit_key_ok;

static void thread_exit(void *unused);
static bool arrays_grow(struct tc_pool *tp, uint32_t cap, bool more);
static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    /* The caches are the library's own memory (checkers.h). */
    ck_internal(&bpi_tc_none, sizeof(bpi_tc_none));
    at_store_relaxed(&bpi_light, bpi_heavy_barrier_init());
    exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    ck_release(&once);
}

void tc_init_once(void)
{
    pthread_once(&once, init);
    /* helgrind does not know that pthread_once orders init() before. */
    if (ck_mode())
        ck_acquire(&once);
}

int tc_pool_init(struct tc_pool *tp, unsigned cache_max, unsigned claim_max,
                 bool fast, struct depot *depot, const struct tc_hooks *hooks)
{
    tp->cache_max = cache_max;
    tp->claim_max = claim_max;
    tp->fast = (at_load_relaxed(&bpi_light) || !TC_FAST_LIGHT) && fast;
    atomic_init(&tp->shared, false);
    tp->closed = false;
    atomic_init(&tp->flushing, 0);
    tp->hooks = hooks;
    atomic_init(&tp->registry, NULL);
    tp->depot = depot;
    for (unsigned k = 0; k < TC_INLINE; k++)
        tp->inl[k] = &bpi_tc_none;
    atomic_init(&tp->arr, tp->inl);
    tp->cap = TC_INLINE;
    tp->heap = NULL;
    pthread_mutex_lock(&lock);
    bool ok = arrays_grow(tp, tid_cap, false);
    if (ok) {
        tp->prev = NULL;
        tp->next = pools;
        if (pools)
            pools->prev = tp;
        pools = tp;
    }
    pthread_mutex_unlock(&lock);
    if (!ok)
        free(tp->heap);
    return ok ? 0 : -ENOMEM;
}

size_t tc_pool_bytes(struct tc_pool *tp, size_t *count)
{
    size_t n = 0, bytes = 0;
    TC_FOR_EACH(tp, tc) {
        n++;
        if (at_load_acquire(&tc->ring))
            bytes += sizeof(struct ring);
    }
    /* The heap copies of the array change under the lock. */
    pthread_mutex_lock(&lock);
    for (struct tc_array *a = tp->heap; a; a = a->older)
        bytes += sizeof(*a) + a->cap * sizeof(a->tc[0]);
    pthread_mutex_unlock(&lock);
    *count = n;
    return bytes + n * sizeof(struct tcache);
}

void tc_pool_close(struct tc_pool *tp)
{
    pthread_mutex_lock(&lock);
    tp->closed = true;
    pthread_mutex_unlock(&lock);
}

void tc_pool_fini(struct tc_pool *tp)
{
    pthread_mutex_lock(&lock);
    if (tp->prev)
        tp->prev->next = tp->next;
    else
        pools = tp->next;
    if (tp->next)
        tp->next->prev = tp->prev;
    pthread_mutex_unlock(&lock);
    struct tcache *tc = at_load_acquire(&tp->registry), *next;
    for (; tc; tc = next) {
        next = tc->pnext;
        free(at_load_relaxed(&tc->ring));
        free(tc);
    }
    for (struct tc_array *a = tp->heap, *older; a; a = older) {
        older = a->older;
        free(a);
    }
}

/* ---- the remote side of the gates ------------------------------------------ */

/* After setting req: closes the fast paths' gates, so that an owner that
 * enters after the following heavy barrier takes a general path, which
 * sees req.  seq_cst: the Dekker store, like req's. */
static void tc_block(struct tcache *tc)
{
    at_store_seq_cst(&tc->cap, 0);
    at_xchg_seq_cst(&tc->floor, FLOOR_CLOSED);
}

/* Whether tc's gates may open: the pool's fast paths run (they may, and
 * the pool is not shared), and they would not be light sections that the
 * handshake can no longer exclude (fenced mode; fenced is read after the
 * owner's last leave, so a cache acknowledged meanwhile stays closed). */
static bool gates_open_ok(struct tcache *tc)
{
    struct tc_pool *tp = tc->pool;
    return tp->fast && !at_load_relaxed(&tp->shared) &&
           (!TC_FAST_LIGHT || (at_load_relaxed(&bpi_light) &&
                               !at_load_relaxed(&tc->fenced)));
}

/* Opens the floor again where the gates may open, unless the pool is
 * flushing.  Release: our changes to items and n happen-before the owner's
 * next fast get, which loads the gate with acquire. */
static void tc_open_floor(struct tcache *tc)
{
    /* seq_cst: pairs with tc_pool_set_flushing's store. */
    if (gates_open_ok(tc) && !at_load_seq_cst(&tc->pool->flushing))
        at_store_release(&tc->floor, floor_of(at_load_relaxed(&tc->lw)));
}

/* Opens them again, before req is cleared, as far as they may be: the cap
 * to cap_open (the owner's: read only while we exclude it), the floor as
 * tc_open_floor.  Release, as there. */
static void tc_unblock(struct tcache *tc)
{
    if (!gates_open_ok(tc))
        return;
    at_store_release(&tc->cap, tc->cap_open);
    tc_open_floor(tc);
}

/* Claims tc for a remote operation: one at a time.  Acquire: the previous
 * one's changes to items are visible. */
static void tc_claim(struct tcache *tc)
{
    while (at_xchg_acquire(&tc->rbusy, 1))
        bpi_yield();
}

static void tc_unclaim(struct tcache *tc)
{
    at_store_release(&tc->rbusy, 0);
}

void tc_pool_set_flushing(struct tc_pool *tp, bool on)
{
    /* seq_cst: a cache made meanwhile is in the registry read below, or
     * its maker reads this store (cache_new). */
    at_store_seq_cst(&tp->flushing, on);
    for (struct tcache *tc = at_load_seq_cst(&tp->registry); tc;
         tc = tc->pnext) {
        tc_claim(tc);
        /* The last one to get here reads the last value stored (concurrent
         * calls agree); a cache in remote use gets the value when the
         * remote unblocks it.  Flushing moves only the floor: the owner
         * may be changing cap_open meanwhile (tc_open_cap), and the cap
         * is not ours to set without excluding it. */
        if (at_load_relaxed(&tc->req) == REQ_NONE) {
            if (at_load_seq_cst(&tp->flushing))
                at_xchg_seq_cst(&tc->floor, FLOOR_CLOSED);
            else
                tc_open_floor(tc);
        }
        tc_unclaim(tc);
    }
}

/* ---- fenced mode -------------------------------------------------------------- */

void tc_fence_ack(struct tcache *tc)
{
    /* In a fenced section that excludes remotes: from now on the fast
     * paths, whose sections are light, find the gates closed. */
    if (TC_FAST_LIGHT)
        tc_block(tc);
    /* seq_cst, and the load of shared: against enter_shared's "shared,
     * then (tc_collect) load fenced": either it takes this cache, or we
     * see shared here and do what it would have done. */
    at_store_seq_cst(&tc->fenced, 1);
    if (at_load_seq_cst(&tc->pool->shared)) {
        tc_flush(tc, tc_n(tc));
        tc->cap_open = 0;
    }
}

/* The heavy barrier failed: fenced mode for good.  Closes every gate of
 * tp, so that its owners acknowledge at their next get or release. */
static void tc_go_fenced(struct tc_pool *tp)
{
    at_store_seq_cst(&bpi_light, 0);
    TC_FOR_EACH(tp, tc)
        tc_block(tc);
}

/* ---- owner operations ------------------------------------------------------ */

void tc_flush(struct tcache *tc, unsigned k)
{
    unsigned n = tc_n(tc);
    if (k > n)
        k = n;
    if (!k)
        return;
    struct depot *d = tc->pool->depot;
    for (unsigned i = 0; i + 1 < k; i++)
        chain_link(tc->items[i], tc->items[i + 1]->idx);
    chain_link(tc->items[k - 1], NIL);
    uint32_t first = tc->items[0]->idx;
    /* n is 0 while the rest moves down: a fork() child, which sees this
     * thread stopped anywhere, then finds a cache with fewer buffers,
     * never one with a buffer twice (fork_child).  Meanwhile all n are
     * counted in transit, so that a concurrent stats read never misses
     * them (the chain until it reaches the depot); moving k keeps this
     * cache's credit (n - lw, stats.c). */
    depot_transit_begin(d, n);
    tc_set_n(tc, 0);
    memmove(tc->items, tc->items + k, (n - k) * sizeof(tc->items[0]));
    tc_set_n(tc, n - k);
    depot_transit_end(d, n - k);
    tc_set_lw(tc, at_load_relaxed(&tc->lw) - k);
    tc_depot_put(tc, first, k);
    depot_transit_end(d, k);
}

void tc_depot_put(struct tcache *tc, uint32_t first, unsigned n)
{
    if (depot_put(tc->pool->depot, first, n))
        return;
    /* Acquire (depot_put): uninit's REQ_ORPHAN is visible. */
    BPI_ASSERT(at_load_relaxed(&tc->req) == REQ_ORPHAN);
    tc->refused_first = chain_prepend(tc->pool->depot->slots,
                                      tc->refused_n ? tc->refused_first : NIL,
                                      first, n);
    tc->refused_n += n;
}

/* Claims everything in r onto the chain first; adds to *count.  transit:
 * counted in transit there until the caller places them (NULL: the pool
 * is closed and they are freed).  Other claimers may race; the owner may
 * push more meanwhile only when it could not be excluded (REQ_ORPHAN: it
 * takes those itself). */
static uint32_t ring_drain(struct ring *r, struct depot *transit,
                           uint32_t first, size_t *count)
{
    if (!r)
        return first;
    struct slot *got[CACHE_MAX];
    uint64_t left;
    unsigned m;
    while ((m = ring_claim(r, got, CACHE_MAX, CACHE_MAX, NULL, NULL,
                           &left)) > 0) {
        if (transit)
            depot_transit_begin(transit, m);
        for (unsigned i = 0; i < m; i++) {
            chain_link(got[i], first);
            first = got[i]->idx;
        }
        *count += m;
    }
    return first;
}

uint32_t tc_orphan_take(struct tcache *tc, size_t *count)
{
    unsigned n = tc_n(tc);
    uint32_t first = NIL;
    for (unsigned i = 0; i < n; i++) {
        chain_link(tc->items[i], first);
        first = tc->items[i]->idx;
    }
    tc_set_n(tc, 0);
    *count = n;
    first = ring_drain(at_load_acquire(&tc->ring), NULL, first, count);
    if (tc->refused_n) {
        first = chain_prepend(tc->pool->depot->slots, first,
                              tc->refused_first, tc->refused_n);
        *count += tc->refused_n;
        tc->refused_n = 0;
    }
    at_store_relaxed(&tc->req, REQ_CLOSED);
    return first;
}

void tc_open_cap(struct tcache *tc)
{
    struct tc_pool *tp = tc->pool;
    /* seq_cst: against enter_shared's "shared, then collect": either it
     * collects this cache after we leave, or we see shared here. */
    if (tc->cap_open || !tp->cache_max || at_load_seq_cst(&tp->shared))
        return;
    tc->cap_open = tp->cache_max;
    tc->pops_seen = tc_pops(tc);
    if (!gates_open_ok(tc))
        return;
    /* The gate, with a seq_cst store, closed again if a remote request
     * came meanwhile: a remote stores req, then closes the gate, both
     * seq_cst, so either we see its req here or its close comes after our
     * open; the gate stays closed while it works (tc_unblock reopens it to
     * cap_open, read after we left).  The same against tc_go_fenced's
     * "bpi_light 0, then close every gate". */
    at_store_seq_cst(&tc->cap, tc->cap_open);
    if (at_load_seq_cst(&tc->req) != REQ_NONE ||
        (TC_FAST_LIGHT && !at_load_seq_cst(&bpi_light)))
        at_store_seq_cst(&tc->cap, 0);
}

void tc_close_cap(struct tcache *tc)
{
    tc->cap_open = 0;
    /* Relaxed: closing is always safe. */
    at_store_relaxed(&tc->cap, 0);
}

struct ring *tc_ring(struct tcache *tc)
{
    /* Relaxed: only the owner stores it. */
    struct ring *r = at_load_relaxed(&tc->ring);
    if (!r && (r = bpi_aligned_alloc(alignof(struct ring), sizeof(*r)))) {
        memset(r, 0, sizeof(*r));
        /* Release: claimers load it with acquire. */
        at_store_release(&tc->ring, r);
    }
    return r;
}

/* ---- this thread's caches ---------------------------------------------------- */

/* Under the lock: makes the arrays of tp (and of the pools after it, when
 * more is true) hold at least cap entries.  false when out of memory (the
 * arrays already grown stay grown). */
static bool arrays_grow(struct tc_pool *tp, uint32_t cap, bool more)
{
    for (; tp; tp = more ? tp->next : NULL) {
        if (tp->cap >= cap)
            continue;
        struct tc_array *a = bpi_malloc(sizeof(*a) + cap * sizeof(a->tc[0]));
        if (!a)
            return false;
        ck_internal(a, sizeof(*a) + cap * sizeof(a->tc[0]));
        struct tcache **from = at_load_relaxed(&tp->arr);
        uint32_t k = 0;
        for (; k < tp->cap; k++)
            a->tc[k] = from[k];
        for (; k < cap; k++)
            a->tc[k] = &bpi_tc_none;
        a->cap = cap;
        a->older = tp->heap;
        tp->heap = a;
        tp->cap = cap;
        /* Release: the copy is complete before a thread can index it. */
        at_store_release(&tp->arr, a->tc);
    }
    return true;
}

/* Under the lock: the lowest free thread number, or 0 when out of
 * memory. */
static uint32_t tid_take(void)
{
    uint32_t w = 0;
    while (w < tid_words && tid_used[w] == UINT64_MAX)
        w++;
    if (w == tid_words) {
        uint32_t nw = 2 * tid_words;
        uint64_t *u = bpi_malloc(nw * sizeof(*u));
        if (!u)
            return 0;
        memset(u, 0, nw * sizeof(*u));
        memcpy(u, tid_used, tid_words * sizeof(*u));
        if (tid_used != &tid_first)
            free(tid_used);
        tid_used = u;
        tid_words = nw;
    }
    uint32_t tid = w * 64 + (uint32_t)bpi_ctz64(~tid_used[w]);
    if (tid >= tid_cap) {
        uint32_t cap = tid_cap;
        while (cap <= tid)
            cap *= 2;
        if (!arrays_grow(pools, cap, true))
            return 0;
        tid_cap = cap;
    }
    tid_used[tid / 64] |= (uint64_t)1 << (tid % 64);
    return tid;
}

static void tid_give_back(uint32_t tid)
{
    tid_used[tid / 64] &= ~((uint64_t)1 << (tid % 64));
}

/* A thread's first use of a pool: a number, and the exit hook.  Without
 * them (out of memory) the thread works without caches. */
static bool thread_start(void)
{
    if (tl_state != TL_NEW)
        return tl_state == TL_LIVE;
    tc_init_once();
    pthread_mutex_lock(&lock);
    uint32_t tid = exit_key_ok ? tid_take() : 0;
    if (tid && pthread_setspecific(exit_key, (void *)1) != 0) {
        tid_give_back(tid);
        tid = 0;
    }
    pthread_mutex_unlock(&lock);
    bpi_tl_tid = tid;
    tl_state = tid ? TL_LIVE : TL_FAILED;
    return tid != 0;
}

/* thread_exit, with tc's req REQ_ORPHAN: takes what uninit left in it and
 * puts tc on the list to free (when it held any).  Returns the list. */
static struct tcache *orphan_list(struct tcache *tc, struct tcache *list)
{
    size_t n;
    tc->orphan_first = tc_orphan_take(tc, &n);
    tc->orphan_n = (uint32_t)n;
    if (!n)
        return list;
    tc->rnext = list;
    return tc;
}

/* Runs when a thread that used a pool exits: its idle buffers go to the
 * depots, its number (and with it its caches) to the next new thread; the
 * buffers of caches a closed pool left to it are freed. */
static void thread_exit(void *unused)
{
    (void)unused;
    uint32_t tid = bpi_tl_tid;
    BPI_ASSERT(tid != 0 && tid < tid_cap);
    tl_state = TL_EXITING;
    bpi_tl_tid = 0;
    struct tcache *orphans = NULL;
    pthread_mutex_lock(&lock);
    for (struct tc_pool *tp = pools; tp; tp = tp->next) {
        struct tcache *tc = at_load_relaxed(&tp->arr)[tid];
        if (tc == &bpi_tc_none || !tp->cache_max)
            continue;
        /* A remote thread is using it (not for long), or the pool is
         * closed (then its depot is too), maybe leaving its buffers to us
         * (acquire: the request is final). */
        while (!tc_enter(tc)) {
            unsigned req = at_load_acquire(&tc->req);
            if (req == REQ_ORPHAN)
                orphans = orphan_list(tc, orphans);
            if (req == REQ_ORPHAN || req == REQ_CLOSED)
                goto next;
            bpi_yield();
        }
        tc_flush(tc, CACHE_MAX);
        /* The next thread with this number starts afresh: caching nothing
         * until it gets (its ring keeps what it holds, for any getter). */
        tc_close_cap(tc);
        tc->src = NULL;
        bool refused = tc->refused_n != 0;   /* as in bpi_release_slow */
        tc_leave(tc);
        if (bpi_unlikely(refused))           /* uninit left it to us */
            orphans = orphan_list(tc, orphans);
    next:;
    }
    tid_give_back(tid);
    pthread_mutex_unlock(&lock);
    /* Outside the lock: freeing runs the user's callbacks and may destroy
     * the pool (its buffers keep it alive until then). */
    while (orphans) {
        struct tcache *tc = orphans;
        orphans = tc->rnext;
        tc->pool->hooks->orphan_free(tc->pool, tc->orphan_first,
                                     tc->orphan_n);
    }
}

/* ---- fork -------------------------------------------------------------------
 * The child of a fork() has one thread, the one that forked; every other
 * thread stopped wherever it was.  Their caches are consistent at every
 * point of an owner's critical section (an owner changes n last, with one
 * store; tc_flush zeroes it first), so the child frees what they held:
 * the caches' busy flags, and any claim or request of a vanished remote.
 * What those threads held or moved stays in use in the child.  The lock
 * is held across fork(), so no pool, number or array is half made. */

static void fork_prepare(void)
{
    pthread_mutex_lock(&lock);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&lock);
}

static void fork_child(void)
{
    memset(tid_used, 0, tid_words * sizeof(tid_used[0]));
    tid_used[0] = 1;
    uint32_t me = bpi_tl_tid;
    if (me)
        tid_used[me / 64] |= (uint64_t)1 << (me % 64);
    for (struct tc_pool *tp = pools; tp; tp = tp->next) {
        TC_FOR_EACH(tp, tc) {
            at_store_relaxed(&tc->busy, 0);
            at_store_relaxed(&tc->rbusy, 0);
            /* Buffers a vanished thread was claiming stay in use. */
            at_store_relaxed(&tc->xout, at_load_relaxed(&tc->xin));
            if (at_load_relaxed(&tc->req) == REQ_BUSY) {
                tc_unblock(tc);
                at_store_relaxed(&tc->req, REQ_NONE);
            }
        }
        depot_after_fork(tp->depot);
        tp->hooks->after_fork(tp);
    }
    pthread_mutex_unlock(&lock);
}

/* Under the lock: a new cache for tp, in its registry. */
static struct tcache *cache_new(struct tc_pool *tp)
{
    struct tcache *tc = bpi_aligned_alloc(alignof(struct tcache), sizeof(*tc));
    if (!tc)
        return NULL;
    memset(tc, 0, sizeof(*tc));
    ck_internal(tc, sizeof(*tc));
    /* The gates closed and cap_open 0: a thread caches a pool's buffers in
     * items only once it gets from the pool (tc_open_cap).  Its sections
     * are fenced from the start in fenced mode, and under TSan, whose fast
     * paths are seq_cst. */
    atomic_init(&tc->cap, 0);
    atomic_init(&tc->floor, FLOOR_CLOSED);
    atomic_init(&tc->fenced, !at_load_relaxed(&bpi_light) || !TC_FAST_LIGHT);
    tc->pool = tp;
    struct tcache *head = at_load_relaxed(&tp->registry);
    do
        tc->pnext = head;
    /* seq_cst: publishes tc to the remotes' registry walks (and to
     * tc_pool_set_flushing's). */
    while (!at_cas_weak_seq_cst(&tp->registry, &head, tc));
    /* Then opens the gates as a remote would (reading flushing after the
     * publication): a remote already using the cache opens them itself. */
    if (tp->cache_max) {
        tc_claim(tc);
        if (at_load_relaxed(&tc->req) == REQ_NONE)
            tc_unblock(tc);
        tc_unclaim(tc);
    }
    return tc;
}

struct tcache *tc_lookup_slow(struct tc_pool *tp)
{
    if (!thread_start())
        return &bpi_tc_none;
    pthread_mutex_lock(&lock);
    struct tcache **a = at_load_relaxed(&tp->arr);
    struct tcache *tc = a[bpi_tl_tid];
    if (tc == &bpi_tc_none && !tp->closed) {
        struct tcache *made = cache_new(tp);
        if (made)
            tc = a[bpi_tl_tid] = made;
    }
    pthread_mutex_unlock(&lock);
    return tc;
}

/* ---- the remote side ----------------------------------------------------------- */

uint32_t tc_collect(struct tc_pool *tp, bool close, bool all, size_t max,
                    size_t *count)
{
    struct tcache *sel = NULL;
    size_t promised = 0;
    *count = 0;
    BPI_ASSERT(!close || max == SIZE_MAX);
    if (!tp->cache_max)
        return NIL;
    /* 1. Claim the caches and post the request. */
    for (struct tcache *tc = at_load_seq_cst(&tp->registry);
         tc && promised < max; tc = tc->pnext) {
        /* Relaxed: a hint (all: uninit must close every cache, and a pool
         * turning shared must reach every one). */
        unsigned hint = tc_n(tc);
        if (!all && !hint)
            continue;
        /* Every remote claims caches in registry order, so waiting here
         * cannot deadlock. */
        tc_claim(tc);
        if (at_load_relaxed(&tc->req) >= REQ_CLOSING) {
            tc_unclaim(tc);
            continue;
        }
        /* seq_cst: the Dekker store, paired with the owner's busy store. */
        at_store_seq_cst(&tc->req, close ? REQ_CLOSING : REQ_BUSY);
        tc_block(tc);
        tc->rnext = sel;
        sel = tc;
        promised += hint;
    }
    if (!sel)
        return NIL;
    /* 2. One heavy barrier for all of them: an owner that entered before it
     *    shows busy below; one that enters after it sees req.  Without one
     *    (fenced mode, or it fails now) only the caches whose owners
     *    acknowledged fenced mode are used: their sections are seq_cst. */
    bool barrier = false;
    if (at_load_relaxed(&bpi_light)) {
        barrier = bpi_heavy_barrier() == 0;
        if (!barrier)
            tc_go_fenced(tp);
    }
    struct tcache *mine = tc_mine(tp);
    /* 3. Wait for each owner to leave, then take the oldest of its buffers
     *    (up to max in all). */
    uint32_t first = NIL;
    /* seq_cst: enter_shared sets shared before it collects (tc_open_cap). */
    bool shared = at_load_seq_cst(&tp->shared);
    for (struct tcache *tc = sel; tc; tc = sel) {
        sel = tc->rnext;
        /* Our own cache: we are not inside it, its gates are closed (step
         * 1) and our next sections are fenced. */
        if (!barrier && tc == mine)
            at_store_relaxed(&tc->fenced, 1);
        /* seq_cst (acquire at least): the acknowledgement, and the owner's
         * sections before it (seq_cst: see tc_fence_ack).  Without it,
         * leave the items as they are, gates closed: the owner
         * acknowledges at its next get or release (tcache.h).  Its ring
         * needs no handshake: uninit drains it now, and the owner takes
         * what it pushes after that (REQ_ORPHAN). */
        if (!barrier && !at_load_seq_cst(&tc->fenced)) {
            if (close)
                first = ring_drain(at_load_acquire(&tc->ring), tp->depot,
                                   first, count);
            at_store_release(&tc->req, close ? REQ_ORPHAN : REQ_NONE);
            tc_unclaim(tc);
            continue;
        }
        /* seq_cst (acquire at least): the owner's items are visible. */
        while (at_load_seq_cst(&tc->busy))
            bpi_yield();
        unsigned n = tc_n(tc), m = n;
        if (m > max - *count)
            m = (unsigned)(max - *count);
        /* As in tc_flush: all n in transit before they leave the cache
         * (idle is never under-counted), n 0 while the rest moves down.
         * The victim keeps its credit (n - lw, stats.c). */
        depot_transit_begin(tp->depot, n);
        for (unsigned i = 0; i < m; i++) {
            chain_link(tc->items[i], first);
            first = tc->items[i]->idx;
        }
        *count += m;
        tc_set_n(tc, 0);
        memmove(tc->items, tc->items + m, (n - m) * sizeof(tc->items[0]));
        tc_set_n(tc, n - m);
        depot_transit_end(tp->depot, n - m);
        tc_set_lw(tc, at_load_relaxed(&tc->lw) - m);
        if (close)
            first = ring_drain(at_load_acquire(&tc->ring), tp->depot, first,
                               count);
        if (shared)
            tc->cap_open = 0;
        /* Release: our changes to items happen-before the owner's next
         * critical section (it loads a gate or req with acquire). */
        if (close) {
            at_store_release(&tc->req, REQ_CLOSED);
        } else {
            tc_unblock(tc);
            at_store_release(&tc->req, REQ_NONE);
        }
        tc_unclaim(tc);
    }
    return first;
}
