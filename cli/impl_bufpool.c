/* impl_bufpool.c - the library under test, through its public API only. */
#include "config.h"

#include "bench.h"

#include <bufpool.h>
#include <errno.h>
#include <stdlib.h>

/* How long a get may wait at --max-buffers before the run is declared
 * stuck.  The workload never holds more buffers than the cap (main.c checks
 * that), so a wait only spans a release in flight on another thread. */
#define CAP_WAIT_NS (10LL * 1000 * 1000 * 1000)

typedef struct bufpool_ctx {
    bp_pool *pool;
    bool     capped;
    size_t   size;
} bufpool_ctx;

static int bufpool_open(const bench_config *cfg, void **ctxp)
{
    bufpool_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    bp_pool_config pc = BP_POOL_CONFIG(
        .size = cfg->size,
        .align = cfg->align,
        .min_buffers = cfg->min_buffers,
        .max_buffers = cfg->max_buffers,
        .flags = (cfg->zero ? BP_POOL_ZERO : 0) |
                 (cfg->poison ? BP_POOL_POISON : 0));
    c->pool = bp_pool_new(&pc);
    if (!c->pool) {
        int e = errno ? errno : ENOMEM;
        free(c);
        return -e;
    }
    c->capped = cfg->max_buffers != 0;
    c->size = cfg->size;
    *ctxp = c;
    return 0;
}

static int bufpool_get(void *ctx, bench_item *it)
{
    bufpool_ctx *c = ctx;
    /* Uncapped, bp_pool_get never waits; capped, a get can meet the cap
     * while another thread's release is still in flight, so wait for it
     * (bounded) rather than count a spurious failure. */
    bp_ref *r = c->capped ? bp_pool_get_timeout(c->pool, CAP_WAIT_NS)
                          : bp_pool_get(c->pool);
    if (!r)
        return -(errno ? errno : ENOMEM);
    it->handle = r;
    it->data = r->data;
    return 0;
}

static void bufpool_release(void *ctx, bench_item *it)
{
    (void)ctx;
    bp_ref *r = it->handle;
    bp_unref(&r);
}

static void bufpool_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    bufpool_ctx *c = ctx;
    bp_pool_stats st = BP_POOL_STATS_INIT;
    (void)gets;
    out->allocs = out->reuses = out->peak_in_use = -1;
    out->in_use = out->idle = -1;
    if (bp_pool_get_stats(c->pool, &st) == 0) {
        out->allocs = (int64_t)st.allocs;
        out->reuses = (int64_t)st.reuses;
        out->peak_in_use = (int64_t)st.peak_in_use;
        out->in_use = (int64_t)st.in_use;
        out->idle = (int64_t)st.idle;
        /* The workload never trims: what was allocated is still there. */
        if (st.allocs <= (uint64_t)INT64_MAX / c->size)
            out->peak_bytes = (int64_t)(st.allocs * c->size);
    }
}

static void bufpool_close(void *ctx)
{
    bufpool_ctx *c = ctx;
    bp_pool_uninit(&c->pool);
    free(c);
}

const impl_ops impl_bufpool = {
    .name = "bufpool",
    .describe = "this library: bp_pool_get / bp_unref",
    .open = bufpool_open,
    .get = bufpool_get,
    .release = bufpool_release,
    .stats = bufpool_stats,
    .close = bufpool_close,
};
