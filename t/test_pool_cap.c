/* A capped pool at its edges (issue 11): a waiter sleeps instead of
 * spinning, an INT64_MAX timeout waits for ever, trim never makes a get
 * fail while buffers are idle, and neither peak_in_use nor in_use + idle
 * ever exceeds max_buffers; in_use does not grow while a cache flushes.
 * Neither in_use nor peak_in_use ever exceeds allocs, even while an
 * allocation is under way (issue 19). */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- a waiter sleeps ------------------------------------------------ */

#ifdef RUSAGE_THREAD
static int64_t thread_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

struct waiter {
    bp_pool *pool;
    int64_t wait_ns, wall_ns, cpu_ns;
    int err;
    bp_ref *got;
};

static void *waiter_thread(void *arg)
{
    struct waiter *w = arg;
    int64_t c0 = thread_cpu_ns(), t0 = now_ns();
    errno = 0;
    w->got = bp_pool_get_timeout(w->pool, w->wait_ns);
    w->err = errno;
    w->wall_ns = now_ns() - t0;
    w->cpu_ns = thread_cpu_ns() - c0;
    return NULL;
}

static void test_waiter_sleeps(unsigned flags, const char *what)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 4096, .max_buffers = 2,
                                             .flags = flags));
    bp_ref *a = bp_pool_get(p), *b = bp_pool_get(p);
    struct waiter w = { p, 400000000, 0, 0, 0, NULL };
    pthread_t th;
    pthread_create(&th, NULL, waiter_thread, &w);
    pthread_join(th, NULL);
    ok(!w.got && w.err == ETIMEDOUT, "%s: the waiter times out (errno %d)",
       what, w.err);
    ok(w.wall_ns >= 390000000, "%s: after its timeout (%.3f s)", what,
       w.wall_ns / 1e9);
    ok(w.cpu_ns * 50 < w.wall_ns,
       "%s: it sleeps: %.2f %% of a CPU while waiting (< 2 %%)", what,
       100.0 * (double)w.cpu_ns / (double)w.wall_ns);
    bp_unref(&a);
    bp_unref(&b);
    bp_pool_uninit(&p);
}
#endif

/* ---- INT64_MAX waits for ever --------------------------------------- */

struct later {
    bp_ref *ref;
    int ms;
};

static void *release_later(void *arg)
{
    struct later *l = arg;
    usleep((useconds_t)l->ms * 1000);
    bp_unref(&l->ref);
    return NULL;
}

static void test_timeout_max(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 1));
    struct later l = { bp_pool_get(p), 100 };
    pthread_t th;
    pthread_create(&th, NULL, release_later, &l);
    int64_t t0 = now_ns();
    errno = 0;
    bp_ref *r = bp_pool_get_timeout(p, INT64_MAX);
    int err = errno;
    int64_t waited = now_ns() - t0;
    pthread_join(th, NULL);
    ok(r != NULL, "get_timeout(INT64_MAX) waits for the release (errno %d)",
       r ? 0 : err);
    ok(waited >= 80000000, "... which came %.3f s later", waited / 1e9);
    bp_unref(&r);
    bp_pool_uninit(&p);
}

/* ---- trim never makes a get fail while buffers are idle ------------------- */

struct trimmer {
    bp_pool *pool;
    size_t keep;
    atomic_int started, stop;
    atomic_ulong trims;
    unsigned long freed;
};

static void *trim_thread(void *arg)
{
    struct trimmer *t = arg;
    atomic_store(&t->started, 1);
    while (!atomic_load_explicit(&t->stop, memory_order_relaxed)) {
        t->freed += bp_pool_trim(t->pool, t->keep);
        t->trims++;
    }
    return NULL;
}

/* A user holds at most HOLD of the CAP buffers of a pool made full
 * (min_buffers = CAP) while another thread trims with keep_idle: no get
 * may fail, whether trim has something to free (keep_idle < idle) or not. */
static void test_trim_no_eagain(unsigned flags, size_t keep, const char *what)
{
    enum { CAP = 8, HOLD = 6, ROUNDS = 100000 };
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = CAP,
                                             .min_buffers = CAP,
                                             .flags = flags));
    struct trimmer t = { p, keep, 0, 0, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, trim_thread, &t);
    long eagain = 0, other = 0;
    bp_ref *held[HOLD];
    while (!atomic_load(&t.started))
        ;
    /* At least ROUNDS rounds, and until the trimmer has run a while. */
    for (int round = 0; round < ROUNDS || t.trims < 20000; round++) {
        int n = 1 + round % HOLD;
        for (int i = 0; i < n; i++) {
            held[i] = bp_pool_get(p);
            if (!held[i]) {
                if (errno == EAGAIN)
                    eagain++;
                else
                    other++;
            }
        }
        for (int i = n - 1; i >= 0; i--)
            bp_unref(&held[i]);
    }
    atomic_store(&t.stop, 1);
    pthread_join(th, NULL);
    ok(eagain == 0 && other == 0,
       "%s: holding <= %d of %d buffers while another thread trims to %zu "
       "(%lu trims, %lu freed): %ld EAGAIN, %ld other failures", what,
       HOLD, CAP, keep, atomic_load(&t.trims), t.freed, eagain, other);
    if (keep >= CAP)
        is_u64(t.freed, 0, "%s: trim to %zu >= idle frees nothing", what,
               keep);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    is_u64(st.in_use, 0, "%s: in_use 0 at the end", what);
    ok(st.idle <= CAP, "%s: idle %zu <= max_buffers", what, st.idle);
    bp_pool_uninit(&p);
}

/* ---- peak_in_use <= max_buffers ----------------------------------- */

struct capper {
    bp_pool *pool;
    int hold;
    atomic_int ready, stop;
};

/* Gets hold buffers (some may fail at the cap), releases the first, gets
 * one more, releases all; until told to stop. */
static void *cap_thread(void *arg)
{
    struct capper *c = arg;
    bp_ref *h[40];
    atomic_fetch_add(&c->ready, 1);
    while (atomic_load(&c->ready) < 5)
        ;
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        for (int k = 0; k < c->hold; k++)
            h[k] = bp_pool_get(c->pool);
        bp_unref(&h[0]);
        h[0] = bp_pool_get(c->pool);
        for (int k = 0; k < c->hold; k++)
            bp_unref(&h[k]);
    }
    return NULL;
}

/* T threads that together want more than max buffers, for 300 ms, while
 * this thread reads the statistics. */
static void test_peak_at_cap(size_t max, int hold, unsigned flags,
                             const char *what)
{
    enum { T = 4 };
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = max,
                                             .flags = flags));
    struct capper c = { p, hold, 0, 0 };
    pthread_t th[T];
    for (int i = 0; i < T; i++)
        pthread_create(&th[i], NULL, cap_thread, &c);
    while (atomic_load(&c.ready) < T)
        ;
    atomic_fetch_add(&c.ready, 1);
    size_t seen = 0, seen_in_use = 0;
    long reads = 0, above_allocs = 0;
    int64_t end = now_ns() + 300000000;
    while (now_ns() < end) {
        bp_pool_stats st = BP_POOL_STATS_INIT;
        bp_pool_get_stats(p, &st);
        reads++;
        if (st.peak_in_use > seen)
            seen = st.peak_in_use;
        if (st.in_use > seen_in_use)
            seen_in_use = st.in_use;
        if (st.in_use + st.idle > max)
            seen_in_use = SIZE_MAX;
        if (st.peak_in_use > st.allocs || st.in_use + st.idle > st.allocs)
            above_allocs++;
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    ok(st.peak_in_use <= max && seen <= max,
       "%s: %d threads get %d and release at max_buffers %zu: peak_in_use "
       "%zu (%zu seen while running) <= max_buffers", what, T, hold, max,
       st.peak_in_use, seen);
    ok(seen_in_use <= max, "%s: in_use and in_use + idle <= max_buffers in "
       "%ld stats reads while running", what, reads);
    ok(st.allocs <= max, "%s: allocs %llu <= max_buffers", what,
       (unsigned long long)st.allocs);
    ok(above_allocs == 0, "%s: peak_in_use and in_use + idle <= allocs in "
       "every stats read (%ld above)", what, above_allocs);
    ok(st.failures > 0, "%s: the threads met the cap (%llu failed gets)",
       what, (unsigned long long)st.failures);
    bp_pool_uninit(&p);
}

/* ---- in_use while a cache flushes ----------------------------------------- */

/* A producer gets buffers and hands them through a ring of RING to a
 * consumer that releases them: the consumer's cache fills and flushes half
 * of itself to the depot every 32 releases while the producer, taking
 * chains from the depot, recomputes in_use (peak_check) from the shards.
 * At most RING + 2 buffers are out at once. */
enum { RING = 16 };

struct pipe {
    bp_pool *pool;
    bp_ref *ring[RING];
    atomic_ulong head, tail;
    atomic_int stop;
};

static void *producer(void *arg)
{
    struct pipe *q = arg;
    unsigned long h = 0;
    while (!atomic_load_explicit(&q->stop, memory_order_relaxed)) {
        if (h - atomic_load_explicit(&q->tail, memory_order_acquire) == RING) {
            sched_yield();
            continue;
        }
        q->ring[h % RING] = bp_pool_get(q->pool);
        atomic_store_explicit(&q->head, ++h, memory_order_release);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct pipe *q = arg;
    unsigned long t = 0;
    for (;;) {
        if (atomic_load_explicit(&q->head, memory_order_acquire) == t) {
            if (atomic_load_explicit(&q->stop, memory_order_relaxed))
                break;
            sched_yield();
            continue;
        }
        bp_unref(&q->ring[t % RING]);
        atomic_store_explicit(&q->tail, ++t, memory_order_release);
    }
    return NULL;
}

static void test_in_use_while_flushing(void)
{
    enum { MOST = RING + 2 };
    static struct pipe q;
    q.pool = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    pthread_t pt, ct;
    pthread_create(&pt, NULL, producer, &q);
    pthread_create(&ct, NULL, consumer, &q);
    size_t worst = 0;
    int64_t end = now_ns() + 300000000;
    while (now_ns() < end) {
        bp_pool_stats st = BP_POOL_STATS_INIT;
        bp_pool_get_stats(q.pool, &st);
        if (st.in_use > worst)
            worst = st.in_use;
        usleep(100);
    }
    atomic_store(&q.stop, 1);
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(q.pool, &st);
    ok(worst <= MOST && st.peak_in_use <= MOST,
       "producer -> ring of %d -> consumer, whose cache keeps flushing: "
       "in_use <= %zu, peak_in_use %zu (<= %d), %llu gets", RING, worst,
       st.peak_in_use, MOST, (unsigned long long)st.gets);
    bp_pool_uninit(&q.pool);
}

/* ---- peak_in_use <= allocs while an allocation is under way ------------ */

/* An alloc callback that lets the test look at the pool while it runs, then
 * fails (or succeeds). */
struct slow {
    sem_t inside, go;
    int fail;
};

static bp_ref *slow_alloc(void *opaque, size_t size)
{
    struct slow *s = opaque;
    sem_post(&s->inside);
    sem_wait(&s->go);
    if (s->fail) {
        errno = EIO;
        return NULL;
    }
    return bp_alloc(size);
}

static void *get_one(void *arg)
{
    return bp_pool_get(arg);
}

static void test_peak_not_above_allocs(int fail, const char *what)
{
    struct slow s = { .fail = fail };
    sem_init(&s.inside, 0, 0);
    sem_init(&s.go, 0, 0);
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 4,
                                             .alloc = slow_alloc,
                                             .opaque = &s));
    pthread_t th;
    pthread_create(&th, NULL, get_one, p);
    sem_wait(&s.inside);
    /* The get reserved its buffer and is allocating it: a trim (which
     * recomputes the peak) and a stats read now must not count it. */
    bp_pool_trim(p, 0);
    bp_pool_stats during = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &during);
    sem_post(&s.go);
    void *got;
    pthread_join(th, &got);
    bp_ref *r = got;
    bp_pool_stats after = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &after);
    ok(during.in_use == 0 && during.peak_in_use == 0 && during.allocs == 0,
       "%s: while the allocation is under way, in_use %zu, peak_in_use %zu, "
       "allocs %llu (all 0)", what, during.in_use, during.peak_in_use,
       (unsigned long long)during.allocs);
    ok(after.peak_in_use <= after.allocs &&
       after.allocs == (fail ? 0u : 1u) && (r != NULL) == !fail,
       "%s: then peak_in_use %zu <= allocs %llu", what, after.peak_in_use,
       (unsigned long long)after.allocs);
    bp_unref(&r);
    bp_pool_uninit(&p);
    sem_destroy(&s.inside);
    sem_destroy(&s.go);
}

int main(void)
{
    test_peak_not_above_allocs(1, "an allocation that fails");
    test_peak_not_above_allocs(0, "an allocation that succeeds");
#ifdef RUSAGE_THREAD
    test_waiter_sleeps(0, "cached pool");
    test_waiter_sleeps(BP_POOL_NO_CACHE, "BP_POOL_NO_CACHE");
#else
    skip(6, "no RUSAGE_THREAD");
#endif
    test_timeout_max();
    test_trim_no_eagain(0, 8, "cached pool");
    test_trim_no_eagain(0, 2, "cached pool");
    test_trim_no_eagain(BP_POOL_NO_CACHE, 8, "BP_POOL_NO_CACHE");
    test_trim_no_eagain(BP_POOL_NO_CACHE, 2, "BP_POOL_NO_CACHE");
    test_in_use_while_flushing();
    test_peak_at_cap(4, 2, 0, "cached pool");
    test_peak_at_cap(64, 33, 0, "cached pool");
    test_peak_at_cap(4, 2, BP_POOL_NO_CACHE, "BP_POOL_NO_CACHE");
    return done_testing();
}
