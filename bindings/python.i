/*
 * python.i - Python part of bindings/bufpool.i.
 *
 * Built with `swig -python -builtin -interface bufpool`: Pool and Buffer are
 * real extension types (no Python proxy layer), so Buffer can implement the
 * buffer protocol in C (Python 3.11 has no Python-level __buffer__).
 *
 * Lifetime rules (see t/python-api.py):
 * - A Buffer owns one bp_ref.  Every export (memoryview, numpy array, ...)
 *   holds a reference to the Buffer object (Py_buffer.obj), so the Buffer,
 *   and with it the memory, cannot go away while an export is alive.
 * - release() and make_writable() (when it would copy) refuse with
 *   BufferError while exports exist, as mmap.close() does.
 * - A Buffer does not need its Pool: bp_pool_uninit() keeps buffers that are
 *   out valid, so Pool.close() and garbage collection of the Pool are safe
 *   in any order.
 * - get(timeout=...) releases the GIL while it waits; close() on another
 *   thread meanwhile is deferred until the last waiter returns, since
 *   bp_pool_uninit() must not run concurrently with bp_pool_get_timeout().
 * All state below is touched with the GIL held.
 */

%{
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct bpy_pool {
    bp_pool *pool;          /* NULL once closed */
    size_t size, max_buffers, min_buffers, align;
    unsigned flags;
    int waiters;            /* threads in get(timeout=...) without the GIL */
    int closing;            /* close() requested */
} bpy_pool;

typedef struct bpy_buffer {
    bp_ref *ref;            /* NULL once released */
    Py_ssize_t exports;     /* live Py_buffer views */
} bpy_buffer;

static const char bpy_released_msg[] = "operation on a released bufpool.Buffer";
static const char bpy_closed_msg[] = "operation on a closed bufpool.Pool";

/* Sets the Python exception for errno-style error e (positive). */
static void bpy_set_errno(int e, const char *what)
{
    switch (e) {
    case ENOMEM:
        PyErr_Format(PyExc_MemoryError, "%s: out of memory", what);
        break;
    case EAGAIN: {
        PyObject *exc = PyObject_CallFunction(PyExc_BlockingIOError, "is", e,
            "bufpool: the pool is at max_buffers and none is idle");
        if (exc) {
            PyErr_SetObject(PyExc_BlockingIOError, exc);
            Py_DECREF(exc);
        }
        break;
    }
    case ETIMEDOUT: {
        PyObject *exc = PyObject_CallFunction(PyExc_TimeoutError, "is", e,
            "bufpool: timed out waiting for a buffer");
        if (exc) {
            PyErr_SetObject(PyExc_TimeoutError, exc);
            Py_DECREF(exc);
        }
        break;
    }
    case EINVAL:
        PyErr_Format(PyExc_ValueError, "%s: invalid argument", what);
        break;
    default:
        PyErr_Format(PyExc_OSError, "%s: %s", what, strerror(e));
        break;
    }
}

/* Converts an integer argument to size_t: TypeError when not an integer,
 * ValueError when negative or too large.  Returns 0 or -1. */
static int bpy_size_arg(PyObject *o, const char *name, size_t *out)
{
    PyObject *i;
    size_t v;
    if (!o) {
        PyErr_Format(PyExc_TypeError, "%s: missing", name);
        return -1;
    }
    i = PyNumber_Index(o);
    if (!i)
        return -1;
    v = PyLong_AsSize_t(i);
    if (v == (size_t)-1 && PyErr_Occurred()) {
        PyObject *zero = PyLong_FromLong(0);
        int neg = zero ? PyObject_RichCompareBool(i, zero, Py_LT) : -1;
        Py_XDECREF(zero);
        Py_DECREF(i);
        if (neg < 0)
            return -1;
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, neg ? "%s must be >= 0" : "%s is too large", name);
        return -1;
    }
    Py_DECREF(i);
    *out = v;
    return 0;
}

/* Wraps a fresh reference in a bpy_buffer (takes ownership of ref). */
static bpy_buffer *bpy_buffer_wrap(bp_ref *ref)
{
    bpy_buffer *b = (bpy_buffer *)calloc(1, sizeof(*b));
    if (!b) {
        bp_unref(&ref);
        PyErr_NoMemory();
        return NULL;
    }
    b->ref = ref;
    return b;
}

static bpy_buffer *bpy_alloc_common(PyObject *n, int zero)
{
    size_t size;
    bp_ref *ref;
    if (bpy_size_arg(n, "size", &size) < 0)
        return NULL;
    errno = 0;
    ref = zero ? bp_allocz(size) : bp_alloc(size);
    if (!ref) {
        bpy_set_errno(errno ? errno : ENOMEM, zero ? "bufpool.allocz" : "bufpool.alloc");
        return NULL;
    }
    return bpy_buffer_wrap(ref);
}

/* The C object behind a Buffer PyObject (NULL for an object made by
 * Buffer.__new__ without a constructor). */
static bpy_buffer *bpy_buffer_of(PyObject *obj)
{
    return (bpy_buffer *)((SwigPyObject *)obj)->ptr;
}

static bpy_buffer *bpy_buffer_live(PyObject *obj)
{
    bpy_buffer *b = bpy_buffer_of(obj);
    if (!b || !b->ref) {
        PyErr_SetString(PyExc_ValueError, bpy_released_msg);
        return NULL;
    }
    return b;
}

/* bf_getbuffer: zero-copy view of the referenced bytes (format 'B',
 * C-contiguous).  Read-only while the buffer is shared (refcount > 1):
 * writing requires make_writable() first, as in the C contract. */
static int bpy_buffer_getbuffer(PyObject *obj, Py_buffer *view, int flags)
{
    bpy_buffer *b = bpy_buffer_live(obj);
    int readonly;
    if (!b) {
        view->obj = NULL;
        return -1;
    }
    readonly = bp_is_writable(b->ref) != 1;
    if (readonly && (flags & PyBUF_WRITABLE)) {
        PyErr_Format(PyExc_BufferError,
                     "bufpool.Buffer is shared (refcount %u): it is read-only "
                     "until make_writable()", bp_refcount(b->ref));
        view->obj = NULL;
        return -1;
    }
    if (PyBuffer_FillInfo(view, obj, b->ref->data, (Py_ssize_t)b->ref->size,
                          readonly, flags) < 0)
        return -1;
    b->exports++;
    return 0;
}

static void bpy_buffer_releasebuffer(PyObject *obj, Py_buffer *view)
{
    bpy_buffer *b = bpy_buffer_of(obj);
    (void)view;
    if (b && b->exports > 0)
        b->exports--;
}

static Py_ssize_t bpy_buffer_len(PyObject *obj)
{
    bpy_buffer *b = bpy_buffer_live(obj);
    return b ? (Py_ssize_t)b->ref->size : -1;
}

/* buf[i] -> int, buf[a:b] -> bytes (a copy, like mmap). */
static PyObject *bpy_buffer_subscript(PyObject *obj, PyObject *key)
{
    PyObject *mv, *r;
    if (!bpy_buffer_live(obj))
        return NULL;
    mv = PyMemoryView_FromObject(obj);
    if (!mv)
        return NULL;
    r = PyObject_GetItem(mv, key);
    if (r && PyMemoryView_Check(r)) {
        PyObject *bytes = PyBytes_FromObject(r);
        Py_DECREF(r);
        r = bytes;
    }
    Py_DECREF(mv);
    return r;
}

/* buf[i] = int, buf[a:b] = bytes-like of the same length. */
static int bpy_buffer_ass_subscript(PyObject *obj, PyObject *key, PyObject *value)
{
    bpy_buffer *b;
    PyObject *mv;
    Py_buffer view;
    int r;
    if (!value) {
        PyErr_SetString(PyExc_TypeError, "bufpool.Buffer items cannot be deleted");
        return -1;
    }
    b = bpy_buffer_live(obj);
    if (!b)
        return -1;
    if (PyObject_GetBuffer(obj, &view, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_ND) < 0)
        return -1;
    mv = PyMemoryView_FromObject(obj);
    PyBuffer_Release(&view);
    if (!mv)
        return -1;
    r = PyObject_SetItem(mv, key, value);
    Py_DECREF(mv);
    return r;
}

static PyObject *bpy_buffer_repr(PyObject *obj)
{
    bpy_buffer *b = bpy_buffer_of(obj);
    if (!b || !b->ref)
        return PyUnicode_FromString("<bufpool.Buffer released>");
    return PyUnicode_FromFormat("<bufpool.Buffer %zu bytes, refcount %u, %zd exports>",
                                b->ref->size, bp_refcount(b->ref), b->exports);
}

static PyObject *bpy_pool_repr(PyObject *obj)
{
    bpy_pool *p = (bpy_pool *)((SwigPyObject *)obj)->ptr;
    if (!p || !p->pool)
        return PyUnicode_FromString("<bufpool.Pool closed>");
    return PyUnicode_FromFormat("<bufpool.Pool size=%zu max_buffers=%zu>",
                                p->size, p->max_buffers);
}

/* tp_new: objects made by Pool.__new__ (or a subclass that skips
 * __init__) get a NULL pointer of the right SWIG type, so methods see NULL
 * and raise instead of crashing in SWIG's pointer conversion.  Buffers are
 * only made by get()/dup()/alloc()/allocz(). */
static PyObject *bpy_pool_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *o = PyType_GenericNew(type, args, kwargs);
    if (o)
        ((SwigPyObject *)o)->ty = SWIGTYPE_p_bpy_pool;
    return o;
}

static PyObject *bpy_buffer_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    (void)args; (void)kwargs;
    PyErr_Format(PyExc_TypeError, "cannot create '%.100s' instances: use "
                 "bufpool.Pool.get(), bufpool.alloc() or bufpool.allocz()",
                 type->tp_name);
    return NULL;
}

/* Runs bp_pool_uninit() once close() was asked and nobody waits. */
static void bpy_pool_finish_close(bpy_pool *p)
{
    if (p->closing && p->waiters == 0 && p->pool)
        bp_pool_uninit(&p->pool);
}

static bpy_pool *bpy_pool_open(bpy_pool *p)
{
    if (!p || !p->pool || p->closing) {
        PyErr_SetString(PyExc_ValueError, bpy_closed_msg);
        return NULL;
    }
    return p;
}
%}

/* `self` of a -builtin method wrapper is the Python object itself. */
%typemap(in, numinputs=0) PyObject *py_self "$1 = self;"

/* Every wrapper below reports errors by setting a Python exception. */
%exception {
    $action
    if (PyErr_Occurred()) SWIG_fail;
}

%feature("kwargs");
%nodefaultctor bpy_buffer;

/* ------------------------------------------------------------------------ */
%rename(Buffer) bpy_buffer;
%feature("python:bf_getbuffer", functype="getbufferproc") bpy_buffer "bpy_buffer_getbuffer";
%feature("python:bf_releasebuffer", functype="releasebufferproc") bpy_buffer "bpy_buffer_releasebuffer";
%feature("python:mp_length", functype="lenfunc") bpy_buffer "bpy_buffer_len";
%feature("python:sq_length", functype="lenfunc") bpy_buffer "bpy_buffer_len";
%feature("python:mp_subscript", functype="binaryfunc") bpy_buffer "bpy_buffer_subscript";
%feature("python:mp_ass_subscript", functype="objobjargproc") bpy_buffer "bpy_buffer_ass_subscript";
%feature("python:tp_repr", functype="reprfunc") bpy_buffer "bpy_buffer_repr";
%feature("python:tp_new", functype="newfunc") bpy_buffer "bpy_buffer_tp_new";

%feature("docstring") bpy_buffer
"A reference-counted block of memory, from Pool.get(), alloc() or allocz().

Buffer supports the buffer protocol, without copies: memoryview(buf),
numpy.frombuffer(buf, dtype=numpy.uint8), bytes(buf), file.readinto(buf),
socket.recv_into(buf).  len(buf) is its size in bytes; buf[i] reads and
writes one byte, buf[a:b] returns a copy as bytes and buf[a:b] = data
writes len(data) bytes in place.

While the buffer is shared (refcount > 1, see dup()) its exports are
read-only; call make_writable() for a private, writable copy.

release() drops the reference (a pool buffer goes back to its pool); the
same happens when the Buffer is garbage collected or at the end of a
'with' block.  A memoryview or numpy array taken from the buffer keeps
the memory alive: release() raises BufferError while one exists.
Using a released Buffer raises ValueError.";

typedef struct bpy_buffer {} bpy_buffer;

%newobject bpy_buffer::dup;
%extend bpy_buffer {
    ~bpy_buffer() {
        if ($self) {
            bp_unref(&$self->ref);
            free($self);
        }
    }

    %feature("docstring") release
"release() -> None

Drops this reference: a pool buffer whose last reference goes returns to
its pool.  Idempotent.  Raises BufferError while a memoryview, numpy array
or other export of the buffer is alive.";
    void release() {
        if (!$self || !$self->ref)
            return;
        if ($self->exports > 0) {
            PyErr_Format(PyExc_BufferError,
                         "cannot release a bufpool.Buffer while %zd export(s) "
                         "(memoryview, numpy array, ...) exist", $self->exports);
            return;
        }
        bp_unref(&$self->ref);
    }

    %feature("docstring") dup
"dup() -> Buffer

A new reference to the same memory (no copy); refcount grows by one.";
    bpy_buffer *dup() {
        bp_ref *ref;
        if (!$self || !$self->ref) {
            PyErr_SetString(PyExc_ValueError, bpy_released_msg);
            return NULL;
        }
        errno = 0;
        ref = bp_dup($self->ref);
        if (!ref) {
            bpy_set_errno(errno ? errno : ENOMEM, "bufpool.Buffer.dup");
            return NULL;
        }
        return bpy_buffer_wrap(ref);
    }

    %feature("docstring") make_writable
"make_writable() -> None

Makes this reference the sole owner of its memory: when the buffer is
shared, its bytes are copied into a new plain buffer (see alloc()) and the
old reference is dropped.  No-op when already writable.  Raises
BufferError if a copy is needed while exports of this Buffer exist,
MemoryError if the copy cannot be allocated.";
    void make_writable() {
        int r;
        if (!$self || !$self->ref) {
            PyErr_SetString(PyExc_ValueError, bpy_released_msg);
            return;
        }
        if (bp_is_writable($self->ref) == 1)
            return;
        if ($self->exports > 0) {
            PyErr_Format(PyExc_BufferError,
                         "cannot replace the memory of a bufpool.Buffer while "
                         "%zd export(s) exist", $self->exports);
            return;
        }
        r = bp_make_writable(&$self->ref);
        if (r < 0)
            bpy_set_errno(-r, "bufpool.Buffer.make_writable");
    }

    %feature("docstring") __enter__ "__enter__() -> Buffer (itself)";
    PyObject *__enter__(PyObject *py_self) {
        if (!$self || !$self->ref) {
            PyErr_SetString(PyExc_ValueError, bpy_released_msg);
            return NULL;
        }
        Py_INCREF(py_self);
        return py_self;
    }

    %feature("docstring") __exit__ "__exit__(*exc_info) -> None: calls release().";
    void __exit__(PyObject *exc_type, PyObject *exc_value, PyObject *traceback) {
        (void)exc_type; (void)exc_value; (void)traceback;
        if (!$self || !$self->ref)
            return;
        if ($self->exports > 0) {
            PyErr_Format(PyExc_BufferError,
                         "cannot release a bufpool.Buffer while %zd export(s) "
                         "(memoryview, numpy array, ...) exist", $self->exports);
            return;
        }
        bp_unref(&$self->ref);
    }

    %feature("docstring") refcount "Number of references to this memory (int).";
    %feature("docstring") writable "True when this is the only reference (writes allowed).";
    %feature("docstring") released "True once release() was called.";
    %feature("docstring") exports "Number of live exports (memoryviews, numpy arrays, ...).";
    %immutable;
    unsigned int refcount;
    bool writable;
    bool released;
    long exports;
    %mutable;
}

%{
static unsigned int bpy_buffer_refcount_get(bpy_buffer *b)
{
    if (!b || !b->ref) {
        PyErr_SetString(PyExc_ValueError, bpy_released_msg);
        return 0;
    }
    return bp_refcount(b->ref);
}

static bool bpy_buffer_writable_get(bpy_buffer *b)
{
    if (!b || !b->ref) {
        PyErr_SetString(PyExc_ValueError, bpy_released_msg);
        return 0;
    }
    return bp_is_writable(b->ref) == 1;
}

static bool bpy_buffer_released_get(bpy_buffer *b)
{
    return !b || !b->ref;
}

static long bpy_buffer_exports_get(bpy_buffer *b)
{
    return b ? (long)b->exports : 0;
}
%}

/* ------------------------------------------------------------------------ */
%rename(Pool) bpy_pool;
%feature("python:tp_repr", functype="reprfunc") bpy_pool "bpy_pool_repr";
%feature("python:tp_new", functype="newfunc") bpy_pool "bpy_pool_tp_new";

%feature("docstring") bpy_pool
"Pool(size, max_buffers=0, min_buffers=0, align=64, zero=False, poison=False)

A thread-safe, lock-free pool of reusable buffers of `size` bytes each.

size         bytes per buffer (> 0)
max_buffers  0: unbounded; else at most that many buffers exist at once
             (in use + idle); get() then raises BlockingIOError and
             get(timeout=...) waits
min_buffers  buffers allocated up front
align        alignment of the data, a power of two (0 means 64)
zero         every buffer handed out is zero-filled
poison       released buffers are filled with 0xA5

Buffers stay valid after the pool is closed (close() or garbage
collection); they are freed when released.  The pool may be shared
between threads.  A Pool is also a context manager that closes it.";

typedef struct bpy_pool {} bpy_pool;

%newobject bpy_pool::get;
%extend bpy_pool {
    bpy_pool(PyObject *size, PyObject *max_buffers = NULL, PyObject *min_buffers = NULL,
             PyObject *align = NULL, PyObject *zero = NULL, PyObject *poison = NULL) {
        bp_pool_config cfg;
        bpy_pool *p;
        int z = 0, po = 0;
        bp_pool_config_init(&cfg);
        cfg.align = 64;
        if (bpy_size_arg(size, "size", &cfg.size) < 0)
            return NULL;
        if (max_buffers && bpy_size_arg(max_buffers, "max_buffers", &cfg.max_buffers) < 0)
            return NULL;
        if (min_buffers && bpy_size_arg(min_buffers, "min_buffers", &cfg.min_buffers) < 0)
            return NULL;
        if (align && bpy_size_arg(align, "align", &cfg.align) < 0)
            return NULL;
        if (zero && (z = PyObject_IsTrue(zero)) < 0)
            return NULL;
        if (poison && (po = PyObject_IsTrue(poison)) < 0)
            return NULL;
        if (cfg.size == 0) {
            PyErr_SetString(PyExc_ValueError, "size must be > 0");
            return NULL;
        }
        if (cfg.align == 0)
            cfg.align = 64;
        if (cfg.align & (cfg.align - 1)) {
            PyErr_Format(PyExc_ValueError, "align must be a power of two, not %zu", cfg.align);
            return NULL;
        }
        if (cfg.max_buffers > BP_POOL_MAX_BUFFERS || cfg.min_buffers > BP_POOL_MAX_BUFFERS) {
            PyErr_Format(PyExc_ValueError, "max_buffers and min_buffers must be <= %zu",
                         (size_t)BP_POOL_MAX_BUFFERS);
            return NULL;
        }
        if (cfg.max_buffers && cfg.min_buffers > cfg.max_buffers) {
            PyErr_Format(PyExc_ValueError, "min_buffers (%zu) > max_buffers (%zu)",
                         cfg.min_buffers, cfg.max_buffers);
            return NULL;
        }
        cfg.flags = (z ? BP_POOL_ZERO : 0u) | (po ? BP_POOL_POISON : 0u);
        p = (bpy_pool *)calloc(1, sizeof(*p));
        if (!p) {
            PyErr_NoMemory();
            return NULL;
        }
        errno = 0;
        p->pool = bp_pool_new(&cfg);
        if (!p->pool) {
            bpy_set_errno(errno ? errno : ENOMEM, "bufpool.Pool");
            free(p);
            return NULL;
        }
        p->size = cfg.size;
        p->max_buffers = cfg.max_buffers;
        p->min_buffers = cfg.min_buffers;
        p->align = cfg.align;
        p->flags = cfg.flags;
        return p;
    }

    ~bpy_pool() {
        if ($self) {
            /* No get() can be waiting: a waiter holds a reference to us. */
            bp_pool_uninit(&$self->pool);
            free($self);
        }
    }

    %feature("docstring") get
"get(timeout=<no wait>) -> Buffer

Takes a buffer of `size` bytes from the pool (refcount 1).  Without a
timeout it never blocks: a pool at max_buffers with none idle raises
BlockingIOError.  With timeout=seconds (float) it waits up to that long
for a buffer to be released, then raises TimeoutError; timeout=None waits
forever.  The GIL is released while waiting (signals such as Ctrl-C are
handled when the wait ends).  MemoryError when allocation fails;
ValueError for a negative timeout or a closed pool.

In stats(), a get(timeout=...) that had to wait counts as two get calls:
a failed immediate attempt (taken with the GIL held, so the common case
costs no GIL hand-off), then the wait.";
    bpy_buffer *get(PyObject *timeout = NULL) {
        bp_ref *ref;
        int e;
        int64_t ns = -1;
        if (!bpy_pool_open($self))
            return NULL;
        if (!timeout) {
            errno = 0;
            ref = bp_pool_get($self->pool);
            e = errno;
        } else {
            if (timeout != Py_None) {
                double s = PyFloat_AsDouble(timeout);
                if (s == -1.0 && PyErr_Occurred())
                    return NULL;
                if (isnan(s) || s < 0) {
                    PyErr_SetString(PyExc_ValueError, "timeout must be >= 0 or None");
                    return NULL;
                }
                ns = s * 1e9 >= 9.0e18 ? -1 : (int64_t)(s * 1e9);
            }
            errno = 0;
            ref = bp_pool_get($self->pool);   /* fast path, keeps the GIL */
            e = errno;
            if (!ref && e == EAGAIN) {
                bp_pool *pool = $self->pool;
                $self->waiters++;
                Py_BEGIN_ALLOW_THREADS
                errno = 0;
                ref = bp_pool_get_timeout(pool, ns);
                e = errno;
                Py_END_ALLOW_THREADS
                $self->waiters--;
                bpy_pool_finish_close($self);
            }
        }
        if (!ref) {
            bpy_set_errno(e ? e : ENOMEM, "bufpool.Pool.get");
            return NULL;
        }
        return bpy_buffer_wrap(ref);
    }

    %feature("docstring") trim
"trim(keep_idle=0) -> int

Frees idle buffers until at most keep_idle are left; returns how many
were freed.";
    size_t trim(PyObject *keep_idle = NULL) {
        size_t keep = 0;
        if (!bpy_pool_open($self))
            return 0;
        if (keep_idle && bpy_size_arg(keep_idle, "keep_idle", &keep) < 0)
            return 0;
        return bp_pool_trim($self->pool, keep);
    }

    %feature("docstring") stats
"stats() -> dict

Counters of the pool: gets, reuses, allocs, failures (get calls that
failed), in_use, idle, peak_in_use.  Exact when no other thread is using
the pool at the same time.";
    PyObject *stats() {
        bp_pool_stats st = BP_POOL_STATS_INIT;
        int r;
        if (!bpy_pool_open($self))
            return NULL;
        r = bp_pool_get_stats($self->pool, &st);
        if (r < 0) {
            bpy_set_errno(-r, "bufpool.Pool.stats");
            return NULL;
        }
        return Py_BuildValue("{s:K,s:K,s:K,s:K,s:n,s:n,s:n}",
                             "gets", (unsigned long long)st.gets,
                             "reuses", (unsigned long long)st.reuses,
                             "allocs", (unsigned long long)st.allocs,
                             "failures", (unsigned long long)st.failures,
                             "in_use", (Py_ssize_t)st.in_use,
                             "idle", (Py_ssize_t)st.idle,
                             "peak_in_use", (Py_ssize_t)st.peak_in_use);
    }

    %feature("docstring") close
"close() -> None

Closes the pool: idle buffers are freed now; buffers still out stay valid
and are freed when released.  Idempotent; also done when the pool is
garbage collected.  Later get(), trim() and stats() raise ValueError.";
    void close() {
        if (!$self)
            return;
        $self->closing = 1;
        bpy_pool_finish_close($self);
    }

    %feature("docstring") __enter__ "__enter__() -> Pool (itself)";
    PyObject *__enter__(PyObject *py_self) {
        if (!bpy_pool_open($self))
            return NULL;
        Py_INCREF(py_self);
        return py_self;
    }

    %feature("docstring") __exit__ "__exit__(*exc_info) -> None: calls close().";
    void __exit__(PyObject *exc_type, PyObject *exc_value, PyObject *traceback) {
        (void)exc_type; (void)exc_value; (void)traceback;
        if (!$self)
            return;
        $self->closing = 1;
        bpy_pool_finish_close($self);
    }

    %feature("docstring") size "Bytes per buffer.";
    %feature("docstring") max_buffers "Cap on buffers allocated at once (0: none).";
    %feature("docstring") min_buffers "Buffers allocated when the pool was made.";
    %feature("docstring") align "Alignment of the buffers' data.";
    %feature("docstring") closed "True once close() was called.";
    %immutable;
    size_t size;
    size_t max_buffers;
    size_t min_buffers;
    size_t align;
    bool closed;
    %mutable;
}

%{
static size_t bpy_pool_size_get(bpy_pool *p) { return p ? p->size : 0; }
static size_t bpy_pool_max_buffers_get(bpy_pool *p) { return p ? p->max_buffers : 0; }
static size_t bpy_pool_min_buffers_get(bpy_pool *p) { return p ? p->min_buffers : 0; }
static size_t bpy_pool_align_get(bpy_pool *p) { return p ? p->align : 0; }
static bool bpy_pool_closed_get(bpy_pool *p) { return !p || p->closing; }
%}

/* ------------------------------------------------------------------------ */
%newobject bpy_alloc;
%newobject bpy_allocz;
%rename(alloc) bpy_alloc;
%rename(allocz) bpy_allocz;
%feature("docstring") bpy_alloc
"alloc(size) -> Buffer

A plain (not pooled) buffer of size bytes, contents uninitialised, data
aligned to at least 64 bytes.  size 0 is allowed.  ValueError for a
negative size, MemoryError when it cannot be allocated.";
%feature("docstring") bpy_allocz
"allocz(size) -> Buffer

As alloc(), with the contents zero-filled.";
%inline %{
static bpy_buffer *bpy_alloc(PyObject *size) { return bpy_alloc_common(size, 0); }
static bpy_buffer *bpy_allocz(PyObject *size) { return bpy_alloc_common(size, 1); }
%}

%init %{
    {
        /* PyDict_SetItemString does not steal the reference. */
        PyObject *version = PyUnicode_FromString(bp_version());
        PyObject *doc = PyUnicode_FromString(
"Pooled, reference-counted, zero-copy memory buffers.\n"
"\n"
"    pool = bufpool.Pool(4096, max_buffers=64)\n"
"    with pool.get() as buf:\n"
"        n = sock.recv_into(buf)\n"
"        process(memoryview(buf)[:n])\n"
"\n"
"Pool hands out Buffer objects; a Buffer returns to its pool when it is\n"
"released.  Buffers support the buffer protocol (memoryview, numpy)\n"
"without copies.  See help(bufpool.Pool) and help(bufpool.Buffer).");
        if (!version || !doc ||
            PyDict_SetItemString(d, "__version__", version) < 0 ||
            PyDict_SetItemString(d, "__doc__", doc) < 0) {
            Py_XDECREF(version);
            Py_XDECREF(doc);
            return NULL;
        }
        Py_DECREF(version);
        Py_DECREF(doc);
    }
%}
