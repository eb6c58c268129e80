/* callgrind.c - a fixed workload to count instructions per get+release pair
 * under `valgrind --tool=callgrind` (issue 6, target 4).
 *
 *   bench/callgrind IMPL ROUNDS
 *
 * IMPL is bufpool, ffmpeg (only when built with libavutil) or malloc.  Each
 * round gets HOLD (4) buffers of SIZE (4 KiB) on one thread, writes their
 * first byte (as bufpool-bench's default --touch first does) and releases
 * them in reverse order: the same shape as `bufpool-bench -t 1 -p local
 * -H 4 -s 4K`.  The count per pair is measured by running two ROUNDS values
 * and dividing the difference in instructions by the difference in pairs,
 * which cancels the process start, the pool's creation and destruction and
 * the first (allocating) round.  bench/callgrind.sh does that.
 *
 * `bench/callgrind --list` prints the implementations this build has.
 *
 * The test suite's copy is linked statically against libbufpool (libtool
 * -static) so that no PLT stub or dynamic-loader work is counted for
 * bufpool.  libavutil stays a shared library (its PLT stubs are counted, a
 * few instructions per call, negligible against FFmpeg's ~1,000). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bufpool.h"

#ifdef HAVE_AVUTIL
#include <libavutil/buffer.h>
#endif

#define SIZE 4096
#define HOLD 4

/* Keeps the compiler from eliding a malloc/free pair or the stores. */
#define CLOBBER(p) __asm__ __volatile__("" : : "r"(p) : "memory")

static int run_bufpool(long rounds)
{
    bp_pool *pool = bp_pool_init(SIZE, NULL);
    if (!pool)
        return 1;
    bp_ref *r[HOLD];
    for (long i = 0; i < rounds; i++) {
        for (int k = 0; k < HOLD; k++) {
            r[k] = bp_pool_get(pool);
            if (!r[k])
                return 1;
            r[k]->data[0] = (uint8_t)i;
        }
        for (int k = HOLD - 1; k >= 0; k--)
            bp_unref(&r[k]);
    }
    bp_pool_uninit(&pool);
    return 0;
}

#ifdef HAVE_AVUTIL
static int run_ffmpeg(long rounds)
{
    AVBufferPool *pool = av_buffer_pool_init(SIZE, NULL);
    if (!pool)
        return 1;
    AVBufferRef *r[HOLD];
    for (long i = 0; i < rounds; i++) {
        for (int k = 0; k < HOLD; k++) {
            r[k] = av_buffer_pool_get(pool);
            if (!r[k])
                return 1;
            r[k]->data[0] = (uint8_t)i;
        }
        for (int k = HOLD - 1; k >= 0; k--)
            av_buffer_unref(&r[k]);
    }
    av_buffer_pool_uninit(&pool);
    return 0;
}
#endif

static int run_malloc(long rounds)
{
    unsigned char *r[HOLD];
    for (long i = 0; i < rounds; i++) {
        for (int k = 0; k < HOLD; k++) {
            r[k] = malloc(SIZE);
            if (!r[k])
                return 1;
            r[k][0] = (unsigned char)i;
            CLOBBER(r[k]);
        }
        for (int k = HOLD - 1; k >= 0; k--)
            free(r[k]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
#ifdef HAVE_AVUTIL
        puts("bufpool ffmpeg malloc");
#else
        puts("bufpool malloc");
#endif
        return 0;
    }
    char *end;
    long rounds = argc == 3 ? strtol(argv[2], &end, 10) : -1;
    if (argc != 3 || *end || rounds < 0) {
        fprintf(stderr, "usage: %s bufpool|ffmpeg|malloc ROUNDS | --list\n"
                "  ROUNDS rounds of %d gets then %d releases of %d-byte buffers\n",
                argv[0], HOLD, HOLD, SIZE);
        return 2;
    }
    if (strcmp(argv[1], "bufpool") == 0)
        return run_bufpool(rounds);
#ifdef HAVE_AVUTIL
    if (strcmp(argv[1], "ffmpeg") == 0)
        return run_ffmpeg(rounds);
#endif
    if (strcmp(argv[1], "malloc") == 0)
        return run_malloc(rounds);
    fprintf(stderr, "%s: unknown or unavailable implementation '%s'\n",
            argv[0], argv[1]);
    return 2;
}
