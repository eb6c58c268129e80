/* platform.h - what bufpool needs from the compiler and the operating
 * system, kept apart from the pool and buffer logic: aligned allocation,
 * futex-style waits, clocks, membarrier, sanitizer hooks, the debug build's
 * assertions.  Internal: none of these names is exported. */
#ifndef BUFPOOL_PLATFORM_H
#define BUFPOOL_PLATFORM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Internal functions shared between files: not exported, and called
 * directly (no PLT) inside the shared library. */
#if defined(__GNUC__)
#  define BPI_HIDDEN __attribute__((visibility("hidden")))
#  define BPI_NOINLINE __attribute__((noinline))
#  define BPI_COLD __attribute__((noinline, cold))
#else
#  define BPI_HIDDEN
#  define BPI_NOINLINE
#  define BPI_COLD
#endif

/* The debug build (configure --enable-debug) checks internal invariants;
 * a failure prints the condition and aborts.  Without BP_DEBUG the
 * condition is not evaluated. */
#ifdef BP_DEBUG
BPI_HIDDEN _Noreturn void bpi_assert_fail(const char *cond, const char *file,
                                          int line);
#  define BPI_ASSERT(c) \
    ((c) ? (void)0 : bpi_assert_fail(#c, __FILE__, __LINE__))
#  define BPI_DEBUG_ONLY(stmt) stmt
#else
#  define BPI_ASSERT(c) ((void)0)
#  define BPI_DEBUG_ONLY(stmt) ((void)0)
#endif

/* Number of trailing zero bits of v > 0. */
static inline unsigned bpi_ctz64(uint64_t v)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(v);
#else
    unsigned n = 0;
    while (!(v & 1)) {
        v >>= 1;
        n++;
    }
    return n;
#endif
}

/* Number of leading zero bits of v > 0. */
static inline unsigned bpi_clz32(uint32_t v)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_clz(v);
#else
    unsigned n = 0;
    while (!(v & 0x80000000u)) {
        v <<= 1;
        n++;
    }
    return n;
#endif
}

/* Copies a versioned struct v (v_size bytes) to the caller's out of
 * out_size bytes (its struct_size): what fits, the caller's newer fields
 * 0. */
static inline void bpi_struct_out(void *out, size_t out_size, const void *v,
                                  size_t v_size)
{
    memcpy(out, v, out_size < v_size ? out_size : v_size);
    if (out_size > v_size)
        memset((char *)out + v_size, 0, out_size - v_size);
}

/* malloc() for the library's own small objects (bp_ref, bp_buffer). */
BPI_HIDDEN void *bpi_malloc(size_t size);

/* Fault injection (configure --enable-fault-injection): every allocation
 * of the library goes through bpi_malloc/bpi_aligned_alloc, which fail
 * (ENOMEM) on the bpi_fault_at-th call counted from when it was set
 * (0: never).  Tests set it directly; BUFPOOL_FAULT_AT=N in the environment
 * sets it at the first allocation. */
#ifdef BP_FAULT_INJECTION
BPI_HIDDEN extern _Atomic unsigned long bpi_fault_at, bpi_fault_count;
#endif

/* Aligned allocation of size bytes (size 0 gives a unique pointer);
 * align is a power of two >= sizeof(void *).  NULL on failure, errno set.
 * Release with free(). */
BPI_HIDDEN void *bpi_aligned_alloc(size_t align, size_t size);

/* Monotonic clock in nanoseconds. */
BPI_HIDDEN int64_t bpi_now_ns(void);

/* Blocks while *word == expected, for at most timeout_ns (-1: no limit).
 * May return early (spuriously); callers re-check their condition. */
BPI_HIDDEN void bpi_wait(atomic_uint *word, unsigned expected, int64_t timeout_ns);

/* Wakes every thread blocked in bpi_wait() on word. */
BPI_HIDDEN void bpi_wake_all(atomic_uint *word);

/* Asymmetric fences.  bpi_heavy_barrier_init() returns 1 when
 * bpi_heavy_barrier() is available (Linux membarrier, private expedited):
 * it makes every thread of the process execute a full memory barrier, so the
 * other side of a Dekker-style handshake may use only a compiler barrier.
 * Returns 0 where it is not (old kernels, ThreadSanitizer builds, whose
 * model does not know it): callers then use seq_cst on both sides.
 * bpi_heavy_barrier() returns 0, or a negative errno when it failed (a
 * seccomp filter installed after the init may deny it): then no thread
 * executed a barrier for the caller. */
BPI_HIDDEN int bpi_heavy_barrier_init(void);
BPI_HIDDEN int bpi_heavy_barrier(void);

/* Gives the CPU to another thread (used while waiting for a thread to leave
 * a short critical section; never on the get/release path). */
BPI_HIDDEN void bpi_yield(void);

/* Poison/unpoison memory for AddressSanitizer; no-ops otherwise. */
#if defined(__SANITIZE_ADDRESS__)
#  define BPI_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define BPI_ASAN 1
#  endif
#endif
#ifdef BPI_ASAN
#  include <sanitizer/asan_interface.h>
#  define bpi_poison(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#  define bpi_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#  define bpi_poison(p, n)   ((void)(p), (void)(n))
#  define bpi_unpoison(p, n) ((void)(p), (void)(n))
#endif

#if defined(__SANITIZE_THREAD__)
#  define BPI_TSAN 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define BPI_TSAN 1
#  endif
#endif

#if defined(__GNUC__)
#  define bpi_likely(x)   __builtin_expect(!!(x), 1)
#  define bpi_unlikely(x) __builtin_expect(!!(x), 0)
#else
#  define bpi_likely(x)   (x)
#  define bpi_unlikely(x) (x)
#endif

#endif
