/* pool_internal.h - what pool.c and tcache.c share: slots, the thread cache,
 * the pool struct, and the owner side of the thread-cache handshake (inline,
 * because it is the get/release fast path).  See pool.c for the design. */
#ifndef BUFPOOL_POOL_INTERNAL_H
#define BUFPOOL_POOL_INTERNAL_H

#include "internal.h"
#include "platform.h"

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
#define CACHE_MAX  BP_POOL_CACHE_SLACK   /* most idle buffers per thread cache */
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
 * it with plain loads and stores inside a critical section marked by an odd
 * `seq`; a remote thread (steal, trim, uninit) first sets `req`, makes sure
 * the owner is outside (see tc_enter and bpi_tc_collect), and only then
 * touches `items`.  The owner that finds `req` set leaves the cache alone. */
struct tcache {
    /* Hot: written by the owner on every get and release. */
    alignas(128) atomic_uint seq;
    atomic_uint      req;
    atomic_uint      n;          /* idle buffers in items[0..n) */
    _Atomic int64_t  lw;         /* peak tracking mark, see peak_check */
    _Atomic uint64_t reuses;     /* gets served from items */
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
    size_t         size, alloc_size, align, max;
    unsigned       flags;
    bool           on_release;   /* reset or POISON: work before caching */
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

static inline uint32_t h_idx(uint64_t h) { return (uint32_t)(h & IDX_MASK); }

/* ---- the owner side of the handshake ------------------------------------ */

/* The owner's critical section, in two steps so that fast paths can branch
 * once: tc_begin() marks the section (odd seq) and returns the value for
 * tc_leave(); tc_blocked() then says whether a remote request is pending,
 * in which case the caller must leave at once without touching items.
 *
 * Memory orders: in light mode, a relaxed store + compiler barrier, because
 * a remote thread pairs its req store with bpi_heavy_barrier(), which orders
 * this store before our req load on every CPU; otherwise a seq_cst store
 * (Dekker: the remote's seq load or our req load sees the other's store).
 * The req load is seq_cst (a plain load on x86, ldar on aarch64 - no dearer
 * than acquire): acquire makes the remote's changes to items, made before
 * it cleared req with release, visible. */
static inline unsigned tc_begin(struct tcache *tc)
{
    /* Relaxed: only the owner writes seq. */
    unsigned s = atomic_load_explicit(&tc->seq, memory_order_relaxed) + 1;
    if (bpi_likely(bpi_light)) {
        atomic_store_explicit(&tc->seq, s, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
    } else {
        atomic_store_explicit(&tc->seq, s, memory_order_seq_cst);
    }
    return s;
}

static inline bool tc_blocked(struct tcache *tc)
{
    return atomic_load_explicit(&tc->req, memory_order_seq_cst) != REQ_NONE;
}

/* tc_begin + tc_blocked: the sequence number when entered, else 0 (left
 * again; tc->req says why). */
static inline unsigned tc_enter(struct tcache *tc)
{
    unsigned s = tc_begin(tc);
    if (bpi_likely(!tc_blocked(tc)))
        return s;
    /* Release: as in tc_leave. */
    atomic_store_explicit(&tc->seq, s + 1, memory_order_release);
    return 0;
}

static inline void tc_leave(struct tcache *tc, unsigned s)
{
    /* Release: our changes to items happen-before a remote thread that
     * sees the even value with acquire. */
    atomic_store_explicit(&tc->seq, s + 1, memory_order_release);
}

/* ---- tcache.c ------------------------------------------------------------ */

/* This thread's cache for pool p, made on first use; NULL when none can be
 * had (out of memory, or the thread is exiting). */
BPI_HIDDEN struct tcache *bpi_tc_lookup_slow(bp_pool *p);

struct tl_entry {
    uint64_t       id;
    struct tcache *tc;
};
#define TL_MAP 8
BPI_HIDDEN extern _Thread_local struct tl_entry bpi_tl_map[TL_MAP]
    __attribute__((tls_model("initial-exec")));

/* This thread's cache for p if the lookup table has it, else NULL. */
static inline struct tcache *tc_lookup_fast(const bp_pool *p)
{
    const struct tl_entry *e = &bpi_tl_map[p->id & (TL_MAP - 1)];
    return bpi_likely(e->id == p->id) ? e->tc : NULL;
}

static inline struct tcache *tc_lookup(bp_pool *p)
{
    struct tcache *tc = tc_lookup_fast(p);
    return bpi_likely(tc != NULL) ? tc : bpi_tc_lookup_slow(p);
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

#endif
