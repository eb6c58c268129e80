/* The pool config and stats as an ABI: struct_size versioning (older,
 * newer and unset sizes), bp_pool_config_check's causes, and the cache
 * field (a thread keeps at most `cache` idle buffers; BP_POOL_NO_CACHE
 * none). */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"

/* The first version's structs end with pool_free and peak_in_use. */
#define CONFIG_V0 (offsetof(bp_pool_config, pool_free) + sizeof(void (*)(void *)))
#define STATS_V0  (offsetof(bp_pool_stats, peak_in_use) + sizeof(size_t))

static void test_struct_size(void)
{
    const char *why = "unset";
    bp_pool_config c = BP_POOL_CONFIG(.size = 64);
    is_int(c.struct_size, sizeof c, "BP_POOL_CONFIG sets struct_size");
    is_int(bp_pool_config_check(&c, &why), 0, "a plain config checks");
    ok(why == NULL, "no reason on success");

    bp_pool_config d;
    memset(&d, 0x5A, sizeof d);
    bp_pool_config_init(&d);
    is_int(d.struct_size, sizeof d, "bp_pool_config_init sets struct_size");
    ok(d.size == 0 && d.cache == 0 && d.flags == 0 && d.alloc == NULL,
       "bp_pool_config_init zeroes the rest");

    bp_pool_config z = { 0 };
    z.size = 64;
    errno = 0;
    ok(!bp_pool_new(&z) && errno == EINVAL, "struct_size 0: EINVAL");
    is_int(bp_pool_config_check(&z, &why), -EINVAL, "check: struct_size 0");
    ok(why && strstr(why, "struct_size"), "the reason names struct_size");

    /* A caller built against the first version: a shorter struct, and
     * whatever follows it in memory is not read (the cache field's
     * default applies). */
    struct { bp_pool_config c; } old;
    memset(&old, 0xFF, sizeof old);
    memset(&old.c, 0, CONFIG_V0);
    old.c.struct_size = CONFIG_V0;
    old.c.size = 128;
    bp_pool *p = bp_pool_new(&old.c);
    ok(p != NULL, "a first-version config (struct_size %zu) works",
       (size_t)CONFIG_V0);
    bp_ref *r = bp_pool_get(p);
    ok(r && r->size == 128, "and its pool hands out buffers");
    bp_unref(&r);

    /* Stats for a first-version caller: only that much is written. */
    unsigned char raw[sizeof(bp_pool_stats) + 16];
    memset(raw, 0xEE, sizeof raw);
    bp_pool_stats *st = (bp_pool_stats *)(void *)raw;
    st->struct_size = STATS_V0;
    is_int(bp_pool_get_stats(p, st), 0, "stats with the first version's size");
    ok(st->gets == 1 && st->allocs == 1 && st->struct_size == STATS_V0,
       "the fields it has are filled");
    ok(raw[STATS_V0] == 0xEE, "nothing written past its struct_size");

    /* A newer caller's stats: the tail this library does not know is 0. */
    memset(raw, 0xEE, sizeof raw);
    st->struct_size = sizeof raw;
    is_int(bp_pool_get_stats(p, st), 0, "stats with a larger struct_size");
    int tail0 = 1;
    for (size_t k = sizeof(bp_pool_stats); k < sizeof raw; k++)
        tail0 &= raw[k] == 0;
    ok(tail0 && st->struct_size == sizeof raw,
       "unknown newer fields are set to 0");
    bp_pool_stats small = { .struct_size = STATS_V0 - 1 };
    is_int(bp_pool_get_stats(p, &small), -EINVAL,
           "stats struct_size below the first version: -EINVAL");
    bp_pool_uninit(&p);

    /* A newer caller's config: unknown fields must hold their default. */
    struct { bp_pool_config c; size_t newer[2]; } big;
    memset(&big, 0, sizeof big);
    big.c = BP_POOL_CONFIG(.size = 64);
    big.c.struct_size = sizeof big;
    p = bp_pool_new(&big.c);
    ok(p != NULL, "a newer config whose new fields are 0 is accepted");
    bp_pool_uninit(&p);
    big.newer[1] = 7;
    errno = 0;
    ok(!bp_pool_new(&big.c) && errno == E2BIG,
       "a newer config with a field set that this library lacks: E2BIG");
    is_int(bp_pool_config_check(&big.c, &why), -E2BIG, "check: E2BIG");
}

static void test_check_reasons(void)
{
    static const struct {
        bp_pool_config c;
        int err;
        const char *word;
    } rows[] = {
        { BP_POOL_CONFIG(.size = 0), -EINVAL, "size" },
        { BP_POOL_CONFIG(.size = 8, .align = 48), -EINVAL, "power of two" },
        { BP_POOL_CONFIG(.size = 8, .align = BP_POOL_MAX_ALIGN * 2), -EINVAL,
          "BP_POOL_MAX_ALIGN" },
        { BP_POOL_CONFIG(.size = 8, .flags = 1u << 9), -EINVAL, "flags" },
        { BP_POOL_CONFIG(.size = 8, .cache = BP_POOL_CACHE_MAX + 1), -EINVAL,
          "cache" },
        { BP_POOL_CONFIG(.size = 8, .cache = 2, .flags = BP_POOL_NO_CACHE),
          -EINVAL, "NO_CACHE" },
        { BP_POOL_CONFIG(.size = 8, .min_buffers = 3, .max_buffers = 2),
          -EINVAL, "min_buffers" },
        { BP_POOL_CONFIG(.size = 8, .max_buffers = BP_POOL_MAX_BUFFERS + 1),
          -EINVAL, "max_buffers" },
        { BP_POOL_CONFIG(.size = SIZE_MAX), -ENOMEM, "large" },
        /* An alignment below a pointer's is raised to it: the overflow
         * check must use the raised one (was SIGFPE, found by fuzzing). */
        { BP_POOL_CONFIG(.size = SIZE_MAX, .align = 1), -ENOMEM, "large" },
        { BP_POOL_CONFIG(.size = SIZE_MAX - 2, .align = 1), -ENOMEM, "large" },
        { BP_POOL_CONFIG(.size = SIZE_MAX - 2, .align = 2), -ENOMEM, "large" },
        { BP_POOL_CONFIG(.size = SIZE_MAX - 6, .align = 4), -ENOMEM, "large" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *why = NULL;
        int e = bp_pool_config_check(&rows[i].c, &why);
        ok(e == rows[i].err && why && strstr(why, rows[i].word),
           "check row %zu: %d, '%s'", i, e, why ? why : "(null)");
        errno = 0;
        ok(!bp_pool_new(&rows[i].c) && errno == -rows[i].err,
           "bp_pool_new row %zu: same errno", i);
    }
    is_int(bp_pool_config_check(NULL, NULL), -EINVAL, "check(NULL): -EINVAL");
    bp_pool_config ok_ = BP_POOL_CONFIG(.size = 8, .align = BP_POOL_MAX_ALIGN);
    is_int(bp_pool_config_check(&ok_, NULL), 0, "align BP_POOL_MAX_ALIGN is valid");
}

/* Thread B's gets after thread A released n buffers: reuses are the
 * buffers A did not keep in its cache. */
struct hold { bp_pool *p; int n; bp_pool_stats st; };

static void *getter(void *arg)
{
    struct hold *h = arg;
    bp_ref *r[64];
    for (int i = 0; i < h->n; i++)
        r[i] = bp_pool_get(h->p);
    h->st = (bp_pool_stats)BP_POOL_STATS_INIT;
    bp_pool_get_stats(h->p, &h->st);
    for (int i = 0; i < h->n; i++)
        bp_unref(&r[i]);
    return NULL;
}

static uint64_t reuses_elsewhere(bp_pool_config c, int n)
{
    bp_pool *p = bp_pool_new(&c);
    bp_ref *r[64];
    for (int i = 0; i < n; i++)
        r[i] = bp_pool_get(p);
    for (int i = 0; i < n; i++)
        bp_unref(&r[i]);
    struct hold h = { p, n, BP_POOL_STATS_INIT };
    pthread_t t;
    pthread_create(&t, NULL, getter, &h);
    pthread_join(t, NULL);
    bp_pool_uninit(&p);
    return h.st.reuses;
}

static void test_cache_field(void)
{
    enum { N = 20 };
    /* Default: a 64-byte pool caches 63 per thread, so all 20 stay with A
     * and B allocates (uncapped pools do not collect). */
    is_u64(reuses_elsewhere(BP_POOL_CONFIG(.size = 64), N), 0,
           "default cache: the releasing thread keeps all 20");
    uint64_t r2 = reuses_elsewhere(BP_POOL_CONFIG(.size = 64, .cache = 2), N);
    ok(r2 >= N - 2, "cache 2: another thread reuses >= 18 (%llu)",
       (unsigned long long)r2);
    is_u64(reuses_elsewhere(BP_POOL_CONFIG(.size = 64,
                                           .flags = BP_POOL_NO_CACHE), N), N,
           "BP_POOL_NO_CACHE: another thread reuses all 20");

    /* A pool without caches still works on one thread, stats exact. */
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 32,
                                             .flags = BP_POOL_NO_CACHE,
                                             .max_buffers = 3));
    bp_ref *a = bp_pool_get(p), *b = bp_pool_get(p), *c = bp_pool_get(p);
    errno = 0;
    ok(a && b && c && !bp_pool_get(p) && errno == EAGAIN,
       "no cache, cap 3: the fourth get is EAGAIN");
    bp_unref(&b);
    bp_ref *d = bp_pool_get(p);
    ok(d != NULL, "a released buffer is reused at once");
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    ok(st.gets == 5 && st.reuses == 1 && st.allocs == 3 && st.failures == 1 &&
       st.in_use == 3 && st.idle == 0, "no cache: stats exact");
    bp_unref(&a);
    bp_unref(&c);
    bp_unref(&d);
    is_int(bp_pool_trim(p, 0), 3, "trim frees all three");
    bp_pool_uninit(&p);
}

int main(void)
{
    test_struct_size();
    test_check_reasons();
    test_cache_field();
    return done_testing();
}
