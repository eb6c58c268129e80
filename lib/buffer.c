/* buffer.c - reference-counted buffers (bp_alloc, bp_dup, bp_unref, ...).
 *
 * A bp_buffer carries the reference count and embeds its first bp_ref, so a
 * buffer costs one allocation (bp_alloc: one block for header and data).
 * Further refs (bp_dup) are separate small allocations owned by their
 * holder.
 *
 * Reference counting follows the usual scheme: increments are relaxed (the
 * caller already holds a reference, so the buffer cannot go away under it);
 * the decrement that may free is acq_rel, so every holder's writes to the
 * data happen-before the free callback or the pool's reuse of the buffer. */
#include "config.h"

#include "pool.h"   /* pool_release(): bp_unref's fast path */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BPI_STR_(x) #x
#define BPI_STR(x) BPI_STR_(x)

const char *bp_version(void)
{
    return BPI_STR(BP_VERSION_MAJOR) "." BPI_STR(BP_VERSION_MINOR) "."
           BPI_STR(BP_VERSION_PATCH);
}

/* bp_unref compares a ref with its buffer's address for "the embedded
 * ref", which works for a NULL buffer too. */
_Static_assert(offsetof(bp_buffer, self) == 0, "the first ref comes first");

/* Header size in a bp_alloc block, rounded so that data is 64-aligned. */
#define BPI_HDR (((sizeof(bp_buffer) + 63) / 64) * 64)

/* The refs bp_dup makes, one allocation each.  A bp_ref lives only where
 * the library put it (bufpool.h): the debug build puts a magic word before
 * each, and checks it before freeing, so that bp_unref of a ref copied or
 * moved by value stops with a message instead of freeing memory the
 * library never allocated.  (It reads the word before such a ref: only
 * this build does.) */
#ifdef BP_DEBUG
#define REF_MAGIC ((uintptr_t)0x5bf0c3a96e2d1487u)
struct dup_ref {
    uintptr_t magic;      /* the ref's address ^ REF_MAGIC while it lives */
    bp_ref    ref;
};

static bp_ref *ref_new(void)
{
    struct dup_ref *d = bpi_malloc(sizeof(*d));
    if (!d)
        return NULL;
    d->magic = (uintptr_t)&d->ref ^ REF_MAGIC;
    return &d->ref;
}

static void ref_free(bp_ref *r)
{
    struct dup_ref *d = (struct dup_ref *)(void *)
                        ((char *)r - offsetof(struct dup_ref, ref));
    if (d->magic != ((uintptr_t)r ^ REF_MAGIC)) {
        fprintf(stderr, "bufpool: bp_unref of %p, which is not a bp_ref the "
                "library made (a bp_ref copied or moved by value, or "
                "dropped twice?)\n", (void *)r);
        abort();
    }
    d->magic = 0;
    free(d);
}
#else
static bp_ref *ref_new(void)
{
    return bpi_malloc(sizeof(bp_ref));
}

static void ref_free(bp_ref *r)
{
    free(r);
}
#endif

static bp_ref *init_buffer(bp_buffer *b, uint8_t *data, size_t size,
                           bp_free_fn free_cb, void *opaque, unsigned flags)
{
    b->self.data = data;
    b->self.size = size;
    b->self.buffer = b;
    /* Relaxed: the buffer is not yet visible to any other thread. */
    atomic_init(&b->refcount, 1);
    if (ck_mode())
        ck_internal(&b->refcount, sizeof(b->refcount));
    b->flags = flags;
    b->data = data;
    b->size = size;
    b->free_cb = free_cb;
    b->opaque = opaque;
    b->pool = NULL;
    return &b->self;
}

static bp_ref *alloc_inline(size_t size, int zero)
{
    if (size > SIZE_MAX - BPI_HDR) {
        errno = ENOMEM;
        return NULL;
    }
    uint8_t *block = bpi_aligned_alloc(64, BPI_HDR + size);
    if (!block) {
        errno = ENOMEM;
        return NULL;
    }
    if (zero)
        memset(block + BPI_HDR, 0, size);
    return init_buffer((bp_buffer *)(void *)block, block + BPI_HDR, size,
                       NULL, NULL, BPI_FLAG_INLINE);
}

bp_ref *bp_alloc(size_t size)
{
    return alloc_inline(size, 0);
}

bp_ref *bp_allocz(size_t size)
{
    return alloc_inline(size, 1);
}

void bp_default_free(void *opaque, uint8_t *data)
{
    (void)opaque;
    free(data);
}

bp_ref *bp_create(uint8_t *data, size_t size, bp_free_fn free_cb,
                  void *opaque, unsigned flags)
{
    if ((flags & ~BP_FLAG_READONLY) || (!data && size)) {
        errno = EINVAL;
        return NULL;
    }
    bp_buffer *b = bpi_malloc(sizeof(*b));
    if (!b) {
        errno = ENOMEM;
        return NULL;
    }
    return init_buffer(b, data, size, free_cb ? free_cb : bp_default_free,
                       opaque, flags);
}

bp_ref *bp_dup(const bp_ref *ref)
{
    if (!ref || !ref->buffer) {
        errno = EINVAL;
        return NULL;
    }
    bp_ref *r = ref_new();
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    *r = *ref;
    /* A dup of a buffer whose last reference went: a use after release. */
    BPI_ASSERT(at_load_relaxed(&ref->buffer->refcount) != 0);
    /* Relaxed: we hold a reference, so the count cannot reach zero
     * concurrently; ordering of data accesses is the holders' business. */
    at_fetch_add_relaxed(&ref->buffer->refcount, 1);
    return r;
}

static void buffer_free(bp_buffer *b)
{
    /* Debug builds: a released buffer has no reference (bp_dup checks). */
    BPI_DEBUG_ONLY(at_store_relaxed(&b->refcount, 0));
    if (b->pool) {
        bpi_pool_release(b);
        return;
    }
    if (ck_mode())
        ck_forget(b);
    if (b->flags & BPI_FLAG_INLINE)
        free(b);
    else {
        b->free_cb(b->opaque, b->data);
        free(b);
    }
}

static void buffer_drop(bp_buffer *b)
{
    /* Acquire: a count of 1 seen by a holder means every other holder has
     * already dropped its reference with the acq_rel decrement below, so
     * their writes are visible and nobody can take a new reference (that
     * needs one).  The sole owner then skips the atomic read-modify-write.
     * The checkers are told the same (checkers.h). */
    unsigned check = ck_mode();
    unsigned n = at_load_acquire(&b->refcount);
    if (n != 1) {
        if (check)
            ck_release(b);
        /* acq_rel: release publishes our writes to whoever frees; acquire
         * (when we are that one) sees everyone else's. */
        n = at_fetch_sub_acq_rel(&b->refcount, 1);
    }
    if (n == 1) {
        if (check)
            ck_acquire(b);
        buffer_free(b);
    }
}

/* Everything but the common case of bp_unref. */
__attribute__((noinline)) static void unref_general(bp_ref *r, bp_buffer *b)
{
    /* Not a reference (no buffer): nothing to drop, nothing we made. */
    if (!b)
        return;
    /* The embedded first ref lives inside the buffer; others were made by
     * bp_dup and are freed here. */
    if (r != &b->self)
        ref_free(r);
    buffer_drop(b);
}

void bp_unref(bp_ref **ref)
{
    bp_ref *r;
    if (!ref || !(r = *ref))
        return;
    bp_buffer *b = r->buffer;
    *ref = NULL;
    /* The common case, without a stack frame: the sole (embedded) ref of a
     * pool buffer goes back to its pool.  Acquire: as in buffer_drop. */
    bp_pool *p;
    if (bpi_likely((void *)r == (void *)b) &&
        bpi_likely((p = b->pool) != NULL) &&
        at_load_acquire(&b->refcount) == 1) {
        BPI_DEBUG_ONLY(at_store_relaxed(&b->refcount, 0));
        pool_release(p, b);
    } else {
        unref_general(r, b);
    }
}

int bp_is_writable(const bp_ref *ref)
{
    if (!ref || !ref->buffer)
        return 0;   /* a predicate: no reference is not writable */
    if (ref->buffer->flags & BP_FLAG_READONLY)
        return 0;
    /* Acquire: if we are the sole holder, the other holders' last writes
     * happen-before our subsequent writes. */
    return at_load_acquire(&ref->buffer->refcount) == 1;
}

int bp_make_writable(bp_ref **ref)
{
    if (!ref || !*ref || !(*ref)->buffer)
        return -EINVAL;
    if (bp_is_writable(*ref) == 1)
        return 0;
    bp_ref *copy = bp_alloc((*ref)->size);
    if (!copy)
        return -ENOMEM;
    if ((*ref)->size)
        memcpy(copy->data, (*ref)->data, (*ref)->size);
    bp_unref(ref);
    *ref = copy;
    return 0;
}

int bp_realloc(bp_ref **ref, size_t size)
{
    if (!ref)
        return -EINVAL;
    bp_ref *r = *ref;
    if (!r) {
        *ref = bp_alloc(size);
        return *ref ? 0 : -ENOMEM;
    }
    if (!r->buffer)
        return -EINVAL;
    bp_buffer *b = r->buffer;
    /* Shrinking (or growing within the allocation) a buffer we own alone:
     * no copy needed. */
    if (!b->pool && b->data && bp_is_writable(r) == 1 && r->data >= b->data &&
        size <= (size_t)(b->data + b->size - r->data)) {
        r->size = size;
        return 0;
    }
    bp_ref *copy = bp_alloc(size);
    if (!copy)
        return -ENOMEM;
    size_t keep = r->size < size ? r->size : size;
    if (keep)
        memcpy(copy->data, r->data, keep);
    bp_unref(ref);
    *ref = copy;
    return 0;
}

int bp_replace(bp_ref **dst, const bp_ref *src)
{
    if (!dst || (src && !src->buffer))
        return -EINVAL;
    if (!src) {
        bp_unref(dst);
        return 0;
    }
    if (*dst && (*dst)->buffer == src->buffer) {
        (*dst)->data = src->data;
        (*dst)->size = src->size;
        return 0;
    }
    bp_ref *n = bp_dup(src);
    if (!n)
        return -ENOMEM;
    bp_unref(dst);
    *dst = n;
    return 0;
}

unsigned bp_refcount(const bp_ref *ref)
{
    if (!ref || !ref->buffer)
        return 0;
    /* Relaxed: a snapshot for information only. */
    return at_load_relaxed(&ref->buffer->refcount);
}

void *bp_opaque(const bp_ref *ref)
{
    if (!ref || !ref->buffer) {
        errno = EINVAL;
        return NULL;
    }
    return ref->buffer->opaque;
}
