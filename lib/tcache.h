/* tcache.h - per-thread caches of idle buffers.
 *
 * Each thread that gets or releases a pool's buffers has a cache for that
 * pool: `items`, an array of up to cap_open (<= cache_max) slots that its
 * owner uses with plain loads and stores (no atomic read-modify-write, no
 * shared cache line), inside a critical section marked by `busy`; and a
 * ring (ring.h) of what it released beyond them, which any thread claims
 * from.  Get pops the most recently released buffer (LIFO, cache-warm);
 * release pushes.  cap_open is 0 while the owner only releases (a new
 * cache, or one whose items overflowed twice without a get between) and in
 * a shared pool: its releases then go to the ring (pool.c, cache_put).
 *
 * Other threads ("remotes": a pool turning shared, trim, uninit) take the
 * buffers of a cache's items through a handshake (Dekker with an
 * asymmetric fence):
 * the owner stores busy = 1, then loads req; a remote stores req, then runs
 * a heavy barrier (membarrier: every running thread of the process executes
 * a full fence) and loads busy.  Either the owner sees req and leaves the
 * cache alone, or the remote sees busy and waits for the owner's short
 * critical section to end.  Without the heavy barrier (bpi_light == 0) the
 * owner's store is seq_cst instead.
 *
 * When the heavy barrier fails at run time (a seccomp filter installed
 * after the pools were made), the process goes over to fenced mode for
 * good (bpi_light = 0), and a remote can no longer see an owner inside a
 * light section.  So it uses only caches whose owners acknowledged the
 * switch (fenced == 1: every later section of theirs that touches items
 * is fenced, and their gates stay closed), and skips the others after
 * closing their gates: their owners' next get or release then takes a
 * general path, which acknowledges (tc_enter); in a shared pool the
 * acknowledgement also moves its items to the depot and leaves cap_open 0,
 * as the pool's turning shared would have.  Until then a skipped cache
 * keeps its items: a trim frees fewer, a get at the cap may not find them,
 * and uninit leaves them, and its ring, to the owner (REQ_ORPHAN), who
 * frees them at its next release or when it exits; an owner that was
 * inside meanwhile may find the depot closed, keeps what it refused with
 * them (tc_depot_put) and frees it all as it leaves.  The rings need no
 * barrier (ring.h): any thread claims from them in either mode.
 *
 * The fast paths (pool.h) test one "gate" word instead of req: a get pops
 * while n > floor (max(lw, 0), stats.h), a release pushes while n < cap
 * (cap_open); a remote closes both right after setting req (tc_block)
 * and opens them before clearing it; they stay closed in pools whose fast
 * paths may not run and in shared pools, and the floor also while the
 * pool is flushing (gets fail: tc_pool_set_flushing).
 *
 *   0 <= n <= cache_max <= CACHE_MAX,  cap_open in {0, cache_max}
 *   owner inside  =>  busy == 1;   remote inside  =>  req != REQ_NONE
 *   req != REQ_NONE after a heavy barrier  =>  the owner is not inside, or
 *                                              leaves without touching items
 *   fenced == 1  =>  the same without the barrier (seq_cst on both sides)
 *
 * A thread finds its cache for a pool at arr[tid] of the pool, where
 * tid is the thread's number (dense: the lowest free when the thread first
 * uses a pool, given back when it exits), so the lookup costs the same for
 * one pool or thousands.  An entry without a cache holds bpi_tc_none, whose
 * gates are closed: the fast paths then take the general path, which makes
 * the cache (tc_lookup_slow).  A cache belongs to its (pool, tid) for the
 * pool's life: when a thread exits, its items go to the depot, its caches
 * close, and the next thread with its number uses them.  Internal. */
#ifndef BUFPOOL_TCACHE_H
#define BUFPOOL_TCACHE_H

#include "depot.h"
#include "ring.h"

#include <limits.h>
#include <stdalign.h>
#include <stdbool.h>

#define CACHE_MAX BP_POOL_CACHE_MAX     /* most idle buffers per cache */

/* tcache.req: what a remote thread asks of the cache's owner. */
#define REQ_NONE    0u
#define REQ_BUSY    1u           /* a remote thread is using the cache */
#define REQ_CLOSING 2u           /* bp_pool_uninit is taking the cache */
#define REQ_CLOSED  3u           /* the pool is uninitialised */
#define REQ_ORPHAN  4u           /* ... and left the items to the owner (its
                                    light sections could not be excluded):
                                    the owner frees them (tc_orphan_take) */

struct tc_pool;

/* What the caches need from the pool above them (pool.c). */
struct tc_hooks {
    /* Frees n buffers an orphaned cache held (REQ_ORPHAN): their data,
     * and their references to the pool. */
    void (*orphan_free)(struct tc_pool *tp, uint32_t first, size_t n);
    /* In the child of a fork(), after the caches and the depot were made
     * whole again: the pool's own state. */
    void (*after_fork)(struct tc_pool *tp);
};

struct tcache {
    /* Hot: written by the owner on every get and release. */
    alignas(128) atomic_uint busy;   /* 1: the owner is inside */
    atomic_uint      req;
    _Atomic uint64_t np;             /* n (low 8 bits) and gets served */
    atomic_uint      floor, cap;     /* the fast paths' gates */
    _Atomic int64_t  lw;             /* peak mark (stats.c) */
    struct slot     *items[CACHE_MAX];  /* idle buffers, oldest first */
    /* The owner's, on its slow paths (a remote reads cap_open only while
     * it excludes the owner). */
    unsigned         cap_open;       /* the cap gate's value when no request
                                        is pending: 0 while the owner only
                                        releases (its releases then go to
                                        its ring) */
    uint64_t         pops_seen;      /* tc_pops at the last overflow */
    struct ring     *src;            /* the ring the last claim came from */
    _Atomic uint64_t xin, xout;      /* claimed buffers on their way into
                                        items (stats.c) */
    _Atomic(struct ring *) ring;     /* made by the owner, read by all */
    /* Cold. */
    alignas(64) atomic_uint rbusy;   /* one remote at a time */
    atomic_uint      fenced;         /* 1: the owner's sections are fenced
                                        (see above) */
    uint32_t         orphan_first;   /* thread_exit: an orphan's chain */
    uint32_t         orphan_n;
    uint32_t         refused_first;  /* what the closed depot refused in a
                                        section uninit could not exclude
                                        (tc_depot_put): refused_n slots,
                                        the owner's */
    uint32_t         refused_n;
    struct tc_pool  *pool;
    struct tcache   *pnext;          /* the pool's registry (push-only) */
    struct tcache   *rnext;          /* a remote operation's selection */
    struct slot_run  run;            /* fresh slot numbers (owner only) */
};

/* A pool's caches by thread number, bpi_tc_none where there is none: first
 * the TC_INLINE entries inside struct tc_pool (in the cache line of the
 * pointer to them); when thread numbers outgrow them, a bigger copy on the
 * heap, and so on, the older copies kept until the pool is gone (a thread
 * may still read through one). */
#define TC_INLINE 7
struct tc_array {
    struct tc_array *older;
    uint32_t         cap;
    struct tcache   *tc[];
};

/* The caches of one pool (part of struct bp_pool). */
struct tc_pool {
    /* Read by the fast paths: the entries, and the first of them. */
    _Atomic(struct tcache **) arr;
    struct tcache   *inl[TC_INLINE];
    /* Read-mostly. */
    uint32_t         cap;            /* of arr (> every thread number) */
    unsigned         cache_max;      /* 0: no caches (BP_POOL_NO_CACHE) */
    unsigned         claim_max;      /* most buffers one claim takes */
    bool             fast;           /* the fast paths may be used */
    /* Set once a get meets max_buffers: no thread caches the pool's buffers
     * in its items any more (cap_open 0 everywhere), so that every idle
     * buffer is in a ring or the depot, where a get at the cap finds it
     * without a handshake; the gates stay closed (pool.c, enter_shared). */
    atomic_bool      shared;
    bool             closed;         /* no new caches (under the lock) */
    atomic_uint      flushing;       /* 1: gets fail, the floors stay closed */
    const struct tc_hooks *hooks;
    _Atomic(struct tcache *) registry;   /* every cache, push-only */
    struct depot    *depot;
    struct tc_array *heap;           /* the newest heap copy, or NULL */
    struct tc_pool  *prev, *next;    /* every pool (under the lock) */
};

#define TC_FOR_EACH(tp, tc)                                                  \
    for (struct tcache *tc = at_load_acquire(&(tp)->registry); tc;           \
         tc = tc->pnext)

/* 1 while bpi_heavy_barrier() works, so that owners may enter their cache
 * with a compiler barrier only ("light mode"; see tc_begin).  Set before
 * the first pool exists; set to 0 for good when the barrier fails. */
BPI_HIDDEN extern atomic_int bpi_light;

/* Once per process: decides bpi_light, makes the thread-exit key, installs
 * the fork handlers. */
BPI_HIDDEN void tc_init_once(void);

/* ---- tcache.np: n and the count of gets ----------------------------------
 * The count wraps after 2^56 gets from one cache (over 18 years at 8 ns per
 * get).  Relaxed throughout: only the owner, or a remote that excluded it,
 * writes np; others read it as statistics. */
#define NP_N    0xFFu                  /* n */
#define NP_POP  ((uint64_t)1 << 8)     /* one get */
_Static_assert(CACHE_MAX <= NP_N, "n fits in np's low bits");

static inline unsigned tc_n(struct tcache *tc)
{
    return (unsigned)(at_load_relaxed(&tc->np) & NP_N);
}

static inline uint64_t tc_pops(struct tcache *tc)
{
    return at_load_relaxed(&tc->np) / NP_POP;
}

static inline void tc_set_n(struct tcache *tc, unsigned n)
{
    BPI_ASSERT(n <= tc->pool->cache_max);
    uint64_t w = at_load_relaxed(&tc->np);
    at_store_relaxed(&tc->np, (w & ~(uint64_t)NP_N) | n);
}

/* ---- the owner's critical section -----------------------------------------
 * In two steps so that fast paths can branch once: tc_begin() marks it;
 * then tc_blocked() (or a gate) says whether a remote request is pending,
 * in which case the owner must tc_leave() at once without touching items.
 * light: a relaxed store and a compiler barrier (the remote's heavy barrier
 * orders them); else a seq_cst store (Dekker). */
static inline void tc_begin(struct tcache *tc, bool light)
{
    if (light) {
        at_store_relaxed(&tc->busy, 1);
        at_compiler_barrier();
    } else {
        at_store_seq_cst(&tc->busy, 1);
    }
}

/* seq_cst (a plain load on x86, ldar on aarch64): acquire makes a remote's
 * changes to items, released with req, visible. */
static inline bool tc_blocked(struct tcache *tc)
{
    return at_load_seq_cst(&tc->req) != REQ_NONE;
}

/* Release: our changes to items happen-before a remote that sees busy == 0
 * with acquire. */
static inline void tc_leave(struct tcache *tc)
{
    at_store_release(&tc->busy, 0);
}

/* Owner, in a fenced section of its own: acknowledges fenced mode. */
BPI_HIDDEN void tc_fence_ack(struct tcache *tc);

/* Begin for the general paths: whether the cache may be used; if not, the
 * section is left again and tc->req says why.  Relaxed: a thread that saw
 * bpi_light 0 never sees 1 again (coherence). */
static inline bool tc_enter(struct tcache *tc)
{
    bool light = at_load_relaxed(&bpi_light);
    tc_begin(tc, light);
    if (bpi_unlikely(tc_blocked(tc))) {
        tc_leave(tc);
        return false;
    }
    if (bpi_unlikely(!light && !at_load_relaxed(&tc->fenced)))
        tc_fence_ack(tc);
    return true;
}

/* In the section, with np's n < cap: caches sl on top. */
static inline void tc_put(struct tcache *tc, struct slot *sl, uint64_t np)
{
    BPI_ASSERT((np & NP_N) < tc->pool->cache_max);
    BPI_ASSERT(sl->buf.pool != NULL && sl->buf.data != NULL);
    tc->items[np & NP_N] = sl;
    at_store_relaxed(&tc->np, np + 1);
}

/* In the section, with np's n > 0: takes the top (the most recently
 * released) and counts the get. */
static inline struct slot *tc_take(struct tcache *tc, uint64_t np)
{
    BPI_ASSERT((np & NP_N) > 0 && (np & NP_N) <= tc->pool->cache_max);
    /* A 64-bit index: n - 1 folds into the load's displacement. */
    struct slot *sl = tc->items[(np & NP_N) - 1];
    at_store_relaxed(&tc->np, np - 1 + NP_POP);
    return sl;
}

/* ---- the gates ------------------------------------------------------------ */

#define FLOOR_CLOSED UINT_MAX    /* floor while a remote request is pending */

static inline unsigned floor_of(int64_t lw) { return lw > 0 ? (unsigned)lw : 0; }

/* Sets the peak mark (stats.c) and the floor derived from it, unless a
 * remote request closed the gates (tc_unblock sets it then).  Relaxed: the
 * marks order nothing; a concurrent update may be lost; the CAS only keeps
 * a closed gate closed. */
static inline void tc_set_lw(struct tcache *tc, int64_t lw)
{
    at_store_relaxed(&tc->lw, lw);
    unsigned f = at_load_relaxed(&tc->floor);
    while (f != FLOOR_CLOSED && !at_cas_weak_relaxed(&tc->floor, &f,
                                                     floor_of(lw)))
        ;
}

/* ---- finding this thread's cache ------------------------------------------ */

/* This thread's number, 0 before it first uses a pool and after it exits.
 * initial-exec: a %fs-relative load, no __tls_get_addr call; 4 bytes fit
 * glibc's static TLS surplus even when the library is dlopen()ed. */
BPI_HIDDEN extern _Thread_local uint32_t bpi_tl_tid
    __attribute__((tls_model("initial-exec")));

/* The cache of the entries without one: gates closed, never in a registry
 * (the fast paths briefly enter it and leave). */
BPI_HIDDEN extern struct tcache bpi_tc_none;

/* The fast paths use the light critical section, or seq_cst under
 * ThreadSanitizer, whose model knows no membarrier (bpi_light is 0 there):
 * TSan thus checks them too. */
#ifdef BPI_TSAN
#  define TC_FAST_LIGHT false
#else
#  define TC_FAST_LIGHT true
#endif

/* This thread's entry for tp: its cache, or bpi_tc_none. */
static inline struct tcache *tc_mine(struct tc_pool *tp)
{
    /* Acquire: a bigger copy of the array is complete before it is
     * published (one plain load on x86-64). */
    BPI_ASSERT(bpi_tl_tid < tp->cap);
    return at_load_acquire(&tp->arr)[bpi_tl_tid];
}

/* Makes this thread's cache for tp (and a thread number first); returns
 * bpi_tc_none when none can be had (out of memory, the pool is closed, the
 * thread is exiting). */
BPI_HIDDEN struct tcache *tc_lookup_slow(struct tc_pool *tp);

/* This thread's cache for tp for the general paths; NULL when there is
 * none (also for a pool without caches, whose entries are caches with the
 * gates closed, only there to keep the fast paths off bpi_tc_none). */
static inline struct tcache *tc_lookup(struct tc_pool *tp)
{
    struct tcache *tc = tc_mine(tp);
    if (bpi_unlikely(tc == &bpi_tc_none))
        tc = tc_lookup_slow(tp);
    return tp->cache_max && tc != &bpi_tc_none ? tc : NULL;
}

/* ---- the rest ---------------------------------------------------------------- */

/* Sets up the caches of a new pool and lists it.  fast: the pool has no
 * per-buffer work; its fast paths are then used where they may be (light
 * mode, or TSan).  claim_max: see claim() in pool.c.  0 or -ENOMEM. */
BPI_HIDDEN int tc_pool_init(struct tc_pool *tp, unsigned cache_max,
                            unsigned claim_max, bool fast,
                            struct depot *depot,
                            const struct tc_hooks *hooks);

/* Gets fail while on: closes (or reopens) the get gate of every cache, so
 * that a get takes the general path, which tests tp->flushing. */
BPI_HIDDEN void tc_pool_set_flushing(struct tc_pool *tp, bool on);

/* The caches' memory: bytes of the caches, their rings and the arrays of
 * entries beyond the pool's own; *count the caches. */
BPI_HIDDEN size_t tc_pool_bytes(struct tc_pool *tp, size_t *count);

/* No new caches: the pool is being uninitialised. */
BPI_HIDDEN void tc_pool_close(struct tc_pool *tp);

/* Unlists the pool and frees its caches (it is destroyed). */
BPI_HIDDEN void tc_pool_fini(struct tc_pool *tp);

/* Owner, in the section: moves the k oldest idle buffers to the depot. */
BPI_HIDDEN void tc_flush(struct tcache *tc, unsigned k);

/* Owner, in the section: gives the chain first (n slots, as depot_put) to
 * the depot.  If uninit closed it (which it can only when this section,
 * light, began before the heavy barrier failed: the cache is then left to
 * its owner, REQ_ORPHAN), the chain stays with the cache, and the owner
 * frees it with the rest once it has left (tc_orphan_take). */
BPI_HIDDEN void tc_depot_put(struct tcache *tc, uint32_t first, unsigned n);

/* Owner, outside the section, with req REQ_ORPHAN: takes every buffer of
 * the cache, its items', its ring's and what the depot refused, as one
 * chain (*n its length) and marks it REQ_CLOSED. */
BPI_HIDDEN uint32_t tc_orphan_take(struct tcache *tc, size_t *n);

/* Owner, in the section: lets its releases be cached in items (up to
 * cache_max): it gets from the pool.  Not in a shared pool. */
BPI_HIDDEN void tc_open_cap(struct tcache *tc);

/* Owner, in the section: caches nothing in items from now on (what they
 * hold stays). */
BPI_HIDDEN void tc_close_cap(struct tcache *tc);

/* The owner's ring, made on first use; NULL when out of memory. */
BPI_HIDDEN struct ring *tc_ring(struct tcache *tc);

/* Remote: takes up to max idle buffers from the caches' items (the oldest
 * of each) into one chain; returns it, *count its length.  all: also
 * caches that look empty; else those are skipped.  close: marks every
 * cache REQ_CLOSED and takes what its ring holds too, or marks it
 * REQ_ORPHAN when it cannot take its buffers (fenced mode, above); max
 * must be SIZE_MAX.  In a shared pool it leaves every cache it takes with
 * cap_open 0 (one it skips gets there when its owner acknowledges). */
BPI_HIDDEN uint32_t tc_collect(struct tc_pool *tp, bool close, bool all,
                               size_t max, size_t *count);

#endif
