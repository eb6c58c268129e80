/* workload.c - the benchmark's threads and its four patterns.
 *
 *   local     each thread gets --hold buffers, then releases them in reverse
 *             order (a decoder's frames in flight), all on one thread;
 *   random    each thread keeps --hold buffers and replaces one chosen by a
 *             seeded generator per step, so releases come in random order;
 *   pipeline  the first half of the threads (rounded up) are producers: they
 *             get buffers and pass them through a bounded single-producer /
 *             single-consumer ring (depth --depth, default --hold) to a
 *             consumer thread, which releases them.  Every release is
 *             cross-thread;
 *   decoder   W worker threads (--threads) each take the next frame number,
 *             get one buffer from each of the frame's P pools (--planes;
 *             frame f uses resolution f mod --pools), write them, and
 *             publish the frame in a reorder queue of depth D (--depth,
 *             default 2W): frame f waits until the output thread has
 *             released frame f - D.  The output thread releases frames in
 *             order.  Frames in flight <= W + D, as in FFmpeg's frame
 *             threading.
 *
 * A run is a warmup phase (unmeasured, --warmup seconds) and a measured
 * phase on the same pools, so the measured phase sees a warm pool as a
 * long-running program would.  Threads are created before the clock starts
 * and wait for a start flag; each records its own start and end, and the
 * run's time is from the first start to the last end.
 *
 * The harness must measure the pools, not itself.  The hand-off queues keep
 * each side's index and its cached copy of the other side's on that side's
 * own cache line, so an index line moves between cores only when the cached
 * copy runs out; the consumer releases everything available, then hands
 * the slots back with one store.  `--impl none` runs the same queues with
 * preallocated buffers and no pool: the harness's own cost
 * (bench/bare-ring.c measures the ring alone, for comparison).
 *
 * Latency is sampled (one get and one release in 64, per thread) so that
 * reading the clock does not distort the throughput measured at the same
 * time.  With --verify each holder writes a token unique to (thread, get
 * number) into the first and last 8 bytes of every buffer it gets and
 * checks it before release; in the pipeline and decoder patterns the token
 * travels with the buffer and the consumer (output thread) checks it. */
#define _GNU_SOURCE 1
#include "config.h"

#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SAMPLE_MASK   63u          /* latency: one operation in 64 */
#define PUBLISH_MASK  63u          /* progress counter: every 64 pairs */
#define SEQ_BITS      48
#define SEQ_MASK      (((uint64_t)1 << SEQ_BITS) - 1)

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------
 * The pipeline's single-producer / single-consumer ring.
 *
 * Each side's line holds its own index and its cached copy of the other
 * side's: the producer reloads head only when tail - head_cache = cap (the
 * ring looks full), the consumer reloads tail only when it has released
 * everything it knew of.  The release store of tail publishes the slot
 * (and the buffer's contents and token) to the consumer's acquire load;
 * the release store of head, after the consumer released the slots' buffers,
 * hands the slots back.  Invariant: head <= tail <= head + cap. */
typedef struct ring_slot {
    void     *handle;
    uint8_t  *data;
    uint64_t  token;
} ring_slot;

typedef struct ring {
    /* The producer's line (its copy of head and its slot index are local
     * variables of run_producer). */
    alignas(64) atomic_uint_fast64_t tail;
    /* The consumer's line. */
    alignas(64) atomic_uint_fast64_t head;
    uint64_t   tail_cache;     /* <= tail */
    unsigned   hslot;          /* head mod cap */
    alignas(64) atomic_bool closed;   /* the producer pushes no more */
    unsigned   cap;
    ring_slot *slots;
} ring;

/* ------------------------------------------------------------------------
 * The decoder's reorder queue: slot f mod D carries frame f.  ready is
 * f + 1 once the worker published it (release; the output thread's acquire
 * load then sees the buffers, their contents and tokens).  A worker
 * publishes frame f only when out_next > f - D, i.e. when the output thread
 * has released frame f - D, the slot's previous frame. */
typedef struct rq_slot {
    alignas(64) atomic_uint_fast64_t ready;
    int64_t    bytes;          /* of the buffers got, for in_use_bytes */
    bench_item items[MAX_PLANES];
    uint64_t   tokens[MAX_PLANES];
} rq_slot;

typedef struct decoder_state {
    alignas(64) atomic_uint_fast64_t next_frame;  /* numbers taken */
    alignas(64) atomic_uint_fast64_t out_next;    /* frames released */
    alignas(64) atomic_int_fast64_t in_use_bytes; /* got, not yet released */
    alignas(64) atomic_int workers_left;          /* not yet finished */
    rq_slot   *slots;
    unsigned   depth;
    int64_t    frame_bytes[MAX_RESOLUTIONS];
} decoder_state;

typedef struct phase {
    const bench_config *cfg;
    const impl_ops     *impl;
    void              **ctxs;       /* one per pool */
    size_t             *sizes;      /* of each pool */
    uint64_t            ops;        /* per thread; 0: until stop */
    bool                sample;     /* record latency */
    atomic_bool         go, stop;
    atomic_int          running;
    atomic_int          failed;
    char               *err;
    size_t              errlen;
    ring               *rings;
    int                 nprod, ncons;
    decoder_state      *dec;
} phase;

typedef struct worker {
    alignas(64) atomic_uint_fast64_t progress;  /* read by the main thread */
    alignas(64) phase *ph;
    int       index;
    int       cpu;
    const char *role;
    uint64_t  gets, releases;
    uint64_t  t0, t1;
    uint64_t  rng;
    int64_t   peak_bytes;      /* decoder: highest in_use_bytes seen */
    hist     *get_lat, *rel_lat;
    bench_item *held;
    uint64_t  *tokens;
    pthread_t  tid;
    bool       started;
} worker;

/* First failure wins; it stops every thread. */
__attribute__((format(printf, 2, 3)))
static void fail(phase *ph, const char *fmt, ...)
{
    int expected = 0;
    if (atomic_compare_exchange_strong(&ph->failed, &expected, 1)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ph->err, ph->errlen, fmt, ap);
        va_end(ap);
    }
    atomic_store(&ph->stop, true);
}

static bool stopped(const phase *ph)
{
    return atomic_load_explicit(&ph->stop, memory_order_relaxed);
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void write_token(uint8_t *d, size_t size, uint64_t tok)
{
    if (size >= 16) {
        memcpy(d, &tok, 8);
        memcpy(d + size - 8, &tok, 8);
    } else {
        /* Too small for two copies: one, truncated to the buffer. */
        memcpy(d, &tok, size < 8 ? size : 8);
    }
}

static uint64_t read_token(const uint8_t *d, size_t size, uint64_t *last)
{
    uint64_t first = 0;
    memcpy(&first, d, size < 8 ? size : 8);
    *last = first;
    if (size >= 16)
        memcpy(last, d + size - 8, 8);
    return first;
}

static void touch(enum touch how, uint8_t *d, size_t size, uint64_t x)
{
    switch (how) {
    case TOUCH_NONE:
        break;
    case TOUCH_FIRST:
        d[0] = (uint8_t)x;
        break;
    case TOUCH_ALL:
        for (size_t off = 0; off < size; off += 64)
            d[off] = (uint8_t)x;
        break;
    }
}

/* Gets a buffer of pool `pool` into *it; seq: see bench_item. */
static bool do_get(worker *w, int pool, bench_item *it, uint64_t seq,
                   uint64_t *token)
{
    phase *ph = w->ph;
    const bench_config *cfg = ph->cfg;
    size_t size = ph->sizes[pool];
    bool sample = ph->sample && (w->gets & SAMPLE_MASK) == 0;
    it->thread = w->index;
    it->seq = seq;
    uint64_t t = sample ? now_ns() : 0;
    int r = ph->impl->get(ph->ctxs[pool], it);
    if (sample)
        hist_add(w->get_lat, now_ns() - t);
    if (r < 0) {
        it->handle = NULL;
        fail(ph, "%s: get failed on thread %d: %s", ph->impl->name,
             w->index, strerror(-r));
        return false;
    }
    touch(cfg->touch, it->data, size, w->gets);
    if (cfg->verify) {
        *token = ((uint64_t)(w->index + 1) << SEQ_BITS) | (w->gets & SEQ_MASK);
        write_token(it->data, size, *token);
    }
    w->gets++;
    return true;
}

/* Checks the token, then releases.  A buffer whose token changed is not
 * released: it is (or was) also someone else's, and releasing it twice
 * could corrupt the allocator before the report gets out. */
static void do_release(worker *w, int pool, bench_item *it, uint64_t token)
{
    phase *ph = w->ph;
    const bench_config *cfg = ph->cfg;
    size_t size = ph->sizes[pool];
    if (!it->handle)
        return;
    if (cfg->verify) {
        uint64_t last, first = read_token(it->data, size, &last);
        uint64_t want = token, mask = UINT64_MAX;
        if (size < 8)
            mask = ((uint64_t)1 << (8 * size)) - 1;
        if ((first & mask) != (want & mask) || (last & mask) != (want & mask)) {
            uint64_t found = (first & mask) != (want & mask) ? first : last;
            uint64_t owner = found >> SEQ_BITS;
            char who[96];
            if (size >= 8 && owner >= 1 &&
                owner <= (uint64_t)workload_nthreads(cfg))
                snprintf(who, sizeof who, "the token of thread %d (get #%" PRIu64 ")",
                         (int)owner - 1, found & SEQ_MASK);
            else
                snprintf(who, sizeof who, "0x%016" PRIx64, found & mask);
            fail(ph, "verify: %s: buffer %p got by thread %d (get #%" PRIu64
                 ") holds %s when thread %d releases it: it was handed to "
                 "two holders at once", ph->impl->name, (void *)it->data,
                 (int)(token >> SEQ_BITS) - 1, token & SEQ_MASK, who, w->index);
            it->handle = NULL;
            return;
        }
    }
    bool sample = ph->sample && (w->releases & SAMPLE_MASK) == 0;
    uint64_t t = sample ? now_ns() : 0;
    ph->impl->release(ph->ctxs[pool], it);
    if (sample)
        hist_add(w->rel_lat, now_ns() - t);
    it->handle = NULL;
    w->releases++;
}

static void publish(worker *w, uint64_t n)
{
    atomic_store_explicit(&w->progress, n, memory_order_relaxed);
}

/* One batch of the local pattern without --verify and --latency: the same
 * gets, touches and releases as do_get/do_release, without their
 * per-operation checks, so that the harness's own cost (the same for every
 * implementation) weighs less in the figures.  Returns how many it got. */
static unsigned lean_batch(worker *w, unsigned k)
{
    phase *ph = w->ph;
    const impl_ops *impl = ph->impl;
    void *ctx = ph->ctxs[0];
    unsigned got = 0;
    for (; got < k; got++) {
        bench_item *it = &w->held[got];
        int r = impl->get(ctx, it);
        if (r < 0) {
            it->handle = NULL;
            fail(ph, "%s: get failed on thread %d: %s", impl->name,
                 w->index, strerror(-r));
            break;
        }
        touch(ph->cfg->touch, it->data, ph->cfg->size, w->gets + got);
    }
    w->gets += got;
    /* Reverse order: the last buffer got is the first released. */
    for (unsigned i = got; i-- > 0;) {
        impl->release(ctx, &w->held[i]);
        w->held[i].handle = NULL;
    }
    w->releases += got;
    return got;
}

static void run_local(worker *w)
{
    phase *ph = w->ph;
    unsigned hold = ph->cfg->hold;
    bool lean = !ph->cfg->verify && !ph->sample;
    /* Stop is checked after each batch, so every thread completes at least
     * one even when a very short --duration ends before it is scheduled. */
    for (;;) {
        uint64_t k = hold;
        if (ph->ops) {
            if (w->releases >= ph->ops)
                break;
            if (ph->ops - w->releases < k)
                k = ph->ops - w->releases;
        }
        unsigned got = 0;
        if (lean) {
            got = lean_batch(w, (unsigned)k);
        } else {
            while (got < k && do_get(w, 0, &w->held[got], 0, &w->tokens[got]))
                got++;
            /* Reverse order: the last buffer got is the first released. */
            for (unsigned i = got; i-- > 0;)
                do_release(w, 0, &w->held[i], w->tokens[i]);
        }
        publish(w, w->releases);
        if (got < k || stopped(ph))
            break;
    }
}

static void run_random(worker *w)
{
    phase *ph = w->ph;
    uint64_t n = ph->cfg->hold;
    if (ph->ops && ph->ops < n)
        n = ph->ops;
    uint64_t filled = 0;
    while (filled < n && do_get(w, 0, &w->held[filled], 0, &w->tokens[filled]))
        filled++;
    if (filled == n) {
        while (!ph->ops || w->gets < ph->ops) {
            uint64_t i = splitmix64(&w->rng) % n;
            do_release(w, 0, &w->held[i], w->tokens[i]);
            if (!do_get(w, 0, &w->held[i], 0, &w->tokens[i]))
                break;
            if ((w->releases & PUBLISH_MASK) == 0)
                publish(w, w->releases);
            if (stopped(ph))
                break;
        }
    }
    for (uint64_t i = 0; i < filled; i++)
        do_release(w, 0, &w->held[i], w->tokens[i]);
    publish(w, w->releases);
}

/* Waiting for another thread (the other end of a ring, the reorder queue):
 * spin briefly (the other thread is usually running and about to make
 * progress), then give the CPU away, so that the figure measures the pools
 * rather than the scheduler when both threads have a core, and still
 * progresses when they share one. */
static void wait_a_little(unsigned *spins)
{
    if (++*spins < 512) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    } else {
        *spins = 0;
        sched_yield();
    }
}

/* Without --verify and --latency the pipeline's threads call the
 * implementation directly, as lean_batch does, rather than through
 * do_get/do_release and their per-operation checks. */
static bool lean(const phase *ph)
{
    return !ph->cfg->verify && !ph->sample;
}

static void run_producer(worker *w)
{
    phase *ph = w->ph;
    ring *r = &ph->rings[w->index];
    ring_slot *slots = r->slots;
    const unsigned cap = r->cap;
    const bool fast = lean(ph);
    const impl_ops *impl = ph->impl;
    void *ctx = ph->ctxs[0];
    const enum touch how = ph->cfg->touch;
    const size_t size = ph->sizes[0];
    uint64_t t = 0, hc = 0;    /* tail; the copy of head (<= head) */
    unsigned ts = 0, spins = 0;
    bench_item it = {.thread = w->index};
    uint64_t token = 0;
    while (!ph->ops || w->gets < ph->ops) {
        if (fast) {
            it.seq = w->gets;
            int e = impl->get(ctx, &it);
            if (e < 0) {
                fail(ph, "%s: get failed on thread %d: %s", impl->name,
                     w->index, strerror(-e));
                break;
            }
            touch(how, it.data, size, w->gets);
            w->gets++;
        } else if (!do_get(w, 0, &it, w->gets, &token)) {
            break;
        }
        if (t - hc >= cap) {
            hc = atomic_load_explicit(&r->head, memory_order_acquire);
            while (t - hc >= cap) {
                if (stopped(ph)) {
                    /* The consumer may be gone (never created): release
                     * it here. */
                    do_release(w, 0, &it, token);
                    goto done;
                }
                wait_a_little(&spins);
                hc = atomic_load_explicit(&r->head, memory_order_acquire);
            }
        }
        slots[ts] = (ring_slot){it.handle, it.data, token};
        if (++ts == cap)
            ts = 0;
        atomic_store_explicit(&r->tail, ++t, memory_order_release);
        if ((w->gets & PUBLISH_MASK) == 0)
            publish(w, w->gets);
        if (stopped(ph))
            break;
    }
done:
    publish(w, w->gets);
    atomic_store_explicit(&r->closed, true, memory_order_release);
}

/* Releases everything ring r holds; returns whether there was anything. */
static bool drain(worker *w, ring *r)
{
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint64_t t = r->tail_cache;
    if (h == t) {
        t = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (h == t)
            return false;
        r->tail_cache = t;
    }
    unsigned hs = r->hslot;
    const unsigned cap = r->cap;
    bench_item it = {.thread = -1};
    if (lean(w->ph)) {
        const impl_ops *impl = w->ph->impl;
        void *ctx = w->ph->ctxs[0];
        w->releases += t - h;
        for (; h != t; h++) {
            it.handle = r->slots[hs].handle;
            it.data = r->slots[hs].data;
            impl->release(ctx, &it);
            if (++hs == cap)
                hs = 0;
        }
    } else {
        for (; h != t; h++) {
            const ring_slot *s = &r->slots[hs];
            it.handle = s->handle;
            it.data = s->data;
            do_release(w, 0, &it, s->token);
            if (++hs == cap)
                hs = 0;
        }
    }
    r->hslot = hs;
    atomic_store_explicit(&r->head, h, memory_order_release);
    return true;
}

static void run_consumer(worker *w)
{
    phase *ph = w->ph;
    int c = w->index - ph->nprod;
    unsigned spins = 0;
    for (;;) {
        bool all_closed = true, any = false;
        /* Consumer c serves producers c, c + ncons, ... */
        for (int p = c; p < ph->nprod; p += ph->ncons) {
            ring *r = &ph->rings[p];
            /* closed is read before draining: if it was set, nothing can
             * arrive after the drain finds the ring empty.  One batch per
             * ring per round, so that no producer starves another. */
            bool closed = atomic_load_explicit(&r->closed, memory_order_acquire);
            if (drain(w, r))
                any = true;
            while (closed && drain(w, r))
                ;
            all_closed &= closed;
        }
        publish(w, w->releases);
        if (all_closed)
            break;
        if (!any)
            wait_a_little(&spins);
    }
}

/* Waits until out_next > f - lag (f < out_next + lag); *seen caches
 * out_next.  The acquire load orders this thread's later writes to the
 * buffers of frame f - lag after the output thread's release of them. */
static void wait_out(decoder_state *d, uint64_t f, uint64_t lag, uint64_t *seen)
{
    unsigned spins = 0;
    while (f - *seen >= lag) {
        uint64_t o = atomic_load_explicit(&d->out_next, memory_order_acquire);
        if (f - o < lag) {
            *seen = o;
            break;
        }
        wait_a_little(&spins);
    }
}

static void run_decoder_worker(worker *w)
{
    phase *ph = w->ph;
    decoder_state *d = ph->dec;
    const int np = ph->cfg->nplanes, nres = ph->cfg->resolutions;
    const uint64_t depth = d->depth, nw = (uint64_t)ph->cfg->threads;
    uint64_t total = ph->ops * nw;      /* frames; 0: until stop */
    uint64_t seen = 0;
    bench_item items[MAX_PLANES];
    uint64_t tokens[MAX_PLANES];
    while (!stopped(ph)) {
        uint64_t f = atomic_fetch_add_explicit(&d->next_frame, 1,
                                               memory_order_relaxed);
        if (total && f >= total)
            break;
        /* Frames in flight are < out_next + D + W (see the header), so this
         * never waits; it orders the reuse of frame f - D - W's buffers
         * (impl none recycles them) after their release. */
        wait_out(d, f, depth + nw, &seen);
        int res = (int)(f % (uint64_t)nres), got = 0;
        int64_t bytes = 0;
        for (; got < np; got++) {
            int pool = res * np + got;
            if (!do_get(w, pool, &items[got], f, &tokens[got]))
                break;
            bytes += (int64_t)ph->sizes[pool];
        }
        for (int p = got; p < np; p++)
            items[p].handle = NULL;
        int64_t now = atomic_fetch_add_explicit(&d->in_use_bytes, bytes,
                                                memory_order_relaxed) + bytes;
        if (now > w->peak_bytes)
            w->peak_bytes = now;
        /* Even a frame whose get failed is published (with the buffers it
         * has): the output thread waits for every number taken. */
        wait_out(d, f, depth, &seen);
        rq_slot *s = &d->slots[f % depth];
        memcpy(s->items, items, sizeof items[0] * (size_t)np);
        memcpy(s->tokens, tokens, sizeof tokens[0] * (size_t)np);
        s->bytes = bytes;
        atomic_store_explicit(&s->ready, f + 1, memory_order_release);
        publish(w, w->gets);
        if (got < np)
            break;
    }
    publish(w, w->gets);
    atomic_fetch_sub_explicit(&d->workers_left, 1, memory_order_release);
}

static void run_decoder_output(worker *w)
{
    phase *ph = w->ph;
    decoder_state *d = ph->dec;
    const int np = ph->cfg->nplanes, nres = ph->cfg->resolutions;
    unsigned spins = 0;
    for (uint64_t next = 0;;) {
        rq_slot *s = &d->slots[next % d->depth];
        if (atomic_load_explicit(&s->ready, memory_order_acquire) != next + 1) {
            /* Every worker publishes each number it took before it leaves:
             * once all have left, a missing frame was never taken. */
            if (atomic_load_explicit(&d->workers_left, memory_order_acquire) == 0 &&
                atomic_load_explicit(&s->ready, memory_order_acquire) != next + 1)
                break;
            wait_a_little(&spins);
            continue;
        }
        int res = (int)(next % (uint64_t)nres);
        for (int p = 0; p < np; p++)
            do_release(w, res * np + p, &s->items[p], s->tokens[p]);
        atomic_fetch_sub_explicit(&d->in_use_bytes, s->bytes, memory_order_relaxed);
        next++;
        atomic_store_explicit(&d->out_next, next, memory_order_release);
        publish(w, w->releases);
    }
    publish(w, w->releases);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    phase *ph = w->ph;
    while (!atomic_load_explicit(&ph->go, memory_order_acquire))
        sched_yield();
    int e = ph->impl->thread_start ? ph->impl->thread_start() : 0;
    if (e < 0)
        fail(ph, "%s: cannot set up thread %d: %s", ph->impl->name, w->index,
             strerror(-e));
    w->t0 = now_ns();
    /* After a failure at start (thread creation), only pipeline consumers
     * and the decoder's threads have work: draining what was sent, and
     * publishing every frame number taken. */
    enum pattern pat = ph->cfg->pattern;
    if (!atomic_load(&ph->failed) || pat == PAT_PIPELINE || pat == PAT_DECODER) {
        switch (pat) {
        case PAT_LOCAL:  run_local(w); break;
        case PAT_RANDOM: run_random(w); break;
        case PAT_PIPELINE:
            if (w->index < ph->nprod)
                run_producer(w);
            else
                run_consumer(w);
            break;
        case PAT_DECODER:
            if (w->index == 0)
                run_decoder_output(w);
            else
                run_decoder_worker(w);
            break;
        }
    }
    w->t1 = now_ns();
    if (e == 0 && ph->impl->thread_stop)
        ph->impl->thread_stop();
    atomic_fetch_sub_explicit(&ph->running, 1, memory_order_release);
    return NULL;
}

void progress_clear(progress *pg)
{
    if (pg && pg->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        pg->shown = false;
    }
}

/* Threads whose progress counts releases (producers and decoder workers
 * count gets). */
static bool releaser(const worker *w)
{
    return strcmp(w->role, "producer") != 0 && strcmp(w->role, "worker") != 0;
}

static void progress_show(progress *pg, const char *what, uint64_t t_start,
                          worker *w, int n)
{
    uint64_t now = now_ns();
    if (!pg || !pg->enabled || now - pg->start_ns < 1000000000u)
        return;
    uint64_t pairs = 0;
    for (int i = 0; i < n; i++)
        if (releaser(&w[i]))
            pairs += atomic_load_explicit(&w[i].progress, memory_order_relaxed);
    double s = (double)(now - t_start) / 1e9;
    fprintf(stderr, "\r\033[K%s %s run %d/%d: %.1f s, %.2f M pairs/s",
            pg->impl, what, pg->run, pg->runs, s,
            s > 0 ? (double)pairs / s / 1e6 : 0.0);
    fflush(stderr);
    pg->shown = true;
}

/* Runs one phase: creates the threads, starts them together, stops them at
 * the deadline (duration mode) or lets them finish their ops, and joins. */
static int run_phase(phase *ph, worker *w, progress *pg, const char *what,
                     double seconds)
{
    const bench_config *cfg = ph->cfg;
    int n = workload_nthreads(cfg);
    int created = 0;
    atomic_init(&ph->go, false);
    atomic_init(&ph->stop, false);
    atomic_init(&ph->running, n);
    for (int i = 0; i < ph->nprod; i++) {
        ring *r = &ph->rings[i];
        atomic_init(&r->head, 0);
        atomic_init(&r->tail, 0);
        atomic_init(&r->closed, false);
        r->tail_cache = 0;
        r->hslot = 0;
    }
    decoder_state *d = ph->dec;
    if (d) {
        atomic_init(&d->next_frame, 0);
        atomic_init(&d->out_next, 0);
        atomic_init(&d->in_use_bytes, 0);
        atomic_init(&d->workers_left, cfg->threads);
        for (unsigned i = 0; i < d->depth; i++)
            atomic_init(&d->slots[i].ready, 0);
    }
    for (int i = 0; i < n; i++) {
        w[i].ph = ph;
        w[i].gets = w[i].releases = 0;
        w[i].peak_bytes = 0;
        atomic_init(&w[i].progress, 0);
        w[i].started = false;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
#if defined(HAVE_PTHREAD_SETAFFINITY_NP)
        if (w[i].cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(w[i].cpu, &set);
            int e = pthread_attr_setaffinity_np(&attr, sizeof set, &set);
            if (e) {
                fail(ph, "cannot pin thread %d to CPU %d: %s", i, w[i].cpu,
                     strerror(e));
                pthread_attr_destroy(&attr);
                break;
            }
        }
#endif
        int e = pthread_create(&w[i].tid, &attr, worker_main, &w[i]);
        pthread_attr_destroy(&attr);
        if (e) {
            fail(ph, "cannot create thread %d of %d: %s", i + 1, n, strerror(e));
            break;
        }
        w[i].started = true;
        created++;
    }
    /* Threads that were never created count as finished. */
    atomic_fetch_sub(&ph->running, n - created);
    if (cfg->pattern == PAT_PIPELINE)
        for (int i = created; i < ph->nprod; i++)
            atomic_store(&ph->rings[i].closed, true);
    /* The decoder's output thread is thread 0, created first: workers
     * never wait for an output thread that does not exist. */
    if (d && created < n)
        atomic_fetch_sub(&d->workers_left, created ? n - created : cfg->threads);

    uint64_t start = now_ns();
    uint64_t deadline = ph->ops ? UINT64_MAX : start + (uint64_t)(seconds * 1e9);
    uint64_t next_show = start;
    atomic_store_explicit(&ph->go, true, memory_order_release);
    while (atomic_load_explicit(&ph->running, memory_order_acquire) > 0) {
        /* Poll every 5 ms, but wake at the deadline itself so that short
         * --duration values are honoured. */
        uint64_t now = now_ns(), nap = 5 * 1000 * 1000;
        if (deadline > now && deadline - now < nap)
            nap = deadline - now;
        else if (now >= deadline)
            nap = 1000 * 1000;
        struct timespec ts = {0, (long)nap};
        nanosleep(&ts, NULL);
        now = now_ns();
        if (now >= deadline)
            atomic_store(&ph->stop, true);
        if (now >= next_show) {
            progress_show(pg, what, start, w, n);
            next_show = now + 200 * 1000 * 1000;
        }
    }
    for (int i = 0; i < n; i++)
        if (w[i].started)
            pthread_join(w[i].tid, NULL);
    return atomic_load(&ph->failed) ? EXIT_RUNTIME : 0;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;    /* KiB on Linux */
}

/* Resets the kernel's RSS high-water mark (Linux >= 4.0), so that each run
 * reports its own peak rather than the process's. */
static void reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "5", 1) != 1) {
            /* Not fatal: the figure is then the process's peak so far. */
        }
        close(fd);
    }
}

void run_result_free(run_result *r)
{
    free(r->threads);
    r->threads = NULL;
}

static void *xaligned(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 128, n ? n : 128) != 0)
        return NULL;
    memset(p, 0, n ? n : 128);
    return p;
}

/* Elements per thread slice of an array that threads write per operation
 * (held buffers, tokens): each slice starts on its own 128-byte boundary
 * (two cache lines, the adjacent-line prefetch pair) and is followed by
 * 128 bytes no thread writes (SLICE_GUARD), so threads never write the same
 * line nor neighbouring blocks.  Without the boundary the harness itself
 * bounced lines between cores on every get and release; without the guard,
 * slices filled to their end (4 bench_items of 32 bytes) still cost every
 * implementation about 40 % of its 2-thread local throughput (the CPU's
 * prefetchers pull the next block).  elem must divide 128. */
#define SLICE_GUARD 128
static size_t slice(size_t count, size_t elem)
{
    return (((count * elem + 127) & ~(size_t)127) + SLICE_GUARD) / elem;
}

/* Sums the pools' statistics into out; bytes from each pool's size. */
static void collect_stats(const phase *ph, int npools, const uint64_t *gets,
                          impl_stats *out)
{
    bool peak_known = true, bytes_known = true;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < npools; i++) {
        /* Implementations that do not know set no peak_bytes. */
        impl_stats st = {.peak_bytes = -1};
        ph->impl->stats(ph->ctxs[i], gets[i], &st);
        int64_t size = (int64_t)ph->sizes[i];
#define SUM(f) out->f = (i && out->f < 0) || st.f < 0 ? -1 : out->f + st.f
        SUM(allocs);
        SUM(reuses);
        SUM(peak_in_use);
        SUM(in_use);
        SUM(idle);
#undef SUM
        if (st.peak_bytes < 0)
            bytes_known = false;
        else
            out->peak_bytes += st.peak_bytes;
        if (st.peak_in_use < 0 || st.peak_in_use > INT64_MAX / size)
            peak_known = false;
        else
            out->peak_in_use_bytes += st.peak_in_use * size;
    }
    if (!bytes_known)
        out->peak_bytes = -1;
    if (!peak_known)
        out->peak_in_use_bytes = -1;
}

int workload_run(const bench_config *cfg, const impl_ops *impl,
                 run_result *out, progress *pg, char *err, size_t errlen)
{
    int n = workload_nthreads(cfg);
    int npools = workload_npools(cfg);
    int ret = EXIT_RUNTIME;
    phase ph = {
        .cfg = cfg, .impl = impl, .err = err, .errlen = errlen,
    };
    atomic_init(&ph.failed, 0);
    memset(out, 0, sizeof *out);
    worker *w = xaligned(sizeof *w * (size_t)n);
    thread_result *tr = calloc((size_t)n, sizeof *tr);
    hist *scratch = calloc(2, sizeof *scratch);
    ph.ctxs = calloc((size_t)npools, sizeof *ph.ctxs);
    ph.sizes = calloc((size_t)npools, sizeof *ph.sizes);
    uint64_t *pool_gets = calloc((size_t)npools, sizeof *pool_gets);
    bench_config *pcfg = malloc(sizeof *pcfg);
    _Static_assert(128 % sizeof(bench_item) == 0 && 128 % sizeof(uint64_t) == 0,
                   "slices of 128 bytes");
    size_t hs = slice(cfg->hold, sizeof(bench_item));
    size_t ts = slice(cfg->hold, sizeof(uint64_t));
    /* Ring slots (24 bytes) do not divide 128: slice by bytes. */
    size_t rs = (((size_t)workload_depth(cfg) * sizeof(ring_slot) + 127) &
                 ~(size_t)127) + SLICE_GUARD;
    bench_item *held = xaligned((size_t)n * hs * sizeof *held);
    uint64_t *tokens = xaligned((size_t)n * ts * sizeof *tokens);
    ring_slot *slots = NULL;
    bool alloc_ok = true;
    if (cfg->pattern == PAT_PIPELINE) {
        ph.nprod = (n + 1) / 2;
        ph.ncons = n / 2;
        ph.rings = xaligned(sizeof *ph.rings * (size_t)ph.nprod);
        slots = xaligned((size_t)ph.nprod * rs);
        alloc_ok = ph.rings && slots;
    } else if (cfg->pattern == PAT_DECODER) {
        ph.dec = xaligned(sizeof *ph.dec);
        if (ph.dec) {
            ph.dec->depth = workload_depth(cfg);
            ph.dec->slots = xaligned(sizeof *ph.dec->slots * ph.dec->depth);
        }
        alloc_ok = ph.dec && ph.dec->slots;
    }
    if (!w || !tr || !scratch || !held || !tokens || !ph.ctxs || !ph.sizes ||
        !pool_gets || !pcfg || !alloc_ok) {
        snprintf(err, errlen, "out of memory setting up %d threads", n);
        goto out;
    }
    for (int i = 0; i < ph.nprod; i++) {
        ph.rings[i].cap = workload_depth(cfg);
        ph.rings[i].slots = (ring_slot *)(void *)((char *)slots + (size_t)i * rs);
    }
    for (int i = 0; i < n; i++) {
        w[i].index = i;
        w[i].cpu = cfg->ncpus ? cfg->cpus[i % cfg->ncpus] : -1;
        w[i].held = held + (size_t)i * hs;
        w[i].tokens = tokens + (size_t)i * ts;
        for (unsigned k = 0; k < cfg->hold; k++)
            w[i].held[k].thread = i;
        uint64_t s = cfg->seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15u);
        w[i].rng = splitmix64(&s);
        switch (cfg->pattern) {
        case PAT_LOCAL: w[i].role = "local"; break;
        case PAT_RANDOM: w[i].role = "random"; break;
        case PAT_PIPELINE: w[i].role = i < ph.nprod ? "producer" : "consumer"; break;
        case PAT_DECODER: w[i].role = i == 0 ? "output" : "worker"; break;
        }
    }

    reset_peak_rss();
    int opened = 0;
    for (; opened < npools; opened++) {
        ph.sizes[opened] = workload_pool_size(cfg, opened);
        *pcfg = *cfg;
        pcfg->size = ph.sizes[opened];
        int e = impl->open(pcfg, &ph.ctxs[opened]);
        if (e < 0) {
            snprintf(err, errlen, "%s: cannot create the pool (%zu-byte buffers): %s",
                     impl->name, ph.sizes[opened], strerror(-e));
            goto close;
        }
    }
    if (ph.dec)
        for (int k = 0; k < cfg->resolutions; k++)
            for (int p = 0; p < cfg->nplanes; p++)
                ph.dec->frame_bytes[k] += (int64_t)ph.sizes[k * cfg->nplanes + p];

    uint64_t gets = 0;
    if (cfg->warmup > 0) {
        ph.ops = 0;
        ph.sample = false;
        for (int i = 0; i < n; i++) {
            w[i].get_lat = &scratch[0];
            w[i].rel_lat = &scratch[1];
        }
        if (run_phase(&ph, w, pg, "warmup", cfg->warmup) != 0)
            goto close;
        for (int i = 0; i < n; i++)
            gets += w[i].gets;
    }
    uint64_t warm_frames = ph.dec ? atomic_load(&ph.dec->out_next) : 0;
    ph.ops = cfg->ops;
    ph.sample = cfg->latency;
    for (int i = 0; i < n; i++) {
        w[i].get_lat = &tr[i].get_lat;
        w[i].rel_lat = &tr[i].rel_lat;
    }
    if (run_phase(&ph, w, pg, "measuring", cfg->duration) != 0)
        goto close;

    uint64_t t0 = UINT64_MAX, t1 = 0;
    int64_t peak = 0;
    for (int i = 0; i < n; i++) {
        thread_result *t = &tr[i];
        t->index = i;
        t->cpu = w[i].cpu;
        t->role = w[i].role;
        t->pairs = releaser(&w[i]) ? w[i].releases : w[i].gets;
        t->seconds = (double)(w[i].t1 - w[i].t0) / 1e9;
        out->pairs += w[i].releases;
        gets += w[i].gets;
        if (w[i].peak_bytes > peak)
            peak = w[i].peak_bytes;
        hist_merge(&out->get_lat, &t->get_lat);
        hist_merge(&out->rel_lat, &t->rel_lat);
        if (w[i].t0 < t0) t0 = w[i].t0;
        if (w[i].t1 > t1) t1 = w[i].t1;
    }
    out->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
    out->pairs_per_sec = out->seconds > 0 ? (double)out->pairs / out->seconds : 0;
    out->gets = gets;
    /* Gets per pool: one pool, or (decoder) frame f took one buffer from
     * each plane's pool of resolution f mod --pools. */
    if (ph.dec) {
        uint64_t frames = warm_frames + atomic_load(&ph.dec->out_next);
        for (int k = 0; k < cfg->resolutions; k++) {
            uint64_t fk = frames / (uint64_t)cfg->resolutions +
                          ((uint64_t)k < frames % (uint64_t)cfg->resolutions);
            for (int p = 0; p < cfg->nplanes; p++)
                pool_gets[k * cfg->nplanes + p] = fk;
        }
    } else {
        pool_gets[0] = gets;
    }
    collect_stats(&ph, npools, pool_gets, &out->stats);
    if (ph.dec)
        out->stats.peak_in_use_bytes = peak;
    out->peak_rss_kib = peak_rss_kib();
    out->nthreads = n;
    out->threads = tr;
    tr = NULL;
    ret = 0;
close:
    for (int i = 0; i < opened; i++)
        impl->close(ph.ctxs[i]);
out:
    free(w);
    free(tr);
    free(scratch);
    free(held);
    free(tokens);
    free(ph.rings);
    free(slots);
    if (ph.dec)
        free(ph.dec->slots);
    free(ph.dec);
    free(ph.ctxs);
    free(ph.sizes);
    free(pool_gets);
    free(pcfg);
    return ret;
}
