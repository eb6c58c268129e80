/* bp_pool_set_flushing (issue 19, row 3): waking every waiter for a
 * shutdown, as GStreamer's gst_buffer_pool_set_flushing.  While a pool is
 * flushing every get fails with ECANCELED at once, even with idle buffers
 * in the caller's cache, and a waiter already asleep wakes up with it;
 * releases and trims go on; undone, gets work again. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

struct waiter {
    pthread_t th;
    bp_pool *pool;
    int64_t timeout;
    atomic_int started, done;
    int err;
    bp_ref *got;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    atomic_store(&w->started, 1);
    errno = 0;
    w->got = bp_pool_get_timeout(w->pool, w->timeout);
    w->err = errno;
    atomic_store(&w->done, 1);
    return NULL;
}

static void test_wakes_waiters(unsigned flags, const char *what)
{
    enum { W = 4 };
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 256, .max_buffers = 2,
                                             .flags = flags));
    bp_ref *a = bp_pool_get(p), *b = bp_pool_get(p);
    struct waiter w[W];
    for (int i = 0; i < W; i++) {
        w[i] = (struct waiter){ .pool = p };
        /* Forever, or 60 s: only a wake-up ends them within the test. */
        w[i].timeout = i % 2 ? -1 : 60 * (int64_t)1000000000;
        pthread_create(&w[i].th, NULL, waiter_main, &w[i]);
    }
    for (int i = 0; i < W; i++)
        while (!atomic_load(&w[i].started))
            usleep(1000);
    usleep(50000);                 /* let them fall asleep */
    int early = 0;
    for (int i = 0; i < W; i++)
        early += atomic_load(&w[i].done);
    is_int(bp_pool_set_flushing(p, 1), 0, "%s: set_flushing(1)", what);
    int cancelled = 0;
    for (int i = 0; i < W; i++) {
        pthread_join(w[i].th, NULL);
        cancelled += !w[i].got && w[i].err == ECANCELED;
    }
    ok(early == 0 && cancelled == W, "%s: %d waiters (2 without a "
       "timeout) all woke up with ECANCELED (%d; %d had returned early)",
       what, W, cancelled, early);

    /* Gets fail at once, even with an idle buffer in our cache. */
    bp_unref(&a);
    errno = 0;
    bp_ref *r = bp_pool_get(p);
    ok(!r && errno == ECANCELED, "%s: get with a buffer idle: ECANCELED "
       "(errno %d)", what, errno);
    errno = 0;
    r = bp_pool_get_timeout(p, -1);
    ok(!r && errno == ECANCELED, "%s: get_timeout(-1): ECANCELED without "
       "waiting", what);
    errno = 0;
    r = bp_pool_get_timeout(p, 0);
    ok(!r && errno == ECANCELED, "%s: get_timeout(0): ECANCELED", what);

    /* Releases and trims go on. */
    bp_unref(&b);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    ok(st.in_use == 0 && st.idle == 2,
       "%s: releases work while flushing (in_use %zu, idle %zu)", what,
       st.in_use, st.idle);
    ok(st.failures == W + 3 && st.gets == st.failures + 2,
       "%s: the cancelled gets count as failures (%llu)", what,
       (unsigned long long)st.failures);
    is_u64(bp_pool_trim(p, 1), 1, "%s: trim works while flushing", what);

    /* Undone: gets work again, the fast ones too. */
    is_int(bp_pool_set_flushing(p, 0), 0, "%s: set_flushing(0)", what);
    a = bp_pool_get(p);
    b = bp_pool_get(p);
    ok(a && b, "%s: after set_flushing(0), gets work again", what);
    bp_unref(&a);
    bp_unref(&b);
    for (int k = 0; k < 1000; k++) {
        a = bp_pool_get(p);
        if (!a)
            break;
        bp_unref(&a);
    }
    bp_pool_get_stats(p, &st);
    ok(st.failures == W + 3, "%s: 1000 more gets without a failure", what);
    bp_pool_uninit(&p);
}

/* Another thread's cache: its gets fail too while flushing (its get gate
 * closes), and work again after. */
struct other {
    bp_pool *pool;
    sem_t go, done;
    int err[2], got[2];
};

static void *other_main(void *arg)
{
    struct other *o = arg;
    bp_ref *r[4];
    for (int k = 0; k < 4; k++)
        r[k] = bp_pool_get(o->pool);
    for (int k = 0; k < 4; k++)
        bp_unref(&r[k]);          /* 4 idle in this thread's cache */
    for (int k = 0; k < 2; k++) {
        sem_post(&o->done);
        sem_wait(&o->go);
        errno = 0;
        bp_ref *g = bp_pool_get(o->pool);
        o->got[k] = g != NULL;
        o->err[k] = errno;
        bp_unref(&g);
    }
    return NULL;
}

static void *new_thread_gets(void *arg)
{
    bp_ref *r = bp_pool_get(arg);
    bp_unref(&r);
    return NULL;
}

static void test_other_threads(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    bp_ref *r = bp_pool_get(p);
    bp_unref(&r);
    bp_pool_set_flushing(p, 1);
    /* A thread whose cache is made while the pool is flushing. */
    pthread_t th;
    pthread_create(&th, NULL, new_thread_gets, p);
    pthread_join(th, NULL);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    ok(st.allocs == 1 && st.failures == 1,
       "a thread new to a flushing pool: its get fails (failures %llu)",
       (unsigned long long)st.failures);
    bp_pool_set_flushing(p, 0);

    static struct other o;
    o.pool = p;
    sem_init(&o.go, 0, 0);
    sem_init(&o.done, 0, 0);
    pthread_create(&th, NULL, other_main, &o);
    sem_wait(&o.done);
    bp_pool_set_flushing(p, 1);
    sem_post(&o.go);
    sem_wait(&o.done);
    bp_pool_set_flushing(p, 0);
    sem_post(&o.go);
    pthread_join(th, NULL);
    ok(!o.got[0] && o.err[0] == ECANCELED,
       "a thread with 4 idle buffers in its cache: ECANCELED while flushing "
       "(errno %d)", o.err[0]);
    ok(o.got[1], "... and a buffer when undone (errno %d)", o.err[1]);
    sem_destroy(&o.go);
    sem_destroy(&o.done);
    bp_pool_uninit(&p);
}

/* Threads get and release while another toggles flushing: every failure
 * is ECANCELED, nothing is handed out twice, all is back at the end. */
struct churn {
    bp_pool *pool;
    atomic_int stop;
    atomic_long ok, cancelled, other;
};

static void *churn_main(void *arg)
{
    struct churn *c = arg;
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        bp_ref *r[3];
        for (int k = 0; k < 3; k++) {
            errno = 0;
            r[k] = bp_pool_get_timeout(c->pool, k == 2 ? 1000000 : 0);
            if (r[k]) {
                atomic_fetch_add(&c->ok, 1);
                r[k]->data[0] = (uint8_t)k;
            } else if (errno == ECANCELED) {
                atomic_fetch_add(&c->cancelled, 1);
            } else if (errno != ETIMEDOUT) {
                atomic_fetch_add(&c->other, 1);
            }
        }
        for (int k = 0; k < 3; k++)
            if (r[k] && r[k]->data[0] != (uint8_t)k)
                atomic_fetch_add(&c->other, 1);
        for (int k = 0; k < 3; k++)
            bp_unref(&r[k]);
    }
    return NULL;
}

static void test_churn(void)
{
    enum { T = 3 };
    static struct churn c;
    c.pool = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 6));
    pthread_t th[T];
    for (int i = 0; i < T; i++)
        pthread_create(&th[i], NULL, churn_main, &c);
    for (int k = 0; k < 400; k++) {
        bp_pool_set_flushing(c.pool, k % 2 == 0);
        usleep(250);
    }
    bp_pool_set_flushing(c.pool, 0);
    atomic_store(&c.stop, 1);
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(c.pool, &st);
    ok(atomic_load(&c.other) == 0 && atomic_load(&c.ok) > 0 &&
       atomic_load(&c.cancelled) > 0 && st.in_use == 0,
       "3 threads at a cap of 6 while flushing is toggled 400 times: %ld "
       "buffers, %ld ECANCELED, %ld other failures, in_use %zu",
       atomic_load(&c.ok), atomic_load(&c.cancelled), atomic_load(&c.other),
       st.in_use);
    bp_ref *r[6];
    int n = 0;
    while (n < 6 && (r[n] = bp_pool_get(c.pool)))
        n++;
    is_int(n, 6, "after the last undo every buffer can be had");
    while (n)
        bp_unref(&r[--n]);
    bp_pool_uninit(&c.pool);
}

int main(void)
{
    alarm(60);   /* a waiter that is never woken fails the test */
    is_int(bp_pool_set_flushing(NULL, 1), -EINVAL, "set_flushing(NULL): "
           "-EINVAL");
    test_wakes_waiters(0, "cached pool");
    test_wakes_waiters(BP_POOL_NO_CACHE, "BP_POOL_NO_CACHE");
    test_wakes_waiters(BP_POOL_ZERO, "BP_POOL_ZERO");
    test_other_threads();
    test_churn();
    return done_testing();
}
