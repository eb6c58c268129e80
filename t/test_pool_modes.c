/* Which path a pool's gets and releases take: the fast paths (this thread's
 * cache, no fence) only in membarrier ("light") mode or under TSan, and
 * only for pools without per-buffer work (BP_POOL_ZERO, BP_POOL_POISON,
 * reset); BUFPOOL_NO_MEMBARRIER turns light mode off.  Linked statically to
 * see the internals.  t/no-membarrier.sh runs it with the variable set. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_MEMBARRIER_H
#  include <linux/membarrier.h>
#endif

#include "../lib/pool.h"
#include "tap.h"

static int env_off(void)
{
    const char *e = getenv("BUFPOOL_NO_MEMBARRIER");
    return e && *e && strcmp(e, "0") != 0;
}

static int kernel_has_membarrier(void)
{
#if defined(HAVE_LINUX_MEMBARRIER_H) && defined(__NR_membarrier)
    long cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0);
    return cmds >= 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
#else
    return 0;
#endif
}

static void reset_cb(void *o, uint8_t *d, size_t n)
{
    (void)o; (void)d; (void)n;
}

struct job { bp_pool *pool; uint8_t *data; };

static void *hold_one(void *arg)
{
    struct job *j = arg;
    bp_ref *r = bp_pool_get(j->pool);
    j->data = r ? r->data : NULL;
    bp_unref(&r);
    return NULL;
}

int main(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 4096));
    ok(p != NULL, "pool made");
    if (!p)
        return done_testing();

    /* Under a checker (valgrind's memcheck in make check-valgrind), every
     * pool takes the general path; under a race detector or with
     * BUFPOOL_CHECK=nocache, without per-thread caches (lib/checkers.h). */
    unsigned ck = ck_mode();
#ifdef BPI_TSAN
    int want_light = 0, want_fast = !ck;
#else
    int want_light = !env_off() && kernel_has_membarrier();
    int want_fast = want_light && !ck;
#endif
    diag("BUFPOOL_NO_MEMBARRIER %s; kernel membarrier %s; checkers %#x",
         env_off() ? "set" : "not set", kernel_has_membarrier() ? "yes" : "no",
         ck);
    is_int(bpi_light, want_light, "light mode as the environment says");
    ok(p->caches.fast == want_fast,
       "plain pool: fast paths %s", want_fast ? "on" : "off");
    ok(!p->caches.cache_max == !!(ck & (CK_RACES | CK_NOCACHE)),
       "plain pool: per-thread caches %s",
       ck & (CK_RACES | CK_NOCACHE) ? "off" : "on");

    bp_pool *zp = bp_pool_new(&BP_POOL_CONFIG(.size = 64,
                                              .flags = BP_POOL_ZERO));
    bp_pool *pp = bp_pool_new(&BP_POOL_CONFIG(.size = 64,
                                              .flags = BP_POOL_POISON));
    bp_pool *rp = bp_pool_new(&BP_POOL_CONFIG(.size = 64,
                                              .reset = reset_cb));
    ok(zp && !zp->caches.fast, "BP_POOL_ZERO pool: general path");
    ok(pp && !pp->caches.fast, "BP_POOL_POISON pool: general path");
    ok(rp && !rp->caches.fast, "reset pool: general path");
    bp_pool_uninit(&zp);
    bp_pool_uninit(&pp);
    bp_pool_uninit(&rp);

    /* Either path: LIFO reuse of this thread's buffer, exact statistics,
     * and trim reaching the buffers of this thread's cache and of the one
     * another thread gave back when it exited. */
    bp_ref *a = bp_pool_get(p);
    uint8_t *first = a ? a->data : NULL;
    bp_unref(&a);
    bp_ref *b = bp_pool_get(p);
    ok(b && b->data == first, "the buffer just released comes back");
    bp_unref(&b);
    ok(b == NULL, "bp_unref clears the ref");

    struct job j = { p, NULL };
    pthread_t t;
    pthread_create(&t, NULL, hold_one, &j);
    pthread_join(t, NULL);
    bp_pool_stats s = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &s);
    is_u64(s.gets, 3, "gets");
    is_u64(s.in_use, 0, "in_use");
    is_u64(s.peak_in_use, 1, "peak_in_use");
    is_u64(bp_pool_trim(p, 0), s.allocs, "trim frees every idle buffer");
    bp_pool_uninit(&p);
    return done_testing();
}
