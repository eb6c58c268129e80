/* manypools.c - one thread cycling over N live pools (issue 11, row 8).
 *
 *   bench/manypools [-d SECONDS] [-r REPEAT] [N ...]
 *
 * For each N (default 1 8 64 256 1000 4000) it makes N pools of 4 KiB
 * buffers and, on one thread, gets one buffer from pool 0, writes its
 * first byte, releases it, then pool 1, ..., pool N-1, and round again:
 * the shape of an FFmpeg decoder that keeps 30-60 pools (one per plane
 * size and frame type).  It prints ns per get+release pair (the median of
 * REPEAT runs of SECONDS each, interleaved) and the ratio to N = 1, then
 * one verdict
 * line: PASS when the cost at 1000 pools is at most 3 times the cost at
 * 1 pool (no cliff), else FAIL (exit status 1). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bufpool.h"

#define SIZE 4096
#define LIMIT 3.0     /* 1000 pools cost at most LIMIT x 1 pool */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ns per pair of one timed run over pools[0..n). */
static double run(bp_pool **pools, long n, double seconds)
{
    unsigned long pairs = 0;
    double t0 = now_s(), t;
    do {
        for (int k = 0; k < 64; k++)
            for (long i = 0; i < n; i++) {
                bp_ref *r = bp_pool_get(pools[i]);
                if (!r) {
                    perror("bp_pool_get");
                    exit(2);
                }
                r->data[0] = (uint8_t)i;
                bp_unref(&r);
            }
        pairs += 64 * (unsigned long)n;
    } while ((t = now_s()) - t0 < seconds);
    return (t - t0) * 1e9 / (double)pairs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bp_pool **make_pools(long n)
{
    bp_pool **pools = calloc((size_t)n, sizeof(*pools));
    if (!pools) {
        perror("calloc");
        exit(2);
    }
    for (long i = 0; i < n; i++)
        if (!(pools[i] = bp_pool_init(SIZE, NULL))) {
            perror("bp_pool_init");
            exit(2);
        }
    return pools;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    double seconds = 0.3;
    int repeat = 5;
    long counts[32];
    int nc = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "-d") && i + 1 < argc) {
            seconds = strtod(argv[++i], &end);
            if (*end || !(seconds > 0 && seconds <= 60))
                goto usage;
        } else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
            repeat = (int)strtol(argv[++i], &end, 10);
            if (*end || repeat < 1 || repeat > 100)
                goto usage;
        } else {
            long n = strtol(argv[i], &end, 10);
            if (*end || n < 1 || n > 100000 || nc == 30)
                goto usage;
            counts[nc++] = n;
        }
    }
    if (!nc) {
        static const long def[] = { 1, 8, 64, 256, 1000, 4000 };
        for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
            counts[nc++] = def[i];
    }
    /* 1 and 1000 are always measured (the verdict compares them).  All
     * pool sets exist at once and the runs are interleaved (every count
     * once per round, REPEAT rounds), so that a change in the machine's
     * load hits every count alike. */
    int i1 = -1, i1000 = -1;
    for (int i = 0; i < nc; i++) {
        if (counts[i] == 1)
            i1 = i;
        if (counts[i] == 1000)
            i1000 = i;
    }
    if (i1 < 0 && nc < 32)
        counts[i1 = nc++] = 1;
    if (i1000 < 0 && nc < 32)
        counts[i1000 = nc++] = 1000;
    bp_pool **sets[32];
    double ns[32][100];
    for (int i = 0; i < nc; i++) {
        sets[i] = make_pools(counts[i]);
        run(sets[i], counts[i], seconds / 4);  /* warm up: buffers made */
    }
    for (int k = 0; k < repeat; k++)
        for (int i = 0; i < nc; i++)
            ns[i][k] = run(sets[i], counts[i], seconds);
    double med[32];
    for (int i = 0; i < nc; i++)
        med[i] = median(ns[i], repeat);
    printf("pools  ns/pair  x 1 pool   (one thread, %d B buffers, median "
           "of %d interleaved runs of %.2f s)\n", SIZE, repeat, seconds);
    for (int i = 0; i < nc; i++)
        printf("%5ld  %7.1f  %8.2f\n", counts[i], med[i], med[i] / med[i1]);
    double ratio = med[i1000] / med[i1];
    int pass = ratio <= LIMIT;
    printf("many pools: 1000 pools cost %.2f x 1 pool (limit %.1f): %s\n",
           ratio, LIMIT, pass ? "PASS" : "FAIL");
    for (int i = 0; i < nc; i++) {
        for (long j = 0; j < counts[i]; j++)
            bp_pool_uninit(&sets[i][j]);
        free(sets[i]);
    }
    return pass ? 0 : 1;
usage:
    fprintf(stderr, "usage: %s [-d SECONDS] [-r REPEAT] [POOLS ...]\n",
            argv[0]);
    return 2;
}
