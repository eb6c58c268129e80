/* Annotations must not hide bugs.  First a correct hand-off (a buffer
 * recycled between two threads through a capped pool, as in
 * checkers_handoff.c), then a real race in user code: two threads write
 * one buffer that both hold through bp_dup, without synchronisation.
 * Built by t/checkers-*.sh as a user would: a race detector must report
 * the race of race_writer, and nothing else. */
#include <bufpool.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bp_ref *slot;
static int finished;
static bp_pool *pool;

/* The correct part: fill, hand over under the mutex, read, release. */
static void *fill(void *arg)
{
    (void)arg;
    for (int i = 0; i < 64; i++) {
        bp_ref *r = bp_pool_get_timeout(pool, -1);
        if (!r) {
            perror("bp_pool_get_timeout");
            exit(1);
        }
        memset(r->data, i, r->size);
        pthread_mutex_lock(&mu);
        while (slot)
            pthread_cond_wait(&cv, &mu);
        slot = r;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    finished = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *drain(void *arg)
{
    unsigned long *sum = arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!slot && !finished)
            pthread_cond_wait(&cv, &mu);
        bp_ref *r = slot;
        slot = NULL;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
        if (!r)
            return NULL;
        *sum += r->data[r->size - 1];
        bp_unref(&r);
    }
}

/* The bug: writes its reference's bytes while another thread does too. */
static void *race_writer(void *arg)
{
    bp_ref *r = arg;
    memset(r->data, 0x5a, r->size);
    return NULL;
}

int main(void)
{
    pool = bp_pool_new(&BP_POOL_CONFIG(.size = 512, .max_buffers = 2));
    if (!pool) {
        perror("bp_pool_new");
        return 1;
    }
    unsigned long sum = 0;
    pthread_t a, b;
    pthread_create(&a, NULL, fill, NULL);
    pthread_create(&b, NULL, drain, &sum);
    pthread_join(a, NULL);
    pthread_join(b, NULL);

    bp_ref *mine = bp_pool_get(pool), *theirs = mine ? bp_dup(mine) : NULL;
    if (!theirs) {
        perror("bp_pool_get/bp_dup");
        return 1;
    }
    pthread_create(&a, NULL, race_writer, mine);
    pthread_create(&b, NULL, race_writer, theirs);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    bp_unref(&mine);
    bp_unref(&theirs);
    bp_pool_uninit(&pool);
    printf("race: hand-off sum %lu (%s)\n", sum,
           sum == 63 * 64 / 2 ? "right" : "WRONG");
    return sum == 63 * 64 / 2 ? 0 : 1;
}
