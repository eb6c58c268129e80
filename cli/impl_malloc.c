/* impl_malloc.c - the no-pool baseline: the system allocator. */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct malloc_ctx {
    size_t size, align;
    bool   zero;
} malloc_ctx;

static int malloc_open(const bench_config *cfg, void **ctxp)
{
    malloc_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->size = cfg->size;
    /* Only an explicit --align asks for aligned memory: plain malloc is
     * what code without a pool does. */
    c->align = cfg->align;
    c->zero = cfg->zero;
    *ctxp = c;
    return 0;
}

static int malloc_get(void *ctx, bench_item *it)
{
    malloc_ctx *c = ctx;
    void *p = NULL;
    if (c->align > sizeof(void *)) {
        int e = posix_memalign(&p, c->align, c->size);
        if (e)
            return -e;
        if (c->zero)
            memset(p, 0, c->size);
    } else {
        /* calloc is what a user wanting zeroed memory would call; it may
         * skip the memset for fresh pages, which is its real advantage. */
        p = c->zero ? calloc(1, c->size) : malloc(c->size);
        if (!p)
            return -ENOMEM;
    }
    it->handle = p;
    it->data = p;
    return 0;
}

static void malloc_release(void *ctx, bench_item *it)
{
    (void)ctx;
    free(it->handle);
}

static void malloc_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    out->in_use = out->idle = -1;   /* not known */
    (void)ctx;
    /* Every get is an allocation; how much malloc reuses internally, and
     * the peak in use, are not observable without a shared counter that
     * would distort the measurement. */
    out->allocs = (int64_t)gets;
    out->reuses = 0;
    out->peak_in_use = -1;
}

static void malloc_close(void *ctx)
{
    free(ctx);
}

const impl_ops impl_malloc = {
    .name = "malloc",
    .describe = "the system allocator: malloc / free of the same size",
    .open = malloc_open,
    .get = malloc_get,
    .release = malloc_release,
    .stats = malloc_stats,
    .close = malloc_close,
};
