/* Fault injection sweep (configure --enable-fault-injection): for every N,
 * make the library's Nth internal allocation fail during a scenario that
 * calls every function; each failure must give the documented error, leave
 * the objects usable, and leak nothing (the CI runs this under ASan, whose
 * leak checker sees every allocation). */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../lib/platform.h"
#include "tap.h"

#ifndef BP_FAULT_INJECTION
int main(void)
{
    printf("1..0 # SKIP configure without --enable-fault-injection\n");
    return 0;
}
#else

struct counts { atomic_int user_frees, pool_frees, resets; };

static void user_free(void *o, uint8_t *d)
{
    atomic_fetch_add(&((struct counts *)o)->user_frees, 1);
    free(d);
}
static void pool_free_cb(void *o)
{
    atomic_fetch_add(&((struct counts *)o)->pool_frees, 1);
}
static void reset_cb(void *o, uint8_t *d, size_t n)
{
    (void)d; (void)n;
    atomic_fetch_add(&((struct counts *)o)->resets, 1);
}

struct run { int bad, failures; char why[160]; };

#define CHECK(cond, ...)                                                   \
    ((void)((cond) ||                                                      \
            (r->bad++ == 0 && snprintf(r->why, sizeof r->why, __VA_ARGS__))))

/* A NULL result must come with ENOMEM; counts the failure. */
#define FAILED_PTR(x, what)                                                \
    ((x) == NULL ? (r->failures++,                                         \
                    CHECK(errno == ENOMEM, "%s: errno %d", what, errno), 1) \
                 : 0)

static void *releaser(void *arg)
{
    bp_ref **refs = arg;
    for (int i = 0; i < 3; i++)
        bp_unref(&refs[i]);
    return NULL;
}

static void *scenario(void *arg)
{
    struct run *r = arg;
    struct counts c = { 0 };

    /* Buffers. */
    errno = 0;
    bp_ref *a = bp_alloc(100);
    if (!FAILED_PTR(a, "bp_alloc"))
        memset(a->data, 1, 100);
    errno = 0;
    bp_ref *z = bp_allocz(10);
    FAILED_PTR(z, "bp_allocz");
    uint8_t *mem = malloc(8);
    errno = 0;
    bp_ref *u = bp_create(mem, 8, user_free, &c, 0);
    if (FAILED_PTR(u, "bp_create"))
        free(mem);                       /* still ours on failure */
    if (a) {
        errno = 0;
        bp_ref *d = bp_dup(a);
        if (!FAILED_PTR(d, "bp_dup")) {
            int e = bp_make_writable(&d);
            CHECK(e == 0 || e == -ENOMEM, "make_writable %d", e);
            if (e == -ENOMEM) {
                r->failures++;
                CHECK(d->buffer == a->buffer, "make_writable changed *ref");
            }
            CHECK(d->data[0] == 1 && d->data[99] == 1, "dup contents");
            bp_unref(&d);
        }
        bp_ref *x = NULL;
        int e = bp_replace(&x, a);
        CHECK(e == 0 || e == -ENOMEM, "replace %d", e);
        if (e)
            r->failures++, CHECK(x == NULL, "failed replace changed dst");
        bp_unref(&x);
    }
    if (z) {
        int e = bp_realloc(&z, 1000);
        CHECK(e == 0 || e == -ENOMEM, "realloc %d", e);
        if (e)
            r->failures++, CHECK(z->size == 10, "failed realloc changed ref");
        CHECK(z->data[0] == 0 && z->data[9] == 0, "realloc kept contents");
    }
    bp_unref(&a);
    bp_unref(&z);
    bp_unref(&u);

    /* Pools. */
    errno = 0;
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(
        .size = 256, .min_buffers = 3, .max_buffers = 8, .opaque = &c,
        .reset = reset_cb, .pool_free = pool_free_cb,
        .flags = BP_POOL_ZERO | BP_POOL_POISON));
    if (FAILED_PTR(p, "bp_pool_new")) {
        CHECK(atomic_load(&c.pool_frees) == 0, "pool_free of a failed pool");
        return NULL;
    }
    bp_ref *held[8] = { 0 };
    int n = 0;
    for (int i = 0; i < 6; i++) {
        errno = 0;
        bp_ref *b = (i & 1) ? bp_pool_get_timeout(p, 0) : bp_pool_get(p);
        if (FAILED_PTR(b, "bp_pool_get"))
            continue;
        CHECK(b->size == 256 && b->data[0] == 0 && b->data[255] == 0,
              "pool buffer not zeroed");
        memset(b->data, 0x5a, 256);
        held[n++] = b;
    }
    CHECK(n >= 5, "only %d of 6 gets succeeded after one fault", n);
    bp_pool_stats s = BP_POOL_STATS_INIT;
    CHECK(bp_pool_get_stats(p, &s) == 0 && s.in_use == (size_t)n &&
          s.failures == (uint64_t)(6 - n), "stats after faults");
    /* Release three on another thread (its cache is a new allocation). */
    if (n >= 3) {
        pthread_t th;
        pthread_create(&th, NULL, releaser, held + n - 3);
        pthread_join(th, NULL);
        n -= 3;
    }
    bp_pool_trim(p, 1);
    bp_ref *again = bp_pool_get(p);   /* the pool is still usable */
    if (!FAILED_PTR(again, "bp_pool_get after fault"))
        held[n++] = again;
    CHECK(bp_pool_get_stats(p, &s) == 0 && s.in_use == (size_t)n,
          "in_use %zu != %d", s.in_use, n);
    bp_pool_uninit(&p);               /* with buffers out */
    CHECK(atomic_load(&c.pool_frees) == 0, "pool_free before the last buffer");
    while (n > 0)
        bp_unref(&held[--n]);
    CHECK(atomic_load(&c.pool_frees) == 1, "pool_free %d times",
          atomic_load(&c.pool_frees));
    return NULL;
}

int main(void)
{
    /* Count the scenario's allocations with a fault point never reached. */
    struct run r0 = { 0 };
    pthread_t th;
    atomic_store(&bpi_fault_count, 0);
    atomic_store(&bpi_fault_at, (unsigned long)-1);
    pthread_create(&th, NULL, scenario, &r0);
    pthread_join(th, NULL);
    unsigned long total = atomic_load(&bpi_fault_count);
    ok(r0.bad == 0 && r0.failures == 0 && total > 10,
       "the scenario runs clean and makes %lu allocations", total);
    int bad = 0, failures = 0;
    unsigned long hit = 0;
    for (unsigned long at = 1; at <= total; at++) {
        atomic_store(&bpi_fault_count, 0);
        atomic_store(&bpi_fault_at, at);
        struct run r = { 0 };
        pthread_create(&th, NULL, scenario, &r);   /* fresh thread: no cache */
        pthread_join(th, NULL);
        hit += atomic_load(&bpi_fault_count) >= at;
        atomic_store(&bpi_fault_at, 0);
        if (r.bad) {
            bad++;
            diag("fault at allocation %lu: %s", at, r.why);
        }
        failures += r.failures;
    }
    is_u64(hit, total, "each of the %lu allocations was made to fail once", total);
    ok(failures > 0, "%d documented failures observed (a failed thread-cache "
       "allocation is not one: the pool falls back to its depot)", failures);
    is_int(bad, 0, "every injected failure gave the documented error and "
           "left the objects usable");
    return done_testing();
}
#endif
