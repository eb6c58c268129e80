"""bufpool Python binding: every API line, every error, export lifetime."""
import ctypes
import errno
import gc
import inspect
import os
import sys
import threading
import time
import unittest

import bufpool
import python_tap

# Under valgrind (make check-valgrind) numpy's own import leaks memory
# (module-init tuples): the buffer protocol is tested with memoryview there.
NUMPY_SKIP = "numpy is not installed for %s" % sys.executable
try:
    if os.environ.get("VALGRIND"):
        NUMPY_SKIP = "numpy is not used under valgrind (its import leaks)"
        raise ImportError(NUMPY_SKIP)
    import numpy
except ImportError:
    numpy = None


class TestModule(unittest.TestCase):
    def test_version(self):
        v = bufpool.__version__
        self.assertIsInstance(v, str)
        self.assertEqual(len(v.split(".")), 3)
        self.assertTrue(all(p.isdigit() for p in v.split(".")))

    def test_docstrings(self):
        self.assertIn("Pool", bufpool.__doc__)
        for obj in (bufpool.Pool, bufpool.Buffer, bufpool.alloc, bufpool.allocz,
                    bufpool.Pool.get, bufpool.Pool.trim, bufpool.Pool.stats,
                    bufpool.Pool.close, bufpool.Buffer.release, bufpool.Buffer.dup,
                    bufpool.Buffer.make_writable):
            self.assertTrue(obj.__doc__ and len(obj.__doc__) > 20, obj)

    def test_alloc(self):
        b = bufpool.alloc(100)
        self.assertEqual(len(b), 100)
        self.assertEqual(b.refcount, 1)
        self.assertTrue(b.writable)
        b[0:3] = b"xyz"
        self.assertEqual(b[0:3], b"xyz")
        b.release()

    def test_allocz(self):
        b = bufpool.allocz(1000)
        self.assertEqual(bytes(b), bytes(1000))
        z = bufpool.allocz(0)
        self.assertEqual(len(z), 0)
        self.assertEqual(bytes(z), b"")
        self.assertEqual(len(memoryview(z)), 0)

    def test_alloc_errors(self):
        self.assertRaises(ValueError, bufpool.alloc, -1)
        self.assertRaises(ValueError, bufpool.allocz, -5)
        self.assertRaises(ValueError, bufpool.alloc, 2 ** 80)
        self.assertRaises(MemoryError, bufpool.alloc, 2 ** 63)
        self.assertRaises(MemoryError, bufpool.allocz, 2 ** 62)
        self.assertRaises(TypeError, bufpool.alloc, "10")
        self.assertRaises(TypeError, bufpool.alloc, 1.5)
        self.assertRaises(TypeError, bufpool.alloc)
        self.assertRaises(TypeError, bufpool.alloc, 1, 2)
        self.assertRaises(TypeError, bufpool.alloc, size=None)
        self.assertEqual(len(bufpool.alloc(size=7)), 7)


class TestPool(unittest.TestCase):
    def test_basic(self):
        pool = bufpool.Pool(4096)
        self.assertEqual((pool.size, pool.max_buffers, pool.min_buffers, pool.align),
                         (4096, 0, 0, 64))
        self.assertFalse(pool.closed)
        buf = pool.get()
        self.assertIsInstance(buf, bufpool.Buffer)
        self.assertEqual(len(buf), 4096)
        self.assertEqual(buf.refcount, 1)
        self.assertTrue(buf.writable)
        self.assertIn("4096", repr(buf))
        self.assertIn("4096", repr(pool))
        buf.release()
        pool.close()
        self.assertTrue(pool.closed)
        self.assertIn("closed", repr(pool))

    def test_keywords(self):
        pool = bufpool.Pool(size=128, max_buffers=4, min_buffers=2, align=256,
                            zero=True, poison=False)
        self.assertEqual(pool.stats()["allocs"], 2)
        self.assertEqual(pool.stats()["idle"], 2)
        b = pool.get()
        mv = memoryview(b)
        self.assertEqual(bytes(mv), bytes(128))
        self.assertEqual(pool.align, 256)
        mv.release()
        b.release()
        pool.close()

    def test_align(self):
        for align in (1, 64, 4096):
            pool = bufpool.Pool(100, align=align)
            b = pool.get()
            if numpy is not None:
                addr = numpy.frombuffer(b, dtype=numpy.uint8).ctypes.data
                self.assertEqual(addr % align, 0)
            b.release()
        self.assertEqual(bufpool.Pool(8, align=0).align, 64)

    def test_bad_options(self):
        self.assertRaises(ValueError, bufpool.Pool, 0)
        self.assertRaises(ValueError, bufpool.Pool, -1)
        self.assertRaises(ValueError, bufpool.Pool, 2 ** 70)
        self.assertRaises(ValueError, bufpool.Pool, 64, align=3)
        self.assertRaises(ValueError, bufpool.Pool, 64, align=-64)
        self.assertRaises(ValueError, bufpool.Pool, 64, max_buffers=-1)
        self.assertRaises(ValueError, bufpool.Pool, 64, min_buffers=5, max_buffers=2)
        self.assertRaises(ValueError, bufpool.Pool, 64, max_buffers=2 ** 40)
        self.assertRaises(TypeError, bufpool.Pool, "64")
        self.assertRaises(TypeError, bufpool.Pool, 64, bogus=1)
        self.assertRaises(TypeError, bufpool.Pool)
        self.assertRaises(TypeError, bufpool.Buffer)
        with self.assertRaises(ValueError) as cm:
            bufpool.Pool(0)
        self.assertIn("size", str(cm.exception))

    def test_alloc_failure(self):
        # The pool is created; the first get cannot allocate 2**62 bytes.
        pool = bufpool.Pool(2 ** 62)
        self.assertRaises(MemoryError, pool.get)
        self.assertRaises(MemoryError, pool.get, timeout=0.01)
        self.assertEqual(pool.stats()["failures"], 2)
        self.assertRaises(MemoryError, bufpool.Pool, 2 ** 62, min_buffers=1)

    def test_zero_and_poison(self):
        pool = bufpool.Pool(64, zero=True)
        b = pool.get()
        b[:] = b"\x11" * 64
        b.release()
        b = pool.get()
        self.assertEqual(bytes(b), bytes(64))
        pool = bufpool.Pool(64, poison=True)
        b = pool.get()
        b[:] = b"\x11" * 64
        b.release()
        b = pool.get()
        self.assertEqual(bytes(b), b"\xa5" * 64)

    def test_reuse_lifo(self):
        pool = bufpool.Pool(256)
        b = pool.get()
        b[0:5] = b"hello"
        b.release()
        b = pool.get()
        self.assertEqual(b[0:5], b"hello")
        st = pool.stats()
        self.assertEqual(st["gets"], 2)
        self.assertEqual(st["reuses"], 1)
        self.assertEqual(st["allocs"], 1)

    def test_stats(self):
        pool = bufpool.Pool(64)
        self.assertEqual(set(pool.stats()), {"gets", "reuses", "allocs", "failures",
                                             "in_use", "idle", "peak_in_use"})
        bufs = [pool.get() for _ in range(5)]
        st = pool.stats()
        self.assertEqual(st["in_use"], 5)
        self.assertEqual(st["peak_in_use"], 5)
        for b in bufs[:3]:
            b.release()
        st = pool.stats()
        self.assertEqual((st["in_use"], st["idle"]), (2, 3))
        self.assertEqual(st["failures"], 0)

    def test_trim(self):
        pool = bufpool.Pool(64)
        bufs = [pool.get() for _ in range(6)]
        for b in bufs:
            b.release()
        self.assertEqual(pool.trim(keep_idle=2), 4)
        self.assertEqual(pool.stats()["idle"], 2)
        self.assertEqual(pool.trim(), 2)
        self.assertEqual(pool.trim(0), 0)
        self.assertRaises(ValueError, pool.trim, -1)
        self.assertRaises(TypeError, pool.trim, "x")

    def test_cap_blocking(self):
        pool = bufpool.Pool(64, max_buffers=2)
        a, b = pool.get(), pool.get()
        with self.assertRaises(BlockingIOError) as cm:
            pool.get()
        self.assertEqual(cm.exception.errno, errno.EAGAIN)
        t0 = time.monotonic()
        self.assertRaises(TimeoutError, pool.get, timeout=0.05)
        self.assertGreaterEqual(time.monotonic() - t0, 0.04)
        with self.assertRaises(BlockingIOError):   # 0 never waits: as get()
            pool.get(timeout=0)
        a.release()
        c = pool.get(timeout=0)
        self.assertEqual(len(c), 64)
        st = pool.stats()
        self.assertEqual((st["gets"], st["failures"]), (6, 3))  # each get once

    def test_timeout_errors(self):
        pool = bufpool.Pool(64, max_buffers=1)
        self.assertRaises(ValueError, pool.get, timeout=-1)
        self.assertRaises(ValueError, pool.get, timeout=float("nan"))
        self.assertRaises(TypeError, pool.get, timeout="1")
        b = pool.get(timeout=float("inf"))  # free buffer: no wait
        b.release()
        b = pool.get(timeout=None)
        b.release()

    def test_wait_wakes_on_release(self):
        pool = bufpool.Pool(64, max_buffers=1)
        held = pool.get()
        got = []

        def waiter():
            got.append(pool.get(timeout=None))

        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.05)           # the waiter is blocked without the GIL
        self.assertEqual(got, [])
        held.release()
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertEqual(len(got), 1)
        got[0].release()

    def test_close_wakes_waiters(self):
        pool = bufpool.Pool(64, max_buffers=1)
        held = pool.get()
        errors = []
        ready = threading.Event()

        def waiter():
            ready.set()
            try:
                pool.get(timeout=None)         # would wait forever
            except ValueError as e:
                errors.append((str(e), time.monotonic()))

        threads = [threading.Thread(target=waiter) for _ in range(3)]
        for t in threads:
            t.start()
        ready.wait(5)
        time.sleep(0.1)                        # the waiters are in the wait
        t0 = time.monotonic()
        pool.close()
        self.assertTrue(pool.closed)
        self.assertRaises(ValueError, pool.get)
        for t in threads:
            t.join(5)
            self.assertFalse(t.is_alive())
        self.assertEqual(len(errors), 3)
        for msg, when in errors:
            self.assertIn("closed while waiting", msg)
            self.assertLess(when - t0, 1.0)    # at once (flushing), generously
        held[0] = 1                            # buffers out stay valid
        held.release()

    def test_closed_errors(self):
        pool = bufpool.Pool(64)
        pool.close()
        pool.close()               # idempotent
        self.assertRaises(ValueError, pool.get)
        self.assertRaises(ValueError, pool.get, timeout=1)
        self.assertRaises(ValueError, pool.trim)
        self.assertRaises(ValueError, pool.stats)
        with self.assertRaises(ValueError):
            with pool:
                pass

    def test_pool_context_manager(self):
        with bufpool.Pool(64) as pool:
            b = pool.get()
        self.assertTrue(pool.closed)
        b[0] = 5                   # buffers outlive the pool
        self.assertEqual(b[0], 5)
        b.release()

    def test_pool_gc_with_buffers_out(self):
        pool = bufpool.Pool(64, min_buffers=3)
        b = pool.get()
        b[:4] = b"live"
        del pool
        gc.collect()
        self.assertEqual(b[:4], b"live")
        b2 = b.dup()
        b.release()
        self.assertEqual(b2[:4], b"live")
        del b2
        gc.collect()

    def test_new_without_init(self):
        # Objects made by __new__ have no C object: errors, never a crash.
        for cls in (bufpool.Buffer, bufpool.Pool):
            try:
                obj = cls.__new__(cls)
            except TypeError:
                continue
            repr(obj)
            for name in dir(cls):
                if name.startswith("__") and name not in ("__len__", "__enter__",
                                                          "__exit__", "__getitem__"):
                    continue
                attr = getattr(obj, name, None)
                if callable(attr):
                    for args in ((), (0,), (None, None, None)):
                        try:
                            attr(*args)
                        except Exception:
                            pass
            for f in (len, bytes, memoryview, lambda o: o[0]):
                try:
                    f(obj)
                except Exception:
                    pass
            del obj
            gc.collect()


class TestBuffer(unittest.TestCase):
    def setUp(self):
        self.pool = bufpool.Pool(4096)

    def test_memoryview(self):
        buf = self.pool.get()
        mv = memoryview(buf)
        self.assertFalse(mv.readonly)
        self.assertEqual((mv.format, mv.itemsize, mv.ndim, mv.nbytes), ("B", 1, 1, 4096))
        self.assertTrue(mv.c_contiguous)
        mv[0] = 7
        self.assertEqual(buf[0], 7)         # zero-copy
        buf[1] = 8
        self.assertEqual(mv[1], 8)
        self.assertEqual(buf.exports, 1)
        mv.release()
        self.assertEqual(buf.exports, 0)
        buf.release()

    def test_slicing(self):
        buf = self.pool.get()
        buf[0:4] = b"abcd"
        self.assertEqual(buf[0:4], b"abcd")
        self.assertIsInstance(buf[0:4], bytes)
        self.assertEqual(bytes(buf)[:4], b"abcd")
        self.assertEqual(buf[-1:], bytes(buf)[-1:])
        buf[4:8] = bytearray(b"efgh")
        buf[8:12] = memoryview(b"ijkl")
        self.assertEqual(buf[0:12], b"abcdefghijkl")
        self.assertEqual(buf[0:12:2], b"acegik")
        self.assertEqual(buf[4095], buf[-1])
        self.assertEqual(buf.exports, 0)    # slicing leaves no export behind
        with self.assertRaises(IndexError):
            buf[4096]
        with self.assertRaises(IndexError):
            buf[4096] = 1
        with self.assertRaises(ValueError):
            buf[0:4] = b"toolong"
        with self.assertRaises(ValueError):
            buf[0] = 256
        with self.assertRaises(TypeError):
            buf[0] = b"a"
        with self.assertRaises(TypeError):
            buf["x"]
        with self.assertRaises(TypeError):
            del buf[0]
        self.assertEqual(buf.exports, 0)
        buf.release()

    def test_io_into(self):
        import io
        buf = self.pool.get()
        n = io.BytesIO(b"0123456789").readinto(buf)
        self.assertEqual(n, 10)
        self.assertEqual(buf[:10], b"0123456789")
        out = io.BytesIO()
        out.write(buf)
        self.assertEqual(len(out.getvalue()), 4096)

    def test_context_manager(self):
        with self.pool.get() as b:
            b[0] = 1
            self.assertEqual(self.pool.stats()["in_use"], 1)
        self.assertTrue(b.released)
        self.assertEqual(self.pool.stats()["in_use"], 0)
        self.assertRaises(ValueError, len, b)
        with self.assertRaises(ValueError):
            with b:
                pass
        # exceptions propagate, the buffer is still released
        with self.assertRaises(KeyError):
            with self.pool.get() as c:
                raise KeyError
        self.assertTrue(c.released)

    def test_dup_refcount_writable(self):
        buf = self.pool.get()
        buf[0] = 42
        b2 = buf.dup()
        self.assertEqual(buf.refcount, 2)
        self.assertEqual(b2.refcount, 2)
        self.assertFalse(buf.writable)
        self.assertEqual(b2[0], 42)
        # shared: exports are read-only
        mv = memoryview(buf)
        self.assertTrue(mv.readonly)
        self.assertEqual(mv[0], 42)
        with self.assertRaises(TypeError):
            mv[0] = 1
        with self.assertRaises(BufferError):
            buf[0] = 1
        # make_writable would replace the memory under a live export
        self.assertRaises(BufferError, buf.make_writable)
        mv.release()
        buf.make_writable()
        self.assertTrue(buf.writable)
        self.assertEqual(buf.refcount, 1)
        self.assertEqual(b2.refcount, 1)
        self.assertEqual(buf[0], 42)         # a copy
        buf[0] = 1
        self.assertEqual(b2[0], 42)
        buf.make_writable()                  # no-op
        b2.release()
        self.assertEqual(self.pool.stats()["in_use"], 0)

    def test_release_idempotent_then_valueerror(self):
        buf = self.pool.get()
        buf.release()
        buf.release()
        self.assertTrue(buf.released)
        for f in (len, bytes, memoryview, list, lambda b: b[0], lambda b: b.dup(),
                  lambda b: b.refcount, lambda b: b.writable, lambda b: b.nbytes,
                  lambda b: b.address, lambda b: b.slice(0),
                  lambda b: b.make_writable(), lambda b: b.__setitem__(0, 1)):
            with self.assertRaises(ValueError) as cm:
                f(buf)
            self.assertIn("released", str(cm.exception))
        self.assertIn("released", repr(buf))

    def test_release_with_export(self):
        buf = self.pool.get()
        mv = memoryview(buf)
        with self.assertRaises(BufferError):
            buf.release()
        with self.assertRaises(BufferError):
            buf.__exit__(None, None, None)
        self.assertFalse(buf.released)
        mv.release()
        buf.release()

    def test_memoryview_outlives_buffer_and_pool(self):
        pool = bufpool.Pool(1024, max_buffers=1)
        buf = pool.get()
        mv = memoryview(buf)
        mv[:3] = b"abc"
        del buf
        gc.collect()
        # the memory is still out: the capped pool has nothing to give
        self.assertRaises(BlockingIOError, pool.get)
        self.assertEqual(pool.stats()["in_use"], 1)
        pool.close()
        del pool
        gc.collect()
        self.assertEqual(bytes(mv[:3]), b"abc")
        mv[1020:1024] = b"tail"
        sub = mv[1:3]
        mv.release()
        self.assertEqual(bytes(sub), b"bc")   # a slice is an export too
        del sub
        gc.collect()

    def test_memoryview_keeps_buffer_from_pool(self):
        pool = bufpool.Pool(64, max_buffers=1)
        mv = memoryview(pool.get())
        self.assertRaises(BlockingIOError, pool.get)
        mv.release()                          # last holder: back to the pool
        b = pool.get()
        self.assertEqual(len(b), 64)

    def test_readonly_request_on_shared(self):
        buf = bufpool.alloc(16)
        b2 = buf.dup()
        self.assertEqual(bytes(buf), bytes(b2))   # read-only exports still work
        b2.release()
        self.assertTrue(buf.writable)
        memoryview(buf)[0] = 3

    @unittest.skipIf(numpy is None, NUMPY_SKIP)
    def test_numpy(self):
        buf = self.pool.get()
        arr = numpy.frombuffer(buf, dtype=numpy.uint8)
        self.assertEqual(arr.shape, (4096,))
        arr[:] = 3
        self.assertEqual(buf[100], 3)         # shares memory
        buf[5] = 9
        self.assertEqual(int(arr[5]), 9)
        self.assertRaises(BufferError, buf.release)
        f32 = numpy.frombuffer(buf, dtype=numpy.float32)
        self.assertEqual(f32.shape, (1024,))
        del arr, f32
        gc.collect()
        buf.release()
        # an array outliving its Buffer and the pool
        pool = bufpool.Pool(64)
        b = pool.get()
        arr = numpy.frombuffer(b, dtype=numpy.uint8)
        arr[:] = 7
        del b
        pool.close()
        del pool
        gc.collect()
        self.assertEqual(int(arr.sum()), 7 * 64)


class TestPythonic(unittest.TestCase):
    """What a Python user expects of an extension type (issue 13)."""

    SWIG_NAMES = {"this", "thisown", "disown", "own", "next", "append",
                  "acquire"}

    def test_no_swig_visible(self):
        for cls in (bufpool.Pool, bufpool.Buffer):
            self.assertEqual(cls.__mro__, (cls, object))
            self.assertIs(type(cls), type)
            self.assertEqual(cls.__module__, "bufpool")
            self.assertEqual(set(dir(cls)) & self.SWIG_NAMES, set())
        pool = bufpool.Pool(64)
        b = pool.get()
        for obj in (pool, b):
            self.assertEqual(set(dir(obj)) & self.SWIG_NAMES, set())
            with self.assertRaises(AttributeError):
                obj.disown()
        self.assertNotIn("Swig", repr(type(b).__mro__))
        # int(buf) is not the address of a C struct (as for bytearray, the
        # bytes are parsed as text)
        with self.assertRaises((TypeError, ValueError)):
            int(b)
        with self.assertRaises(AttributeError):
            b.anything = 1             # no instance dict: typos are errors
        with self.assertRaises(AttributeError):
            pool.anything = 1
        for obj in (pool, b):
            with self.assertRaises(AttributeError):
                obj.__dict__
        for name in ("swig_type", "SWIG_PyInstanceMethod_New", "SwigPyObject"):
            self.assertFalse(hasattr(bufpool, name), name)

    def test_error_messages_name_the_python_api(self):
        pool = bufpool.Pool(64)
        b = pool.get()
        checks = [
            (lambda: bufpool.Pool(64, bogus=1), "Pool()"),
            (lambda: bufpool.Pool(), "Pool()"),
            (lambda: pool.get(1, 2), "Pool.get()"),
            (lambda: pool.get(bogus=1), "Pool.get()"),
            (lambda: pool.trim(1, 2), "Pool.trim()"),
            (lambda: pool.trim(bogus=1), "Pool.trim()"),
            (lambda: b.slice(0, 1, 2), "Buffer.slice()"),
            (lambda: b.slice(offset=0, bogus=1), "Buffer.slice()"),
            (lambda: bufpool.alloc(), "alloc()"),
            (lambda: bufpool.alloc(1, 2), "alloc()"),
            (lambda: b.release(1), "release()"),
            (lambda: pool.stats(1), "stats()"),
        ]
        for f, name in checks:
            with self.assertRaises(TypeError) as cm:
                f()
            msg = str(cm.exception)
            self.assertIn(name, msg)
            for swig in ("new_Pool", "Pool_get", "Pool_trim", "Buffer_slice",
                         "_wrap", "argument 1 of type"):
                self.assertNotIn(swig, msg)

    def test_signatures(self):
        sig = lambda f: str(inspect.signature(f))
        self.assertEqual(sig(bufpool.Pool),
                         "(size, max_buffers=0, min_buffers=0, align=0, "
                         "zero=False, poison=False, cache=0, no_cache=False)")
        self.assertEqual(sig(bufpool.Pool.get), "(self, /, timeout=0)")
        self.assertEqual(sig(bufpool.Pool.trim), "(self, /, keep_idle=0)")
        self.assertEqual(sig(bufpool.Pool.stats), "(self, /)")
        self.assertEqual(sig(bufpool.Pool.close), "(self, /)")
        self.assertEqual(sig(bufpool.Buffer.release), "(self, /)")
        self.assertEqual(sig(bufpool.Buffer.dup), "(self, /)")
        self.assertEqual(sig(bufpool.Buffer.slice), "(self, /, offset=0, length=None)")
        self.assertEqual(sig(bufpool.Buffer.make_writable), "(self, /)")
        self.assertEqual(sig(bufpool.alloc), "(size)")
        self.assertEqual(sig(bufpool.allocz), "(size)")
        self.assertEqual(sig(bufpool.version), "()")
        self.assertEqual(sig(bufpool.Pool(8).get), "(timeout=0)")
        for obj in (bufpool.Pool, bufpool.Buffer, bufpool.Pool.get,
                    bufpool.Buffer.slice, bufpool.Pool.size, bufpool.Buffer.address):
            doc = inspect.getdoc(obj)
            self.assertTrue(doc and len(doc) > 10 and "--" not in doc.split("\n")[0], obj)
        self.assertTrue(os.path.isfile(os.path.join(bufpool.get_include(),
                                                    "bufpool_capi.h")))
        self.assertTrue(os.path.isfile(os.path.join(bufpool.get_include(),
                                                    "bufpool.h")))

    def test_init_twice_is_a_type_error(self):
        class MyPool(bufpool.Pool):
            def __init__(self, size):
                super().__init__(size, max_buffers=2)
                self.extra = True      # a subclass may have attributes

        p = MyPool(128)
        self.assertEqual((p.size, p.max_buffers, p.extra), (128, 2, True))
        b = p.get()
        allocs = p.stats()["allocs"]
        for args in ((128,), (4096,), (1 << 20,)):
            with self.assertRaises(TypeError) as cm:
                bufpool.Pool.__init__(p, *args)
            self.assertIn("already initialised", str(cm.exception))
        self.assertEqual((p.size, p.max_buffers), (128, 2))   # unchanged
        self.assertEqual(p.stats()["allocs"], allocs)
        b.release()
        b = p.get()
        self.assertEqual(len(b), 128)
        # a failed first __init__ may be retried
        q = bufpool.Pool.__new__(bufpool.Pool)
        self.assertRaises(ValueError, q.get)
        self.assertRaises(ValueError, bufpool.Pool.__init__, q, 0)
        bufpool.Pool.__init__(q, 16)
        self.assertEqual(len(q.get()), 16)

    def test_cache_options(self):
        p = bufpool.Pool(64, cache=4)
        self.assertEqual((p.cache, p.no_cache), (4, False))
        p = bufpool.Pool(64, no_cache=True)
        self.assertEqual((p.cache, p.no_cache), (0, True))
        b = p.get(); b.release(); b = p.get()
        self.assertEqual(p.stats()["reuses"], 1)
        with self.assertRaises(ValueError) as cm:
            bufpool.Pool(64, cache=4, no_cache=True)
        self.assertIn("cache is set together with BP_POOL_NO_CACHE", str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            bufpool.Pool(64, cache=64)
        self.assertIn("cache is above BP_POOL_CACHE_MAX", str(cm.exception))
        # the one config check (the core's): the rule and its words
        with self.assertRaises(ValueError) as cm:
            bufpool.Pool(64, min_buffers=5, max_buffers=2)
        self.assertEqual(str(cm.exception), "bufpool.Pool: min_buffers is above max_buffers")

    def test_address_nbytes_slice_iter(self):
        pool = bufpool.Pool(4096, align=4096)
        b = pool.get()
        self.assertEqual(b.nbytes, 4096)
        self.assertEqual(b.address % 4096, 0)
        b[:4] = b"abcd"
        self.assertEqual(ctypes.string_at(b.address, 4), b"abcd")
        if numpy is not None:
            self.assertEqual(b.address, numpy.frombuffer(b, numpy.uint8).ctypes.data)
        s = b.slice(1, 2)
        self.assertIsInstance(s, bufpool.Buffer)
        self.assertEqual((len(s), s.nbytes, bytes(s)), (2, 2, b"bc"))
        self.assertEqual(s.address, b.address + 1)       # zero-copy
        self.assertEqual((b.refcount, s.refcount), (2, 2))
        self.assertEqual(len(b.slice(4000)), 96)         # to the end
        self.assertEqual(len(b.slice(4096)), 0)
        self.assertEqual(len(b.slice(length=10)), 10)
        self.assertEqual(bytes(b.slice(2, None)), bytes(b)[2:])
        gc.collect()
        for bad in ((4097,), (0, 4097), (4000, 97)):
            self.assertRaises(IndexError, b.slice, *bad)
        self.assertRaises(ValueError, b.slice, -1)
        self.assertRaises(TypeError, b.slice, "1")
        s2 = s.slice(1)                                  # a slice of a slice
        self.assertEqual(bytes(s2), b"c")
        s.release()
        s2.release()
        self.assertEqual(b.refcount, 1)
        # iteration: the bytes as ints, no export left behind
        self.assertEqual(list(b)[:4], [97, 98, 99, 100])
        self.assertEqual(sum(1 for _ in b), 4096)
        self.assertIn(99, b)
        self.assertEqual(b.exports, 0)
        it = iter(b)
        next(it)
        b.release()                    # an iterator holds no export
        self.assertRaises(ValueError, next, it)

    def test_stats_is_a_plain_dict(self):
        pool = bufpool.Pool(64)
        st = pool.stats()
        self.assertIs(type(st), dict)
        self.assertTrue(all(type(v) is int for v in st.values()))
        self.assertEqual(st, {"gets": 0, "reuses": 0, "allocs": 0, "failures": 0,
                              "in_use": 0, "idle": 0, "peak_in_use": 0})

    def test_wait_counts_once_in_stats(self):
        pool = bufpool.Pool(64, max_buffers=1)
        held = pool.get()
        threading.Timer(0.3, held.release).start()
        b = pool.get(timeout=5)            # waits ~6 slices, then succeeds
        st = pool.stats()
        self.assertEqual((st["gets"], st["failures"]), (2, 0))
        self.assertRaises(TimeoutError, pool.get, timeout=0.2)
        st = pool.stats()
        self.assertEqual((st["gets"], st["failures"]), (3, 1))
        b.release()


class TestSharingRule(unittest.TestCase):
    """Exports of a shared buffer are read-only, and a buffer with a
    writable export cannot be shared: no write reaches another reference."""

    def test_dup_refused_while_writable_export(self):
        b = bufpool.Pool(64).get()
        mv = memoryview(b)
        self.assertFalse(mv.readonly)
        for share in (b.dup, lambda: b.slice(0, 8)):
            with self.assertRaises(BufferError) as cm:
                share()
            self.assertIn("writable export", str(cm.exception))
        self.assertEqual(b.refcount, 1)
        mv[0] = 1                          # still the sole owner: fine
        mv.release()
        d = b.dup()                        # no writable export: shared now
        mv2 = memoryview(b)
        self.assertTrue(mv2.readonly)      # new exports are read-only
        with self.assertRaises(TypeError):
            mv2[0] = 2
        self.assertEqual(d[0], 1)
        e = b.dup()                        # read-only exports do not block
        e.release()
        mv2.release()
        d.release()
        self.assertTrue(memoryview(b).readonly is False)

    @unittest.skipIf(numpy is None, NUMPY_SKIP)
    def test_numpy_view_blocks_sharing(self):
        b = bufpool.Pool(64).get()
        arr = numpy.frombuffer(b, dtype=numpy.uint8)
        self.assertTrue(arr.flags.writeable)
        self.assertRaises(BufferError, b.dup)
        del arr
        d = b.dup()
        arr = numpy.frombuffer(b, dtype=numpy.uint8)
        self.assertFalse(arr.flags.writeable)   # shared: read-only array
        with self.assertRaises(ValueError):
            arr[0] = 1
        del arr
        d.release()


class TestExitNeverHides(unittest.TestCase):
    def test_block_exception_wins_over_live_export(self):
        pool = bufpool.Pool(64, max_buffers=1)
        with self.assertRaises(KeyError) as cm:
            with pool.get() as b:
                mv = memoryview(b)
                raise KeyError("the block's own error")
        self.assertEqual(cm.exception.args, ("the block's own error",))
        notes = getattr(cm.exception, "__notes__", [])
        if sys.version_info >= (3, 11):
            self.assertTrue(any("last export" in n for n in notes), notes)
        self.assertFalse(b.released)           # the view still needs it
        self.assertRaises(BlockingIOError, pool.get)
        mv.release()                           # the last export: released
        self.assertTrue(b.released)
        pool.get().release()

    @unittest.skipIf(numpy is None, NUMPY_SKIP)
    def test_numpy_view_at_exit(self):
        pool = bufpool.Pool(64)
        with self.assertRaises(ZeroDivisionError):
            with pool.get() as b:
                arr = numpy.frombuffer(b, dtype=numpy.uint8)
                1 / 0
        del arr
        gc.collect()
        self.assertTrue(b.released)
        self.assertEqual(pool.stats()["in_use"], 0)

    def test_no_exception_live_export_is_buffer_error(self):
        pool = bufpool.Pool(64)
        with self.assertRaises(BufferError):
            with pool.get() as b:
                mv = memoryview(b)
        self.assertFalse(b.released)
        mv.release()
        b.release()


class TestWithFastPath(unittest.TestCase):
    """buf.__enter__/__exit__ are bound without a GC-tracked method object
    (python_post.i); they must behave as bound methods do."""

    def test_bound_methods(self):
        pool = bufpool.Pool(64)
        ex = pool.get().__exit__           # the only reference to the Buffer
        self.assertIn("bound method Buffer.__exit__", repr(ex))
        self.assertEqual(pool.stats()["in_use"], 1)   # kept alive by ex
        self.assertIsNone(ex(None, None, None))
        self.assertEqual(pool.stats()["in_use"], 0)
        del ex
        b = pool.get()
        self.assertIs(b.__enter__(), b)
        self.assertRaises(TypeError, b.__enter__, 1)
        self.assertRaises(TypeError, b.__exit__, None)
        self.assertRaises(TypeError, b.__exit__, None, None, None, exc=None)
        bufpool.Buffer.__exit__(b, None, None, None)   # the class's method
        self.assertTrue(b.released)
        self.assertRaises(ValueError, b.__enter__)
        self.assertRaises(TypeError, bufpool.Buffer.__dict__["__exit__"].__get__, 1)
        self.assertEqual(str(inspect.signature(bufpool.Buffer.__enter__)), "(self, /)")
        self.assertIn("release", bufpool.Buffer.__exit__.__doc__)

    def test_with_without_as(self):
        pool = bufpool.Pool(64)
        with pool.get():                   # the Buffer lives in __exit__ only
            self.assertEqual(pool.stats()["in_use"], 1)
        self.assertEqual(pool.stats()["in_use"], 0)
        for _ in range(100):               # more than the freelists hold
            with pool.get() as b, pool.get() as c:
                self.assertIsNot(b, c)
        self.assertEqual(pool.stats()["in_use"], 0)
        held = [pool.get().__exit__ for _ in range(40)]
        self.assertEqual(pool.stats()["in_use"], 40)
        del held
        self.assertEqual(pool.stats()["in_use"], 0)


class TestRefcounts(unittest.TestCase):
    """The C objects hold the right number of references (the interpreter
    runs the tests with -X dev; make check-valgrind checks for leaks)."""

    def test_refcounts_stay_flat(self):
        pool = bufpool.Pool(64)
        n_pool = sys.getrefcount(pool)
        for _ in range(1000):
            b = pool.get()
            self.assertEqual(sys.getrefcount(b), 2)
            with b as c:
                self.assertIs(c, b)
            mv = memoryview(pool.get())
            del mv
            d = pool.get().dup()
            d.slice(1).release()
            del b, c, d
        self.assertEqual(sys.getrefcount(pool), n_pool)
        self.assertEqual(pool.stats()["in_use"], 0)
        with pool as p:
            self.assertIs(p, pool)
        del p
        self.assertEqual(sys.getrefcount(pool), n_pool)

    def test_many_buffers_alive(self):
        # more live Buffers than the freelist keeps, then all freed
        pool = bufpool.Pool(32)
        bufs = [pool.get() for _ in range(500)]
        for i, b in enumerate(bufs):
            b[0] = i & 0xFF
        self.assertEqual([b[0] for b in bufs], [i & 0xFF for i in range(500)])
        del bufs, b
        self.assertEqual(pool.stats()["in_use"], 0)
        bufs = [pool.get() for _ in range(500)]   # reused objects: fresh state
        self.assertTrue(all(b.refcount == 1 and b.exports == 0 and
                            not b.released for b in bufs))


if __name__ == "__main__":
    python_tap.main()
