/* bp_frame_pool.h - bufpool behind FFmpeg's AVCodecContext.get_buffer2.
 *
 *   bp_frame_pool *fp = bp_frame_pool_new();
 *   avctx->opaque = fp;
 *   avctx->get_buffer2 = bp_frame_pool_get_buffer2;
 *   ... avcodec_open2, decode ...
 *   avcodec_free_context(&avctx);      (and every frame unreferenced)
 *   bp_frame_pool_free(&fp);
 *
 * A video frame's planes come from one bufpool pool per plane size, laid
 * out as FFmpeg's own avcodec_default_get_buffer2 lays them out (the same
 * linesizes, plane sizes and padding, buffers zeroed when first allocated
 * as av_buffer_allocz does), each plane an AVBufferRef made with
 * av_buffer_create around a bp_ref: the buffer returns to its pool on
 * whichever thread drops the frame's last reference.  Other frames (audio,
 * hardware, decoders without AV_CODEC_CAP_DR1) get FFmpeg's default.
 *
 * get_buffer2 may be called from any of the decoder's threads (frame
 * threading calls it from the workers): a frame geometry is published once
 * as an immutable layout, and gets take no lock.  A new geometry makes a
 * new layout and new pools; the old pools are trimmed (their idle buffers
 * freed) and kept until bp_frame_pool_free, as gets may still be running
 * on them. */
#ifndef BP_FRAME_POOL_H
#define BP_FRAME_POOL_H

#include <stdint.h>

#include <libavcodec/avcodec.h>

typedef struct bp_frame_pool bp_frame_pool;

/* NULL with errno ENOMEM. */
bp_frame_pool *bp_frame_pool_new(void);

/* The get_buffer2 callback; avctx->opaque must be the bp_frame_pool. */
int bp_frame_pool_get_buffer2(AVCodecContext *avctx, AVFrame *frame, int flags);

/* The sizes of the buffers FFmpeg's default get_buffer2 (and this one)
 * gives frame's planes (format, width and height) on avctx, 0 for planes
 * it does not have.  0 or an AVERROR. */
int bp_frame_pool_buffer_sizes(AVCodecContext *avctx, const AVFrame *frame,
                               size_t sizes[4]);

/* Sums over every pool this frame pool made (all geometries). */
typedef struct bp_frame_pool_stats {
    uint64_t gets;        /* planes handed out */
    uint64_t allocs;      /* buffers allocated */
    uint64_t alloc_bytes; /* their bytes */
    uint64_t peak_in_use; /* sum of the pools' peaks */
    uint64_t in_use;      /* planes not yet returned */
    int      pools;       /* pools made */
    int      layouts;     /* frame geometries seen */
} bp_frame_pool_stats;

void bp_frame_pool_get_stats(bp_frame_pool *fp, bp_frame_pool_stats *st);

/* Frees the pools (buffers still referenced stay valid and are freed when
 * dropped) and sets *fp to NULL; NULL or *fp NULL is a no-op.  No
 * decoder may use it any more. */
void bp_frame_pool_free(bp_frame_pool **fp);

#endif
