/* workload.c - the benchmark's threads and its three patterns.
 *
 *   local     each thread gets --hold buffers, then releases them in reverse
 *             order (a decoder's frames in flight), all on one thread;
 *   random    each thread keeps --hold buffers and replaces one chosen by a
 *             seeded generator per step, so releases come in random order;
 *   pipeline  the first half of the threads (rounded up) are producers: they
 *             get buffers and pass them through a bounded single-producer /
 *             single-consumer ring (depth --hold) to a consumer thread,
 *             which releases them.  Every release is cross-thread.
 *
 * A run is a warmup phase (unmeasured, --warmup seconds) and a measured
 * phase on the same pool, so the measured phase sees a warm pool as a
 * long-running program would.  Threads are created before the clock starts
 * and wait for a start flag; each records its own start and end, and the
 * run's time is from the first start to the last end.
 *
 * Latency is sampled (one get and one release in 64, per thread) so that
 * reading the clock does not distort the throughput measured at the same
 * time.  With --verify each holder writes a token unique to (thread, get
 * number) into the first and last 8 bytes of every buffer it gets and
 * checks it before release; in the pipeline the token travels with the
 * buffer through the ring and the consumer checks it. */
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

/* Single-producer / single-consumer ring: head is advanced by the consumer,
 * tail by the producer, each on its own cache line.  The release store of
 * tail publishes the slot (and the buffer's contents and token) to the
 * consumer's acquire load; the release store of head hands the slot back. */
typedef struct ring_slot {
    bench_item it;
    uint64_t   token;
} ring_slot;

typedef struct ring {
    alignas(64) atomic_uint_fast64_t head;
    alignas(64) atomic_uint_fast64_t tail;
    alignas(64) atomic_bool closed;   /* the producer pushes no more */
    unsigned   cap;
    ring_slot *slots;
} ring;

static bool ring_push(ring *r, const ring_slot *s)
{
    uint_fast64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint_fast64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    if (t - h >= r->cap)
        return false;
    r->slots[t % r->cap] = *s;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return true;
}

static bool ring_pop(ring *r, ring_slot *s)
{
    uint_fast64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint_fast64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (h == t)
        return false;
    *s = r->slots[h % r->cap];
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return true;
}

typedef struct phase {
    const bench_config *cfg;
    const impl_ops     *impl;
    void               *ctx;
    uint64_t            ops;        /* per thread; 0: until stop */
    bool                sample;     /* record latency */
    atomic_bool         go, stop;
    atomic_int          running;
    atomic_int          failed;
    char               *err;
    size_t              errlen;
    ring               *rings;
    int                 nprod, ncons;
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

static void touch(const bench_config *cfg, uint8_t *d, uint64_t x)
{
    switch (cfg->touch) {
    case TOUCH_NONE:
        break;
    case TOUCH_FIRST:
        d[0] = (uint8_t)x;
        break;
    case TOUCH_ALL:
        for (size_t off = 0; off < cfg->size; off += 64)
            d[off] = (uint8_t)x;
        break;
    }
}

static bool do_get(worker *w, bench_item *it, uint64_t *token)
{
    phase *ph = w->ph;
    const bench_config *cfg = ph->cfg;
    bool sample = ph->sample && (w->gets & SAMPLE_MASK) == 0;
    uint64_t t = sample ? now_ns() : 0;
    int r = ph->impl->get(ph->ctx, it);
    if (sample)
        hist_add(w->get_lat, now_ns() - t);
    if (r < 0) {
        it->handle = NULL;
        fail(ph, "%s: get failed on thread %d: %s", ph->impl->name,
             w->index, strerror(-r));
        return false;
    }
    touch(cfg, it->data, w->gets);
    if (cfg->verify) {
        *token = ((uint64_t)(w->index + 1) << SEQ_BITS) | (w->gets & SEQ_MASK);
        write_token(it->data, cfg->size, *token);
    }
    w->gets++;
    return true;
}

/* Checks the token, then releases.  A buffer whose token changed is not
 * released: it is (or was) also someone else's, and releasing it twice
 * could corrupt the allocator before the report gets out. */
static void do_release(worker *w, bench_item *it, uint64_t token)
{
    phase *ph = w->ph;
    const bench_config *cfg = ph->cfg;
    if (!it->handle)
        return;
    if (cfg->verify) {
        uint64_t last, first = read_token(it->data, cfg->size, &last);
        uint64_t want = token, mask = UINT64_MAX;
        if (cfg->size < 8)
            mask = ((uint64_t)1 << (8 * cfg->size)) - 1;
        if ((first & mask) != (want & mask) || (last & mask) != (want & mask)) {
            uint64_t found = (first & mask) != (want & mask) ? first : last;
            uint64_t owner = found >> SEQ_BITS;
            char who[96];
            if (cfg->size >= 8 && owner >= 1 && owner <= (uint64_t)cfg->threads)
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
    ph->impl->release(ph->ctx, it);
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
    void *ctx = ph->ctx;
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
        touch(ph->cfg, it->data, w->gets + got);
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
            while (got < k && do_get(w, &w->held[got], &w->tokens[got]))
                got++;
            /* Reverse order: the last buffer got is the first released. */
            for (unsigned i = got; i-- > 0;)
                do_release(w, &w->held[i], w->tokens[i]);
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
    while (filled < n && do_get(w, &w->held[filled], &w->tokens[filled]))
        filled++;
    if (filled == n) {
        while (!ph->ops || w->gets < ph->ops) {
            uint64_t i = splitmix64(&w->rng) % n;
            do_release(w, &w->held[i], w->tokens[i]);
            if (!do_get(w, &w->held[i], &w->tokens[i]))
                break;
            if ((w->releases & PUBLISH_MASK) == 0)
                publish(w, w->releases);
            if (stopped(ph))
                break;
        }
    }
    for (uint64_t i = 0; i < filled; i++)
        do_release(w, &w->held[i], w->tokens[i]);
    publish(w, w->releases);
}

/* Waiting for the other end of a ring: spin briefly (the other thread is
 * usually running and about to make progress), then give the CPU away, so
 * that the figure measures the pools rather than the scheduler when both
 * threads have a core, and still progresses when they share one. */
static void ring_wait(unsigned *spins)
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

static void run_producer(worker *w)
{
    phase *ph = w->ph;
    ring *out = &ph->rings[w->index];
    ring_slot s;
    unsigned spins = 0;
    while (!ph->ops || w->gets < ph->ops) {
        if (!do_get(w, &s.it, &s.token))
            break;
        while (!ring_push(out, &s)) {
            if (stopped(ph)) {
                /* The consumer may be gone: release it here. */
                do_release(w, &s.it, s.token);
                goto done;
            }
            ring_wait(&spins);
        }
        if ((w->gets & PUBLISH_MASK) == 0)
            publish(w, w->gets);
        if (stopped(ph))
            break;
    }
done:
    publish(w, w->gets);
    atomic_store_explicit(&out->closed, true, memory_order_release);
}

static void run_consumer(worker *w)
{
    phase *ph = w->ph;
    int c = w->index - ph->nprod;
    ring_slot s;
    unsigned spins = 0;
    for (;;) {
        bool all_closed = true, any = false;
        /* Consumer c serves producers c, c + ncons, ... */
        for (int p = c; p < ph->nprod; p += ph->ncons) {
            ring *r = &ph->rings[p];
            /* closed is read before draining: if it was set, nothing can
             * arrive after the drain finds the ring empty. */
            bool closed = atomic_load_explicit(&r->closed, memory_order_acquire);
            while (ring_pop(r, &s)) {
                do_release(w, &s.it, s.token);
                any = true;
                if ((w->releases & PUBLISH_MASK) == 0)
                    publish(w, w->releases);
            }
            all_closed &= closed;
        }
        if (all_closed)
            break;
        if (!any)
            ring_wait(&spins);
    }
    publish(w, w->releases);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    phase *ph = w->ph;
    while (!atomic_load_explicit(&ph->go, memory_order_acquire))
        sched_yield();
    w->t0 = now_ns();
    /* After a failure at start (thread creation), only pipeline consumers
     * have work: draining what producers already sent. */
    if (!atomic_load(&ph->failed) || ph->cfg->pattern == PAT_PIPELINE) {
        switch (ph->cfg->pattern) {
        case PAT_LOCAL:  run_local(w); break;
        case PAT_RANDOM: run_random(w); break;
        case PAT_PIPELINE:
            if (w->index < ph->nprod)
                run_producer(w);
            else
                run_consumer(w);
            break;
        }
    }
    w->t1 = now_ns();
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

static void progress_show(progress *pg, const char *what, uint64_t t_start,
                          worker *w, int n)
{
    uint64_t now = now_ns();
    if (!pg || !pg->enabled || now - pg->start_ns < 1000000000u)
        return;
    uint64_t pairs = 0;
    for (int i = 0; i < n; i++)
        if (strcmp(w[i].role, "producer") != 0)
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
    int n = cfg->threads;
    int created = 0;
    atomic_init(&ph->go, false);
    atomic_init(&ph->stop, false);
    atomic_init(&ph->running, n);
    for (int i = 0; i < ph->nprod; i++) {
        ring *r = &ph->rings[i];
        atomic_init(&r->head, 0);
        atomic_init(&r->tail, 0);
        atomic_init(&r->closed, false);
    }
    for (int i = 0; i < n; i++) {
        w[i].ph = ph;
        w[i].gets = w[i].releases = 0;
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
 * (held buffers, tokens, ring slots): each slice starts on its own 128-byte
 * boundary (two cache lines, the adjacent-line prefetch pair), so threads
 * never write the same line.  Without it the harness itself bounced lines
 * between cores on every get and release and under-reported multi-thread
 * throughput of every implementation.  elem must divide 128. */
static size_t slice(size_t count, size_t elem)
{
    return ((count * elem + 127) & ~(size_t)127) / elem;
}

int workload_run(const bench_config *cfg, const impl_ops *impl,
                 run_result *out, progress *pg, char *err, size_t errlen)
{
    int n = cfg->threads;
    int ret = EXIT_RUNTIME;
    phase ph = {
        .cfg = cfg, .impl = impl, .err = err, .errlen = errlen,
    };
    atomic_init(&ph.failed, 0);
    memset(out, 0, sizeof *out);
    worker *w = xaligned(sizeof *w * (size_t)n);
    thread_result *tr = calloc((size_t)n, sizeof *tr);
    hist *scratch = calloc(2, sizeof *scratch);
    _Static_assert(128 % sizeof(bench_item) == 0 && 128 % sizeof(uint64_t) == 0,
                   "slices of 128 bytes");
    size_t hs = slice(cfg->hold, sizeof(bench_item));
    size_t ts = slice(cfg->hold, sizeof(uint64_t));
    /* Ring slots (24 bytes) do not divide 128: slice by bytes. */
    size_t rs = ((size_t)cfg->hold * sizeof(ring_slot) + 127) & ~(size_t)127;
    bench_item *held = xaligned((size_t)n * hs * sizeof *held);
    uint64_t *tokens = xaligned((size_t)n * ts * sizeof *tokens);
    ring_slot *slots = NULL;
    if (cfg->pattern == PAT_PIPELINE) {
        ph.nprod = (n + 1) / 2;
        ph.ncons = n / 2;
        ph.rings = xaligned(sizeof *ph.rings * (size_t)ph.nprod);
        slots = xaligned((size_t)ph.nprod * rs);
    }
    if (!w || !tr || !scratch || !held || !tokens ||
        (cfg->pattern == PAT_PIPELINE && (!ph.rings || !slots))) {
        snprintf(err, errlen, "out of memory setting up %d threads", n);
        goto out;
    }
    for (int i = 0; i < ph.nprod; i++) {
        ph.rings[i].cap = cfg->hold;
        ph.rings[i].slots = (ring_slot *)(void *)((char *)slots + (size_t)i * rs);
    }
    for (int i = 0; i < n; i++) {
        w[i].index = i;
        w[i].cpu = cfg->ncpus ? cfg->cpus[i % cfg->ncpus] : -1;
        w[i].held = held + (size_t)i * hs;
        w[i].tokens = tokens + (size_t)i * ts;
        uint64_t s = cfg->seed ^ ((uint64_t)i * 0x9e3779b97f4a7c15u);
        w[i].rng = splitmix64(&s);
        w[i].role = cfg->pattern == PAT_LOCAL ? "local"
                  : cfg->pattern == PAT_RANDOM ? "random"
                  : i < ph.nprod ? "producer" : "consumer";
    }

    reset_peak_rss();
    int e = impl->open(cfg, &ph.ctx);
    if (e < 0) {
        snprintf(err, errlen, "%s: cannot create the pool (%zu-byte buffers): %s",
                 impl->name, cfg->size, strerror(-e));
        goto out;
    }

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
    ph.ops = cfg->ops;
    ph.sample = cfg->latency;
    for (int i = 0; i < n; i++) {
        w[i].get_lat = &tr[i].get_lat;
        w[i].rel_lat = &tr[i].rel_lat;
    }
    if (run_phase(&ph, w, pg, "measuring", cfg->duration) != 0)
        goto close;

    uint64_t t0 = UINT64_MAX, t1 = 0;
    for (int i = 0; i < n; i++) {
        thread_result *t = &tr[i];
        t->index = i;
        t->cpu = w[i].cpu;
        t->role = w[i].role;
        t->pairs = strcmp(w[i].role, "producer") == 0 ? w[i].gets : w[i].releases;
        t->seconds = (double)(w[i].t1 - w[i].t0) / 1e9;
        out->pairs += w[i].releases;
        gets += w[i].gets;
        hist_merge(&out->get_lat, &t->get_lat);
        hist_merge(&out->rel_lat, &t->rel_lat);
        if (w[i].t0 < t0) t0 = w[i].t0;
        if (w[i].t1 > t1) t1 = w[i].t1;
    }
    out->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
    out->pairs_per_sec = out->seconds > 0 ? (double)out->pairs / out->seconds : 0;
    out->gets = gets;
    impl->stats(ph.ctx, gets, &out->stats);
    out->peak_rss_kib = peak_rss_kib();
    out->nthreads = n;
    out->threads = tr;
    tr = NULL;
    ret = 0;
close:
    impl->close(ph.ctx);
out:
    free(w);
    free(tr);
    free(scratch);
    free(held);
    free(tokens);
    free(ph.rings);
    free(slots);
    return ret;
}
