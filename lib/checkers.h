/* checkers.h - telling the user's checkers what the pool does with its
 * buffers: ThreadSanitizer and AddressSanitizer (their run-time interface
 * in the program, found through weak symbols: nothing is linked, nothing
 * paid without them), and valgrind's memcheck, helgrind and DRD (client
 * requests, compiled in where configure found valgrind's headers, active
 * only under that tool).  Callgrind, cachegrind and the other tools are
 * not checkers: the pool behaves under them as natively.
 *
 * What a pool does under a checker (pool.c):
 * - every get and release takes the general path, which says what
 *   happens to the buffer b (pool.c), each step before the next touches b:
 *     release:  ck_acquire(b) (the last unref: every holder's accesses
 *               happen before the reset callback and the reuse), then
 *               ck_idle (the data no-access) and ck_release(b);
 *     hand-out: ck_acquire(b), then ck_usable (undefined, or defined for
 *               BP_POOL_ZERO and BP_POOL_POISON pools and after the
 *               reset callback); a new buffer handed out at once stays
 *               as its allocator made it (never idle, no ck_usable);
 *     free:     ck_acquire(b), ck_usable, and ck_release(b) for the
 *               slot's next buffer;
 *   so a release happens before the get that hands the buffer out again,
 *   on any thread, and before trim and uninit free it: per buffer, never
 *   through a shared object, so no other access is ordered by it;
 * - under a race detector (CK_RACES) the pool keeps no per-thread caches:
 *   its idle buffers are in the depot only;
 * - the library's own shared memory (the pool, the caches, each buffer's
 *   count and link words) is synchronised by atomics and a handshake that
 *   valgrind's tools do not see: ck_internal() takes it out of helgrind's
 *   and DRD's checks.  (They take a locked read-modify-write for an access
 *   that orders nothing: a count's decrement after its ck_release would
 *   race with the store of the next hand-out.)  ThreadSanitizer does not
 *   see that memory at all (the library is not instrumented), except a
 *   segment of slots, whose allocation and zeroing ck_fresh_begin/end hide
 *   from it (the users of its slots are other threads).
 * bp_dup/bp_unref (buffer.c) make the usual reference-count edges: a
 * ck_release(b) before every decrement that does not free, a ck_acquire(b)
 * before the free.
 *
 * BUFPOOL_CHECK in the environment, words separated by commas:
 *   nocache   every get allocates and every last release frees (with the
 *             alloc callback, or malloc and free), so that any checker sees
 *             plain allocations (as GLib's G_SLICE=always-malloc).
 * Decided once per process, at the first call that asks (ck_mode).
 * Internal. */
#ifndef BUFPOOL_CHECKERS_H
#define BUFPOOL_CHECKERS_H

#include "atomic.h"
#include "platform.h"

#include <stdbool.h>
#include <stddef.h>

#define CK_TSAN     (1u << 0)    /* ThreadSanitizer's run time */
#define CK_ASAN     (1u << 1)    /* AddressSanitizer's run time */
#define CK_MEMCHECK (1u << 2)    /* valgrind --tool=memcheck */
#define CK_HELGRIND (1u << 3)    /* valgrind --tool=helgrind */
#define CK_DRD      (1u << 4)    /* valgrind --tool=drd */
#define CK_NOCACHE  (1u << 5)    /* BUFPOOL_CHECK=nocache */
#define CK_UNKNOWN  (1u << 31)   /* not decided yet */

#define CK_RACES (CK_TSAN | CK_HELGRIND | CK_DRD)

/* The checkers of this process; CK_UNKNOWN until ck_mode() decides. */
BPI_HIDDEN extern _Atomic unsigned bpi_ck;

BPI_HIDDEN unsigned ck_detect(void);

/* The checkers this process runs under (0: none). */
static inline unsigned ck_mode(void)
{
    /* Relaxed: every thread computes the same value. */
    unsigned c = at_load_relaxed(&bpi_ck);
    return bpi_unlikely(c & CK_UNKNOWN) ? ck_detect() : c;
}

/* Happens-before edges on obj (a buffer, a pool): whatever a thread did
 * before ck_release(obj) happens before what any thread does after a
 * later ck_acquire(obj). */
BPI_HIDDEN void ck_release(const void *obj);
BPI_HIDDEN void ck_acquire(const void *obj);

/* obj is about to be freed: helgrind forgets its edges (its address may
 * name another object later). */
BPI_HIDDEN void ck_forget(const void *obj);

/* A pool buffer's data (size bytes) becomes idle: no-access to memcheck
 * and AddressSanitizer. */
BPI_HIDDEN void ck_idle(void *data, size_t size);

/* A pool buffer's data becomes usable (handed out, or about to be freed):
 * accessible, and defined to memcheck (its contents are the pool's
 * promise) or undefined. */
BPI_HIDDEN void ck_usable(void *data, size_t size, bool defined);

/* The library's own memory at p, shared by threads through atomics:
 * helgrind and DRD do not check it. */
BPI_HIDDEN void ck_internal(const void *p, size_t size);

/* Around the allocation and zeroing of memory other threads will use
 * (a segment of slots): none of it counts as an access of this thread. */
BPI_HIDDEN void ck_fresh_begin(void);
BPI_HIDDEN void ck_fresh_end(const void *p, size_t size);

#endif
