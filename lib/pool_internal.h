/* pool_internal.h - what pool.c and tcache.c share: slots, the thread cache,
 * the pool struct, and the owner side of the thread-cache handshake (inline,
 * because it is the get/release fast path).  See pool.c for the design. */
#ifndef BUFPOOL_POOL_INTERNAL_H
#define BUFPOOL_POOL_INTERNAL_H

#include "internal.h"
#include "platform.h"

#include <limits.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>

#define IDX_BITS   28
#define IDX_MASK   ((1u << IDX_BITS) - 1)
#define NIL        IDX_MASK              /* empty stack */
#define CLOSED     (IDX_MASK - 1)        /* pool uninitialised */
#define TAG_ONE    ((uint64_t)1 << IDX_BITS)

#define NSEG       22                    /* segment b holds 64 << b slots */
#define MAX_SLOTS  ((uint32_t)BP_POOL_MAX_BUFFERS)
#define CACHE_MAX  BP_POOL_CACHE_MAX     /* most idle buffers per thread cache */
#define CACHE_BYTES ((size_t)4 << 20)   /* per thread cache, unless ... */
#define CACHE_MIN  8                     /* ... that is fewer buffers */

/* A buffer's home: its header, links, and where its data came from.
 * 128 bytes, aligned: slots of buffers held by different threads must not
 * share a cache line (or an adjacent-line prefetch pair), or every get and
 * release would bounce it. */
struct slot {
    alignas(128) bp_buffer buf;
    bp_ref          *inner;      /* what the alloc callback returned */
    void            *mem;        /* the library's own allocation */
    _Atomic uint32_t next;       /* link in a chain or the empty list */
    _Atomic uint32_t mag_next;   /* link between chains in the depot */
    uint32_t         mag_count;  /* chain length, on a chain's first slot */
    uint32_t         idx;
};

/* Values of tcache.req (what a remote thread asks of the cache's owner). */
#define REQ_NONE   0u
#define REQ_BUSY   1u            /* a remote thread is using the cache */
#define REQ_CLOSED 2u            /* the pool is uninitialised */

/* One thread's cache of idle buffers for one pool.  The owner thread uses
 * it with plain loads and stores inside a critical section marked by `busy`;
 * a remote thread (steal, trim, uninit) first sets `req`, makes sure the
 * owner is outside (see tc_enter and bpi_tc_collect), and only then touches
 * `items`.  The owner that finds `req` set leaves the cache alone. */
struct tcache {
    /* Hot: written by the owner on every get and release. */
    alignas(128) atomic_uint busy;   /* 1: the owner is inside */
    atomic_uint      req;
    /* The count of idle buffers in items[0..n) (low 8 bits) and above it
     * the count of gets served from items, in one word so that a get
     * updates both with one add (see tc_n). */
    _Atomic uint64_t np;
    /* The fast paths' gates: a get may pop while n > floor (max(lw, 0)), a
     * release push while n < cap (the pool's cache_max); a remote request
     * closes both (see tc_block), so the fast paths test one word each. */
    atomic_uint      floor, cap;
    _Atomic int64_t  lw;         /* peak tracking mark, see peak_check */
    struct slot     *items[CACHE_MAX];
    /* Cold. */
    alignas(64) atomic_uint rbusy;   /* one remote at a time */
    atomic_uint      refs;       /* the pool's + the owner thread's */
    _Atomic uint64_t owner;      /* thread number, 0: free for adoption */
    uint64_t         pool_id;
    struct bp_pool  *pool;
    struct tcache   *pnext;      /* the pool's registry (push-only) */
    struct tcache   *tnext;      /* the owner thread's list */
    struct tcache   *rnext;      /* a remote operation's selection */
    /* Fresh slot numbers reserved for this cache's owner (see slot_new);
     * owner only. */
    uint32_t         fresh_next, fresh_end;
};

struct bp_pool {
    /* Read-mostly configuration. */
    uint64_t       id;           /* unique for the process's lifetime */
    /* What the get/release fast paths look for in this thread's lookup
     * table (see bpi_tl_key): id when they may be used, else TL_NO_KEY. */
    uint64_t       tl_key;
    uintptr_t      tl_where;
    size_t         size, alloc_size, align, max;
    unsigned       flags;
    unsigned       cache_max;    /* idle buffers per thread cache */
    bp_alloc_fn    alloc;
    bp_ref      *(*alloc1)(size_t size);
    void          *opaque;
    void         (*reset)(void *opaque, uint8_t *data, size_t size);
    void         (*pool_free)(void *opaque);
    _Atomic(struct slot *) seg[NSEG];
    _Atomic(struct tcache *) tcaches;   /* registry, push-only */

    /* Slow-path shared state, apart from the read-mostly part. */
    alignas(128) _Atomic uint64_t depot;
    _Atomic uint64_t empty;
    _Atomic int64_t  depot_count;
    /* Idle buffers being moved between caches and the depot, as two
     * monotonic totals (see idle_now). */
    _Atomic uint64_t transit_in, transit_out;
    _Atomic uint32_t nslots;
    alignas(128) _Atomic size_t refs;   /* buffers allocated + 1 (handle) */
    _Atomic uint64_t allocs, get_allocs, slow_reuses, failures;
    _Atomic size_t   peak;
    atomic_int       closed;            /* bp_pool_uninit has begun */
    alignas(128) atomic_uint wake_seq;
    atomic_uint      waiters;
};

/* Set once, before the first pool exists: 1 when bpi_heavy_barrier() works
 * and owners may enter their cache with a compiler barrier only. */
BPI_HIDDEN extern int bpi_light;

/* ---- slots -------------------------------------------------------------- */

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
    /* Acquire: pairs with the release that installed the segment. */
    return atomic_load_explicit(&((bp_pool *)p)->seg[b],
                                memory_order_acquire) + off;
}

static inline struct slot *slot_of(bp_buffer *b)
{
    return (struct slot *)(void *)((char *)b - offsetof(struct slot, buf));
}

static inline uint32_t h_idx(uint64_t h) { return (uint32_t)(h & IDX_MASK); }

/* ---- the owner side of the handshake ------------------------------------ */

/* The owner's critical section, in two steps so that fast paths can branch
 * once: tc_begin() marks it (busy = 1); tc_blocked() then says whether a
 * remote request is pending, in which case the caller must tc_leave() at
 * once without touching items.
 *
 * Memory orders: in light mode, a relaxed store + compiler barrier, because
 * a remote thread pairs its req store (and tc_block's) with
 * bpi_heavy_barrier(), which orders this store before our req (or gate) load
 * on every CPU; otherwise a seq_cst store (Dekker: the remote's busy load or
 * our load sees the other's store).
 * The req load is seq_cst (a plain load on x86, ldar on aarch64 - no dearer
 * than acquire): acquire makes the remote's changes to items, made before
 * it cleared req with release, visible. */
static inline void tc_begin(struct tcache *tc, bool light)
{
    if (light) {
        atomic_store_explicit(&tc->busy, 1, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
    } else {
        atomic_store_explicit(&tc->busy, 1, memory_order_seq_cst);
    }
}

static inline bool tc_blocked(struct tcache *tc)
{
    return atomic_load_explicit(&tc->req, memory_order_seq_cst) != REQ_NONE;
}

static inline void tc_leave(struct tcache *tc)
{
    /* Release: our changes to items happen-before a remote thread that
     * sees busy == 0 with acquire. */
    atomic_store_explicit(&tc->busy, 0, memory_order_release);
}

/* tc_begin + tc_blocked for the general paths: whether the cache may be
 * used; if not, the section is left again and tc->req says why. */
static inline bool tc_enter(struct tcache *tc)
{
    tc_begin(tc, bpi_light);
    if (bpi_likely(!tc_blocked(tc)))
        return true;
    tc_leave(tc);
    return false;
}

/* tcache.np.  The pop count wraps after 2^56 gets from one thread's cache
 * (over 18 years at 8 ns per get).  Relaxed throughout: only the owner, or
 * a remote thread that excluded it (handshake), writes np; others read it
 * as statistics. */
#define NP_N    0xFFu                  /* n */
#define NP_POP  ((uint64_t)1 << 8)     /* one get */
_Static_assert(CACHE_MAX <= NP_N, "n fits in np's low bits");

static inline unsigned tc_n(struct tcache *tc)
{
    return (unsigned)(atomic_load_explicit(&tc->np, memory_order_relaxed) &
                      NP_N);
}

static inline uint64_t tc_pops(struct tcache *tc)
{
    return atomic_load_explicit(&tc->np, memory_order_relaxed) / NP_POP;
}

static inline void tc_set_n(struct tcache *tc, unsigned n)
{
    uint64_t w = atomic_load_explicit(&tc->np, memory_order_relaxed);
    atomic_store_explicit(&tc->np, (w & ~(uint64_t)NP_N) | n,
                          memory_order_relaxed);
}

#define FLOOR_CLOSED UINT_MAX    /* floor while a remote request is pending */

static inline unsigned floor_of(int64_t lw) { return lw > 0 ? (unsigned)lw : 0; }

/* Sets a cache's peak mark (see peak_check) and the floor derived from it,
 * unless a remote request has closed the gates (tc_unblock sets it then).
 * Relaxed: the marks order nothing; a concurrent update may be lost. */
static inline void tc_set_lw(struct tcache *tc, int64_t lw)
{
    atomic_store_explicit(&tc->lw, lw, memory_order_relaxed);
    unsigned f = atomic_load_explicit(&tc->floor, memory_order_relaxed);
    /* Relaxed: as above; the CAS only keeps a closed gate closed. */
    while (f != FLOOR_CLOSED &&
           !atomic_compare_exchange_weak_explicit(&tc->floor, &f, floor_of(lw),
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* The remote side, after setting req: closes the fast paths' gates, so an
 * owner that enters after the following heavy barrier takes a general path,
 * which sees req.  seq_cst: the Dekker store, like req's. */
static inline void tc_block(struct tcache *tc)
{
    atomic_store_explicit(&tc->cap, 0, memory_order_seq_cst);
    atomic_exchange_explicit(&tc->floor, FLOOR_CLOSED, memory_order_seq_cst);
}

/* Opens them again, before req is cleared.  Release: our changes to items
 * and n happen-before the owner's next fast path, which loads the gate with
 * acquire. */
static inline void tc_unblock(struct tcache *tc, unsigned cap)
{
    atomic_store_explicit(&tc->cap, cap, memory_order_release);
    atomic_store_explicit(&tc->floor, floor_of(atomic_load_explicit(
                              &tc->lw, memory_order_relaxed)),
                          memory_order_release);
}

/* The get/release fast paths enter with TC_FAST_LIGHT, a constant; they are
 * used only when it is right (see bpi_tl_key): in light mode, or always under
 * ThreadSanitizer, whose model knows no membarrier (bpi_light is then 0) and
 * which therefore checks the fast paths with seq_cst. */
#ifdef BPI_TSAN
#  define TC_FAST_LIGHT false
#else
#  define TC_FAST_LIGHT true
#endif

/* ---- tcache.c ------------------------------------------------------------ */

/* This thread's cache for pool p, made on first use; NULL when none can be
 * had (out of memory, or the thread is exiting). */
BPI_HIDDEN struct tcache *bpi_tc_lookup_slow(bp_pool *p);

/* Each thread's table of its caches, by pool id modulo TL_MAP (a miss goes
 * to bpi_tc_lookup_slow, which refills the entry). */
struct tl_entry {
    uint64_t       id;           /* 0: empty */
    struct tcache *tc;
};
#define TL_MAP 8
BPI_HIDDEN extern _Thread_local struct tl_entry bpi_tl_map[TL_MAP]
    __attribute__((tls_model("initial-exec")));
#define TL_NO_KEY UINT64_MAX     /* no pool id, no empty entry */

static inline unsigned tl_index(uint64_t id) { return id & (TL_MAP - 1); }

/* Where the entry for pool p is, as a number computed once per pool: on
 * x86-64 with GCC or clang, its offset from the thread pointer (the same in
 * every thread for initial-exec TLS), so the fast paths read it with one
 * %fs-relative load, without computing the table's address; elsewhere its
 * index. */
#if defined(__x86_64__) && defined(__SEG_FS) && !defined(BPI_ASAN) && \
    !defined(BPI_TSAN)
#  define TL_SEG_FS 1
typedef const __seg_fs struct tl_entry *tl_ref;
static inline tl_ref tl_entry_at(uintptr_t where) { return (tl_ref)where; }
#else
typedef const struct tl_entry *tl_ref;
static inline tl_ref tl_entry_at(uintptr_t where) { return &bpi_tl_map[where]; }
#endif
BPI_HIDDEN uintptr_t bpi_tl_where(uint64_t id);

/* The key the fast paths of a new pool look for (bp_pool.tl_key): its id
 * when they may be used, else TL_NO_KEY, so that every operation takes the
 * general path: without light mode (outside ThreadSanitizer builds), and
 * for pools with per-buffer work on get or release (slow_ops). */
BPI_HIDDEN uint64_t bpi_tl_key(uint64_t id, bool slow_ops);

/* This thread's cache for p: the table's, else from bpi_tc_lookup_slow;
 * NULL for a pool without caches (BP_POOL_NO_CACHE). */
static inline struct tcache *tc_lookup(bp_pool *p)
{
    if (!p->cache_max)
        return NULL;
    const struct tl_entry *e = &bpi_tl_map[tl_index(p->id)];
    return bpi_likely(e->id == p->id) ? e->tc : bpi_tc_lookup_slow(p);
}

/* Takes the idle buffers of other threads' caches (all when self is NULL)
 * into a NIL-terminated chain; returns its first slot, *count its length.
 * close: also marks every cache REQ_CLOSED.  wait: wait for a cache another
 * remote thread is using instead of skipping it. */
BPI_HIDDEN uint32_t bpi_tc_collect(bp_pool *p, struct tcache *self, bool close,
                        bool wait, size_t *count);

/* Drops the pool's reference on each of its caches (pool destruction);
 * caches still owned by a live thread are freed by that thread. */
BPI_HIDDEN void bpi_tc_pool_gone(bp_pool *p);

/* Moves the k oldest idle buffers of tc to the depot (owner only). */
BPI_HIDDEN void bpi_tc_flush(struct tcache *tc, unsigned k);

/* Decides bpi_light, once per process. */
BPI_HIDDEN void bpi_tc_init_once(void);

/* ---- pool.c -------------------------------------------------------------- */

/* Gives a chain of cnt (<= CACHE_MAX) slots to the depot; frees it when the
 * pool is closed.  The caller holds a reference that keeps the pool alive. */
BPI_HIDDEN void bpi_depot_put(bp_pool *p, uint32_t first, unsigned cnt);

/* ---- the release fast path ---------------------------------------------- */

/* The general case of a release (reset/poison, no cache yet, cache full or
 * in remote use, pool closed) and the wake of an announced waiter (inside
 * the critical section, where the pool cannot go away; then leaves). */
BPI_HIDDEN void bpi_release_slow(bp_pool *p, bp_buffer *b);
BPI_HIDDEN void bpi_release_wake(bp_pool *p, struct tcache *tc);

/* In the owner's critical section, with np's n below CACHE_MAX: caches sl
 * on top. */
static inline void tc_put(struct tcache *tc, struct slot *sl, uint64_t np)
{
    tc->items[np & NP_N] = sl;
    /* Relaxed: see tc_n. */
    atomic_store_explicit(&tc->np, np + 1, memory_order_relaxed);
}

/* Gives b, whose last reference was dropped, back to its pool p.  Inline,
 * because bp_unref() is the release fast path: it calls nothing but tail
 * calls, so neither function needs a stack frame.  Its fast part runs only
 * in light mode or under ThreadSanitizer (see bpi_tl_key); otherwise the
 * key never matches and it goes straight to bpi_release_slow. */
static inline void pool_release(bp_pool *p, bp_buffer *b)
{
    tl_ref e = tl_entry_at(p->tl_where);
    if (bpi_unlikely(e->id != p->tl_key))
        return bpi_release_slow(p, b);
    struct tcache *tc = e->tc;
    tc_begin(tc, TC_FAST_LIGHT);
    /* The cap is the Dekker load, like the floor in bp_pool_get: seq_cst,
     * and n after it.  Relaxed: see tc_n. */
    unsigned cap = atomic_load_explicit(&tc->cap, memory_order_seq_cst);
    uint64_t np = atomic_load_explicit(&tc->np, memory_order_relaxed);
    if (bpi_unlikely((np & NP_N) >= cap)) {
        tc_leave(tc);
        return bpi_release_slow(p, b);
    }
    tc_put(tc, slot_of(b), np);
    /* Relaxed: see tc_push in pool.c. */
    if (bpi_unlikely(atomic_load_explicit(&p->waiters, memory_order_relaxed)))
        return bpi_release_wake(p, tc);
    tc_leave(tc);
}

#endif
