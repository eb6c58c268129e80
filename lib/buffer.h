/* buffer.h - the reference-counted buffer (buffer.c), as the pool sees it.
 * Internal. */
#ifndef BUFPOOL_BUFFER_H
#define BUFPOOL_BUFFER_H

#include "bufpool.h"
#include "platform.h"

#include <stdatomic.h>
#include <stddef.h>

/* Data lives in the same allocation as the bp_buffer (bp_alloc): nothing to
 * free but the block itself. */
#define BPI_FLAG_INLINE (1u << 30)
/* A pool buffer whose data the reset callback has seen since it was
 * allocated (under a checker only: pool.c, hand_out_flags). */
#define BPI_FLAG_RESET  (1u << 29)

struct bp_buffer {
    /* The first reference lives inside the buffer, so creating a buffer and
     * getting one from a pool allocate no separate bp_ref. */
    bp_ref         self;
    atomic_uint    refcount;
    unsigned       flags;          /* BP_FLAG_READONLY | BPI_FLAG_* */
    uint8_t       *data;
    size_t         size;
    struct bp_pool *pool;          /* non-NULL: a pool buffer (a slot) */
    bp_free_fn     free_cb;
    void          *opaque;
};
/* What a pool's get and release touch is in the first 64 bytes. */
_Static_assert(offsetof(bp_buffer, pool) + sizeof(void *) <= 64,
               "self, refcount, data, size and pool share a cache line");

#endif
