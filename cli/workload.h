/* workload.h - one run of one implementation: threads, patterns, timing. */
#ifndef BUFPOOL_BENCH_WORKLOAD_H
#define BUFPOOL_BENCH_WORKLOAD_H

#include "bench.h"

/* What the live progress line shows; enabled only when stderr is a
 * terminal and -q was not given. */
typedef struct progress {
    bool     enabled;
    bool     shown;            /* a line was printed and must be cleared */
    uint64_t start_ns;         /* program start: nothing shows before 1 s */
    const char *impl;
    int      run, runs;
} progress;

/* Opens impl, runs the warmup and the measured phase on the same pool,
 * collects statistics and closes it.  Returns 0, or EXIT_RUNTIME with a
 * one-line message in err (allocation failure, verify mismatch, thread
 * creation or pinning failure). */
int workload_run(const bench_config *cfg, const impl_ops *impl,
                 run_result *out, progress *pg, char *err, size_t errlen);

/* The shape of a workload, for the option checks and the implementations
 * that size themselves from it (none, dpdk).  A run uses
 * workload_npools() pools (decoder: --planes x --pools, else 1) of
 * workload_pool_size() bytes each, on workload_nthreads() threads
 * (decoder: the workers and the output thread), and never holds more than
 * workload_pool_held() buffers of one pool at once, nor more than
 * workload_held_bytes() bytes in all. */
int      workload_npools(const bench_config *cfg);
size_t   workload_pool_size(const bench_config *cfg, int pool);
int      workload_nthreads(const bench_config *cfg);
/* The queue depth: --depth, else --hold (pipeline) or 2 x threads
 * (decoder; cfg->depth 0 then, so that it follows a sweep's threads). */
unsigned workload_depth(const bench_config *cfg);
uint64_t workload_pool_held(const bench_config *cfg);
double   workload_held_bytes(const bench_config *cfg);

void progress_clear(progress *pg);
void run_result_free(run_result *r);
uint64_t now_ns(void);

#endif
