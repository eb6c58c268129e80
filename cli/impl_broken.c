/* impl_broken.c - a deliberately wrong pool, so that the tests can check
 * that --verify really catches a buffer handed to two holders.  Every
 * 97th get hands out the buffer most recently handed out, which may still
 * be held.  Release never frees (the buffers live until close), so the
 * double hand-out cannot corrupt the heap.  Selectable only with
 * BUFPOOL_BENCH_TESTING=1 in the environment. */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#define BROKEN_BUFFERS 4096

typedef struct broken_ctx {
    size_t size;
    uint8_t *mem;
    atomic_uint_fast64_t next;
} broken_ctx;

static int broken_open(const bench_config *cfg, void **ctxp)
{
    broken_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->size = cfg->size;
    if (cfg->size > (64u << 10) ||
        !(c->mem = calloc(BROKEN_BUFFERS, cfg->size))) {
        free(c);
        return -ENOMEM;
    }
    atomic_init(&c->next, 0);
    *ctxp = c;
    return 0;
}

static int broken_get(void *ctx, bench_item *it)
{
    broken_ctx *c = ctx;
    uint64_t n = atomic_fetch_add(&c->next, 1);
    /* Every 97th get reuses the previous index: a double hand-out. */
    uint64_t i = (n % 97 == 96) ? n - 1 : n;
    it->data = c->mem + (i % BROKEN_BUFFERS) * c->size;
    it->handle = it->data;
    return 0;
}

static void broken_release(void *ctx, bench_item *it)
{
    (void)ctx;
    (void)it;
}

static void broken_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    out->in_use = out->idle = -1;   /* not known */
    (void)ctx;
    out->allocs = BROKEN_BUFFERS;
    out->reuses = (int64_t)gets;
    out->peak_in_use = -1;
}

static void broken_close(void *ctx)
{
    broken_ctx *c = ctx;
    free(c->mem);
    free(c);
}

const impl_ops impl_broken = {
    .name = "broken",
    .describe = "testing only: hands out a held buffer every 97th get",
    .open = broken_open,
    .get = broken_get,
    .release = broken_release,
    .stats = broken_stats,
    .close = broken_close,
};
