/* fuzz_api.c - libFuzzer harness for the whole public API of bufpool.h.
 *
 * The input is decoded into a sequence of API calls (at most MAX_STEPS)
 * over NPOOLS pool handles and NSLOTS reference slots.  A shadow model
 * predicts the result of every call and the state after it; any difference
 * aborts (libFuzzer saves the input).  Checked after every step:
 *   - every held ref: data/size as the model says, bp_refcount, bp_opaque,
 *     bp_is_writable, bp_pool_buffer_opaque; its first and last byte;
 *   - every open pool: bp_pool_get_stats field by field (single-threaded,
 *     so exact): gets, reuses, allocs, failures, in_use, idle, peak_in_use;
 *     bp_pool_get_info's parameters, buffers and flushing;
 *   - callbacks: alloc called exactly when a new buffer is due, reset once
 *     per return, pool_free exactly once after the last buffer of an
 *     uninitialised pool came back, never before; the buffers the alloc
 *     callback made are all freed by then;
 *   - free callbacks of bp_create() buffers: exactly once, at the last
 *     unref;
 * and on each acquire the holder writes a pattern derived from its slot
 * over the whole buffer, which is verified in full before every release,
 * dup, copy (make_writable, realloc) and at the end.  Failures must give
 * the documented errno: the alloc callback's own (EIO), ENOMEM for its NULL
 * without errno, EPROTO for a buffer too small or misaligned for align,
 * ECANCELED while the pool is flushing.  Everything is released at the end of the input
 * (LeakSanitizer then checks nothing leaked).
 *
 * Input format: a stream of steps, each an opcode byte followed by its
 * argument bytes (see run_step); reading past the end yields zeros.  Sizes
 * are capped at MAX_SIZE bytes and pools at MAX_BUFS buffers so that an
 * execution takes well under a millisecond.  Nothing here depends on
 * libFuzzer: replay.c runs the same function on files. */
#include "config.h"

#include "fuzz.h"

#include <bufpool.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPOOLS    3
#define NSLOTS    16
#define NSBUF     64         /* shadow buffers: at most NSLOTS are live */
#define MAX_STEPS 512
#define MAX_SIZE  4096
#define MAX_BUFS  48

#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define FUZZ_ASAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#  define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
/* Huge aligned allocations (the align cases) must fail with NULL, as
 * malloc does, not abort the process. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

/* ---- failing --------------------------------------------------------- */

static unsigned g_step;      /* for messages */
static int g_op;

__attribute__((noreturn, format(printf, 3, 4)))
static void fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_api: invariant failed at %s:%d (step %u, op %d): ",
            file, line, g_step, g_op);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* REQUIRE(cond, " (detail %d)", x): aborts with the condition's text and
 * the detail when cond is false. */
#define REQUIRE(cond, fmt, ...)                                               \
    do {                                                                      \
        if (!(cond))                                                          \
            fail(__FILE__, __LINE__, "%s" fmt, #cond, ##__VA_ARGS__);        \
    } while (0)

/* ---- input ----------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned u8(reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static unsigned u16(reader *r)
{
    unsigned a = u8(r);
    return a | u8(r) << 8;
}

/* ---- the model ------------------------------------------------------- */

enum { F_NONE, F_NULL, F_SMALL, F_EIO };  /* alloc callback faults */
enum { A_LIB, A_CREATE_TRACKED, A_CREATE_DEFAULT, A_ALLOC, A_ALLOCZ, A_NMODES };
enum { K_ALLOC, K_ALLOCZ, K_CREATE, K_POOL };

/* One pool ever created (or attempted) in this input.  Lives until the end
 * of the input, so callbacks of a pool that outlives its handle find it. */
typedef struct ptrack {
    struct ptrack *next;
    bool created;            /* bp_pool_* returned a pool */
    bool open;               /* its handle is still valid */
    bool init1;              /* made by bp_pool_init (alloc takes no opaque) */
    size_t size, align, min, max;
    unsigned flags;
    int alloc_mode;          /* A_* */
    size_t extra;            /* inner buffers are this much larger */
    int reset_mode;          /* 0 none, 1 count, 2 count and fill */
    uint8_t reset_byte;
    bool has_pool_free;
    void *opaque;            /* the config's opaque */
    int inner_tag;           /* &inner_tag: opaque of the inner buffers */
    /* alloc fault plan: the fault_at-th call after arming gets fault_kind */
    unsigned armed_calls, fault_at;
    int fault_kind;
    unsigned misaligned_at;  /* the first armed call whose data was not
                                aligned to align (UINT32_MAX: none) */
    bool flushing;           /* bp_pool_set_flushing is on */
    /* observed */
    unsigned alloc_calls, resets, pool_free_calls;
    long inner_live;         /* A_CREATE_TRACKED inner buffers alive */
    uint8_t *last_reset;
    /* model */
    uint64_t gets, reuses, allocs, failures;
    size_t in_use, idle, peak;
    uint8_t *last_released;  /* LIFO: the next get returns this ... */
    bool shared;             /* ... until a get met the cap: from then on
                                releases go to the thread's ring, and a get
                                takes its oldest */
} ptrack;

/* A buffer some slot holds. */
typedef struct sbuf {
    bool used;
    int kind;                /* K_* */
    ptrack *pool;            /* K_POOL */
    bp_buffer *buffer;
    uint8_t *base;           /* the whole buffer */
    size_t cap;
    unsigned rc;             /* model refcount */
    bool readonly;
    uint32_t seed;           /* byte j of the buffer is pat(seed, j) */
    void *opaque;            /* expected bp_opaque */
    void *pool_opaque;       /* expected bp_pool_buffer_opaque */
    bool tracked;            /* K_CREATE with free_cb: freed is exact */
    bool freed;
} sbuf;

typedef struct slot {
    bp_ref *ref;
    sbuf *sb;
    uint8_t *data;           /* expected ref->data / ref->size */
    size_t size;
} slot;

typedef struct pslot {
    bp_pool *h;
    ptrack *t;
} pslot;

static slot slots[NSLOTS];
static sbuf sbufs[NSBUF];
static pslot pools[NPOOLS];
static ptrack *trackers;     /* every ptrack of this input */
static ptrack *g_cur;        /* for bp_pool_init's alloc (no opaque) */
static uint32_t g_seed_ctr;
static int g_tag;            /* an arbitrary opaque */

static uint8_t pat(uint32_t seed, size_t j)
{
    uint32_t x = seed * 0x9E3779B1u + (uint32_t)j * 0x85EBCA77u;
    return (uint8_t)(x ^ x >> 13 ^ x >> 24);
}

static void fill(sbuf *sb, uint32_t seed)
{
    sb->seed = seed;
    for (size_t j = 0; j < sb->cap; j++)
        sb->base[j] = pat(seed, j);
}

/* Where slot s's view starts in its buffer. */
static size_t slot_off(const slot *sl)
{
    return sl->data ? (size_t)(sl->data - sl->sb->base) : 0;
}

/* Verifies what slot s sees: every byte, or first and last only. */
static void verify_slot(int s, bool full)
{
    slot *sl = &slots[s];
    sbuf *sb = sl->sb;
    if (!sl->size)
        return;
    size_t off = slot_off(sl);
    for (size_t k = 0; k < sl->size; k++) {
        if (!full && k == 1)
            k = sl->size - 1;
        if (sl->data[k] != pat(sb->seed, off + k))
            fail(__FILE__, __LINE__, "slot %d: byte %zu of %zu is %#x, the "
                 "holder wrote %#x", s, k, sl->size, sl->data[k],
                 pat(sb->seed, off + k));
    }
}

static sbuf *sbuf_new(void)
{
    for (int i = 0; i < NSBUF; i++)
        if (!sbufs[i].used) {
            memset(&sbufs[i], 0, sizeof sbufs[i]);
            sbufs[i].used = true;
            return &sbufs[i];
        }
    fail(__FILE__, __LINE__, "out of shadow buffers");
}

/* No live buffer may overlap [p, p + n): a buffer is never handed to two
 * holders at once. */
static void check_fresh(const uint8_t *p, size_t n, const sbuf *self)
{
    if (!p || !n)
        return;            /* zero bytes overlap nothing */
    for (int i = 0; i < NSBUF; i++) {
        const sbuf *o = &sbufs[i];
        if (!o->used || o == self || !o->base || !o->cap)
            continue;
        if (p < o->base + o->cap && o->base < p + n)
            fail(__FILE__, __LINE__, "new buffer %p+%zu overlaps a held "
                 "buffer %p+%zu", (const void *)p, n, (void *)o->base, o->cap);
    }
}

static ptrack *tracker_new(void)
{
    ptrack *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->next = trackers;
    trackers = t;
    t->fault_at = UINT32_MAX;
    return t;
}

/* ---- callbacks ------------------------------------------------------- */

static ptrack *from_inner_tag(void *tag)
{
    return (ptrack *)(void *)((char *)tag - offsetof(ptrack, inner_tag));
}

static void inner_free(void *opaque, uint8_t *data)
{
    ptrack *t = from_inner_tag(opaque);
    REQUIRE(t->alloc_mode == A_CREATE_TRACKED, "");
    t->inner_live--;
    REQUIRE(t->inner_live >= 0, "");
    free(data);
}

static bp_ref *inner_alloc(ptrack *t, size_t size)
{
    REQUIRE(size == t->size, " (%zu, pool %zu)", size, t->size);
    REQUIRE(t->alloc_mode != A_LIB, "");
    t->alloc_calls++;
    unsigned call = t->armed_calls++;
    int fault = call == t->fault_at ? t->fault_kind : F_NONE;
    if (fault == F_NULL)
        return NULL;           /* without errno: ENOMEM */
    if (fault == F_EIO) {
        errno = EIO;
        return NULL;
    }
    size_t n = fault == F_SMALL ? size - 1 : size + t->extra;
    bp_ref *r = NULL;
    uint8_t *d;
    switch (t->alloc_mode) {
    case A_CREATE_TRACKED:
    case A_CREATE_DEFAULT:
        d = malloc(n ? n : 1);
        if (!d)
            return NULL;
        r = bp_create(d, n, t->alloc_mode == A_CREATE_TRACKED ? inner_free
                      : NULL, &t->inner_tag, 0);
        REQUIRE(r != NULL, "");
        if (t->alloc_mode == A_CREATE_TRACKED)
            t->inner_live++;
        break;
    case A_ALLOC:
        r = bp_alloc(n);
        break;
    case A_ALLOCZ:
        r = bp_allocz(n);
        break;
    }
    REQUIRE(r != NULL, "");
    if (t->align && ((uintptr_t)r->data & (t->align - 1)) &&
        t->misaligned_at == UINT32_MAX)
        t->misaligned_at = call;
    return r;
}

static bp_ref *alloc_cb(void *opaque, size_t size)
{
    return inner_alloc(opaque, size);
}

static bp_ref *alloc1_cb(size_t size)
{
    REQUIRE(g_cur != NULL && g_cur->init1, "");
    return inner_alloc(g_cur, size);
}

static void reset_cb(void *opaque, uint8_t *data, size_t size)
{
    ptrack *t = opaque;
    REQUIRE(t->reset_mode != 0, "");
    REQUIRE(size == t->size, " (%zu, pool %zu)", size, t->size);
    t->resets++;
    t->last_reset = data;
    if (t->reset_mode == 2)
        memset(data, t->reset_byte, size);
}

static void pool_free_cb(void *opaque)
{
    ptrack *t = opaque;
    REQUIRE(t->has_pool_free, "");
    REQUIRE(t->created, "");
    t->pool_free_calls++;
    /* Nothing of the pool is left: every inner buffer was dropped. */
    if (t->alloc_mode == A_CREATE_TRACKED)
        REQUIRE(t->inner_live == 0, " (%ld)", t->inner_live);
}

static void create_free(void *opaque, uint8_t *data)
{
    sbuf *sb = opaque;
    REQUIRE(sb->used && sb->kind == K_CREATE && sb->tracked, "");
    REQUIRE(!sb->freed, " (free_cb called twice)");
    REQUIRE(data == sb->base, "");
    sb->freed = true;
    free(data);
}

/* ---- model transitions ----------------------------------------------- */

static void arm(ptrack *t, int kind)
{
    t->armed_calls = 0;
    t->fault_at = kind == F_NONE ? UINT32_MAX : 0;
    t->fault_kind = kind;
    t->misaligned_at = UINT32_MAX;
}

/* The model's side of dropping one reference to sb (the call was made). */
static void model_drop(sbuf *sb)
{
    REQUIRE(sb->rc > 0, "");
    if (--sb->rc) {
        if (sb->tracked)
            REQUIRE(!sb->freed, " (free_cb before the last unref)");
        return;
    }
    if (sb->tracked)
        REQUIRE(sb->freed, " (free_cb not called at the last unref)");
    if (sb->kind == K_POOL) {
        ptrack *t = sb->pool;
        REQUIRE(t->in_use > 0, "");
        t->in_use--;
        if (t->reset_mode && t->open)
            REQUIRE(t->last_reset == sb->base, " (reset got another buffer)");
        t->last_reset = NULL;
        if (t->open) {
            t->idle++;
            t->last_released = sb->base;
        }
    }
    sb->used = false;
}

/* Drops slot s (verifying what it holds first). */
static void drop_slot(int s)
{
    slot *sl = &slots[s];
    if (!sl->ref)
        return;
    verify_slot(s, true);
    sbuf *sb = sl->sb;
    unsigned resets = sb->kind == K_POOL ? sb->pool->resets : 0;
    bp_unref(&sl->ref);
    REQUIRE(sl->ref == NULL, "");
    sl->sb = NULL;
    bool last = sb->rc == 1;
    ptrack *t = sb->kind == K_POOL ? sb->pool : NULL;
    bool was_open = t && t->open;
    model_drop(sb);
    if (t && t->reset_mode) {
        unsigned d = t->resets - resets;
        if (last && was_open)
            REQUIRE(d == 1, " (reset called %u times)", d);
        else if (!last)
            REQUIRE(d == 0, "");
        else
            REQUIRE(d <= 1, "");
    }
}

/* A new buffer from bp_alloc/bp_allocz/make_writable/realloc in slot s. */
static sbuf *adopt_plain(int s, bp_ref *r, int kind, size_t size)
{
    REQUIRE(r != NULL, "");
    REQUIRE(r->buffer != NULL && r->data != NULL, "");
    REQUIRE(r->size == size, " (%zu, %zu)", r->size, size);
    REQUIRE(((uintptr_t)r->data & 63) == 0, " (bp_alloc data %p)",
            (void *)r->data);
    check_fresh(r->data, size, NULL);
    sbuf *sb = sbuf_new();
    sb->kind = kind;
    sb->buffer = r->buffer;
    sb->base = r->data;
    sb->cap = size;
    sb->rc = 1;
    slots[s].ref = r;
    slots[s].sb = sb;
    slots[s].data = r->data;
    slots[s].size = size;
    return sb;
}

/* ---- invariants ------------------------------------------------------ */

static size_t eff_align(size_t align)
{
    size_t a = align ? align : 64;
    return a < sizeof(void *) ? sizeof(void *) : a;
}

static void check_pool(ptrack *t, bp_pool *h)
{
    bp_pool_stats st;
    memset(&st, 0xEE, sizeof st);
    st.struct_size = sizeof st;
    REQUIRE(bp_pool_get_stats(h, &st) == 0, "");
    if (st.gets != t->gets || st.reuses != t->reuses ||
        st.allocs != t->allocs || st.failures != t->failures ||
        st.in_use != t->in_use || st.idle != t->idle ||
        st.peak_in_use != t->peak)
        fail(__FILE__, __LINE__, "stats: gets %llu/%llu reuses %llu/%llu "
             "allocs %llu/%llu failures %llu/%llu in_use %zu/%zu idle %zu/%zu "
             "peak %zu/%zu (library/model)",
             (unsigned long long)st.gets, (unsigned long long)t->gets,
             (unsigned long long)st.reuses, (unsigned long long)t->reuses,
             (unsigned long long)st.allocs, (unsigned long long)t->allocs,
             (unsigned long long)st.failures, (unsigned long long)t->failures,
             st.in_use, t->in_use, st.idle, t->idle, st.peak_in_use, t->peak);
    REQUIRE(st.gets == st.reuses + (st.allocs - t->min) + st.failures, "");
    REQUIRE(st.peak_in_use <= st.allocs, "");
    if (t->max)
        REQUIRE(st.in_use + st.idle <= t->max, "");
    bp_pool_info in;
    memset(&in, 0xEE, sizeof in);
    in.struct_size = sizeof in;
    REQUIRE(bp_pool_get_info(h, &in) == 0, "");
    size_t align = t->alloc_mode == A_LIB ? eff_align(t->align)
                   : t->align > 1 ? t->align : 0;
    REQUIRE(in.size == t->size && in.align == align &&
            in.min_buffers == t->min && in.max_buffers == t->max &&
            in.flags == t->flags && in.buffers == t->in_use + t->idle &&
            in.flushing == t->flushing, " (info: size %zu align %zu buffers "
            "%zu flushing %d)", in.size, in.align, in.buffers, in.flushing);
    REQUIRE(in.buffer_bytes >= t->size + in.overhead &&
            in.bytes >= in.buffers * (in.buffer_bytes - in.overhead), "");
}

static void check_all(void)
{
    for (int s = 0; s < NSLOTS; s++) {
        slot *sl = &slots[s];
        if (!sl->ref)
            continue;
        sbuf *sb = sl->sb;
        REQUIRE(sl->ref->data == sl->data && sl->ref->size == sl->size,
                " (slot %d)", s);
        REQUIRE(sl->ref->buffer == sb->buffer, " (slot %d)", s);
        REQUIRE(bp_refcount(sl->ref) == sb->rc, " (slot %d: %u, model %u)", s,
                bp_refcount(sl->ref), sb->rc);
        int w = bp_is_writable(sl->ref);
        REQUIRE(w == (sb->rc == 1 && !sb->readonly), " (slot %d: %d)", s, w);
        errno = 0;
        REQUIRE(bp_opaque(sl->ref) == sb->opaque, " (slot %d)", s);
        errno = 0;
        void *po = bp_pool_buffer_opaque(sl->ref);
        REQUIRE(po == sb->pool_opaque, " (slot %d)", s);
        if (sb->kind != K_POOL)
            REQUIRE(errno == EINVAL, " (slot %d)", s);
        verify_slot(s, false);
    }
    for (int p = 0; p < NPOOLS; p++)
        if (pools[p].h)
            check_pool(pools[p].t, pools[p].h);
    for (ptrack *t = trackers; t; t = t->next) {
        if (!t->created)
            continue;
        size_t held = t->in_use + (t->open ? t->idle : 0);
        if (t->alloc_mode == A_CREATE_TRACKED)
            REQUIRE(t->inner_live == (long)held, " (%ld, model %zu)",
                    t->inner_live, held);
        bool gone = !t->open && t->in_use == 0;
        REQUIRE(t->pool_free_calls == (gone && t->has_pool_free ? 1u : 0u),
                " (pool_free called %u times; open %d, in use %zu)",
                t->pool_free_calls, t->open, t->in_use);
    }
}

/* ---- pool creation --------------------------------------------------- */

static size_t decode_size(reader *r)
{
    unsigned sel = u8(r) % 16;
    if (sel == 0)
        return 0;                              /* EINVAL */
    if (sel == 1)
        return SIZE_MAX - u8(r) % 7;           /* size + align overflows */
    return 1 + u16(r) % MAX_SIZE;
}

static size_t decode_count(reader *r, bool max)
{
    unsigned sel = u8(r);
    if (sel >= 250)                            /* too many: EINVAL */
        return BP_POOL_MAX_BUFFERS + 1 + (sel - 250) * (SIZE_MAX / 8);
    if (max && sel >= 240)
        return BP_POOL_MAX_BUFFERS;            /* valid, no real cap */
    if (max && sel < 64)
        return 0;                              /* unbounded */
    return sel % (MAX_BUFS + 1);
}


/* Expected errno of a pool constructor for t's config (after the call: the
 * callback recorded a misaligned buffer), 0 for success. */
static int expect_new(const ptrack *t)
{
    if (!t->size || (t->align & (t->align - 1)) ||
        t->align > BP_POOL_MAX_ALIGN ||
        (t->flags & ~(BP_POOL_ZERO | BP_POOL_POISON | BP_POOL_NO_CACHE)) ||
        t->max > BP_POOL_MAX_BUFFERS || t->min > BP_POOL_MAX_BUFFERS ||
        (t->max && t->min > t->max))
        return EINVAL;
    if (t->size > SIZE_MAX - (eff_align(t->align) - 1))
        return ENOMEM;
    if (t->alloc_mode == A_LIB)
        return 0;
    /* The first of the min_buffers calls that fails decides. */
    if (t->misaligned_at < t->min && t->misaligned_at < t->fault_at)
        return EPROTO;
    if (t->fault_at < t->min)
        return t->fault_kind == F_SMALL ? EPROTO : ENOMEM;
    return 0;
}

/* After a constructor call: check the result against the model. */
static void created(int p, ptrack *t, bp_pool *h, int err)
{
    int want = expect_new(t);
    if (want) {
        REQUIRE(h == NULL, " (expected errno %d)", want);
        REQUIRE(err == want, " (errno %d, expected %d)", err, want);
        REQUIRE(t->pool_free_calls == 0, "");
        if (t->alloc_mode == A_CREATE_TRACKED)
            REQUIRE(t->inner_live == 0, " (%ld)", t->inner_live);
        if (t->alloc_mode != A_LIB && want != EINVAL && t->size <= MAX_SIZE)
            REQUIRE(t->alloc_calls == (t->fault_at < t->misaligned_at
                                       ? t->fault_at : t->misaligned_at) + 1,
                    "");
        return;
    }
    REQUIRE(h != NULL, " (errno %d)", err);
    if (t->alloc_mode != A_LIB)
        REQUIRE(t->alloc_calls == t->min, " (%u, min %zu)", t->alloc_calls,
                t->min);
    t->created = t->open = true;
    t->allocs = t->idle = t->min;
    arm(t, F_NONE);
    pools[p].h = h;
    pools[p].t = t;
}

static void op_pool_new(reader *r)
{
    int p = (int)(u8(r) % NPOOLS);
    if (pools[p].h)
        return;
    ptrack *t = tracker_new();
    t->size = decode_size(r);
    unsigned a = u8(r) % 16;
    if (a == 0)
        t->align = 0;
    else if (a <= 13)
        t->align = (size_t)1 << (a - 1);
    else if (a == 14)
        t->align = 3 + 2 * (size_t)u8(r);      /* odd, > 1: not a power of 2 */
    else
        t->align = (size_t)3 << (u8(r) % 62);     /* not a power of 2 */
    t->min = decode_count(r, false);
    t->max = decode_count(r, true);
    unsigned f = u8(r);
    t->flags = f & 3;
    if (f & 0x80)
        t->flags |= 1u << (3 + (f >> 2) % 29);  /* unknown flag (bit 2 is
                                                   BP_POOL_NO_CACHE) */
    t->alloc_mode = (int)(u8(r) % A_NMODES);
    t->extra = (size_t)(u8(r) % 3) * 32;
    unsigned cb = u8(r);
    t->reset_mode = (int)(cb % 3);
    t->reset_byte = (uint8_t)u8(r);
    t->has_pool_free = cb & 4;
    bool any_cb = t->alloc_mode != A_LIB || t->reset_mode || t->has_pool_free;
    t->opaque = any_cb || (cb & 8) ? (void *)t : NULL;
    unsigned fa = u8(r);
    arm(t, F_NONE);
    if (fa & 0x80) {
        t->fault_at = fa & 63;
        t->fault_kind = fa & 0x40 ? F_SMALL : F_NULL;
    }
    bp_pool_config cfg = BP_POOL_CONFIG(
        .size = t->size, .align = t->align, .min_buffers = t->min,
        .max_buffers = t->max, .flags = t->flags,
        .alloc = t->alloc_mode == A_LIB ? NULL : alloc_cb,
        .opaque = t->opaque,
        .reset = t->reset_mode ? reset_cb : NULL,
        .pool_free = t->has_pool_free ? pool_free_cb : NULL);
    errno = 0;
    bp_pool *h = bp_pool_new(&cfg);
    int err = errno;
    /* The config was copied: scribbling over it changes nothing. */
    memset(&cfg, 0x5A, sizeof cfg);
    created(p, t, h, err);
}

static void op_pool_init(reader *r, bool two)
{
    int p = (int)(u8(r) % NPOOLS);
    if (pools[p].h)
        return;
    ptrack *t = tracker_new();
    t->size = decode_size(r);
    unsigned m = u8(r);
    t->alloc_mode = (int)(m % A_NMODES);
    t->extra = (size_t)(m / 8 % 3) * 32;
    errno = 0;
    bp_pool *h;
    if (two) {
        t->has_pool_free = m & 0x80;
        t->opaque = t->alloc_mode != A_LIB || t->has_pool_free || (m & 0x40)
                    ? (void *)t : NULL;
        h = bp_pool_init2(t->size, t->opaque,
                          t->alloc_mode == A_LIB ? NULL : alloc_cb,
                          t->has_pool_free ? pool_free_cb : NULL);
    } else {
        t->init1 = true;
        h = bp_pool_init(t->size, t->alloc_mode == A_LIB ? NULL : alloc1_cb);
    }
    created(p, t, h, errno);
}

/* ---- pool operations ------------------------------------------------- */

/* A buffer got from pool t into slot s: check it and the model. */
static void got(int s, ptrack *t, bp_ref *ref, bool reuse)
{
    REQUIRE(ref->buffer != NULL && ref->data != NULL, "");
    REQUIRE(ref->size == t->size, " (%zu, pool %zu)", ref->size, t->size);
    REQUIRE(bp_refcount(ref) == 1, "");
    size_t a = t->alloc_mode == A_LIB ? eff_align(t->align)
                                      : t->align ? t->align : 1;
    REQUIRE((uintptr_t)ref->data % a == 0, " (%p, align %zu)",
            (void *)ref->data, a);
    check_fresh(ref->data, t->size, NULL);
    if (reuse && t->last_released && !t->shared)
        REQUIRE(ref->data == t->last_released, " (not the last released)");
    /* What the pool promises about the contents. */
    int want = -1;
    if (t->flags & BP_POOL_ZERO)
        want = 0;
    else if (t->flags & BP_POOL_POISON)
        want = 0xA5;
    else if (reuse && t->reset_mode == 2 && t->min == 0)
        want = t->reset_byte;
    if (want >= 0)
        for (size_t j = 0; j < t->size; j++)
            if (ref->data[j] != want)
                fail(__FILE__, __LINE__, "pool buffer byte %zu is %#x, "
                     "expected %#x", j, ref->data[j], (unsigned)want);
    t->last_released = NULL;
    t->gets++;
    t->in_use++;
    if (t->in_use > t->peak)
        t->peak = t->in_use;
    if (reuse) {
        REQUIRE(t->idle > 0, "");
        t->idle--;
        t->reuses++;
    } else {
        t->allocs++;
    }
    sbuf *sb = sbuf_new();
    sb->kind = K_POOL;
    sb->pool = t;
    sb->buffer = ref->buffer;
    sb->base = ref->data;
    sb->cap = t->size;
    sb->rc = 1;
    sb->opaque = t->opaque;
    sb->pool_opaque = t->alloc_mode == A_CREATE_TRACKED ||
                      t->alloc_mode == A_CREATE_DEFAULT ? (void *)&t->inner_tag
                                                        : NULL;
    fill(sb, (uint32_t)s << 24 | ++g_seed_ctr);
    slots[s].ref = ref;
    slots[s].sb = sb;
    slots[s].data = ref->data;
    slots[s].size = ref->size;
}

/* timeout: -2 for bp_pool_get, else the bp_pool_get_timeout argument. */
static void op_get(reader *r, bool timed)
{
    int p = (int)(u8(r) % NPOOLS), s = (int)(u8(r) % NSLOTS);
    unsigned fb = u8(r);
    int64_t timeout = -2;
    if (timed) {
        unsigned ts = u8(r) % 8;
        static const int64_t choices[8] = {0, 0, 1, 10, 100, 1000, 10000, -1};
        timeout = choices[ts];
    }
    ptrack *t = pools[p].t;
    bp_pool *h = pools[p].h;
    drop_slot(s);
    if (!h) {
        /* NULL pool: EINVAL. */
        errno = 0;
        bp_ref *x = timed ? bp_pool_get_timeout(NULL, timeout)
                          : bp_pool_get(NULL);
        REQUIRE(x == NULL && errno == EINVAL, "");
        return;
    }
    int fault = fb % 8 == 0 ? F_NULL : fb % 8 == 1 ? F_SMALL
              : fb % 8 == 3 ? F_EIO : F_NONE;
    arm(t, t->alloc_mode == A_LIB ? F_NONE : fault);
    size_t held = t->in_use + t->idle;
    bool reuse = t->idle > 0 && !t->flushing;
    bool at_cap = !reuse && !t->flushing && t->max && held >= t->max;
    if (at_cap && timeout == -1)
        timeout = 0;                   /* would wait forever */
    bool calls_alloc = !reuse && !at_cap && !t->flushing;
    int want = 0;
    if (t->flushing)
        want = ECANCELED;
    else if (!reuse) {
        if (at_cap)
            want = timed ? ETIMEDOUT : EAGAIN;
        else if (t->alloc_mode != A_LIB && fault == F_NULL)
            want = ENOMEM;
        else if (t->alloc_mode != A_LIB && fault == F_SMALL)
            want = EPROTO;
        else if (t->alloc_mode != A_LIB && fault == F_EIO)
            want = EIO;
    }
    unsigned calls = t->alloc_calls;
    long inner = t->inner_live;
    g_cur = t;
    errno = 0;
    bp_ref *ref = timed ? bp_pool_get_timeout(h, timeout) : bp_pool_get(h);
    int err = errno;
    g_cur = NULL;
    unsigned dcalls = t->alloc_calls - calls;
    if (t->alloc_mode != A_LIB)
        REQUIRE(dcalls == (calls_alloc ? 1u : 0u), " (alloc called %u "
                "times; reuse %d, at cap %d)", dcalls, reuse, at_cap);
    if (!want && t->misaligned_at == 0)
        want = EPROTO;                 /* the callback's data, misaligned */
    if (want) {
        REQUIRE(ref == NULL, " (expected errno %d)", want);
        REQUIRE(err == want, " (errno %d, expected %d)", err, want);
        if (t->alloc_mode == A_CREATE_TRACKED)
            REQUIRE(t->inner_live == inner, "");
        t->gets++;
        t->failures++;
        t->last_released = NULL;
        if (at_cap)
            t->shared = true;
        return;
    }
    REQUIRE(ref != NULL, " (errno %d; idle %zu, held %zu, max %zu)", err,
            t->idle, held, t->max);
    got(s, t, ref, reuse);
}

static void op_uninit(reader *r)
{
    int p = (int)(u8(r) % NPOOLS);
    ptrack *t = pools[p].t;
    if (!pools[p].h) {
        bp_pool *none = NULL;
        bp_pool_uninit(&none);
        bp_pool_uninit(NULL);
        return;
    }
    unsigned resets = t->resets, calls = t->alloc_calls;
    bp_pool_uninit(&pools[p].h);
    REQUIRE(pools[p].h == NULL, "");
    REQUIRE(t->resets == resets && t->alloc_calls == calls, "");
    t->open = false;
    t->idle = 0;
    t->last_released = NULL;
    pools[p].t = NULL;
}

/* Trim, or (bits 1 and 2 of the third byte set) set flushing. */
static void op_trim(reader *r)
{
    int p = (int)(u8(r) % NPOOLS);
    size_t keep = u8(r) % 20;
    unsigned m = u8(r);
    if (m & 1)
        keep = SIZE_MAX - keep;
    ptrack *t = pools[p].t;
    if ((m & 6) == 6) {
        bool on = m & 8;
        REQUIRE(bp_pool_set_flushing(pools[p].h, on) ==
                (pools[p].h ? 0 : -EINVAL), "");
        if (t)
            t->flushing = on;
        return;
    }
    if (!pools[p].h) {
        REQUIRE(bp_pool_trim(NULL, keep) == 0, "");
        return;
    }
    size_t want = t->idle > keep ? t->idle - keep : 0;
    unsigned resets = t->resets, calls = t->alloc_calls;
    size_t got_n = bp_pool_trim(pools[p].h, keep);
    REQUIRE(got_n == want, " (freed %zu, expected %zu)", got_n, want);
    REQUIRE(t->resets == resets && t->alloc_calls == calls, "");
    t->idle -= want;
    t->last_released = NULL;
}

/* ---- buffer operations ----------------------------------------------- */

static size_t decode_buf_size(reader *r)
{
    unsigned sel = u8(r);
    if (sel == 255)
        return SIZE_MAX - u8(r) % 64;   /* ENOMEM without allocating */
    if (sel < 16)
        return sel;                     /* tiny sizes, 0 included */
    return u16(r) % (MAX_SIZE + 1);
}

static void op_alloc(reader *r, bool z)
{
    int s = (int)(u8(r) % NSLOTS);
    size_t n = decode_buf_size(r);
    drop_slot(s);
    errno = 0;
    bp_ref *ref = z ? bp_allocz(n) : bp_alloc(n);
    if (n > MAX_SIZE) {
        REQUIRE(ref == NULL && errno == ENOMEM, "");
        return;
    }
    sbuf *sb = adopt_plain(s, ref, z ? K_ALLOCZ : K_ALLOC, n);
    if (z)
        for (size_t j = 0; j < n; j++)
            REQUIRE(ref->data[j] == 0, " (byte %zu)", j);
    fill(sb, (uint32_t)s << 24 | ++g_seed_ctr);
}

static void op_create(reader *r)
{
    int s = (int)(u8(r) % NSLOTS);
    unsigned m = u8(r);
    size_t n = decode_buf_size(r);
    if (n > MAX_SIZE)
        n = 0;
    drop_slot(s);
    bool null_data = (m & 3) == 3;
    unsigned flags = m & 4 ? BP_FLAG_READONLY : 0;
    if (m & 8)
        flags |= 1u << (1 + (m >> 4) % 31);   /* unknown: EINVAL */
    bool tracked = m & 0x80;
    sbuf *sb = sbuf_new();
    sb->kind = K_CREATE;
    sb->cap = null_data ? 0 : n;
    sb->base = null_data ? NULL : malloc(n ? n : 1);
    if (!null_data && !sb->base)
        abort();
    fill(sb, (uint32_t)s << 24 | ++g_seed_ctr);
    sb->readonly = flags & BP_FLAG_READONLY;
    sb->tracked = tracked;
    sb->opaque = tracked ? (void *)sb : m & 0x40 ? &g_tag : NULL;
    errno = 0;
    bp_ref *ref = bp_create(sb->base, null_data ? n : sb->cap,
                            tracked ? create_free : NULL, sb->opaque, flags);
    int err = errno;
    bool einval = (flags & ~BP_FLAG_READONLY) || (null_data && n);
    if (einval) {
        REQUIRE(ref == NULL && err == EINVAL, "");
        REQUIRE(!sb->freed, " (data freed on failure)");
        free(sb->base);        /* still ours */
        sb->used = false;
        return;
    }
    REQUIRE(ref != NULL, " (errno %d)", err);
    REQUIRE(ref->data == sb->base && ref->size == sb->cap, "");
    check_fresh(sb->base, sb->cap, sb);
    sb->buffer = ref->buffer;
    sb->rc = 1;
    slots[s].ref = ref;
    slots[s].sb = sb;
    slots[s].data = sb->base;
    slots[s].size = sb->cap;
}

static void op_dup(reader *r)
{
    int s = (int)(u8(r) % NSLOTS), d = (int)(u8(r) % NSLOTS);
    if (s == d || !slots[s].ref) {
        errno = 0;
        REQUIRE(bp_dup(NULL) == NULL && errno == EINVAL, "");
        return;
    }
    drop_slot(d);
    verify_slot(s, true);
    bp_ref *n = bp_dup(slots[s].ref);
    REQUIRE(n != NULL && n != slots[s].ref, "");
    REQUIRE(n->buffer == slots[s].ref->buffer, "");
    slots[s].sb->rc++;
    slots[d] = slots[s];
    slots[d].ref = n;
}

static void op_unref(reader *r)
{
    int s = (int)(u8(r) % NSLOTS);
    if (!slots[s].ref) {
        bp_unref(NULL);
        bp_unref(&slots[s].ref);
        REQUIRE(slots[s].ref == NULL, "");
        return;
    }
    drop_slot(s);
}

/* Slot s got a copy (a new buffer) of what it saw, len bytes of it kept. */
static void copied(int s, const sbuf *old_sb, size_t old_off, size_t keep,
                   size_t size)
{
    bp_ref *ref = slots[s].ref;
    uint32_t seed = old_sb->seed;
    sbuf *sb = adopt_plain(s, ref, K_ALLOC, size);
    for (size_t k = 0; k < keep; k++)
        if (ref->data[k] != pat(seed, old_off + k))
            fail(__FILE__, __LINE__, "copy: byte %zu is %#x, expected %#x",
                 k, ref->data[k], pat(seed, old_off + k));
    fill(sb, (uint32_t)s << 24 | ++g_seed_ctr);
}

static void op_make_writable(reader *r)
{
    int s = (int)(u8(r) % NSLOTS);
    slot *sl = &slots[s];
    if (!sl->ref) {
        REQUIRE(bp_make_writable(NULL) == -EINVAL, "");
        REQUIRE(bp_make_writable(&sl->ref) == -EINVAL && !sl->ref, "");
        return;
    }
    verify_slot(s, true);
    sbuf *sb = sl->sb;
    bp_ref *old = sl->ref;
    if (sb->rc == 1 && !sb->readonly) {
        REQUIRE(bp_make_writable(&sl->ref) == 0, "");
        REQUIRE(sl->ref == old, " (a writable ref was replaced)");
        return;
    }
    size_t off = slot_off(sl), len = sl->size;
    unsigned resets = sb->kind == K_POOL ? sb->pool->resets : 0;
    REQUIRE(bp_make_writable(&sl->ref) == 0, "");
    REQUIRE(sl->ref != NULL && sl->ref->buffer != sb->buffer, "");
    sbuf copy = *sb;
    model_drop(sb);
    if (sb->kind == K_POOL && sb->pool->reset_mode && sb->rc == 0)
        REQUIRE(sb->pool->resets - resets <= 1, "");
    copied(s, &copy, off, len, len);
    REQUIRE(bp_is_writable(sl->ref) == 1, "");
}

static void op_realloc(reader *r)
{
    int s = (int)(u8(r) % NSLOTS);
    size_t n = decode_buf_size(r);
    slot *sl = &slots[s];
    if (u8(r) == 0xFF) {
        REQUIRE(bp_realloc(NULL, n) == -EINVAL, "");
        return;
    }
    if (!sl->ref) {
        int rc = bp_realloc(&sl->ref, n);
        if (n > MAX_SIZE) {
            REQUIRE(rc == -ENOMEM && sl->ref == NULL, " (%d)", rc);
            return;
        }
        REQUIRE(rc == 0, " (%d)", rc);
        sbuf *sb = adopt_plain(s, sl->ref, K_ALLOC, n);
        fill(sb, (uint32_t)s << 24 | ++g_seed_ctr);
        return;
    }
    verify_slot(s, true);
    sbuf *sb = sl->sb;
    bp_ref *old = sl->ref;
    size_t off = slot_off(sl), len = sl->size;
    int rc = bp_realloc(&sl->ref, n);
    if (n > MAX_SIZE) {
        REQUIRE(rc == -ENOMEM && sl->ref == old, " (%d)", rc);
        return;
    }
    REQUIRE(rc == 0, " (%d)", rc);
    REQUIRE(sl->ref != NULL, "");
    if (sl->ref->buffer == sb->buffer) {
        /* Resized in place: only allowed for a plain buffer we own alone,
         * within its allocation. */
        REQUIRE(sb->kind != K_POOL && sb->rc == 1 && !sb->readonly, "");
        REQUIRE(sl->ref == old && sl->ref->data == sl->data, "");
        REQUIRE(off + n <= sb->cap, "");
        REQUIRE(sl->ref->size == n, "");
        sl->size = n;
        return;
    }
    sbuf copy = *sb;
    model_drop(sb);
    copied(s, &copy, off, len < n ? len : n, n);
    REQUIRE(bp_is_writable(sl->ref) == 1, "");
}

static void op_replace(reader *r)
{
    int d = (int)(u8(r) % NSLOTS);
    unsigned m = u8(r);
    int s = (int)(m % NSLOTS);
    slot *dl = &slots[d];
    if (m & 0x80) {
        /* src NULL: drops *dst. */
        REQUIRE(bp_replace(NULL, NULL) == -EINVAL, "");
        if (dl->ref)
            verify_slot(d, true);
        sbuf *sb = dl->sb;
        bool had = dl->ref != NULL;
        REQUIRE(bp_replace(&dl->ref, NULL) == 0, "");
        REQUIRE(dl->ref == NULL, "");
        if (had) {
            dl->sb = NULL;
            model_drop(sb);
        }
        return;
    }
    slot *sl = &slots[s];
    if (!sl->ref) {
        if (sl->ref == NULL && d != s)
            REQUIRE(bp_replace(NULL, dl->ref) == -EINVAL, "");
        return;
    }
    verify_slot(s, true);
    if (dl->ref && dl->sb == sl->sb) {
        /* Same buffer: takes src's view. */
        REQUIRE(bp_replace(&dl->ref, sl->ref) == 0, "");
        dl->data = sl->data;
        dl->size = sl->size;
        return;
    }
    if (dl->ref)
        verify_slot(d, true);
    sbuf *old = dl->ref ? dl->sb : NULL;
    bp_ref *before = dl->ref;
    REQUIRE(bp_replace(&dl->ref, sl->ref) == 0, "");
    REQUIRE(dl->ref != NULL && dl->ref != before && dl->ref != sl->ref, "");
    sl->sb->rc++;
    bp_ref *n = dl->ref;
    *dl = *sl;
    dl->ref = n;
    if (old)
        model_drop(old);
}

static void op_write(reader *r)
{
    int s = (int)(u8(r) % NSLOTS);
    slot *sl = &slots[s];
    if (!sl->ref || sl->sb->rc != 1 || sl->sb->readonly)
        return;
    verify_slot(s, true);
    fill(sl->sb, (uint32_t)s << 24 | ++g_seed_ctr);
}

static void op_slice(reader *r)
{
    int s = (int)(u8(r) % NSLOTS);
    slot *sl = &slots[s];
    size_t a = u16(r), b = u16(r);
    if (!sl->ref || !sl->data)
        return;
    a %= sl->size + 1;
    b %= sl->size - a + 1;
    sl->ref->data += a;
    sl->ref->size = b;
    sl->data += a;
    sl->size = b;
}

static void op_queries(reader *r)
{
    (void)r;
    static const char want[] = {
        '0' + BP_VERSION_MAJOR, '.', '0' + BP_VERSION_MINOR, '.',
        '0' + BP_VERSION_PATCH, 0};
    REQUIRE(BP_VERSION_MAJOR < 10 && BP_VERSION_MINOR < 10 &&
            BP_VERSION_PATCH < 10, "");
    REQUIRE(strcmp(bp_version(), want) == 0, " (%s)", bp_version());
    REQUIRE(bp_refcount(NULL) == 0, "");
    REQUIRE(bp_is_writable(NULL) == 0, "");
    errno = 0;
    REQUIRE(bp_opaque(NULL) == NULL && errno == EINVAL, "");
    errno = 0;
    REQUIRE(bp_pool_buffer_opaque(NULL) == NULL && errno == EINVAL, "");
    bp_pool_stats st = BP_POOL_STATS_INIT;
    REQUIRE(bp_pool_get_stats(NULL, &st) == -EINVAL, "");
    for (int p = 0; p < NPOOLS; p++)
        if (pools[p].h)
            REQUIRE(bp_pool_get_stats(pools[p].h, NULL) == -EINVAL, "");
    errno = 0;
    REQUIRE(bp_pool_get_timeout(pools[0].h, -2) == NULL && errno == EINVAL, "");
    errno = 0;
    REQUIRE(bp_pool_get_timeout(pools[0].h, INT64_MIN) == NULL &&
            errno == EINVAL, "");
    /* Invalid arguments: not the pool's failures (not counted). */
    REQUIRE(bp_pool_set_flushing(NULL, 1) == -EINVAL, "");
    bp_pool_info in = BP_POOL_INFO_INIT;
    REQUIRE(bp_pool_get_info(NULL, &in) == -EINVAL, "");
    bp_default_free(NULL, NULL);
    bp_default_free(&g_tag, malloc(16));
    REQUIRE(bp_realloc(NULL, 0) == -EINVAL, "");
    REQUIRE(bp_replace(NULL, NULL) == -EINVAL, "");
}

/* ---- the run --------------------------------------------------------- */

static void run_step(reader *r)
{
    g_op = (int)(u8(r) % 20);
    switch (g_op) {
    case 0:  op_pool_new(r); break;
    case 1:  op_pool_init(r, false); break;
    case 2:  op_pool_init(r, true); break;
    case 3:
    case 4:  op_get(r, false); break;
    case 5:  op_get(r, true); break;
    case 6:  op_uninit(r); break;
    case 7:  op_trim(r); break;
    case 8:  op_alloc(r, false); break;
    case 9:  op_alloc(r, true); break;
    case 10: op_create(r); break;
    case 11: op_dup(r); break;
    case 12:
    case 13: op_unref(r); break;
    case 14: op_make_writable(r); break;
    case 15: op_realloc(r); break;
    case 16: op_replace(r); break;
    case 17: op_write(r); break;
    case 18: op_slice(r); break;
    case 19: op_queries(r); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    memset(slots, 0, sizeof slots);
    memset(sbufs, 0, sizeof sbufs);
    memset(pools, 0, sizeof pools);
    trackers = NULL;
    g_cur = NULL;
    g_seed_ctr = 0;
    g_op = -1;
    for (g_step = 0; r.n && g_step < MAX_STEPS; g_step++) {
        run_step(&r);
        check_all();
    }
    /* Tear down in an order the input chooses: pools first (buffers still
     * out) or refs first. */
    g_op = -1;
    bool pools_first = size && (data[0] & 0x80);
    for (int round = 0; round < 2; round++) {
        if ((round == 0) == pools_first) {
            for (int p = 0; p < NPOOLS; p++)
                if (pools[p].h) {
                    reader z = {(const uint8_t[]){(uint8_t)p}, 1};
                    op_uninit(&z);
                    check_all();
                }
        } else {
            for (int s = 0; s < NSLOTS; s++) {
                drop_slot(s);
                check_all();
            }
        }
    }
    for (int i = 0; i < NSBUF; i++)
        REQUIRE(!sbufs[i].used, " (shadow buffer %d still live)", i);
    while (trackers) {
        ptrack *t = trackers;
        trackers = t->next;
        if (t->created) {
            REQUIRE(t->in_use == 0, "");
            REQUIRE(t->pool_free_calls == (t->has_pool_free ? 1u : 0u), "");
        }
        if (t->alloc_mode == A_CREATE_TRACKED)
            REQUIRE(t->inner_live == 0, " (%ld inner buffers leaked)",
                    t->inner_live);
        free(t);
    }
    return 0;
}
