/* count_allocz.h - counts FFmpeg's av_buffer_allocz calls by size
 * (measurement only; see count_allocz.c). */
#ifndef COUNT_ALLOCZ_H
#define COUNT_ALLOCZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavutil/buffer.h>

/* Whether any call came through this counter (false: the dynamic linker
 * did not route libavcodec's calls here, and counts are unknown). */
bool count_allocz_active(void);

/* Calls for buffers of exactly size bytes so far. */
uint64_t count_allocz_of(size_t size);

#endif
