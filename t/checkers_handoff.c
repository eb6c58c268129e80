/* The program of issue 18, correct by bufpool's contract: a worker takes
 * 4 KiB buffers from a pool capped at 32 (bp_pool_get_timeout), fills
 * them, and hands them through a mutex/condvar queue to a writer, which
 * reads them and drops them with bp_unref.  Built by t/checkers-*.sh as a
 * user would, against the installed-style library: a checker must report
 * nothing.  Argument: how many buffers (default 2000). */
#include <bufpool.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QCAP 64

static bp_ref *queue[QCAP];
static unsigned head, tail;
static int done;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bp_pool *pool;
static unsigned n_buffers = 2000;
static unsigned long sum;

static void *worker(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < n_buffers; i++) {
        bp_ref *r = bp_pool_get_timeout(pool, -1);
        if (!r) {
            perror("bp_pool_get_timeout");
            exit(1);
        }
        memset(r->data, (int)(i & 0xff), r->size);
        pthread_mutex_lock(&mu);
        queue[tail++ % QCAP] = r;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    done = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (head == tail && !done)
            pthread_cond_wait(&cv, &mu);
        if (head == tail) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        bp_ref *r = queue[head++ % QCAP];
        pthread_mutex_unlock(&mu);
        for (size_t k = 0; k < r->size; k += 64)
            sum += r->data[k];
        bp_unref(&r);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n_buffers = (unsigned)strtoul(argv[1], NULL, 10);
    pool = bp_pool_new(&BP_POOL_CONFIG(.size = 4096, .max_buffers = 32));
    if (!pool) {
        perror("bp_pool_new");
        return 1;
    }
    pthread_t w, r;
    pthread_create(&w, NULL, worker, NULL);
    pthread_create(&r, NULL, writer, NULL);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    bp_pool_uninit(&pool);
    unsigned long want = 0;
    for (unsigned i = 0; i < n_buffers; i++)
        want += 64 * (i & 0xff);
    printf("handoff: %u buffers, sum %lu (%s)\n", n_buffers, sum,
           sum == want ? "right" : "WRONG");
    return sum == want ? 0 : 1;
}
