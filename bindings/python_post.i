/*
 * python_post.i - what SWIG cannot generate for Python (included at the end
 * of bindings/bufpool.i, after the types).
 *
 * SWIG 4.1 passes the arguments of a method as a tuple (METH_VARARGS) and
 * names its wrappers in error messages ("Pool_trim()"); the methods that
 * take arguments are therefore METH_FASTCALL functions here, calling the
 * same object model functions as every binding, and added to the types
 * SWIG made.  Pool.get() and Buffer.__exit__ are on the hot path: a get
 * without arguments is the call and the core's get, nothing else.
 */

%{
/* Matches FASTCALL arguments to the n parameters names[] (positional or
 * keyword): out[i] is the argument or NULL.  fname is the qualified name
 * for messages ("Pool.trim").  0, or -1 with TypeError. */
static int bpy_args(const char *fname, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames, const char *const *names, int n,
                    PyObject **out)
{
    Py_ssize_t i, nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    int j;
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d argument%s (%zd "
                     "given)", fname, n, n == 1 ? "" : "s", nargs + nkw);
        return -1;
    }
    for (j = 0; j < n; j++)
        out[j] = j < nargs ? args[j] : NULL;
    for (i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        for (j = 0; j < n; j++)
            if (PyUnicode_CompareWithASCIIString(key, names[j]) == 0)
                break;
        if (j == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword "
                         "argument '%U'", fname, key);
            return -1;
        }
        if (out[j]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for "
                         "argument '%s'", fname, names[j]);
            return -1;
        }
        out[j] = args[nargs + i];
    }
    return 0;
}

/* An integer argument as a size_t: TypeError when not an integer,
 * ValueError when negative or too large.  0 or -1. */
static PyObject *bpy_zero;   /* the int 0, made by the module's init */

static int bpy_size(PyObject *o, const char *name, size_t *v)
{
    PyObject *i = PyNumber_Index(o);
    int neg;
    if (!i)
        return -1;
    *v = PyLong_AsSize_t(i);
    if (*v == (size_t)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
            Py_DECREF(i);
            return -1;
        }
        PyErr_Clear();
        neg = PyObject_RichCompareBool(i, bpy_zero, Py_LT);
        if (neg < 0) {
            Py_DECREF(i);
            return -1;
        }
        PyErr_Format(PyExc_ValueError, neg ? "%s must be >= 0, not %R"
                                           : "%s is too large: %R", name, i);
        Py_DECREF(i);
        return -1;
    }
    Py_DECREF(i);
    return 0;
}

static int bpy_bool(PyObject *o, bool *v)
{
    int t = PyObject_IsTrue(o);
    if (t < 0)
        return -1;
    *v = t;
    return 0;
}

/* A timeout: None waits forever, else bpm_timeout_ns's seconds. */
static int bpy_timeout(PyObject *o, int64_t *ns)
{
    double s;
    *ns = 0;
    if (!o)
        return 0;
    if (o == Py_None) {
        *ns = -1;
        return 0;
    }
    s = PyFloat_AsDouble(o);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    if (bpm_timeout_ns(s, ns) < 0) {
        bpy_raise();
        return -1;
    }
    return 0;
}

/* Pool.__init__: refused on a Pool that was already made (a second call
 * would leak the first pool or change it under its buffers). */
static int bpy_pool_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kw[] = {"size", "max_buffers", "min_buffers", "align", "zero",
                         "poison", "cache", "no_cache", NULL};
    PyObject *o[8] = {NULL};
    const char *names[] = {"size", "max_buffers", "min_buffers", "align", NULL,
                           NULL, "cache", NULL};
    size_t *sizes[8];
    bp_pool_config cfg;
    bool zero = false, poison = false, no_cache = false;
    bpy_pool *po = BPY_POOL(self);
    int i;
    if (po->sw.ptr) {
        PyErr_Format(PyExc_TypeError, "%s.__init__() called on a Pool that is "
                     "already initialised", Py_TYPE(self)->tp_name);
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OOOOOOO:Pool", kw, &o[0],
                                     &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                                     &o[7]))
        return -1;
    bp_pool_config_init(&cfg);
    sizes[0] = &cfg.size; sizes[1] = &cfg.max_buffers;
    sizes[2] = &cfg.min_buffers; sizes[3] = &cfg.align; sizes[6] = &cfg.cache;
    for (i = 0; i < 8; i++)
        if (o[i] && names[i] && bpy_size(o[i], names[i], sizes[i]) < 0)
            return -1;
    if ((o[4] && bpy_bool(o[4], &zero) < 0) ||
        (o[5] && bpy_bool(o[5], &poison) < 0) ||
        (o[7] && bpy_bool(o[7], &no_cache) < 0))
        return -1;
    cfg.flags = (zero ? BP_POOL_ZERO : 0u) | (poison ? BP_POOL_POISON : 0u) |
                (no_cache ? BP_POOL_NO_CACHE : 0u);
    if (bpm_pool_init(&po->p, &cfg) < 0) {
        bpy_raise();
        return -1;
    }
    po->sw.ptr = &po->p;
    po->sw.ty = SWIGTYPE_p_bpb_pool;
    return 0;
}

static PyObject *bpy_pool_get(PyObject *self, PyObject *const *args,
                              Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"timeout"};
    PyObject *o[1];
    int64_t ns = 0;
    bp_ref *r;
    if ((nargs || kwnames) &&
        (bpy_args("Pool.get", args, nargs, kwnames, names, 1, o) < 0 ||
         bpy_timeout(o[0], &ns) < 0))
        return NULL;
    r = bpm_pool_get(&BPY_POOL(self)->p, ns, self);
    return r ? bpy_buffer_new(r) : bpy_raise();
}

static PyObject *bpy_pool_trim(PyObject *self, PyObject *const *args,
                               Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"keep_idle"};
    PyObject *o[1];
    size_t keep = 0;
    bpb_pool *p = &BPY_POOL(self)->p;
    if (bpy_args("Pool.trim", args, nargs, kwnames, names, 1, o) < 0 ||
        (o[0] && bpy_size(o[0], "keep_idle", &keep) < 0))
        return NULL;
    if (!bpm_pool_open(p))
        return bpy_raise();
    return PyLong_FromSize_t(bp_pool_trim(p->pool, keep));
}

/* __exit__(exc_type, exc, tb) of a Pool: close() */
static PyObject *bpy_pool_exit(PyObject *self, PyObject *const *args,
                               Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    bpm_pool_close(&BPY_POOL(self)->p);
    Py_RETURN_NONE;
}

/* __exit__(exc_type, exc, tb) of a Buffer: release().  With exports alive
 * it raises BufferError, unless the block raised: then that exception goes
 * on (with a note) and the buffer is released when the last export goes. */
static PyObject *bpy_buffer_exit(PyObject *self, PyObject *const *args,
                                 Py_ssize_t nargs)
{
    bpy_buffer *o = BPY_BUFFER(self);
    if (!o->b.ref)
        Py_RETURN_NONE;
    if (!o->exports) {
        bp_unref(&o->b.ref);
        Py_RETURN_NONE;
    }
    if (nargs >= 2 && args[0] != Py_None) {
        PyObject *r;
        o->release_pending = true;
        r = PyObject_CallMethod(args[1], "add_note", "s",
                                "bufpool: the Buffer is released when its "
                                "last export (memoryview, numpy array, ...) "
                                "goes");
        if (r)
            Py_DECREF(r);
        else
            PyErr_Clear();   /* before Python 3.11: no notes */
        Py_RETURN_NONE;
    }
    if (bpm_buffer_release(&o->b) < 0)
        return bpy_raise();
    Py_RETURN_NONE;
}

/* --- with blocks without a GC-tracked bound method ----------------------------
 * `with buf:` looks up __enter__ and __exit__ on the type and binds them:
 * for a method descriptor CPython allocates and GC-tracks a new bound
 * method each time, half the cost of a with block.  Buffer's __enter__
 * and __exit__ are therefore descriptors whose binding is a bpy_bound from
 * a freelist (a strong reference to the Buffer, no GC tracking: it can be
 * in no cycle); on the class they give the ordinary method descriptors
 * (help(), inspect). */

typedef struct bpy_bound {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject      *owner;       /* the Buffer (a reference) */
    int            which;       /* 0 __enter__, 1 __exit__ */
} bpy_bound;

static PyTypeObject bpy_bound_type;
#define BPY_BOUND_FREELIST 16
static bpy_bound *bpy_bound_free[BPY_BOUND_FREELIST];
static int bpy_nbound;

static PyObject *bpy_bound_call(PyObject *callable, PyObject *const *args,
                                size_t nargsf, PyObject *kwnames)
{
    bpy_bound *b = (bpy_bound *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    static const char *const names[] = {"__enter__", "__exit__"};
    if ((kwnames && PyTuple_GET_SIZE(kwnames)) || nargs != (b->which ? 3 : 0)) {
        PyErr_Format(PyExc_TypeError, "Buffer.%s() takes %s", names[b->which],
                     b->which ? "exactly 3 positional arguments" : "no arguments");
        return NULL;
    }
    if (!b->which)
        return bpb_buffer___enter__(&BPY_BUFFER(b->owner)->b, b->owner);
    return bpy_buffer_exit(b->owner, args, nargs);
}

static void bpy_bound_dealloc(PyObject *self)
{
    bpy_bound *b = (bpy_bound *)self;
    Py_CLEAR(b->owner);
    if (bpy_nbound < BPY_BOUND_FREELIST)
        bpy_bound_free[bpy_nbound++] = b;
    else
        PyObject_Free(b);
}

static PyObject *bpy_bound_repr(PyObject *self)
{
    bpy_bound *b = (bpy_bound *)self;
    return PyUnicode_FromFormat("<bound method Buffer.%s of %R>",
                                b->which ? "__exit__" : "__enter__", b->owner);
}

static PyTypeObject bpy_bound_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bufpool._BufferMethod",
    .tp_basicsize = sizeof(bpy_bound),
    .tp_dealloc = bpy_bound_dealloc,
    .tp_vectorcall_offset = offsetof(bpy_bound, vectorcall),
    .tp_repr = bpy_bound_repr,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A bound __enter__ or __exit__ of a bufpool.Buffer.",
};

typedef struct bpy_with_descr {
    PyObject_HEAD
    PyObject *plain;          /* the method descriptor, for Buffer.__exit__ */
    int which;
} bpy_with_descr;

static PyObject *bpy_with_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    bpy_with_descr *d = (bpy_with_descr *)self;
    bpy_bound *b;
    if (!obj) {
        Py_INCREF(d->plain);
        return d->plain;
    }
    if (Py_TYPE(obj) != bpy_buffer_type)   /* its error message */
        return Py_TYPE(d->plain)->tp_descr_get(d->plain, obj, type);
    if (bpy_nbound) {
        b = bpy_bound_free[--bpy_nbound];
        (void)PyObject_INIT(b, &bpy_bound_type);
    } else {
        b = PyObject_New(bpy_bound, &bpy_bound_type);
        if (!b)
            return NULL;
    }
    b->vectorcall = bpy_bound_call;
    Py_INCREF(obj);
    b->owner = obj;
    b->which = d->which;
    return (PyObject *)b;
}

static void bpy_with_descr_dealloc(PyObject *self)
{
    Py_XDECREF(((bpy_with_descr *)self)->plain);
    PyObject_Free(self);
}

static PyObject *bpy_with_descr_doc(PyObject *self, void *closure)
{
    (void)closure;
    return PyObject_GetAttrString(((bpy_with_descr *)self)->plain, "__doc__");
}

static PyGetSetDef bpy_with_descr_getset[] = {
    {"__doc__", bpy_with_descr_doc, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject bpy_with_descr_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bufpool._BufferWithDescriptor",
    .tp_basicsize = sizeof(bpy_with_descr),
    .tp_dealloc = bpy_with_descr_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_descr_get = bpy_with_descr_get,
    .tp_getset = bpy_with_descr_getset,
};

/* Puts the fast __enter__/__exit__ descriptors in front of Buffer's
 * ordinary ones (already in its dict). */
static int bpy_fast_with(PyTypeObject *t)
{
    static const char *const names[] = {"__enter__", "__exit__"};
    int i;
    if (PyType_Ready(&bpy_bound_type) < 0 || PyType_Ready(&bpy_with_descr_type) < 0)
        return -1;
    for (i = 0; i < 2; i++) {
        bpy_with_descr *d;
        PyObject *plain = PyDict_GetItemString(t->tp_dict, names[i]);
        int rc;
        if (!plain) {
            PyErr_Format(PyExc_SystemError, "bufpool: Buffer.%s missing", names[i]);
            return -1;
        }
        d = PyObject_New(bpy_with_descr, &bpy_with_descr_type);
        if (!d)
            return -1;
        Py_INCREF(plain);
        d->plain = plain;
        d->which = i;
        rc = PyDict_SetItemString(t->tp_dict, names[i], (PyObject *)d);
        Py_DECREF(d);
        if (rc < 0)
            return -1;
    }
    PyType_Modified(t);
    return 0;
}

static PyObject *bpy_buffer_slice(PyObject *self, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"offset", "length"};
    PyObject *o[2];
    size_t offset = 0, length;
    bp_ref *live = bpy_live(self), *r;
    if (!live || bpy_args("Buffer.slice", args, nargs, kwnames, names, 2, o) < 0 ||
        (o[0] && bpy_size(o[0], "offset", &offset) < 0))
        return NULL;
    length = offset <= live->size ? live->size - offset : 0;
    if (o[1] && o[1] != Py_None && bpy_size(o[1], "length", &length) < 0)
        return NULL;
    r = bpm_buffer_share(&BPY_BUFFER(self)->b, offset, length);
    return r ? bpy_buffer_new(r) : bpy_raise();
}

static PyObject *bpy_alloc_common(const char *fname, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames, bool zero)
{
    static const char *const names[] = {"size"};
    PyObject *o[1];
    size_t size;
    bp_ref *r;
    if (bpy_args(fname, args, nargs, kwnames, names, 1, o) < 0)
        return NULL;
    if (!o[0]) {
        PyErr_Format(PyExc_TypeError, "%s() missing required argument 'size'",
                     fname);
        return NULL;
    }
    if (bpy_size(o[0], "size", &size) < 0)
        return NULL;
    r = bpm_alloc(size, zero);
    return r ? bpy_buffer_new(r) : bpy_raise();
}

static PyObject *bpy_alloc(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames)
{
    (void)m;
    return bpy_alloc_common("alloc", args, nargs, kwnames, false);
}

static PyObject *bpy_allocz(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames)
{
    (void)m;
    return bpy_alloc_common("allocz", args, nargs, kwnames, true);
}

#define BPY_FASTCALL(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef bpy_pool_methods[] = {
    {"get", BPY_FASTCALL(bpy_pool_get), METH_FASTCALL | METH_KEYWORDS,
     "get($self, /, timeout=0)\n--\n\n"
     "Takes a buffer of `size` bytes from the pool (refcount 1).  timeout\n"
     "0 (the default) never waits: a pool at max_buffers with none idle\n"
     "raises BlockingIOError.  timeout=seconds waits up to that long for a\n"
     "buffer to be released, then raises TimeoutError; timeout=None waits\n"
     "forever.  The GIL is released while waiting; Ctrl-C interrupts a wait\n"
     "(KeyboardInterrupt) and close() ends it (ValueError), both within\n"
     "0.05 s.  MemoryError when allocation fails; ValueError for a negative\n"
     "timeout or a closed pool."},
    {"trim", BPY_FASTCALL(bpy_pool_trim), METH_FASTCALL | METH_KEYWORDS,
     "trim($self, /, keep_idle=0)\n--\n\n"
     "Frees idle buffers until at most keep_idle are left (including those\n"
     "cached for other threads); returns how many it freed."},
    {"__exit__", BPY_FASTCALL(bpy_pool_exit), METH_FASTCALL,
     "__exit__($self, exc_type, exc, tb, /)\n--\n\nCloses the pool (close())."},
    {NULL, NULL, 0, NULL}
};

static PyMethodDef bpy_buffer_methods[] = {
    {"slice", BPY_FASTCALL(bpy_buffer_slice), METH_FASTCALL | METH_KEYWORDS,
     "slice($self, /, offset=0, length=None)\n--\n\n"
     "A new Buffer for length bytes (default: to the end) at offset, sharing\n"
     "this one's memory (no copy; both are then read-only while shared, see\n"
     "dup()).  IndexError when the range is outside the buffer."},
    {"__exit__", BPY_FASTCALL(bpy_buffer_exit), METH_FASTCALL,
     "__exit__($self, exc_type, exc, tb, /)\n--\n\n"
     "Releases the buffer (release()); see the class documentation for a\n"
     "block that ends with exports alive."},
    {NULL, NULL, 0, NULL}
};

static PyMethodDef bpy_module_functions[] = {
    {"alloc", BPY_FASTCALL(bpy_alloc), METH_FASTCALL | METH_KEYWORDS,
     "alloc(size)\n--\n\n"
     "A plain (not pooled) buffer of size bytes, contents uninitialised, data\n"
     "aligned to at least 64 bytes.  size 0 is allowed.  ValueError for a\n"
     "negative size, MemoryError when it cannot be allocated."},
    {"allocz", BPY_FASTCALL(bpy_allocz), METH_FASTCALL | METH_KEYWORDS,
     "allocz(size)\n--\n\nAs alloc(), with the contents zero-filled."},
    {NULL, NULL, 0, NULL}
};

/* SWIG starts a multi-line docstring with a newline, which hides the
 * signature line from inspect (__text_signature__). */
static const char *bpy_doc(const char *doc)
{
    return doc && doc[0] == '\n' ? doc + 1 : doc;
}

/* Finishes a type SWIG made: removes SWIG's `this`/`thisown` and its
 * `__dict__` (which would give every object a dict in SwigPyObject.dict:
 * these have none), lets inspect see the signatures, adds defs. */
static int bpy_finish_type(PyTypeObject *t, PyMethodDef *defs)
{
    PyObject *d = t->tp_dict;
    const char *swig_attrs[] = {"this", "thisown", "__dict__"};
    PyMethodDef *m;
    size_t i;
    t->tp_doc = bpy_doc(t->tp_doc);
    for (m = t->tp_methods; m && m->ml_name; m++)
        m->ml_doc = bpy_doc(m->ml_doc);
    for (i = 0; i < sizeof swig_attrs / sizeof *swig_attrs; i++)
        if (PyDict_GetItemString(d, swig_attrs[i]) &&
            PyDict_DelItemString(d, swig_attrs[i]) < 0)
            return -1;
    for (; defs->ml_name; defs++) {
        PyObject *descr = PyDescr_NewMethod(t, defs);
        int rc = descr ? PyDict_SetItemString(d, defs->ml_name, descr) : -1;
        Py_XDECREF(descr);
        if (rc < 0)
            return -1;
    }
    PyType_Modified(t);
    return 0;
}

#include "bufpool_capi.h"

/* --- The C API (bufpool_capi.h) ----------------------------------------------- */

static PyObject *bpy_capi_buffer_from_ref(bp_ref *ref)
{
    if (!ref) {
        PyErr_SetString(PyExc_ValueError, "bufpool C API: buffer_from_ref(NULL)");
        return NULL;
    }
    return bpy_buffer_new(ref);
}

static bp_ref *bpy_capi_buffer_ref(PyObject *obj)
{
    if (!obj || Py_TYPE(obj) != bpy_buffer_type) {
        PyErr_Format(PyExc_TypeError, "bufpool C API: a bufpool.Buffer is "
                     "needed, not %.200s", obj ? Py_TYPE(obj)->tp_name : "NULL");
        return NULL;
    }
    return bpy_live(obj);
}

static bp_pool *bpy_capi_pool_of(PyObject *obj)
{
    if (!obj || !PyObject_TypeCheck(obj, bpy_pool_type)) {
        PyErr_Format(PyExc_TypeError, "bufpool C API: a bufpool.Pool is "
                     "needed, not %.200s", obj ? Py_TYPE(obj)->tp_name : "NULL");
        return NULL;
    }
    if (!bpm_pool_open(&BPY_POOL(obj)->p)) {
        bpy_raise();
        return NULL;
    }
    return BPY_POOL(obj)->p.pool;
}

static const bufpool_capi bpy_capi = {
    sizeof(bufpool_capi),
    BUFPOOL_CAPI_VERSION,
    bpy_capi_buffer_from_ref,
    bpy_capi_buffer_ref,
    bpy_capi_pool_of,
    bp_alloc,
    bp_allocz,
    bp_create,
    bp_dup,
    bp_unref,
    bp_pool_get,
    bp_refcount,
    bp_is_writable,
    bp_version,
};
%}

%init %{
    {
        PyObject *version, *doc, *capi;
        PyMethodDef *fn;
        bpy_zero = PyLong_FromLong(0);
        if (!bpy_zero)
            return NULL;
        bpy_buffer_type = SwigPyBuiltin__bpb_buffer_type.ht_type.tp_dict ?
            &SwigPyBuiltin__bpb_buffer_type.ht_type : NULL;
        bpy_pool_type = &SwigPyBuiltin__bpb_pool_type.ht_type;
        for (fn = SwigMethods; fn->ml_name; fn++)
            fn->ml_doc = bpy_doc(fn->ml_doc);
        if (!bpy_buffer_type ||
            bpy_finish_type(bpy_buffer_type, bpy_buffer_methods) < 0 ||
            bpy_finish_type(bpy_pool_type, bpy_pool_methods) < 0 ||
            bpy_fast_with(bpy_buffer_type) < 0 ||
            PyModule_AddFunctions(m, bpy_module_functions) < 0)
            return NULL;
        version = PyUnicode_FromString(bp_version());
        doc = PyUnicode_FromString(
"The extension module of the bufpool package: see help(bufpool).");
        capi = PyCapsule_New((void *)&bpy_capi, BUFPOOL_CAPI_NAME, NULL);
        if (!version || !doc || !capi ||
            PyDict_SetItemString(d, "__version__", version) < 0 ||
            PyDict_SetItemString(d, "__doc__", doc) < 0 ||
            PyDict_SetItemString(d, "_C_API", capi) < 0) {
            Py_XDECREF(version);
            Py_XDECREF(doc);
            Py_XDECREF(capi);
            return NULL;
        }
        Py_DECREF(version);
        Py_DECREF(doc);
        Py_DECREF(capi);
    }
%}
