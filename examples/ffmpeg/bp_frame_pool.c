/* bp_frame_pool.c - bufpool behind FFmpeg's get_buffer2 (see the header).
 *
 * The layout of a frame is computed exactly as FFmpeg 5's
 * update_frame_pool() (libavcodec/get_buffer.c) does: the width aligned by
 * avcodec_align_dimensions2() and widened until every linesize is a
 * multiple of the stride alignment, av_image_fill_plane_sizes() for the
 * plane sizes, and 16 + STRIDE_ALIGN - 1 bytes of padding after each
 * plane.  Planes of equal size (U and V of yuv420p) share a pool. */
#include "bp_frame_pool.h"

#include <bufpool.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/imgutils.h>

typedef struct layout {
    int       format, width, height;     /* the key, as FFmpeg's */
    int       nplanes;
    int       linesize[4];
    bp_pool  *plane_pool[4];             /* one of pools[] per plane */
    int       npools;
    bp_pool  *pools[4];
    size_t    pool_size[4];
    struct layout *next;                 /* every layout made, newest first */
} layout;

struct bp_frame_pool {
    _Atomic(layout *) current;           /* the last geometry made */
    pthread_mutex_t   lock;              /* making layouts; the list */
    layout           *all;
};

bp_frame_pool *bp_frame_pool_new(void)
{
    bp_frame_pool *fp = calloc(1, sizeof *fp);
    if (!fp) {
        errno = ENOMEM;
        return NULL;
    }
    atomic_init(&fp->current, NULL);
    pthread_mutex_init(&fp->lock, NULL);
    return fp;
}

/* Zeroed when allocated, not when reused: what av_buffer_allocz gives
 * FFmpeg's frame pools. */
static bp_ref *alloc_zeroed(void *opaque, size_t size)
{
    (void)opaque;
    return bp_allocz(size);
}

static void layout_free(layout *l)
{
    for (int i = 0; i < l->npools; i++)
        bp_pool_uninit(&l->pools[i]);
    free(l);
}

/* The linesizes and buffer sizes FFmpeg's default gives frame's planes;
 * 0 or an AVERROR. */
static int plane_layout(AVCodecContext *avctx, const AVFrame *frame,
                        int linesize[4], size_t bufsize[4])
{
    int w = frame->width, h = frame->height, unaligned, ret;
    int stride_align[AV_NUM_DATA_POINTERS];
    ptrdiff_t linesize1[4];
    size_t size[4];
    avcodec_align_dimensions2(avctx, &w, &h, stride_align);
    do {
        /* As FFmpeg: linesizes are not aligned one by one (codecs assume
         * e.g. linesize[0] == 2 * linesize[1] for 4:2:2); the width grows
         * by its lowest set bit until all are aligned. */
        ret = av_image_fill_linesizes(linesize, avctx->pix_fmt, w);
        if (ret < 0)
            return ret;
        w += w & ~(w - 1);
        unaligned = 0;
        for (int i = 0; i < 4; i++)
            unaligned |= linesize[i] % stride_align[i];
    } while (unaligned);
    for (int i = 0; i < 4; i++)
        linesize1[i] = linesize[i];
    ret = av_image_fill_plane_sizes(size, avctx->pix_fmt, h, linesize1);
    if (ret < 0)
        return ret;
    /* avcodec_align_dimensions2 sets every stride_align to STRIDE_ALIGN. */
    size_t pad = 16 + (size_t)stride_align[0] - 1;
    for (int i = 0; i < 4; i++) {
        if (size[i] > INT_MAX - pad)
            return AVERROR(EINVAL);
        bufsize[i] = size[i] ? size[i] + pad : 0;
    }
    return 0;
}

int bp_frame_pool_buffer_sizes(AVCodecContext *avctx, const AVFrame *frame,
                               size_t sizes[4])
{
    int linesize[4];
    return plane_layout(avctx, frame, linesize, sizes);
}

/* A new layout for frame's geometry, or NULL with an AVERROR in *err. */
static layout *layout_new(AVCodecContext *avctx, const AVFrame *frame, int *err)
{
    layout *l = calloc(1, sizeof *l);
    size_t size[4];
    if (!l) {
        *err = AVERROR(ENOMEM);
        return NULL;
    }
    int ret = plane_layout(avctx, frame, l->linesize, size);
    if (ret < 0)
        goto fail;
    for (int i = 0; i < 4 && size[i]; i++) {
        int k = 0;
        while (k < l->npools && l->pool_size[k] != size[i])
            k++;
        if (k == l->npools) {
            l->pools[k] = bp_pool_new(&BP_POOL_CONFIG(.size = size[i],
                                                      .alloc = alloc_zeroed));
            if (!l->pools[k]) {
                ret = AVERROR(errno ? errno : ENOMEM);
                goto fail;
            }
            l->pool_size[k] = size[i];
            l->npools++;
        }
        l->plane_pool[i] = l->pools[k];
        l->nplanes = i + 1;
    }
    l->format = frame->format;
    l->width = frame->width;
    l->height = frame->height;
    return l;
fail:
    layout_free(l);
    *err = ret;
    return NULL;
}

static bool matches(const layout *l, const AVFrame *frame)
{
    return l && l->format == frame->format && l->width == frame->width &&
           l->height == frame->height;
}

/* The layout for frame: the current one, an older one of the same
 * geometry, or a new one (which becomes current; the pools of the one it
 * replaces give their idle buffers back to the system). */
static layout *layout_for(bp_frame_pool *fp, AVCodecContext *avctx,
                          const AVFrame *frame, int *err)
{
    layout *l = atomic_load_explicit(&fp->current, memory_order_acquire);
    if (matches(l, frame))
        return l;
    pthread_mutex_lock(&fp->lock);
    for (l = fp->all; l && !matches(l, frame); l = l->next)
        ;
    if (!l && (l = layout_new(avctx, frame, err))) {
        l->next = fp->all;
        fp->all = l;
    }
    if (l) {
        layout *old = atomic_exchange_explicit(&fp->current, l,
                                               memory_order_acq_rel);
        if (old && old != l)
            for (int i = 0; i < old->npools; i++)
                bp_pool_trim(old->pools[i], 0);
    }
    pthread_mutex_unlock(&fp->lock);
    return l;
}

static void unref_plane(void *opaque, uint8_t *data)
{
    bp_ref *r = opaque;
    (void)data;
    bp_unref(&r);
}

int bp_frame_pool_get_buffer2(AVCodecContext *avctx, AVFrame *frame, int flags)
{
    bp_frame_pool *fp = avctx->opaque;
    if (avctx->codec_type != AVMEDIA_TYPE_VIDEO || avctx->hw_frames_ctx ||
        !(avctx->codec->capabilities & AV_CODEC_CAP_DR1))
        return avcodec_default_get_buffer2(avctx, frame, flags);
    if (frame->format < 0 || frame->width <= 0 || frame->height <= 0)
        return AVERROR(EINVAL);
    if (frame->data[0] || frame->data[1] || frame->data[2] || frame->data[3])
        return AVERROR(EINVAL);
    int err = 0;
    const layout *l = layout_for(fp, avctx, frame, &err);
    if (!l)
        return err;
    memset(frame->data, 0, sizeof frame->data);
    memset(frame->linesize, 0, sizeof frame->linesize);
    frame->extended_data = frame->data;
    for (int i = 0; i < l->nplanes; i++) {
        bp_ref *r = bp_pool_get(l->plane_pool[i]);
        if (!r)
            goto fail;
        frame->buf[i] = av_buffer_create(r->data, r->size, unref_plane, r, 0);
        if (!frame->buf[i]) {
            bp_unref(&r);
            goto fail;
        }
        frame->data[i] = r->data;
        frame->linesize[i] = l->linesize[i];
    }
    return 0;
fail:
    av_frame_unref(frame);
    return AVERROR(ENOMEM);
}

void bp_frame_pool_get_stats(bp_frame_pool *fp, bp_frame_pool_stats *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_lock(&fp->lock);
    for (const layout *l = fp->all; l; l = l->next) {
        st->layouts++;
        for (int i = 0; i < l->npools; i++) {
            bp_pool_stats ps = BP_POOL_STATS_INIT;
            if (bp_pool_get_stats(l->pools[i], &ps) != 0)
                continue;
            st->pools++;
            st->gets += ps.gets;
            st->allocs += ps.allocs;
            st->alloc_bytes += ps.allocs * l->pool_size[i];
            st->peak_in_use += ps.peak_in_use;
            st->in_use += ps.in_use;
        }
    }
    pthread_mutex_unlock(&fp->lock);
}

void bp_frame_pool_free(bp_frame_pool **fpp)
{
    bp_frame_pool *fp = fpp ? *fpp : NULL;
    if (!fp)
        return;
    for (layout *l = fp->all, *next; l; l = next) {
        next = l->next;
        layout_free(l);
    }
    pthread_mutex_destroy(&fp->lock);
    free(fp);
    *fpp = NULL;
}
