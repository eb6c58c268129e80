/* capbarrier - issue 19's row 2: a capped pipeline in its steady state.
 *
 * A producer gets 64 KiB buffers from a pool capped at 4 (waiting with
 * bp_pool_get_timeout) and hands them through a 2-slot queue to a consumer,
 * which releases them: the pool is at its cap all the time.  Run under
 * `strace -f -c -e trace=membarrier` (bench/capbarrier.sh) to count the
 * process-wide barriers per get.
 *
 * Usage: bench/capbarrier [GETS]   (default 3000) */
#define _POSIX_C_SOURCE 200809L
#include <bufpool.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { QLEN = 2 };

static struct {
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    bp_ref         *slot[QLEN];
    int             head, n, done;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0 };

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&q.mu);
        while (!q.n && !q.done)
            pthread_cond_wait(&q.cv, &q.mu);
        if (!q.n) {
            pthread_mutex_unlock(&q.mu);
            return NULL;
        }
        bp_ref *r = q.slot[q.head];
        q.head = (q.head + 1) % QLEN;
        q.n--;
        pthread_cond_broadcast(&q.cv);
        pthread_mutex_unlock(&q.mu);
        ((volatile uint8_t *)r->data)[0]++;
        bp_unref(&r);
    }
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long gets = argc > 1 ? strtol(argv[1], &end, 10) : 3000;
    if (argc > 2 || (end && *end) || gets < 1) {
        fprintf(stderr, "usage: capbarrier [GETS]\n");
        return 2;
    }
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64 << 10,
                                             .max_buffers = 4));
    if (!p) {
        fprintf(stderr, "capbarrier: bp_pool_new: %s\n", strerror(errno));
        return 1;
    }
    pthread_t th;
    int e = pthread_create(&th, NULL, consumer, NULL);
    if (e) {
        fprintf(stderr, "capbarrier: pthread_create: %s\n", strerror(e));
        return 1;
    }
    for (long i = 0; i < gets; i++) {
        bp_ref *r = bp_pool_get_timeout(p, -1);
        if (!r) {
            fprintf(stderr, "capbarrier: get: %s\n", strerror(errno));
            return 1;
        }
        ((uint8_t *)r->data)[0] = 1;
        pthread_mutex_lock(&q.mu);
        while (q.n == QLEN)
            pthread_cond_wait(&q.cv, &q.mu);
        q.slot[(q.head + q.n) % QLEN] = r;
        q.n++;
        pthread_cond_broadcast(&q.cv);
        pthread_mutex_unlock(&q.mu);
    }
    pthread_mutex_lock(&q.mu);
    q.done = 1;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
    pthread_join(th, NULL);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    printf("gets %llu allocs %llu failures %llu\n",
           (unsigned long long)st.gets, (unsigned long long)st.allocs,
           (unsigned long long)st.failures);
    bp_pool_uninit(&p);
    return 0;
}
