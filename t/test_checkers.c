/* BUFPOOL_CHECK=nocache (lib/checkers.h): every get allocates and every
 * last release frees, through the alloc callback, so that any checker sees
 * plain allocations; the cap, waiting, trim, uninit and the statistics
 * still hold.  An unknown word is reported on stderr.  The variable is set
 * here, before the library reads it (at its first pool). */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

struct counts {
    atomic_int made, freed, pool_frees;
};

static void count_free(void *opaque, uint8_t *data)
{
    atomic_fetch_add(&((struct counts *)opaque)->freed, 1);
    free(data);
}

static bp_ref *count_alloc(void *opaque, size_t size)
{
    struct counts *c = opaque;
    uint8_t *d = malloc(size);
    bp_ref *r = d ? bp_create(d, size, count_free, c, 0) : NULL;
    if (!r) {
        free(d);
        return NULL;
    }
    atomic_fetch_add(&c->made, 1);
    return r;
}

static void count_pool_free(void *opaque)
{
    atomic_fetch_add(&((struct counts *)opaque)->pool_frees, 1);
}

/* Releases its buffer after 50 ms. */
static void *release_later(void *arg)
{
    struct timespec ms50 = { 0, 50000000 };
    nanosleep(&ms50, NULL);
    bp_unref((bp_ref **)arg);
    return NULL;
}

int main(void)
{
    /* The library's warning goes to stderr: read it back from a file. */
    FILE *err = tmpfile();
    int saved = dup(2);
    if (!err || saved < 0 || dup2(fileno(err), 2) < 0)
        return fprintf(stderr, "Bail out! no temporary file\n"), 1;
    setenv("BUFPOOL_CHECK", "nocache,bogus", 1);

    struct counts c = { 0 };
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 100, .max_buffers = 2,
                                             .min_buffers = 2,
                                             .alloc = count_alloc,
                                             .opaque = &c,
                                             .pool_free = count_pool_free));
    fflush(stderr);
    dup2(saved, 2);
    char msg[200] = "";
    rewind(err);
    if (!fgets(msg, sizeof(msg), err))
        msg[0] = 0;
    msg[strcspn(msg, "\n")] = 0;
    is_str(msg, "bufpool: BUFPOOL_CHECK: unknown word 'bogus' (known: nocache)",
           "an unknown word is reported");
    ok(p != NULL, "pool made");
    if (!p)
        return done_testing();
    is_int(atomic_load(&c.made), 0, "no min_buffers kept idle");

    bp_ref *a = bp_pool_get(p);
    is_int(atomic_load(&c.made), 1, "a get allocates");
    bp_unref(&a);
    is_int(atomic_load(&c.freed), 1, "the last release frees");
    a = bp_pool_get(p);
    bp_ref *b = bp_pool_get(p);
    bp_ref *d = bp_dup(b);
    is_int(atomic_load(&c.made), 3, "every get allocates");
    errno = 0;
    ok(!bp_pool_get(p) && errno == EAGAIN, "the cap holds (EAGAIN)");
    bp_unref(&b);
    is_int(atomic_load(&c.freed), 1, "a release that is not the last frees nothing");

    pthread_t t;
    pthread_create(&t, NULL, release_later, &d);
    bp_ref *w = bp_pool_get_timeout(p, 5000000000LL);
    ok(w != NULL, "a get at the cap waits for a release, which frees");
    pthread_join(t, NULL);
    is_int(atomic_load(&c.freed), 2, "freed by the other thread");
    is_u64(bp_pool_trim(p, 0), 0, "trim: nothing idle to free");

    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    ok(st.gets == 5 && st.reuses == 0 && st.allocs == 4 && st.failures == 1 &&
       st.in_use == 2 && st.idle == 0 && st.peak_in_use == 2,
       "stats: 5 gets, 0 reuses, 4 allocs, 1 failure, 2 in use, 0 idle, "
       "peak 2 (got %llu %llu %llu %llu %zu %zu %zu)",
       (unsigned long long)st.gets, (unsigned long long)st.reuses,
       (unsigned long long)st.allocs, (unsigned long long)st.failures,
       st.in_use, st.idle, st.peak_in_use);

    bp_pool_uninit(&p);
    is_int(atomic_load(&c.pool_frees), 0, "buffers out keep the pool");
    bp_unref(&a);
    bp_unref(&w);
    is_int(atomic_load(&c.freed), 4, "every buffer freed once");
    is_int(atomic_load(&c.pool_frees), 1, "the last release ends the pool");

    /* Plain buffers are not the pool's business: bp_dup/bp_unref as ever. */
    bp_ref *x = bp_alloc(10), *y = bp_dup(x);
    bp_unref(&x);
    ok(y && y->size == 10, "bp_alloc, bp_dup, bp_unref");
    bp_unref(&y);
    return done_testing();
}
