/* bp-decode.c - a real FFmpeg client with bufpool frame pools: decodes the
 * first video stream of a file with libavcodec, its frame buffers from
 * bufpool through AVCodecContext.get_buffer2 (bp_frame_pool.c), or from
 * FFmpeg's default allocator, and reports what each cost.
 *
 *   bp-decode [-a bufpool|default] [-t THREADS] [-m FILE] [-j] INPUT
 *
 *   -a ALLOC    bufpool (default) or default (avcodec_default_get_buffer2)
 *   -t THREADS  decoder threads, frame threading (default 1, at most 64)
 *   -m FILE     one line per frame, in output order: "index,size,md5", the
 *               MD5 of the picture packed as rawvideo (what ffmpeg's
 *               framemd5 muxer hashes); FILE - is standard output
 *   -j          at the end, one JSON object on standard output: frames,
 *               the frame buffers allocated (and their bytes, gets, peak
 *               in use with bufpool), CPU and wall seconds, peak RSS
 *
 * Exit status 0, 1 on a decoding or I/O failure, 2 on bad usage.
 *
 * With -a default the frame buffers allocated are counted by
 * count_allocz.c, which sees FFmpeg's own frame pools allocate. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "bp_frame_pool.h"
#include "count_allocz.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/md5.h>

#define PROG "bp-decode"

static void usage(FILE *f)
{
    fprintf(f,
"Usage: " PROG " [-a bufpool|default] [-t THREADS] [-m FILE] [-j] INPUT\n"
"Decode INPUT's first video stream with FFmpeg, frame buffers from bufpool\n"
"(get_buffer2) or from FFmpeg's default allocator.\n"
"  -a ALLOC    bufpool (default) or default\n"
"  -t THREADS  decoder threads, frame threading (default 1, at most 64)\n"
"  -m FILE     per frame \"index,size,md5\" of the picture packed as\n"
"              rawvideo (as ffmpeg -f framemd5); - for standard output\n"
"  -j          a JSON summary on standard output at the end\n"
"  -h          this help\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, int err)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(err, msg, sizeof msg);
    fprintf(stderr, PROG ": %s: %s\n", what, msg);
}

/* Writes "index,size,md5" of the frame packed with alignment 1. */
static int write_md5(FILE *f, const AVFrame *frame, int64_t index,
                     uint8_t **buf, size_t *cap)
{
    int size = av_image_get_buffer_size(frame->format, frame->width,
                                        frame->height, 1);
    if (size < 0)
        return size;
    if ((size_t)size > *cap) {
        av_free(*buf);
        *buf = av_malloc((size_t)size);
        *cap = *buf ? (size_t)size : 0;
        if (!*buf)
            return AVERROR(ENOMEM);
    }
    int ret = av_image_copy_to_buffer(*buf, size,
                                      (const uint8_t *const *)frame->data,
                                      frame->linesize, frame->format,
                                      frame->width, frame->height, 1);
    if (ret < 0)
        return ret;
    uint8_t md5[16];
    av_md5_sum(md5, *buf, size);
    fprintf(f, "%" PRId64 ",%d,", index, size);
    for (int i = 0; i < 16; i++)
        fprintf(f, "%02x", md5[i]);
    fputc('\n', f);
    return ferror(f) ? AVERROR(EIO) : 0;
}

typedef struct decoder {
    AVCodecContext *avctx;
    AVFrame *frame;
    FILE    *md5;
    uint8_t *pack;
    size_t   pack_cap;
    int64_t  frames;
    /* The geometries decoded, for counting FFmpeg's allocations. */
    size_t   sizes[16];
    int      nsizes;
} decoder;

static void note_sizes(decoder *d)
{
    size_t s[4];
    if (bp_frame_pool_buffer_sizes(d->avctx, d->frame, s) < 0)
        return;
    for (int i = 0; i < 4 && s[i]; i++) {
        int k = 0;
        while (k < d->nsizes && d->sizes[k] != s[i])
            k++;
        if (k == d->nsizes && k < 16)
            d->sizes[d->nsizes++] = s[i];
    }
}

/* Receives every frame the decoder has ready; 0 or an AVERROR. */
static int drain(decoder *d)
{
    for (;;) {
        int ret = avcodec_receive_frame(d->avctx, d->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return ret;
        if (d->frames == 0 || d->frame->width != d->avctx->width ||
            d->frame->height != d->avctx->height)
            note_sizes(d);
        if (d->md5 && (ret = write_md5(d->md5, d->frame, d->frames,
                                       &d->pack, &d->pack_cap)) < 0) {
            av_frame_unref(d->frame);
            return ret;
        }
        d->frames++;
        av_frame_unref(d->frame);
    }
}

int main(int argc, char **argv)
{
    const char *alloc = "bufpool", *md5_path = NULL;
    int threads = 1, json = 0, c;
    while ((c = getopt(argc, argv, "a:t:m:jh")) != -1) {
        char *e;
        switch (c) {
        case 'a':
            if (strcmp(optarg, "bufpool") && strcmp(optarg, "default")) {
                fprintf(stderr, PROG ": -a: invalid value '%s': expected "
                        "bufpool or default\n", optarg);
                return 2;
            }
            alloc = optarg;
            break;
        case 't':
            errno = 0;
            threads = (int)strtol(optarg, &e, 10);
            if (errno || *e || e == optarg || threads < 1 || threads > 64) {
                fprintf(stderr, PROG ": -t: invalid value '%s': expected "
                        "1 to 64\n", optarg);
                return 2;
            }
            break;
        case 'm': md5_path = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, PROG ": expected one input file (see -h)\n");
        return 2;
    }
    const char *input = argv[optind];
    bool use_bufpool = strcmp(alloc, "bufpool") == 0;
    double t0 = now_s();
    int status = 1, ret;
    decoder d = {0};
    AVFormatContext *fmt = NULL;
    AVPacket *pkt = av_packet_alloc();
    bp_frame_pool *fp = NULL;
    d.frame = av_frame_alloc();
    if (!pkt || !d.frame) {
        fail("allocating", AVERROR(ENOMEM));
        goto out;
    }
    if (md5_path) {
        d.md5 = strcmp(md5_path, "-") == 0 ? stdout : fopen(md5_path, "w");
        if (!d.md5) {
            fprintf(stderr, PROG ": -m: cannot open '%s': %s\n", md5_path,
                    strerror(errno));
            status = 2;
            goto out;
        }
    }
    if ((ret = avformat_open_input(&fmt, input, NULL, NULL)) < 0) {
        fail(input, ret);
        goto out;
    }
    if ((ret = avformat_find_stream_info(fmt, NULL)) < 0) {
        fail(input, ret);
        goto out;
    }
    const AVCodec *codec = NULL;
    int stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream < 0) {
        fail(input, stream);
        goto out;
    }
    d.avctx = avcodec_alloc_context3(codec);
    if (!d.avctx) {
        fail("allocating", AVERROR(ENOMEM));
        goto out;
    }
    if ((ret = avcodec_parameters_to_context(d.avctx,
                                             fmt->streams[stream]->codecpar)) < 0) {
        fail(input, ret);
        goto out;
    }
    d.avctx->thread_count = threads;
    d.avctx->thread_type = FF_THREAD_FRAME;
    if (use_bufpool) {
        if (!(fp = bp_frame_pool_new())) {
            fail("bp_frame_pool_new", AVERROR(errno));
            goto out;
        }
        d.avctx->opaque = fp;
        d.avctx->get_buffer2 = bp_frame_pool_get_buffer2;
#if FF_API_THREAD_SAFE_CALLBACKS
        /* FFmpeg 5 asks callers to say so (the field goes in FFmpeg 6,
         * where every get_buffer2 must be thread-safe). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        d.avctx->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
    }
    if ((ret = avcodec_open2(d.avctx, codec, NULL)) < 0) {
        fail(codec->name, ret);
        goto out;
    }
    while ((ret = av_read_frame(fmt, pkt)) >= 0) {
        if (pkt->stream_index == stream &&
            (ret = avcodec_send_packet(d.avctx, pkt)) < 0 &&
            ret != AVERROR(EAGAIN)) {
            av_packet_unref(pkt);
            fail("decoding", ret);
            goto out;
        }
        av_packet_unref(pkt);
        if ((ret = drain(&d)) < 0) {
            fail("decoding", ret);
            goto out;
        }
    }
    if (ret != AVERROR_EOF) {
        fail(input, ret);
        goto out;
    }
    if ((ret = avcodec_send_packet(d.avctx, NULL)) < 0 || (ret = drain(&d)) < 0) {
        fail("decoding", ret);
        goto out;
    }
    status = 0;
out:
    /* Every frame is unreferenced and the decoder closed before the pools
     * go: FFmpeg's threads drop their last references at close. */
    avcodec_free_context(&d.avctx);
    avformat_close_input(&fmt);
    av_frame_free(&d.frame);
    av_packet_free(&pkt);
    av_free(d.pack);
    if (d.md5 && d.md5 != stdout && fclose(d.md5) != 0 && status == 0) {
        fprintf(stderr, PROG ": -m: writing '%s': %s\n", md5_path, strerror(errno));
        status = 1;
    }
    if (status == 0 && json) {
        double wall = now_s() - t0;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
        double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        printf("{\"alloc\": \"%s\", \"threads\": %d, \"frames\": %" PRId64 ", ",
               alloc, threads, d.frames);
        if (use_bufpool) {
            bp_frame_pool_stats st;
            bp_frame_pool_get_stats(fp, &st);
            printf("\"allocs\": %" PRIu64 ", \"alloc_bytes\": %" PRIu64 ", "
                   "\"gets\": %" PRIu64 ", \"peak_in_use\": %" PRIu64 ", "
                   "\"in_use_at_exit\": %" PRIu64 ", \"pools\": %d, ",
                   st.allocs, st.alloc_bytes, st.gets, st.peak_in_use,
                   st.in_use, st.pools);
        } else if (count_allocz_active()) {
            uint64_t n = 0, bytes = 0;
            for (int i = 0; i < d.nsizes; i++) {
                uint64_t k = count_allocz_of(d.sizes[i]);
                n += k;
                bytes += k * d.sizes[i];
            }
            printf("\"allocs\": %" PRIu64 ", \"alloc_bytes\": %" PRIu64 ", "
                   "\"gets\": null, \"peak_in_use\": null, "
                   "\"in_use_at_exit\": null, \"pools\": null, ", n, bytes);
        } else {
            printf("\"allocs\": null, \"alloc_bytes\": null, \"gets\": null, "
                   "\"peak_in_use\": null, \"in_use_at_exit\": null, "
                   "\"pools\": null, ");
        }
        printf("\"cpu_s\": %.3f, \"user_s\": %.3f, \"sys_s\": %.3f, "
               "\"wall_s\": %.3f, \"max_rss_kib\": %ld}\n",
               user + sys, user, sys, wall, ru.ru_maxrss);
        if (fflush(stdout) != 0)
            status = 1;
    }
    bp_frame_pool_free(&fp);
    return status;
}
