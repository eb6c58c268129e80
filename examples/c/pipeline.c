/* pipeline.c - a frame pipeline on a capped bufpool pool.
 *
 * A producer thread ("decoder") takes frames from a pool capped at
 * MAX_FRAMES buffers, writes them, and hands each to two consumer threads
 * ("encoder" and "preview") through bounded queues, with one reference
 * each (bp_dup).  Whichever consumer drops the last reference returns the
 * frame to the pool, on its own thread.  The cap is the back-pressure:
 * when all MAX_FRAMES frames are in flight, the producer waits in
 * bp_pool_get_timeout() until a consumer releases one, instead of
 * allocating more memory.  At the end the pool's statistics show that no
 * more than MAX_FRAMES frames were ever allocated, and that none is lost.
 *
 * Build against an installed bufpool:
 *   cc -std=c11 -pthread pipeline.c $(pkg-config --cflags --libs bufpool) -o pipeline
 * or with CMake (find_package(bufpool), CMakeLists.txt next to this file).
 *
 *   ./pipeline [FRAMES]      (default 300; exit status 0 when every frame
 *                             arrived intact at both consumers)
 */
#include <bufpool.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH       640
#define HEIGHT      360
#define FRAME_BYTES (WIDTH * HEIGHT * 3 / 2)   /* yuv420p */
#define MAX_FRAMES  4                          /* the pool's cap */
#define QUEUE_DEPTH 8                          /* more than the cap */
#define WAIT_NS     (2 * 1000000000LL)         /* longer means a deadlock */

/* A bounded queue of frame references (mutex and condition variables:
 * the pool is lock-free, the example's plumbing need not be). */
typedef struct queue {
    pthread_mutex_t lock;
    pthread_cond_t  changed;
    bp_ref         *items[QUEUE_DEPTH];
    unsigned        head, count;
    bool            closed;
} queue;

static void queue_init(queue *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->changed, NULL);
}

static void queue_push(queue *q, bp_ref *ref)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == QUEUE_DEPTH)
        pthread_cond_wait(&q->changed, &q->lock);
    q->items[(q->head + q->count++) % QUEUE_DEPTH] = ref;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* NULL once the queue is closed and empty. */
static bp_ref *queue_pop(queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->changed, &q->lock);
    bp_ref *ref = NULL;
    if (q->count) {
        ref = q->items[q->head];
        q->head = (q->head + 1) % QUEUE_DEPTH;
        q->count--;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return ref;
}

static void queue_close(queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

/* Frame n: its number in the first 8 bytes, then a pattern derived from it. */
static void draw(uint8_t *data, uint64_t n)
{
    memcpy(data, &n, sizeof n);
    for (size_t i = sizeof n; i < FRAME_BYTES; i += 4096)
        data[i] = (uint8_t)(n * 31 + i / 4096);
}

static bool intact(const uint8_t *data, uint64_t want)
{
    uint64_t n;
    memcpy(&n, data, sizeof n);
    if (n != want)
        return false;
    for (size_t i = sizeof n; i < FRAME_BYTES; i += 4096)
        if (data[i] != (uint8_t)(n * 31 + i / 4096))
            return false;
    return true;
}

typedef struct consumer {
    const char *name;
    queue       in;
    uint64_t    frames, bad;
    pthread_t   thread;
} consumer;

static void *consume(void *arg)
{
    consumer *c = arg;
    bp_ref *frame;
    while ((frame = queue_pop(&c->in))) {
        if (!intact(frame->data, c->frames))
            c->bad++;
        c->frames++;
        bp_unref(&frame);   /* the last of the two returns it to the pool */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 300;
    if (frames == 0) {
        fprintf(stderr, "usage: %s [FRAMES]  (FRAMES > 0)\n", argv[0]);
        return 2;
    }
    bp_pool *pool = bp_pool_new(&BP_POOL_CONFIG(.size = FRAME_BYTES,
                                                .max_buffers = MAX_FRAMES));
    if (!pool) {
        perror("bp_pool_new");
        return 1;
    }
    consumer sinks[2] = {{.name = "encoder"}, {.name = "preview"}};
    for (int i = 0; i < 2; i++) {
        queue_init(&sinks[i].in);
        if (pthread_create(&sinks[i].thread, NULL, consume, &sinks[i]) != 0) {
            fprintf(stderr, "cannot start the %s thread\n", sinks[i].name);
            return 1;
        }
    }

    /* The producer runs on the main thread. */
    uint64_t waited = 0;
    int status = 0;
    for (uint64_t n = 0; n < frames; n++) {
        bp_ref *frame = bp_pool_get(pool);          /* never blocks */
        if (!frame && errno == EAGAIN) {
            /* All MAX_FRAMES frames are in flight: wait for a release. */
            waited++;
            frame = bp_pool_get_timeout(pool, WAIT_NS);
        }
        if (!frame) {
            fprintf(stderr, "frame %" PRIu64 ": %s\n", n,
                    errno == ETIMEDOUT ? "no frame released for 2 s (stalled)"
                                       : strerror(errno));
            status = 1;
            break;
        }
        draw(frame->data, n);
        bp_ref *copy = bp_dup(frame);                /* one ref per consumer */
        if (!copy) {
            perror("bp_dup");
            bp_unref(&frame);
            status = 1;
            break;
        }
        queue_push(&sinks[0].in, frame);
        queue_push(&sinks[1].in, copy);
    }
    for (int i = 0; i < 2; i++) {
        queue_close(&sinks[i].in);
        pthread_join(sinks[i].thread, NULL);
    }

    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(pool, &st);
    printf("%" PRIu64 " frames of %d bytes through a pool capped at %d: "
           "%" PRIu64 " allocated, %" PRIu64 " reused, the producer waited "
           "%" PRIu64 " times, %zu still in use\n", frames, FRAME_BYTES,
           MAX_FRAMES, st.allocs, st.reuses, waited, st.in_use);
    for (int i = 0; i < 2; i++) {
        printf("%s: %" PRIu64 " frames, %" PRIu64 " damaged\n", sinks[i].name,
               sinks[i].frames, sinks[i].bad);
        if (sinks[i].frames != frames || sinks[i].bad)
            status = 1;
    }
    if (st.allocs > MAX_FRAMES || st.in_use != 0)
        status = 1;
    bp_pool_uninit(&pool);
    return status;
}
