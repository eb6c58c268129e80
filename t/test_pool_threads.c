/* The pool under threads: token checks (a buffer is never held twice),
 * cross-thread release, the bound on allocations, trim/uninit reaching
 * buffers cached for live threads, the cap with EAGAIN / timeouts /
 * wake-ups, and uninit racing releases. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "tap.h"

#ifndef STRESS_OPS
#  define STRESS_OPS 20000
#endif

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Token in the first and last 8 bytes: unique to (thread, sequence). */
static void put_token(bp_ref *r, uint64_t tok)
{
    memcpy(r->data, &tok, 8);
    memcpy(r->data + r->size - 8, &tok, 8);
}

static int check_token(const bp_ref *r, uint64_t tok)
{
    uint64_t a, b;
    memcpy(&a, r->data, 8);
    memcpy(&b, r->data + r->size - 8, 8);
    return a == tok && b == tok;
}

/* ---- local stress ------------------------------------------------------ */

struct stress {
    bp_pool *pool;
    int id, hold;
    atomic_int *bad;
};

static void *stress_thread(void *arg)
{
    struct stress *st = arg;
    bp_ref *held[16];
    uint64_t tok[16];
    uint64_t seq = 0;
    for (int op = 0; op < STRESS_OPS; op += st->hold) {
        int n = 1 + (op / st->hold) % st->hold;
        for (int i = 0; i < n; i++) {
            held[i] = bp_pool_get(st->pool);
            if (!held[i]) {
                atomic_fetch_add(st->bad, 1);
                return NULL;
            }
            tok[i] = ((uint64_t)st->id << 40) | ++seq;
            put_token(held[i], tok[i]);
        }
        for (int i = n - 1; i >= 0; i--) {
            if (!check_token(held[i], tok[i]))
                atomic_fetch_add(st->bad, 1);
            bp_unref(&held[i]);
        }
    }
    return NULL;
}

static void test_local_stress(void)
{
    enum { T = 4 };
    atomic_int bad = 0;
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    pthread_t th[T];
    struct stress st[T];
    for (int i = 0; i < T; i++) {
        st[i] = (struct stress){ p, i + 1, 8, &bad };
        pthread_create(&th[i], NULL, stress_thread, &st[i]);
    }
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    is_int(atomic_load(&bad), 0, "%d threads: no buffer held twice, no failure", T);
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &s);
    is_u64(s.in_use, 0, "in_use 0 after all threads returned everything");
    is_u64(s.gets, s.reuses + s.allocs, "gets == reuses + allocs");
    is_u64(s.idle, s.allocs, "every allocated buffer is idle");
    ok(s.allocs <= s.peak_in_use + (uint64_t)T * BP_POOL_CACHE_MAX,
       "allocs %llu <= peak %zu + threads x slack",
       (unsigned long long)s.allocs, s.peak_in_use);
    /* Documented: exact without overlap; within the operations in flight
     * (at most one per thread) otherwise. */
    ok(s.peak_in_use >= 8 && s.peak_in_use <= (size_t)T * 8 + T,
       "peak_in_use %zu within [8, %d + %d in flight]", s.peak_in_use, T * 8, T);
    bp_pool_uninit(&p);
}

/* ---- pipeline: get on producers, release on consumers -------------------- */

#define QCAP 64
struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bp_ref *items[QCAP];
    uint64_t toks[QCAP];
    int head, count, producers_left;
};

static void q_push(struct queue *q, bp_ref *r, uint64_t tok)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == QCAP)
        pthread_cond_wait(&q->cv, &q->mu);
    q->items[(q->head + q->count) % QCAP] = r;
    q->toks[(q->head + q->count) % QCAP] = tok;
    q->count++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static int q_pop(struct queue *q, bp_ref **r, uint64_t *tok)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && q->producers_left)
        pthread_cond_wait(&q->cv, &q->mu);
    int got = q->count > 0;
    if (got) {
        *r = q->items[q->head];
        *tok = q->toks[q->head];
        q->head = (q->head + 1) % QCAP;
        q->count--;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

struct pipe_arg {
    bp_pool *pool;
    struct queue *q;
    int id;
    atomic_int *bad;
    int64_t timeout;
};

static void *producer(void *arg)
{
    struct pipe_arg *a = arg;
    for (uint64_t seq = 1; seq <= STRESS_OPS; seq++) {
        bp_ref *r = a->timeout ? bp_pool_get_timeout(a->pool, a->timeout)
                               : bp_pool_get(a->pool);
        if (!r) {
            atomic_fetch_add(a->bad, 1);
            break;
        }
        uint64_t tok = ((uint64_t)a->id << 40) | seq;
        put_token(r, tok);
        q_push(a->q, r, tok);
    }
    pthread_mutex_lock(&a->q->mu);
    a->q->producers_left--;
    pthread_cond_broadcast(&a->q->cv);
    pthread_mutex_unlock(&a->q->mu);
    return NULL;
}

static void *consumer(void *arg)
{
    struct pipe_arg *a = arg;
    bp_ref *r;
    uint64_t tok;
    while (q_pop(a->q, &r, &tok)) {
        if (!check_token(r, tok))
            atomic_fetch_add(a->bad, 1);
        bp_unref(&r);
    }
    return NULL;
}

static void run_pipeline(size_t max_buffers, int64_t timeout, const char *name)
{
    enum { P = 2, C = 2 };
    atomic_int bad = 0;
    struct queue q = { .producers_left = P };
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    bp_pool *pool = bp_pool_new(&BP_POOL_CONFIG(.size = 256,
                                                .max_buffers = max_buffers));
    pthread_t th[P + C];
    struct pipe_arg a[P + C];
    for (int i = 0; i < P + C; i++) {
        a[i] = (struct pipe_arg){ pool, &q, i + 1, &bad, timeout };
        pthread_create(&th[i], NULL, i < P ? producer : consumer, &a[i]);
    }
    for (int i = 0; i < P + C; i++)
        pthread_join(th[i], NULL);
    is_int(atomic_load(&bad), 0, "%s: tokens intact, no failed get", name);
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(pool, &s);
    is_u64(s.in_use, 0, "%s: in_use 0 at the end", name);
    is_u64(s.reuses + s.allocs, (uint64_t)P * STRESS_OPS,
           "%s: every get accounted", name);
    if (max_buffers)
        ok(s.allocs <= max_buffers, "%s: allocs %llu within the cap %zu", name,
           (unsigned long long)s.allocs, max_buffers);
    else
        ok(s.allocs <= s.peak_in_use + (uint64_t)(P + C) * BP_POOL_CACHE_MAX,
           "%s: allocs %llu <= peak %zu + threads x slack", name,
           (unsigned long long)s.allocs, s.peak_in_use);
    bp_pool_uninit(&pool);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);
}

/* ---- trim and uninit reach buffers cached for a live thread ------------- */

struct parked {
    bp_pool *pool;
    int n;
    pthread_barrier_t *bar;
};

static void *park_thread(void *arg)
{
    struct parked *pk = arg;
    bp_ref *r[40];
    for (int i = 0; i < pk->n; i++)
        r[i] = bp_pool_get(pk->pool);
    for (int i = 0; i < pk->n; i++)
        bp_unref(&r[i]);
    pthread_barrier_wait(pk->bar);   /* cached; now stay alive, idle */
    pthread_barrier_wait(pk->bar);
    return NULL;
}

struct counting { atomic_int allocs, frees, pool_frees; };
static void cnt_free(void *o, uint8_t *d)
{
    atomic_fetch_add(&((struct counting *)o)->frees, 1);
    free(d);
}
static bp_ref *cnt_alloc(void *o, size_t size)
{
    atomic_fetch_add(&((struct counting *)o)->allocs, 1);
    return bp_create(malloc(size), size, cnt_free, o, 0);
}
static void cnt_pool_free(void *o)
{
    atomic_fetch_add(&((struct counting *)o)->pool_frees, 1);
}

static void test_trim_reaches_threads(void)
{
    struct counting c = { 0 };
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 32, .alloc = cnt_alloc,
                                             .opaque = &c,
                                             .pool_free = cnt_pool_free));
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 3);
    pthread_t t1, t2;
    struct parked a = { p, 10, &bar }, b = { p, 30, &bar };
    pthread_create(&t1, NULL, park_thread, &a);
    pthread_create(&t2, NULL, park_thread, &b);
    pthread_barrier_wait(&bar);
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &s);
    ok(s.idle == s.allocs && s.allocs >= 30 && s.in_use == 0,
       "buffers cached by two live threads are counted idle (%zu)", s.idle);
    size_t idle = s.idle;
    is_u64(bp_pool_trim(p, 5), idle - 5, "trim(5) reaches the threads' caches");
    bp_pool_get_stats(p, &s);
    is_u64(s.idle, 5, "5 idle left");
    is_int(atomic_load(&c.frees), (int)(idle - 5), "the alloc callback's frees ran");
    /* uninit while the threads are alive and idle: frees the rest. */
    bp_pool_uninit(&p);
    is_int(atomic_load(&c.frees), atomic_load(&c.allocs),
           "uninit frees buffers cached for live threads");
    is_int(atomic_load(&c.pool_frees), 1, "pool_free called once");
    pthread_barrier_wait(&bar);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&bar);
}

/* ---- peak_in_use across threads taking turns ---------------------------- */

struct turn { bp_pool *pool; pthread_barrier_t *bar; int n[3]; };
static void *turn_thread(void *arg)
{
    struct turn *t = arg;
    bp_ref *r[64];
    int held = 0;
    for (int step = 0; step < 3; step++) {
        pthread_barrier_wait(t->bar);     /* main: my turn */
        while (held < t->n[step])
            r[held++] = bp_pool_get(t->pool);
        while (held > t->n[step])
            bp_unref(&r[--held]);
        pthread_barrier_wait(t->bar);     /* done */
    }
    while (held)
        bp_unref(&r[--held]);
    return NULL;
}

static void run_turns(const int na[3], const int nb[3], const size_t want[6],
                      const char *name)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 32, .min_buffers = 100));
    pthread_barrier_t ba, bb;
    pthread_barrier_init(&ba, NULL, 2);
    pthread_barrier_init(&bb, NULL, 2);
    struct turn a = { p, &ba, { na[0], na[1], na[2] } },
                b = { p, &bb, { nb[0], nb[1], nb[2] } };
    pthread_t ta, tb;
    pthread_create(&ta, NULL, turn_thread, &a);
    pthread_create(&tb, NULL, turn_thread, &b);
    int okay = 1;
    for (int step = 0; step < 3; step++) {
        for (int who = 0; who < 2; who++) {
            pthread_barrier_t *bar = who ? &bb : &ba;
            pthread_barrier_wait(bar);
            pthread_barrier_wait(bar);
            bp_pool_stats s = BP_POOL_STATS_INIT;
            bp_pool_get_stats(p, &s);
            if (s.peak_in_use != want[step * 2 + who]) {
                diag("step %d thread %d: peak %zu, want %zu", step, who,
                     s.peak_in_use, want[step * 2 + who]);
                okay = 0;
            }
        }
    }
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ok(okay, "peak_in_use exact while two threads take turns: %s", name);
    pthread_barrier_destroy(&ba);
    pthread_barrier_destroy(&bb);
    bp_pool_uninit(&p);
}

static void test_peak_turns(void)
{
    run_turns((int[]){ 5, 1, 7 }, (int[]){ 3, 9, 2 },
              (size_t[]){ 5, 8, 8, 10, 16, 16 }, "5+3, 1+9, 7+2");
    /* Credits left with a thread that released must not hide a later peak. */
    run_turns((int[]){ 5, 0, 5 }, (int[]){ 0, 5, 5 },
              (size_t[]){ 5, 5, 5, 5, 10, 10 }, "5+0, 0+5, 5+5");
    run_turns((int[]){ 40, 0, 40 }, (int[]){ 0, 40, 40 },
              (size_t[]){ 40, 40, 40, 40, 80, 80 }, "40+0, 0+40, 40+40");
}

/* ---- the cap ------------------------------------------------------------- */

struct late { bp_ref *r; int ms; };
static void *release_later(void *arg)
{
    struct late *l = arg;
    sleep_ms(l->ms);
    bp_unref(&l->r);
    return NULL;
}

static void test_cap(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 128, .max_buffers = 2));
    bp_ref *a = bp_pool_get(p), *b = bp_pool_get(p);
    ok(a && b, "two buffers under a cap of 2");
    errno = 0;
    ok(!bp_pool_get(p) && errno == EAGAIN, "third get: EAGAIN");
    errno = 0;
    ok(!bp_pool_get_timeout(p, 0) && errno == ETIMEDOUT,
       "get_timeout(0) at the cap: ETIMEDOUT at once");
    int64_t t0 = now_ns();
    errno = 0;
    ok(!bp_pool_get_timeout(p, 30 * 1000000) && errno == ETIMEDOUT,
       "get_timeout(30 ms) at the cap: ETIMEDOUT");
    int64_t waited = now_ns() - t0;
    ok(waited >= 30 * 1000000 && waited < 2000 * 1000000LL,
       "it waited about 30 ms (%lld us)", (long long)(waited / 1000));
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &s);
    is_u64(s.failures, 3, "three failed gets counted");
    is_u64(s.allocs, 2, "no allocation beyond the cap");

    /* A release on another thread wakes a waiter blocked forever. */
    uint8_t *mem = a->data;
    struct late l = { a, 50 };
    a = NULL;
    pthread_t th;
    pthread_create(&th, NULL, release_later, &l);
    t0 = now_ns();
    bp_ref *c = bp_pool_get_timeout(p, -1);
    waited = now_ns() - t0;
    pthread_join(th, NULL);
    ok(c && c->data == mem, "waiter got the buffer released by another thread");
    ok(waited >= 40 * 1000000, "and it had to wait for it (%lld us)",
       (long long)(waited / 1000));

    /* Idle buffers cached by another thread are found before EAGAIN. */
    bp_unref(&b);
    bp_unref(&c);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    struct parked pk = { p, 2, &bar };
    pthread_create(&th, NULL, park_thread, &pk);
    pthread_barrier_wait(&bar);
    a = bp_pool_get(p);
    b = bp_pool_get(p);
    ok(a && b, "a capped pool steals buffers cached by another thread");
    bp_pool_get_stats(p, &s);
    is_u64(s.allocs, 2, "still two allocations");
    pthread_barrier_wait(&bar);
    pthread_join(th, NULL);
    pthread_barrier_destroy(&bar);
    bp_unref(&a);
    bp_unref(&b);
    bp_pool_uninit(&p);
}

/* Many waiters at a cap of 1, each handing the buffer on: all finish. */
struct relay { bp_pool *pool; int rounds; atomic_int *bad; atomic_int *holders; };
static void *relay_thread(void *arg)
{
    struct relay *r = arg;
    for (int i = 0; i < r->rounds; i++) {
        bp_ref *b = bp_pool_get_timeout(r->pool, 10LL * 1000000000);
        if (!b) {
            atomic_fetch_add(r->bad, 1);
            return NULL;
        }
        if (atomic_fetch_add(r->holders, 1) != 0)
            atomic_fetch_add(r->bad, 1);
        kept(b->data, 1);
        b->data[0]++;
        atomic_fetch_sub(r->holders, 1);
        bp_unref(&b);
    }
    return NULL;
}

static void test_relay(void)
{
    enum { T = 4, R = 500 };
    atomic_int bad = 0, holders = 0;
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 1,
                                             .flags = 0));
    bp_ref *b = bp_pool_get(p);
    b->data[0] = 0;
    bp_unref(&b);
    pthread_t th[T];
    struct relay r = { p, R, &bad, &holders };
    for (int i = 0; i < T; i++)
        pthread_create(&th[i], NULL, relay_thread, &r);
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    is_int(atomic_load(&bad), 0,
           "%d threads x %d rounds through a cap of 1: no timeout, never two holders",
           T, R);
    b = bp_pool_get(p);
    kept(b->data, 1);
    is_int(b->data[0], (T * R) & 0xff, "every increment landed on the one buffer");
    bp_unref(&b);
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &s);
    is_u64(s.allocs, 1, "one buffer ever allocated");
    bp_pool_uninit(&p);
}

/* ---- uninit racing releases on other threads ---------------------------- */

struct racer { bp_ref *refs[32]; int n; pthread_barrier_t *bar; };
static void *race_release(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->bar);
    for (int i = 0; i < r->n; i++)
        bp_unref(&r->refs[i]);
    return NULL;
}

static void test_uninit_race(void)
{
    enum { T = 3, ROUNDS = 200 };
    int bad = 0;
    for (int round = 0; round < ROUNDS; round++) {
        struct counting c = { 0 };
        bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 32,
                                                 .alloc = cnt_alloc,
                                                 .opaque = &c,
                                                 .pool_free = cnt_pool_free));
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, T + 1);
        struct racer r[T];
        pthread_t th[T];
        for (int i = 0; i < T; i++) {
            r[i].n = 8 + round % 24;
            r[i].bar = &bar;
            for (int k = 0; k < r[i].n; k++)
                r[i].refs[k] = bp_pool_get(p);
            pthread_create(&th[i], NULL, race_release, &r[i]);
        }
        pthread_barrier_wait(&bar);
        bp_pool_uninit(&p);
        for (int i = 0; i < T; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&bar);
        if (atomic_load(&c.pool_frees) != 1 ||
            atomic_load(&c.frees) != atomic_load(&c.allocs))
            bad++;
    }
    is_int(bad, 0, "uninit racing releases on %d threads: everything freed, "
           "pool_free once (%d rounds)", T, ROUNDS);
}

int main(void)
{
    test_local_stress();
    run_pipeline(0, 0, "pipeline, uncapped");
    run_pipeline(16, -1, "pipeline, cap 16 with waits");
    test_trim_reaches_threads();
    test_peak_turns();
    test_cap();
    test_relay();
    test_uninit_race();
    return done_testing();
}
