/* Pool semantics on one thread: get/release, LIFO reuse, flags, callbacks,
 * constructors, errors, stats exactness, uninit with buffers out, trim. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <stdint.h>

#include "tap.h"

/* A custom allocator that counts what it hands out and gets back. */
struct counter {
    int allocs, frees, resets, pool_frees;
    int fail_at;          /* fail the Nth alloc call (1-based); 0: never */
    int calls;
    size_t short_by;      /* return buffers this much smaller */
};

static void c_free(void *opaque, uint8_t *data)
{
    struct counter *c = opaque;
    c->frees++;
    free(data);
}

static bp_ref *c_alloc(void *opaque, size_t size)
{
    struct counter *c = opaque;
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at)
        return NULL;
    size -= c->short_by;
    bp_ref *r = bp_create(malloc(size), size, c_free, c, 0);
    if (r)
        c->allocs++;
    return r;
}

static void c_reset(void *opaque, uint8_t *data, size_t size)
{
    struct counter *c = opaque;
    c->resets++;
    data[size - 1] = 0x11;   /* visible only if POISON runs after reset */
}

static void c_pool_free(void *opaque)
{
    ((struct counter *)opaque)->pool_frees++;
}

static bp_pool_stats stats(bp_pool *p)
{
    bp_pool_stats s;
    memset(&s, 0xff, sizeof s);
    s.struct_size = sizeof s;
    if (bp_pool_get_stats(p, &s) != 0)
        diag("bp_pool_get_stats failed");
    return s;
}

#define is_stats(p, g, r, a, f, u, i, pk, name)                           \
    do {                                                                  \
        bp_pool_stats s_ = stats(p);                                      \
        ok(s_.gets == (g) && s_.reuses == (r) && s_.allocs == (a) &&      \
           s_.failures == (f) && s_.in_use == (u) && s_.idle == (i) &&    \
           s_.peak_in_use == (pk), "stats: %s", name);                    \
        if (!(s_.gets == (g) && s_.reuses == (r) && s_.allocs == (a) &&   \
              s_.failures == (f) && s_.in_use == (u) && s_.idle == (i) && \
              s_.peak_in_use == (pk)))                                    \
            diag("gets %llu reuses %llu allocs %llu failures %llu "       \
                 "in_use %zu idle %zu peak %zu",                          \
                 (unsigned long long)s_.gets,                             \
                 (unsigned long long)s_.reuses,                           \
                 (unsigned long long)s_.allocs,                           \
                 (unsigned long long)s_.failures, s_.in_use, s_.idle,     \
                 s_.peak_in_use);                                         \
    } while (0)

static void test_basic(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 1000));
    ok(p != NULL, "bp_pool_new with defaults");
    is_stats(p, 0, 0, 0, 0, 0, 0, 0, "fresh pool");
    bp_ref *a = bp_pool_get(p);
    ok(a && a->size == 1000 && a->data, "get returns a 1000-byte buffer");
    is_u64((uintptr_t)a->data % 64, 0, "pool data is 64-byte aligned by default");
    is_int(bp_refcount(a), 1, "refcount 1");
    is_int(bp_is_writable(a), 1, "writable");
    memset(a->data, 0x33, a->size);
    uint8_t *mem = a->data;
    bp_unref(&a);
    ok(a == NULL, "unref clears the ref");
    is_stats(p, 1, 0, 1, 0, 0, 1, 1, "after one get and release");
    a = bp_pool_get(p);
    is_ptr(a->data, mem, "get after release returns the same memory (LIFO)");
    kept(a->data, a->size);
    is_int(a->data[999], 0x33, "contents kept without ZERO/POISON");
    is_stats(p, 2, 1, 1, 0, 1, 0, 1, "second get reused");

    /* LIFO with several buffers. */
    bp_ref *b = bp_pool_get(p), *c = bp_pool_get(p);
    ok(b && c && b->data != c->data && b->data != a->data, "distinct buffers");
    is_stats(p, 4, 1, 3, 0, 3, 0, 3, "three out");
    uint8_t *cm = c->data, *bm = b->data;
    bp_unref(&b);
    bp_unref(&c);
    bp_ref *x = bp_pool_get(p), *y = bp_pool_get(p);
    ok(x->data == cm && y->data == bm, "released last comes back first");
    bp_unref(&x);
    bp_unref(&y);
    bp_unref(&a);
    is_stats(p, 6, 3, 3, 0, 0, 3, 3, "all back");

    /* A dup keeps the buffer out of the pool until the last ref drops. */
    a = bp_pool_get(p);
    bp_ref *d = bp_dup(a);
    is_int(bp_refcount(a), 2, "dup of a pool buffer: refcount 2");
    is_int(bp_is_writable(a), 0, "shared pool buffer is not writable");
    mem = a->data;
    bp_unref(&a);
    is_stats(p, 7, 4, 3, 0, 1, 2, 3, "still out while the dup lives");
    b = bp_pool_get(p);
    ok(b->data != mem, "a buffer held by a dup is not handed out again");
    bp_unref(&b);
    bp_unref(&d);
    is_stats(p, 8, 5, 3, 0, 0, 3, 3, "back after the dup is dropped");

    /* make_writable of a shared pool buffer copies out of the pool. */
    a = bp_pool_get(p);
    d = bp_dup(a);
    is_int(bp_make_writable(&d), 0, "make_writable of a shared pool buffer");
    ok(d->buffer != a->buffer, "it made a copy");
    errno = 0;
    ok(bp_pool_buffer_opaque(d) == NULL && errno == EINVAL,
       "bp_pool_buffer_opaque of a non-pool ref: EINVAL");
    bp_unref(&d);
    bp_unref(&a);

    is_u64(bp_pool_trim(p, 1), 2, "trim to 1 idle frees 2");
    is_stats(p, 9, 6, 3, 0, 0, 1, 3, "after trim");
    is_u64(bp_pool_trim(p, 5), 0, "trim above idle frees nothing");
    is_u64(bp_pool_trim(p, 0), 1, "trim to 0");
    a = bp_pool_get(p);
    is_stats(p, 10, 6, 4, 0, 1, 0, 3, "get after trim allocates");
    bp_unref(&a);
    bp_pool_uninit(&p);
    ok(p == NULL, "uninit clears the handle");
    bp_pool_uninit(&p);
    bp_pool_uninit(NULL);
    ok(1, "uninit of NULL is a no-op");
}

static void test_peak(void)
{
    /* min_buffers pre-allocated: gets are reuses, and the peak must still
     * be exact. */
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .min_buffers = 10));
    is_stats(p, 0, 0, 10, 0, 0, 10, 0, "min_buffers are idle");
    bp_ref *r[20];
    for (int i = 0; i < 3; i++)
        r[i] = bp_pool_get(p);
    for (int i = 0; i < 3; i++)
        bp_unref(&r[i]);
    is_stats(p, 3, 3, 10, 0, 0, 10, 3, "peak 3 from pre-allocated buffers");
    for (int i = 0; i < 2; i++)
        r[i] = bp_pool_get(p);
    bp_unref(&r[0]);
    bp_unref(&r[1]);
    is_stats(p, 5, 5, 10, 0, 0, 10, 3, "lower use keeps the peak");
    for (int i = 0; i < 12; i++)
        r[i] = bp_pool_get(p);
    is_stats(p, 17, 15, 12, 0, 12, 0, 12, "peak 12 beyond min_buffers");
    for (int i = 0; i < 12; i++)
        bp_unref(&r[i]);
    is_stats(p, 17, 15, 12, 0, 0, 12, 12, "all returned");
    bp_pool_uninit(&p);
}

static void test_many(void)
{
    /* More buffers than one thread cache holds: the overflow goes to the
     * depot and comes back; nothing is lost or doubled. */
    enum { N = 1000 };
    static bp_ref *r[N];
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 16));
    int dup = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            r[i] = bp_pool_get(p);
            memcpy(r[i]->data, &i, sizeof i);
        }
        for (int i = 0; i < N; i++) {
            int v;
            memcpy(&v, r[i]->data, sizeof v);
            dup += v != i;
        }
        for (int i = 0; i < N; i++)
            bp_unref(&r[i]);
    }
    is_int(dup, 0, "1000 buffers held at once are all distinct");
    is_stats(p, 3 * N, 2 * N, N, 0, 0, N, N, "1000 x 3 rounds");
    is_u64(bp_pool_trim(p, 0), N, "trim frees all 1000");
    is_stats(p, 3 * N, 2 * N, N, 0, 0, 0, N, "after trim");
    bp_pool_uninit(&p);
}

static void test_flags_callbacks(void)
{
    struct counter c = { 0 };
    bp_pool_config cfg = BP_POOL_CONFIG(.size = 256, .flags = BP_POOL_ZERO | BP_POOL_POISON,
                                        .alloc = c_alloc, .opaque = &c, .reset = c_reset,
                                        .pool_free = c_pool_free, .min_buffers = 2);
    bp_pool *p = bp_pool_new(&cfg);
    ok(p && c.allocs == 2, "min_buffers allocated through the callback");
    bp_ref *a = bp_pool_get(p);
    int zero = 1;
    for (int i = 0; i < 256; i++)
        zero &= a->data[i] == 0;
    ok(zero, "ZERO: buffer handed out is zero-filled");
    is_ptr(bp_opaque(a), &c, "bp_opaque of a pool buffer is the config opaque");
    is_ptr(bp_pool_buffer_opaque(a), &c,
           "bp_pool_buffer_opaque is the alloc'd buffer's opaque");
    memset(a->data, 0x77, 256);
    uint8_t *mem = a->data;
    bp_ref *keep = bp_dup(a);   /* to look at the memory after release */
    bp_unref(&a);
    is_int(c.resets, 0, "reset not called while a ref is alive");
    /* Peek through our own allocation: POISON fills with 0xA5 after reset,
     * and poisons for ASan - so look via the dup before dropping it. */
    keep->data = mem;
    bp_unref(&keep);
    is_int(c.resets, 1, "reset called once on return");
    a = bp_pool_get(p);
    ok(a->data == mem && a->data[0] == 0 && a->data[255] == 0,
       "ZERO wins over POISON on the way out");
    bp_unref(&a);
    bp_pool_uninit(&p);
    is_int(c.frees, c.allocs, "uninit freed every buffer the callback made");
    is_int(c.pool_frees, 1, "pool_free called once");

    /* POISON without ZERO: released buffers read 0xA5, after reset. */
    memset(&c, 0, sizeof c);
    cfg.flags = BP_POOL_POISON;
    cfg.min_buffers = 0;
    p = bp_pool_new(&cfg);
    a = bp_pool_get(p);
    memset(a->data, 0x77, 256);
    bp_unref(&a);
    a = bp_pool_get(p);
    int poisoned = 1;
    for (int i = 0; i < 256; i++)
        poisoned &= a->data[i] == 0xA5;
    ok(poisoned, "POISON: a reused buffer is filled with 0xA5 (after reset)");
    bp_unref(&a);
    bp_pool_uninit(&p);
    is_int(c.pool_frees, 1, "pool_free once");
    is_int(c.frees, c.allocs, "no leak");

    /* A buffer smaller than size from the callback is an error. */
    memset(&c, 0, sizeof c);
    c.short_by = 1;
    cfg.flags = 0;
    p = bp_pool_new(&cfg);
    errno = 0;
    a = bp_pool_get(p);
    ok(!a && errno == EPROTO, "alloc callback returning a short buffer: EPROTO");
    is_int(c.frees, 1, "the short buffer was released");
    is_stats(p, 1, 0, 0, 1, 0, 0, 0, "counted as a failure");
    bp_pool_uninit(&p);
}

static void test_alignment(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 100, .align = 4096));
    bp_ref *a = bp_pool_get(p), *b = bp_pool_get(p);
    ok((uintptr_t)a->data % 4096 == 0 && (uintptr_t)b->data % 4096 == 0,
       "align 4096 honoured");
    bp_unref(&a);
    bp_unref(&b);
    bp_pool_uninit(&p);
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 3, .align = 1));
    a = bp_pool_get(p);
    ok(a && a->size == 3, "align 1 works");
    bp_unref(&a);
    bp_pool_uninit(&p);
}

static bp_ref *plain_alloc(size_t size)
{
    return bp_allocz(size);
}

static bp_ref *opaque_alloc(void *opaque, size_t size)
{
    (*(int *)opaque)++;
    return bp_alloc(size);
}

static int init2_freed;
static void init2_free(void *opaque)
{
    init2_freed = *(int *)opaque;
}

static void test_ffmpeg_shapes(void)
{
    bp_pool *p = bp_pool_init(512, plain_alloc);
    bp_ref *a = bp_pool_get(p);
    ok(a && a->size == 512, "bp_pool_init with an alloc");
    bp_unref(&a);
    bp_pool_uninit(&p);
    p = bp_pool_init(512, NULL);
    a = bp_pool_get(p);
    ok(a && a->size == 512, "bp_pool_init with NULL alloc");
    bp_unref(&a);
    bp_pool_uninit(&p);

    int n = 0;
    p = bp_pool_init2(128, &n, opaque_alloc, init2_free);
    a = bp_pool_get(p);
    bp_ref *b = bp_pool_get(p);
    is_int(n, 2, "bp_pool_init2 passes the opaque to alloc");
    bp_unref(&a);
    bp_pool_uninit(&p);
    is_int(init2_freed, 0, "pool_free waits for the buffer still out");
    n = 42;
    bp_unref(&b);
    is_int(init2_freed, 42, "pool_free ran when the last buffer came back");
    errno = 0;
    ok(!bp_pool_init(0, NULL) && errno == EINVAL, "bp_pool_init(0): EINVAL");
    errno = 0;
    ok(!bp_pool_init2(0, NULL, NULL, NULL) && errno == EINVAL,
       "bp_pool_init2(0): EINVAL");
}

static void test_errors(void)
{
    errno = 0;
    ok(!bp_pool_new(NULL) && errno == EINVAL, "NULL config: EINVAL");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = 0)) && errno == EINVAL,
       "size 0: EINVAL");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = 8, .align = 48)) &&
       errno == EINVAL, "align 48: EINVAL");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = 8, .flags = 1u << 7)) &&
       errno == EINVAL, "unknown flag: EINVAL");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = 8, .min_buffers = 3,
                                    .max_buffers = 2)) &&
       errno == EINVAL, "min_buffers > max_buffers: EINVAL");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = 8,
                                    .max_buffers = BP_POOL_MAX_BUFFERS + 1)) &&
       errno == EINVAL, "max_buffers too large: EINVAL");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = SIZE_MAX)) && errno == ENOMEM,
       "size whose rounding overflows: ENOMEM");
    errno = 0;
    ok(!bp_pool_new(&BP_POOL_CONFIG(.size = SIZE_MAX - 4096, .align = 8192)) &&
       errno == ENOMEM, "size + align overflow: ENOMEM");
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = SIZE_MAX / 4));
    errno = 0;
    ok(p && !bp_pool_get(p) && errno == ENOMEM,
       "a buffer too large for memory: get gives ENOMEM");
    is_stats(p, 1, 0, 0, 1, 0, 0, 0, "failed allocation counted, nothing leaked");
    bp_pool_uninit(&p);

    struct counter c = { .fail_at = 2 };
    errno = 0;
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 32, .min_buffers = 3,
                                    .alloc = c_alloc, .opaque = &c,
                                    .pool_free = c_pool_free));
    ok(!p && errno == ENOMEM, "min_buffers alloc failure: ENOMEM");
    ok(c.frees == c.allocs && c.allocs == 1, "the buffers it made were freed");
    is_int(c.pool_frees, 0, "pool_free not called for a pool never made");
    c = (struct counter){ .short_by = 1 };
    errno = 0;
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 32, .min_buffers = 2,
                                    .alloc = c_alloc, .opaque = &c));
    ok(!p && errno == EPROTO && c.frees == c.allocs,
       "min_buffers from a callback returning short buffers: EPROTO, no leak");

    errno = 0;
    ok(!bp_pool_get(NULL) && errno == EINVAL, "get(NULL): EINVAL");
    errno = 0;
    ok(!bp_pool_get_timeout(NULL, 0) && errno == EINVAL, "get_timeout(NULL): EINVAL");
    bp_pool_stats s = BP_POOL_STATS_INIT;
    is_int(bp_pool_get_stats(NULL, &s), -EINVAL, "stats(NULL pool): -EINVAL");
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 8));
    is_int(bp_pool_get_stats(p, NULL), -EINVAL, "stats(NULL out): -EINVAL");
    errno = 0;
    ok(!bp_pool_get_timeout(p, -2) && errno == EINVAL, "timeout -2: EINVAL");
    is_stats(p, 0, 0, 0, 0, 0, 0, 0,
             "a bad timeout is not a failed get of the pool (issue 19)");
    is_u64(bp_pool_trim(NULL, 0), 0, "trim(NULL) frees nothing");
    errno = 0;
    ok(!bp_pool_buffer_opaque(NULL) && errno == EINVAL,
       "bp_pool_buffer_opaque(NULL): EINVAL");
    bp_ref *a = bp_pool_get(p);
    errno = 0;
    ok(!bp_pool_buffer_opaque(a) && errno == 0,
       "bp_pool_buffer_opaque with the library's allocation: NULL");
    bp_unref(&a);
    bp_pool_uninit(&p);
}

static void test_uninit_out(void)
{
    struct counter c = { 0 };
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .alloc = c_alloc,
                                             .opaque = &c,
                                             .pool_free = c_pool_free));
    bp_ref *r[5];
    for (int i = 0; i < 5; i++) {
        r[i] = bp_pool_get(p);
        memset(r[i]->data, i, 64);
    }
    bp_unref(&r[4]);   /* one idle */
    bp_pool_uninit(&p);
    is_int(c.frees, 1, "uninit freed the idle buffer at once");
    is_int(c.pool_frees, 0, "pool_free waits for outstanding buffers");
    int intact = 1;
    for (int i = 0; i < 4; i++)
        intact &= r[i]->data[0] == i && r[i]->data[63] == i;
    ok(intact, "outstanding buffers stay valid after uninit");
    bp_ref *d = bp_dup(r[1]);
    bp_unref(&r[1]);
    is_int(c.frees, 1, "buffer held by a dup is not freed");
    bp_unref(&r[0]);
    bp_unref(&r[3]);
    is_int(c.frees, 3, "returned buffers are freed");
    bp_unref(&d);
    is_int(c.pool_frees, 0, "pool_free still waits");
    bp_unref(&r[2]);
    is_int(c.frees, 5, "every buffer freed");
    is_int(c.pool_frees, 1, "pool_free once after the last buffer");
}

int main(void)
{
    test_basic();
    test_peak();
    test_many();
    test_flags_callbacks();
    test_alignment();
    test_ffmpeg_shapes();
    test_errors();
    test_uninit_out();
    return done_testing();
}
