/* bare-ring.c - the hand-off alone: one producer passes preallocated
 * buffers to one consumer through a bounded single-producer /
 * single-consumer ring, both spinning; no pool, no harness.  The floor for
 * `bufpool-bench -p pipeline -t 2 -i none` (issue 12: the harness must
 * measure the pools, not itself; `make bench` compares the two).
 *
 *   bench/bare-ring [-s SIZE] [-D DEPTH] [-d SECONDS] [-r RUNS] [-c CPU]
 *
 * -c pins both threads to one CPU: with a deep queue they then take turns
 * (the producer fills it, the consumer empties it), and pairs/s measures
 * the CPU work per pair with neither cache-line transfers nor the
 * scheduler's choices between CPUs in it.
 *
 * The producer writes the first byte of each buffer (as bufpool-bench's
 * default --touch first), the consumer reads it.  Buffers cycle through
 * DEPTH + 2 per the same argument as impl none.  Prints one CSV line per
 * run: size,depth,seconds,pairs,pairs_per_sec; exit status 1 if a buffer
 * arrived out of order.
 *
 * The ring is the textbook one (Lamport's, with each side caching the
 * other's index on its own cache line), written here independently of
 * cli/workload.c so that it is a reference, not a copy. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct side {
    alignas(64) atomic_uint_fast64_t index;
    uint64_t other;            /* cached copy of the other side's index */
} side;

static struct {
    side prod, cons;
    alignas(64) atomic_bool stop;
    uint8_t **slots;
    unsigned cap;
    uint8_t *mem;
    size_t stride;
    unsigned nbuf;
    uint64_t bad;
} R;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void relax(unsigned *spins)
{
    if (++*spins < 512) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        *spins = 0;
        sched_yield();
    }
}

static void *producer(void *arg)
{
    (void)arg;
    uint64_t t = 0;
    unsigned spins = 0, ti = 0, bi = 0;
    while (!atomic_load_explicit(&R.stop, memory_order_relaxed)) {
        uint8_t *b = R.mem + (size_t)bi * R.stride;
        if (++bi == R.nbuf)
            bi = 0;
        b[0] = (uint8_t)t;
        while (t - R.prod.other >= R.cap) {
            R.prod.other = atomic_load_explicit(&R.cons.index, memory_order_acquire);
            if (t - R.prod.other >= R.cap) {
                if (atomic_load_explicit(&R.stop, memory_order_relaxed))
                    goto out;
                relax(&spins);
            }
        }
        R.slots[ti] = b;
        if (++ti == R.cap)
            ti = 0;
        atomic_store_explicit(&R.prod.index, ++t, memory_order_release);
    }
out:
    /* UINT64_MAX: the consumer drains up to the last index and stops. */
    return NULL;
}

static void *consumer(void *arg)
{
    uint64_t *count = arg;
    uint64_t h = 0;
    unsigned spins = 0, hi = 0;
    for (;;) {
        uint64_t t = R.cons.other;
        if (h == t) {
            t = R.cons.other = atomic_load_explicit(&R.prod.index, memory_order_acquire);
            if (h == t) {
                if (atomic_load_explicit(&R.stop, memory_order_acquire) &&
                    h == atomic_load_explicit(&R.prod.index, memory_order_acquire))
                    break;
                relax(&spins);
                continue;
            }
        }
        for (; h != t; h++) {
            if (R.slots[hi][0] != (uint8_t)h)
                R.bad++;
            if (++hi == R.cap)
                hi = 0;
        }
        atomic_store_explicit(&R.cons.index, h, memory_order_release);
    }
    *count = h;
    return NULL;
}

static unsigned long arg_num(const char *opt, const char *s, unsigned long lo,
                             unsigned long hi)
{
    char *e;
    errno = 0;
    unsigned long v = strtoul(s, &e, 10);
    if (errno || *e || v < lo || v > hi) {
        fprintf(stderr, "bare-ring: %s: invalid value '%s' (expected %lu to %lu)\n",
                opt, s, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    size_t size = 4096;
    unsigned depth = 4, runs = 1;
    long cpu = -1;
    double seconds = 1;
    int c;
    while ((c = getopt(argc, argv, "s:D:d:r:c:")) != -1) {
        switch (c) {
        case 'c': cpu = (long)arg_num("-c", optarg, 0, CPU_SETSIZE - 1); break;
        case 's': size = arg_num("-s", optarg, 1, 1ul << 30); break;
        case 'D': depth = (unsigned)arg_num("-D", optarg, 1, 65536); break;
        case 'r': runs = (unsigned)arg_num("-r", optarg, 1, 1000); break;
        case 'd': {
            char *e;
            seconds = strtod(optarg, &e);
            if (*e || !(seconds > 0 && seconds < 86400)) {
                fprintf(stderr, "bare-ring: -d: invalid value '%s'\n", optarg);
                return 2;
            }
            break;
        }
        default:
            fprintf(stderr, "usage: bare-ring [-s SIZE] [-D DEPTH] [-d SECONDS] "
                    "[-r RUNS] [-c CPU]\n");
            return 2;
        }
    }
    R.cap = depth;
    R.nbuf = depth + 2;
    R.stride = (size + 63) & ~(size_t)63;
    R.slots = calloc(depth, sizeof *R.slots);
    if (!R.slots || posix_memalign((void **)&R.mem, 64, R.stride * R.nbuf) != 0) {
        fprintf(stderr, "bare-ring: out of memory\n");
        return 1;
    }
    memset(R.mem, 0, R.stride * R.nbuf);
    printf("size,depth,seconds,pairs,pairs_per_sec\n");
    for (unsigned r = 0; r < runs; r++) {
        atomic_store(&R.stop, false);
        atomic_store(&R.prod.index, 0);
        atomic_store(&R.cons.index, 0);
        R.prod.other = R.cons.other = 0;
        uint64_t count = 0;
        pthread_t p, q;
        uint64_t t0 = now_ns();
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET((int)cpu, &set);
            pthread_attr_setaffinity_np(&attr, sizeof set, &set);
        }
        int e = pthread_create(&q, &attr, consumer, &count);
        if (!e && (e = pthread_create(&p, &attr, producer, NULL)) != 0) {
            atomic_store(&R.stop, true);
            pthread_join(q, NULL);
        }
        pthread_attr_destroy(&attr);
        if (e) {
            fprintf(stderr, "bare-ring: cannot create threads%s: %s\n",
                    cpu >= 0 ? " on that CPU" : "", strerror(e));
            return 1;
        }
        struct timespec ts = {(time_t)seconds,
                              (long)((seconds - (double)(time_t)seconds) * 1e9)};
        nanosleep(&ts, NULL);
        atomic_store(&R.stop, true);
        pthread_join(p, NULL);
        pthread_join(q, NULL);
        double s = (double)(now_ns() - t0) / 1e9;
        printf("%zu,%u,%.6f,%llu,%.1f\n", size, depth, s,
               (unsigned long long)count, (double)count / s);
    }
    if (R.bad) {
        fprintf(stderr, "bare-ring: %llu buffers arrived out of order\n",
                (unsigned long long)R.bad);
        return 1;
    }
    free(R.slots);
    free(R.mem);
    return 0;
}
