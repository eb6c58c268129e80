/* histogram.c - log-bucketed histogram.
 *
 * Values below 128 get a bucket each; above, each power of two
 * [2^m, 2^(m+1)) is split into 128 equal buckets, so a bucket's width is
 * at most 1/128 of its lower bound: a percentile read from it is at most
 * 0.78 % above the true value.  Adding is a count-leading-zeros and an
 * increment, cheap enough to run on sampled operations without disturbing
 * the throughput being measured; 34 KiB per histogram is small enough to
 * keep one per thread and merge at the end. */
#include "config.h"

#include "histogram.h"

#include <string.h>

static unsigned bucket_of(uint64_t v)
{
    if (v < HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    if (msb >= HIST_TOP_BITS)
        return HIST_BUCKETS - 1;
    unsigned shift = msb - HIST_SUB_BITS;
    return (msb - HIST_SUB_BITS + 1) * HIST_SUB +
           (unsigned)((v >> shift) & (HIST_SUB - 1));
}

/* Largest value that falls into bucket b. */
static uint64_t bucket_upper(unsigned b)
{
    if (b < HIST_SUB)
        return b;
    if (b == HIST_BUCKETS - 1)
        return UINT64_MAX;
    unsigned msb = b / HIST_SUB + HIST_SUB_BITS - 1;
    unsigned shift = msb - HIST_SUB_BITS;
    uint64_t low = (uint64_t)(HIST_SUB + b % HIST_SUB) << shift;
    return low + (((uint64_t)1 << shift) - 1);
}

void hist_clear(hist *h)
{
    memset(h, 0, sizeof *h);
}

void hist_add(hist *h, uint64_t v)
{
    h->count[bucket_of(v)]++;
    h->n++;
    if (v > h->max)
        h->max = v;
}

void hist_merge(hist *dst, const hist *src)
{
    for (unsigned b = 0; b < HIST_BUCKETS; b++)
        dst->count[b] += src->count[b];
    dst->n += src->n;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t hist_quantile(const hist *h, double q)
{
    if (h->n == 0)
        return 0;
    /* rank = ceil(q * n), at least 1, at most n */
    double r = q * (double)h->n;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    if (rank > h->n)
        rank = h->n;
    uint64_t seen = 0;
    for (unsigned b = 0; b < HIST_BUCKETS; b++) {
        seen += h->count[b];
        if (seen >= rank) {
            uint64_t up = bucket_upper(b);
            return up < h->max ? up : h->max;
        }
    }
    return h->max;
}
