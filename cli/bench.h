/* bench.h - types shared by the parts of bufpool-bench.
 *
 * The CLI is split by concern: options.c (command line), impl_*.c (one
 * adapter per implementation behind the impl_ops table, listed
 * in impls.c), workload.c (the threads and the four patterns; shape.c,
 * the workload's shape), histogram.c (latency), report.c
 * (table/csv/json, with fmt.c's formatting and machine.c's description of
 * the machine), compare.c (--compare), outfile.c (-o and --json files) and
 * main.c (the sweep, the repeats, a child process per run).  Everything
 * here is plain data so that each part can be read on its own. */
#ifndef BUFPOOL_BENCH_H
#define BUFPOOL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram.h"

/* Exit statuses (documented in the man page). */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

enum pattern { PAT_LOCAL, PAT_PIPELINE, PAT_RANDOM, PAT_DECODER };
enum touch   { TOUCH_NONE, TOUCH_FIRST, TOUCH_ALL };
enum format  { FMT_TABLE, FMT_CSV, FMT_JSON };

#define MAX_THREADS 1024
#define MAX_IMPLS   8
#define MAX_SWEEP   1024       /* values of -t and of -s (each) */
#define MAX_PCT     16         /* --percentiles */
#define MAX_PLANES  8          /* --planes: pools per frame */
#define MAX_RESOLUTIONS 8      /* --pools: frame geometries at once */

/* Every implementation gets and releases through this table.  The calls go
 * through the same function pointers for all of them, so the indirection
 * costs each one the same. */
typedef struct bench_item {
    void    *handle;           /* bp_ref *, AVBufferRef *, or the malloc block */
    uint8_t *data;
    /* Set by the workload before each get, for impl none (which recycles
     * preallocated buffers in the order the workload provably frees
     * them): the getting thread's index and a sequence number (pipeline:
     * the producer's get count; decoder: the frame number; else 0). */
    int      thread;
    uint64_t seq;
} bench_item;

typedef struct impl_stats {
    /* -1 where the implementation cannot tell (e.g. malloc's peak). */
    int64_t allocs, reuses, peak_in_use;
    /* Buffers still out and idle after the run (threads joined). */
    int64_t in_use, idle;
    /* Bytes of buffers the implementation had allocated at its peak
     * (buffers x size; a pool that never frees during a run: its allocs x
     * size), -1 unknown.  Set by the workload from allocs unless the
     * implementation knows better (dpdk: its fixed population). */
    int64_t peak_bytes;
    /* Bytes in use at the peak: peak_in_use x size, summed over the pools;
     * with the decoder pattern the workload's own count, the same for
     * every implementation.  -1 unknown. */
    int64_t peak_in_use_bytes;
} impl_stats;

struct bench_config;

typedef struct impl_ops {
    const char *name;
    const char *describe;      /* one line for --help and the man page */
    /* 0 or a negative errno; *ctx is then the implementation's state. */
    int  (*open)(const struct bench_config *cfg, void **ctx);
    /* 0 or a negative errno.  Called concurrently from all threads. */
    int  (*get)(void *ctx, bench_item *it);
    /* Any thread may release any item (pipeline). */
    void (*release)(void *ctx, bench_item *it);
    /* gets: every get the workload made on this ctx (warmup included). */
    void (*stats)(void *ctx, uint64_t gets, impl_stats *out);
    void (*close)(void *ctx);
    /* Optional (NULL: nothing to check or do).  check: NULL when the
     * implementation can run cfg, else why not (one line, static); called
     * by the option parser.  thread_start/thread_stop: called on every
     * workload thread before its first and after its last operation
     * (dpdk registers the thread as an lcore); thread_start returns 0 or
     * a negative errno. */
    const char *(*check)(const struct bench_config *cfg);
    int  (*thread_start)(void);
    void (*thread_stop)(void);
    /* Optional: the library and version built against, for --version. */
    const char *(*version)(void);
} impl_ops;

typedef struct bench_config {
    int          threads;      /* decoder: workers (plus one output thread) */
    size_t       size;         /* decoder: bytes of one frame of resolution 0 */
    uint64_t     ops;          /* per thread (pipeline: per producer); 0: duration */
    double       duration;     /* seconds per run when ops == 0 */
    double       warmup;       /* seconds before each measured run */
    int          repeat;
    unsigned     hold;
    unsigned     depth;        /* pipeline: queue depth (default hold);
                                  decoder: reorder queue (default 2 x W) */
    int          nplanes;      /* decoder: pools per frame (--planes) */
    size_t       planes[MAX_PLANES];  /* decoder: resolution 0's plane sizes */
    int          resolutions;  /* decoder: --pools, frame geometries */
    enum pattern pattern;
    enum touch   touch;
    uint64_t     seed;
    size_t       max_buffers, min_buffers, align;
    bool         zero;
    bool         poison;       /* bufpool only: BP_POOL_POISON */
    int          ncpus;        /* 0: no pinning */
    int          cpus[MAX_THREADS];
    int          nimpls;
    const impl_ops *impls[MAX_IMPLS];
    bool         latency, per_thread, verify, quiet;
    enum format  format;
    const char  *output;       /* NULL: stdout */
    /* The sweep (main.c runs every combination, threads outer, size inner;
     * threads and size above are then the point being run). */
    int          nthreads_list, nsizes;
    int          threads_list[MAX_SWEEP];
    size_t       sizes[MAX_SWEEP];
    int          npct;         /* --percentiles, ascending, in (0, 100] */
    double       pct[MAX_PCT];
    const char  *json_output;  /* --json FILE, or NULL */
    const char  *compare;      /* --compare OLD.json, or NULL */
    const char  *compare_new;  /* NEW.json: compare two saved reports, no run */
} bench_config;

/* One thread's share of one measured run. */
typedef struct thread_result {
    int      index;
    int      cpu;              /* -1: not pinned */
    const char *role;          /* "local", "random", "producer", "consumer" */
    uint64_t pairs;            /* gets (producer) or releases (others) */
    double   seconds;
    hist     get_lat, rel_lat;
} thread_result;

/* One measured run of one implementation. */
typedef struct run_result {
    uint64_t pairs;            /* get+release pairs completed */
    double   seconds;          /* wall time of the measured phase */
    double   pairs_per_sec;
    uint64_t gets;             /* all gets on the pool, warmup included */
    impl_stats stats;
    long     peak_rss_kib;     /* -1 unknown */
    hist     get_lat, rel_lat; /* merged over threads */
    int      nthreads;
    thread_result *threads;    /* nthreads entries, owned */
} run_result;

/* What the report keeps of a run (main.c makes it from the run_result in
 * the run's own process): the figures, and the latency percentiles of
 * cfg->pct instead of the histograms. */
typedef struct lat_summary {
    uint64_t n;                /* samples */
    uint64_t q[MAX_PCT];       /* ns at cfg->pct[i] */
} lat_summary;

typedef struct thread_summary {
    int      index, cpu;
    const char *role;
    uint64_t pairs;
    double   seconds;
    lat_summary get_lat, rel_lat;
} thread_summary;

typedef struct run_summary {
    uint64_t pairs;
    double   seconds, pairs_per_sec;
    uint64_t gets;
    impl_stats stats;
    long     peak_rss_kib;
    lat_summary get_lat, rel_lat;
    long     pid;              /* the child process that ran it */
    int      nthreads;
    thread_summary *threads;   /* with --per-thread, else NULL */
} run_summary;

/* All runs of one implementation, with the one reported (the median). */
typedef struct impl_result {
    const impl_ops *impl;
    int         nruns;         /* runs completed (fewer when interrupted) */
    run_summary *runs;
    int         median;        /* index into runs */
    double      min_pps, max_pps;
    double      mean_pps, sd_pps;  /* sd: sample standard deviation */
} impl_result;

/* One point of a sweep: every implementation on one (threads, size). */
typedef struct point_result {
    int          threads;
    size_t       size;
    int          nimpls;
    impl_result  impls[MAX_IMPLS];
} point_result;

/* The optional peers this program has: those configure found, unless
 * BENCH_NO_PEERS (the option parser's fuzz harness, built without them). */
#if defined(HAVE_DPDK) && !defined(BENCH_NO_PEERS)
#define BENCH_DPDK 1
#endif
#if defined(HAVE_GSTREAMER) && !defined(BENCH_NO_PEERS)
#define BENCH_GSTREAMER 1
#endif

/* Implementations this binary was built with (impl_*.c), in --impl all's
 * order: impls.c. */
extern const impl_ops impl_bufpool, impl_malloc, impl_none;
#ifdef HAVE_AVUTIL
extern const impl_ops impl_ffmpeg;
#endif
#ifdef BENCH_DPDK
extern const impl_ops impl_dpdk;
#endif
#ifdef BENCH_GSTREAMER
extern const impl_ops impl_gstreamer;
#endif
extern const impl_ops *const bench_impls[];
extern const int bench_nimpls;
extern const int bench_ndefault;   /* the first ones: the default --impl */
/* "bufpool, malloc, ...": the names of bench_impls, comma-separated. */
const char *bench_impl_names(void);
/* A deliberately broken pool for testing --verify (impl_broken.c); only
 * selectable when BUFPOOL_BENCH_TESTING=1 is in the environment. */
extern const impl_ops impl_broken;
/* Testing only as well: counts the runs made in its process (impl_probe.c),
 * so that the tests can check that each run has a process of its own. */
extern const impl_ops impl_probe;

#endif /* BUFPOOL_BENCH_H */
