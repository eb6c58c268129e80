/* A capped pool at its edges (issue 11): an INT64_MAX timeout waits for
 * ever. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- row 5: INT64_MAX waits forever --------------------------------------- */

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

int main(void)
{
    test_timeout_max();
    return done_testing();
}
