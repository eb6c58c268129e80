/* histogram.h - log-bucketed latency histogram (HDR-style, 8 sub-buckets
 * per power of two, so a bucket is at most 12.5% wide). */
#ifndef BUFPOOL_BENCH_HISTOGRAM_H
#define BUFPOOL_BENCH_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 3
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_BUCKETS  (64 * HIST_SUB)

typedef struct hist {
    uint64_t n, max;
    uint64_t count[HIST_BUCKETS];
} hist;

void     hist_clear(hist *h);
void     hist_add(hist *h, uint64_t v);
void     hist_merge(hist *dst, const hist *src);
/* The value at quantile q (0 < q <= 1): the upper bound of the bucket that
 * holds the ceil(q * n)-th smallest sample, capped at the exact max.
 * 0 when the histogram is empty. */
uint64_t hist_quantile(const hist *h, double q);

#endif
