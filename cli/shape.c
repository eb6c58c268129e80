/* shape.c - the shape of a workload (workload.h): its pools, their sizes,
 * its threads and the most it holds at once.  Apart from workload.c so
 * that the option parser (and its fuzz harness) can use it alone. */
#include "config.h"

#include "workload.h"

int workload_npools(const bench_config *cfg)
{
    return cfg->pattern == PAT_DECODER ? cfg->nplanes * cfg->resolutions : 1;
}

/* Resolution k's planes are resolution 0's times (4 + k) / 4, rounded up
 * to 64 bytes: a ladder of distinct sizes, as several streams at once. */
size_t workload_pool_size(const bench_config *cfg, int pool)
{
    if (cfg->pattern != PAT_DECODER)
        return cfg->size;
    int k = pool / cfg->nplanes;
    size_t base = cfg->planes[pool % cfg->nplanes];
    if (k == 0)
        return base;
    size_t s = base / 4 * (size_t)(4 + k) + (base % 4 * (size_t)(4 + k) + 3) / 4;
    return (s + 63) & ~(size_t)63;
}

unsigned workload_depth(const bench_config *cfg)
{
    if (cfg->depth)
        return cfg->depth;
    return cfg->pattern == PAT_DECODER ? 2 * (unsigned)cfg->threads : cfg->hold;
}

int workload_nthreads(const bench_config *cfg)
{
    return cfg->pattern == PAT_DECODER ? cfg->threads + 1 : cfg->threads;
}

uint64_t workload_pool_held(const bench_config *cfg)
{
    switch (cfg->pattern) {
    case PAT_PIPELINE:
        /* Per producer: its queue, the buffer it is getting, one spare. */
        return (uint64_t)(cfg->threads + 1) / 2 * ((uint64_t)workload_depth(cfg) + 2);
    case PAT_DECODER:
        /* D frames in the queue, one per worker waiting to enter it. */
        return (uint64_t)cfg->threads + workload_depth(cfg);
    default:
        return (uint64_t)cfg->threads * cfg->hold;
    }
}

double workload_held_bytes(const bench_config *cfg)
{
    double held = (double)workload_pool_held(cfg);
    if (cfg->pattern != PAT_DECODER)
        return held * (double)cfg->size;
    /* Every frame in flight may be of the largest resolution. */
    double frame = 0;
    for (int p = 0; p < cfg->nplanes; p++)
        frame += (double)workload_pool_size(cfg,
                                            (cfg->resolutions - 1) * cfg->nplanes + p);
    return held * frame;
}
