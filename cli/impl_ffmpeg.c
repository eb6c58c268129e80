/* impl_ffmpeg.c - FFmpeg's AVBufferPool (libavutil), the design bufpool
 * replaces.  Built only when configure found libavutil >= 57. */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/avutil.h>
#include <libavutil/buffer.h>

typedef struct ffmpeg_ctx {
    AVBufferPool *pool;
    size_t        size;
    bool          zero;
    /* Counted in the alloc callback, which FFmpeg only calls when its free
     * list is empty: the get path itself is not touched. */
    atomic_uint_fast64_t allocs;
} ffmpeg_ctx;

static AVBufferRef *ffmpeg_alloc(void *opaque, size_t size)
{
    ffmpeg_ctx *c = opaque;
    atomic_fetch_add_explicit(&c->allocs, 1, memory_order_relaxed);
    /* What av_buffer_pool_init(size, NULL) would use. */
    return av_buffer_alloc(size);
}

static int ffmpeg_open(const bench_config *cfg, void **ctxp)
{
    ffmpeg_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    atomic_init(&c->allocs, 0);
    c->size = cfg->size;
    c->zero = cfg->zero;
    c->pool = av_buffer_pool_init2(cfg->size, c, ffmpeg_alloc, NULL);
    if (!c->pool) {
        free(c);
        return -ENOMEM;
    }
    *ctxp = c;
    return 0;
}

static int ffmpeg_get(void *ctx, bench_item *it)
{
    ffmpeg_ctx *c = ctx;
    AVBufferRef *r = av_buffer_pool_get(c->pool);
    if (!r)
        return -ENOMEM;
    /* FFmpeg's pool only zeroes at allocation; --zero promises every
     * buffer handed out is zeroed, as BP_POOL_ZERO does. */
    if (c->zero)
        memset(r->data, 0, c->size);
    it->handle = r;
    it->data = r->data;
    return 0;
}

static void ffmpeg_release(void *ctx, bench_item *it)
{
    (void)ctx;
    AVBufferRef *r = it->handle;
    av_buffer_unref(&r);
}

static void ffmpeg_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    out->in_use = out->idle = -1;   /* not known */
    ffmpeg_ctx *c = ctx;
    uint64_t a = atomic_load_explicit(&c->allocs, memory_order_relaxed);
    out->allocs = (int64_t)a;
    out->reuses = gets >= a ? (int64_t)(gets - a) : 0;
    /* FFmpeg allocates only when no buffer is free and never frees one
     * before uninit, so the buffers it allocated are its peak in use. */
    out->peak_in_use = (int64_t)a;
    if (a <= (uint64_t)INT64_MAX / c->size)
        out->peak_bytes = (int64_t)(a * c->size);
}

static void ffmpeg_close(void *ctx)
{
    ffmpeg_ctx *c = ctx;
    av_buffer_pool_uninit(&c->pool);
    free(c);
}

const impl_ops impl_ffmpeg = {
    .name = "ffmpeg",
    .describe = "libavutil's AVBufferPool: av_buffer_pool_get / av_buffer_unref",
    .open = ffmpeg_open,
    .get = ffmpeg_get,
    .release = ffmpeg_release,
    .stats = ffmpeg_stats,
    .close = ffmpeg_close,
};
