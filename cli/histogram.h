/* histogram.h - log-bucketed latency histogram (HDR-style: 128 sub-buckets
 * per power of two, so a bucket is at most 1/128 = 0.78 % wide). */
#ifndef BUFPOOL_BENCH_HISTOGRAM_H
#define BUFPOOL_BENCH_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB      (1u << HIST_SUB_BITS)
/* Values from 2^HIST_TOP_BITS up (18 minutes in ns) share one last bucket,
 * whose upper bound is the exact maximum. */
#define HIST_TOP_BITS 40
#define HIST_BUCKETS  ((HIST_TOP_BITS - HIST_SUB_BITS + 1) * HIST_SUB + 1)

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
