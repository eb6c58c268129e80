/*
 * bufpool_capi.h - the C API of the Python package bufpool, for C
 * extensions that hand buffers to Python or take them from it.
 *
 * The extension bufpool._bufpool carries its own copy of the bufpool
 * library (a wheel needs no libbufpool.so).  A C extension that gives a
 * bp_ref to Python must therefore make it, and drop the ones it holds,
 * with the functions below (that copy), never with another libbufpool
 * linked into the process: two copies do not share thread caches.
 *
 *     #include <Python.h>
 *     #include "bufpool_capi.h"      // -I bufpool.get_include()
 *
 *     const bufpool_capi *bp = bufpool_capi_import();   // NULL + exception
 *     bp_ref *ref = bp->create(frame, size, free_frame, NULL, 0);
 *     PyObject *buf = bp->buffer_from_ref(ref);         // owns ref now
 *
 * Everything here needs the GIL, except the bp_* functions (the library's
 * thread-safety rules, lib/bufpool.h).  The capsule is
 * bufpool._bufpool._C_API; struct_size and version say what it has:
 * fields are only ever added at the end.
 */
#ifndef BUFPOOL_CAPI_H
#define BUFPOOL_CAPI_H

#include <Python.h>
#include "bufpool.h"

#define BUFPOOL_CAPI_NAME "bufpool._bufpool._C_API"
#define BUFPOOL_CAPI_VERSION 1

typedef struct bufpool_capi {
    size_t struct_size;    /* sizeof(bufpool_capi) of the module */
    int version;           /* BUFPOOL_CAPI_VERSION of the module */
    /* A new bufpool.Buffer owning ref (on failure ref is dropped).  NULL
     * with an exception. */
    PyObject *(*buffer_from_ref)(bp_ref *ref);
    /* The reference a live bufpool.Buffer holds: borrowed, valid while the
     * Buffer is alive and not released; bp->dup() it to keep it.  NULL with
     * TypeError (not a Buffer) or ValueError (released). */
    bp_ref *(*buffer_ref)(PyObject *buffer);
    /* The core pool of an open bufpool.Pool (borrowed, valid while the Pool
     * is alive and open).  NULL with an exception. */
    bp_pool *(*pool_of)(PyObject *pool);
    /* The module's copy of the library (see lib/bufpool.h). */
    bp_ref *(*alloc)(size_t size);
    bp_ref *(*allocz)(size_t size);
    bp_ref *(*create)(uint8_t *data, size_t size, bp_free_fn free_cb,
                      void *opaque, unsigned flags);
    bp_ref *(*dup)(const bp_ref *ref);
    void (*unref)(bp_ref **ref);
    bp_ref *(*pool_get)(bp_pool *pool);
    unsigned (*refcount)(const bp_ref *ref);
    int (*is_writable)(const bp_ref *ref);
    const char *(*version_string)(void);
} bufpool_capi;

/* The module's C API (importing bufpool): NULL with an exception. */
static inline const bufpool_capi *bufpool_capi_import(void)
{
    const bufpool_capi *api =
        (const bufpool_capi *)PyCapsule_Import(BUFPOOL_CAPI_NAME, 0);
    if (api && api->version < BUFPOOL_CAPI_VERSION) {
        PyErr_Format(PyExc_ImportError, "bufpool C API version %d, this "
                     "extension needs %d", api->version, BUFPOOL_CAPI_VERSION);
        return NULL;
    }
    return api;
}

#endif /* BUFPOOL_CAPI_H */
