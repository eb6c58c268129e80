/* impl_gstreamer.c - GStreamer's GstBufferPool, the pool of GStreamer's
 * media pipelines (a decoder's output buffers come from one and are
 * released by a sink on another thread).  Built only when configure found
 * gstreamer-1.0.
 *
 * A get acquires a buffer and maps it for writing, as an element filling
 * it does; the mapping is released right away (system memory stays where
 * it is while the buffer is held), so a get+release pair costs one
 * acquire, one map/unmap and one unref, as in GStreamer.  The pool is
 * GstBufferPool itself, subclassed only to count the buffers it allocates
 * (its alloc_buffer, called when its queue of free buffers is empty);
 * min and max buffers are 0: it allocates on demand and never frees
 * during a run.  Buffers are 64-byte aligned, as the other pools'. */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>

typedef struct BpbCountingPool {
    GstBufferPool parent;
    gint allocs;               /* g_atomic_int */
} BpbCountingPool;

typedef struct BpbCountingPoolClass {
    GstBufferPoolClass parent_class;
} BpbCountingPoolClass;

GType bpb_counting_pool_get_type(void);
G_DEFINE_TYPE(BpbCountingPool, bpb_counting_pool, GST_TYPE_BUFFER_POOL)

static GstFlowReturn counting_alloc(GstBufferPool *pool, GstBuffer **buffer,
                                    GstBufferPoolAcquireParams *params)
{
    GstFlowReturn r = GST_BUFFER_POOL_CLASS(bpb_counting_pool_parent_class)
                          ->alloc_buffer(pool, buffer, params);
    if (r == GST_FLOW_OK)
        g_atomic_int_inc(&((BpbCountingPool *)pool)->allocs);
    return r;
}

static void bpb_counting_pool_class_init(BpbCountingPoolClass *klass)
{
    GST_BUFFER_POOL_CLASS(klass)->alloc_buffer = counting_alloc;
}

static void bpb_counting_pool_init(BpbCountingPool *self)
{
    self->allocs = 0;
}

typedef struct gst_ctx {
    GstBufferPool *pool;
    size_t size;
    bool   zero;
} gst_ctx;

static pthread_once_t gst_once = PTHREAD_ONCE_INIT;
static bool gst_ok;

static void gst_start(void)
{
    gst_ok = gst_init_check(NULL, NULL, NULL);
}

static int gstreamer_open(const bench_config *cfg, void **ctxp)
{
    pthread_once(&gst_once, gst_start);
    if (!gst_ok)
        return -ENOSYS;
    if (cfg->size > G_MAXUINT)
        return -EINVAL;
    gst_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->size = cfg->size;
    c->zero = cfg->zero;
    c->pool = g_object_new(bpb_counting_pool_get_type(), NULL);
    if (!c->pool) {
        free(c);
        return -ENOMEM;
    }
    /* The floating reference of a new GstObject becomes ours. */
    gst_object_ref_sink(c->pool);
    GstStructure *conf = gst_buffer_pool_get_config(c->pool);
    gst_buffer_pool_config_set_params(conf, NULL, (guint)cfg->size, 0, 0);
    /* 64-byte aligned, as the other pools hand out. */
    GstAllocationParams params;
    gst_allocation_params_init(&params);
    params.align = 63;
    gst_buffer_pool_config_set_allocator(conf, NULL, &params);
    if (!gst_buffer_pool_set_config(c->pool, conf) ||
        !gst_buffer_pool_set_active(c->pool, TRUE)) {
        gst_object_unref(c->pool);
        free(c);
        return -EINVAL;
    }
    *ctxp = c;
    return 0;
}

static int gstreamer_get(void *ctx, bench_item *it)
{
    gst_ctx *c = ctx;
    GstBuffer *buf = NULL;
    GstMapInfo map;
    if (gst_buffer_pool_acquire_buffer(c->pool, &buf, NULL) != GST_FLOW_OK)
        return -ENOMEM;
    if (!gst_buffer_map(buf, &map, GST_MAP_WRITE)) {
        gst_buffer_unref(buf);
        return -EIO;
    }
    if (c->zero)
        memset(map.data, 0, c->size);
    it->data = map.data;
    gst_buffer_unmap(buf, &map);
    it->handle = buf;
    return 0;
}

static void gstreamer_release(void *ctx, bench_item *it)
{
    (void)ctx;
    gst_buffer_unref(it->handle);
}

static void gstreamer_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    gst_ctx *c = ctx;
    int64_t a = g_atomic_int_get(&((BpbCountingPool *)c->pool)->allocs);
    out->allocs = a;
    out->reuses = (int64_t)gets >= a ? (int64_t)gets - a : 0;
    out->peak_in_use = out->in_use = out->idle = -1;
    out->peak_bytes = a * (int64_t)c->size;
}

static void gstreamer_close(void *ctx)
{
    gst_ctx *c = ctx;
    gst_buffer_pool_set_active(c->pool, FALSE);
    gst_object_unref(c->pool);
    free(c);
}

static const char *gstreamer_version(void)
{
    static char v[64];
    if (!v[0]) {
        guint major, minor, micro, nano;
        gst_version(&major, &minor, &micro, &nano);
        snprintf(v, sizeof v, "GStreamer %u.%u.%u", major, minor, micro);
    }
    return v;
}

const impl_ops impl_gstreamer = {
    .name = "gstreamer",
    .describe = "GStreamer's GstBufferPool: gst_buffer_pool_acquire_buffer "
                "+ map / gst_buffer_unref",
    .open = gstreamer_open,
    .get = gstreamer_get,
    .release = gstreamer_release,
    .stats = gstreamer_stats,
    .close = gstreamer_close,
    .version = gstreamer_version,
};
