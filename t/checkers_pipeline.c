/* A pipeline of 8 threads on two capped pools, correct by bufpool's
 * contract: the two pools are made by two threads at once (the process's
 * first); 2 producers take a frame (zeroed when new by an alloc
 * callback; a reset callback clears its header on every return) and a side buffer (BP_POOL_ZERO) with
 * bp_pool_get_timeout and fill them; 2 workers check them and share each
 * frame with bp_dup between 2 queues; 3 consumers read the frames and drop
 * them (the last drop, on whichever thread, runs the reset); 1 thread
 * trims both pools and reads their statistics meanwhile.  Built by
 * t/checkers-*.sh as a user would: a checker must report nothing.
 * Argument: frames per producer (default 200). */
#include <bufpool.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME 2048
#define SIDE  256
#define HDR   16

struct item { bp_ref *frame, *side; };

/* A bounded queue under a mutex and two condition variables. */
struct queue {
    struct item items[32];
    unsigned head, tail, writers;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
};

static void q_init(struct queue *q, unsigned writers)
{
    memset(q, 0, sizeof(*q));
    q->writers = writers;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
}

static void q_put(struct queue *q, struct item it)
{
    pthread_mutex_lock(&q->mu);
    while (q->tail - q->head == 32)
        pthread_cond_wait(&q->not_full, &q->mu);
    q->items[q->tail++ % 32] = it;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* One writer is done; the last one closes the queue. */
static void q_close(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->writers--;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* 0 when the queue is closed and empty. */
static int q_get(struct queue *q, struct item *it)
{
    pthread_mutex_lock(&q->mu);
    while (q->head == q->tail && q->writers)
        pthread_cond_wait(&q->not_empty, &q->mu);
    int got = q->head != q->tail;
    if (got) {
        *it = q->items[q->head++ % 32];
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

static bp_pool *frames, *sides;
static struct queue q_made, q_a, q_b;
static unsigned n_frames = 200;
static atomic_uint resets, producers_left = 2;
static atomic_ulong consumed, bad, headers;

static void reset_header(void *opaque, uint8_t *data, size_t size)
{
    (void)opaque;
    (void)size;
    memset(data, 0, HDR);
    atomic_fetch_add(&resets, 1);
}

/* A new frame is zeroed, so that its header reads as a reset one's. */
static bp_ref *alloc_frame(void *opaque, size_t size)
{
    (void)opaque;
    return bp_allocz(size);
}

static bp_ref *get_or_die(bp_pool *p)
{
    bp_ref *r = bp_pool_get_timeout(p, -1);
    if (!r) {
        perror("bp_pool_get_timeout");
        exit(1);
    }
    return r;
}

static void *producer(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    unsigned long reset_seen = 0;
    for (unsigned i = 0; i < n_frames; i++) {
        struct item it = { get_or_die(frames), get_or_die(sides) };
        /* A reused frame's header is the reset's, a new one's zero. */
        for (size_t k = 0; k < HDR; k++)
            reset_seen += it.frame->data[k] == 0;
        for (size_t k = 0; k < SIDE; k++)
            if (it.side->data[k])
                atomic_fetch_add(&bad, 1);    /* not zero-filled */
        memset(it.frame->data, (int)(id * 16 + i % 16), FRAME);
        memcpy(it.side->data, it.frame->data, 8);
        q_put(&q_made, it);
    }
    atomic_fetch_add(&headers, reset_seen);
    if (atomic_fetch_sub(&producers_left, 1) == 1)
        for (int k = 0; k < 2; k++)
            q_close(&q_made);
    return NULL;
}

static void *worker(void *arg)
{
    (void)arg;
    struct item it;
    while (q_get(&q_made, &it)) {
        if (memcmp(it.side->data, it.frame->data, 8) ||
            it.frame->data[FRAME - 1] != it.frame->data[0])
            atomic_fetch_add(&bad, 1);
        bp_unref(&it.side);
        struct item copy = { bp_dup(it.frame), NULL };
        if (!copy.frame) {
            perror("bp_dup");
            exit(1);
        }
        q_put(&q_a, copy);
        q_put(&q_b, it);
    }
    q_close(&q_a);
    q_close(&q_b);
    return NULL;
}

static void *consumer(void *arg)
{
    struct queue *q = arg;
    struct item it;
    while (q_get(q, &it)) {
        unsigned long s = 0;
        for (size_t k = 0; k < FRAME; k += 32)
            s += it.frame->data[k];
        if (s != (unsigned long)it.frame->data[0] * (FRAME / 32))
            atomic_fetch_add(&bad, 1);
        atomic_fetch_add(&consumed, 1);
        bp_unref(&it.frame);
    }
    return NULL;
}

static atomic_int stop;

static void *trimmer(void *arg)
{
    (void)arg;
    struct timespec ms = { 0, 1000000 };
    while (!atomic_load(&stop)) {
        bp_pool_trim(frames, 2);
        bp_pool_trim(sides, 0);
        bp_pool_stats st = BP_POOL_STATS_INIT;
        if (bp_pool_get_stats(frames, &st) < 0 || st.in_use + st.idle > 12)
            atomic_fetch_add(&bad, 1);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static void *make_frames(void *arg)
{
    (void)arg;
    frames = bp_pool_new(&BP_POOL_CONFIG(.size = FRAME, .max_buffers = 12,
                                         .alloc = alloc_frame,
                                         .reset = reset_header));
    return NULL;
}

static void *make_sides(void *arg)
{
    (void)arg;
    sides = bp_pool_new(&BP_POOL_CONFIG(.size = SIDE, .max_buffers = 12,
                                        .flags = BP_POOL_ZERO));
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n_frames = (unsigned)strtoul(argv[1], NULL, 10);
    /* The process's first pools, made by two threads at once. */
    pthread_t mk[2];
    pthread_create(&mk[0], NULL, make_frames, NULL);
    pthread_create(&mk[1], NULL, make_sides, NULL);
    pthread_join(mk[0], NULL);
    pthread_join(mk[1], NULL);
    if (!frames || !sides) {
        perror("bp_pool_new");
        return 1;
    }
    q_init(&q_made, 2);
    q_init(&q_a, 2);
    q_init(&q_b, 2);
    pthread_t t[8];
    pthread_create(&t[0], NULL, producer, (void *)(uintptr_t)1);
    pthread_create(&t[1], NULL, producer, (void *)(uintptr_t)2);
    pthread_create(&t[2], NULL, worker, NULL);
    pthread_create(&t[3], NULL, worker, NULL);
    pthread_create(&t[4], NULL, consumer, &q_a);
    pthread_create(&t[5], NULL, consumer, &q_a);
    pthread_create(&t[6], NULL, consumer, &q_b);
    pthread_create(&t[7], NULL, trimmer, NULL);
    for (int k = 0; k < 7; k++)
        pthread_join(t[k], NULL);
    atomic_store(&stop, 1);
    pthread_join(t[7], NULL);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(frames, &st);
    bp_pool_uninit(&frames);
    bp_pool_uninit(&sides);
    unsigned long want = 2ul * 2 * n_frames;
    int ok = atomic_load(&consumed) == want && atomic_load(&bad) == 0 &&
             atomic_load(&resets) == 2 * n_frames && st.in_use == 0;
    printf("pipeline: %lu frames consumed of %lu, %u resets, %lu bytes of "
           "reset headers seen, %lu bad, in_use %zu (%s)\n",
           atomic_load(&consumed), want, atomic_load(&resets),
           atomic_load(&headers), atomic_load(&bad), st.in_use,
           ok ? "right" : "WRONG");
    return ok ? 0 : 1;
}
