/* test_histogram.c - bufpool-bench's latency histogram (cli/histogram.c):
 * a percentile is the upper bound of its bucket, at most 1/128 (0.78 %)
 * above the true value, and never above the exact maximum. */
#include "config.h"

#include "histogram.h"
#include "tap.h"

#include <stdlib.h>

static hist h;

int main(void)
{
    /* Exact below 128. */
    hist_clear(&h);
    for (uint64_t v = 1; v <= 100; v++)
        hist_add(&h, v);
    ok(hist_quantile(&h, 0.5) == 50 && hist_quantile(&h, 0.9) == 90 &&
       hist_quantile(&h, 1.0) == 100, "values below 128 are exact");

    /* Every value from 128 to 2^20: the bucket's upper bound is within
     * 1/128 of the value. */
    int bad = 0;
    for (uint64_t v = 128; v < (1u << 20); v += 1 + v / 1000) {
        hist_clear(&h);
        hist_add(&h, v);
        hist_add(&h, 1u << 30);         /* so that max does not cap */
        uint64_t q = hist_quantile(&h, 0.5);
        if (q < v || (double)(q - v) > (double)v / 128)
            bad++;
    }
    ok(bad == 0, "128 to 2^20: a percentile is at most 0.78%% above the value (%d off)", bad);

    /* Two values 1 % apart fall in different buckets (the old 12.5 %
     * buckets reported p50 == p90 for 31 and 33 ns). */
    hist_clear(&h);
    for (int i = 0; i < 50; i++)
        hist_add(&h, 1000);
    for (int i = 0; i < 50; i++)
        hist_add(&h, 1010);
    ok(hist_quantile(&h, 0.5) < hist_quantile(&h, 0.9),
       "1000 and 1010 are told apart (p50 %llu, p90 %llu)",
       (unsigned long long)hist_quantile(&h, 0.5),
       (unsigned long long)hist_quantile(&h, 0.9));

    /* Beyond 2^40 ns: one last bucket, reported as the exact maximum. */
    hist_clear(&h);
    hist_add(&h, (uint64_t)1 << 50);
    hist_add(&h, ((uint64_t)1 << 50) + 12345);
    ok(hist_quantile(&h, 0.5) == ((uint64_t)1 << 50) + 12345 &&
       hist_quantile(&h, 1.0) == ((uint64_t)1 << 50) + 12345,
       "values from 2^40 up: the exact maximum");
    hist_add(&h, UINT64_MAX);
    ok(hist_quantile(&h, 1.0) == UINT64_MAX, "UINT64_MAX is counted");

    /* Merging adds counts and keeps the larger max. */
    hist a, b;
    hist_clear(&a);
    hist_clear(&b);
    hist_add(&a, 10);
    hist_add(&b, 20);
    hist_add(&b, 30);
    hist_merge(&a, &b);
    ok(a.n == 3 && a.max == 30 && hist_quantile(&a, 0.5) == 20, "merge");
    hist_clear(&a);
    ok(hist_quantile(&a, 0.5) == 0, "an empty histogram gives 0");
    return done_testing();
}
