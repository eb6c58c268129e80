/* impl_none.c - no pool at all: buffers preallocated at open, recycled in
 * the order the workload provably stops using them.  What remains of a
 * run is the harness's own cost (threads, queues, touching, checks), the
 * floor under every other implementation's figure.
 *
 * How a get picks its buffer, per pattern (it->thread and it->seq are set
 * by the workload, see bench_item):
 *   local, random  each thread has a stack of --hold buffers; a release
 *                  (always on the getting thread) pushes, a get pops;
 *   pipeline       producer t's k-th get takes buffer k mod (depth + 2)
 *                  of its own (a cursor per producer): the producer got
 *                  buffer k only after pushing k - 1, when the consumer had
 *                  released everything up to k - 1 - depth;
 *   decoder        frame f's plane takes buffer f mod (D + W) of the pool:
 *                  frames in flight are < out_next + D + W (workload.c),
 *                  so frame f - D - W is released before f is got.
 * A release in pipeline and decoder does nothing.  --verify checks all of
 * it: a buffer handed out while still held fails the run. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "bench.h"
#include "workload.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* One per thread, each on its own cache line: local and random's free
 * stack, the pipeline's cursor. */
typedef struct none_stack {
    alignas(64) uint8_t **items;
    uint64_t  n;
} none_stack;

typedef struct none_ctx {
    enum pattern pattern;
    size_t     size, stride;
    bool       zero;
    uint64_t   per;            /* buffers per thread (decoder: in all) */
    uint64_t   count;          /* buffers in all */
    uint8_t   *mem;
    none_stack *stacks;        /* one per thread but in decoder */
    uint8_t  **slots;          /* the stacks' storage, 8 per line */
} none_ctx;

static int none_open(const bench_config *cfg, void **ctxp)
{
    none_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int nthreads = workload_nthreads(cfg);
    c->pattern = cfg->pattern;
    c->size = cfg->size;
    c->zero = cfg->zero;
    /* 64-byte aligned buffers, as the pools hand out. */
    c->stride = (cfg->size + 63) & ~(size_t)63;
    switch (cfg->pattern) {
    case PAT_PIPELINE:
        c->per = (uint64_t)workload_depth(cfg) + 2;
        c->count = c->per * (uint64_t)((cfg->threads + 1) / 2);
        break;
    case PAT_DECODER:
        c->per = (uint64_t)workload_depth(cfg) + (uint64_t)cfg->threads;
        c->count = c->per;
        break;
    default:
        c->per = cfg->hold;
        c->count = c->per * (uint64_t)nthreads;
        break;
    }
    if (c->count > SIZE_MAX / c->stride ||
        posix_memalign((void **)&c->mem, 64, c->count * c->stride) != 0) {
        free(c);
        return -ENOMEM;
    }
    if (cfg->pattern != PAT_DECODER) {
        c->stacks = aligned_alloc(64, sizeof *c->stacks * (size_t)nthreads);
        if (!c->stacks) {
            free(c->mem);
            free(c);
            return -ENOMEM;
        }
        memset(c->stacks, 0, sizeof *c->stacks * (size_t)nthreads);
    }
    if (cfg->pattern == PAT_LOCAL || cfg->pattern == PAT_RANDOM) {
        uint64_t line = (c->per + 7) & ~(uint64_t)7;
        c->slots = aligned_alloc(64, sizeof *c->slots * line * (size_t)nthreads);
        if (!c->slots) {
            free(c->stacks);
            free(c->slots);
            free(c->mem);
            free(c);
            return -ENOMEM;
        }
        for (int t = 0; t < nthreads; t++) {
            none_stack *s = &c->stacks[t];
            s->items = c->slots + (size_t)t * line;
            s->n = 0;
            for (uint64_t k = 0; k < c->per; k++)
                s->items[s->n++] = c->mem + ((size_t)t * c->per + k) * c->stride;
        }
    }
    *ctxp = c;
    return 0;
}

static int none_get(void *ctx, bench_item *it)
{
    none_ctx *c = ctx;
    uint8_t *p;
    switch (c->pattern) {
    case PAT_PIPELINE: {
        none_stack *s = &c->stacks[it->thread];   /* n: the cursor */
        p = c->mem + ((uint64_t)it->thread * c->per + s->n) * c->stride;
        if (++s->n == c->per)
            s->n = 0;
        break;
    }
    case PAT_DECODER:
        p = c->mem + (it->seq % c->per) * c->stride;
        break;
    default: {
        none_stack *s = &c->stacks[it->thread];
        if (s->n == 0)
            return -ENOBUFS;    /* a workload holding more than --hold */
        p = s->items[--s->n];
        break;
    }
    }
    if (c->zero)
        memset(p, 0, c->size);
    it->handle = p;
    it->data = p;
    return 0;
}

static void none_release(void *ctx, bench_item *it)
{
    none_ctx *c = ctx;
    if (c->pattern == PAT_LOCAL || c->pattern == PAT_RANDOM) {
        none_stack *s = &c->stacks[it->thread];
        s->items[s->n++] = it->handle;
    }
}

static void none_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    none_ctx *c = ctx;
    (void)gets;
    out->allocs = (int64_t)c->count;
    out->reuses = -1;
    out->peak_in_use = out->in_use = out->idle = -1;
    out->peak_bytes = (int64_t)(c->count * c->size);
}

static void none_close(void *ctx)
{
    none_ctx *c = ctx;
    free(c->stacks);
    free(c->slots);
    free(c->mem);
    free(c);
}

const impl_ops impl_none = {
    .name = "none",
    .describe = "no pool: preallocated buffers recycled in workload order "
                "(the harness's own cost)",
    .open = none_open,
    .get = none_get,
    .release = none_release,
    .stats = none_stats,
    .close = none_close,
};
