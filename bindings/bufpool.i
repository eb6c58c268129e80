/*
 * bufpool.i - the one SWIG interface of bufpool: the object model every
 * binding shares.
 *
 * Declared once here, for every language:
 *   - the C objects behind a Pool and a Buffer (bpb_pool, bpb_buffer) and
 *     their methods and attributes (%extend below), written once in C;
 *   - the configuration check: the core's bp_pool_config_check() (the
 *     min/max rule and the others live in the core only);
 *   - the one failure record (bpm_fail) and the one errno -> kind mapping
 *     (bpm_kind_of): each language turns a kind into its own idiom.
 * A language file holds only that language's idioms and the three hooks the
 * model calls (see "Language hooks"):
 *   bindings/python.i, python_post.i  swig -python -builtin (the buffer
 *       protocol, keyword arguments, the GIL, signals, freelists)
 *   bindings/lua.i, lua_post.i        swig -lua (metatables, 1-based
 *       ranges, __gc/__close, Lua 5.1 to 5.4 and LuaJIT)
 * (the *_post.i files are included at the end, after the object model)
 * docs/DESIGN.md ("Bindings") says why the split is where it is.
 *
 * Objects.  The language allocates the object that holds a bpb_buffer or a
 * bpb_pool (the Python object or the Lua userdata embeds it), so taking a
 * buffer allocates nothing but that object.  A Buffer does not keep its
 * Pool alive: buffers still out when a pool is closed stay valid (the
 * core's bp_pool_uninit contract), so the two may go away in any order.
 */
%module bufpool

%include <stdint.i>

%{
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bufpool.h"

/* --- The objects ---------------------------------------------------------- */

/* A Pool: the core pool and what the bindings keep around it.  Every field
 * is touched by one thread at a time (Python: with the GIL held; Lua: the
 * state's thread). */
typedef struct bpb_pool {
    bp_pool       *pool;     /* NULL before init and once closed */
    bp_pool_config cfg;      /* as made; align resolved (0 -> 64) */
    unsigned       waiters;  /* threads inside bpm_lang_wait() */
    bool           closing;  /* close() was asked: no new get; the core pool
                                is closed when waiters == 0 */
    uint64_t       hidden;   /* get attempts the binding made and retried
                                (see bpm_pool_get): stats() subtracts them
                                from gets and failures */
} bpb_pool;

/* A Buffer: one reference. */
typedef struct bpb_buffer {
    bp_ref *ref;             /* NULL once released */
} bpb_buffer;

/* The first offset in the language (Lua 1, else 0), for messages. */
#ifndef BPM_OFFSET_BASE
#define BPM_OFFSET_BASE 0
#endif

/* --- Failures ------------------------------------------------------------- */

/* The last failure of this thread: an errno value and a message.  Every
 * failing function below records one with bpm_fail() and returns -errno (or
 * NULL); the language's wrapper then raises it (bpy_raise, lbp_raise in
 * the language files).  Errno values used:
 *   EINVAL, E2BIG  a bad value (the config check, an offset, a timeout)
 *   ERANGE         an index or range outside the buffer
 *   ENOMEM         out of memory
 *   EAGAIN         the pool is at max_buffers and none is idle
 *   ETIMEDOUT      the wait for a buffer ran out
 *   EBADF          a closed pool, a released buffer, an object never made
 *   EBUSY          the buffer is exported (Python's memoryviews)
 *   EINTR          a signal handler raised (the language's error is set)
 */
#define BPM_MSG_MAX 200
static _Thread_local int  bpm_err;
static _Thread_local char bpm_msg[BPM_MSG_MAX];

#if defined(__GNUC__) || defined(__clang__)
#define BPM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BPM_PRINTF(f, a)
#endif

/* Records a failure; returns -err. */
static int bpm_fail(int err, const char *fmt, ...) BPM_PRINTF(2, 3);
static int bpm_fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bpm_msg, sizeof bpm_msg, fmt, ap);
    va_end(ap);
    bpm_err = err;
    return -err;
}

/* What a failure is, for the languages: each maps a kind to its idiom
 * (an exception class; a Lua error or nil, message, code). */
typedef enum bpm_kind {
    BPM_VALUE,       /* a bad argument value */
    BPM_RANGE,       /* an index or range outside the buffer */
    BPM_MEMORY,      /* out of memory */
    BPM_EXHAUSTED,   /* no buffer now (an expected outcome) */
    BPM_TIMEOUT,     /* no buffer in time (an expected outcome) */
    BPM_STATE,       /* the object cannot do that any more */
    BPM_BUSY,        /* the buffer is exported */
    BPM_RAISED,      /* the language's error is already set */
    BPM_OTHER
} bpm_kind;

static bpm_kind bpm_kind_of(int err)
{
    switch (err) {
    case EINVAL: case E2BIG: return BPM_VALUE;
    case ERANGE:             return BPM_RANGE;
    case ENOMEM:             return BPM_MEMORY;
    case EAGAIN:             return BPM_EXHAUSTED;
    case ETIMEDOUT:          return BPM_TIMEOUT;
    case EBADF:              return BPM_STATE;
    case EBUSY:              return BPM_BUSY;
    case EINTR:              return BPM_RAISED;
    default:                 return BPM_OTHER;
    }
}

/* --- Language hooks: each language file defines these -------------------- */

/* Waits up to timeout_ns (-1: forever) for a buffer of a pool at its cap,
 * counting in p->waiters while it waits and in p->hidden every failed
 * attempt but the last.  Returns a reference, or NULL having called
 * bpm_fail (ETIMEDOUT, EINTR, EBADF when the pool was closed meanwhile,
 * ENOMEM).  ctx is the language's (the BPB_CTX typemap). */
static bp_ref *bpm_lang_wait(bpb_pool *p, int64_t timeout_ns, void *ctx);
/* Frees what the language holds but no longer uses (a garbage collection);
 * returns 1 if that could have returned buffers to a pool, else 0. */
static int bpm_lang_collect(void *ctx);
/* Number of exports of b (all, or only writable ones): the language's
 * views of the memory that a release or a share must respect. */
static long bpm_lang_exports(const bpb_buffer *b, bool writable_only);

/* --- Pool ----------------------------------------------------------------- */

/* Makes p's pool from cfg (checked by the core).  0, or -errno recorded. */
static int bpm_pool_init(bpb_pool *p, const bp_pool_config *cfg)
{
    const char *why = NULL;
    int e = bp_pool_config_check(cfg, &why);
    if (e < 0)
        return bpm_fail(-e, "bufpool.Pool: %s", why ? why : strerror(-e));
    errno = 0;
    p->pool = bp_pool_new(cfg);
    if (!p->pool) {
        e = errno ? errno : ENOMEM;
        return bpm_fail(e, "bufpool.Pool: cannot make a pool of %zu-byte "
                        "buffers: %s", cfg->size,
                        e == ENOMEM ? "out of memory" : strerror(e));
    }
    p->cfg = *cfg;
    if (!p->cfg.align)
        p->cfg.align = 64;
    p->waiters = 0;
    p->closing = false;
    p->hidden = 0;
    return 0;
}

/* p if it can hand out buffers, else NULL (EBADF recorded). */
static bpb_pool *bpm_pool_open(bpb_pool *p)
{
    if (p && p->pool && !p->closing)
        return p;
    bpm_fail(EBADF, p && p->cfg.size ? "bufpool.Pool: the pool is closed"
                                     : "bufpool.Pool: the pool was never made");
    return NULL;
}

/* Takes a buffer: timeout_ns 0 never waits (EAGAIN at the cap), -1 waits
 * forever, else up to that long (ETIMEDOUT).  At the cap the language may
 * first reclaim garbage once (bpm_lang_collect).  NULL on failure. */
static bp_ref *bpm_pool_get(bpb_pool *p, int64_t timeout_ns, void *ctx)
{
    bp_ref *r;
    int e;
    if (!bpm_pool_open(p))
        return NULL;
    r = bp_pool_get(p->pool);
    if (r)
        return r;
    e = errno;
    if (e == EAGAIN && bpm_lang_collect(ctx)) {
        p->hidden++;
        r = bp_pool_get(p->pool);
        if (r)
            return r;
        e = errno;
    }
    if (e == EAGAIN && timeout_ns != 0) {
        p->hidden++;
        return bpm_lang_wait(p, timeout_ns, ctx);
    }
    if (e == EAGAIN)
        bpm_fail(EAGAIN, "bufpool: the pool is at max_buffers (%zu) and none "
                 "is idle", p->cfg.max_buffers);
    else if (e == ENOMEM)
        bpm_fail(ENOMEM, "bufpool: cannot allocate a %zu-byte buffer: out of "
                 "memory", p->cfg.size);
    else
        bpm_fail(e, "bufpool: get failed: %s", strerror(e));
    return NULL;
}

/* Seconds to a get's timeout_ns: 0 never waits, inf (or ~285 years and
 * more) waits forever; NaN and negative values are refused. */
static int bpm_timeout_ns(double s, int64_t *ns)
{
    if (!(s >= 0))
        return bpm_fail(EINVAL, "bufpool.Pool.get: timeout must be >= 0 "
                        "seconds, got %g", s);
    *ns = s >= 9.0e9 ? -1 : (int64_t)(s * 1e9);
    if (s > 0 && *ns == 0)
        *ns = 1;
    return 0;
}

/* The failure of a wait that ran out (for bpm_lang_wait). */
static bp_ref *bpm_pool_timed_out(bpb_pool *p, int64_t timeout_ns)
{
    bpm_fail(ETIMEDOUT, "bufpool: timed out after %.3g s waiting for a buffer "
             "(all %zu in use)", (double)timeout_ns / 1e9, p->cfg.max_buffers);
    return NULL;
}

/* Closes p: idle buffers are freed now, buffers out stay valid.  While some
 * thread waits in get, the core pool is closed by the last waiter to leave
 * (bpm_pool_leave): flushing wakes the waiters at once (ECANCELED), and
 * they fail with EBADF.  Idempotent. */
static void bpm_pool_close(bpb_pool *p)
{
    if (!p || p->closing)
        return;
    p->closing = true;
    if (!p->waiters)
        bp_pool_uninit(&p->pool);
    else
        bp_pool_set_flushing(p->pool, 1);
}

/* A waiter leaves (called by bpm_lang_wait with p->waiters decremented). */
static void bpm_pool_leave(bpb_pool *p)
{
    if (p->closing && !p->waiters)
        bp_pool_uninit(&p->pool);
}

static int bpm_pool_stats(bpb_pool *p, bp_pool_stats *st)
{
    int r;
    if (!bpm_pool_open(p))
        return -EBADF;
    r = bp_pool_get_stats(p->pool, st);
    if (r < 0)
        return bpm_fail(-r, "bufpool.Pool.stats: %s", strerror(-r));
    st->gets -= p->hidden < st->gets ? p->hidden : st->gets;
    st->failures -= p->hidden < st->failures ? p->hidden : st->failures;
    return 0;
}

/* --- Buffer --------------------------------------------------------------- */

static bp_ref *bpm_buffer_live(const bpb_buffer *b)
{
    if (b && b->ref)
        return b->ref;
    bpm_fail(EBADF, "bufpool: the buffer was released");
    return NULL;
}

/* Drops the reference (idempotent); refused while the language has views
 * of the memory. */
static int bpm_buffer_release(bpb_buffer *b)
{
    long n;
    if (!b || !b->ref)
        return 0;
    n = bpm_lang_exports(b, false);
    if (n)
        return bpm_fail(EBUSY, "cannot release a bufpool.Buffer while %ld "
                        "export(s) (memoryview, numpy array, ...) exist", n);
    bp_unref(&b->ref);
    return 0;
}

/* A new reference to the same memory: the memory is then shared, and a
 * shared buffer is read-only.  Refused while a writable view exists (its
 * writes would reach the other reference). */
static bp_ref *bpm_buffer_share(bpb_buffer *b, size_t offset, size_t length)
{
    bp_ref *r = bpm_buffer_live(b), *n;
    long w;
    if (!r)
        return NULL;
    if (offset > r->size || length > r->size - offset) {
        bpm_fail(ERANGE, "bufpool.Buffer: %zu bytes at offset %zu are out of "
                 "bounds (buffer size %zu)", length, offset + BPM_OFFSET_BASE,
                 r->size);
        return NULL;
    }
    w = bpm_lang_exports(b, true);
    if (w) {
        bpm_fail(EBUSY, "cannot share a bufpool.Buffer while %ld writable "
                 "export(s) exist: release them first", w);
        return NULL;
    }
    errno = 0;
    n = bp_dup(r);
    if (!n) {
        bpm_fail(ENOMEM, "bufpool.Buffer: out of memory");
        return NULL;
    }
    n->data += offset;
    n->size = length;
    return n;
}

static int bpm_buffer_make_writable(bpb_buffer *b)
{
    bp_ref *r = bpm_buffer_live(b);
    long n;
    int e;
    if (!r)
        return -EBADF;
    if (bp_is_writable(r) == 1)
        return 0;
    n = bpm_lang_exports(b, false);
    if (n)
        return bpm_fail(EBUSY, "cannot replace the memory of a bufpool.Buffer "
                        "while %ld export(s) exist", n);
    e = bp_make_writable(&b->ref);
    if (e < 0)
        return bpm_fail(-e, "bufpool.Buffer.make_writable: %s",
                        e == -ENOMEM ? "out of memory" : strerror(-e));
    return 0;
}

/* A plain (not pooled) buffer. */
static bp_ref *bpm_alloc(size_t size, bool zero)
{
    bp_ref *r;
    errno = 0;
    r = zero ? bp_allocz(size) : bp_alloc(size);
    if (!r)
        bpm_fail(ENOMEM, "bufpool: cannot allocate %zu bytes: out of memory",
                 size);
    return r;
}

/* --- Typemap helpers ------------------------------------------------------ */

/* Results that can fail, each with a typemap in every language that
 * raises the recorded failure: */
typedef int bpb_rc;          /* 0, or -errno */
typedef long long bpb_count; /* a count or an address, or -1 */
typedef int bpb_flag;        /* 0, 1, or -1 */
%}

/* ---------------------------------------------------------------------------
 * The language: typemaps for bpb_rc (raise on < 0), bp_ref * (a new Buffer,
 * or raise on NULL), BPB_CTX, bp_pool_stats *STATS and the self of each
 * class; docstrings; its hooks and idioms.
 */
#if defined(SWIGPYTHON)
%include "python.i"
#elif defined(SWIGLUA)
%include "lua.i"
#else
#error "bufpool.i: no binding for this SWIG target language"
#endif

/* ---------------------------------------------------------------------------
 * The object model.  Constructors are the languages' (keyword arguments;
 * an options table) around bpm_pool_init(); methods with arguments a
 * language may adapt (see its file).
 */
%rename(Pool) bpb_pool;
%rename(Buffer) bpb_buffer;
%nodefaultctor bpb_pool;
%nodefaultctor bpb_buffer;
%nodefaultdtor bpb_pool;
%nodefaultdtor bpb_buffer;
typedef struct bpb_pool {} bpb_pool;
typedef struct bpb_buffer {} bpb_buffer;

%extend bpb_pool {
    /* get(timeout): 0 (default) never waits; inf waits forever */
    bp_ref *get(void *BPB_CTX, double timeout = 0) {
        int64_t ns;
        return bpm_timeout_ns(timeout, &ns) < 0 ? NULL
                                                : bpm_pool_get($self, ns, BPB_CTX);
    }
    /* trim(keep_idle): frees idle buffers beyond keep_idle; how many */
    bpb_count trim(size_t keep_idle = 0) {
        return bpm_pool_open($self) ? (bpb_count)bp_pool_trim($self->pool, keep_idle)
                                    : -1;
    }
    bpb_rc stats(bp_pool_stats *STATS) { return bpm_pool_stats($self, STATS); }
    void close() { bpm_pool_close($self); }

    %immutable;
    size_t size;
    size_t max_buffers;
    size_t min_buffers;
    size_t align;
    size_t cache;
    bool zero;
    bool poison;
    bool no_cache;
    bool closed;
    %mutable;
}

%extend bpb_buffer {
    bpb_rc release() { return bpm_buffer_release($self); }
    bp_ref *dup(void *BPB_CTX) {
        bp_ref *r = bpm_buffer_live($self);
        (void)BPB_CTX;
        return r ? bpm_buffer_share($self, 0, r->size) : NULL;
    }
    /* slice(offset, length): a new reference to length bytes at offset
     * (0-based here, SIZE_MAX length: to the end; a language may shift
     * the offset) */
    bp_ref *slice(void *BPB_CTX, size_t BPB_OFFSET, size_t BPB_LENGTH) {
        bp_ref *r = bpm_buffer_live($self);
        (void)BPB_CTX;
        if (r && BPB_LENGTH == SIZE_MAX && BPB_OFFSET <= r->size)
            BPB_LENGTH = r->size - BPB_OFFSET;
        return r ? bpm_buffer_share($self, BPB_OFFSET, BPB_LENGTH) : NULL;
    }
    bpb_rc make_writable() { return bpm_buffer_make_writable($self); }

    %immutable;
    bpb_count nbytes;
    bpb_count refcount;
    bpb_flag writable;
    bool released;
    bpb_count address;
    %mutable;
}

%{
static size_t bpb_pool_size_get(bpb_pool *p) { return p ? p->cfg.size : 0; }
static size_t bpb_pool_max_buffers_get(bpb_pool *p) { return p ? p->cfg.max_buffers : 0; }
static size_t bpb_pool_min_buffers_get(bpb_pool *p) { return p ? p->cfg.min_buffers : 0; }
static size_t bpb_pool_align_get(bpb_pool *p) { return p ? p->cfg.align : 0; }
static size_t bpb_pool_cache_get(bpb_pool *p) { return p ? p->cfg.cache : 0; }
static bool bpb_pool_zero_get(bpb_pool *p) { return p && (p->cfg.flags & BP_POOL_ZERO); }
static bool bpb_pool_poison_get(bpb_pool *p) { return p && (p->cfg.flags & BP_POOL_POISON); }
static bool bpb_pool_no_cache_get(bpb_pool *p) { return p && (p->cfg.flags & BP_POOL_NO_CACHE); }
static bool bpb_pool_closed_get(bpb_pool *p) { return !p || !p->pool || p->closing; }

/* Attributes of a buffer; but `released', they fail once it is released. */
static bpb_count bpb_buffer_nbytes_get(bpb_buffer *b)
{
    bp_ref *r = bpm_buffer_live(b);
    return r ? (bpb_count)r->size : -1;
}
static bpb_count bpb_buffer_refcount_get(bpb_buffer *b)
{
    bp_ref *r = bpm_buffer_live(b);
    return r ? (bpb_count)bp_refcount(r) : -1;
}
static bpb_flag bpb_buffer_writable_get(bpb_buffer *b)
{
    bp_ref *r = bpm_buffer_live(b);
    return r ? bp_is_writable(r) == 1 : -1;
}
static bpb_count bpb_buffer_address_get(bpb_buffer *b)
{
    bp_ref *r = bpm_buffer_live(b);
    return r ? (bpb_count)(uintptr_t)r->data : -1;
}
static bool bpb_buffer_released_get(bpb_buffer *b) { return !b || !b->ref; }
%}

/* --- Module functions ----------------------------------------------------- */
%rename(version) bp_version;
const char *bp_version(void);

%rename(alloc) bpb_alloc_plain;
%rename(allocz) bpb_allocz;
%inline %{
/* alloc(size) / allocz(size): a plain (not pooled) buffer, contents
 * uninitialised / zero-filled */
static bp_ref *bpb_alloc_plain(void *BPB_CTX, size_t size)
{
    (void)BPB_CTX;
    return bpm_alloc(size, false);
}
static bp_ref *bpb_allocz(void *BPB_CTX, size_t size)
{
    (void)BPB_CTX;
    return bpm_alloc(size, true);
}
%}

#if defined(SWIGPYTHON)
%include "python_post.i"
#elif defined(SWIGLUA)
%include "lua_post.i"
#endif
