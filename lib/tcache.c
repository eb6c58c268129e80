/* tcache.c - per-thread caches of idle pool buffers: finding this thread's
 * cache for a pool, making or adopting one, giving it back when the thread
 * exits, and the remote side of the owner/remote handshake.  See pool.c for
 * how the pool uses them. */
#include "config.h"

#include "pool_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int bpi_light;

_Thread_local struct tl_entry bpi_tl_map[TL_MAP]
    __attribute__((tls_model("initial-exec")));
/* initial-exec: a %fs-relative access instead of a __tls_get_addr call; the
 * ~150 bytes fit glibc's static TLS surplus even when the library is
 * dlopen()ed (the Python and Lua modules). */
static _Thread_local struct tcache *tl_list
    __attribute__((tls_model("initial-exec")));
static _Thread_local uint64_t tl_thread
    __attribute__((tls_model("initial-exec")));
static _Thread_local int tl_state      /* 0 new, 1 registered, 2 exiting */
    __attribute__((tls_model("initial-exec")));

static atomic_uint_fast64_t thread_counter;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void tc_unref(struct tcache *tc)
{
    /* acq_rel: the other holder's use of tc happens-before the free. */
    if (atomic_fetch_sub_explicit(&tc->refs, 1, memory_order_acq_rel) == 1)
        free(tc);
}

void bpi_tc_flush(struct tcache *tc, unsigned k)
{
    /* In the owner's critical section (or after the thread's last one):
     * items are ours.  The k oldest go to the depot as one chain. */
    unsigned n = tc_n(tc);
    if (k > n)
        k = n;
    if (!k)
        return;
    bp_pool *p = tc->pool;
    for (unsigned i = 0; i + 1 < k; i++)
        atomic_store_explicit(&tc->items[i]->next, tc->items[i + 1]->idx,
                              memory_order_relaxed);
    atomic_store_explicit(&tc->items[k - 1]->next, NIL, memory_order_relaxed);
    uint32_t first = tc->items[0]->idx;
    memmove(tc->items, tc->items + k, (n - k) * sizeof(tc->items[0]));
    /* Relaxed: statistics.  The chain is counted in transit while it
     * moves, so a concurrent stats read cannot miss it (see idle_now);
     * moving k to the depot keeps this cache's credit (n - lw). */
    atomic_fetch_add_explicit(&p->transit_in, k, memory_order_relaxed);
    tc_set_n(tc, n - k);
    tc_set_lw(tc, atomic_load_explicit(&tc->lw, memory_order_relaxed) - k);
    bpi_depot_put(p, first, k);
    atomic_fetch_add_explicit(&p->transit_out, k, memory_order_relaxed);
}

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
                bpi_tc_flush(tc, CACHE_MAX);
                tc_leave(tc);
                break;
            }
            /* Acquire: after REQ_CLOSED the pool may be gone. */
            if (atomic_load_explicit(&tc->req, memory_order_acquire) ==
                REQ_CLOSED)
                break;
            bpi_yield();   /* a remote thread is using it; not for long */
        }
        /* Release: our last use of the cache happens-before an adopter's. */
        atomic_store_explicit(&tc->owner, 0, memory_order_release);
        tc_unref(tc);
    }
}

static void make_exit_key(void)
{
    if (pthread_key_create(&exit_key, thread_exit) != 0)
        exit_key = (pthread_key_t)-1;
}

static struct tcache *adopt_or_create(bp_pool *p)
{
    /* Acquire: registry nodes are fully initialised before publication. */
    struct tcache *tc = atomic_load_explicit(&p->tcaches,
                                             memory_order_acquire);
    for (; tc; tc = tc->pnext) {
        uint64_t none = 0;
        /* acq_rel: pairs with the release of the exited owner. */
        if (atomic_load_explicit(&tc->owner, memory_order_relaxed) == 0 &&
            atomic_load_explicit(&tc->req, memory_order_relaxed) != REQ_CLOSED &&
            atomic_compare_exchange_strong_explicit(&tc->owner, &none,
                                                    tl_thread,
                                                    memory_order_acq_rel,
                                                    memory_order_relaxed)) {
            /* Relaxed: the pool's reference keeps it alive meanwhile. */
            atomic_fetch_add_explicit(&tc->refs, 1, memory_order_relaxed);
            return tc;
        }
    }
    tc = bpi_aligned_alloc(alignof(struct tcache), sizeof(*tc));
    if (!tc)
        return NULL;
    memset(tc, 0, sizeof(*tc));
    atomic_init(&tc->owner, tl_thread);
    atomic_init(&tc->refs, 2);
    atomic_init(&tc->cap, p->cache_max);
    tc->pool_id = p->id;
    tc->pool = p;
    struct tcache *head = atomic_load_explicit(&p->tcaches,
                                               memory_order_relaxed);
    do
        tc->pnext = head;
    /* seq_cst: publishes tc; and against bp_pool_uninit's "closed, then
     * walk the registry" (see bpi_tc_lookup_slow). */
    while (!atomic_compare_exchange_weak_explicit(&p->tcaches, &head, tc,
                                                  memory_order_seq_cst,
                                                  memory_order_relaxed));
    return tc;
}

BPI_HIDDEN struct tcache *bpi_tc_lookup_slow(bp_pool *p)
{
    if (tl_state == 2)
        return NULL;
    if (!tl_thread)
        /* Relaxed: any distinct number will do. */
        tl_thread = atomic_fetch_add_explicit(&thread_counter, 1,
                                              memory_order_relaxed) + 1;
    /* Look in this thread's caches, dropping those of closed pools. */
    struct tcache **pp = &tl_list, *tc;
    while ((tc = *pp)) {
        if (tc->pool_id == p->id)
            break;
        /* Acquire: after REQ_CLOSED the pool may be gone; we only free. */
        if (atomic_load_explicit(&tc->req, memory_order_acquire) ==
            REQ_CLOSED) {
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
        if (atomic_load_explicit(&p->closed, memory_order_seq_cst))
            return NULL;
        if (tl_state == 0) {
            pthread_once(&exit_once, make_exit_key);
            if (exit_key == (pthread_key_t)-1 ||
                pthread_setspecific(exit_key, (void *)1) != 0)
                return NULL;
            tl_state = 1;
        }
        tc = adopt_or_create(p);
        if (!tc)
            return NULL;
        tc->tnext = tl_list;
        tl_list = tc;
        /* seq_cst: either bp_pool_uninit's registry walk saw tc, or we see
         * closed here and close tc ourselves so nothing is cached in it. */
        if (atomic_load_explicit(&p->closed, memory_order_seq_cst)) {
            atomic_store_explicit(&tc->req, REQ_CLOSED, memory_order_seq_cst);
            tc_block(tc);
            return NULL;
        }
    }
    bpi_tl_map[tl_index(p->id)] = (struct tl_entry){ p->id, tc };
    return tc;
}

uint32_t bpi_tc_collect(bp_pool *p, struct tcache *self, bool close,
                        bool all, size_t *count)
{
    struct tcache *sel = NULL, *tc;
    *count = 0;
    /* 1. Claim the caches and post the request. */
    for (tc = atomic_load_explicit(&p->tcaches, memory_order_seq_cst); tc;
         tc = tc->pnext) {
        if (tc == self)
            continue;
        /* Relaxed: a hint; only a steal (all == false) may skip on it. */
        if (!all && !tc_n(tc))
            continue;
        /* Acquire: one remote at a time; the previous one's changes to
         * items are visible.  Every remote claims caches in registry order,
         * so waiting here cannot deadlock; skipping instead would make
         * concurrent getters allocate while buffers sit idle. */
        while (atomic_exchange_explicit(&tc->rbusy, 1, memory_order_acquire))
            bpi_yield();
        if (atomic_load_explicit(&tc->req, memory_order_relaxed) ==
            REQ_CLOSED) {
            atomic_store_explicit(&tc->rbusy, 0, memory_order_release);
            continue;
        }
        /* seq_cst: the Dekker store, paired with the owner's busy store. */
        atomic_store_explicit(&tc->req, close ? REQ_CLOSED : REQ_BUSY,
                              memory_order_seq_cst);
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
    for (tc = sel; tc; tc = sel) {
        sel = tc->rnext;
        /* seq_cst (acquire at least): the owner's items are visible. */
        while (atomic_load_explicit(&tc->busy, memory_order_seq_cst))
            bpi_yield();
        unsigned n = tc_n(tc);
        /* Relaxed: statistics.  Count them in transit before they leave the
         * cache, so idle is never under-counted. */
        atomic_fetch_add_explicit(&p->transit_in, n, memory_order_relaxed);
        for (unsigned i = 0; i < n; i++) {
            atomic_store_explicit(&tc->items[i]->next, first,
                                  memory_order_relaxed);
            first = tc->items[i]->idx;
        }
        *count += n;
        /* Relaxed: statistics; the victim keeps its credit (n - lw). */
        tc_set_n(tc, 0);
        tc_set_lw(tc, atomic_load_explicit(&tc->lw, memory_order_relaxed) - n);
        /* Release: our changes to items happen-before the owner's next
         * critical section (it loads a gate or req with acquire). */
        if (!close) {
            tc_unblock(tc, p->cache_max);
            atomic_store_explicit(&tc->req, REQ_NONE, memory_order_release);
        }
        atomic_store_explicit(&tc->rbusy, 0, memory_order_release);
    }
    return first;
}

uintptr_t bpi_tl_where(uint64_t id)
{
    unsigned k = tl_index(id);
#ifdef TL_SEG_FS
    /* The x86-64 TLS ABI keeps the thread pointer at %fs:0. */
    return (uintptr_t)&bpi_tl_map[k] - (uintptr_t)*(const __seg_fs uintptr_t *)0;
#else
    return k;
#endif
}

uint64_t bpi_tl_key(uint64_t id, bool slow_ops)
{
    return (bpi_light || !TC_FAST_LIGHT) && !slow_ops ? id : TL_NO_KEY;
}

void bpi_tc_pool_gone(bp_pool *p)
{
    struct tcache *tc = atomic_load_explicit(&p->tcaches,
                                             memory_order_acquire), *next;
    for (; tc; tc = next) {
        next = tc->pnext;
        tc_unref(tc);
    }
}

static void light_init(void)
{
    bpi_light = bpi_heavy_barrier_init();
}

void bpi_tc_init_once(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, light_init);
}
