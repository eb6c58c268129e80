/* The timeout's contract (issue 19, row 9), as bufpool.h states it for
 * bp_pool_get_timeout: measured on CLOCK_MONOTONIC and never early; a
 * handled signal does not end the wait (no EINTR, with or without
 * SA_RESTART); not a cancellation point; no fairness, but every release
 * wakes the waiters and no wake-up is lost; and bp_pool_get may fail one
 * buffer early while a release is in flight, bp_pool_get_timeout not. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define MS ((int64_t)1000000)

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A capped pool with every buffer held. */
static bp_pool *full_pool(size_t max, bp_ref **held)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = max));
    for (size_t k = 0; k < max; k++)
        held[k] = bp_pool_get(p);
    return p;
}

/* ---- clock and signals ---------------------------------------------------- */

static atomic_int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    atomic_fetch_add(&alarms, 1);
}

static void test_clock_and_signals(int restart)
{
    bp_ref *held[2];
    bp_pool *p = full_pool(2, held);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } };   /* every 20 ms */
    atomic_store(&alarms, 0);
    setitimer(ITIMER_REAL, &it, NULL);
    int64_t t0 = now_ns();
    errno = 0;
    bp_ref *r = bp_pool_get_timeout(p, 200 * MS);
    int err = errno;
    int64_t waited = now_ns() - t0;
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    ok(!r && err == ETIMEDOUT,
       "%s: signals during the wait do not end it: ETIMEDOUT, not EINTR "
       "(errno %d)", restart ? "SA_RESTART" : "no SA_RESTART", err);
    ok(waited >= 200 * MS && atomic_load(&alarms) >= 3,
       "%s: it waited the whole 200 ms on CLOCK_MONOTONIC (%.1f ms), while "
       "%d signal handlers ran", restart ? "SA_RESTART" : "no SA_RESTART",
       waited / 1e6, atomic_load(&alarms));
    for (int k = 0; k < 2; k++)
        bp_unref(&held[k]);
    bp_pool_uninit(&p);
}

/* ---- cancellation --------------------------------------------------------- */

struct cancel_waiter {
    bp_pool *pool;
    atomic_int returned, cancelled, err;
};

static void on_cancel(void *arg)
{
    atomic_store(&((struct cancel_waiter *)arg)->cancelled, 1);
}

static void *cancel_waiter_main(void *arg)
{
    struct cancel_waiter *w = arg;
    pthread_cleanup_push(on_cancel, w);
    errno = 0;
    bp_ref *r = bp_pool_get_timeout(w->pool, -1);
    atomic_store(&w->err, errno);
    atomic_store(&w->returned, 1);
    bp_unref(&r);
    pthread_testcancel();             /* a cancellation point: acts here */
    pthread_cleanup_pop(0);
    return NULL;
}

static void test_not_a_cancellation_point(void)
{
    bp_ref *held[1];
    bp_pool *p = full_pool(1, held);
    static struct cancel_waiter w;
    w.pool = p;
    pthread_t th;
    pthread_create(&th, NULL, cancel_waiter_main, &w);
    usleep(50000);                    /* in the wait */
    pthread_cancel(th);
    usleep(100000);
    int still = !atomic_load(&w.returned) && !atomic_load(&w.cancelled);
    ok(still, "a waiter cancelled (deferred) goes on waiting: it is not a "
       "cancellation point");
    bp_pool_set_flushing(p, 1);       /* the way to end the wait */
    void *ret = NULL;
    pthread_join(th, &ret);
    ok(atomic_load(&w.returned) && atomic_load(&w.err) == ECANCELED &&
       atomic_load(&w.cancelled) && ret == PTHREAD_CANCELED,
       "set_flushing ends its wait (ECANCELED); the thread is cancelled at "
       "its next cancellation point");
    bp_pool_set_flushing(p, 0);
    bp_unref(&held[0]);
    bp_ref *r = bp_pool_get_timeout(p, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bp_pool_dump(p, f);
    fclose(f);
    ok(r && text && strstr(text, "waiters 0"),
       "the pool is whole afterwards (a buffer, no waiter left counted)");
    free(text);
    bp_unref(&r);
    bp_pool_uninit(&p);
}

/* ---- fairness and wake-ups ------------------------------------------------- */

struct waiter {
    bp_pool *pool;
    int64_t timeout;
    bp_ref *got;
    int err;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    errno = 0;
    w->got = bp_pool_get_timeout(w->pool, w->timeout);
    w->err = errno;
    return NULL;
}

static void test_wakeups(void)
{
    enum { W = 3 };
    bp_ref *held[W];
    bp_pool *p = full_pool(W, held);
    struct waiter w[W];
    pthread_t th[W];
    for (int i = 0; i < W; i++) {
        w[i] = (struct waiter){ p, 400 * MS, NULL, 0 };
        pthread_create(&th[i], NULL, waiter_main, &w[i]);
    }
    usleep(50000);
    bp_unref(&held[0]);               /* one buffer for three waiters */
    int got = 0, timed_out = 0;
    for (int i = 0; i < W; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < W; i++) {
        got += w[i].got != NULL;
        timed_out += !w[i].got && w[i].err == ETIMEDOUT;
        bp_unref(&w[i].got);
    }
    ok(got == 1 && timed_out == W - 1, "one release, %d waiters: one of "
       "them gets the buffer, the others go on waiting (got %d, timed out "
       "%d)", W, got, timed_out);

    /* K waiters, K releases, one at a time: each release reaches a waiter. */
    for (int k = 0; k < W; k++)
        if (!held[k])
            held[k] = bp_pool_get(p);
    for (int i = 0; i < W; i++) {
        w[i] = (struct waiter){ p, 10000 * MS, NULL, 0 };
        pthread_create(&th[i], NULL, waiter_main, &w[i]);
    }
    usleep(50000);
    for (int k = 0; k < W; k++) {
        bp_unref(&held[k]);
        usleep(5000);
    }
    got = 0;
    for (int i = 0; i < W; i++) {
        pthread_join(th[i], NULL);
        got += w[i].got != NULL;
        bp_unref(&w[i].got);
    }
    is_int(got, W, "%d waiters, %d releases: every waiter gets a buffer (no "
           "lost wake-up)", W, W);
    bp_pool_uninit(&p);
}

/* ---- one buffer early ------------------------------------------------------- */

/* A reset callback that holds a release in flight until told to go on. */
struct inflight {
    sem_t entered, go;
    atomic_int block;
};

static void slow_reset(void *opaque, uint8_t *data, size_t size)
{
    struct inflight *f = opaque;
    (void)data;
    (void)size;
    if (atomic_load(&f->block)) {
        sem_post(&f->entered);
        sem_wait(&f->go);
    }
}

static void *release_it(void *arg)
{
    bp_ref *r = arg;
    bp_unref(&r);
    return NULL;
}

struct holder {
    bp_pool *pool;
    sem_t cached, done;
};

/* Caches 2 buffers for the pool on a thread that then stays alive. */
static void *cache_two(void *arg)
{
    struct holder *h = arg;
    bp_ref *a = bp_pool_get(h->pool), *b = bp_pool_get(h->pool);
    bp_unref(&a);
    bp_unref(&b);
    sem_post(&h->cached);
    sem_wait(&h->done);
    return NULL;
}

static void test_one_buffer_early(void)
{
    static struct inflight f;
    sem_init(&f.entered, 0, 0);
    sem_init(&f.go, 0, 0);
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 4,
                                             .reset = slow_reset,
                                             .opaque = &f));
    /* At rest, every idle buffer counts, those another thread caches too. */
    static struct holder h;
    h.pool = p;
    sem_init(&h.cached, 0, 0);
    sem_init(&h.done, 0, 0);
    pthread_t ht;
    pthread_create(&ht, NULL, cache_two, &h);
    sem_wait(&h.cached);
    bp_ref *held[4];
    int n = 0;
    while (n < 4 && (held[n] = bp_pool_get(p)))
        n++;
    errno = 0;
    bp_ref *none = bp_pool_get(p);
    ok(n == 4 && !none && errno == EAGAIN, "nothing in flight: bp_pool_get "
       "at the cap takes every idle buffer, another live thread's cached "
       "ones too (%d of 4), then EAGAIN", n);
    sem_post(&h.done);
    pthread_join(ht, NULL);

    /* A release in flight (its reset still runs): bp_pool_get may fail one
     * buffer early; bp_pool_get_timeout waits for it. */
    atomic_store(&f.block, 1);
    pthread_t rt;
    pthread_create(&rt, NULL, release_it, held[3]);
    held[3] = NULL;
    sem_wait(&f.entered);
    errno = 0;
    none = bp_pool_get(p);
    ok(!none && errno == EAGAIN, "a release in flight: bp_pool_get fails "
       "one buffer early (EAGAIN)");
    sem_post(&f.go);
    bp_ref *r = bp_pool_get_timeout(p, 10000 * MS);
    ok(r != NULL, "bp_pool_get_timeout gets that buffer when the release "
       "lands");
    pthread_join(rt, NULL);
    atomic_store(&f.block, 0);
    bp_unref(&r);
    for (int k = 0; k < 3; k++)
        bp_unref(&held[k]);
    bp_pool_uninit(&p);
}

int main(void)
{
    test_clock_and_signals(0);
    test_clock_and_signals(1);
    signal(SIGALRM, SIG_DFL);
    alarm(60);   /* a wait that is never woken fails the test */
    test_not_a_cancellation_point();
    test_wakeups();
    test_one_buffer_early();
    return done_testing();
}
