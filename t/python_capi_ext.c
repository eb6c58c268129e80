/* A C extension using bufpool's C API (bufpool_capi.h), for
 * t/python-capi.py: hands memory it owns to Python as a bufpool.Buffer,
 * reads a Buffer's reference, takes a buffer from a Pool.  Every bp_*
 * call goes through the API (the module's copy of the library). */
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#include "bufpool_capi.h"

static const bufpool_capi *bp;
static int freed;

static void free_block(void *opaque, uint8_t *data)
{
    (void)opaque;
    free(data);
    freed++;
}

/* wrap(n): n bytes of malloc'd memory (filled with 0x5A) as a Buffer */
static PyObject *wrap(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    uint8_t *data;
    bp_ref *ref;
    (void)self;
    if (n < 0)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "n < 0");
    data = malloc(n ? (size_t)n : 1);
    if (!data)
        return PyErr_NoMemory();
    memset(data, 0x5A, (size_t)n);
    ref = bp->create(data, (size_t)n, free_block, NULL, 0);
    if (!ref) {
        free(data);
        return PyErr_NoMemory();
    }
    return bp->buffer_from_ref(ref);     /* owns ref now */
}

/* info(buffer) -> (address, size, refcount) of the Buffer's reference */
static PyObject *info(PyObject *self, PyObject *arg)
{
    bp_ref *ref = bp->buffer_ref(arg);
    (void)self;
    if (!ref)
        return NULL;
    return Py_BuildValue("(nnI)", (Py_ssize_t)(uintptr_t)ref->data,
                         (Py_ssize_t)ref->size, bp->refcount(ref));
}

/* keep(buffer): a C-side reference (dup) kept until drop() */
static bp_ref *kept;
static PyObject *keep(PyObject *self, PyObject *arg)
{
    bp_ref *ref = bp->buffer_ref(arg);
    (void)self;
    if (!ref)
        return NULL;
    kept = bp->dup(ref);
    if (!kept)
        return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyObject *drop(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    bp->unref(&kept);
    Py_RETURN_NONE;
}

/* from_pool(pool): a buffer taken by C from a bufpool.Pool, as a Buffer */
static PyObject *from_pool(PyObject *self, PyObject *arg)
{
    bp_pool *pool = bp->pool_of(arg);
    bp_ref *ref;
    (void)self;
    if (!pool)
        return NULL;
    ref = bp->pool_get(pool);
    if (!ref)
        return PyErr_SetFromErrno(PyExc_OSError);
    ref->data[0] = 42;
    return bp->buffer_from_ref(ref);
}

static PyObject *nfreed(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(freed);
}

static PyObject *api_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return Py_BuildValue("(ins)", bp->version, (Py_ssize_t)bp->struct_size,
                         bp->version_string());
}

static PyMethodDef methods[] = {
    {"wrap", wrap, METH_O, NULL},
    {"info", info, METH_O, NULL},
    {"keep", keep, METH_O, NULL},
    {"drop", drop, METH_NOARGS, NULL},
    {"from_pool", from_pool, METH_O, NULL},
    {"freed", nfreed, METH_NOARGS, NULL},
    {"api_version", api_version, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "python_capi_ext", NULL, -1, methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit_python_capi_ext(void);
PyMODINIT_FUNC PyInit_python_capi_ext(void)
{
    bp = bufpool_capi_import();
    if (!bp)
        return NULL;
    return PyModule_Create(&module);
}
