/* Thread caches: a thread's cached buffers come back when it exits, caches
 * of exited threads are reused, many threads alive at once (thread numbers
 * beyond what a pool keeps inline), one thread can use many pools, pools
 * can die before the threads that cached their buffers, and a thread that
 * never used a pool can release into it after uninit. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tap.h"

static bp_pool_stats stats(bp_pool *p)
{
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &s);
    return s;
}

struct job { bp_pool *pool; int n; uint8_t *seen[64]; };

static void *get_release(void *arg)
{
    struct job *j = arg;
    bp_ref *r[64];
    for (int i = 0; i < j->n; i++) {
        r[i] = bp_pool_get(j->pool);
        j->seen[i] = r[i] ? r[i]->data : NULL;
    }
    for (int i = 0; i < j->n; i++)
        bp_unref(&r[i]);
    return NULL;
}

static void test_exit_returns_cache(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 256));
    struct job j = { p, 10, { 0 } };
    pthread_t th;
    pthread_create(&th, NULL, get_release, &j);
    pthread_join(th, NULL);
    bp_pool_stats s = stats(p);
    ok(s.allocs == 10 && s.idle == 10 && s.in_use == 0,
       "a thread's 10 cached buffers are idle after it exits");
    bp_ref *r[10];
    int reused = 0;
    for (int i = 0; i < 10; i++) {
        r[i] = bp_pool_get(p);
        for (int k = 0; k < 10; k++)
            reused += r[i]->data == j.seen[k];
    }
    is_int(reused, 10, "another thread gets exactly those buffers back");
    is_u64(stats(p).allocs, 10, "without allocating");
    for (int i = 0; i < 10; i++)
        bp_unref(&r[i]);
    bp_pool_uninit(&p);
}

static void test_many_threads(void)
{
    /* 200 short-lived threads, one after another: each exit hands the
     * cache back and the next thread, which gets the same number, reuses
     * it, so the pool does not grow. */
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    for (int t = 0; t < 200; t++) {
        struct job j = { p, 5, { 0 } };
        pthread_t th;
        pthread_create(&th, NULL, get_release, &j);
        pthread_join(th, NULL);
    }
    bp_pool_stats s = stats(p);
    ok(s.allocs == 5 && s.gets == 1000 && s.reuses == 995 && s.idle == 5,
       "200 sequential threads share 5 buffers (allocs %llu)",
       (unsigned long long)s.allocs);
    bp_pool_uninit(&p);
}

/* 150 threads alive at once, each using three pools (one made while they
 * run): thread numbers go past the entries a pool keeps inline and past
 * the first 64, so every pool's array grows.  Then they exit and a second
 * wave reuses their numbers and caches. */
struct wave {
    bp_pool **pools;
    pthread_barrier_t *bar;
    int bad;
};

static void *wave_thread(void *arg)
{
    struct wave *w = arg;
    for (int k = 0; k < 2; k++) {
        bp_ref *r = bp_pool_get_timeout(w->pools[k], 10000000000);
        if (!r || r->size != 64)
            w->bad++;
        bp_unref(&r);
    }
    pthread_barrier_wait(w->bar);    /* all alive: numbers 1..150 */
    pthread_barrier_wait(w->bar);    /* pools[2] made meanwhile */
    for (int k = 0; k < 3; k++) {
        /* pools[1] is capped at what the threads hold at most: a get there
         * may meet the cap early while others collect (bufpool.h), so it
         * waits instead. */
        bp_ref *a = bp_pool_get_timeout(w->pools[k], 10000000000),
               *b = bp_pool_get_timeout(w->pools[k], 10000000000);
        if (!a || !b)
            w->bad++;
        bp_unref(&b);
        bp_unref(&a);
    }
    return NULL;
}

static void test_many_live_threads(void)
{
    enum { T = 150 };
    bp_pool *pools[3] = {
        bp_pool_new(&BP_POOL_CONFIG(.size = 64)),
        bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 2 * T)),
        NULL,
    };
    static pthread_t th[T];
    static struct wave w[T];
    int bad = 0;
    for (int wave = 0; wave < 2; wave++) {
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, T + 1);
        if (wave == 0)
            pools[2] = NULL;
        for (int i = 0; i < T; i++) {
            w[i] = (struct wave){ pools, &bar, 0 };
            pthread_create(&th[i], NULL, wave_thread, &w[i]);
        }
        pthread_barrier_wait(&bar);
        if (wave == 0)
            pools[2] = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
        pthread_barrier_wait(&bar);
        for (int i = 0; i < T; i++) {
            pthread_join(th[i], NULL);
            bad += w[i].bad;
        }
        pthread_barrier_destroy(&bar);
    }
    is_int(bad, 0, "2 waves of %d live threads over 3 pools: no failure", T);
    for (int k = 0; k < 3; k++) {
        bp_pool_stats s = stats(pools[k]);
        ok(s.in_use == 0 && s.idle == s.allocs &&
           (k != 1 || s.allocs <= 2 * T) &&
           s.gets == (uint64_t)(k < 2 ? 6 * T : 4 * T),
           "pool %d: in_use 0, every buffer idle in the depot or a cache "
           "(%llu allocs, %llu gets)", k, (unsigned long long)s.allocs,
           (unsigned long long)s.gets);
        is_u64(bp_pool_trim(pools[k], 0), s.allocs,
               "pool %d: trim frees every buffer the exited threads left", k);
        bp_pool_uninit(&pools[k]);
    }
}

static void test_many_pools(void)
{
    enum { NP = 21 };
    bp_pool *p[NP];
    bp_ref *r[NP][3];
    uint8_t *mem[NP][3], *prev[NP][3];
    for (int i = 0; i < NP; i++)
        p[i] = bp_pool_new(&BP_POOL_CONFIG(.size = 32 + (size_t)i));
    int good = 1;
    for (int round = 0; round < 5; round++) {
        memcpy(prev, mem, sizeof mem);
        for (int i = 0; i < NP; i++)
            for (int k = 0; k < 3; k++) {
                r[i][k] = bp_pool_get(p[i]);
                good &= r[i][k] && r[i][k]->size == 32 + (size_t)i;
                if (round)
                    good &= r[i][k]->data == prev[i][2 - k];
                mem[i][k] = r[i][k]->data;
            }
        for (int i = NP - 1; i >= 0; i--)
            for (int k = 0; k < 3; k++)
                bp_unref(&r[i][k]);
    }
    ok(good, "one thread, %d pools interleaved: right sizes, LIFO per pool", NP);
    int exact = 1;
    for (int i = 0; i < NP; i++) {
        bp_pool_stats s = stats(p[i]);
        exact &= s.allocs == 3 && s.reuses == 12 && s.idle == 3 &&
                 s.peak_in_use == 3;
    }
    ok(exact, "each pool's stats are exact");
    for (int i = 0; i < NP; i++)
        bp_pool_uninit(&p[i]);
    /* New pools after many died: this thread's stale caches are dropped. */
    for (int i = 0; i < 50; i++) {
        bp_pool *q = bp_pool_new(&BP_POOL_CONFIG(.size = 16));
        bp_ref *x = bp_pool_get(q);
        bp_unref(&x);
        bp_pool_uninit(&q);
    }
    ok(1, "50 more short-lived pools on the same thread (leaks show in valgrind/ASan)");
}

struct later {
    bp_pool *pool;
    bp_ref *ref;
    pthread_barrier_t *bar;
};

static void *pool_dies_first(void *arg)
{
    struct later *l = arg;
    bp_ref *r = bp_pool_get(l->pool);
    bp_unref(&r);                  /* cached in this thread */
    pthread_barrier_wait(l->bar);  /* main uninits the pool */
    pthread_barrier_wait(l->bar);
    bp_pool *q = bp_pool_new(&BP_POOL_CONFIG(.size = 8));
    r = bp_pool_get(q);            /* uses the thread's cache list again */
    bp_unref(&r);
    bp_pool_uninit(&q);
    return NULL;
}

static int freed_pool;
static void note_free(void *o) { (void)o; freed_pool++; }

static void test_pool_dies_first(void)
{
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64,
                                             .pool_free = note_free));
    struct later l = { p, NULL, &bar };
    pthread_t th;
    pthread_create(&th, NULL, pool_dies_first, &l);
    pthread_barrier_wait(&bar);
    bp_pool_uninit(&p);
    is_int(freed_pool, 1, "uninit while a live thread caches its buffer frees it");
    pthread_barrier_wait(&bar);
    pthread_join(th, NULL);
    ok(1, "that thread goes on with another pool and exits cleanly");
    pthread_barrier_destroy(&bar);
}

static void *release_only(void *arg)
{
    struct later *l = arg;
    bp_unref(&l->ref);
    return NULL;
}

static void test_release_after_uninit_new_thread(void)
{
    freed_pool = 0;
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64,
                                             .pool_free = note_free));
    struct later l = { NULL, bp_pool_get(p), NULL };
    bp_pool_uninit(&p);
    pthread_t th;
    pthread_create(&th, NULL, release_only, &l);
    pthread_join(th, NULL);
    is_int(freed_pool, 1, "a thread that never used the pool releases after "
           "uninit: buffer freed, pool_free ran");
}

int main(void)
{
    test_exit_returns_cache();
    test_many_threads();
    test_many_live_threads();
    test_many_pools();
    test_pool_dies_first();
    test_release_after_uninit_new_thread();
    return done_testing();
}
