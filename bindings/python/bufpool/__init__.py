"""Pooled, reference-counted, zero-copy memory buffers (the bufpool C library).

    pool = bufpool.Pool(4096, max_buffers=64)
    with pool.get() as buf:               # back to the pool at the end
        n = sock.recv_into(buf)
        process(memoryview(buf)[:n])

Pool hands out Buffer objects; a Buffer returns to its pool when it is
released (release(), the end of a with block, or garbage collection).
Buffers support the buffer protocol (memoryview, numpy) without copies.
See help(bufpool.Pool) and help(bufpool.Buffer); C extensions can hand
buffers to Python through bufpool_capi.h (get_include()).
"""
import os as _os

from ._bufpool import Buffer, Pool, alloc, allocz, version, __version__

__all__ = ["Buffer", "Pool", "alloc", "allocz", "version", "get_include",
           "__version__"]


def get_include():
    """The directory of bufpool_capi.h and bufpool.h, for C extensions."""
    return _os.path.dirname(_os.path.abspath(__file__))
