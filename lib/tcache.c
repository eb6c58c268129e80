/* tcache.c - per-thread caches: finding, making or adopting this thread's
 * cache for a pool, giving it back when the thread exits, and the remote
 * side of the owner/remote handshake.  See tcache.h. */
#include "config.h"

#include "tcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int bpi_light;

_Thread_local struct tl_entry bpi_tl_map[TL_MAP]
    __attribute__((tls_model("initial-exec")));
static _Thread_local struct tcache *tl_list
    __attribute__((tls_model("initial-exec")));
static _Thread_local uint64_t tl_thread
    __attribute__((tls_model("initial-exec")));
static _Thread_local int tl_state      /* 0 new, 1 registered, 2 exiting */
    __attribute__((tls_model("initial-exec")));

static atomic_uint_fast64_t thread_counter;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void light_init(void)
{
    bpi_light = bpi_heavy_barrier_init();
}

void tc_init_once(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, light_init);
}

void tc_pool_init(struct tc_pool *tp, uint64_t id, unsigned cache_max,
                  bool fast, struct depot *depot)
{
    tp->id = id;
    tp->cache_max = cache_max;
    tp->fast = fast;
    atomic_init(&tp->closed, 0);
    atomic_init(&tp->registry, NULL);
    tp->depot = depot;
}

static void tc_unref(struct tcache *tc)
{
    /* acq_rel: the other holder's use of tc happens-before the free. */
    if (at_fetch_sub_acq_rel(&tc->refs, 1) == 1)
        free(tc);
}

void tc_pool_fini(struct tc_pool *tp)
{
    struct tcache *tc = at_load_acquire(&tp->registry), *next;
    for (; tc; tc = next) {
        next = tc->pnext;
        tc_unref(tc);
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

/* Opens them again, before req is cleared.  Release: our changes to items
 * and n happen-before the owner's next fast path, which loads the gate with
 * acquire. */
static void tc_unblock(struct tcache *tc, unsigned cap)
{
    at_store_release(&tc->cap, cap);
    at_store_release(&tc->floor, floor_of(at_load_relaxed(&tc->lw)));
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
    memmove(tc->items, tc->items + k, (n - k) * sizeof(tc->items[0]));
    /* The chain is counted in transit while it moves, so that a concurrent
     * stats read cannot miss it; moving k keeps this cache's credit
     * (n - lw, stats.c). */
    depot_transit_begin(d, k);
    tc_set_n(tc, n - k);
    tc_set_lw(tc, at_load_relaxed(&tc->lw) - k);
    bool put = depot_put(d, first, k);
    BPI_ASSERT(put);   /* in the section: uninit has not closed the depot */
    (void)put;
    depot_transit_end(d, k);
}

uint32_t tc_fill(struct tcache *tc, uint32_t first)
{
    BPI_ASSERT(tc_n(tc) == 0);
    struct slots *s = tc->pool->depot->slots;
    unsigned n = 0, max = tc->pool->cache_max;
    while (first != NIL && n < max) {
        tc->items[n++] = slot_at(s, first);
        first = chain_next(s, first);
    }
    tc_set_n(tc, n);
    return first;
}

/* ---- this thread's caches ---------------------------------------------------- */

/* Runs when a thread that used a pool exits: its buffers go back to the
 * depot and its caches become free for adoption by new threads. */
static void thread_exit(void *unused)
{
    (void)unused;
    tl_state = 2;
    memset(bpi_tl_map, 0, sizeof(bpi_tl_map));
    struct tcache *tc = tl_list, *next;
    tl_list = NULL;
    for (; tc; tc = next) {
        next = tc->tnext;
        for (;;) {
            if (tc_enter(tc)) {
                /* Not closed: the pool lives at least until we leave. */
                tc_flush(tc, CACHE_MAX);
                tc_leave(tc);
                break;
            }
            /* Acquire: after REQ_CLOSED the pool may be gone. */
            if (at_load_acquire(&tc->req) == REQ_CLOSED)
                break;
            bpi_yield();   /* a remote thread is using it; not for long */
        }
        /* Release: our last use of the cache happens-before an adopter's. */
        at_store_release(&tc->owner, 0);
        tc_unref(tc);
    }
}

static void make_exit_key(void)
{
    if (pthread_key_create(&exit_key, thread_exit) != 0)
        exit_key = (pthread_key_t)-1;
}

static struct tcache *adopt_or_create(struct tc_pool *tp)
{
    /* Acquire: registry nodes are fully initialised before publication. */
    struct tcache *tc = at_load_acquire(&tp->registry);
    for (; tc; tc = tc->pnext) {
        uint64_t none = 0;
        /* acq_rel: pairs with the release of the exited owner. */
        if (at_load_relaxed(&tc->owner) == 0 &&
            at_load_relaxed(&tc->req) != REQ_CLOSED &&
            at_cas_strong_acq_rel(&tc->owner, &none, tl_thread)) {
            /* Relaxed: the pool's reference keeps it alive meanwhile. */
            at_fetch_add_relaxed(&tc->refs, 1);
            return tc;
        }
    }
    tc = bpi_aligned_alloc(alignof(struct tcache), sizeof(*tc));
    if (!tc)
        return NULL;
    memset(tc, 0, sizeof(*tc));
    atomic_init(&tc->owner, tl_thread);
    atomic_init(&tc->refs, 2);
    atomic_init(&tc->cap, tp->cache_max);
    tc->pool_id = tp->id;
    tc->pool = tp;
    struct tcache *head = at_load_relaxed(&tp->registry);
    do
        tc->pnext = head;
    /* seq_cst: publishes tc; and against uninit's "closed, then walk the
     * registry" (see tc_lookup_slow). */
    while (!at_cas_weak_seq_cst(&tp->registry, &head, tc));
    return tc;
}

struct tcache *tc_lookup_slow(struct tc_pool *tp)
{
    if (!tp->cache_max || tl_state == 2)
        return NULL;
    if (!tl_thread)
        /* Relaxed: any distinct number will do. */
        tl_thread = at_fetch_add_relaxed(&thread_counter, 1) + 1;
    /* Look in this thread's caches, dropping those of closed pools. */
    struct tcache **pp = &tl_list, *tc;
    while ((tc = *pp)) {
        if (tc->pool_id == tp->id)
            break;
        /* Acquire: after REQ_CLOSED the pool may be gone; we only free. */
        if (at_load_acquire(&tc->req) == REQ_CLOSED) {
            *pp = tc->tnext;
            for (unsigned i = 0; i < TL_MAP; i++)
                if (bpi_tl_map[i].tc == tc)
                    bpi_tl_map[i] = (struct tl_entry){ 0, NULL };
            tc_unref(tc);
            continue;
        }
        pp = &tc->tnext;
    }
    if (!tc) {
        if (at_load_seq_cst(&tp->closed))
            return NULL;
        if (tl_state == 0) {
            pthread_once(&exit_once, make_exit_key);
            if (exit_key == (pthread_key_t)-1 ||
                pthread_setspecific(exit_key, (void *)1) != 0)
                return NULL;
            tl_state = 1;
        }
        tc = adopt_or_create(tp);
        if (!tc)
            return NULL;
        tc->tnext = tl_list;
        tl_list = tc;
        /* seq_cst: either uninit's registry walk saw tc, or we see closed
         * here and close tc ourselves so nothing is cached in it. */
        if (at_load_seq_cst(&tp->closed)) {
            at_store_seq_cst(&tc->req, REQ_CLOSED);
            tc_block(tc);
            return NULL;
        }
    }
    bpi_tl_map[tl_index(tp->id)] = (struct tl_entry){ tp->id, tc };
    return tc;
}

uintptr_t tc_tl_where(uint64_t id)
{
    unsigned k = tl_index(id);
#ifdef TL_SEG_FS
    /* The x86-64 TLS ABI keeps the thread pointer at %fs:0. */
    return (uintptr_t)&bpi_tl_map[k] - (uintptr_t)*(const __seg_fs uintptr_t *)0;
#else
    return k;
#endif
}

uint64_t tc_tl_key(const struct tc_pool *tp)
{
    return (bpi_light || !TC_FAST_LIGHT) && tp->fast ? tp->id : TL_NO_KEY;
}

/* ---- the remote side ----------------------------------------------------------- */

uint32_t tc_collect(struct tc_pool *tp, struct tcache *self, bool close,
                    bool all, size_t *count)
{
    struct tcache *sel = NULL;
    *count = 0;
    /* 1. Claim the caches and post the request. */
    for (struct tcache *tc = at_load_seq_cst(&tp->registry); tc;
         tc = tc->pnext) {
        if (tc == self)
            continue;
        /* Relaxed: a hint, for a getter's collect only. */
        if (!all && !tc_n(tc))
            continue;
        /* Acquire: one remote at a time; the previous one's changes to
         * items are visible.  Every remote claims caches in registry order,
         * so waiting here cannot deadlock; skipping instead would make
         * concurrent getters allocate while buffers sit idle. */
        while (at_xchg_acquire(&tc->rbusy, 1))
            bpi_yield();
        if (at_load_relaxed(&tc->req) == REQ_CLOSED) {
            at_store_release(&tc->rbusy, 0);
            continue;
        }
        /* seq_cst: the Dekker store, paired with the owner's busy store. */
        at_store_seq_cst(&tc->req, close ? REQ_CLOSED : REQ_BUSY);
        tc_block(tc);
        tc->rnext = sel;
        sel = tc;
    }
    if (!sel)
        return NIL;
    /* 2. One heavy barrier for all of them: an owner that entered before it
     *    shows busy below; one that enters after it sees req. */
    if (bpi_light)
        bpi_heavy_barrier();
    /* 3. Wait for each owner to leave, then empty its cache. */
    uint32_t first = NIL;
    for (struct tcache *tc = sel; tc; tc = sel) {
        sel = tc->rnext;
        /* seq_cst (acquire at least): the owner's items are visible. */
        while (at_load_seq_cst(&tc->busy))
            bpi_yield();
        unsigned n = tc_n(tc);
        /* In transit before they leave the cache: idle is never
         * under-counted. */
        depot_transit_begin(tp->depot, n);
        for (unsigned i = 0; i < n; i++) {
            chain_link(tc->items[i], first);
            first = tc->items[i]->idx;
        }
        *count += n;
        /* The victim keeps its credit (n - lw, stats.c). */
        tc_set_n(tc, 0);
        tc_set_lw(tc, at_load_relaxed(&tc->lw) - n);
        /* Release: our changes to items happen-before the owner's next
         * critical section (it loads a gate or req with acquire). */
        if (!close) {
            tc_unblock(tc, tp->cache_max);
            at_store_release(&tc->req, REQ_NONE);
        }
        at_store_release(&tc->rbusy, 0);
    }
    return first;
}
