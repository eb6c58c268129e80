/*
 * bufpool.h - lock-free pool of reference-counted, fixed-size buffers.
 *
 * This header is the reference manual.
 *
 * Error convention: functions returning int return 0 (or, where stated, a
 * non-negative value) on success and a negative errno value on failure.
 * Functions returning a pointer return NULL and set errno on failure.
 * Predicates (bp_is_writable()) return 0 or 1.  Each function lists its
 * errors, one cause each: EINVAL is an invalid argument, ENOMEM memory that
 * could not be had, EAGAIN a capped pool with every buffer in use,
 * ETIMEDOUT a wait that ran out, ECANCELED a flushing pool, EPROTO an
 * alloc callback that broke its contract (bp_alloc_fn); any other errno
 * from a get is the alloc callback's own.
 *
 * Thread safety
 * -------------
 * - A bp_ref is owned by whoever holds it: one bp_ref must not
 *   be used by two threads at once without external synchronisation.  Two
 *   refs to the same buffer (made with bp_dup()) may be used and unreferenced
 *   concurrently from any threads; the last bp_unref() frees the buffer, on
 *   whichever thread it happens.
 * - bp_is_writable() and bp_refcount() are snapshots: another thread holding
 *   a reference to the same buffer may change the answer right after.
 * - A bp_pool may be used from any number of threads at once:
 *   bp_pool_get(), bp_pool_get_timeout(), bp_pool_trim() and
 *   bp_pool_get_stats(), and bp_unref() of buffers obtained from it, are
 *   safe to call concurrently.  bp_pool_get() and releasing a pool buffer take
 *   no lock, except a thread's first use of a pool (which makes its cache
 *   for that pool under a process-wide mutex, also taken by bp_pool_new(),
 *   bp_pool_uninit(), the destruction of a pool and a thread's exit).
 * - bp_pool_uninit() may run while other threads still hold and release the
 *   pool's buffers, but no thread may call bp_pool_get*(), bp_pool_trim(),
 *   bp_pool_set_flushing(), bp_pool_get_stats(), bp_pool_get_info() or
 *   bp_pool_dump() on that pool concurrently with or after it.  To shut
 *   down threads that may wait in bp_pool_get_timeout(), call
 *   bp_pool_set_flushing(pool, 1), join them, then bp_pool_uninit().
 * - The pool's alloc callback may be called from any thread that calls
 *   bp_pool_get*(), concurrently with itself; reset may be called from any
 *   thread that drops the last reference of a pool buffer; pool_free is
 *   called exactly once, from the thread that made the pool go away.  None
 *   of them is called while the library holds a lock.
 *
 * Async-signal safety
 * -------------------
 * These functions are async-signal-safe (they only read; they neither wait
 * nor allocate): bp_version(), bp_refcount(), bp_is_writable(), bp_opaque(),
 * bp_pool_buffer_opaque(), bp_pool_config_init(), bp_pool_config_check()
 * and bp_pool_get_stats().  No other function is: they allocate or free, or
 * work on the calling thread's cache in a critical section that a handler
 * on the same thread would break into (a get or release in a handler that
 * interrupted one can hand a buffer out twice).  Call them from a handler
 * only when it cannot interrupt a bufpool call on its thread (signals
 * blocked around such calls, or sigwait() on a thread of its own).
 *
 * A process's life
 * ----------------
 * - Thread exit: the idle buffers a thread kept for a pool go back to the
 *   pool when the thread exits (a thread-specific-data destructor), and the
 *   next new thread reuses its per-pool state.  Gets and releases from
 *   other destructors that run after it still work, without that state.
 * - fork(): the child may go on using the pools it inherited (get,
 *   release, trim, stats, uninit), from its one thread; a handler
 *   (pthread_atfork, installed by the first bp_pool_new()) frees the state
 *   the parent's other threads left behind.  Buffers those threads held,
 *   or were moving, at the fork stay in use in the child: they count in
 *   in_use and against max_buffers there.  A pool that another thread was
 *   uninitialising at the fork must not be used in the child.
 * - dlclose(): the library and the Python and Lua modules that contain it
 *   are linked with -z nodelete (where the linker has it): once loaded they
 *   stay loaded, so threads that used a pool may outlive a dlclose(), and
 *   loading and unloading them any number of times is safe.
 *
 * Environment
 * -----------
 * - On Linux, pools use the membarrier system call (private expedited,
 *   registered when the first pool is made) so that the get/release fast
 *   paths need no fence; bp_pool_trim(), bp_pool_uninit() and the first
 *   get that meets max_buffers (once per pool) then make the process's
 *   running threads execute a barrier.
 *   Where membarrier is not available, or when BUFPOOL_NO_MEMBARRIER is set
 *   to a non-empty value other than 0 before the first pool is made, every
 *   get and release takes the general path instead (same results; a
 *   get+release pair costs about 2.5 times as much, 17 ns instead of 7 ns
 *   on a 2-core x86-64 VM).
 * - When membarrier starts failing after pools were made (a seccomp filter
 *   installed later, as sandboxes do after initialisation), the library
 *   never aborts: the process goes over to that general path for good.
 *   Until each thread that had used a pool calls bp_pool_get*() or
 *   releases a buffer of that pool once more (or exits), the idle buffers
 *   it keeps in its cache for the pool (not those it passed on to other
 *   threads) stay out of other threads' reach: bp_pool_trim()
 *   frees fewer, a get at max_buffers may fail (EAGAIN) or wait for them,
 *   and bp_pool_uninit() leaves them to be freed (and pool_free to run)
 *   when that thread next releases a buffer of the pool or exits.
 * - BUFPOOL_CHECK=nocache: every bp_pool_get*() allocates a new buffer
 *   (with the alloc callback, if any) and the last bp_unref() of a pool
 *   buffer frees it, so that any checker sees plain allocations and frees
 *   (as GLib's G_SLICE=always-malloc does); min_buffers are not made, and
 *   the statistics count every get as an allocation.  Read once, when the
 *   library makes or drops its first buffer or pool.  Words are separated
 *   by commas; an unknown one is reported on stderr.
 *
 * Checkers
 * --------
 * Programs linked with the library as installed can be checked as they
 * are, with no flag and no suppression file:
 * - ThreadSanitizer (the program built with -fsanitize=thread), valgrind's
 *   helgrind and DRD know the pool's order: every holder's accesses to a
 *   buffer happen before its last bp_unref() (and the reset callback
 *   there), which happens before the get that hands the buffer out again,
 *   on any thread, and before bp_pool_trim() or bp_pool_uninit() frees
 *   it.  Correct programs get no report.  The pool tells them so for each
 *   buffer alone, so a race between two holders of a buffer is still
 *   reported.
 * - valgrind's memcheck and AddressSanitizer (the program built with
 *   -fsanitize=address): a pool's idle buffers are no-access, so a use
 *   after release is reported; a buffer handed out again is undefined
 *   to memcheck, as malloc's (what the last user left is no promise),
 *   and defined for BP_POOL_ZERO and BP_POOL_POISON pools and once the
 *   reset callback has seen it; a new one made by that get is as the
 *   alloc callback (or malloc: undefined) left it (one of min_buffers
 *   is idle first, so undefined).
 *
 * The library finds them when the program runs (the sanitizer's run-time
 * library in the program, the valgrind tool); without them nothing is
 * paid.  Under one, every get and release takes the general path, and
 * under a race detector pools keep no per-thread caches.  For other
 * checkers, BUFPOOL_CHECK=nocache (above).
 */
#ifndef BUFPOOL_H
#define BUFPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BP_VERSION_MAJOR 0
#define BP_VERSION_MINOR 1
#define BP_VERSION_PATCH 0

/* The library's version as "MAJOR.MINOR.PATCH" (static storage; never NULL).
 * It is the version of the library linked at run time, which may differ from
 * the BP_VERSION_* macros the caller was compiled with. */
const char *bp_version(void);

/* ------------------------------------------------------------------------ */
/* Reference-counted buffers                                                 */

/* A buffer: memory plus its reference count.  Opaque; shared by all refs. */
typedef struct bp_buffer bp_buffer;

/* A reference to a buffer.  data/size describe the referenced bytes; callers
 * may narrow them (e.g. to a slice) on their own ref without affecting other
 * refs.  A bp_ref lives only where the library put it: use it through the
 * pointer the library returned (bp_alloc(), bp_create(), bp_dup(),
 * bp_pool_get(), ...), and never copy or move the struct itself - into
 * your own struct, or by value - to keep or drop it: bp_unref() of a copy
 * frees memory the library never allocated.  Keep the pointer instead, and
 * make a second reference with bp_dup().  (FFmpeg says the same of
 * AVBufferRef.)  The debug build (configure --enable-debug) stops with a
 * message at bp_unref() of a copy. */
typedef struct bp_ref {
    uint8_t   *data;
    size_t     size;
    bp_buffer *buffer;
} bp_ref;

/* Frees a buffer's data when its last reference goes away. */
typedef void (*bp_free_fn)(void *opaque, uint8_t *data);

/* The buffer may never be written: bp_is_writable() is 0 for all its refs. */
#define BP_FLAG_READONLY (1u << 0)

/* Allocates a buffer of size bytes with one reference.  data is aligned to
 * at least 64 bytes; size 0 is allowed (data is then a valid, non-NULL
 * pointer to zero bytes).  Contents are uninitialised.
 * Returns NULL with errno ENOMEM when memory runs out or size is too large. */
bp_ref *bp_alloc(size_t size);

/* As bp_alloc(), with the contents zero-filled. */
bp_ref *bp_allocz(size_t size);

/* Wraps caller-owned memory in a buffer with one reference.  When the last
 * reference goes away, free_cb(opaque, data) is called exactly once; NULL
 * free_cb means bp_default_free.  flags: 0 or BP_FLAG_READONLY.
 * data may be NULL only when size is 0.
 * Returns NULL with errno EINVAL (unknown flags, NULL data with size > 0) or
 * ENOMEM; on failure data is NOT freed: it stays the caller's. */
bp_ref *bp_create(uint8_t *data, size_t size, bp_free_fn free_cb,
                  void *opaque, unsigned flags);

/* The default free callback: free(data).  For memory from malloc(),
 * calloc(), realloc(), aligned_alloc() or posix_memalign(). */
void bp_default_free(void *opaque, uint8_t *data);

/* Makes a new reference to the same buffer (same data and size as ref).
 * Returns NULL with errno EINVAL (ref NULL) or ENOMEM. */
bp_ref *bp_dup(const bp_ref *ref);

/* Drops the reference *ref and sets *ref to NULL.  ref NULL or *ref NULL
 * is a no-op, and so is a ref whose buffer is NULL (not a reference: *ref
 * is set to NULL, nothing is freed).  Dropping the last reference frees
 * the buffer (its free callback is called once) or, for a pool buffer,
 * returns it to its pool. */
void bp_unref(bp_ref **ref);

/* Whether ref may be written: 1 when ref is the only reference to its
 * buffer and the buffer is not READONLY, else 0 (also when ref is NULL or
 * has no buffer): a predicate, as av_buffer_is_writable(). */
int bp_is_writable(const bp_ref *ref);

/* Makes *ref writable: when it is not (shared or READONLY), copies ref's
 * bytes (data, size) into a new buffer from bp_alloc(), drops the old
 * reference and points *ref at the copy.  Returns 0, -EINVAL (ref or *ref
 * NULL) or -ENOMEM (then *ref is unchanged). */
int bp_make_writable(bp_ref **ref);

/* Resizes *ref to size bytes, keeping the first min(old, new) bytes; the rest
 * is uninitialised.  *ref NULL allocates a new buffer.  The result is always
 * a writable buffer of its own (a shared, READONLY or pool buffer is copied
 * and the old reference dropped).  Returns 0, -EINVAL (ref NULL) or -ENOMEM
 * (then *ref is unchanged). */
int bp_realloc(bp_ref **ref, size_t size);

/* Makes *dst a reference to the same buffer, data and size as src, dropping
 * what *dst referenced before; src NULL just drops *dst (sets it to NULL).
 * Returns 0, -EINVAL (dst NULL) or -ENOMEM (then *dst is unchanged). */
int bp_replace(bp_ref **dst, const bp_ref *src);

/* Number of references to ref's buffer (a snapshot); 0 when ref is NULL. */
unsigned bp_refcount(const bp_ref *ref);

/* The opaque pointer of ref's buffer: the one given to bp_create(), the pool
 * config's opaque for a pool buffer, NULL for bp_alloc().  NULL with errno
 * EINVAL when ref is NULL. */
void *bp_opaque(const bp_ref *ref);

/* ------------------------------------------------------------------------ */
/* Pools                                                                      */

typedef struct bp_pool bp_pool;

/* Allocates one buffer of at least size bytes for a pool.  The returned ref
 * is owned by the pool, which drops it when it frees the buffer (trim,
 * uninit).  It must be a reference the library made (bp_alloc(),
 * bp_create(), ...) whose data is not NULL, whose size is at least size,
 * and whose data is aligned to the config's align when that is set: the
 * pool checks, drops a ref that is not, and fails the get with EPROTO.  On
 * failure return NULL with errno set: the get fails with that errno (EIO
 * stays EIO), or with ENOMEM when errno is 0 (the pool clears errno before
 * the call). */
typedef bp_ref *(*bp_alloc_fn)(void *opaque, size_t size);

#define BP_POOL_ZERO     (1u << 0) /* every buffer handed out is zero-filled */
#define BP_POOL_POISON   (1u << 1) /* new and released buffers are filled
                                      with 0xA5 (under a memory checker
                                      every pool's idle buffers are
                                      no-access too: see Checkers above) */
#define BP_POOL_NO_CACHE (1u << 2) /* no per-thread cache: every get and
                                      release goes through the pool's shared
                                      store (cache must be 0) */

/* A pool's parameters.  The struct may grow in later versions: always make
 * one with BP_POOL_CONFIG() or bp_pool_config_init(), which set struct_size
 * to the size this program was compiled with; the library reads only that
 * many bytes, and fields a caller's older header does not have take their
 * default (0).  Every field other than size may be left 0. */
typedef struct bp_pool_config {
    size_t      struct_size;   /* sizeof(bp_pool_config) as compiled */
    size_t      size;          /* bytes per buffer, > 0 */
    size_t      align;         /* 0 or a power of two, at most
                                  BP_POOL_MAX_ALIGN: the alignment of every
                                  buffer's data (0: 64 for the library's own
                                  allocation; none required of alloc) */
    size_t      min_buffers;   /* allocated by bp_pool_new */
    size_t      max_buffers;   /* 0: unbounded; else a hard cap on buffers
                                  allocated at once (in use + idle) */
    unsigned    flags;         /* BP_POOL_* */
    bp_alloc_fn alloc;         /* NULL: the library's own aligned allocation */
    void       *opaque;        /* passed to alloc, reset and pool_free */
    void      (*reset)(void *opaque, uint8_t *data, size_t size);
                               /* on each return to the pool, may be NULL */
    void      (*pool_free)(void *opaque);
                               /* called exactly once, when the pool is gone;
                                  may be NULL */
    size_t      cache;         /* most idle buffers one thread keeps for this
                                  pool (1 to BP_POOL_CACHE_MAX); 0: chosen by
                                  the pool (see BP_POOL_CACHE_MAX) */
} bp_pool_config;

/* A config literal with struct_size set and the named fields given, e.g.
 *   bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 4096, .max_buffers = 8));
 * Fields not named are 0. */
#define BP_POOL_CONFIG(...) \
    ((bp_pool_config){ .struct_size = sizeof(bp_pool_config), __VA_ARGS__ })

/* Makes *cfg an empty config: every field 0, struct_size set.  For code
 * that fills a config field by field (and for C++), where BP_POOL_CONFIG()
 * is for literals. */
static inline void bp_pool_config_init(bp_pool_config *cfg)
{
#ifdef __cplusplus
    *cfg = bp_pool_config();
#else
    *cfg = (bp_pool_config){ .struct_size = 0 };
#endif
    cfg->struct_size = sizeof(*cfg);
}

/* Largest number of buffers one pool can have allocated at once. */
#define BP_POOL_MAX_BUFFERS (((size_t)1 << 28) - 64)

/* Largest alignment a pool's own allocation honours (1 GiB). */
#define BP_POOL_MAX_ALIGN ((size_t)1 << 30)

/* Most idle buffers a pool keeps in one thread's cache.  A thread that
 * gets from a pool keeps there the buffers it releases, so that its gets
 * and releases touch no shared memory; a thread that only releases (a
 * pipeline's consumer) passes them on at once, to its ring, from which the
 * threads that get take them (16 at a time, at most 64 KiB of them; up to
 * 16 big ones from a ring that holds four times as many).
 * By default (cache 0) a pool caches min(63, max(8, 4 MiB / size))
 * buffers per thread: fewer when buffers are big.  A bigger cache makes a
 * thread's gets and releases touch shared memory less often; a smaller one
 * keeps less memory idle.  A get allocates only when no ring and no shared
 * store holds an idle buffer, so the pool's memory bound is: without
 * max_buffers, allocs - (buffers freed by trim) <= peak_in_use + the
 * buffers in the caches of threads that get (at most cache each); with
 * max_buffers, the first get that meets the cap makes the pool stop
 * caching in threads' caches, so that a get at the cap finds every idle
 * buffer without waiting for another thread. */
#define BP_POOL_CACHE_MAX 63

/* Checks a config without making a pool: 0 when bp_pool_new() would accept
 * it (it may still fail for lack of memory), else a negative errno with,
 * when why is not NULL, *why set to a one-line description of the problem
 * (static storage):
 *   -EINVAL  cfg NULL, struct_size smaller than the first version's struct,
 *            size 0, align not 0 or a power of two or above
 *            BP_POOL_MAX_ALIGN, unknown flags, cache above
 *            BP_POOL_CACHE_MAX or set together with BP_POOL_NO_CACHE,
 *            max_buffers set and min_buffers > max_buffers, max_buffers or
 *            min_buffers above BP_POOL_MAX_BUFFERS;
 *   -E2BIG   struct_size is larger than this library's config and a field
 *            this library does not know is not 0 (a newer header's field);
 *   -ENOMEM  size + align overflows (no buffer of that size can exist). */
int bp_pool_config_check(const bp_pool_config *cfg, const char **why);

/* Creates a pool from cfg (copied; cfg may be freed after the call) and
 * allocates its min_buffers.  Returns NULL with errno set: the alloc
 * callback's own when it failed (returned NULL with errno set), else:
 *   EINVAL  the config is invalid (as bp_pool_config_check());
 *   E2BIG   the config has a field this library does not know (as
 *           bp_pool_config_check());
 *   ENOMEM  out of memory, or size + align overflows; or the alloc
 *           callback returned NULL without errno;
 *   EPROTO  the alloc callback returned a buffer that breaks its contract
 *           (bp_alloc_fn).
 * On failure nothing is leaked and pool_free is not called. */
bp_pool *bp_pool_new(const bp_pool_config *cfg);

/* Makes a pool of size-byte buffers, as FFmpeg's av_buffer_pool_init():
 * bp_pool_new() with only size and alloc set.  alloc NULL means the
 * library's own allocation, and no alignment is required of alloc (align
 * 0); errors as bp_pool_new(). */
bp_pool *bp_pool_init(size_t size, bp_ref *(*alloc)(size_t size));

/* Makes a pool with an opaque pointer for its callbacks, as FFmpeg's
 * av_buffer_pool_init2(): bp_pool_new() with only size, opaque, alloc and
 * pool_free set.  alloc NULL means the library's own allocation, and no
 * alignment is required of alloc (align 0); errors as bp_pool_new(). */
bp_pool *bp_pool_init2(size_t size, void *opaque, bp_alloc_fn alloc,
                       void (*pool_free)(void *opaque));

/* Takes a buffer from the pool: an idle one if there is any (on one thread,
 * the one it released last), else a new one.  Never blocks.  The ref's data
 * and size are the whole buffer (size == the pool's size); its refcount is 1.
 * Its contents are zero for BP_POOL_ZERO pools, 0xA5 bytes for
 * BP_POOL_POISON pools, and else unspecified: what the last user and the
 * reset callback left, or what the alloc callback made (memcheck calls
 * them undefined unless the reset callback or the alloc callback made
 * them).
 * Returns NULL with errno set: the alloc callback's own when it failed
 * (returned NULL with errno set), else:
 *   EINVAL     pool NULL;
 *   EAGAIN     max_buffers are allocated and none is idle;
 *   ECANCELED  the pool is flushing (bp_pool_set_flushing());
 *   ENOMEM     allocating a new buffer failed, or the alloc callback
 *              returned NULL without errno (the pool stays usable);
 *   EPROTO     the alloc callback returned a buffer that breaks its
 *              contract (bp_alloc_fn; the pool dropped it).
 * EAGAIN may come one buffer early per get or release in flight on other
 * threads: a buffer whose release has begun but not ended, or that another
 * get is moving between threads, is not idle yet.  With nothing in flight
 * it is exact: every idle buffer counts, those cached for other threads
 * too (but see "Environment" when membarrier fails).
 * bp_pool_get_timeout() waits for those. */
bp_ref *bp_pool_get(bp_pool *pool);

/* As bp_pool_get(), but when the pool is at max_buffers with none idle, waits
 * up to timeout_ns nanoseconds (-1: forever; 0: not at all) for one to be
 * released or trimmed.  Returns NULL with errno set: the alloc callback's
 * own when it failed, else:
 *   EINVAL     pool NULL, or timeout_ns below -1;
 *   ETIMEDOUT  the time ran out (at once for timeout_ns 0);
 *   ECANCELED  the pool is flushing, or started to while this waited;
 *   ENOMEM     as bp_pool_get();
 *   EPROTO     as bp_pool_get();
 * A wait that ends with a
 * buffer counts in the stats as one get; a NULL return counts as one
 * failure, except for EINVAL.
 * The wait:
 * - Clock: timeout_ns is measured on CLOCK_MONOTONIC from the call, so
 *   changes of the system's wall-clock time do not shorten or lengthen it;
 *   it never returns ETIMEDOUT early, and may return later by the
 *   scheduler's latency.
 * - Signals: a signal handled while waiting runs its handler and the wait
 *   goes on, until the same deadline; this function never fails with EINTR
 *   (SA_RESTART or not).
 * - Cancellation: it is not a cancellation point (nor does it call one): a
 *   thread cancelled while waiting (deferred cancellation) goes on waiting,
 *   and acts on the cancellation at its next cancellation point after this
 *   returns.  Use bp_pool_set_flushing() to end waits, or a finite timeout.
 * - Fairness: none.  Every release wakes every waiter, and whichever
 *   retries first takes the buffer: not necessarily the one that waited
 *   longest, and a bp_pool_get() on another thread may take it first.  A
 *   waiter can thus be passed over again and again under contention; no
 *   wake-up is lost.
 * - Early failure: it does not fail one buffer early as bp_pool_get() may:
 *   a buffer whose release is in flight wakes the waiters when it lands. */
bp_ref *bp_pool_get_timeout(bp_pool *pool, int64_t timeout_ns);

/* Flushing on (on != 0): wakes every thread waiting in
 * bp_pool_get_timeout() on the pool, and makes every get fail with
 * ECANCELED, at once and even with idle buffers, until flushing is turned
 * off again (on == 0); as GStreamer's gst_buffer_pool_set_flushing().
 * Releases, bp_pool_trim() and the statistics work as usual meanwhile.
 * For a shutdown: set flushing, join the threads that may wait, then
 * bp_pool_uninit().  May be called from any thread, concurrently with
 * gets and releases (a get that overlaps the call may still succeed).
 * Returns 0, or -EINVAL when pool is NULL. */
int bp_pool_set_flushing(bp_pool *pool, int on);

/* Closes the pool and sets *pool to NULL (pool NULL or *pool NULL: no-op).
 * Idle buffers are freed now; buffers still out stay valid and are freed when
 * their last reference is dropped; after the last one, pool_free runs.  (If
 * membarrier failed at run time, some idle buffers may be freed later: see
 * "Environment" above.) */
void bp_pool_uninit(bp_pool **pool);

/* The opaque of the buffer the pool's alloc callback returned for ref's
 * buffer (bp_opaque() of that ref); NULL when the pool uses its own
 * allocation.  NULL with errno EINVAL when ref is NULL or not from a pool. */
void *bp_pool_buffer_opaque(const bp_ref *ref);

/* Frees idle buffers until at most keep_idle are left, including those cached
 * for threads that never touch the pool again.  It takes only the buffers
 * it frees (the shared ones first, then the oldest of the threads' caches),
 * and a get at max_buffers that meets a trim under way waits for it: a trim
 * never makes a get fail.  Returns how many it freed (0 for a NULL pool;
 * fewer than asked when membarrier failed at run time: see "Environment"
 * above). */
size_t bp_pool_trim(bp_pool *pool, size_t keep_idle);

/* A pool's statistics.  Like bp_pool_config, the struct may grow: set
 * struct_size (BP_POOL_STATS_INIT does) before bp_pool_get_stats(), which
 * fills the fields that fit in it. */
typedef struct bp_pool_stats {
    size_t   struct_size;  /* sizeof(bp_pool_stats) as compiled */
    uint64_t gets;         /* get calls: reuses + new allocations + failures */
    uint64_t reuses;       /* gets served by an idle buffer */
    uint64_t allocs;       /* buffers allocated, min_buffers included (an
                              allocation counts once it succeeded) */
    uint64_t failures;     /* get calls that returned NULL: at the cap,
                              timed out, flushing, allocation failed (a
                              call refused for an invalid argument is not
                              the pool's failure and not counted) */
    size_t   in_use;       /* buffers out of the pool now */
    size_t   idle;         /* buffers allocated and idle now */
    size_t   peak_in_use;  /* highest in_use so far (<= allocs) */
} bp_pool_stats;

/* An initializer: bp_pool_stats st = BP_POOL_STATS_INIT; */
#define BP_POOL_STATS_INIT { .struct_size = sizeof(bp_pool_stats) }

/* Fills *out (up to out->struct_size bytes; fields of a newer header this
 * library does not know are set to 0).  Statistics are kept per thread cache
 * and summed here: they are exact whenever no get or release is in flight;
 * while some are, each field is within the number in flight.  peak_in_use
 * is exact when gets and releases do not overlap; under overlap it may miss
 * short peaks by at most the number of overlapping operations.  Returns 0
 * or -EINVAL (NULL argument, or out->struct_size smaller than the first
 * version's struct). */
int bp_pool_get_stats(const bp_pool *pool, bp_pool_stats *out);

/* What a pool is and what it holds.  Like bp_pool_stats, the struct may
 * grow: set struct_size (BP_POOL_INFO_INIT does) before
 * bp_pool_get_info(). */
typedef struct bp_pool_info {
    size_t   struct_size;  /* sizeof(bp_pool_info) as compiled */
    size_t   size;         /* bytes per buffer, as configured */
    size_t   align;        /* every buffer's data is aligned to it (with an
                              alloc callback: the config's align, 0 for
                              none) */
    size_t   buffer_bytes; /* bytes one buffer takes: its data (size rounded
                              up to align for the library's own allocation;
                              size with an alloc callback, which may take
                              more) + overhead */
    size_t   overhead;     /* the pool's bookkeeping per buffer (its header) */
    size_t   buffers;      /* buffers allocated now (in_use + idle) */
    size_t   bytes;        /* bytes the pool holds now: buffers' data, the
                              headers (allocated in blocks, so up to twice
                              buffers * overhead), the pool and its thread
                              caches; the allocator's own overhead and an
                              alloc callback's beyond size not included */
    size_t   cache;        /* idle buffers one thread may keep cached for
                              the pool (0: BP_POOL_NO_CACHE) */
    size_t   threads;      /* threads that have a cache for the pool */
    size_t   min_buffers;  /* as configured */
    size_t   max_buffers;  /* as configured (0: unbounded) */
    unsigned flags;        /* BP_POOL_* as configured */
    int      flushing;     /* 1 while bp_pool_set_flushing() is on, else 0 */
} bp_pool_info;

/* An initializer: bp_pool_info info = BP_POOL_INFO_INIT; */
#define BP_POOL_INFO_INIT { .struct_size = sizeof(bp_pool_info) }

/* Fills *out (up to out->struct_size bytes; fields of a newer header this
 * library does not know are set to 0).  buffers and bytes are snapshots,
 * as exact as bp_pool_get_stats().  Returns 0 or -EINVAL (NULL argument,
 * or out->struct_size smaller than the first version's struct). */
int bp_pool_get_info(const bp_pool *pool, bp_pool_info *out);

/* Writes a description of the pool to f, for people (as DPDK's
 * rte_mempool_dump; the format may change): its parameters and footprint
 * (bp_pool_get_info()), statistics, how many buffers are idle in the
 * shared store and in each thread's cache, waiters, whether the fast
 * paths are on.  Returns 0, -EINVAL (pool or f NULL) or -EIO (writing to f
 * failed). */
int bp_pool_dump(const bp_pool *pool, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* BUFPOOL_H */
