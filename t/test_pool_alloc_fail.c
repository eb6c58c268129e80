/* Allocation failure injection: the pool's alloc callback fails at every
 * Nth call, for every N in a range, over a scenario that touches each pool
 * function.  Each failure must give ENOMEM (a NULL without errno), be
 * counted, leave the pool fully usable, and leak nothing (every buffer the
 * callback made is freed once).  The callback's own errno passes through;
 * a ref that breaks the callback's contract (issue 19: not a reference, no
 * data, too small, misaligned for align) is EPROTO. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <stdint.h>

#include "tap.h"

struct inj {
    int calls, period, made, freed, pool_frees;
};

static void inj_free(void *opaque, uint8_t *data)
{
    ((struct inj *)opaque)->freed++;
    free(data);
}

static bp_ref *inj_alloc(void *opaque, size_t size)
{
    struct inj *c = opaque;
    if (++c->calls % c->period == 0)
        return NULL;
    uint8_t *d = malloc(size);
    bp_ref *r = bp_create(d, size, inj_free, c, 0);
    if (!r) {
        free(d);
        return NULL;
    }
    c->made++;
    return r;
}

static void inj_pool_free(void *opaque)
{
    ((struct inj *)opaque)->pool_frees++;
}

/* Returns the number of get failures seen; checks contents of what it got. */
static int scenario(bp_pool *p, struct inj *c, int *bad)
{
    bp_ref *held[40];
    int n = 0, fails = 0;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 10; i++) {
            errno = 0;
            bp_ref *r = (i & 1) ? bp_pool_get(p) : bp_pool_get_timeout(p, 0);
            if (!r) {
                fails++;
                if (errno != ENOMEM)
                    (*bad)++;
                continue;
            }
            memset(r->data, n & 0xff, r->size);
            held[n++] = r;
        }
        for (int k = 0; k < n; k++)
            if (held[k]->data[0] != (k & 0xff) ||
                held[k]->data[held[k]->size - 1] != (k & 0xff))
                (*bad)++;
        /* Release half, trim, get some back. */
        while (n > 5)
            bp_unref(&held[--n]);
        bp_pool_trim(p, (size_t)round);
    }
    bp_pool_stats s = BP_POOL_STATS_INIT;
    if (bp_pool_get_stats(p, &s) != 0 || s.failures != (uint64_t)fails ||
        s.in_use != (size_t)n || s.allocs != (uint64_t)c->made)
        (*bad)++;
    while (n > 0)
        bp_unref(&held[--n]);
    return fails;
}

/* An alloc callback that returns a malformed ref: buffer NULL (mode 0),
 * data NULL (mode 1), too small (mode 2) or data not aligned to the pool's
 * align (mode 3), as every Nth call; otherwise a good buffer.  The library
 * must fail that get with EPROTO, count it, not touch the malformed ref
 * beyond reading it, and leak nothing of its own. */
struct badref {
    int mode, calls, period, made, freed, pool_frees;
    bp_ref fake;
};

static void badref_free(void *opaque, uint8_t *data)
{
    ((struct badref *)opaque)->freed++;
    free(data);
}

/* Mode 3's buffers: 64-aligned memory, handed out one byte in. */
static void badref_free_shifted(void *opaque, uint8_t *data)
{
    ((struct badref *)opaque)->freed++;
    free(data - 1);
}

static bp_ref *badref_alloc(void *opaque, size_t size)
{
    struct badref *c = opaque;
    if (++c->calls % c->period == 0) {
        if (c->mode == 0) {
            static uint8_t bytes[256];
            c->fake = (bp_ref){ bytes, sizeof(bytes), NULL };
            return &c->fake;
        }
        /* Modes 1 to 3: a real buffer the pool must drop. */
        if (c->mode == 3) {
            uint8_t *m = aligned_alloc(64, size + 64);
            c->made++;
            return bp_create(m + 1, size, badref_free_shifted, c, 0);
        }
        bp_ref *r = bp_create(malloc(size), size, badref_free, c, 0);
        c->made++;
        if (c->mode == 1)
            r->data = NULL;
        else
            r->size = size - 1;
        return r;
    }
    uint8_t *m = aligned_alloc(64, size);
    bp_ref *r = bp_create(m, size, badref_free, c, 0);
    c->made++;
    return r;
}

static void badref_pool_free(void *opaque)
{
    ((struct badref *)opaque)->pool_frees++;
}

static void test_bad_ref(int mode, const char *what)
{
    struct badref c = { .mode = mode, .period = 3 };
    /* align 64: the callback's data must be 64-aligned (mode 3's is not). */
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 128, .align = 64,
                                             .alloc = badref_alloc,
                                             .opaque = &c,
                                             .pool_free = badref_pool_free));
    bp_ref *held[6];
    int eproto = 0, got = 0, other = 0;
    for (int i = 0; i < 6; i++) {
        errno = 0;
        held[i] = bp_pool_get(p);
        if (held[i])
            got++;
        else if (errno == EPROTO)
            eproto++;
        else
            other++;
    }
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    ok(got == 4 && eproto == 2 && other == 0,
       "alloc callback returns %s every 3rd call: 4 gets succeed, 2 fail "
       "with EPROTO (got %d, EPROTO %d, other %d)", what, got, eproto, other);
    ok(st.allocs == 4 && st.failures == 2 && st.in_use == 4,
       "%s: allocs %llu == 4, failures %llu == 2, in_use %zu == 4", what,
       (unsigned long long)st.allocs, (unsigned long long)st.failures,
       st.in_use);
    for (int i = 0; i < 6; i++)
        bp_unref(&held[i]);
    bp_pool_uninit(&p);
    ok(c.freed == c.made && c.pool_frees == 1,
       "%s: every buffer the callback made is freed once (%d made, %d "
       "freed), pool_free once", what, c.made, c.freed);

    struct badref d = { .mode = mode, .period = 2 };
    errno = 0;
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 128, .min_buffers = 4,
                                    .align = 64, .alloc = badref_alloc,
                                    .opaque = &d,
                                    .pool_free = badref_pool_free));
    ok(!p && errno == EPROTO && d.freed == d.made && d.pool_frees == 0,
       "%s among min_buffers: bp_pool_new fails with EPROTO (errno %d), "
       "frees what it made (%d made, %d freed)", what, errno, d.made,
       d.freed);
    bp_pool_uninit(&p);
}

/* The callback's errno passes through: it fails with `err` (0: NULL
 * without errno) on every call. */
struct errcb {
    int err, calls;
};

static bp_ref *err_alloc(void *opaque, size_t size)
{
    struct errcb *c = opaque;
    (void)size;
    c->calls++;
    errno = c->err;
    return NULL;
}

static void test_errno_passes_through(void)
{
    static const struct { int err, want; const char *what; } cases[] = {
        { EIO, EIO, "EIO stays EIO" },
        { ENOSPC, ENOSPC, "ENOSPC stays ENOSPC" },
        { 0, ENOMEM, "NULL with errno 0 is ENOMEM" },
        /* Not "at max_buffers": a get_timeout must not wait for it. */
        { EAGAIN, EAGAIN, "EAGAIN stays EAGAIN, without waiting" },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct errcb c = { .err = cases[k].err };
        bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 2,
                                                 .alloc = err_alloc,
                                                 .opaque = &c));
        errno = EBUSY;   /* stale: must not pass for the callback's */
        bp_ref *r = bp_pool_get(p);
        int e1 = errno;
        errno = EBUSY;
        bp_ref *t = bp_pool_get_timeout(p, -1);
        int e2 = errno;
        bp_pool_stats st = BP_POOL_STATS_INIT;
        bp_pool_get_stats(p, &st);
        ok(!r && !t && e1 == cases[k].want && e2 == cases[k].want &&
           c.calls == 2 && st.failures == 2 && st.allocs == 0,
           "alloc callback failing with errno %d: get and get_timeout(-1) "
           "fail with %d, %s (errno %d, %d; %d calls; failures %llu)",
           cases[k].err, cases[k].want, cases[k].what, e1, e2, c.calls,
           (unsigned long long)st.failures);
        bp_pool_uninit(&p);

        c.calls = 0;
        errno = EBUSY;
        p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .min_buffers = 1,
                                        .alloc = err_alloc, .opaque = &c));
        ok(!p && errno == cases[k].want && c.calls == 1,
           "... and bp_pool_new's min_buffers fail with it too (errno %d)",
           errno);
    }
}

int main(void)
{
    test_bad_ref(0, "a ref whose buffer is NULL");
    test_bad_ref(1, "a ref whose data is NULL");
    test_bad_ref(2, "a ref smaller than size");
    test_bad_ref(3, "data misaligned for align");
    test_errno_passes_through();

    int total_fail = 0;
    for (int period = 1; period <= 12; period++) {
        struct inj c = { .period = period };
        int bad = 0;
        bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 100,
                                                 .alloc = inj_alloc,
                                                 .opaque = &c,
                                                 .pool_free = inj_pool_free));
        int fails = scenario(p, &c, &bad);
        /* After the failures, the pool still works. */
        c.period = 1000000;
        bp_ref *r = bp_pool_get(p);
        if (!r)
            bad++;
        bp_unref(&r);
        bp_pool_uninit(&p);
        ok(bad == 0 && c.freed == c.made && c.pool_frees == 1,
           "alloc fails every %d%s call: %d get failures, all ENOMEM, "
           "%d buffers made and freed, pool_free once", period,
           period == 1 ? "st" : period == 2 ? "nd" : period == 3 ? "rd" : "th",
           fails, c.made);
        if (period > 1)
            total_fail += fails > 0;
    }
    ok(total_fail > 0, "failures were really injected");

    /* min_buffers with a failing Nth allocation: every N. */
    int clean = 1;
    for (int n = 1; n <= 8; n++) {
        struct inj c = { .period = n };
        errno = 0;
        bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .min_buffers = 8,
                                                 .alloc = inj_alloc,
                                                 .opaque = &c,
                                                 .pool_free = inj_pool_free));
        if (p || errno != ENOMEM || c.freed != c.made || c.pool_frees != 0) {
            diag("min_buffers fail at %d: pool %p errno %d made %d freed %d",
                 n, (void *)p, errno, c.made, c.freed);
            clean = 0;
            bp_pool_uninit(&p);
        }
    }
    ok(clean, "pool_new fails cleanly when the Nth of min_buffers fails (N=1..8)");
    return done_testing();
}
