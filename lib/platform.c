/* platform.c - aligned allocation, waits, clocks.  See platform.h. */
#include "config.h"

#include "platform.h"
#include "atomic.h"

#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <sched.h>

#if defined(HAVE_LINUX_MEMBARRIER_H) && defined(HAVE_SYS_SYSCALL_H)
#  include <linux/membarrier.h>
#  include <sys/syscall.h>
#  define BPI_MEMBARRIER 1
#endif

#if defined(HAVE_LINUX_FUTEX_H) && defined(HAVE_SYS_SYSCALL_H)
#  include <linux/futex.h>
#  include <sys/syscall.h>
#  define BPI_FUTEX 1
#endif

#ifdef BP_FAULT_INJECTION
_Atomic unsigned long bpi_fault_at, bpi_fault_count;

static int fault_hit(void)
{
    static atomic_int env_read;
    if (!atomic_exchange(&env_read, 1)) {
        const char *e = getenv("BUFPOOL_FAULT_AT");
        if (e && *e)
            atomic_store(&bpi_fault_at, strtoul(e, NULL, 10));
    }
    unsigned long at = atomic_load(&bpi_fault_at);
    return at && atomic_fetch_add(&bpi_fault_count, 1) + 1 == at;
}
#else
#  define fault_hit() 0
#endif

void *bpi_malloc(size_t size)
{
    if (fault_hit()) {
        errno = ENOMEM;
        return NULL;
    }
    return malloc(size);
}

void *bpi_aligned_alloc(size_t align, size_t size)
{
    void *p = NULL;
    if (fault_hit()) {
        errno = ENOMEM;
        return NULL;
    }
    /* posix_memalign(0) may return NULL; callers want a unique pointer. */
    int err = posix_memalign(&p, align, size ? size : 1);
    if (err) {
        errno = err;
        return NULL;
    }
    return p;
}

int64_t bpi_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void bpi_wait(atomic_uint *word, unsigned expected, int64_t timeout_ns)
{
#ifdef BPI_FUTEX
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000);
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tsp = &ts;
    }
    /* The kernel compares *word with expected atomically with going to
     * sleep, so a wake that changed the word first is never lost. */
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, expected, tsp,
            NULL, 0);
#else
    /* Portable fallback: poll.  Correct (callers re-check), not efficient.
     * nanosleep is a cancellation point; bp_pool_get_timeout is not one
     * (bufpool.h). */
    struct timespec ts = { 0, 200000 };
    int state;
    if (timeout_ns >= 0 && timeout_ns < ts.tv_nsec)
        ts.tv_nsec = (long)timeout_ns;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
    if (at_load_acquire(word) == expected)
        nanosleep(&ts, NULL);
    pthread_setcancelstate(state, NULL);
#endif
}

void bpi_wake_all(atomic_uint *word)
{
#ifdef BPI_FUTEX
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL,
            NULL, 0);
#else
    (void)word;
#endif
}

int bpi_heavy_barrier_init(void)
{
#if defined(BPI_MEMBARRIER) && !defined(BPI_TSAN)
    const char *off = getenv("BUFPOOL_NO_MEMBARRIER");
    if (off && *off && strcmp(off, "0") != 0)
        return 0;
    long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
        return 0;
    return syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                   0) == 0;
#else
    return 0;
#endif
}

int bpi_heavy_barrier(void)
{
#if defined(BPI_MEMBARRIER) && !defined(BPI_TSAN)
    /* After registration the kernel fails it for lack of memory (worth a
     * few more tries) or because a seccomp filter installed since denies
     * it (for good): the caller then falls back (tcache.h). */
    for (unsigned tries = 0;; tries++) {
        if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0)
            return 0;
        if (errno != ENOMEM || tries == 100)
            return -errno;
        sched_yield();
    }
#else
    return -ENOSYS;
#endif
}

void bpi_yield(void)
{
    sched_yield();
}

#ifdef BP_DEBUG
void bpi_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "bufpool: internal assertion failed at %s:%d: %s\n",
            file, line, cond);
    abort();
}
#endif
